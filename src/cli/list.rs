//! `sources`, `events`, `entities`, `errors`. The last three grow with the
//! evidence and stream: each row is written as it is read.

use super::output::{cells, print_rows, Listing};
use clap::Args;
use kordon::error::{Code, Error};
use kordon::store::{query, Case};

#[derive(Args)]
pub struct JsonArg {
    /// One JSON object per line (fields documented in the README).
    #[arg(long)]
    json: bool,
}

#[derive(Args)]
pub struct EventsArgs {
    /// Only events at or after this time (RFC 3339, or YYYY-MM-DD[THH:MM[:SS]] in UTC).
    #[arg(long)]
    since: Option<String>,
    /// Only events at or before this time.
    #[arg(long)]
    until: Option<String>,
    /// Only events about this namespace (or pods in it).
    #[arg(long)]
    namespace: Option<String>,
    /// Only events about this pod (`namespace/name` or `name`).
    #[arg(long)]
    pod: Option<String>,
    /// Only events from this source: falco, k8s-audit, defender, tetragon, k8s-object, k8s-event, kordon.
    #[arg(long)]
    source: Option<String>,
    /// Only this kind: alert, telemetry, object, k8s-event, posture, external-incident.
    #[arg(long)]
    kind: Option<String>,
    /// Only events at least this severe: info, low, medium, high, critical.
    #[arg(long)]
    min_severity: Option<String>,
    /// Full-text search over titles, messages, command lines and names.
    #[arg(long)]
    search: Option<String>,
    #[arg(long)]
    limit: Option<usize>,
    /// Include each event's raw record (with --json).
    #[arg(long)]
    raw: bool,
    #[arg(long)]
    json: bool,
}

#[derive(Args)]
pub struct EntitiesArgs {
    /// Only this kind: cluster, node, namespace, workload, pod, container, image, process, identity, ip, domain, file.
    #[arg(long)]
    kind: Option<String>,
    #[arg(long)]
    json: bool,
}

/// Accepts RFC 3339 and the shorter forms people type, read as UTC.
fn parse_when(s: &str, flag: &str) -> Result<i64, Error> {
    let t = s.trim();
    let candidates = [t.to_string(), format!("{}T00:00:00Z", t), format!("{}:00Z", t), format!("{}Z", t)];
    candidates
        .iter()
        .find_map(|c| kordon::time::parse_rfc3339(c))
        .ok_or_else(|| Error::input(Code::InvalidArgument, format!("{} '{}': not a time (use RFC 3339, e.g. 2026-11-20T09:41:00Z)", flag, s)))
}

pub fn sources(case: &Case, args: JsonArg) -> anyhow::Result<()> {
    let rows = query::sources(case)?;
    print_rows(&rows, args.json, &["ID", "FORMAT", "EVENTS", "ERRORS", "SHA-256", "FILE", "SHAPE"], |r| {
        cells![
            r.id.to_string(),
            r.format,
            r.events.to_string(),
            r.errors.to_string(),
            r.sha256[..16].to_string(),
            kordon::store::file_label(&r.name, r.inner_path.as_deref()),
            r.shape.clone().unwrap_or_default(),
        ]
    })
}

pub fn events(case: &Case, args: EventsArgs) -> anyhow::Result<()> {
    let filter = query::EventFilter {
        since_ns: args.since.as_deref().map(|s| parse_when(s, "--since")).transpose()?,
        until_ns: args.until.as_deref().map(|s| parse_when(s, "--until")).transpose()?,
        namespace: args.namespace,
        pod: args.pod,
        source: args.source,
        kind: args.kind,
        min_severity: args.min_severity,
        search: args.search,
        limit: args.limit,
        with_raw: args.raw,
    };
    let mut listing = Listing::new(args.json, &["TIME", "SOURCE", "SEVERITY", "TACTICS", "TITLE"], |r: &query::EventRow| {
        cells![
            r.time.clone().unwrap_or_else(|| "-".into()),
            r.source,
            r.severity,
            r.tactics.join(","),
            r.title,
        ]
    });
    query::each_event(case, &filter, &mut |row| listing.push(row))?;
    Ok(listing.finish()?)
}

pub fn entities(case: &Case, args: EntitiesArgs) -> anyhow::Result<()> {
    let mut listing = Listing::new(args.json, &["KIND", "EVENTS", "FIRST SEEN", "LAST SEEN", "KEY"], |r: &query::EntityRow| {
        cells![
            r.kind,
            r.events.to_string(),
            r.first_seen.clone().unwrap_or_else(|| "-".into()),
            r.last_seen.clone().unwrap_or_else(|| "-".into()),
            r.key,
        ]
    });
    query::each_entity(case, args.kind.as_deref(), &mut |row| listing.push(row))?;
    Ok(listing.finish()?)
}

pub fn errors(case: &Case, args: JsonArg) -> anyhow::Result<()> {
    let mut listing = Listing::new(args.json, &["FILE", "WHERE", "REASON"], |r: &query::ErrorRow| {
        let at = match r.line {
            Some(l) => format!("line {}", l),
            None => format!("byte {}", r.offset),
        };
        cells![r.file, at, r.reason]
    });
    query::each_error(case, &mut |row| listing.push(row))?;
    Ok(listing.finish()?)
}
