//! `correlate`, `incidents`, `show` and `graph`.

use super::output::{cells, print_rows, say, table};
use clap::{Args, ValueEnum};
use kordon::error::{Code, Error};
use kordon::incident::{self, config::parse_duration, detail, evidence, graph};
use kordon::store::Case;

#[derive(Args)]
pub struct CorrelateArgs {
    /// Join signals sharing an entity within this time of each other
    /// (`90s`, `30m`, `2h`; default from data/correlation.yaml: 30m).
    #[arg(long)]
    window: Option<String>,
    /// Print the run's summary as one JSON object.
    #[arg(long)]
    json: bool,
    /// Who runs the correlation, for the activity log (default: the OS user).
    #[arg(long, env = "KORDON_ACTOR")]
    actor: Option<String>,
}

#[derive(Args)]
pub struct IncidentsArgs {
    /// One JSON object per incident (fields documented in the README).
    #[arg(long)]
    json: bool,
    /// How classifications and determinations are spelt: kordon, defender-api or graph.
    #[arg(long, default_value = "kordon")]
    spelling: String,
}

#[derive(Args)]
pub struct ShowArgs {
    /// The incident (`INC-1a2b3c4d`).
    incident: String,
    /// The whole page as one JSON object.
    #[arg(long)]
    json: bool,
}

#[derive(Clone, Copy, ValueEnum)]
enum GraphFormat {
    Json,
    Dot,
}

#[derive(Args)]
pub struct GraphArgs {
    /// The incident (`INC-1a2b3c4d`).
    incident: String,
    /// `json` for the app and scripts, `dot` for Graphviz.
    #[arg(long, value_enum, default_value = "json")]
    format: GraphFormat,
    /// Show an aggregated node's members one by one (its id, `agg-…`); repeatable.
    #[arg(long)]
    expand: Vec<String>,
    /// Same as `--format json`.
    #[arg(long)]
    json: bool,
}

pub fn correlate(case: &mut Case, args: CorrelateArgs) -> anyhow::Result<()> {
    let window_ns = match &args.window {
        Some(w) => Some(parse_duration(w).ok_or_else(|| {
            Error::input(Code::InvalidArgument, format!("--window '{}' is no duration (try 90s, 30m or 2h)", w))
        })?),
        None => None,
    };
    let clock = kordon::clock::from_env();
    let actor = args.actor.unwrap_or_else(super::import::default_actor);
    let s = incident::correlate(case, clock.as_ref(), &actor, &incident::Options { window_ns })?;
    if args.json {
        super::output::json(&s)?;
        return Ok(());
    }
    say!(
        "{} signal(s) in {} incident(s): {} new, {} changed, {} unchanged, {} replaced (window {}s{}).",
        s.signals,
        s.incidents,
        s.new,
        s.changed,
        s.unchanged,
        s.replaced,
        s.window_seconds,
        if s.cluster_from_snapshot { "; cluster ranges from the snapshot" } else { "; no snapshot: private addresses count as inside" }
    )?;
    say!("See them with `kordon incidents`.")?;
    Ok(())
}

pub fn incidents(case: &Case, args: IncidentsArgs) -> anyhow::Result<()> {
    let spelling = super::triage::spelling(&args.spelling)?;
    let mut rows = incident::read::list(case)?;
    for r in &mut rows {
        kordon::triage::vocabulary().respell(spelling, &mut r.classification, &mut r.determination);
    }
    if rows.is_empty() && !args.json {
        let alerts = case.conn.query_row("SELECT COUNT(*) FROM events WHERE kind = 'alert'", [], |r| r.get::<_, i64>(0))?;
        if alerts > 0 {
            say!("No incidents yet: {} alert(s) wait for `kordon detect` and `kordon correlate`.", alerts)?;
        } else {
            say!("No incidents: the case has no alerts.")?;
        }
        return Ok(());
    }
    print_rows(&rows, args.json, &["ID", "SEVERITY", "STATUS", "CLUSTER", "FIRST", "LAST", "SIGNALS", "TACTICS", "KEY ENTITIES", "TITLE"], |r| {
        cells![
            r.id,
            r.severity,
            r.status,
            if r.clusters.is_empty() { "-".into() } else { r.clusters.join(",") },
            r.first_activity.clone().unwrap_or_else(|| "-".into()),
            r.last_activity.clone().unwrap_or_else(|| "-".into()),
            r.signals.to_string(),
            r.tactics.join(","),
            r.key_entities.iter().take(3).map(|k| format!("{}:{}", k.kind, k.key)).collect::<Vec<_>>().join(" "),
            r.title,
        ]
    })
}

pub fn show(case: &Case, args: ShowArgs) -> anyhow::Result<()> {
    let id = incident::resolve(case, &args.incident)?;
    let d = detail::detail(case, id)?;
    if args.json {
        super::output::json(&d)?;
        return Ok(());
    }
    let i = &d.incident;
    say!("{}  {}", i.id, i.title)?;
    say!("Severity: {} ({})", i.severity, i.severity_why)?;
    say!("Status:   {}", i.status)?;
    if !i.clusters.is_empty() {
        say!("Cluster:  {}", i.clusters.join(", "))?;
    }
    say!(
        "Activity: {} → {}",
        i.first_activity.as_deref().unwrap_or("-"),
        i.last_activity.as_deref().unwrap_or("-")
    )?;
    say!("Tactics:  {}", i.tactic_names.join(", "))?;
    if !i.ms_matrix.is_empty() {
        say!("Threat Matrix: {}", i.ms_matrix.join(", "))?;
    }
    say!()?;
    say!("What happened")?;
    say!("  {}", d.story.lead)?;
    for (n, s) in d.story.steps.iter().enumerate() {
        let refs = if s.evidence.len() > 3 {
            format!("{} +{} more", s.evidence[..3].join(", "), s.evidence.len() - 3)
        } else {
            s.evidence.join(", ")
        };
        say!("  {}. [{}] {} [{}]", n + 1, s.tactic_name.as_deref().unwrap_or("—"), s.text, refs)?;
    }
    say!()?;
    let r = &d.recommendation;
    match &r.target {
        Some(t) => say!(
            "Recommended response: {} pod {}{}",
            r.action.to_uppercase(),
            t.pod,
            t.uid.as_deref().map(|u| format!(" (uid {})", u)).unwrap_or_default()
        )?,
        None => say!("Recommended response: none")?,
    }
    say!("  {}", r.headline)?;
    if let Some(c) = &r.playbook {
        say!("  Playbook: {}", c.text)?;
        for d in &c.disagreements {
            say!("  ! {}", d)?;
        }
    }
    for reason in &r.reasons {
        say!("  - favours {}: {}", reason.favours, reason.text)?;
    }
    if !r.follow_up.is_empty() {
        say!("  Follow-up:")?;
        for f in &r.follow_up {
            say!("  [ ] {}", f.text)?;
            for x in &f.findings {
                say!("        {} — {}", x.severity, x.title)?;
            }
        }
    }
    playbook_section(&d.playbook)?;
    say!()?;
    say!("Signals ({}), and why each joined", d.signals.len())?;
    table(
        &["TIME", "ID", "SOURCE", "SEVERITY", "TITLE", "JOINED"],
        d.signals
            .iter()
            .map(|s| {
                cells![
                    s.time.clone().unwrap_or_else(|| "-".into()),
                    s.id,
                    s.source,
                    s.severity,
                    s.title,
                    s.joined.text,
                ]
            })
            .collect::<Vec<_>>(),
    )?;
    say!()?;
    say!("Evidence by tactic")?;
    for g in &d.evidence_by_tactic {
        say!("  {:<22} {:>4}  {}", g.name, g.count, g.tactic)?;
    }
    let by_source: Vec<String> = d.context.by_source.iter().map(|(k, v)| format!("{} {}", v, k)).collect();
    say!(
        "  Context: {} telemetry event(s) in the incident's span{}; {} snapshot object(s) about its pods, owners and identities",
        d.context.count,
        if by_source.is_empty() { String::new() } else { format!(" ({})", by_source.join(", ")) },
        d.context.facts
    )?;
    say!()?;
    say!("Entities named by its signals")?;
    table(
        &["KIND", "SIGNALS", "EVIDENCE", "KEY"],
        d.entities
            .iter()
            .map(|e| cells![e.kind, e.signals.to_string(), e.evidence.to_string(), e.key])
            .collect::<Vec<_>>(),
    )?;
    super::soc::section(&d.soc)?;
    Ok(())
}

pub fn graph(case: &Case, args: GraphArgs) -> anyhow::Result<()> {
    let id = incident::resolve(case, &args.incident)?;
    if !args.expand.is_empty() {
        let cfg = incident::config::builtin();
        let plain = graph::build(&evidence::gather(case, id, cfg)?, cfg, &[]);
        for wanted in &args.expand {
            if !plain.nodes.iter().any(|n| &n.id == wanted && n.aggregated) {
                return Err(Error::input(
                    Code::NotFound,
                    format!("{} is no aggregated node of {}'s graph", wanted, incident::format_incident_id(id)),
                )
                .into());
            }
        }
    }
    let g = kordon::app::views::incident_graph(case, id, &args.expand)?;
    match (args.format, args.json) {
        (GraphFormat::Dot, false) => super::output::block(super::output::Stream::Out, &g.to_dot())?,
        _ => super::output::json(&g)?,
    }
    Ok(())
}

#[derive(clap::Args)]
pub struct FindingsArgs {
    /// The incident (`INC-1a2b3c4d`); without it, every workload in the case's snapshot.
    incident: Option<String>,
    /// One JSON object per finding.
    #[arg(long)]
    json: bool,
}

/// `findings`: hardening findings from the snapshot and the incident.
pub fn findings(case: &Case, args: FindingsArgs) -> anyhow::Result<()> {
    let scope = match &args.incident {
        Some(i) => kordon::hardening::scope_of_incident(case, incident::resolve(case, i)?)?,
        None => kordon::hardening::Scope { whole_case: true, ..Default::default() },
    };
    let rows = kordon::hardening::findings(case, &scope)?;
    if args.json {
        return super::output::json_lines(&rows);
    }
    let mut current = String::new();
    for f in &rows {
        if f.category_name != current {
            current = f.category_name.clone();
            say!("\n{}", current)?;
        }
        say!("  [{}] {}", f.severity, f.title)?;
        for e in &f.evidence {
            say!("      evidence: {}", e)?;
        }
        say!("      fix: {}", f.remediation)?;
    }
    Ok(())
}

/// `kordon show`'s section: the playbook in force and the rule each
/// affected workload falls under.
fn playbook_section(p: &kordon::playbook::ForIncident) -> anyhow::Result<()> {
    if p.workloads.is_empty() {
        return Ok(());
    }
    say!()?;
    let origin = if p.origin.kind == "default" { "Kordon's default".to_string() } else { format!("loaded from {}", p.origin.file) };
    say!("Playbook \"{}\" ({})", p.name, origin)?;
    for w in &p.workloads {
        let m = &w.matched;
        match &m.rule {
            Some(rule) => say!(
                "  {}: rule {} ({}; prefers {}) — {}",
                m.workload.pod,
                rule,
                w.criticality.map(|c| c.as_str()).unwrap_or("-"),
                w.preferred.map(|a| a.as_str()).unwrap_or("-"),
                m.because.join(", ")
            )?,
            None => say!("  {}: no rule of the playbook matches", m.workload.pod)?,
        }
        if !w.owners.is_empty() {
            say!("    Owners: {}", w.owners.join(", "))?;
        }
        if !w.notify.is_empty() {
            say!("    Notify: {}", w.notify.join(", "))?;
        }
        for u in &m.unknown {
            say!("    Unknown to the case: {}", u)?;
        }
    }
    Ok(())
}
