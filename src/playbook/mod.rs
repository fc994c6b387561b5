//! Response playbooks: how a team responds, decided before the incident.
//!
//! Whether to isolate or terminate a pod, who must agree, whom to tell and
//! what to do afterwards depend on the workload — its business
//! criticality, the cluster it runs in, the evidence the team must keep —
//! and are the team's decisions, not Kordon's. A playbook is a YAML file
//! the team keeps in version control ([`format`]); loading it stores it in
//! the case byte-exact with its SHA-256 and a log entry ([`stored`]), so a
//! decision taken under it can be read against the rules in force at the
//! time. Until one is loaded, Kordon's default (`data/playbook.yaml`) is in
//! force. Each workload an incident affects falls under the first rule that
//! matches it ([`matching`]).

pub mod cite;
pub mod format;
pub mod gate;
pub mod handoff;
pub mod matching;
pub mod stored;

pub use cite::Citation;
pub use format::{Action, Criticality, Playbook, Review, Rule};
pub use matching::{Match, Owner, Workload};
pub use stored::{in_force, load, InForce, Loaded, Origin};

use crate::error::Result;
use crate::incident::evidence::Evidence;
use crate::store::Case;
use serde::Serialize;

/// A workload of an incident with the rule it falls under, as the incident
/// page shows it.
#[derive(Debug, Clone, Serialize)]
pub struct RuleFor {
    #[serde(flatten)]
    pub matched: Match,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub criticality: Option<Criticality>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub preferred: Option<Action>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub owners: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub notify: Vec<String>,
}

/// The playbook's part of an incident: which playbook is in force and the
/// rule each affected workload falls under.
#[derive(Debug, Clone, Serialize)]
pub struct ForIncident {
    pub name: String,
    pub origin: Origin,
    pub workloads: Vec<RuleFor>,
    /// The rules, for citing them ([`cite`]).
    #[serde(skip)]
    pub rules: Vec<Rule>,
}

/// The steps of the rules the incident's workloads fall under join its
/// follow-up checklist as `playbook:<step>` items, after Kordon's own, each
/// once (a step of two rules under one id is the first rule's), ticked and
/// logged like the others.
pub fn steps_into_follow_up(p: &ForIncident, follow_up: &mut Vec<crate::incident::respond::FollowUp>) {
    for w in &p.workloads {
        let Some(rule) = w.matched.rule.as_deref().and_then(|id| p.rules.iter().find(|r| r.id == id)) else { continue };
        for step in &rule.steps {
            let item = format!("playbook:{}", step.id);
            if follow_up.iter().any(|f| f.item == item) {
                continue;
            }
            follow_up.push(crate::incident::respond::FollowUp {
                item,
                text: format!("{} (playbook rule `{}`)", step.text.trim(), rule.id),
                findings: Vec::new(),
            });
        }
    }
}

/// The rules an incident's workloads fall under.
pub fn for_incident(case: &Case, ev: &Evidence) -> Result<ForIncident> {
    let InForce { origin, playbook, .. } = in_force(case)?;
    let workloads = matching::affected(case, ev)?
        .iter()
        .map(|w| {
            let matched = matching::rule_for(&playbook, w);
            let rule = matched.rule.as_deref().and_then(|id| playbook.rule(id));
            RuleFor {
                criticality: rule.map(|r| r.criticality),
                preferred: rule.map(|r| r.containment.preferred),
                owners: rule.map(|r| r.owners.clone()).unwrap_or_default(),
                notify: rule.map(|r| r.notify.clone()).unwrap_or_default(),
                matched,
            }
        })
        .collect();
    Ok(ForIncident { name: playbook.name, origin, workloads, rules: playbook.rules })
}
