//! The playbook file: what a team writes once and keeps in version control,
//! read strictly. A misspelt key, an action Kordon does not know or two
//! rules under one id would silently change what the team decided, so each
//! is refused with the line it is on and why.

use crate::error::{Code, Error, Result};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

/// The playbook format this build reads.
pub const VERSION: u32 = 1;

/// A response playbook: rules matching workloads, each with the workload's
/// criticality, how to contain it, who owns it, whom to notify and the
/// steps after containment.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Playbook {
    /// The format's version: 1.
    #[schemars(range(min = 1, max = 1))]
    pub version: u32,
    /// The playbook's name, as the incident page and the report show it.
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// In order: a workload takes the first rule that matches it.
    pub rules: Vec<Rule>,
}

#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Rule {
    /// Lower-case letters, digits and `-`; unique in the playbook.
    #[schemars(regex(pattern = r"^[a-z0-9]([a-z0-9-]{0,62}[a-z0-9])?$"))]
    pub id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Which workloads the rule is for; empty matches every workload.
    #[serde(default, rename = "match")]
    pub selector: Selector,
    pub criticality: Criticality,
    pub containment: Containment,
    /// Who owns the workload: names, teams, as text.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub owners: Vec<String>,
    /// Whom to tell: people, teams, channels, as text. Kordon sends nothing.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub notify: Vec<String>,
    /// What to do once the workload is contained, in order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub steps: Vec<Step>,
}

/// Every condition given must hold; within a list, any entry may match.
/// Names and values match exactly, or as globs with `*`.
#[derive(Debug, Clone, Default, Deserialize, Serialize, JsonSchema, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Selector {
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub clusters: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub namespaces: Vec<String>,
    /// Pod labels, every one present with a matching value.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub labels: BTreeMap<String, String>,
    /// The kind of the workload that owns the pod (`Deployment`,
    /// `StatefulSet`, `DaemonSet`, `Job`, `CronJob`; `Pod` for a bare pod).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub owner_kinds: Vec<String>,
    /// The name of the workload that owns the pod.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub owners: Vec<String>,
}

impl Selector {
    pub fn is_empty(&self) -> bool {
        *self == Selector::default()
    }
}

#[derive(Debug, Clone, Copy, Deserialize, Serialize, JsonSchema, PartialEq, Eq, PartialOrd, Ord)]
#[serde(rename_all = "kebab-case")]
pub enum Criticality {
    Critical,
    High,
    Medium,
    Low,
}

impl Criticality {
    pub fn as_str(self) -> &'static str {
        match self {
            Criticality::Critical => "critical",
            Criticality::High => "high",
            Criticality::Medium => "medium",
            Criticality::Low => "low",
        }
    }
}

/// What can be done to an affected workload.
#[derive(Debug, Clone, Copy, Deserialize, Serialize, JsonSchema, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[serde(rename_all = "kebab-case")]
pub enum Action {
    /// A deny-all NetworkPolicy for the pod (`kordon isolate`).
    Isolate,
    /// Capture the pod's evidence, then delete it (`kordon terminate`).
    Terminate,
    /// Terminate and scale the owner to zero (`kordon terminate --scale-owner-to-zero`).
    ScaleToZero,
    /// Contain nothing: watch and record.
    Observe,
}

impl Action {
    pub const ALL: [Action; 4] = [Action::Isolate, Action::Terminate, Action::ScaleToZero, Action::Observe];

    pub fn as_str(self) -> &'static str {
        match self {
            Action::Isolate => "isolate",
            Action::Terminate => "terminate",
            Action::ScaleToZero => "scale-to-zero",
            Action::Observe => "observe",
        }
    }

    pub fn parse(s: &str) -> Option<Action> {
        Action::ALL.into_iter().find(|a| a.as_str() == s)
    }

    /// A termination's action: scaling the owner to zero is its own
    /// action to a playbook, since it stops the workload, not the pod.
    pub fn of_termination(scale_owner_to_zero: bool) -> Action {
        if scale_owner_to_zero {
            Action::ScaleToZero
        } else {
            Action::Terminate
        }
    }

    /// The verb in a sentence: "prefer to *scale to zero*".
    pub fn words(self) -> &'static str {
        match self {
            Action::Isolate => "isolate",
            Action::Terminate => "terminate",
            Action::ScaleToZero => "scale to zero",
            Action::Observe => "observe only",
        }
    }

    /// The verb as a noun: "the rule forbids *scaling to zero*".
    pub fn gerund(self) -> &'static str {
        match self {
            Action::Isolate => "isolating",
            Action::Terminate => "terminating",
            Action::ScaleToZero => "scaling to zero",
            Action::Observe => "observing",
        }
    }
}

/// What must be reviewed (a verdict set on the incident's entities of
/// that kind) before the workload is contained.
#[derive(Debug, Clone, Copy, Deserialize, Serialize, JsonSchema, PartialEq, Eq, PartialOrd, Ord)]
#[serde(rename_all = "kebab-case")]
pub enum Review {
    /// The identities (users, service accounts) the incident names.
    Identity,
    /// The workload and its pods.
    Workload,
    /// The container image.
    Image,
    /// What ran: the processes.
    Runtime,
}

impl Review {
    pub fn as_str(self) -> &'static str {
        match self {
            Review::Identity => "identity",
            Review::Workload => "workload",
            Review::Image => "image",
            Review::Runtime => "runtime",
        }
    }
}

#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Containment {
    /// What the team prefers for these workloads.
    pub preferred: Action,
    /// Actions that need an explicit override, with a reason.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub forbidden: Vec<Action>,
    /// Actions that need a second person's name.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub two_person: Vec<Action>,
    /// Actions allowed only once the pod's evidence is captured.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub after_evidence: Vec<Action>,
    /// Verdicts to set before any containment.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub review_first: Vec<Review>,
    /// Why, in the team's words.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Step {
    /// Lower-case letters, digits and `-`; a follow-up item `playbook:<id>`.
    #[schemars(regex(pattern = r"^[a-z0-9]([a-z0-9-]{0,62}[a-z0-9])?$"))]
    pub id: String,
    pub text: String,
}

/// The playbook format as a JSON Schema (draft-07), for editors that
/// complete and check a playbook as it is written (the YAML language
/// server reads `# yaml-language-server: $schema=…`). Kordon's own check
/// is [`Playbook::parse`], which also refuses what a schema cannot say (a
/// rule id used twice, a rule no workload can reach).
pub fn schema() -> serde_json::Value {
    serde_json::to_value(schemars::schema_for!(Playbook)).unwrap_or_default()
}

fn invalid(file: &str, line: Option<usize>, message: impl std::fmt::Display) -> Error {
    let at = line.map(|l| format!(": line {}", l)).unwrap_or_default();
    Error::input(Code::InvalidPlaybook, format!("{}{}: {}", file, at, message))
}

/// An id as rules and steps are named: lower-case words joined by `-`.
fn valid_id(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= 64
        && id.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !id.starts_with('-')
        && !id.ends_with('-')
}

/// The line (1-based) of the `nth` (0-based) `id: <id>` in the text: where
/// a rule or step a check refuses was written.
fn line_of_id(text: &str, id: &str, nth: usize) -> Option<usize> {
    text.lines()
        .enumerate()
        .filter(|(_, l)| {
            let l = l.trim_start().trim_start_matches("- ").trim_start();
            l.strip_prefix("id:").is_some_and(|v| v.trim().trim_matches(|c| c == '"' || c == '\'') == id)
        })
        .nth(nth)
        .map(|(i, _)| i + 1)
}

/// Where a line's key starts (its indentation, list dashes included), the
/// key and what follows, and whether a dash opened a new list item.
fn key_column(line: &str) -> (usize, &str, bool) {
    let mut col = line.len() - line.trim_start().len();
    let mut rest = line.trim_start();
    let mut item = false;
    while let Some(r) = rest.strip_prefix("- ") {
        let r2 = r.trim_start();
        col += 2 + (r.len() - r2.len());
        rest = r2;
        item = true;
    }
    (col, rest, item)
}

/// The line (1-based) of the second `key:` of the mapping whose first key
/// is on line `start`.
fn line_of_duplicate(text: &str, start: usize, key: &str) -> Option<usize> {
    let lines: Vec<&str> = text.lines().collect();
    let (col, ..) = key_column(lines.get(start.checked_sub(1)?)?);
    let is_key = |rest: &str| {
        let name = rest.split(':').next().unwrap_or("").trim().trim_matches(|c| c == '"' || c == '\'');
        name == key && rest.contains(':')
    };
    let mut seen = 0;
    for (i, l) in lines.iter().enumerate().skip(start - 1) {
        if l.trim().is_empty() || l.trim_start().starts_with('#') {
            continue;
        }
        let (c, rest, item) = key_column(l);
        // Out of the mapping: a shallower line, or the list's next item.
        if i + 1 > start && (c < col || (c == col && item)) {
            break;
        }
        if c == col && is_key(rest) {
            seen += 1;
            if seen == 2 {
                return Some(i + 1);
            }
        }
    }
    None
}

impl Playbook {
    /// Reads and checks a playbook; `file` names it in errors.
    pub fn parse(file: &str, text: &str) -> Result<Playbook> {
        if text.trim().is_empty() {
            return Err(invalid(file, None, "the file is empty"));
        }
        let p: Playbook = serde_yaml_ng::from_str(text).map_err(|e| {
            let mut line = e.location().map(|l| l.line());
            // serde_yaml_ng's message ends with its own "at line …": the
            // line is said once, up front.
            let msg = e.to_string();
            let msg = msg.split(" at line ").next().unwrap_or(&msg).to_string();
            // A duplicate key is located at its mapping's first line: point
            // at the second occurrence instead, which is what to delete.
            if let (Some(at), Some(key)) = (line, msg.split("duplicate field `").nth(1).and_then(|r| r.split('`').next())) {
                line = line_of_duplicate(text, at, key).or(line);
            }
            invalid(file, line, msg)
        })?;
        if p.version != VERSION {
            return Err(invalid(
                file,
                text.lines().position(|l| l.starts_with("version")).map(|i| i + 1),
                format!("playbook version {} (this Kordon reads version {})", p.version, VERSION),
            ));
        }
        if p.name.trim().is_empty() {
            return Err(invalid(file, None, "the playbook has no name"));
        }
        if p.rules.is_empty() {
            return Err(invalid(file, None, "the playbook has no rules"));
        }
        let mut seen: BTreeMap<&str, usize> = BTreeMap::new();
        let mut catch_all: Option<&str> = None;
        for rule in &p.rules {
            let nth = seen.entry(rule.id.as_str()).or_insert(0);
            let line = line_of_id(text, &rule.id, *nth);
            *nth += 1;
            if !valid_id(&rule.id) {
                return Err(invalid(file, line, format!("rule id `{}`: use lower-case letters, digits and `-`", rule.id)));
            }
            if *nth > 1 {
                return Err(invalid(file, line, format!("rule id `{}` is used twice", rule.id)));
            }
            if let Some(before) = catch_all {
                return Err(invalid(
                    file,
                    line,
                    format!("rule `{}` can never match: rule `{}` before it has no `match` and takes every workload", rule.id, before),
                ));
            }
            rule.check(file, text, line)?;
            if rule.selector.is_empty() {
                catch_all = Some(&rule.id);
            }
        }
        Ok(p)
    }

    pub fn rule(&self, id: &str) -> Option<&Rule> {
        self.rules.iter().find(|r| r.id == id)
    }
}

impl Rule {
    fn check(&self, file: &str, text: &str, line: Option<usize>) -> Result<()> {
        let c = &self.containment;
        let err = |m: String| Err(invalid(file, line, format!("rule `{}`: {}", self.id, m)));
        if c.forbidden.contains(&c.preferred) {
            return err(format!("`{}` is both preferred and forbidden", c.preferred.as_str()));
        }
        let mut steps = BTreeSet::new();
        for s in &self.steps {
            if !valid_id(&s.id) {
                let line = line_of_id(text, &s.id, 0).or(line);
                return Err(invalid(file, line, format!("rule `{}`: step id `{}`: use lower-case letters, digits and `-`", self.id, s.id)));
            }
            if !steps.insert(s.id.as_str()) {
                return err(format!("step id `{}` is used twice", s.id));
            }
            if s.text.trim().is_empty() {
                return err(format!("step `{}` says nothing", s.id));
            }
        }
        let sel = &self.selector;
        let empty = sel.clusters.iter().chain(&sel.namespaces).chain(&sel.owner_kinds).chain(&sel.owners).chain(sel.labels.keys());
        if let Some(e) = empty.into_iter().find(|v| v.trim().is_empty()) {
            return err(format!("an empty name in `match` ({:?}) would match nothing", e));
        }
        for list in [&self.owners, &self.notify] {
            if list.iter().any(|v| v.trim().is_empty()) {
                return err("an empty entry in `owners` or `notify`".into());
            }
        }
        Ok(())
    }
}

/// Whether `text` matches `pattern`, where `*` stands for any run of
/// characters (none included) and everything else for itself.
pub fn glob(pattern: &str, text: &str) -> bool {
    let parts: Vec<&str> = pattern.split('*').collect();
    if parts.len() == 1 {
        return pattern == text;
    }
    let (first, last) = (parts[0], parts[parts.len() - 1]);
    if text.len() < first.len() + last.len() || !text.starts_with(first) || !text.ends_with(last) {
        return false;
    }
    let mut rest = &text[first.len()..text.len() - last.len()];
    for part in &parts[1..parts.len() - 1] {
        match rest.find(part) {
            Some(at) => rest = &rest[at + part.len()..],
            None => return false,
        }
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn globs_match_runs_of_any_characters() {
        assert!(glob("payments", "payments"));
        assert!(!glob("payments", "payments-v2"));
        assert!(glob("aks-*-prod", "aks-shop-prod"));
        assert!(glob("*", ""));
        assert!(glob("a*b*c", "abc"));
        assert!(glob("a*b*c", "a-b-b-c"));
        assert!(!glob("a*b*c", "a-c"));
        assert!(!glob("ab*ba", "aba"), "the prefix and suffix may not overlap");
        assert!(glob("*-prod", "eu-prod"));
    }

    #[test]
    fn a_duplicate_key_is_reported_where_it_is_repeated() {
        let top = "version: 1\nname: A\nrules:\n  - id: a\n    criticality: low\n    containment: {preferred: isolate}\n# a comment\nname: B\n";
        let err = Playbook::parse("dup.yaml", top).unwrap_err().to_string();
        assert_eq!(err, "dup.yaml: line 8: duplicate field `name`");
        let nested = "version: 1\nname: A\nrules:\n  - id: a\n    criticality: low\n    containment: {preferred: isolate}\n  - id: b\n    criticality: low\n    description: x\n    criticality: high\n    containment: {preferred: isolate}\n";
        let err = Playbook::parse("dup.yaml", nested).unwrap_err().to_string();
        assert_eq!(err, "dup.yaml: line 10: rules[1]: duplicate field `criticality`");
    }

    #[test]
    fn the_default_and_the_example_playbooks_are_valid() {
        let default = Playbook::parse("data/playbook.yaml", super::super::stored::DEFAULT_YAML).unwrap();
        assert!(default.rules.last().unwrap().selector.is_empty(), "the default ends with a rule for every workload");
        let example = include_str!("../../docs/playbooks/production-staging.yaml");
        let example = Playbook::parse("production-staging.yaml", example).unwrap();
        let payments = example.rule("payments-critical").unwrap();
        assert_eq!(payments.containment.two_person, [Action::Isolate, Action::Terminate]);
    }

    #[test]
    fn ids_are_slugs() {
        assert!(valid_id("payments-critical"));
        assert!(!valid_id("Payments"));
        assert!(!valid_id("-a"));
        assert!(!valid_id("a b"));
    }
}
