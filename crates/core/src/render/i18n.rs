//! Report wording in ja/en, from data/i18n.toml (embedded). Finding texts come from the finding catalog.

use serde::Deserialize;
use std::collections::HashMap;
use std::sync::LazyLock;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    Ja,
    En,
}

impl Lang {
    pub fn parse(s: &str) -> Option<Lang> {
        let s = s.trim().to_ascii_lowercase();
        if s.starts_with("ja") {
            Some(Lang::Ja)
        } else if s.starts_with("en") {
            Some(Lang::En)
        } else {
            None
        }
    }

    /// From the usual locale variables (LC_ALL, LC_MESSAGES, LANG); English when unset or unknown.
    pub fn from_env() -> Lang {
        for var in ["LC_ALL", "LC_MESSAGES", "LANG"] {
            if let Ok(v) = std::env::var(var)
                && !v.is_empty()
            {
                return if v.to_ascii_lowercase().starts_with("ja") { Lang::Ja } else { Lang::En };
            }
        }
        Lang::En
    }

    pub fn code(self) -> &'static str {
        match self {
            Lang::Ja => "ja",
            Lang::En => "en",
        }
    }

    pub fn pick(self, t: &crate::catalog::Texts) -> &str {
        match self {
            Lang::Ja => &t.ja,
            Lang::En => &t.en,
        }
    }
}

#[derive(Deserialize)]
#[serde(untagged)]
enum Node {
    Leaf(crate::catalog::Texts),
    Table(HashMap<String, Node>),
}

static STRINGS: LazyLock<HashMap<String, crate::catalog::Texts>> = LazyLock::new(|| {
    let root: HashMap<String, Node> =
        toml::from_str(include_str!("../../data/i18n.toml")).unwrap_or_else(|e| panic!("data/i18n.toml: {e}"));
    let mut out = HashMap::new();
    fn walk(prefix: &str, n: Node, out: &mut HashMap<String, crate::catalog::Texts>) {
        match n {
            Node::Leaf(t) => {
                out.insert(prefix.to_string(), t);
            }
            Node::Table(m) => {
                for (k, v) in m {
                    let key = if prefix.is_empty() { k } else { format!("{prefix}.{k}") };
                    walk(&key, v, out);
                }
            }
        }
    }
    for (k, v) in root {
        walk(&k, v, &mut out);
    }
    out
});

/// The text for `key` in `lang`; the key itself when missing (a test keeps that from shipping).
pub fn t(lang: Lang, key: &str) -> &'static str {
    match STRINGS.get(key) {
        Some(texts) => lang.pick(texts),
        None => {
            debug_assert!(false, "missing i18n key {key}");
            "?"
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_key_has_both_languages() {
        assert!(STRINGS.len() > 50);
        for (k, v) in STRINGS.iter() {
            assert!(!v.en.is_empty() && !v.ja.is_empty(), "{k}");
        }
        assert_eq!(t(Lang::Ja, "sec.subject"), "件名");
    }

    #[test]
    fn lang_from_names() {
        assert_eq!(Lang::parse("ja_JP.UTF-8"), Some(Lang::Ja));
        assert_eq!(Lang::parse("en"), Some(Lang::En));
        assert_eq!(Lang::parse("fr"), None);
    }
}
