//! The hand-off note: what the people who own an affected workload must do
//! now, from the playbook's rules and the incident's facts, as plain text to
//! paste into a ticket or a chat. It says who owns what and whom to tell,
//! what containment was recommended and what was done, and the steps still
//! open — the playbook's first, then Kordon's own checklist.

use crate::cluster::record;
use crate::error::Result;
use crate::incident::detail;
use crate::store::Case;
use std::fmt::Write;

/// The note for incident `id`.
pub fn note(case: &Case, id: i64) -> Result<String> {
    let d = detail::detail(case, id)?;
    let ticks = crate::triage::read(case, id)?.follow_up;
    let actions = record::list(case, Some(id))?;
    let i = &d.incident;
    let mut out = String::new();
    let _ = writeln!(out, "{}: {}", i.id, i.title);
    let _ = writeln!(
        out,
        "Severity {} · status {} · incident owner: {}",
        i.severity,
        i.status,
        i.owner.as_deref().unwrap_or("unassigned")
    );

    let p = &d.playbook;
    let _ = writeln!(out, "\nWorkloads (playbook \"{}\")", p.name);
    if p.workloads.is_empty() {
        let _ = writeln!(out, "- none: the incident names no pod");
    }
    for w in &p.workloads {
        let wl = &w.matched.workload;
        let mut facts: Vec<String> = Vec::new();
        if let Some(o) = wl.owners.last() {
            facts.push(format!("{} {}", o.kind, o.name));
        }
        if let Some(c) = &wl.cluster {
            facts.push(format!("cluster {}", c));
        }
        let facts = if facts.is_empty() { String::new() } else { format!(" ({})", facts.join(", ")) };
        match (&w.matched.rule, w.criticality) {
            (Some(rule), Some(c)) => {
                let _ = writeln!(out, "- {}{}: rule {}, {} criticality", wl.pod, facts, rule, c.as_str());
            }
            _ => {
                let _ = writeln!(out, "- {}{}: no rule of the playbook matches", wl.pod, facts);
            }
        }
        let owners = if w.owners.is_empty() { "not named".to_string() } else { w.owners.join(", ") };
        let notify = if w.notify.is_empty() { "nobody named".to_string() } else { w.notify.join(", ") };
        let _ = writeln!(out, "  Owners: {}. Notify: {}.", owners, notify);
    }

    let _ = writeln!(out, "\nContainment");
    let r = &d.recommendation;
    match &r.target {
        Some(t) => {
            let _ = writeln!(out, "- Recommended: {} {}.", r.action, t.pod);
        }
        None => {
            let _ = writeln!(out, "- Recommended: none (no pod to contain).");
        }
    }
    let done: Vec<&record::ActionRow> = actions.iter().filter(|a| a.state != "dry-run").collect();
    if done.is_empty() {
        let _ = writeln!(out, "- Done: nothing yet.");
    }
    for a in done {
        let _ = writeln!(
            out,
            "- Done: {} {}/{} ({}, {}, {} by {}: \"{}\")",
            a.kind, a.namespace, a.pod, a.id, a.state, a.updated, a.actor, a.reason
        );
    }

    let tick = |item: &str| ticks.iter().find(|t| t.item == item && t.done);
    let (steps, kordon): (Vec<_>, Vec<_>) = r.follow_up.iter().partition(|f| f.item.starts_with("playbook:"));
    let _ = writeln!(out, "\nWhat to do now");
    if steps.is_empty() {
        let _ = writeln!(out, "- The playbook names no steps for these workloads.");
    }
    for (n, f) in steps.iter().enumerate() {
        match tick(&f.item) {
            Some(t) => {
                let _ = writeln!(out, "{}. [x] {} — done by {} at {}", n + 1, f.text, t.author, t.time);
            }
            None => {
                let _ = writeln!(out, "{}. [ ] {}", n + 1, f.text);
            }
        }
    }
    let open: Vec<_> = kordon.iter().filter(|f| tick(&f.item).is_none()).collect();
    if !open.is_empty() {
        let _ = writeln!(out, "\nAlso open on Kordon's checklist");
        for f in open {
            let _ = writeln!(out, "- [ ] {}", f.text);
        }
    }
    Ok(out)
}
