//! The recommendation's citation of the playbook: the rule the recommended
//! pod falls under, in words, and where the team's rule and the facts the
//! recommendation rests on disagree — which Kordon says rather than
//! settles: the rule is the team's decision, the facts are what to weigh
//! against it.

use super::format::{Action, Rule};
use super::ForIncident;
use crate::incident::respond::Recommendation;
use crate::text::series;
use serde::Serialize;

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Citation {
    pub playbook: String,
    pub rule: String,
    /// `namespace/name` of the recommended pod.
    pub pod: String,
    pub text: String,
    /// Where the rule and the facts disagree, each in a sentence.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub disagreements: Vec<String>,
}

fn actions(of: &[Action]) -> String {
    series(&of.iter().map(|a| a.words().to_string()).collect::<Vec<_>>(), "or")
}

/// What the rule asks, in one sentence: criticality, preferred action and
/// the conditions on the others.
pub(crate) fn asks(rule: &Rule) -> String {
    let c = &rule.containment;
    let mut parts = vec![format!("{} criticality", rule.criticality.as_str()), format!("prefer to {}", c.preferred.words())];
    if !c.forbidden.is_empty() {
        parts.push(format!("never {} without an override", actions(&c.forbidden)));
    }
    if !c.after_evidence.is_empty() {
        parts.push(format!("{} only once the evidence is captured", actions(&c.after_evidence)));
    }
    if !c.two_person.is_empty() {
        parts.push(format!("{} with a second person", actions(&c.two_person)));
    }
    if !c.review_first.is_empty() {
        let kinds: Vec<String> = c.review_first.iter().map(|r| r.as_str().to_string()).collect();
        parts.push(format!("review the {} verdicts first", series(&kinds, "and")));
    }
    parts.join("; ")
}

/// The action a recommendation names, as a playbook action.
fn recommended(rec: &Recommendation) -> Option<Action> {
    Action::parse(&rec.action)
}

/// Cites the rule the recommended pod falls under; `None` when the
/// recommendation names no pod.
pub fn cite(rec: &Recommendation, p: &ForIncident, rules: &[Rule]) -> Option<Citation> {
    let pod = &rec.target.as_ref()?.pod;
    let w = p.workloads.iter().find(|w| &w.matched.workload.pod == pod)?;
    let mut disagreements = Vec::new();
    let Some(rule) = w.matched.rule.as_deref().and_then(|id| rules.iter().find(|r| r.id == id)) else {
        let mut text = format!("No rule of “{}” matches `{}`: the recommendation rests on the facts alone.", p.name, pod);
        if !w.matched.unknown.is_empty() {
            text.push_str(&format!(" The case does not hold {}.", series(&w.matched.unknown, "and")));
        }
        return Some(Citation { playbook: p.name.clone(), rule: String::new(), pod: pod.clone(), text, disagreements });
    };
    let mut text = format!("`{}` falls under rule `{}` of “{}”", pod, rule.id, p.name);
    if !w.matched.because.iter().all(|b| b == "every workload") {
        text.push_str(&format!(" ({})", w.matched.because.join(", ")));
    }
    text.push_str(&format!(": {}.", asks(rule)));
    if let Some(reason) = &rule.containment.reason {
        text.push_str(&format!(" {}", reason.trim()));
        if !reason.trim_end().ends_with('.') {
            text.push('.');
        }
    }
    let who: Vec<String> = [("owners", &rule.owners), ("notify", &rule.notify)]
        .iter()
        .filter(|(_, l)| !l.is_empty())
        .map(|(what, l)| format!("{}: {}", what, l.join(", ")))
        .collect();
    if !who.is_empty() {
        let who = who.join("; ");
        text.push_str(&format!(" {}{}.", who[..1].to_uppercase(), &who[1..]));
    }

    let preferred = rule.containment.preferred;
    match recommended(rec) {
        Some(Action::Terminate) if preferred == Action::Isolate => disagreements.push(
            "The playbook prefers isolation, but the snapshot shows no engine that enforces NetworkPolicy in this cluster: an isolation may not hold. Confirm the engine before relying on it.".to_string(),
        ),
        Some(a) if preferred == Action::Observe => disagreements.push(format!(
            "The playbook says to observe only; Kordon recommends to {} from the facts above. Containing needs an override of the rule.",
            a.words()
        )),
        Some(a) if a != preferred => disagreements.push(format!(
            "The playbook prefers to {}; Kordon recommends to {} from the facts above. The rule is the team's decision: weigh these facts against it.",
            preferred.words(),
            a.words()
        )),
        _ => {}
    }
    if let Some(a) = recommended(rec).filter(|a| rule.containment.forbidden.contains(a)) {
        disagreements.push(format!("This rule forbids to {} without an explicit override, with a reason.", a.words()));
    }
    if !w.matched.unknown.is_empty() {
        disagreements.push(format!(
            "The case does not hold {}: a rule before this one may have been meant for the pod.",
            series(&w.matched.unknown, "and")
        ));
    }
    Some(Citation { playbook: p.name.clone(), rule: rule.id.clone(), pod: pod.clone(), text, disagreements })
}
