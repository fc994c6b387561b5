//! Read-side queries shared by the CLI and the app.

use crate::error::{Code, Error, Result};
use crate::model::{EntityKind, Severity};
use crate::store::{format_id, Case};
use crate::time::format_ns;
use rusqlite::types::Value as SqlValue;
use serde::Serialize;

#[derive(Debug, Clone, Serialize)]
pub struct EntityLink {
    pub kind: String,
    pub key: String,
    pub role: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct EventRow {
    pub id: String,
    pub time: Option<String>,
    pub source: String,
    pub kind: String,
    pub severity: String,
    pub rule: Option<String>,
    pub title: String,
    pub message: String,
    pub tactics: Vec<String>,
    pub techniques: Vec<String>,
    pub entities: Vec<EntityLink>,
    pub fields: serde_json::Value,
    pub file: String,
    pub line: Option<i64>,
    pub offset: i64,
    /// Number of raw records behind this event (audit stages, re-exports).
    pub records: i64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub raw: Option<String>,
    /// The incident this event is a signal of (context is not stored per incident).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub incident: Option<String>,
}

#[derive(Debug, Clone, Default)]
pub struct EventFilter {
    pub since_ns: Option<i64>,
    pub until_ns: Option<i64>,
    pub namespace: Option<String>,
    /// `namespace/name` or a bare pod name.
    pub pod: Option<String>,
    pub source: Option<String>,
    /// `alert`, `telemetry`, `object` or `k8s-event`.
    pub kind: Option<String>,
    /// Only events at least this severe.
    pub min_severity: Option<String>,
    pub search: Option<String>,
    pub limit: Option<usize>,
    pub with_raw: bool,
}

/// Turns free text into an FTS5 query: every word must appear, each word
/// matched as a phrase of its tokens (so `10.244.1.23` or `/tmp/.x/xmrig`
/// work as typed), no FTS syntax leaks through.
pub fn fts_query(text: &str) -> Option<String> {
    let parts: Vec<String> = text
        .split_whitespace()
        .filter(|w| w.chars().any(|c| c.is_alphanumeric()))
        .map(|w| format!("\"{}\"", w.replace('"', "\"\"")))
        .collect();
    if parts.is_empty() {
        None
    } else {
        Some(parts.join(" AND "))
    }
}

/// The events that pass the filter, oldest first, in memory: for the app's
/// pages, which are limited. Listings use [`each_event`].
pub fn events(case: &Case, f: &EventFilter) -> Result<Vec<EventRow>> {
    collect(|each| each_event(case, f, each))
}

/// Entity kinds and keys remembered while listing events (a few MiB): the
/// same few thousand entities are named again and again, but a case with
/// millions of distinct ones (addresses) must not grow the listing.
const KNOWN_ENTITIES: usize = 50_000;

/// Hands each event that passes the filter to `each` as it is read, oldest
/// first: a listing of a million events holds one at a time.
pub fn each_event(case: &Case, f: &EventFilter, each: &mut dyn FnMut(EventRow) -> Result<()>) -> Result<()> {
    let mut sql = String::from(
        "SELECT e.id, e.key, e.time_ns, e.source, e.kind, e.severity, e.rule, e.title, e.message, e.tactics,
                e.techniques, e.fields, s.name, s.inner_path, e.line, e.offset,
                1 + (SELECT COUNT(*) FROM event_records r WHERE r.event_id = e.id), e.raw, e.entity_refs, e.raw_dict,
                (SELECT i.incident_id FROM incident_signals i WHERE i.event_id = e.id)
         FROM events e JOIN sources s ON s.id = e.source_id WHERE 1=1",
    );
    let mut args: Vec<SqlValue> = Vec::new();
    if let Some(t) = f.since_ns {
        sql.push_str(" AND e.time_ns >= ?");
        args.push(t.into());
    }
    if let Some(t) = f.until_ns {
        sql.push_str(" AND e.time_ns <= ?");
        args.push(t.into());
    }
    if let Some(s) = &f.source {
        if crate::model::Source::parse(s).is_none() {
            let all: Vec<&str> = crate::model::Source::ALL.iter().map(|s| s.as_str()).collect();
            return Err(Error::input(
                Code::InvalidArgument,
                format!("unknown source '{}' (one of: {})", s, all.join(", ")),
            ));
        }
        sql.push_str(" AND e.source = ?");
        args.push(s.clone().into());
    }
    if let Some(k) = &f.kind {
        if crate::model::EventKind::parse(k).is_none() {
            return Err(Error::input(
                Code::InvalidArgument,
                format!("unknown event kind '{}' (one of: alert, telemetry, object, k8s-event, posture)", k),
            ));
        }
        sql.push_str(" AND e.kind = ?");
        args.push(k.clone().into());
    }
    if let Some(sev) = &f.min_severity {
        let Some(level) = Severity::parse(sev) else {
            return Err(Error::input(
                Code::InvalidArgument,
                format!("unknown severity '{}' (one of: info, low, medium, high, critical)", sev),
            ));
        };
        sql.push_str(" AND e.severity >= ?");
        args.push(crate::store::writer::severity_rank(level).into());
    }
    if let Some(ns) = &f.namespace {
        sql.push_str(
            " AND e.id IN (SELECT ee.event_id FROM event_entities ee JOIN entities en ON en.id = ee.entity_id
               WHERE (en.kind = 'namespace' AND en.key = ?) OR (en.kind = 'pod' AND substr(en.key, 1, length(?) + 1) = ? || '/'))",
        );
        args.extend([ns.clone().into(), ns.clone().into(), ns.clone().into()]);
    }
    if let Some(pod) = &f.pod {
        sql.push_str(
            " AND e.id IN (SELECT ee.event_id FROM event_entities ee JOIN entities en ON en.id = ee.entity_id
               WHERE en.kind = 'pod' AND (en.key = ? OR substr(en.key, -length(?) - 1) = '/' || ?))",
        );
        args.extend([pod.clone().into(), pod.clone().into(), pod.clone().into()]);
    }
    if let Some(text) = &f.search {
        match fts_query(text) {
            Some(q) => {
                sql.push_str(" AND e.id IN (SELECT rowid FROM events_fts WHERE events_fts MATCH ?)");
                args.push(q.into());
            }
            None => return Err(Error::input(Code::InvalidArgument, "--search needs at least one word")),
        }
    }
    sql.push_str(" ORDER BY e.time_ns IS NULL, e.time_ns, e.key");
    if let Some(n) = f.limit {
        sql.push_str(" LIMIT ?");
        args.push((n as i64).into());
    }
    let mut st = case.conn.prepare(&sql)?;
    let mut rows = st.query(rusqlite::params_from_iter(args))?;
    let mut entity = case.conn.prepare_cached("SELECT kind, key FROM entities WHERE id = ?1")?;
    let mut decoder = crate::store::raw::Decoder::new(&case.conn);
    let mut known: std::collections::HashMap<i64, (String, String)> = std::collections::HashMap::new();
    while let Some(r) = rows.next()? {
        let sev: i64 = r.get(5)?;
        let tactics: String = r.get(9)?;
        let techniques: String = r.get(10)?;
        let fields: String = r.get(11)?;
        let name: String = r.get(12)?;
        let inner: Option<String> = r.get(13)?;
        let refs: String = r.get(18)?;
        let raw = if f.with_raw { Some(decoder.decode(r.get(19)?, &r.get::<_, Vec<u8>>(17)?)?) } else { None };
        let refs: Vec<(i64, String)> = serde_json::from_str(&refs).unwrap_or_default();
        let mut entities = Vec::with_capacity(refs.len());
        if known.len() >= KNOWN_ENTITIES {
            known.clear();
        }
        for (id, role) in refs {
            if let std::collections::hash_map::Entry::Vacant(v) = known.entry(id) {
                match entity.query_row([id], |e| Ok((e.get(0)?, e.get(1)?))) {
                    Ok(found) => {
                        v.insert(found);
                    }
                    Err(rusqlite::Error::QueryReturnedNoRows) => continue,
                    Err(e) => return Err(e.into()),
                }
            }
            let (kind, key) = known[&id].clone();
            entities.push(EntityLink { kind, key, role });
        }
        entities.sort_by(|a, b| (&a.kind, &a.key, &a.role).cmp(&(&b.kind, &b.key, &b.role)));
        each(EventRow {
            id: format_id(r.get(1)?),
            time: r.get::<_, Option<i64>>(2)?.map(format_ns),
            source: r.get(3)?,
            kind: r.get(4)?,
            severity: crate::store::writer::severity_of_rank(sev).as_str().to_string(),
            rule: r.get(6)?,
            title: r.get(7)?,
            message: r.get(8)?,
            tactics: split_words(&tactics),
            techniques: split_words(&techniques),
            entities,
            fields: serde_json::from_str(&fields).unwrap_or(serde_json::Value::Null),
            file: crate::store::file_label(&name, inner.as_deref()),
            line: r.get(14)?,
            offset: r.get(15)?,
            records: r.get(16)?,
            raw: raw.map(|raw| String::from_utf8_lossy(&raw).into_owned()),
            incident: r.get::<_, Option<i64>>(20)?.map(crate::incident::format_incident_id),
        })?;
    }
    Ok(())
}

fn split_words(s: &str) -> Vec<String> {
    s.split_whitespace().map(str::to_string).collect()
}

#[derive(Debug, Clone, Serialize)]
pub struct EntityRow {
    pub id: String,
    pub kind: String,
    pub key: String,
    pub first_seen: Option<String>,
    pub last_seen: Option<String>,
    pub events: i64,
    pub attrs: serde_json::Map<String, serde_json::Value>,
}

pub fn entities(case: &Case, kind: Option<&str>) -> Result<Vec<EntityRow>> {
    collect(|each| each_entity(case, kind, each))
}

/// Hands each entity (of this kind) to `each` as it is read.
pub fn each_entity(case: &Case, kind: Option<&str>, each: &mut dyn FnMut(EntityRow) -> Result<()>) -> Result<()> {
    entities_where(case, kind, None, each)
}

/// One entity by id, with its attributes.
pub fn entity(case: &Case, id: i64) -> Result<EntityRow> {
    collect(|each| entities_where(case, None, Some(id), each))?
        .pop()
        .ok_or_else(|| Error::input(Code::NotFound, format!("no entity {} in this case", format_id(id))))
}

/// The rows a visitor query hands out, in memory.
fn collect<T>(query: impl FnOnce(&mut dyn FnMut(T) -> Result<()>) -> Result<()>) -> Result<Vec<T>> {
    let mut out = Vec::new();
    query(&mut |row| {
        out.push(row);
        Ok(())
    })?;
    Ok(out)
}

fn entities_where(case: &Case, kind: Option<&str>, id: Option<i64>, each: &mut dyn FnMut(EntityRow) -> Result<()>) -> Result<()> {
    if let Some(k) = kind {
        if EntityKind::parse(k).is_none() {
            let all: Vec<&str> = EntityKind::ALL.iter().map(|k| k.as_str()).collect();
            return Err(Error::input(Code::InvalidArgument, format!("unknown entity kind '{}' (one of: {})", k, all.join(", "))));
        }
    }
    let mut st = case.conn.prepare(
        "SELECT en.id, en.kind, en.key, en.first_ns, en.last_ns,
                (SELECT COUNT(DISTINCT event_id) FROM event_entities ee WHERE ee.entity_id = en.id)
         FROM entities en WHERE (?1 IS NULL OR en.kind = ?1) AND (?2 IS NULL OR en.id = ?2) ORDER BY en.kind, en.key",
    )?;
    let mut attrs = case.conn.prepare_cached("SELECT name, value FROM entity_attrs WHERE entity_id = ?1 ORDER BY name")?;
    // id, kind, key, first seen, last seen, events
    type Row = (i64, String, String, Option<i64>, Option<i64>, i64);
    let rows = st.query_map(rusqlite::params![kind, id], |r| {
        Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?))
    })?;
    for row in rows {
        let (id, kind, key, first, last, events): Row = row?;
        let mut map = serde_json::Map::new();
        for a in attrs.query_map([id], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))? {
            let (name, value) = a?;
            map.insert(name, serde_json::from_str(&value).unwrap_or(serde_json::Value::String(value)));
        }
        each(EntityRow {
            id: format_id(id),
            kind,
            key,
            first_seen: first.map(format_ns),
            last_seen: last.map(format_ns),
            events,
            attrs: map,
        })?;
    }
    Ok(())
}

#[derive(Debug, Clone, Serialize)]
pub struct SourceRow {
    pub id: i64,
    pub name: String,
    pub inner_path: Option<String>,
    pub bundle: Option<String>,
    pub format: String,
    pub compression: Option<String>,
    pub size: i64,
    pub sha256: String,
    pub imported: String,
    pub records: i64,
    pub events: i64,
    pub errors: i64,
    /// What the file turned out to be ("EKS CloudWatch Logs,
    /// filter-log-events, 3 pages, …"; for an attachment, why it is one).
    pub shape: Option<String>,
}

pub fn sources(case: &Case) -> Result<Vec<SourceRow>> {
    let mut st = case.conn.prepare(
        "SELECT s.id, s.name, s.inner_path, b.name, s.format, s.compression, s.size, s.sha256, s.imported_ns,
                s.records, s.events, s.errors, s.shape
         FROM sources s LEFT JOIN bundles b ON b.id = s.bundle_id ORDER BY s.id",
    )?;
    let rows = st
        .query_map([], |r| {
            Ok(SourceRow {
                id: r.get(0)?,
                name: r.get(1)?,
                inner_path: r.get(2)?,
                bundle: r.get(3)?,
                format: r.get(4)?,
                compression: r.get(5)?,
                size: r.get(6)?,
                sha256: r.get(7)?,
                imported: format_ns(r.get(8)?),
                records: r.get(9)?,
                events: r.get(10)?,
                errors: r.get(11)?,
                shape: r.get(12)?,
            })
        })?
        .collect::<rusqlite::Result<_>>()?;
    Ok(rows)
}

#[derive(Debug, Clone, Serialize)]
pub struct ErrorRow {
    pub id: i64,
    pub file: String,
    pub sha256: String,
    pub line: Option<i64>,
    pub offset: i64,
    pub reason: String,
    /// The record as text (invalid UTF-8 replaced); `raw_hex` holds the exact bytes then.
    pub raw: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub raw_hex: Option<String>,
}

pub fn errors(case: &Case) -> Result<Vec<ErrorRow>> {
    collect(|each| each_error(case, each))
}

/// Hands each unparsable record to `each` as it is read.
pub fn each_error(case: &Case, each: &mut dyn FnMut(ErrorRow) -> Result<()>) -> Result<()> {
    errors_where(case, None, each)
}

/// The records one import could not parse.
pub fn errors_of_import(case: &Case, import_id: i64) -> Result<Vec<ErrorRow>> {
    collect(|each| errors_where(case, Some(import_id), each))
}

fn errors_where(case: &Case, import_id: Option<i64>, each: &mut dyn FnMut(ErrorRow) -> Result<()>) -> Result<()> {
    let mut st = case.conn.prepare(
        "SELECT p.id, s.name, s.inner_path, s.sha256, p.line, p.offset, p.reason, p.raw
         FROM parse_errors p JOIN sources s ON s.id = p.source_id
         WHERE ?1 IS NULL OR s.import_id = ?1 ORDER BY p.source_id, p.offset",
    )?;
    let rows = st.query_map([import_id], |r| {
            let name: String = r.get(1)?;
            let inner: Option<String> = r.get(2)?;
            let raw: Vec<u8> = r.get(7)?;
            let text = String::from_utf8(raw.clone());
            Ok(ErrorRow {
                id: r.get(0)?,
                file: crate::store::file_label(&name, inner.as_deref()),
                sha256: r.get(3)?,
                line: r.get(4)?,
                offset: r.get(5)?,
                reason: r.get(6)?,
                raw: String::from_utf8_lossy(&raw).into_owned(),
                raw_hex: text.is_err().then(|| hex::encode(&raw)),
            })
        })?;
    for row in rows {
        each(row?)?;
    }
    Ok(())
}
