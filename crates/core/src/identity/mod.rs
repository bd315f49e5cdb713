//! Identity: which brand the message claims to be, whether its sender and links are the brand's, display-name
//! tricks, and lookalike domains.

use crate::brands::BrandKb;
use crate::config::Config;
use crate::finding::Finding;
use crate::model::Facts;

/// Fill `facts.brands`.
pub fn extract(_text: &str, _kb: &BrandKb, _facts: &mut Facts) {}

/// Identity findings.
pub fn check(_facts: &Facts, _kb: &BrandKb, _cfg: &Config, _out: &mut Vec<Finding>) {}
