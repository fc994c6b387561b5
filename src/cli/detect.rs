//! `kordon detect` (run the built-in detections) and `kordon rules` (list
//! them).

use super::output::{Cell, cells, print_rows, say, table};
use clap::Args;
use kordon::detect::{self, Rules};
use kordon::store::Case;
use serde::Serialize;

#[derive(Args)]
pub struct DetectArgs {
    /// Print the run's summary, with every firing, as one JSON object.
    #[arg(long)]
    json: bool,
    /// Who runs the detections, for the activity log (default: the OS user).
    #[arg(long, env = "KORDON_ACTOR")]
    actor: Option<String>,
}

#[derive(Args)]
pub struct RulesArgs {
    /// One JSON object per rule.
    #[arg(long)]
    json: bool,
    /// List the tactic mapping table (data/tactic-mapping.yaml) instead: what
    /// every Falco rule or tag, Defender alert type or intent and Kordon rule
    /// means in ATT&CK and Threat Matrix terms, with the notes where Kordon
    /// corrects a source's own tag.
    #[arg(long)]
    mapping: bool,
}

#[derive(Serialize)]
struct MappingRow<'a> {
    source: &'a str,
    rule: Option<&'a str>,
    tag: Option<&'a str>,
    given: &'a [String],
    tactics: &'a [String],
    techniques: &'a [String],
    ms_matrix: &'a [String],
    drop: &'a [String],
    corrects: bool,
    note: Option<String>,
}

fn mapping(json: bool) -> anyhow::Result<()> {
    let table = detect::mapping::table();
    let rows: Vec<MappingRow> = table
        .entries
        .iter()
        .map(|e| MappingRow {
            source: &e.source,
            rule: e.rule.as_deref(),
            tag: e.tag.as_deref(),
            given: &e.given,
            tactics: &e.tactics,
            techniques: &e.techniques,
            ms_matrix: &e.ms_matrix,
            drop: &e.drop,
            corrects: e.corrects(),
            note: e.note.as_ref().map(|n| n.split_whitespace().collect::<Vec<_>>().join(" ")),
        })
        .collect();
    print_rows(&rows, json, &["SOURCE", "TACTICS", "TECHNIQUES", "MS MATRIX", "RULE OR TAG"], |r| {
        cells![
            r.source.to_string(),
            r.tactics.join(","),
            r.techniques.join(","),
            r.ms_matrix.join(","),
            format!(
                "{}{}",
                r.rule.map(str::to_string).or_else(|| r.tag.map(|t| format!("tag {}", t))).unwrap_or_default(),
                if r.corrects { " (corrects the source's tags)" } else { "" }
            ),
        ]
    })
}

pub fn detect(case: &mut Case, args: DetectArgs) -> anyhow::Result<()> {
    let rules = Rules::load_builtin()?;
    let clock = kordon::clock::from_env();
    let actor = args.actor.unwrap_or_else(super::import::default_actor);
    let summary = detect::run(case, &rules, clock.as_ref(), &actor)?;
    if args.json {
        super::output::json(&summary)?;
        return Ok(());
    }
    let rows: Vec<Vec<Cell>> = summary
        .firings
        .iter()
        .map(|f| {
            cells![
                f.time.clone().unwrap_or_else(|| "-".into()),
                f.rule,
                f.severity,
                if f.new { "new" } else { "known" },
                f.event_count.to_string(),
                format!("{}: {}", f.title, f.message),
            ]
        })
        .collect();
    if !rows.is_empty() {
        table(
            &["TIME", "RULE", "SEVERITY", "ALERT", "EVENTS", "WHAT"],
            rows,
        )?;
        say!()?;
    }
    say!(
        "{} rule(s) over {} event(s): {} firing(s), {} new alert(s), {} already in the case. Outside the cluster = {}.",
        summary.rules,
        summary.events_scanned,
        summary.fired,
        summary.new,
        summary.existing,
        if summary.cluster_from_snapshot {
            format!("not in {}", summary.cluster_ranges.join(", "))
        } else {
            "not a private address (no Node objects in the case)".to_string()
        }
    )?;
    if summary.new > 0 {
        say!("See them with `kordon events --source kordon`.")?;
    }
    Ok(())
}

#[derive(Serialize)]
struct RuleRow<'a> {
    id: &'a str,
    title: &'a str,
    severity: &'a str,
    source: &'a str,
    tactics: &'a [String],
    techniques: &'a [String],
    ms_matrix: Option<&'a str>,
    threshold: Option<&'a detect::rules::Threshold>,
    description: &'a str,
}

pub fn rules(args: RulesArgs) -> anyhow::Result<()> {
    if args.mapping {
        return mapping(args.json);
    }
    let rules = Rules::load_builtin()?;
    let rows: Vec<RuleRow> = rules
        .iter()
        .map(|r| RuleRow {
            id: &r.id,
            title: &r.title,
            severity: r.severity.as_str(),
            source: r.source.as_str(),
            tactics: &r.tactics,
            techniques: &r.techniques,
            ms_matrix: r.ms_matrix.as_deref(),
            threshold: r.threshold.as_ref(),
            description: &r.description,
        })
        .collect();
    print_rows(&rows, args.json, &["ID", "SEVERITY", "SOURCE", "TACTICS", "TECHNIQUES", "MS MATRIX", "TITLE"], |r| {
        cells![
            r.id.to_string(),
            r.severity.to_string(),
            r.source.to_string(),
            r.tactics.join(","),
            r.techniques.join(","),
            r.ms_matrix.unwrap_or("-").to_string(),
            r.title.to_string(),
        ]
    })
}
