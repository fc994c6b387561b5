//! What the report says about one incident, read from the case once: the
//! header, the story with its citations, the graph, the timeline, the
//! response and what was done, findings, entities, comments and the log.
//!
//! Every section reads the case as it is at export, through the same
//! functions the incident page uses (`detail`, `triage`, `record`,
//! `hardening`), so the report and the app cannot disagree. An incident can
//! hold thousands of records: the report gives counts and the records its
//! sentences cite, never every record — the case keeps them all, and the
//! appendix says how to reach each one.

use super::custody::{self, Verified};
use super::doc::{Block, CheckItem, Column, Fact, Row, Section, Span, Table};
use super::figure;
use crate::attack;
use crate::cluster::{record, redact};
use crate::error::{Code, Result};
use crate::incident::{self, detail, evidence, format_incident_id};
use crate::store::{format_id, Case};
use crate::time::format_ns;
use std::collections::{BTreeMap, HashMap};

/// Signals listed in the timeline; beyond, the counts per tactic stand for them.
pub const TIMELINE_ROWS: usize = 200;
/// Records one sentence cites by number; the rest are counted.
pub const CITES_PER_SENTENCE: usize = 5;
/// Entities listed; beyond, a count.
pub const ENTITY_ROWS: usize = 150;

/// The records the report cites, numbered in the order first cited ([E1] …).
pub struct Cites {
    prefix: String,
    order: Vec<i64>,
    index: HashMap<i64, usize>,
}

impl Cites {
    pub fn new(prefix: &str) -> Cites {
        Cites { prefix: prefix.to_string(), order: Vec::new(), index: HashMap::new() }
    }

    /// The row anchor of a cited record in the appendix.
    pub fn anchor(&self, key: i64) -> String {
        format!("{}-e-{}", self.prefix, format_id(key))
    }

    fn cite(&mut self, key: i64) -> Span {
        let n = match self.index.get(&key) {
            Some(n) => *n,
            None => {
                self.order.push(key);
                self.index.insert(key, self.order.len());
                self.order.len()
            }
        };
        Span::Ref { anchor: self.anchor(key), text: format!("[E{}]", n) }
    }

    /// Citations for a list of event ids (as the core prints them), the
    /// first few by number and the rest counted.
    fn cite_ids(&mut self, ids: &[String]) -> Vec<Span> {
        let keys: Vec<i64> = ids.iter().filter_map(|i| crate::store::parse_id(i)).collect();
        let mut out = Vec::new();
        for k in keys.iter().take(CITES_PER_SENTENCE) {
            out.push(Span::text(" "));
            out.push(self.cite(*k));
        }
        if keys.len() > CITES_PER_SENTENCE {
            out.push(Span::Muted(format!(
                " and {} more record{}",
                keys.len() - CITES_PER_SENTENCE,
                plural(keys.len() - CITES_PER_SENTENCE)
            )));
        }
        out
    }

    /// Cited records with their number, in citation order.
    pub fn cited(&self) -> impl Iterator<Item = (usize, i64)> + '_ {
        self.order.iter().enumerate().map(|(i, k)| (i + 1, *k))
    }
}

pub fn plural(n: usize) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}

/// Text from the core in which `backticks` mark names: those become
/// monospaced spans, the rest plain text.
pub fn marked(text: &str) -> Vec<Span> {
    let mut out = Vec::new();
    for (i, part) in text.split('`').enumerate() {
        if part.is_empty() {
            continue;
        }
        out.push(if i % 2 == 1 { Span::Mono(part.to_string()) } else { Span::text(part) });
    }
    // An odd backtick leaves the last part marked: fine, it is still only text.
    out
}

pub(super) fn col(title: &str, weight: u16, mono: bool) -> Column {
    Column { title: title.to_string(), weight, mono }
}

pub(super) fn row(cells: Vec<Vec<Span>>) -> Row {
    Row { anchor: None, cells }
}

pub(super) fn t(s: impl Into<String>) -> Vec<Span> {
    vec![Span::Text(s.into())]
}

pub(super) fn mono(s: impl Into<String>) -> Vec<Span> {
    vec![Span::Mono(s.into())]
}

pub(super) fn fact(label: &str, value: Vec<Span>) -> Fact {
    Fact { label: label.to_string(), value }
}

fn or_none(v: Option<&str>) -> Vec<Span> {
    match v.filter(|s| !s.is_empty()) {
        Some(s) => t(s),
        None => vec![Span::Muted("none".into())],
    }
}

/// Everything about one incident: its sections (anchors prefixed so that
/// several incidents fit in one document) and the document's title.
pub struct Gathered {
    pub title: String,
    pub incident: String,
    pub sections: Vec<Section>,
}

/// What the report says about incident `id`. `generated` is the report's
/// time (from the caller's clock); `verified` the case's verification at
/// export, made once for the whole document.
pub fn incident(case: &Case, id: i64, generated: &str, verified: &Verified) -> Result<Gathered> {
    let inc_id = format_incident_id(id);
    let prefix = inc_id.to_ascii_lowercase();
    let d = detail::detail(case, id)?;
    let ev = evidence::gather(case, id, incident::config::builtin())?;
    let triage = crate::triage::read(case, id)?;
    let mut cites = Cites::new(&prefix);
    let mut sections = Vec::new();
    let a = |name: &str| format!("{}-{}", prefix, name);
    let title = format!("{} · {}", inc_id, d.incident.title);

    // Header.
    let i = &d.incident;
    let classification = match (&i.classification, &i.determination) {
        (Some(c), Some(dt)) => t(format!("{} / {}", c, dt)),
        (Some(c), None) => t(c.clone()),
        (None, Some(dt)) => t(dt.clone()),
        (None, None) => vec![Span::Muted("not classified".into())],
    };
    let mut severity = vec![Span::Severity(i.severity.clone())];
    if i.severity != i.computed_severity {
        severity.push(Span::Muted(format!(" set by an investigator; computed: {}", i.computed_severity)));
    }
    let facts = vec![
        fact("Incident", mono(inc_id.clone())),
        fact("Severity", severity),
        fact("Why", t(i.severity_why.clone())),
        fact("Status", t(i.status.clone())),
        fact("Classification", classification),
        fact("Owner", or_none(i.owner.as_deref())),
        fact("Tags", if i.tags.is_empty() { vec![Span::Muted("none".into())] } else { t(i.tags.join(", ")) }),
        fact(
            "Cluster",
            if i.clusters.is_empty() { vec![Span::Muted("not named by the evidence".into())] } else { t(i.clusters.join(", ")) },
        ),
        fact("First activity", or_none(i.first_activity.as_deref())),
        fact("Last activity", or_none(i.last_activity.as_deref())),
        fact(
            "Signals",
            t(format!(
                "{} ({} context record{}, {} snapshot object{})",
                i.signals,
                ev.context.len(),
                plural(ev.context.len()),
                ev.facts.len(),
                plural(ev.facts.len())
            )),
        ),
        fact("Tactics", if i.tactic_names.is_empty() { vec![Span::Muted("none".into())] } else { t(i.tactic_names.join(" → ")) }),
        fact("Case file", mono(custody::case_name(case))),
        fact("Report made", t(generated.to_string())),
    ];
    sections.push(Section { anchor: a("header"), title: d.incident.title.clone(), new_page: false, blocks: vec![Block::Facts(facts)] });

    // Summary: the story, each sentence with its records.
    let mut blocks = vec![Block::Paragraph(marked(&d.story.lead))];
    let mut steps = Vec::new();
    for s in &d.story.steps {
        let mut spans = Vec::new();
        if let Some(name) = &s.tactic_name {
            spans.push(Span::Strong(format!("{}: ", name)));
        }
        spans.extend(marked(&s.text));
        spans.extend(cites.cite_ids(&s.evidence));
        steps.push(spans);
    }
    if steps.is_empty() {
        blocks.push(Block::Note("The incident holds no signal to tell.".into()));
    } else {
        blocks.push(Block::List(steps));
    }
    sections.push(Section { anchor: a("summary"), title: "Summary".into(), new_page: false, blocks });

    // The graph, as the app first shows it (nothing expanded).
    let graph = crate::app::views::incident_graph(case, id, &[])?;
    let mut fig = figure::incident_graph(&graph);
    if fig.caption.is_empty() {
        fig.caption = format!(
            "The entities of {} and how the evidence relates them ({} nodes, {} edges).",
            inc_id,
            graph.nodes.len(),
            graph.edges.len()
        );
    }
    sections.push(Section { anchor: a("graph"), title: "Incident graph".into(), new_page: false, blocks: vec![Block::Figure(fig)] });

    sections.push(timeline(&ev, &d, &a("timeline")));
    sections.push(response(&d, &triage, &mut cites, &a("response")));
    sections.push(super::playbook::section(&d, triage.owner.as_deref(), &a("playbook")));
    sections.push(containment(case, id, &a("containment"))?);
    sections.push(findings(case, &d, &a("findings"))?);
    sections.push(entities(&d, &triage, &a("entities")));
    sections.push(comments(&triage, &a("comments")));
    sections.push(log(case, &inc_id, &a("log"))?);
    sections.push(custody::appendix(case, &ev, &cites, verified, &a("custody"))?);
    Ok(Gathered { title, incident: inc_id, sections })
}

fn timeline(ev: &evidence::Evidence, d: &detail::Detail, anchor: &str) -> Section {
    let mut blocks = Vec::new();
    // Counts first: they stand for every record, however many.
    let mut per_tactic = Table { columns: vec![col("Tactic", 3, false), col("Signals", 1, false)], rows: Vec::new() };
    for g in &d.evidence_by_tactic {
        let label = if g.tactic == "none" { g.name.clone() } else { format!("{} ({})", g.name, g.tactic) };
        per_tactic.rows.push(row(vec![t(label), t(g.count.to_string())]));
    }
    blocks.push(Block::Heading("Signals per tactic".into()));
    blocks.push(Block::Table(per_tactic));
    let mut per_source: BTreeMap<&str, (usize, usize, usize)> = BTreeMap::new();
    for (s, _) in &ev.signals {
        per_source.entry(s.source.as_str()).or_default().0 += 1;
    }
    for c in &ev.context {
        per_source.entry(c.source.as_str()).or_default().1 += 1;
    }
    for f in &ev.facts {
        per_source.entry(f.source.as_str()).or_default().2 += 1;
    }
    let mut by_source = Table {
        columns: vec![col("Source", 3, false), col("Signals", 1, false), col("Context", 1, false), col("Snapshot objects", 1, false)],
        rows: Vec::new(),
    };
    for (src, (s, c, f)) in &per_source {
        by_source.rows.push(row(vec![t(*src), t(s.to_string()), t(c.to_string()), t(f.to_string())]));
    }
    blocks.push(Block::Heading("Evidence per source".into()));
    blocks.push(Block::Table(by_source));

    // Then the signals themselves, each under its first tactic.
    let mut tl = Table {
        columns: vec![col("Time", 3, true), col("Tactic", 2, false), col("Signal", 5, false), col("Entity", 4, true)],
        rows: Vec::new(),
    };
    for (s, r) in ev.signals.iter().take(TIMELINE_ROWS) {
        let tactic = s.mapped.tactics.first().map(|t| attack::tactic_name(t).unwrap_or(t).to_string()).unwrap_or_else(|| "—".into());
        let entity = subject_of(s);
        tl.rows.push(row(vec![
            mono(r.time.clone().unwrap_or_else(|| "no time".into())),
            t(tactic),
            t(format!("{} ({})", s.title, s.source.as_str())),
            mono(entity),
        ]));
    }
    blocks.push(Block::Heading("Timeline".into()));
    if tl.rows.is_empty() {
        blocks.push(Block::Note("No signal.".into()));
    } else {
        blocks.push(Block::Table(tl));
    }
    if ev.signals.len() > TIMELINE_ROWS {
        blocks.push(Block::Note(format!(
            "The first {} of {} signals; the counts above cover all of them, and kordon show lists every one.",
            TIMELINE_ROWS,
            ev.signals.len()
        )));
    }
    Section { anchor: anchor.into(), title: "Timeline by tactic".into(), new_page: false, blocks }
}

/// The entity a signal is most about: its pod, else its actor, else the first it names.
fn subject_of(s: &incident::signals::Signal) -> String {
    use crate::model::EntityKind;
    let pick = s.entities_of(EntityKind::Pod).next().or_else(|| s.entities_of(EntityKind::Identity).next()).or_else(|| s.entities.first());
    match pick {
        Some(e) => format!("{}: {}", e.kind.as_str(), incident::summary::subject_label(e.kind, &e.key)),
        None => "—".into(),
    }
}

fn response(d: &detail::Detail, triage: &crate::triage::Triage, cites: &mut Cites, anchor: &str) -> Section {
    let r = &d.recommendation;
    let mut blocks = vec![Block::Paragraph({
        let mut s = vec![Span::Strong(format!("Recommended: {}. ", r.action))];
        s.extend(marked(&r.headline));
        s
    })];
    if let Some(target) = &r.target {
        let mut facts = vec![fact("Pod", mono(target.pod.clone()))];
        if let Some(uid) = &target.uid {
            facts.push(fact("UID", mono(uid.clone())));
        }
        if let Some(node) = &target.node {
            facts.push(fact("Node", mono(node.clone())));
        }
        if !target.owners.is_empty() {
            facts.push(fact("Owners", t(target.owners.join(" → "))));
        }
        blocks.push(Block::Facts(facts));
    }
    if !r.reasons.is_empty() {
        blocks.push(Block::Heading("Why".into()));
        let items = r
            .reasons
            .iter()
            .map(|reason| {
                let mut s = vec![Span::Strong(format!("{}: ", favours(&reason.favours)))];
                s.extend(marked(&reason.text));
                s.extend(cites.cite_ids(&reason.evidence));
                s
            })
            .collect();
        blocks.push(Block::List(items));
    }
    blocks.push(Block::Heading("Follow-up checklist".into()));
    let ticks: HashMap<&str, &crate::triage::FollowUpTick> = triage.follow_up.iter().map(|f| (f.item.as_str(), f)).collect();
    let mut items = Vec::new();
    for f in &r.follow_up {
        let tick = ticks.get(f.item.as_str());
        let mut text = marked(&f.text);
        for finding in &f.findings {
            text.push(Span::Muted(format!(" · finding ({}): {}", finding.severity, finding.title)));
        }
        match tick {
            Some(tk) if tk.done => text.push(Span::Muted(format!(" — ticked by {} at {}", tk.author, tk.time))),
            Some(tk) => text.push(Span::Muted(format!(" — unticked by {} at {}", tk.author, tk.time))),
            None => text.push(Span::Muted(" — open".to_string())),
        }
        items.push(CheckItem { done: tick.is_some_and(|tk| tk.done), text });
    }
    if items.is_empty() {
        blocks.push(Block::Note("No follow-up item.".into()));
    } else {
        blocks.push(Block::Checklist(items));
    }
    Section { anchor: anchor.into(), title: "Recommended response".into(), new_page: false, blocks }
}

fn favours(f: &str) -> &str {
    match f {
        "isolate" => "For isolation",
        "terminate" => "For termination",
        _ => "Either way",
    }
}

/// The parts of an action's record, in the order they happened, with what
/// each is called in the report.
const ACTION_PARTS: &[(&str, &str)] = &[
    ("preflight", "Permissions checked before the action (preflight)"),
    ("preview", "The change as previewed"),
    ("dry_run", "The change the API server accepted in its dry run"),
    ("captured", "Evidence captured before deletion"),
    ("capture_notes", "Capture notes"),
    ("created", "What the API server created"),
    ("scaled", "Owner scaled"),
    ("deleted", "What was deleted"),
    ("controller", "The pod's controller"),
    ("verified", "Verification (read back from the cluster)"),
    ("rolled_back", "Rolled back"),
    ("reconciled", "Reconciled"),
    ("release_reason", "Reason for the release"),
    ("released", "Released"),
    ("restored", "Restored"),
    ("error", "Error"),
];

/// A recorded value as text for a code block, without credentials: a server
/// URL's `user:password@` and the like never reach a report.
fn code_of(v: &serde_json::Value) -> String {
    let text = match v {
        serde_json::Value::String(s) => s.clone(),
        other => serde_json::to_string_pretty(other).unwrap_or_default(),
    };
    redact::urls_in(&text)
}

fn containment(case: &Case, id: i64, anchor: &str) -> Result<Section> {
    let actions = record::list(case, Some(id))?;
    let mut blocks = Vec::new();
    if actions.is_empty() {
        blocks.push(Block::Note("No containment action was taken from Kordon for this incident.".into()));
    }
    for a in &actions {
        blocks.push(Block::Heading(format!("{} {}/{} — {} ({})", a.kind, a.namespace, a.pod, a.state, a.id)));
        let mut facts = vec![
            fact("Action", mono(a.id.clone())),
            fact("What", t(format!("{} pod {}/{}", a.kind, a.namespace, a.pod))),
            fact("Pod UID", mono(a.pod_uid.clone())),
            fact("State", t(a.state.clone())),
            fact(
                "By",
                t(match &a.cluster_user {
                    Some(u) if !u.is_empty() => format!("{} (in the cluster: {})", a.actor, u),
                    _ => a.actor.clone(),
                }),
            ),
            fact("Reason", t(a.reason.clone())),
            fact("Started", t(a.created.clone())),
            fact("Last change", t(a.updated.clone())),
            fact("Kubeconfig context", mono(a.context.clone())),
            fact("API server", mono(redact::url(&a.server))),
        ];
        let caps = record::captures(case, &a.id)?;
        for c in &caps {
            facts.push(fact(
                "Captured",
                vec![Span::Mono(c.name.clone()), Span::Muted(format!(" {} bytes, SHA-256 ", c.size)), Span::Mono(c.sha256.clone())],
            ));
        }
        facts.extend(super::playbook::action_facts(&a.details));
        blocks.push(Block::Facts(facts));
        for (key, label) in ACTION_PARTS {
            if let Some(v) = a.details.get(*key).filter(|v| !v.is_null()) {
                blocks.push(Block::Paragraph(vec![Span::Strong(label.to_string())]));
                blocks.push(Block::Code(code_of(v)));
            }
        }
    }
    Ok(Section { anchor: anchor.into(), title: "Containment actions".into(), new_page: false, blocks })
}

fn findings(case: &Case, d: &detail::Detail, anchor: &str) -> Result<Section> {
    let scope = crate::hardening::Scope::of_entities(d.entities.iter().map(|e| (e.kind.as_str(), e.key.as_str())));
    let mut blocks = Vec::new();
    match crate::hardening::findings(case, &scope) {
        Ok(found) if found.is_empty() => blocks
            .push(Block::Note("The snapshot shows no hardening finding about this incident's pods, identities and namespaces.".into())),
        Ok(found) => {
            let mut table = Table {
                columns: vec![col("Severity", 1, false), col("Finding", 4, false), col("Evidence", 4, false), col("Fix", 5, false)],
                rows: Vec::new(),
            };
            for f in &found {
                table.rows.push(row(vec![
                    vec![Span::Severity(f.severity.clone())],
                    vec![Span::Strong(f.title.clone()), Span::Muted(format!(" ({})", f.category_name))],
                    t(f.evidence.join("; ")),
                    marked(&f.remediation),
                ]));
            }
            blocks.push(Block::Table(table));
        }
        Err(e) if e.code() == Code::NotFound => {
            blocks.push(Block::Note("The case holds no snapshot of the cluster's objects, so no hardening finding could be made.".into()))
        }
        Err(e) => return Err(e),
    }
    Ok(Section { anchor: anchor.into(), title: "Hardening findings".into(), new_page: false, blocks })
}

fn entities(d: &detail::Detail, triage: &crate::triage::Triage, anchor: &str) -> Section {
    let verdicts: HashMap<(&str, &str), &crate::triage::Verdict> =
        triage.verdicts.iter().map(|v| ((v.entity_kind.as_str(), v.entity_key.as_str()), v)).collect();
    let mut table = Table {
        columns: vec![
            col("Kind", 1, false),
            col("Entity", 5, true),
            col("Signals", 1, false),
            col("Records", 1, false),
            col("Verdict", 3, false),
        ],
        rows: Vec::new(),
    };
    for e in d.entities.iter().take(ENTITY_ROWS) {
        let verdict = match verdicts.get(&(e.kind.as_str(), e.key.as_str())) {
            Some(v) => vec![Span::Strong(v.verdict.clone()), Span::Muted(format!(" by {} at {}", v.author, v.time))],
            None => vec![Span::Muted("none".into())],
        };
        table.rows.push(row(vec![t(e.kind.clone()), mono(e.label.clone()), t(e.signals.to_string()), t(e.evidence.to_string()), verdict]));
    }
    let mut blocks = Vec::new();
    if table.rows.is_empty() {
        blocks.push(Block::Note("The signals name no entity.".into()));
    } else {
        blocks.push(Block::Table(table));
    }
    if d.entities.len() > ENTITY_ROWS {
        blocks.push(Block::Note(format!("The first {} of {} entities.", ENTITY_ROWS, d.entities.len())));
    }
    // A verdict on an entity outside the list above still belongs in the report.
    let listed: std::collections::HashSet<(&str, &str)> =
        d.entities.iter().take(ENTITY_ROWS).map(|e| (e.kind.as_str(), e.key.as_str())).collect();
    let others: Vec<Vec<Span>> = triage
        .verdicts
        .iter()
        .filter(|v| !listed.contains(&(v.entity_kind.as_str(), v.entity_key.as_str())))
        .map(|v| {
            vec![
                Span::Mono(format!("{}: {}", v.entity_kind, v.entity_key)),
                Span::text(" — "),
                Span::Strong(v.verdict.clone()),
                Span::Muted(format!(" by {} at {}", v.author, v.time)),
            ]
        })
        .collect();
    if !others.is_empty() {
        blocks.push(Block::Heading("Other verdicts".into()));
        blocks.push(Block::List(others));
    }
    Section { anchor: anchor.into(), title: "Entities and verdicts".into(), new_page: false, blocks }
}

fn comments(triage: &crate::triage::Triage, anchor: &str) -> Section {
    let mut blocks = Vec::new();
    if triage.comments.is_empty() {
        blocks.push(Block::Note("No comment.".into()));
    }
    for c in &triage.comments {
        blocks.push(Block::Paragraph(vec![Span::Strong(c.author.clone()), Span::Muted(format!(" · {}", c.time))]));
        // Markdown as written: shown as its text, never interpreted.
        for para in c.body.split("\n\n").filter(|p| !p.trim().is_empty()) {
            blocks.push(Block::Paragraph(t(para.trim_end())));
        }
    }
    Section { anchor: anchor.into(), title: "Comments".into(), new_page: false, blocks }
}

fn log(case: &Case, inc_id: &str, anchor: &str) -> Result<Section> {
    let mut st = case.conn.prepare("SELECT id, at_ns, actor, action, details, hash FROM activity WHERE target = ?1 ORDER BY id")?;
    let rows = st
        .query_map([inc_id], |r| {
            Ok((
                r.get::<_, i64>(0)?,
                r.get::<_, i64>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, String>(3)?,
                r.get::<_, String>(4)?,
                r.get::<_, String>(5)?,
            ))
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    let mut table = Table {
        columns: vec![
            col("Row", 1, true),
            col("Time", 3, true),
            col("Who", 2, false),
            col("What", 2, false),
            col("Details", 6, true),
            col("Row hash", 3, true),
        ],
        rows: Vec::new(),
    };
    for (rid, at, actor, action, details, hash) in rows {
        table.rows.push(row(vec![
            mono(rid.to_string()),
            mono(format_ns(at)),
            t(actor),
            t(action),
            mono(redact::urls_in(&details)),
            mono(hash),
        ]));
    }
    let mut blocks = vec![Block::Paragraph(t(format!(
        "Every change to {} recorded in the case's activity log, oldest first. Each row's hash covers the row before it (see the appendix).",
        inc_id
    )))];
    if table.rows.is_empty() {
        blocks.push(Block::Note("No entry names this incident.".into()));
    } else {
        blocks.push(Block::Table(table));
    }
    Ok(Section { anchor: anchor.into(), title: "Activity log".into(), new_page: false, blocks })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backticks_mark_names_and_nothing_else() {
        assert_eq!(
            marked("Isolate `shop/cart` first: `kubectl cp`."),
            vec![
                Span::text("Isolate "),
                Span::Mono("shop/cart".into()),
                Span::text(" first: "),
                Span::Mono("kubectl cp".into()),
                Span::text(".")
            ]
        );
        assert_eq!(marked("no marks <b>"), vec![Span::text("no marks <b>")]);
    }

    #[test]
    fn a_record_keeps_its_number_and_long_lists_are_counted() {
        let mut c = Cites::new("inc-1");
        let ids: Vec<String> = (1..=8).map(format_id).collect();
        let spans = c.cite_ids(&ids);
        let refs: Vec<&Span> = spans.iter().filter(|s| matches!(s, Span::Ref { .. })).collect();
        assert_eq!(refs.len(), CITES_PER_SENTENCE);
        assert_eq!(doc_text(&spans), " [E1] [E2] [E3] [E4] [E5] and 3 more records");
        // Cited again later: the same number, the same anchor.
        let again = c.cite_ids(&[format_id(2)]);
        assert_eq!(again[1], Span::Ref { anchor: format!("inc-1-e-{}", format_id(2)), text: "[E2]".into() });
        assert_eq!(c.cited().count(), 5);
    }

    fn doc_text(spans: &[Span]) -> String {
        super::super::doc::plain(spans)
    }
}
