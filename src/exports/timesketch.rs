//! The case as a Timesketch timeline: JSON Lines, one event a line.
//!
//! Timesketch's importer needs `message`, `datetime` (ISO 8601) and
//! `timestamp_desc` on every line, reads `timestamp` (microseconds since the
//! epoch) when it is there, takes `tag` as a list, and keeps every other key
//! as an attribute of the event, indexed by OpenSearch. So each event becomes
//! those keys plus Kordon's own attributes (source, rule, severity, the
//! entities it names, where the record came from) plus its normalized fields,
//! flattened to plain strings and numbers: OpenSearch maps a nested object
//! field by field, and a value that is an object in one event and a string in
//! another would be refused. Field names come from evidence, so they are
//! reduced to letters, digits, `_` and `-` (a dot would nest, a leading `_`
//! is OpenSearch's own), and one that would land on a key already written
//! (the four required ones, `tag`, Kordon's) is prefixed with `field_`
//! instead of overwriting it.
//!
//! Tags say where an event belongs: the ATT&CK tactics Kordon reads from an
//! alert, the incidents whose evidence holds it (signals, context and facts,
//! as the incident page shows them), and each such incident's classification
//! once triage set one. An event without a time has no place on a timeline
//! and is counted, not written.
//!
//! The whole case is streamed in time order, one event in memory at a time;
//! only which events belong to which incident (ids) is held.

use super::{io_err, write_export};
use crate::error::Result;
use crate::incident::{config, evidence, format_incident_id, signals};
use crate::model::Source;
use crate::store::{format_id, Case};
use rusqlite::OptionalExtension;
use serde::Serialize;
use serde_json::{Map, Value};
use std::collections::{BTreeMap, HashMap};
use std::path::Path;

/// What an export wrote.
#[derive(Debug, Clone, Serialize)]
pub struct Summary {
    pub path: String,
    /// Lines written.
    pub events: u64,
    /// Events left out because they carry no time.
    pub without_time: u64,
    /// Incidents whose evidence was tagged.
    pub incidents: usize,
}

/// The keys every line has, written before any field; a field of the same
/// name is prefixed rather than allowed to replace one.
const RESERVED: [&str; 19] = [
    "message",
    "datetime",
    "timestamp",
    "timestamp_desc",
    "tag",
    // Timesketch's own names for what people add in the UI.
    "label",
    "timesketch_label",
    // Kordon's attributes.
    "event_id",
    "source",
    "event_kind",
    "severity",
    "rule",
    "title",
    "tactics",
    "techniques",
    "incident",
    "source_file",
    "source_line",
    "source_offset",
];

/// Entity lookups remembered while streaming (as `kordon events` does): a
/// case with millions of distinct addresses must not grow the export.
const KNOWN_ENTITIES: usize = 50_000;

const COLUMNS: &str =
    "e.id, e.key, e.time_ns, e.source, e.kind, e.severity, e.rule, e.title, e.message, e.tactics,
     e.techniques, e.fields, e.entity_refs, s.name, s.inner_path, e.line, e.offset";

/// One stored event, as read for the timeline.
#[derive(Debug, Clone, Default)]
pub struct Row {
    pub rowid: i64,
    pub key: i64,
    pub time_ns: Option<i64>,
    pub source: String,
    pub kind: String,
    pub severity: i64,
    pub rule: Option<String>,
    pub title: String,
    pub message: String,
    pub tactics: String,
    pub techniques: String,
    pub fields: String,
    pub refs: String,
    pub file: String,
    pub line: Option<i64>,
    pub offset: i64,
}

fn read_row(r: &rusqlite::Row) -> rusqlite::Result<Row> {
    let name: String = r.get(13)?;
    let inner: Option<String> = r.get(14)?;
    Ok(Row {
        rowid: r.get(0)?,
        key: r.get(1)?,
        time_ns: r.get(2)?,
        source: r.get(3)?,
        kind: r.get(4)?,
        severity: r.get(5)?,
        rule: r.get(6)?,
        title: r.get(7)?,
        message: r.get(8)?,
        tactics: r.get(9)?,
        techniques: r.get(10)?,
        fields: r.get(11)?,
        refs: r.get(12)?,
        file: crate::store::file_label(&name, inner.as_deref()),
        line: r.get(15)?,
        offset: r.get(16)?,
    })
}

/// An incident as its evidence is tagged.
#[derive(Debug, Clone)]
pub struct Tagging {
    pub id: String,
    pub classification: Option<String>,
}

/// Writes the timeline of one incident's evidence (`Some(id)`) or of the
/// whole case to `path`.
pub fn export(case: &Case, incident: Option<i64>, path: &Path) -> Result<Summary> {
    let incidents = taggings(case, incident)?;
    // Which incidents' evidence holds each event (by row id).
    let cfg = config::builtin();
    let mut member: HashMap<i64, Vec<i64>> = HashMap::new();
    // Ordered events of one incident: its evidence is what the export holds.
    let mut order: Vec<(i64, i64, i64)> = Vec::new();
    for id in incidents.keys() {
        let ev = evidence::gather(case, *id, cfg)?;
        for s in ev.all() {
            let of = member.entry(s.event_id).or_default();
            if !of.contains(id) {
                of.push(*id);
                if incident.is_some() {
                    order.push((s.time_ns, s.key, s.event_id));
                }
            }
        }
    }
    order.sort_unstable();

    let mut summary = Summary {
        path: path.display().to_string(),
        events: 0,
        without_time: 0,
        incidents: incidents.len(),
    };
    let mut names = Names::default();
    write_export(path, &mut |w| {
        summary.events = 0;
        summary.without_time = 0;
        let mut each = |row: Row| -> Result<()> {
            if row.time_ns.is_none() {
                summary.without_time += 1;
                return Ok(());
            }
            let of = member.get(&row.rowid).map(Vec::as_slice).unwrap_or(&[]);
            let entities = names.of(&case.conn, &row.refs)?;
            let tags: Vec<&Tagging> = of.iter().filter_map(|id| incidents.get(id)).collect();
            let line = line(&row, &entities, &tags);
            super::write_json_line(w, &line).map_err(io_err(path))?;
            summary.events += 1;
            Ok(())
        };
        match incident {
            Some(_) => {
                let sql = format!(
                    "SELECT {} FROM events e JOIN sources s ON s.id = e.source_id WHERE e.id = ?1",
                    COLUMNS
                );
                let mut st = case.conn.prepare(&sql)?;
                for (_, _, rowid) in &order {
                    if let Some(row) = st.query_row([rowid], read_row).optional()? {
                        each(row)?;
                    }
                }
            }
            None => {
                let sql = format!(
                    "SELECT {} FROM events e JOIN sources s ON s.id = e.source_id ORDER BY e.time_ns IS NULL, e.time_ns, e.key",
                    COLUMNS
                );
                let mut st = case.conn.prepare(&sql)?;
                let mut rows = st.query([])?;
                while let Some(r) = rows.next()? {
                    each(read_row(r)?)?;
                }
            }
        }
        Ok(())
    })?;
    Ok(summary)
}

/// The incidents to tag: the one asked for, or every one of the case.
fn taggings(case: &Case, incident: Option<i64>) -> Result<BTreeMap<i64, Tagging>> {
    let mut st = case.conn.prepare(
        "SELECT id, classification FROM incidents WHERE ?1 IS NULL OR id = ?1 ORDER BY id",
    )?;
    let rows = st
        .query_map([incident], |r| {
            Ok((r.get::<_, i64>(0)?, r.get::<_, Option<String>>(1)?))
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(rows
        .into_iter()
        .map(|(id, classification)| {
            (
                id,
                Tagging {
                    id: format_incident_id(id),
                    classification,
                },
            )
        })
        .collect())
}

/// Kind and key of entities by id, remembered up to a bound.
#[derive(Default)]
struct Names {
    known: HashMap<i64, Option<(String, String)>>,
}

impl Names {
    fn of(&mut self, conn: &rusqlite::Connection, refs: &str) -> Result<Vec<(String, String)>> {
        let refs: Vec<(i64, String)> = serde_json::from_str(refs).unwrap_or_default();
        if self.known.len() >= KNOWN_ENTITIES {
            self.known.clear();
        }
        let mut st = conn.prepare_cached("SELECT kind, key FROM entities WHERE id = ?1")?;
        let mut out = Vec::with_capacity(refs.len());
        for (id, _role) in refs {
            let known = match self.known.entry(id) {
                std::collections::hash_map::Entry::Occupied(o) => o.into_mut(),
                std::collections::hash_map::Entry::Vacant(v) => v.insert(
                    st.query_row([id], |r| Ok((r.get(0)?, r.get(1)?)))
                        .optional()?,
                ),
            };
            if let Some(e) = known {
                out.push(e.clone());
            }
        }
        Ok(out)
    }
}

/// What the event's time means, by where it came from.
pub fn timestamp_desc(source: &str, kind: &str) -> &'static str {
    match (Source::parse(source), kind) {
        (Some(Source::K8sAudit), _) => "Request Received",
        (Some(Source::K8sObject), _) | (_, "object") => "Creation Time",
        (Some(Source::K8sEvent), _) | (_, "k8s-event") => "Last Seen",
        (Some(Source::Defender), _) => "Activity Start",
        (Some(Source::ControlPlane), _) => "Log Time",
        (Some(Source::Kordon), _) => "Detected Event Time",
        (_, "posture") => "Scan Time",
        (_, "external-incident") => "Incident Created",
        _ => "Event Time",
    }
}

/// Microseconds since the epoch and the same instant in ISO 8601 (UTC,
/// microsecond precision: what Timesketch keeps).
pub fn times(ns: i64) -> (i64, String) {
    let micros = ns.div_euclid(1000);
    let dt = chrono::DateTime::<chrono::Utc>::from_timestamp_micros(micros).unwrap_or_default();
    (micros, dt.format("%Y-%m-%dT%H:%M:%S%.6f+00:00").to_string())
}

/// Text on one line: every control character (line breaks, tabs, escapes),
/// bidi control and Unicode line separator becomes a space, runs of spaces
/// one.
pub fn one_line(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        let c = if crate::text::is_unsafe(c) || matches!(c, '\u{2028}' | '\u{2029}') {
            ' '
        } else {
            c
        };
        if c == ' ' && (out.is_empty() || out.ends_with(' ')) {
            continue;
        }
        out.push(c);
    }
    out.truncate(out.trim_end().len());
    out
}

/// The readable line Timesketch shows for the event.
fn message(row: &Row) -> String {
    let title = one_line(&row.title);
    let detail = one_line(&row.message);
    let mut m = format!(
        "{}: {}",
        row.source,
        if title.is_empty() {
            "(untitled event)"
        } else {
            &title
        }
    );
    if !detail.is_empty() && detail != title {
        m.push_str(" \u{2014} ");
        m.push_str(&detail);
    }
    m
}

/// The event's tags: the tactics Kordon reads from an alert, then each
/// incident whose evidence holds it and that incident's classification.
fn tags(row: &Row, fields: &Map<String, Value>, incidents: &[&Tagging]) -> Vec<String> {
    let mut tags: Vec<String> = Vec::new();
    let mut add = |t: &str| {
        if !t.is_empty() && !tags.iter().any(|x| x == t) {
            tags.push(t.to_string());
        }
    };
    if row.kind == "alert" {
        let source = Source::parse(&row.source).unwrap_or(Source::Kordon);
        let reading = signals::reading(
            source,
            row.rule.as_deref(),
            &row.tactics,
            &row.techniques,
            fields,
        );
        for t in &reading.tactics {
            add(crate::attack::tactic_name(t).unwrap_or(t));
        }
    }
    for i in incidents {
        add(&i.id);
        if let Some(c) = &i.classification {
            add(c);
        }
    }
    tags
}

/// One line of the timeline.
pub fn line(
    row: &Row,
    entities: &[(String, String)],
    incidents: &[&Tagging],
) -> Map<String, Value> {
    let fields: Map<String, Value> = serde_json::from_str(&row.fields).unwrap_or_default();
    let (micros, datetime) = times(row.time_ns.unwrap_or(0));
    let mut out = Map::new();
    out.insert("message".into(), Value::String(message(row)));
    out.insert("datetime".into(), Value::String(datetime));
    out.insert("timestamp".into(), Value::from(micros));
    out.insert(
        "timestamp_desc".into(),
        Value::String(timestamp_desc(&row.source, &row.kind).into()),
    );
    out.insert(
        "tag".into(),
        Value::Array(
            tags(row, &fields, incidents)
                .into_iter()
                .map(Value::String)
                .collect(),
        ),
    );
    out.insert("event_id".into(), Value::String(format_id(row.key)));
    out.insert("source".into(), Value::String(row.source.clone()));
    out.insert("event_kind".into(), Value::String(row.kind.clone()));
    out.insert(
        "severity".into(),
        Value::String(
            crate::store::writer::severity_of_rank(row.severity)
                .as_str()
                .into(),
        ),
    );
    if let Some(rule) = &row.rule {
        out.insert("rule".into(), Value::String(rule.clone()));
    }
    out.insert("title".into(), Value::String(row.title.clone()));
    let words = |s: &str| s.split_whitespace().collect::<Vec<_>>().join(", ");
    if !row.tactics.trim().is_empty() {
        out.insert("tactics".into(), Value::String(words(&row.tactics)));
    }
    if !row.techniques.trim().is_empty() {
        out.insert("techniques".into(), Value::String(words(&row.techniques)));
    }
    if !incidents.is_empty() {
        out.insert(
            "incident".into(),
            Value::String(
                incidents
                    .iter()
                    .map(|i| i.id.as_str())
                    .collect::<Vec<_>>()
                    .join(", "),
            ),
        );
    }
    out.insert("source_file".into(), Value::String(row.file.clone()));
    if let Some(line) = row.line {
        out.insert("source_line".into(), Value::from(line));
    }
    out.insert("source_offset".into(), Value::from(row.offset));
    // Entities by kind (`entity_pod`, `entity_ip`), several joined.
    let mut by_kind: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for (kind, key) in entities {
        let keys = by_kind.entry(kind.as_str()).or_default();
        if !keys.contains(&key.as_str()) {
            keys.push(key);
        }
    }
    for (kind, mut keys) in by_kind {
        keys.sort_unstable();
        out.insert(
            format!("entity_{}", clean_key(kind)),
            Value::String(keys.join(", ")),
        );
    }
    let mut flat = Vec::new();
    for (k, v) in &fields {
        flatten(&clean_key(k), v, &mut flat);
    }
    for (k, v) in flat {
        put_field(&mut out, k, v);
    }
    out
}

/// A field name OpenSearch takes as one plain field.
fn clean_key(raw: &str) -> String {
    let mut k: String = raw
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' {
                c
            } else {
                '_'
            }
        })
        .collect();
    if k.is_empty() || k.starts_with('_') {
        k.insert_str(0, "field");
    }
    k
}

/// Objects become one field per leaf (`labels_app`); lists are kept whole
/// as JSON text, booleans as words, nulls are left out.
fn flatten(key: &str, v: &Value, out: &mut Vec<(String, Value)>) {
    match v {
        Value::Null => {}
        Value::Bool(b) => out.push((key.to_string(), Value::String(b.to_string()))),
        Value::Number(_) | Value::String(_) => out.push((key.to_string(), v.clone())),
        Value::Array(a) if a.is_empty() => {}
        Value::Array(_) => out.push((key.to_string(), Value::String(v.to_string()))),
        Value::Object(o) => {
            for (k, v) in o {
                flatten(&format!("{}_{}", key, clean_key(k)), v, out);
            }
        }
    }
}

/// Adds a field under its name, or `field_` + its name when that is taken
/// (by a required key, Kordon's own, or an earlier field).
fn put_field(out: &mut Map<String, Value>, key: String, value: Value) {
    let taken = |out: &Map<String, Value>, k: &str| out.contains_key(k) || RESERVED.contains(&k);
    let mut k = key;
    while taken(out, &k) {
        k.insert_str(0, "field_");
    }
    out.insert(k, value);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row() -> Row {
        Row {
            rowid: 1,
            key: 0x1234,
            time_ns: Some(1_795_167_666_874_211_789),
            source: "falco".into(),
            kind: "alert".into(),
            severity: 3,
            rule: Some("Terminal shell in container".into()),
            title: "Terminal shell in container".into(),
            message: "A shell\nwas spawned\t\u{1b}[2J in \"cart\"\r\n".into(),
            tactics: "TA0002".into(),
            techniques: "T1059".into(),
            fields: r#"{"message":"evil","datetime":"1999","timestamp":1,"timestamp_desc":"x","tag":"t","source":"s",
                        "labels":{"app.kubernetes.io/name":"cart","_id":"x"},"ports":[1,2],"ok":true,"none":null,"_index":"i"}"#
                .into(),
            refs: "[]".into(),
            file: "falco.json".into(),
            line: Some(3),
            offset: 120,
        }
    }

    #[test]
    fn a_line_has_the_required_keys_and_fields_never_replace_them() {
        let inc = Tagging {
            id: "INC-0000abcd".into(),
            classification: Some("true-positive".into()),
        };
        let l = line(
            &row(),
            &[
                ("pod".into(), "shop/cart".into()),
                ("ip".into(), "10.0.0.2".into()),
                ("ip".into(), "10.0.0.1".into()),
            ],
            &[&inc],
        );
        assert_eq!(l["datetime"], "2026-11-20T09:41:06.874211+00:00");
        assert_eq!(l["timestamp"], 1_795_167_666_874_211i64);
        assert_eq!(l["timestamp_desc"], "Event Time");
        assert_eq!(
            l["message"],
            "falco: Terminal shell in container \u{2014} A shell was spawned [2J in \"cart\""
        );
        assert_eq!(
            l["tag"],
            serde_json::json!(["Execution", "INC-0000abcd", "true-positive"])
        );
        assert_eq!(l["source"], "falco");
        // Each clashing field is kept under a prefix.
        assert_eq!(l["field_message"], "evil");
        assert_eq!(l["field_datetime"], "1999");
        assert_eq!(l["field_timestamp"], 1);
        assert_eq!(l["field_timestamp_desc"], "x");
        assert_eq!(l["field_tag"], "t");
        assert_eq!(l["field_source"], "s");
        // Flat, OpenSearch-safe names; lists as text; booleans as words.
        assert_eq!(l["labels_app_kubernetes_io_name"], "cart");
        assert_eq!(l["labels_field_id"], "x");
        assert_eq!(l["field_index"], "i");
        assert_eq!(l["ports"], "[1,2]");
        assert_eq!(l["ok"], "true");
        assert!(!l.contains_key("none"));
        assert_eq!(l["entity_ip"], "10.0.0.1, 10.0.0.2");
        assert_eq!(l["entity_pod"], "shop/cart");
        assert_eq!(l["incident"], "INC-0000abcd");
        for (k, v) in &l {
            assert!(!k.starts_with('_') && !k.contains('.'), "{}", k);
            assert!(
                k == "tag" || v.is_string() || v.is_number(),
                "{} = {}",
                k,
                v
            );
        }
    }

    #[test]
    fn times_before_the_epoch_round_down_like_the_timestamp() {
        assert_eq!(
            times(-1),
            (-1, "1969-12-31T23:59:59.999999+00:00".to_string())
        );
        assert_eq!(times(0).1, "1970-01-01T00:00:00.000000+00:00");
    }

    #[test]
    fn what_the_time_means_follows_the_source() {
        assert_eq!(timestamp_desc("k8s-audit", "telemetry"), "Request Received");
        assert_eq!(timestamp_desc("k8s-object", "object"), "Creation Time");
        assert_eq!(timestamp_desc("k8s-event", "k8s-event"), "Last Seen");
        assert_eq!(timestamp_desc("tetragon", "telemetry"), "Event Time");
    }
}
