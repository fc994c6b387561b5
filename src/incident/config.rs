//! `data/correlation.yaml`: the knobs of correlation, titles and the graph.
//!
//! They are data so that a reviewer sees in one file what joins signals and
//! what never does (platform identities), and so that a team can tune the
//! window without a rebuild (`kordon correlate --window`).

use crate::error::{Code, Error, Result};
use crate::model::EntityKind;
use serde::Deserialize;
use std::sync::OnceLock;

pub const CONFIG_YAML: &str = include_str!("../../data/correlation.yaml");

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TitleRule {
    #[serde(default)]
    pub technique: Option<String>,
    #[serde(default)]
    pub tactic: Option<String>,
    pub title: String,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct Raw {
    version: u32,
    window: String,
    join_kinds: Vec<String>,
    why_order: Vec<String>,
    recurring_joins: Vec<String>,
    system_identities: Vec<String>,
    multistage_min_tactics: usize,
    titles: Vec<TitleRule>,
    aggregate_over: usize,
    max_nodes: usize,
    graph_kinds: Vec<String>,
    #[serde(default)]
    graph_linked_kinds: Vec<String>,
    #[serde(default)]
    quiet_context: Vec<RawQuiet>,
    soc_slack: String,
    soc_match_kinds: Vec<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawQuiet {
    relation: String,
    kind: String,
    label: String,
}

/// Quiet context the graph folds: the nodes of `kind` that one node links to
/// by `relation` and that no signal names, when there are two or more, become
/// one node worded by `label` (`{n}` members, `{other}` "other " when the hub
/// keeps a signalled one, `{hub}` the hub's label).
#[derive(Debug, Clone)]
pub struct QuietRule {
    pub relation: String,
    pub kind: EntityKind,
    pub label: String,
}

/// The validated configuration.
#[derive(Debug, Clone)]
pub struct Config {
    pub window_ns: i64,
    pub join_kinds: Vec<EntityKind>,
    pub why_order: Vec<EntityKind>,
    /// Kinds through which the same rule's firings join without a window.
    pub recurring_joins: Vec<EntityKind>,
    pub system_identities: Vec<String>,
    pub multistage_min_tactics: usize,
    pub titles: Vec<TitleRule>,
    pub aggregate_over: usize,
    pub max_nodes: usize,
    pub graph_kinds: Vec<EntityKind>,
    /// Kinds drawn only as an end of a relation (a cluster someone got the
    /// credentials of), never merely because a signal names them.
    pub graph_linked_kinds: Vec<EntityKind>,
    pub quiet_context: Vec<QuietRule>,
    /// How far outside an incident's span another tool's incident may lie
    /// and still be matched to it (the SOC view).
    pub soc_slack_ns: i64,
    /// Entity kinds whose naming matches another tool's incident to one.
    pub soc_match_kinds: Vec<EntityKind>,
}

/// The configuration shipped with Kordon (validated by its tests).
pub fn builtin() -> &'static Config {
    static CONFIG: OnceLock<Config> = OnceLock::new();
    CONFIG.get_or_init(|| Config::from_yaml(CONFIG_YAML).expect("data/correlation.yaml is valid (pinned by tests)"))
}

fn bad(msg: impl Into<String>) -> Error {
    Error::input(Code::InvalidRules, format!("correlation settings: {}", msg.into()))
}

fn kinds(names: &[String], field: &str) -> Result<Vec<EntityKind>> {
    names
        .iter()
        .map(|n| EntityKind::parse(n).ok_or_else(|| bad(format!("{}: unknown entity kind '{}'", field, n))))
        .collect()
}

impl Config {
    pub fn from_yaml(text: &str) -> Result<Config> {
        let raw: Raw = serde_yaml_ng::from_str(text).map_err(|e| bad(e.to_string()))?;
        if raw.version != 1 {
            return Err(bad(format!("version {} is not supported", raw.version)));
        }
        let window_ns = parse_duration(&raw.window).ok_or_else(|| bad(format!("window '{}' is no duration", raw.window)))?;
        let soc_slack_ns =
            parse_duration(&raw.soc_slack).ok_or_else(|| bad(format!("soc_slack '{}' is no duration", raw.soc_slack)))?;
        for t in &raw.titles {
            if t.technique.is_some() == t.tactic.is_some() {
                return Err(bad(format!("title '{}' needs exactly one of technique or tactic", t.title)));
            }
        }
        if raw.aggregate_over < 2 || raw.max_nodes < 10 {
            return Err(bad("aggregate_over must be at least 2 and max_nodes at least 10"));
        }
        Ok(Config {
            window_ns,
            join_kinds: kinds(&raw.join_kinds, "join_kinds")?,
            why_order: kinds(&raw.why_order, "why_order")?,
            recurring_joins: kinds(&raw.recurring_joins, "recurring_joins")?,
            system_identities: raw.system_identities,
            multistage_min_tactics: raw.multistage_min_tactics.max(2),
            titles: raw.titles,
            aggregate_over: raw.aggregate_over,
            max_nodes: raw.max_nodes,
            graph_kinds: kinds(&raw.graph_kinds, "graph_kinds")?,
            graph_linked_kinds: kinds(&raw.graph_linked_kinds, "graph_linked_kinds")?,
            soc_slack_ns,
            soc_match_kinds: kinds(&raw.soc_match_kinds, "soc_match_kinds")?,
            quiet_context: raw
                .quiet_context
                .into_iter()
                .map(|q| {
                    let kind = kinds(std::slice::from_ref(&q.kind), "quiet_context")?[0];
                    if !q.label.contains("{n}") {
                        return Err(bad(format!("quiet_context label '{}' needs {{n}}", q.label)));
                    }
                    Ok(QuietRule { relation: q.relation, kind, label: q.label })
                })
                .collect::<Result<_>>()?,
        })
    }

    /// Whether a username is one of the platform's own (never joins).
    pub fn is_system_identity(&self, user: &str) -> bool {
        self.system_identities.iter().any(|p| glob(p, user))
    }
}

/// `*` matches any run of characters; everything else literally.
fn glob(pattern: &str, text: &str) -> bool {
    let parts: Vec<&str> = pattern.split('*').collect();
    if parts.len() == 1 {
        return pattern == text;
    }
    let (first, last) = (parts[0], parts[parts.len() - 1]);
    if !text.starts_with(first) || !text[first.len()..].ends_with(last) || text.len() < first.len() + last.len() {
        return false;
    }
    let mut rest = &text[first.len()..text.len() - last.len()];
    for mid in &parts[1..parts.len() - 1] {
        match rest.find(mid) {
            Some(i) => rest = &rest[i + mid.len()..],
            None => return false,
        }
    }
    true
}

/// `90s`, `30m`, `2h`, `1d` or a bare number of seconds → nanoseconds.
pub fn parse_duration(text: &str) -> Option<i64> {
    let t = text.trim();
    let (num, unit) = match t.find(|c: char| !c.is_ascii_digit()) {
        Some(i) => (&t[..i], &t[i..]),
        None => (t, "s"),
    };
    let n: i64 = num.parse().ok()?;
    let secs = match unit {
        "s" => n,
        "m" => n.checked_mul(60)?,
        "h" => n.checked_mul(3600)?,
        "d" => n.checked_mul(86_400)?,
        _ => return None,
    };
    if secs <= 0 {
        return None;
    }
    secs.checked_mul(1_000_000_000)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shipped_settings_load() {
        let c = builtin();
        assert_eq!(c.window_ns, 30 * 60 * 1_000_000_000);
        assert!(c.join_kinds.contains(&EntityKind::Pod));
        assert!(!c.join_kinds.contains(&EntityKind::Node), "a node is shared by unrelated pods");
        assert!(!c.join_kinds.contains(&EntityKind::Image), "replicas share an image");
        assert_eq!(c.soc_slack_ns, 3600 * 1_000_000_000);
        assert!(!c.soc_match_kinds.contains(&EntityKind::Cluster), "every incident of a cluster shares it");
    }

    #[test]
    fn platform_identities_are_system_and_workload_accounts_are_not() {
        let c = builtin();
        for u in [
            "system:node:aks-nodepool1-31415926-vmss000001",
            "system:kube-controller-manager",
            "system:serviceaccount:kube-system:replicaset-controller",
            "system:serviceaccount:calico-system:calico-node",
            "system:anonymous",
            "aksService",
        ] {
            assert!(c.is_system_identity(u), "{}", u);
        }
        for u in ["system:serviceaccount:shop:cart", "system:serviceaccount:ci:deployer", "alice@example.com", "system:nodes"] {
            assert!(!c.is_system_identity(u), "{}", u);
        }
    }

    #[test]
    fn durations_parse_in_the_usual_units() {
        assert_eq!(parse_duration("90s"), Some(90_000_000_000));
        assert_eq!(parse_duration("30m"), Some(1_800_000_000_000));
        assert_eq!(parse_duration("2h"), Some(7_200_000_000_000));
        assert_eq!(parse_duration("45"), Some(45_000_000_000));
        assert_eq!(parse_duration("0m"), None);
        assert_eq!(parse_duration("5 weeks"), None);
        assert_eq!(parse_duration("m"), None);
    }

    #[test]
    fn settings_are_validated() {
        let base = CONFIG_YAML.to_string();
        let refused = |text: &str| Config::from_yaml(text).unwrap_err().to_string();
        assert!(refused(&base.replace("window: 30m", "window: soon")).contains("no duration"));
        assert!(refused(&base.replace("join_kinds: [pod,", "join_kinds: [pods,")).contains("unknown entity kind 'pods'"));
        assert!(refused(&base.replace("{technique: T1496, title: Crypto-mining}", "{title: Crypto-mining}"))
            .contains("exactly one of technique or tactic"));
        assert!(refused(&format!("{}\nsurprise: 1\n", base)).contains("unknown field"));
        assert!(refused(&base.replace("label: \"{n} {other}pods of {hub}\"", "label: \"some pods\"")).contains("needs {n}"));
    }
}
