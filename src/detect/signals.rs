//! Storing firings as alerts in the case (source `kordon`, kind `alert`).
//!
//! An alert is an event like any other, so every view, filter and export
//! works on it unchanged; what makes it Kordon's is its source and its raw
//! record, a JSON document describing the firing. Its key derives from the
//! rule id and the sorted keys of the triggering events, so the same
//! evidence always gives the same alert and a second run adds nothing. The
//! alerts of one run hang off one `sources` row ("kordon detect", format
//! `kordon`), whose SHA-256 and size are those of the run's firing documents
//! as JSON Lines, in the order stored.

use super::firing::Firing;
use super::rules::{Rule, Rules};
use crate::error::Result;
use crate::model::{EntityKind, EntityRef, EventKind, NewEvent, Source};
use crate::store::writer::{EventWriter, Locator, Prepared};
use crate::store::{format_id, stable_id};
use crate::time::format_ns;
use rusqlite::{params, Connection, OptionalExtension};
use serde::Serialize;
use serde_json::{json, Map, Value};
use sha2::{Digest, Sha256};
use std::collections::BTreeSet;

/// The `sources.name` of detection runs.
pub const SOURCE_NAME: &str = "kordon detect";

/// One firing as `kordon detect` reports it.
#[derive(Debug, Clone, Serialize)]
pub struct FiringRow {
    /// The alert's event id (16 hex digits).
    pub id: String,
    pub rule: String,
    pub severity: String,
    pub title: String,
    pub time: Option<String>,
    pub message: String,
    /// False when the alert was already in the case.
    pub new: bool,
    pub event_count: usize,
    /// Ids of the triggering events (the first [`super::firing::LISTED`]).
    pub events: Vec<String>,
}

/// The dedup key of a firing: rule id and sorted triggering keys.
pub fn dedup_key(rule: &Rule, f: &Firing) -> String {
    let keys: Vec<String> = f.sorted_keys().into_iter().map(format_id).collect();
    format!("kordon|{}|{}", rule.id, keys.join(","))
}

pub struct Stored {
    pub rows: Vec<FiringRow>,
    pub source_id: Option<i64>,
}

/// Stores the firings not yet in the case; runs inside the caller's
/// transaction.
pub fn store(
    conn: &Connection,
    rules: &Rules,
    mut firings: Vec<Firing>,
    now_ns: i64,
) -> Result<Stored> {
    let all: Vec<&Rule> = rules.iter().collect();
    firings.sort_by(|a, b| {
        (
            a.time_ns.is_none(),
            a.time_ns,
            &all[a.rule].id,
            a.keys.first(),
        )
            .cmp(&(
                b.time_ns.is_none(),
                b.time_ns,
                &all[b.rule].id,
                b.keys.first(),
            ))
    });
    let mut out = Stored {
        rows: Vec::with_capacity(firings.len()),
        source_id: None,
    };
    let mut writer: Option<EventWriter> = None;
    let mut file = VirtualFile::default();
    for f in &firings {
        let rule = all[f.rule];
        let dedup = dedup_key(rule, f);
        let key = stable_id(&[Source::Kordon.as_str().as_bytes(), dedup.as_bytes()]);
        let first = triggering(conn, f.keys[0])?;
        let message = message(rule, f, &first);
        let exists: Option<i64> = conn
            .prepare_cached("SELECT id FROM events WHERE key = ?1")?
            .query_row([key], |r| r.get(0))
            .optional()?;
        out.rows.push(FiringRow {
            id: format_id(key),
            rule: rule.id.clone(),
            severity: rule.severity.as_str().to_string(),
            title: rule.title.clone(),
            time: f.time_ns.map(format_ns),
            message: message.clone(),
            new: exists.is_none(),
            event_count: f.keys.len(),
            events: f.listed.iter().map(|m| format_id(m.key)).collect(),
        });
        if exists.is_some() {
            continue;
        }
        let source_id = match out.source_id {
            Some(id) => id,
            None => {
                let id = open_source(conn, now_ns)?;
                out.source_id = Some(id);
                id
            }
        };
        let writer = match &mut writer {
            Some(w) => w,
            None => writer.insert(EventWriter::new(conn)?),
        };
        let mut ev = NewEvent::new(Source::Kordon, EventKind::Alert, rule.title.clone());
        ev.time_ns = f.time_ns;
        ev.severity = rule.severity;
        ev.rule = Some(rule.id.clone());
        ev.message = message;
        ev.tactics = rule.tactics.clone();
        ev.techniques = rule.techniques.clone();
        ev.dedup_key = Some(dedup);
        ev.add_search(&rule.id);
        ev.add_search(&first.title);
        for e in entities(conn, f)? {
            ev.entity(e);
        }
        ev.fields = fields(rule, f);
        let raw = raw_document(rules, rule, f, now_ns);
        let p = Prepared::new(&raw, ev);
        debug_assert_eq!(p.key, key);
        let at = file.next(&raw);
        writer.add_event(source_id, at, &raw, &p)?;
    }
    if let Some(mut w) = writer {
        w.flush()?;
    }
    if let Some(id) = out.source_id {
        conn.execute(
            "UPDATE sources SET sha256 = ?2, size = ?3, records = ?4, events = ?4 WHERE id = ?1",
            params![
                id,
                hex::encode(file.hash.finalize()),
                file.size as i64,
                file.records as i64
            ],
        )?;
    }
    Ok(out)
}

/// The run's firing documents, as if written one per line to a file.
#[derive(Default)]
struct VirtualFile {
    hash: Sha256,
    size: u64,
    records: u64,
}

impl VirtualFile {
    fn next(&mut self, raw: &[u8]) -> Locator {
        let at = Locator {
            line: Some(self.records + 1),
            offset: self.size,
        };
        self.hash.update(raw);
        self.hash.update(b"\n");
        self.size += raw.len() as u64 + 1;
        self.records += 1;
        at
    }
}

/// The `imports` and `sources` rows the run's alerts belong to.
fn open_source(conn: &Connection, now_ns: i64) -> Result<i64> {
    conn.execute(
        "INSERT INTO imports (started_ns, finished_ns, kordon, summary) VALUES (?1, ?1, ?2, ?3)",
        params![
            now_ns,
            env!("CARGO_PKG_VERSION"),
            json!({"detect": true}).to_string()
        ],
    )?;
    let import_id = conn.last_insert_rowid();
    conn.execute(
        "INSERT INTO sources (import_id, name, format, size, sha256, imported_ns) VALUES (?1, ?2, ?3, 0, ?4, ?5)",
        params![import_id, SOURCE_NAME, Source::Kordon.as_str(), format!("pending-detect-{}", import_id), now_ns],
    )?;
    Ok(conn.last_insert_rowid())
}

struct Triggering {
    title: String,
    message: String,
}

fn triggering(conn: &Connection, key: i64) -> Result<Triggering> {
    Ok(conn
        .prepare_cached("SELECT title, message FROM events WHERE key = ?1")?
        .query_row([key], |r| {
            Ok(Triggering {
                title: r.get(0)?,
                message: r.get(1)?,
            })
        })
        .optional()?
        .unwrap_or(Triggering {
            title: String::new(),
            message: String::new(),
        }))
}

fn message(rule: &Rule, f: &Firing, first: &Triggering) -> String {
    // Tetragon's messages already repeat the title; the audit log's do not.
    let what = if first.message.is_empty() {
        first.title.clone()
    } else if first.message.contains(&first.title) {
        first.message.clone()
    } else {
        format!("{} — {}", first.title, first.message)
    };
    match (&rule.threshold, &f.group) {
        (Some(t), group) => {
            let who: Vec<String> = group
                .iter()
                .flatten()
                .map(|(k, v)| {
                    format!(
                        "{}={}",
                        k,
                        super::condition::text_of(v).unwrap_or_else(|| v.to_string().into())
                    )
                })
                .collect();
            format!(
                "{} matching events{} from {} to {} (threshold {} in {} s); first: {}",
                f.keys.len(),
                if who.is_empty() {
                    String::new()
                } else {
                    format!(" by {}", who.join(", "))
                },
                f.listed
                    .first()
                    .and_then(|m| m.time_ns)
                    .map(format_ns)
                    .unwrap_or_default(),
                f.last_ns.map(format_ns).unwrap_or_default(),
                t.count,
                t.window_seconds,
                what
            )
        }
        (None, _) => what,
    }
}

/// The union of the triggering events' entity links.
fn entities(conn: &Connection, f: &Firing) -> Result<Vec<EntityRef>> {
    let mut links: BTreeSet<(i64, String)> = BTreeSet::new();
    let mut refs = conn.prepare_cached("SELECT entity_refs FROM events WHERE key = ?1")?;
    for key in f.sorted_keys() {
        let text: Option<String> = refs.query_row([key], |r| r.get(0)).optional()?;
        let parsed: Vec<(i64, String)> = text
            .and_then(|t| serde_json::from_str(&t).ok())
            .unwrap_or_default();
        links.extend(parsed);
    }
    let mut entity = conn.prepare_cached("SELECT kind, key FROM entities WHERE id = ?1")?;
    let mut out = Vec::with_capacity(links.len());
    for (id, role) in links {
        let found: Option<(String, String)> = entity
            .query_row([id], |r| Ok((r.get(0)?, r.get(1)?)))
            .optional()?;
        if let Some((kind, key)) = found {
            if let Some(kind) = EntityKind::parse(&kind) {
                out.push(EntityRef::new(kind, key, &role));
            }
        }
    }
    Ok(out)
}

fn fields(rule: &Rule, f: &Firing) -> Map<String, Value> {
    let mut m = Map::new();
    m.insert("rule_id".into(), Value::from(rule.id.clone()));
    if let Some(ms) = &rule.ms_matrix {
        m.insert("ms_matrix".into(), Value::from(ms.clone()));
    }
    m.insert("description".into(), Value::from(rule.description.clone()));
    m.insert(
        "event_ids".into(),
        f.listed
            .iter()
            .map(|e| Value::from(format_id(e.key)))
            .collect(),
    );
    m.insert("event_count".into(), Value::from(f.keys.len()));
    match (&rule.threshold, &f.group) {
        (Some(t), group) => {
            m.insert(
                "group".into(),
                Value::Object(group.clone().unwrap_or_default()),
            );
            m.insert("window_seconds".into(), Value::from(t.window_seconds));
        }
        (None, _) => {
            if let Some(first) = f.listed.first() {
                m.insert("matched".into(), Value::Object(first.values.clone()));
            }
        }
    }
    m
}

/// The firing as a JSON document: the alert's raw record.
fn raw_document(rules: &Rules, rule: &Rule, f: &Firing, now_ns: i64) -> Vec<u8> {
    let events: Vec<Value> = f
        .listed
        .iter()
        .map(|e| json!({"id": format_id(e.key), "time": e.time_ns.map(format_ns), "values": e.values}))
        .collect();
    let doc = json!({
        "kordon_detection": 1,
        "rule": rule.id,
        "rules_sha256": rules.sha256,
        "evaluated_at": format_ns(now_ns),
        "time": f.time_ns.map(format_ns),
        "threshold": rule.threshold.as_ref().map(|t| json!({
            "count": t.count, "window_seconds": t.window_seconds, "group_by": t.group_by
        })),
        "group": f.group,
        "event_count": f.keys.len(),
        "events": events,
    });
    serde_json::to_vec(&doc).unwrap_or_default()
}
