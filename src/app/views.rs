//! Read-only views the app shows: a case's summary, an incident's evidence
//! list (signals and context, time order) and one raw record with the file
//! and SHA-256 it came from.

use crate::error::{Code, Error, Result};
use crate::incident::{config, evidence};
use crate::store::{file_label, format_id, parse_id, Case};
use crate::time::format_ns;
use rusqlite::OptionalExtension;
use serde::Serialize;
use std::collections::HashMap;

#[derive(Debug, Clone, Serialize)]
pub struct CaseInfo {
    pub path: String,
    pub name: String,
    pub events: i64,
    pub alerts: i64,
    pub incidents: i64,
    pub sources: i64,
}

pub fn case_info(case: &Case) -> Result<CaseInfo> {
    let count = |sql: &str| -> Result<i64> { Ok(case.conn.query_row(sql, [], |r| r.get(0))?) };
    Ok(CaseInfo {
        path: case.path.to_string_lossy().to_string(),
        name: case.path.file_stem().map(|s| s.to_string_lossy().to_string()).unwrap_or_default(),
        events: count("SELECT COUNT(*) FROM events")?,
        alerts: count("SELECT COUNT(*) FROM events WHERE kind = 'alert'")?,
        incidents: count("SELECT COUNT(*) FROM incidents")?,
        sources: count("SELECT COUNT(*) FROM sources")?,
    })
}

#[derive(Debug, Clone, Serialize)]
pub struct EntityName {
    pub kind: String,
    pub key: String,
    pub role: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct EvidenceEvent {
    pub id: String,
    pub time: Option<String>,
    pub source: String,
    pub kind: String,
    pub severity: String,
    pub title: String,
    /// Kordon's reading for signals; empty for context telemetry.
    pub tactics: Vec<String>,
    pub signal: bool,
    pub entities: Vec<EntityName>,
    pub file: String,
    pub line: Option<i64>,
}

/// The incident's signals and context telemetry, in time order.
pub fn incident_evidence(case: &Case, id: i64) -> Result<Vec<EvidenceEvent>> {
    let ev = evidence::gather(case, id, config::builtin())?;
    let mut rows: Vec<(i64, i64, &crate::incident::signals::Signal, bool)> = ev
        .signals
        .iter()
        .map(|(s, _)| (s.time_ns, s.key, s, true))
        .chain(ev.context.iter().map(|s| (s.time_ns, s.key, s, false)))
        .collect();
    rows.sort_by_key(|(t, k, _, _)| (*t, *k));
    // Where each event came from, in one query.
    let ids: Vec<i64> = rows.iter().map(|(_, _, s, _)| s.event_id).collect();
    let mut place: HashMap<i64, (String, Option<i64>, String)> = HashMap::new();
    {
        let mut st = case.conn.prepare(
            "SELECT e.id, s.name, s.inner_path, e.line, e.kind FROM events e JOIN sources s ON s.id = e.source_id
             WHERE e.id IN (SELECT value FROM json_each(?1))",
        )?;
        let json = serde_json::to_string(&ids).unwrap_or_else(|_| "[]".into());
        let mut q = st.query([json])?;
        while let Some(r) = q.next()? {
            let name: String = r.get(1)?;
            let inner: Option<String> = r.get(2)?;
            place.insert(r.get(0)?, (file_label(&name, inner.as_deref()), r.get(3)?, r.get(4)?));
        }
    }
    Ok(rows
        .into_iter()
        .map(|(t, key, s, signal)| {
            let (file, line, kind) = place.get(&s.event_id).cloned().unwrap_or_default();
            EvidenceEvent {
                id: format_id(key),
                time: (t != 0).then(|| format_ns(t)),
                source: s.source.as_str().into(),
                kind,
                severity: s.severity.as_str().into(),
                title: s.title.clone(),
                tactics: s.mapped.tactics.clone(),
                signal,
                entities: s
                    .entities
                    .iter()
                    .map(|e| EntityName { kind: e.kind.as_str().into(), key: e.key.to_string(), role: e.role.to_string() })
                    .collect(),
                file,
                line,
            }
        })
        .collect())
}

#[derive(Debug, Clone, Serialize)]
pub struct RawRecord {
    pub id: String,
    pub file: String,
    /// SHA-256 of the imported file the record came from.
    pub sha256: String,
    pub line: Option<i64>,
    pub offset: i64,
    /// The record as text (invalid UTF-8 replaced).
    pub raw: String,
    /// Pretty-printed when the record is JSON.
    pub pretty: Option<String>,
}

/// One event's primary raw record, by its public id.
pub fn event_raw(case: &Case, id: &str) -> Result<RawRecord> {
    let key = parse_id(id).ok_or_else(|| Error::input(Code::InvalidArgument, format!("'{}' is no event id", id)))?;
    // file name, inner path, file SHA-256, line, offset, dictionary, stored bytes
    type Row = (String, Option<String>, String, Option<i64>, i64, Option<i64>, Vec<u8>);
    let row: Option<Row> = case
        .conn
        .query_row(
            "SELECT s.name, s.inner_path, s.sha256, e.line, e.offset, e.raw_dict, e.raw
             FROM events e JOIN sources s ON s.id = e.source_id WHERE e.key = ?1",
            [key],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?, r.get(6)?)),
        )
        .optional()?;
    let (name, inner, sha256, line, offset, dict, stored) =
        row.ok_or_else(|| Error::input(Code::NotFound, format!("no event {} in this case", id)))?;
    let bytes = crate::store::raw::Decoder::new(&case.conn).decode(dict, &stored)?;
    let raw = String::from_utf8_lossy(&bytes).into_owned();
    let pretty = serde_json::from_slice::<serde_json::Value>(&bytes).ok().and_then(|v| serde_json::to_string_pretty(&v).ok());
    Ok(RawRecord { id: format_id(key), file: file_label(&name, inner.as_deref()), sha256, line, offset, raw, pretty })
}

/// The UID a pod (`namespace/name`) has in the case's evidence (snapshot,
/// alerts), which a cluster action must find live.
pub fn pod_uid(case: &Case, pod: &str) -> Result<Option<String>> {
    Ok(case
        .conn
        .query_row(
            "SELECT a.value FROM entities e JOIN entity_attrs a ON a.entity_id = e.id WHERE e.kind = 'pod' AND e.key = ?1 AND a.name = 'uid'",
            [pod],
            |r| r.get::<_, String>(0),
        )
        .optional()?
        .map(|v| v.trim_matches('"').to_string()))
}

/// An incident's graph as the app and `kordon graph` show it: built from
/// its evidence, then its identities' blast radius from the snapshot's RBAC.
pub fn incident_graph(case: &Case, id: i64, expand: &[String]) -> Result<crate::incident::graph::Graph> {
    let cfg = config::builtin();
    let ev = evidence::gather(case, id, cfg)?;
    let mut g = crate::incident::graph::build(&ev, cfg, expand);
    crate::hardening::blast::extend(case, &mut g, &ev)?;
    Ok(g)
}
