//! Everything the incident page shows, in one value: header, story,
//! recommendation, signals with why each joined, evidence by tactic, context,
//! entities and the SOC's view of it (other tools' incidents that match it).
//! The CLI (`kordon show`) and the app read the same value.

use super::evidence::{self, Evidence};
use super::read::{self, IncidentRow, KeyEntity, SignalRow};
use super::respond::{self, Recommendation};
use super::soc::{self, SocView};
use super::story::{self, Story};
use super::summary::subject_label;
use crate::attack;
use crate::error::Result;
use crate::store::{format_id, Case};
use crate::time::format_ns;
use serde::Serialize;
use std::collections::BTreeMap;

#[derive(Debug, Clone, Serialize)]
pub struct TacticGroup {
    pub tactic: String,
    pub name: String,
    pub count: usize,
    /// Signal ids, in time order.
    pub signals: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ContextSummary {
    pub count: usize,
    /// Context events per source (`k8s-audit`, `tetragon` …).
    pub by_source: BTreeMap<String, usize>,
    /// Snapshot objects about the incident's pods, owners and identities.
    pub facts: usize,
}

#[derive(Debug, Clone, Serialize)]
pub struct EntitySummary {
    pub id: String,
    pub kind: String,
    pub key: String,
    pub label: String,
    /// Signals naming it.
    pub signals: usize,
    /// Signals and context events naming it.
    pub evidence: usize,
    pub first_seen: Option<String>,
    pub last_seen: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Detail {
    pub incident: IncidentRow,
    pub story: Story,
    pub recommendation: Recommendation,
    pub signals: Vec<SignalRow>,
    pub evidence_by_tactic: Vec<TacticGroup>,
    pub context: ContextSummary,
    pub entities: Vec<EntitySummary>,
    /// Other tools' incidents (Microsoft Sentinel's) that match this one,
    /// as the SOC sees them; never Kordon's own triage.
    pub soc: Vec<SocView>,
    /// The playbook in force and the rule each affected workload falls under.
    pub playbook: crate::playbook::ForIncident,
}

pub fn detail(case: &Case, id: i64) -> Result<Detail> {
    let cfg = super::config::builtin();
    let incident = read::get(case, id)?;
    let ev = evidence::gather(case, id, cfg)?;
    let story = story::tell(&ev, &incident.title);
    let mut recommendation = respond::recommend(case, &ev)?;
    let entities = entities(&ev, &incident.key_entities);
    // What the snapshot says about the incident's identities, pods and
    // namespaces joins the follow-up checklist (no snapshot: nothing to add).
    let scope = crate::hardening::Scope::of_entities(entities.iter().map(|e| (e.kind.as_str(), e.key.as_str())));
    match crate::hardening::findings(case, &scope) {
        Ok(found) => crate::hardening::into_follow_up(&found, &mut recommendation.follow_up),
        Err(e) if e.code() == crate::error::Code::NotFound => {}
        Err(e) => return Err(e),
    }
    let triage = soc::Triage { status: &incident.status, classification: incident.classification.as_deref() };
    let scope = soc::Scope::of(ev.signals.iter().map(|(s, _)| s), cfg);
    let soc = soc::for_incident(&soc::load(case)?, &scope, triage, cfg, crate::triage::vocabulary());
    let playbook = crate::playbook::for_incident(case, &ev)?;
    recommendation.playbook = crate::playbook::cite::cite(&recommendation, &playbook, &playbook.rules);
    crate::playbook::steps_into_follow_up(&playbook, &mut recommendation.follow_up);
    Ok(Detail {
        soc,
        playbook,
        evidence_by_tactic: by_tactic(&ev),
        context: context(&ev),
        entities,
        signals: ev.signals.iter().map(|(_, r)| r.clone()).collect(),
        incident,
        story,
        recommendation,
    })
}

/// An incident's entities with their evidence counts, without the rest of
/// its detail.
pub fn entity_summaries(case: &Case, id: i64) -> Result<Vec<EntitySummary>> {
    let incident = read::get(case, id)?;
    let ev = evidence::gather(case, id, super::config::builtin())?;
    Ok(entities(&ev, &incident.key_entities))
}

fn by_tactic(ev: &Evidence) -> Vec<TacticGroup> {
    let mut groups: BTreeMap<(usize, String), Vec<String>> = BTreeMap::new();
    for (s, _) in &ev.signals {
        let tactics = if s.mapped.tactics.is_empty() { vec!["none".to_string()] } else { s.mapped.tactics.clone() };
        for t in tactics {
            let pos = if t == "none" { usize::MAX } else { attack::kill_chain_position(&t) };
            groups.entry((pos, t)).or_default().push(format_id(s.key));
        }
    }
    groups
        .into_iter()
        .map(|((_, tactic), signals)| TacticGroup {
            name: attack::tactic_name(&tactic).unwrap_or("No tactic").to_string(),
            tactic,
            count: signals.len(),
            signals,
        })
        .collect()
}

fn context(ev: &Evidence) -> ContextSummary {
    let mut by_source = BTreeMap::new();
    for c in &ev.context {
        *by_source.entry(c.source.as_str().to_string()).or_insert(0) += 1;
    }
    ContextSummary { count: ev.context.len(), by_source, facts: ev.facts.len() }
}

fn entities(ev: &Evidence, keys: &[KeyEntity]) -> Vec<EntitySummary> {
    struct Acc {
        kind: crate::model::EntityKind,
        key: String,
        signals: usize,
        evidence: usize,
        first: i64,
        last: i64,
    }
    let mut acc: BTreeMap<i64, Acc> = BTreeMap::new();
    let signal_keys: std::collections::HashSet<i64> = ev.signals.iter().map(|(s, _)| s.key).collect();
    for e in ev.signals.iter().map(|(s, _)| s).chain(ev.context.iter()) {
        let is_signal = signal_keys.contains(&e.key);
        let mut seen = std::collections::HashSet::new();
        for n in &e.entities {
            if !seen.insert(n.id) {
                continue;
            }
            let a = acc.entry(n.id).or_insert(Acc { kind: n.kind, key: n.key.to_string(), signals: 0, evidence: 0, first: e.time_ns, last: e.time_ns });
            a.evidence += 1;
            a.signals += usize::from(is_signal);
            a.first = a.first.min(e.time_ns);
            a.last = a.last.max(e.time_ns);
        }
    }
    let rank = |kind: &str, key: &str| keys.iter().position(|k| k.kind == kind && k.key == key).unwrap_or(usize::MAX);
    let mut out: Vec<EntitySummary> = acc
        .into_iter()
        .filter(|(_, a)| a.signals > 0)
        .map(|(id, a)| EntitySummary {
            id: format_id(id),
            kind: a.kind.as_str().into(),
            label: subject_label(a.kind, &a.key),
            key: a.key,
            signals: a.signals,
            evidence: a.evidence,
            first_seen: Some(format_ns(a.first)),
            last_seen: Some(format_ns(a.last)),
        })
        .collect();
    out.sort_by(|a, b| {
        (rank(&a.kind, &a.key), std::cmp::Reverse(a.signals), &a.kind, &a.key).cmp(&(
            rank(&b.kind, &b.key),
            std::cmp::Reverse(b.signals),
            &b.kind,
            &b.key,
        ))
    });
    out
}
