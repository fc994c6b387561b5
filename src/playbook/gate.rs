//! What the playbook requires before a containment action runs: an
//! override with a reason for an action its rule forbids, a second
//! person's name, the investigator's word that the evidence is captured,
//! verdicts set on what the rule asks to be reviewed first. Checked before
//! anything reaches the cluster, shown in every preview (a dry run
//! included), and recorded with the action, so the log says under which
//! rule, and with whose approval, a pod was contained.

use super::format::{Action, Review};
use super::matching::{self, Workload};
use crate::error::{Code, Error, Result};
use crate::incident::{config, evidence, read};
use crate::store::Case;
use serde::{Deserialize, Serialize};

/// What the investigator brings to the action.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(default)]
pub struct Approvals {
    /// The second person who agreed (a two-person rule).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub second_person: Option<String>,
    /// Why the rule is overridden (an action it forbids).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub override_reason: Option<String>,
    /// The investigator says the pod's evidence is captured.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub evidence_captured: bool,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Requirement {
    /// `override`, `second-person`, `evidence-captured` or `review:<what>`.
    pub kind: String,
    pub text: String,
    pub met: bool,
}

/// The playbook's requirements for one action on one pod; recorded with
/// the action as it was when the action went through (read back by the
/// report).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Gate {
    pub playbook: String,
    pub sha256: String,
    /// The rule the pod falls under; `None`: no rule, nothing required.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rule: Option<String>,
    /// What the rule asks, in one sentence, and why (the rule's reason):
    /// shown above the requirements so they are read as the team's rule.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub asks: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub why: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub owners: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub notify: Vec<String>,
    pub action: Action,
    pub requirements: Vec<Requirement>,
    pub approvals: Approvals,
}

/// An approval given in words: trimmed, and none when blank.
fn given(v: &Option<String>) -> Option<&str> {
    v.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

impl Approvals {
    /// "second person: grace; override: …; evidence captured", or `None`.
    pub fn words(&self) -> Option<String> {
        let parts: Vec<String> = [
            given(&self.second_person).map(|s| format!("second person: {}", s)),
            given(&self.override_reason).map(|s| format!("override: {}", s)),
            self.evidence_captured.then(|| "evidence captured".to_string()),
        ]
        .into_iter()
        .flatten()
        .collect();
        (!parts.is_empty()).then(|| parts.join("; "))
    }
}

impl Gate {
    pub fn unmet(&self) -> impl Iterator<Item = &Requirement> {
        self.requirements.iter().filter(|r| !r.met)
    }

    /// Refuses the action while a requirement is unmet, naming each.
    pub fn enforce(&self) -> Result<()> {
        let unmet: Vec<&str> = self.unmet().map(|r| r.text.as_str()).collect();
        if unmet.is_empty() {
            return Ok(());
        }
        Err(Error::input(
            Code::PlaybookRequirement,
            format!(
                "rule `{}` of the playbook \"{}\" requires, before this action: {}; nothing was done",
                self.rule.as_deref().unwrap_or("-"),
                self.playbook,
                unmet.join("; ")
            ),
        ))
    }
}

/// The entity kinds a review names.
fn kinds(r: Review) -> &'static [&'static str] {
    match r {
        Review::Identity => &["identity"],
        Review::Workload => &["workload", "pod"],
        Review::Image => &["image"],
        Review::Runtime => &["process"],
    }
}

/// The requirements of the playbook in force for `action` on `pod`
/// (`namespace/name`) of incident `incident`, with what the investigator
/// brings.
pub fn check(case: &Case, incident: i64, pod: &str, action: Action, actor: &str, approvals: Approvals) -> Result<Gate> {
    let super::InForce { origin, playbook, .. } = super::in_force(case)?;
    let ev = evidence::gather(case, incident, config::builtin())?;
    let workload = matching::affected(case, &ev)?.into_iter().find(|w| w.pod == pod).unwrap_or_else(|| Workload {
        pod: pod.to_string(),
        namespace: pod.split_once('/').map(|(ns, _)| ns.to_string()).unwrap_or_default(),
        ..Default::default()
    });
    let matched = matching::rule_for(&playbook, &workload);
    let rule = matched.rule.as_deref().and_then(|id| playbook.rule(id));
    let mut requirements = Vec::new();
    if let Some(rule) = rule {
        let c = &rule.containment;
        // A rule that says to observe only forbids every containment.
        let observe_only = c.preferred == Action::Observe && action != Action::Observe;
        if c.forbidden.contains(&action) || observe_only {
            requirements.push(Requirement {
                kind: "override".into(),
                text: if observe_only {
                    format!("an override with a reason: the rule says to observe only, not {}", action.words())
                } else {
                    format!("an override with a reason: the rule forbids {}", action.gerund())
                },
                met: given(&approvals.override_reason).is_some(),
            });
        }
        if c.two_person.contains(&action) {
            let second = given(&approvals.second_person);
            let own = second.filter(|s| s.eq_ignore_ascii_case(actor.trim()));
            requirements.push(Requirement {
                kind: "second-person".into(),
                text: match own {
                    Some(s) => format!("a second person's name, not the investigator's own ({})", s),
                    None => format!("a second person's name: the rule asks two people for {}", action.gerund()),
                },
                met: second.is_some() && own.is_none(),
            });
        }
        if c.after_evidence.contains(&action) {
            requirements.push(Requirement {
                kind: "evidence-captured".into(),
                text: format!("the pod's evidence captured first: the rule allows {} only after", action.gerund()),
                met: approvals.evidence_captured,
            });
        }
        if !c.review_first.is_empty() {
            let key = read::get(case, incident)?.key_entities;
            let verdicts = crate::triage::read(case, incident)?.verdicts;
            for r in &c.review_first {
                let wanted: Vec<&read::KeyEntity> = key.iter().filter(|e| kinds(*r).contains(&e.kind.as_str())).collect();
                let missing: Vec<String> = wanted
                    .iter()
                    .filter(|e| {
                        !verdicts.iter().any(|v| v.entity_kind == e.kind && v.entity_key == e.key && v.verdict != "not-reviewed")
                    })
                    .map(|e| format!("{} {}", e.kind, e.key))
                    .collect();
                requirements.push(Requirement {
                    kind: format!("review:{}", r.as_str()),
                    text: if wanted.is_empty() {
                        format!("the {} verdicts (the incident names none)", r.as_str())
                    } else if missing.is_empty() {
                        format!("the {} verdicts, set", r.as_str())
                    } else {
                        format!("a verdict on {}", missing.join(", "))
                    },
                    met: missing.is_empty(),
                });
            }
        }
    }
    Ok(Gate {
        playbook: playbook.name.clone(),
        sha256: origin.sha256,
        rule: rule.map(|r| r.id.clone()),
        asks: rule.map(super::cite::asks),
        why: rule.and_then(|r| r.containment.reason.clone()),
        owners: rule.map(|r| r.owners.clone()).unwrap_or_default(),
        notify: rule.map(|r| r.notify.clone()).unwrap_or_default(),
        action,
        requirements,
        approvals,
    })
}
