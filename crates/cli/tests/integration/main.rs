//! The one integration-test binary: runs the real `phishlens` command as a user would.

mod batch;
mod corpus;
mod memory;
mod network;
mod schema;
mod seeds;
mod snapshots;
mod url;
mod util;
