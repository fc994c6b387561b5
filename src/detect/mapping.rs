//! The tactic mapping table (`data/tactic-mapping.yaml`): what Falco rules,
//! Defender alert types and intents, and Kordon's own rules mean in ATT&CK
//! and Threat Matrix terms.
//!
//! Sources tag their alerts in their own vocabulary and sometimes wrongly
//! (Falco tags "Contact K8S API Server From Container" with T1565, Data
//! Manipulation). The importers keep those tags as given — they are part of
//! the evidence — and correlation asks [`map`] for Kordon's reading: the
//! source's own tactics and techniques, plus what the table adds, minus what
//! it drops, each correction with its note. Keeping it one data file means a
//! reviewer can check every mapping against its source in one place.

use crate::attack;
use crate::error::{Code, Error, Result};
use crate::model::Source;
use serde::{Deserialize, Serialize};
use std::sync::OnceLock;

/// A technique of the Threat Matrix for Kubernetes.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MsTechnique {
    pub id: String,
    pub name: String,
    pub tactics: Vec<String>,
    pub techniques: Vec<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct Removed {
    id: String,
    #[allow(dead_code)]
    name: String,
}

/// One row of the table.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Entry {
    pub source: String,
    #[serde(default)]
    pub rule: Option<String>,
    #[serde(default)]
    pub tag: Option<String>,
    /// The tags the source itself puts on the rule (documentation; the
    /// corrections are checked against it).
    #[serde(default)]
    pub given: Vec<String>,
    #[serde(default)]
    pub tactics: Vec<String>,
    #[serde(default)]
    pub techniques: Vec<String>,
    #[serde(default)]
    pub ms_matrix: Vec<String>,
    /// Source ids Kordon does not keep.
    #[serde(default)]
    pub drop: Vec<String>,
    #[serde(default)]
    pub note: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Table {
    version: u32,
    ms_matrix: Vec<MsTechnique>,
    ms_matrix_removed: Vec<Removed>,
    pub entries: Vec<Entry>,
}

/// Kordon's reading of one alert.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Mapped {
    /// ATT&CK tactic ids, kill-chain order.
    pub tactics: Vec<String>,
    pub techniques: Vec<String>,
    pub ms_matrix: Vec<String>,
    /// Why the reading differs from the source's own tags.
    pub notes: Vec<String>,
    /// Tags that name a tactic in the source's vocabulary but map to none
    /// (an unknown Defender intent, a `mitre_*` tag no table knows): kept,
    /// never dropped silently.
    pub unmapped: Vec<String>,
}

pub const TABLE_YAML: &str = include_str!("../../data/tactic-mapping.yaml");

/// The table shipped with Kordon (validated by its tests).
pub fn table() -> &'static Table {
    static TABLE: OnceLock<Table> = OnceLock::new();
    TABLE.get_or_init(|| {
        Table::from_yaml(TABLE_YAML).expect("data/tactic-mapping.yaml is valid (pinned by tests)")
    })
}

/// Kordon's reading of an alert from `source` with this rule name (or alert
/// type) and these tags (Falco tags, Defender intents).
pub fn map(source: Source, rule: Option<&str>, tags: &[&str]) -> Mapped {
    table().map(source, rule, tags)
}

fn same(a: &str, b: &str) -> bool {
    a.trim().eq_ignore_ascii_case(b.trim())
}

impl Table {
    pub fn from_yaml(text: &str) -> Result<Table> {
        let t: Table = serde_yaml_ng::from_str(text).map_err(|e| {
            Error::input(Code::InvalidRules, format!("tactic mapping table: {}", e))
        })?;
        t.validate().map_err(|e| {
            Error::input(Code::InvalidRules, format!("tactic mapping table: {}", e))
        })?;
        Ok(t)
    }

    /// Every id is a real one; every entry matches something; every
    /// correction has a note.
    fn validate(&self) -> std::result::Result<(), String> {
        if self.version != 1 {
            return Err(format!("unsupported version {}", self.version));
        }
        let tactic = |t: &String, at: &str| {
            attack::tactic_name(t)
                .map(|_| ())
                .ok_or_else(|| format!("{}: `{}` is not an ATT&CK tactic id", at, t))
        };
        let technique = |t: &String, at: &str| {
            attack::is_technique_id(t)
                .then_some(())
                .ok_or_else(|| format!("{}: `{}` is not an ATT&CK technique id", at, t))
        };
        for m in &self.ms_matrix {
            if !is_ms_id(&m.id) || self.ms_matrix_removed.iter().any(|r| r.id == m.id) {
                return Err(format!("`{}` is not a Threat Matrix id", m.id));
            }
            m.tactics.iter().try_for_each(|t| tactic(t, &m.id))?;
            m.techniques.iter().try_for_each(|t| technique(t, &m.id))?;
        }
        let mut seen = std::collections::HashSet::new();
        for (i, e) in self.entries.iter().enumerate() {
            let at = format!(
                "entry {} ({} {})",
                i + 1,
                e.source,
                e.rule.as_deref().or(e.tag.as_deref()).unwrap_or("?")
            );
            let source =
                Source::parse(&e.source).ok_or_else(|| format!("{}: unknown source", at))?;
            if e.rule.is_some() == e.tag.is_some() {
                return Err(format!("{}: names exactly one of `rule` and `tag`", at));
            }
            e.tactics.iter().try_for_each(|t| tactic(t, &at))?;
            e.techniques.iter().try_for_each(|t| technique(t, &at))?;
            for ms in &e.ms_matrix {
                if self.ms_technique(ms).is_none() {
                    return Err(format!("{}: `{}` is not a Threat Matrix technique", at, ms));
                }
            }
            for d in &e.drop {
                if !e.given.iter().any(|g| same(g, d)) {
                    return Err(format!(
                        "{}: drops `{}`, which the source does not give",
                        at, d
                    ));
                }
            }
            if e.corrects() && e.note.as_deref().is_none_or(|n| n.trim().is_empty()) {
                return Err(format!("{}: corrects the source's tags without a note", at));
            }
            if matches!(source, Source::Defender | Source::DefenderXdr) && e.tag.is_some() && e.note.is_none() {
                return Err(format!("{}: a Defender intent or category reading needs a note", at));
            }
            let key = (
                e.source.to_ascii_lowercase(),
                e.rule.is_some(),
                e.rule
                    .as_deref()
                    .or(e.tag.as_deref())
                    .unwrap_or("")
                    .trim()
                    .to_ascii_lowercase(),
            );
            if !seen.insert(key) {
                return Err(format!("{}: listed twice", at));
            }
        }
        Ok(())
    }

    /// A Threat Matrix technique by id (removed ids are not found).
    pub fn ms_technique(&self, id: &str) -> Option<&MsTechnique> {
        self.ms_matrix.iter().find(|m| m.id == id)
    }

    pub fn ms_techniques(&self) -> &[MsTechnique] {
        &self.ms_matrix
    }

    /// The entries for one source's rule or alert type.
    pub fn entry_for_rule(&self, source: Source, rule: &str) -> Option<&Entry> {
        self.entries.iter().find(|e| {
            same(&e.source, source.as_str()) && e.rule.as_deref().is_some_and(|r| same(r, rule))
        })
    }

    pub fn map(&self, source: Source, rule: Option<&str>, tags: &[&str]) -> Mapped {
        let (mut tactics, mut techniques) = attack::classify_tags(tags.iter().copied());
        let mut ms_matrix = Vec::new();
        let mut notes = Vec::new();
        let mut drops: Vec<&str> = Vec::new();
        let mut tag_mapped = vec![false; tags.len()];
        for e in self
            .entries
            .iter()
            .filter(|e| same(&e.source, source.as_str()))
        {
            let by_rule = e.rule.as_deref().zip(rule).is_some_and(|(a, b)| same(a, b));
            let by_tag = match e.tag.as_deref() {
                Some(t) => {
                    let mut hit = false;
                    for (i, tag) in tags.iter().enumerate() {
                        if same(t, tag) {
                            hit = true;
                            tag_mapped[i] |= !e.tactics.is_empty();
                        }
                    }
                    hit
                }
                None => false,
            };
            if !(by_rule || by_tag) {
                continue;
            }
            tactics.extend(e.tactics.iter().cloned());
            techniques.extend(e.techniques.iter().cloned());
            ms_matrix.extend(e.ms_matrix.iter().cloned());
            drops.extend(e.drop.iter().map(String::as_str));
            if let Some(n) = &e.note {
                notes.push(n.split_whitespace().collect::<Vec<_>>().join(" "));
            }
        }
        tactics.retain(|t| !drops.iter().any(|d| same(d, t)));
        techniques.retain(|t| !drops.iter().any(|d| same(d, t)));
        tactics.sort_by_key(|t| attack::kill_chain_position(t));
        tactics.dedup();
        techniques.sort();
        techniques.dedup();
        ms_matrix.sort();
        ms_matrix.dedup();
        // A tag that names a tactic in the source's vocabulary (any Defender
        // intent or Defender XDR category, Falco's `mitre_*`) and resolved to
        // nothing stays visible.
        let unmapped = tags
            .iter()
            .zip(&tag_mapped)
            .filter(|(t, mapped)| {
                let tactic_word = matches!(source, Source::Defender | Source::DefenderXdr)
                    || t.trim().to_ascii_lowercase().starts_with("mitre_");
                tactic_word
                    && !**mapped
                    && attack::tactic_id(t).is_none()
                    && !attack::is_technique_id(t.trim())
            })
            .map(|(t, _)| t.trim().to_string())
            .collect();
        Mapped {
            tactics,
            techniques,
            ms_matrix,
            notes,
            unmapped,
        }
    }
}

impl Entry {
    /// Whether the entry says something other than the source's own tags:
    /// drops one, or adds tactics or techniques beyond them.
    pub fn corrects(&self) -> bool {
        if !self.drop.is_empty() {
            return true;
        }
        if self.given.is_empty() {
            return false;
        }
        let (tactics, techniques) = attack::classify_tags(self.given.iter().map(String::as_str));
        self.tactics.iter().any(|t| !tactics.contains(t))
            || self.techniques.iter().any(|t| !techniques.contains(t))
    }
}

/// `MS-TA9` followed by three digits.
fn is_ms_id(s: &str) -> bool {
    s.strip_prefix("MS-TA9")
        .is_some_and(|n| n.len() == 3 && n.bytes().all(|b| b.is_ascii_digit()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_entry_uses_valid_ids_and_matches_itself() {
        let t = table();
        assert!(t.entries.len() >= 40);
        for e in &t.entries {
            let source = Source::parse(&e.source).unwrap();
            for id in &e.tactics {
                assert!(attack::tactic_name(id).is_some(), "{:?}: {}", e.rule, id);
            }
            for id in e.techniques.iter().chain(&e.drop) {
                assert!(
                    attack::is_technique_id(id) || attack::tactic_name(id).is_some(),
                    "{:?}: {}",
                    e.rule,
                    id
                );
            }
            for id in &e.ms_matrix {
                assert!(t.ms_technique(id).is_some(), "{:?}: {}", e.rule, id);
            }
            // Looking the entry up gives at least what it says, less what it drops.
            let tags: Vec<&str> = e
                .given
                .iter()
                .map(String::as_str)
                .chain(e.tag.as_deref())
                .collect();
            let m = map(source, e.rule.as_deref(), &tags);
            for id in &e.tactics {
                assert!(
                    m.tactics.contains(id),
                    "{:?} {:?}: {} missing",
                    e.rule,
                    e.tag,
                    id
                );
            }
            for id in &e.techniques {
                assert!(m.techniques.contains(id), "{:?}: {} missing", e.rule, id);
            }
            for id in &e.drop {
                assert!(
                    !m.techniques.contains(id) && !m.tactics.contains(id),
                    "{:?}: {} kept",
                    e.rule,
                    id
                );
            }
            assert_eq!(m.ms_matrix, {
                let mut v = e.ms_matrix.clone();
                v.sort();
                v
            });
            if let Some(note) = &e.note {
                assert!(m
                    .notes
                    .iter()
                    .any(|n| n == &note.split_whitespace().collect::<Vec<_>>().join(" ")));
            }
            if e.corrects() {
                assert!(e.note.is_some(), "{:?}: correction without a note", e.rule);
            }
        }
    }

    #[test]
    fn the_threat_matrix_catalogue_is_complete_and_knows_removals() {
        let t = table();
        let ids: Vec<&str> = t.ms_techniques().iter().map(|m| m.id.as_str()).collect();
        for n in 9001..=9041 {
            let id = format!("MS-TA{}", n);
            assert_eq!(ids.contains(&id.as_str()), n != 9032, "{}", id);
        }
        assert!(t.ms_technique("MS-TA9032").is_none());
        assert_eq!(
            t.ms_technique("MS-TA9025").unwrap().techniques,
            ["T1552.007"]
        );
        assert_eq!(
            t.ms_technique("MS-TA9016").unwrap().tactics,
            ["TA0003", "TA0006", "TA0008"]
        );
    }

    #[test]
    fn network_tool_also_means_discovery() {
        let m = map(
            Source::Falco,
            Some("Launch Suspicious Network Tool in Container"),
            &["network", "process", "mitre_execution", "T1059"],
        );
        assert_eq!(m.tactics, ["TA0002", "TA0007"]);
        assert_eq!(m.techniques, ["T1046", "T1059"]);
        assert_eq!(m.ms_matrix, ["MS-TA9031"]);
        assert_eq!(m.notes.len(), 1);
        assert!(m.notes[0].contains("T1046"));
    }

    #[test]
    fn api_server_contact_is_t1613_not_t1565() {
        let m = map(
            Source::Falco,
            Some("Contact K8S API Server From Container"),
            &["network", "k8s", "container", "mitre_discovery", "T1565"],
        );
        assert_eq!(m.tactics, ["TA0007"]);
        assert_eq!(m.techniques, ["T1613"]);
        assert_eq!(m.ms_matrix, ["MS-TA9029"]);
        assert!(m.notes[0].contains("T1565"));
        // The rule name is matched whatever its case.
        assert_eq!(
            map(
                Source::Falco,
                Some("contact k8s api server from container"),
                &["T1565"]
            )
            .techniques,
            ["T1613"]
        );
    }

    #[test]
    fn drift_is_persistence_and_defense_evasion() {
        let m = map(
            Source::Falco,
            Some("Drop and execute new binary in container"),
            &["process", "mitre_persistence", "TA0003", "PCI_DSS_11.5.1"],
        );
        assert_eq!(m.tactics, ["TA0003", "TA0005"]);
        assert!(m.techniques.is_empty());
        assert_eq!(m.notes.len(), 1);
        let d = map(
            Source::Defender,
            Some("K8S.NODE_DriftDetection"),
            &["Execution"],
        );
        assert_eq!(d.tactics, ["TA0002", "TA0003", "TA0005"]);
    }

    #[test]
    fn sensitive_file_read_adds_shadow_file_technique() {
        let m = map(
            Source::Falco,
            Some("Read sensitive file untrusted"),
            &["mitre_credential_access", "T1555"],
        );
        assert_eq!(m.techniques, ["T1003.008", "T1555"]);
        assert_eq!(m.notes.len(), 1);
    }

    #[test]
    fn miner_rules_keep_their_tags_without_notes() {
        for rule in [
            "Detect outbound connections to common miner pool ports",
            "Detect crypto miners using the Stratum protocol",
        ] {
            let m = map(Source::Falco, Some(rule), &["mitre_impact", "T1496"]);
            assert_eq!(
                (m.tactics.as_slice(), m.techniques.as_slice()),
                (&["TA0040".to_string()][..], &["T1496".to_string()][..])
            );
            assert_eq!(m.ms_matrix, ["MS-TA9039"]);
            assert!(m.notes.is_empty());
        }
    }

    #[test]
    fn defender_non_attack_intents_are_read_as_documented_and_never_lost() {
        let m = map(
            Source::Defender,
            Some("K8S_ServiceAccountRareOperation"),
            &["PreAttack"],
        );
        assert_eq!(m.tactics, ["TA0043", "TA0006"]);
        assert!(m.unmapped.is_empty());
        assert_eq!(m.notes.len(), 1);
        assert_eq!(
            map(Source::Defender, None, &["Probing"]).tactics,
            ["TA0007"]
        );
        let e = map(Source::Defender, None, &["Exploitation"]);
        assert!(e.tactics.is_empty());
        assert_eq!(e.unmapped, ["Exploitation"]);
        assert_eq!(e.notes.len(), 1);
        let odd = map(
            Source::Defender,
            None,
            &["Credential Access", "SomethingNew"],
        );
        assert_eq!(odd.tactics, ["TA0006"]);
        assert_eq!(odd.unmapped, ["SomethingNew"]);
        assert!(
            map(Source::Falco, None, &["mitre_teleportation", "container"]).unmapped
                == ["mitre_teleportation"]
        );
    }

    #[test]
    fn the_intent_readings_agree_with_the_defender_importer() {
        for (intent, expected) in [
            ("PreAttack", Some("TA0043")),
            ("Probing", Some("TA0007")),
            ("Exploitation", None),
        ] {
            let raw = serde_json::json!({
                "id": "/subscriptions/s/resourceGroups/r/providers/Microsoft.Security/locations/westeurope/alerts/a1",
                "name": "a1",
                "type": "Microsoft.Security/Locations/alerts",
                "properties": {
                    "alertType": "K8S_TestAlert", "systemAlertId": format!("a-{}", intent),
                    "alertDisplayName": "Test", "severity": "Low", "intent": intent,
                    "startTimeUtc": "2026-11-20T09:50:12.1234567Z", "entities": []
                }
            });
            let ev = crate::formats::defender::parse(raw.to_string().as_bytes()).unwrap();
            let inferred: Vec<String> = ev
                .fields
                .get("inferred_tactics")
                .and_then(|v| v.as_array())
                .map(|a| {
                    a.iter()
                        .filter_map(|v| v.as_str().map(str::to_string))
                        .collect()
                })
                .unwrap_or_default();
            assert_eq!(
                inferred,
                expected.map(|e| vec![e.to_string()]).unwrap_or_default(),
                "{}",
                intent
            );
            assert_eq!(
                map(Source::Defender, None, &[intent]).tactics,
                inferred,
                "{}",
                intent
            );
        }
    }

    #[test]
    fn kordon_rules_and_the_table_agree() {
        let rules = crate::detect::Rules::load_builtin().unwrap();
        let t = table();
        for r in rules.iter() {
            let e = t
                .entry_for_rule(Source::Kordon, &r.id)
                .unwrap_or_else(|| panic!("{} has no mapping entry", r.id));
            for id in &r.tactics {
                assert!(e.tactics.contains(id), "{}: {}", r.id, id);
            }
            for id in &r.techniques {
                assert!(e.techniques.contains(id), "{}: {}", r.id, id);
            }
            if let Some(ms) = &r.ms_matrix {
                assert!(e.ms_matrix.contains(ms), "{}: {}", r.id, ms);
            }
        }
        for e in t.entries.iter().filter(|e| e.source == "kordon") {
            assert!(
                rules.get(e.rule.as_deref().unwrap()).is_some(),
                "{:?} is no rule",
                e.rule
            );
        }
    }

    #[test]
    fn a_bad_table_is_refused() {
        let bad = |from: &str, to: &str| {
            assert!(TABLE_YAML.contains(from), "{}", from);
            Table::from_yaml(&TABLE_YAML.replacen(from, to, 1))
                .unwrap_err()
                .to_string()
        };
        assert!(bad(
            "techniques: [T1613]\n    drop: [T1565]",
            "techniques: [T1613]\n    drop: [T1059]"
        )
        .contains("does not give"));
        assert!(bad(
            "techniques: [T1046, T1059]\n    ms_matrix: [MS-TA9031]\n    note:",
            "techniques: [T1046, T1059]\n    ms_matrix: [MS-TA9031]\n    nope:"
        )
        .contains("unknown field"));
        assert!(bad(
            "rule: KRD-AUDIT-001, tactics: [TA0006]",
            "rule: KRD-AUDIT-001, tactics: [TA0066]"
        )
        .contains("TA0066"));
        assert!(bad("ms_matrix: [MS-TA9007]", "ms_matrix: [MS-TA9032]").contains("MS-TA9032"));
        assert!(bad("{id: MS-TA9041,", "{id: MS-TA9032,").contains("MS-TA9032"));
        let small = |entries: &str| {
            Table::from_yaml(&format!(
                "version: 1\nms_matrix: []\nms_matrix_removed: []\nentries:\n{}",
                entries
            ))
            .map(|_| ())
            .map_err(|e| e.to_string())
        };
        assert!(small("  - {source: falco, rule: X, given: [mitre_execution, T1059], tactics: [TA0002], techniques: [T1059]}").is_ok());
        assert!(small(
            "  - {source: falco, rule: X, given: [mitre_execution], tactics: [TA0002, TA0007]}"
        )
        .unwrap_err()
        .contains("without a note"));
        assert!(small("  - {source: falco, rule: X, tactics: [TA0002]}\n  - {source: falco, rule: x, tactics: [TA0007]}")
            .unwrap_err()
            .contains("listed twice"));
        assert!(small("  - {source: falco, rule: X, tag: Y}")
            .unwrap_err()
            .contains("exactly one"));
        assert!(small("  - {source: defender, tag: Y, tactics: [TA0007]}")
            .unwrap_err()
            .contains("needs a note"));
        assert!(small("  - {source: splunk, rule: X}")
            .unwrap_err()
            .contains("unknown source"));
    }
}
