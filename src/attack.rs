//! ATT&CK tactics: ids, names and the spellings sources use for them.
//!
//! The table is data (`data/tactics.json`), not code, so that adding an alias
//! a new source version writes is a one-line change that tests pin.

use serde::Deserialize;
use std::sync::OnceLock;

#[derive(Debug, Deserialize)]
pub struct Tactic {
    pub id: String,
    pub name: String,
    pub slug: String,
    #[serde(default)]
    pub aliases: Vec<String>,
}

#[derive(Deserialize)]
struct Table {
    tactics: Vec<Tactic>,
}

/// All tactics in kill-chain order.
pub fn tactics() -> &'static [Tactic] {
    static TABLE: OnceLock<Vec<Tactic>> = OnceLock::new();
    TABLE.get_or_init(|| {
        let t: Table = serde_json::from_str(include_str!("../data/tactics.json"))
            .expect("data/tactics.json is valid (pinned by a test)");
        t.tactics
    })
}

fn fold(s: &str) -> String {
    s.chars().filter(|c| c.is_ascii_alphanumeric()).map(|c| c.to_ascii_lowercase()).collect()
}

/// Resolves any spelling of a tactic (`TA0007`, `Discovery`, `discovery`,
/// `mitre_discovery`, `CredentialAccess`, `credential-access`) to its id.
pub fn tactic_id(name: &str) -> Option<&'static str> {
    let f = fold(name);
    if f.is_empty() {
        return None;
    }
    tactics()
        .iter()
        .find(|t| {
            fold(&t.id) == f
                || fold(&t.name) == f
                || fold(&t.slug) == f
                || t.aliases.iter().any(|a| fold(a) == f)
        })
        .map(|t| t.id.as_str())
}

/// Position in the kill chain (for sorting), or `usize::MAX` when unknown.
pub fn kill_chain_position(id: &str) -> usize {
    tactics().iter().position(|t| t.id == id).unwrap_or(usize::MAX)
}

pub fn tactic_name(id: &str) -> Option<&'static str> {
    tactics().iter().find(|t| t.id == id).map(|t| t.name.as_str())
}

/// Whether a string is an ATT&CK technique id (`T1059`, `T1552.007`).
pub fn is_technique_id(s: &str) -> bool {
    let b = s.as_bytes();
    if b.len() < 5 || b[0] != b'T' || !b[1..5].iter().all(u8::is_ascii_digit) {
        return false;
    }
    match &b[5..] {
        [] => true,
        [b'.', rest @ ..] => rest.len() == 3 && rest.iter().all(u8::is_ascii_digit),
        _ => false,
    }
}

/// Splits source tags into (tactic ids, technique ids), sorted and unique;
/// tags that are neither are left out (they stay in the raw record).
pub fn classify_tags<'a>(tags: impl IntoIterator<Item = &'a str>) -> (Vec<String>, Vec<String>) {
    let mut tactics = Vec::new();
    let mut techniques = Vec::new();
    for tag in tags {
        let tag = tag.trim();
        if is_technique_id(tag) {
            techniques.push(tag.to_string());
        } else if let Some(id) = tactic_id(tag) {
            tactics.push(id.to_string());
        }
    }
    tactics.sort_by_key(|t| kill_chain_position(t));
    tactics.dedup();
    techniques.sort();
    techniques.dedup();
    (tactics, techniques)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_spelling_resolves() {
        assert_eq!(tactic_id("TA0007"), Some("TA0007"));
        assert_eq!(tactic_id("mitre_discovery"), Some("TA0007"));
        assert_eq!(tactic_id("CredentialAccess"), Some("TA0006"));
        assert_eq!(tactic_id("credential-access"), Some("TA0006"));
        assert_eq!(tactic_id("Command and Control"), Some("TA0011"));
        assert_eq!(tactic_id("Probing"), None);
    }

    #[test]
    fn tags_split_into_tactics_and_techniques() {
        let (ta, te) = classify_tags(["container", "mitre_persistence", "TA0003", "T1059", "T1552.007", "PCI_DSS_11.5.1"]);
        assert_eq!(ta, vec!["TA0003"]);
        assert_eq!(te, vec!["T1059", "T1552.007"]);
        assert!(!is_technique_id("TA0003"));
    }
}
