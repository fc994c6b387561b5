//! The playbook's part of the report: which playbook was in force, the rule
//! each affected workload falls under, who answers for the incident and
//! whom to tell, the recommendation's citation of the rule and where the
//! rule and the facts disagree — and, per containment action, the rule it
//! went through under and the approvals given. The review meeting reads
//! the team's decision beside what was done.

use super::doc::{Block, Fact, Section, Span, Table};
use super::gather::{col, fact, marked, mono, row, t};
use crate::incident::detail::Detail;
use crate::playbook::gate::Gate;
use crate::text::series;

pub fn section(d: &Detail, incident_owner: Option<&str>, anchor: &str) -> Section {
    let p = &d.playbook;
    let o = &p.origin;
    let source = match (o.kind.as_str(), &o.loaded_by, &o.loaded_at) {
        ("default", ..) => format!("Kordon's default playbook ({})", o.file),
        (_, Some(by), Some(at)) => format!("loaded from {} by {} at {}", o.file, by, at),
        _ => format!("loaded from {}", o.file),
    };
    let once = |f: fn(&crate::playbook::RuleFor) -> &Vec<String>| {
        let mut all: Vec<String> = Vec::new();
        for w in &p.workloads {
            for x in f(w) {
                if !all.contains(x) {
                    all.push(x.clone());
                }
            }
        }
        all
    };
    let (owners, notify) = (once(|w| &w.owners), once(|w| &w.notify));
    let named = |l: &[String], none: &str| if l.is_empty() { vec![Span::Muted(none.into())] } else { t(l.join(", ")) };
    let mut blocks = vec![Block::Facts(vec![
        fact("Playbook", vec![Span::Strong(p.name.clone()), Span::text(format!(" — {}", source))]),
        fact("SHA-256", mono(o.sha256.clone())),
        fact("Incident owner", incident_owner.map(t).unwrap_or_else(|| vec![Span::Muted("unassigned".into())])),
        fact("Workload owners", named(&owners, "not named by the playbook")),
        fact("Notify", named(&notify, "nobody named by the playbook")),
    ])];
    if p.workloads.is_empty() {
        blocks.push(Block::Note("The incident names no pod: no rule of the playbook applies.".into()));
    } else {
        let mut table = Table {
            columns: vec![col("Workload", 4, true), col("Rule", 3, false), col("Matched on", 4, false), col("Owners", 3, false), col("Notify", 3, false)],
            rows: Vec::new(),
        };
        for w in &p.workloads {
            let m = &w.matched;
            let rule = match (&m.rule, w.criticality, w.preferred) {
                (Some(r), Some(c), Some(a)) => vec![Span::Strong(r.clone()), Span::Muted(format!(" {}, prefers to {}", c.as_str(), a.words()))],
                (Some(r), ..) => vec![Span::Strong(r.clone())],
                (None, ..) => vec![Span::Muted("no rule matches".into())],
            };
            let mut because = t(m.because.join(", "));
            if !m.unknown.is_empty() {
                because.push(Span::Muted(format!(" · the case does not hold {}", series(&m.unknown, "and"))));
            }
            table.rows.push(row(vec![mono(m.workload.pod.clone()), rule, because, t(w.owners.join(", ")), t(w.notify.join(", "))]));
        }
        blocks.push(Block::Table(table));
    }
    if let Some(c) = &d.recommendation.playbook {
        blocks.push(Block::Heading("The recommendation and the playbook".into()));
        blocks.push(Block::Paragraph(marked(&c.text)));
        if !c.disagreements.is_empty() {
            blocks.push(Block::Paragraph(vec![Span::Strong("Where the playbook and the facts disagree".into())]));
            blocks.push(Block::List(c.disagreements.iter().map(|x| marked(x)).collect()));
        }
    }
    Section { anchor: anchor.into(), title: "Playbook and ownership".into(), new_page: false, blocks }
}

/// The rule an action went through under, and the approvals given, from
/// what the action recorded (`details.playbook`); nothing for an action
/// recorded without one (before playbooks, or a release).
pub fn action_facts(details: &serde_json::Value) -> Vec<Fact> {
    let Some(g) = details.get("playbook").and_then(|v| serde_json::from_value::<Gate>(v.clone()).ok()) else {
        return Vec::new();
    };
    let mut facts = vec![fact(
        "Playbook rule",
        match &g.rule {
            Some(r) => vec![Span::Strong(r.clone()), Span::text(format!(" of “{}”", g.playbook))],
            None => t(format!("no rule of “{}” matched", g.playbook)),
        },
    )];
    if !g.requirements.is_empty() {
        let met: Vec<String> = g.requirements.iter().map(|r| format!("{} ({})", r.text, if r.met { "met" } else { "not met" })).collect();
        facts.push(fact("Required", t(met.join("; "))));
    }
    facts.push(fact("Approvals", g.approvals.words().map(t).unwrap_or_else(|| vec![Span::Muted("none given".into())])));
    facts
}
