//! Loading and validating the detection rules (`rules/detections.yaml`).
//!
//! A rule that does not validate must stop Kordon before it runs, not turn
//! into a detection that never fires: unknown keys, tactic or technique ids
//! that are not ATT&CK's, Threat Matrix ids that are not Microsoft's, bad
//! regexes and duplicate ids are all errors that name the rule.

use super::condition::Condition;
use super::mapping;
use crate::error::{Code, Error, Result};
use crate::model::{Severity, Source};
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;

/// The rules shipped with Kordon.
pub const BUILTIN: &str = include_str!("../../rules/detections.yaml");

/// An aggregate rule: fires when `count` matching events of one group fall
/// within `window_seconds` (inclusive).
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct Threshold {
    pub count: u32,
    pub window_seconds: u64,
    #[serde(default)]
    pub group_by: Vec<String>,
}

#[derive(Debug, Clone)]
pub struct Rule {
    pub id: String,
    pub title: String,
    pub description: String,
    pub severity: Severity,
    /// ATT&CK tactic ids in kill-chain order.
    pub tactics: Vec<String>,
    pub techniques: Vec<String>,
    pub ms_matrix: Option<String>,
    pub source: Source,
    pub when: Condition,
    pub threshold: Option<Threshold>,
    /// Fields the rule reads (condition and `group_by`), recorded with
    /// every firing.
    pub reads: Vec<String>,
}

#[derive(Debug, Clone)]
pub struct Rules {
    rules: Vec<Rule>,
    /// SHA-256 of the rule file, recorded with each run.
    pub sha256: String,
}

/// One id or a list of ids.
#[derive(Deserialize, Default)]
#[serde(untagged)]
enum OneOrMany {
    #[default]
    None,
    One(String),
    Many(Vec<String>),
}

impl OneOrMany {
    fn into_vec(self) -> Vec<String> {
        match self {
            OneOrMany::None => Vec::new(),
            OneOrMany::One(s) => vec![s],
            OneOrMany::Many(v) => v,
        }
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RuleDef {
    id: String,
    title: String,
    description: String,
    severity: Severity,
    tactic: OneOrMany,
    #[serde(default)]
    technique: OneOrMany,
    #[serde(default)]
    ms_matrix: Option<String>,
    source: String,
    when: serde_json::Value,
    #[serde(default)]
    threshold: Option<Threshold>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RuleFile {
    version: u32,
    /// Conditions shared between rules through YAML anchors; never
    /// evaluated on their own.
    #[serde(default, rename = "shared")]
    _shared: Option<serde_yaml_ng::Value>,
    rules: Vec<serde_yaml_ng::Value>,
}

fn invalid(message: String) -> Error {
    Error::input(Code::InvalidRules, message)
}

/// `KRD-<AREA>-<3 digits>`.
fn valid_rule_id(id: &str) -> bool {
    let parts: Vec<&str> = id.split('-').collect();
    matches!(parts.as_slice(), ["KRD", area, n]
        if !area.is_empty() && area.bytes().all(|b| b.is_ascii_uppercase())
            && n.len() == 3 && n.bytes().all(|b| b.is_ascii_digit()))
}

impl Rules {
    /// The rules shipped with Kordon, validated.
    pub fn load_builtin() -> Result<Rules> {
        Rules::from_yaml(BUILTIN)
    }

    pub fn from_yaml(text: &str) -> Result<Rules> {
        let file: RuleFile = serde_yaml_ng::from_str(text)
            .map_err(|e| invalid(format!("detection rules: {}", e)))?;
        if file.version != 1 {
            return Err(invalid(format!(
                "detection rules: unsupported version {} (this build reads 1)",
                file.version
            )));
        }
        let mut rules = Vec::with_capacity(file.rules.len());
        let mut seen = BTreeSet::new();
        for (i, value) in file.rules.into_iter().enumerate() {
            let id = value
                .get("id")
                .and_then(|v| v.as_str())
                .map(str::to_string)
                .unwrap_or_else(|| format!("#{}", i + 1));
            let def: RuleDef = serde_yaml_ng::from_value(value)
                .map_err(|e| invalid(format!("rule {}: {}", id, e)))?;
            let rule = Rule::validate(def).map_err(|e| invalid(format!("rule {}: {}", id, e)))?;
            if !seen.insert(rule.id.clone()) {
                return Err(invalid(format!("rule {}: the id is used twice", rule.id)));
            }
            rules.push(rule);
        }
        if rules.is_empty() {
            return Err(invalid("detection rules: no rules".into()));
        }
        Ok(Rules {
            rules,
            sha256: crate::bundle::sha256_hex(text.as_bytes()),
        })
    }

    pub fn iter(&self) -> impl Iterator<Item = &Rule> {
        self.rules.iter()
    }

    pub fn len(&self) -> usize {
        self.rules.len()
    }

    pub fn is_empty(&self) -> bool {
        self.rules.is_empty()
    }

    pub fn get(&self, id: &str) -> Option<&Rule> {
        self.rules.iter().find(|r| r.id == id)
    }

    /// The sources the rules read, sorted.
    pub fn sources(&self) -> Vec<Source> {
        let set: BTreeSet<Source> = self.rules.iter().map(|r| r.source).collect();
        set.into_iter().collect()
    }
}

impl Rule {
    fn validate(def: RuleDef) -> std::result::Result<Rule, String> {
        if !valid_rule_id(&def.id) {
            return Err("the id must look like KRD-AUDIT-001".into());
        }
        if def.title.trim().is_empty() || def.description.trim().is_empty() {
            return Err("title and description must not be empty".into());
        }
        let mut tactics = def.tactic.into_vec();
        if tactics.is_empty() {
            return Err("`tactic` names at least one ATT&CK tactic".into());
        }
        for t in &tactics {
            if crate::attack::tactic_name(t).is_none() {
                return Err(format!("`{}` is not an ATT&CK tactic id (TA0001 …)", t));
            }
        }
        tactics.sort_by_key(|t| crate::attack::kill_chain_position(t));
        tactics.dedup();
        let mut techniques = def.technique.into_vec();
        for t in &techniques {
            if !crate::attack::is_technique_id(t) {
                return Err(format!(
                    "`{}` is not an ATT&CK technique id (T1059, T1552.007 …)",
                    t
                ));
            }
        }
        techniques.sort();
        techniques.dedup();
        if let Some(ms) = &def.ms_matrix {
            if mapping::table().ms_technique(ms).is_none() {
                return Err(format!(
                    "`{}` is not a Threat Matrix for Kubernetes technique (MS-TA9001 …)",
                    ms
                ));
            }
        }
        let source = Source::parse(&def.source)
            .filter(|s| *s != Source::Kordon)
            .ok_or_else(|| format!("unknown source `{}` (k8s-audit, tetragon, …)", def.source))?;
        let when = Condition::parse(&def.when, "when")?;
        if let Some(t) = &def.threshold {
            if t.count < 2 {
                return Err(
                    "threshold.count must be at least 2 (a single event needs no threshold)".into(),
                );
            }
            if t.window_seconds == 0 {
                return Err("threshold.window_seconds must be positive".into());
            }
        }
        let mut reads = BTreeSet::new();
        when.fields(&mut reads);
        if let Some(t) = &def.threshold {
            reads.extend(t.group_by.iter().cloned());
        }
        Ok(Rule {
            id: def.id,
            title: def.title.trim().to_string(),
            description: def
                .description
                .split_whitespace()
                .collect::<Vec<_>>()
                .join(" "),
            severity: def.severity,
            tactics,
            techniques,
            ms_matrix: def.ms_matrix,
            source,
            when,
            threshold: def.threshold,
            reads: reads.into_iter().collect(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ONE: &str = r#"
version: 1
rules:
  - id: KRD-TEST-001
    title: t
    description: d
    severity: high
    tactic: TA0002
    technique: T1609
    ms_matrix: MS-TA9006
    source: k8s-audit
    when: {field: subresource, equals: exec}
"#;

    fn with(from: &str, to: &str) -> String {
        assert!(ONE.contains(from), "{}", from);
        ONE.replace(from, to)
    }

    fn refused(text: &str) -> String {
        let e = Rules::from_yaml(text).unwrap_err();
        assert_eq!(e.code(), Code::InvalidRules);
        e.to_string()
    }

    #[test]
    fn the_builtin_rules_load() {
        let rules = Rules::load_builtin().unwrap();
        assert!(rules.len() >= 11);
        assert_eq!(rules.sources(), vec![Source::K8sAudit, Source::Tetragon]);
        assert_eq!(rules.sha256.len(), 64);
    }

    #[test]
    fn a_minimal_rule_loads() {
        let rules = Rules::from_yaml(ONE).unwrap();
        let r = rules.get("KRD-TEST-001").unwrap();
        assert_eq!(r.tactics, ["TA0002"]);
        assert_eq!(r.techniques, ["T1609"]);
        assert_eq!(r.reads, ["subresource"]);
        assert_eq!(r.source, Source::K8sAudit);
    }

    #[test]
    fn lists_of_tactics_are_put_in_kill_chain_order() {
        let rules = Rules::from_yaml(&with("tactic: TA0002", "tactic: [TA0040, TA0002]")).unwrap();
        assert_eq!(
            rules.get("KRD-TEST-001").unwrap().tactics,
            ["TA0002", "TA0040"]
        );
    }

    #[test]
    fn invalid_rules_are_refused_with_the_rule_id() {
        assert!(refused(&with(
            "    source: k8s-audit\n",
            "    source: k8s-audit\n    colour: red\n"
        ))
        .contains("rule KRD-TEST-001: unknown field `colour`"));
        assert!(refused(&with("tactic: TA0002", "tactic: TA0099"))
            .contains("rule KRD-TEST-001: `TA0099` is not an ATT&CK tactic"));
        assert!(
            refused(&with("tactic: TA0002", "tactic: Execution")).contains("not an ATT&CK tactic")
        );
        assert!(refused(&with("technique: T1609", "technique: T16"))
            .contains("`T16` is not an ATT&CK technique"));
        assert!(
            refused(&with("ms_matrix: MS-TA9006", "ms_matrix: MS-TA9032"))
                .contains("not a Threat Matrix")
        );
        assert!(refused(&with(
            "{field: subresource, equals: exec}",
            "{field: cmd, regex: '(x'}"
        ))
        .contains("rule KRD-TEST-001: when.regex: bad regex"));
        assert!(refused(&with("severity: high", "severity: severe")).contains("rule KRD-TEST-001"));
        assert!(refused(&with("source: k8s-audit", "source: kordon")).contains("unknown source"));
        assert!(refused(&with("id: KRD-TEST-001", "id: rule-1")).contains("KRD-AUDIT-001"));
        assert!(refused(&with("version: 1", "version: 2")).contains("unsupported version 2"));
        let twice = format!("{}{}", ONE, &ONE[ONE.find("  - id").unwrap()..]);
        assert!(refused(&twice).contains("used twice"));
        let threshold = with(
            "    when:",
            "    threshold: {count: 1, window_seconds: 60}\n    when:",
        );
        assert!(refused(&threshold).contains("at least 2"));
        let threshold = with(
            "    when:",
            "    threshold: {count: 5, window: 60}\n    when:",
        );
        assert!(refused(&threshold).contains("unknown field `window`"));
    }
}
