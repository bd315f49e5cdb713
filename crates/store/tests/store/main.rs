//! The store's integration tests, in one binary: correlation across realistic fixtures
//! (tests/fixtures/memory/), durability (a killed writer, concurrent writers, an old schema), and the STIX
//! export against the STIX 2.1 JSON schema (a fixture subset of the official one).

mod correlation;
mod durability;
mod stix;
mod util;
