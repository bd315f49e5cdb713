//! The brand knowledge base: names and aliases (ja/en) and genuine registrable domains of the brands most
//! impersonated, from data/brands.toml (embedded at build time), extensible with `--brands FILE`.

use crate::config::Config;
use serde::Deserialize;
use std::sync::LazyLock;

#[derive(Debug, Clone, Deserialize)]
pub struct Brand {
    pub id: String,
    pub name: String,
    #[serde(default)]
    pub aliases: Vec<String>,
    /// Genuine registrable domains.
    pub domains: Vec<String>,
}

#[derive(Debug, Clone, Default)]
pub struct BrandKb {
    pub brands: Vec<Brand>,
}

#[derive(Deserialize)]
struct File {
    #[serde(default)]
    brand: Vec<Brand>,
}

impl BrandKb {
    pub fn from_toml(text: &str) -> Result<BrandKb, String> {
        let f: File = toml::from_str(text).map_err(|e| e.to_string())?;
        Ok(BrandKb { brands: f.brand })
    }

    /// The brands whose genuine domains include this registrable domain.
    pub fn owners_of(&self, registrable: &str) -> impl Iterator<Item = &Brand> {
        self.brands.iter().filter(move |b| b.domains.iter().any(|d| d.eq_ignore_ascii_case(registrable)))
    }
}

static BUILTIN: LazyLock<BrandKb> = LazyLock::new(|| {
    BrandKb::from_toml(include_str!("../data/brands.toml")).unwrap_or_else(|e| panic!("data/brands.toml: {e}"))
});

pub fn builtin() -> &'static BrandKb {
    &BUILTIN
}

/// The knowledge base for this analysis.
pub fn kb<'a>(cfg: &'a Config) -> &'a BrandKb {
    match cfg.brands.as_deref() {
        Some(kb) => kb,
        None => builtin(),
    }
}
