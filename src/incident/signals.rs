//! Signals: the case's alerts (Falco, Defender, Kordon's own detections) as
//! correlation reads them, with Kordon's tactic reading applied.
//!
//! The stored event keeps the tags its source gave; the mapping table
//! (`data/tactic-mapping.yaml`) is applied here, at read time, so that a
//! corrected mapping changes the next correlation run without re-importing.

use crate::detect::mapping::{self, Mapped};
use crate::error::Result;
use crate::model::{EntityKind, Severity, Source};
use rusqlite::Connection;
use serde_json::{Map, Value};
use std::collections::HashMap;
use std::sync::Arc;

/// Text shared between the events that name it: an incident's context names
/// the same pod in thousands of events, and every role is one of a few words.
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Shared(Arc<str>);

impl Shared {
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::ops::Deref for Shared {
    type Target = str;
    fn deref(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Shared {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Debug::fmt(&*self.0, f)
    }
}

impl std::fmt::Display for Shared {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl From<&str> for Shared {
    fn from(s: &str) -> Shared {
        Shared(Arc::from(s))
    }
}

impl PartialEq<str> for Shared {
    fn eq(&self, other: &str) -> bool {
        &*self.0 == other
    }
}

impl PartialEq<&str> for Shared {
    fn eq(&self, other: &&str) -> bool {
        &*self.0 == *other
    }
}

impl PartialEq<String> for Shared {
    fn eq(&self, other: &String) -> bool {
        *self.0 == **other
    }
}

/// An entity as one event names it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Named {
    pub id: i64,
    pub kind: EntityKind,
    pub key: Shared,
    pub role: Shared,
}

#[derive(Debug, Clone)]
pub struct Signal {
    /// `events.id` (the row).
    pub event_id: i64,
    /// `events.key`: the stable id shown to users, also the tie-break that
    /// makes ordering independent of import order.
    pub key: i64,
    pub time_ns: i64,
    pub source: Source,
    pub rule: Option<String>,
    pub title: String,
    pub message: String,
    pub severity: Severity,
    pub mapped: Mapped,
    pub fields: Map<String, Value>,
    pub entities: Vec<Named>,
}

impl Signal {
    pub fn entity(&self, kind: EntityKind, role: &str) -> Option<&Named> {
        self.entities.iter().find(|e| e.kind == kind && e.role == role)
    }

    pub fn entities_of(&self, kind: EntityKind) -> impl Iterator<Item = &Named> {
        self.entities.iter().filter(move |e| e.kind == kind)
    }

    pub fn field_str(&self, name: &str) -> Option<&str> {
        self.fields.get(name).and_then(Value::as_str)
    }
}

/// Resolves entity ids to kind and key, caching what it has seen.
pub struct EntityCache {
    known: HashMap<i64, Option<(EntityKind, Shared)>>,
    roles: HashMap<String, Shared>,
}

impl EntityCache {
    pub fn new() -> EntityCache {
        EntityCache { known: HashMap::new(), roles: HashMap::new() }
    }

    fn role(&mut self, role: &str) -> Shared {
        if let Some(r) = self.roles.get(role) {
            return r.clone();
        }
        let r = Shared::from(role);
        self.roles.insert(role.to_string(), r.clone());
        r
    }

    pub fn get(&mut self, conn: &Connection, id: i64) -> Result<Option<(EntityKind, Shared)>> {
        if let Some(v) = self.known.get(&id) {
            return Ok(v.clone());
        }
        let mut st = conn.prepare_cached("SELECT kind, key FROM entities WHERE id = ?1")?;
        let found = match st.query_row([id], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?))) {
            Ok((k, key)) => EntityKind::parse(&k).map(|k| (k, Shared::from(key.as_str()))),
            Err(rusqlite::Error::QueryReturnedNoRows) => None,
            Err(e) => return Err(e.into()),
        };
        self.known.insert(id, found.clone());
        Ok(found)
    }

    /// The entities of an event's `entity_refs` column.
    pub fn named(&mut self, conn: &Connection, refs_json: &str) -> Result<Vec<Named>> {
        // Roles are plain words: borrow them from the JSON text when possible.
        let owned: Vec<(i64, String)>;
        let refs: Vec<(i64, &str)> = match serde_json::from_str::<Vec<(i64, &str)>>(refs_json) {
            Ok(r) => r,
            Err(_) => {
                owned = serde_json::from_str(refs_json).unwrap_or_default();
                owned.iter().map(|(i, r)| (*i, r.as_str())).collect()
            }
        };
        let mut out = Vec::with_capacity(refs.len());
        for (id, role) in refs {
            if let Some((kind, key)) = self.get(conn, id)? {
                let role = self.role(role);
                out.push(Named { id, kind, key, role });
            }
        }
        Ok(out)
    }
}

impl Default for EntityCache {
    fn default() -> Self {
        EntityCache::new()
    }
}

/// Kordon's tactic reading of one alert: the tags its source gave (Falco's
/// `tags`, Defender's intents as tactics) through the mapping table.
pub fn reading(source: Source, rule: Option<&str>, tactics: &str, techniques: &str, fields: &Map<String, Value>) -> Mapped {
    let mut tags: Vec<&str> = Vec::new();
    match fields.get("tags") {
        Some(Value::Array(a)) => tags.extend(a.iter().filter_map(Value::as_str)),
        _ => {
            tags.extend(tactics.split_whitespace());
            tags.extend(techniques.split_whitespace());
        }
    }
    if let Some(Value::Array(a)) = fields.get("unmapped_intents") {
        tags.extend(a.iter().filter_map(Value::as_str));
    }
    let mut m = mapping::map(source, rule, &tags);
    // Kordon's alerts carry their rule's Threat Matrix id themselves.
    if let Some(ms) = fields.get("ms_matrix").and_then(Value::as_str) {
        if !m.ms_matrix.iter().any(|x| x == ms) {
            m.ms_matrix.push(ms.to_string());
            m.ms_matrix.sort();
        }
    }
    m
}

pub const SIGNAL_COLUMNS: &str =
    "e.id, e.key, e.time_ns, e.source, e.rule, e.title, e.message, e.severity, e.tactics, e.techniques, e.fields, e.entity_refs";

/// How much of a row to read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Read {
    /// Everything, with Kordon's tactic reading applied.
    Alert,
    /// Everything but the tactic reading (snapshot objects).
    Object,
    /// Entities, and fields only for connections (context telemetry).
    Telemetry,
}

/// Reads one alert row selected with [`SIGNAL_COLUMNS`].
pub fn from_row(conn: &Connection, cache: &mut EntityCache, r: &rusqlite::Row) -> Result<Signal> {
    read_row(conn, cache, r, Read::Alert)
}

/// Reads one row selected with [`SIGNAL_COLUMNS`].
pub fn read_row(conn: &Connection, cache: &mut EntityCache, r: &rusqlite::Row, how: Read) -> Result<Signal> {
    let source: String = r.get(3)?;
    let rule: Option<String> = r.get(4)?;
    let sev: i64 = r.get(7)?;
    let tactics: String = r.get(8)?;
    let techniques: String = r.get(9)?;
    let fields: String = r.get(10)?;
    let refs: String = r.get(11)?;
    let source = Source::parse(&source).unwrap_or(Source::Kordon);
    let mut entities = cache.named(conn, &refs)?;
    // Telemetry is read by the thousand for an incident's context; of its
    // fields only connections' ports and the requests that act on a target
    // (the graph's words for them) are used, so only those are parsed.
    let fields: Map<String, Value> = match how {
        Read::Telemetry if !entities.iter().any(|e| e.role == "destination-ip" || e.role == "target") => Map::new(),
        _ => serde_json::from_str(&fields).unwrap_or_default(),
    };
    let mapped = if how == Read::Alert { reading(source, rule.as_deref(), &tactics, &techniques, &fields) } else { Mapped::default() };
    entities.sort_by(|a, b| (a.kind, &a.key, &a.role).cmp(&(b.kind, &b.key, &b.role)));
    Ok(Signal {
        event_id: r.get(0)?,
        key: r.get(1)?,
        time_ns: r.get::<_, Option<i64>>(2)?.unwrap_or(0),
        source,
        rule,
        title: r.get(5)?,
        message: r.get(6)?,
        severity: crate::store::writer::severity_of_rank(sev),
        mapped,
        fields,
        entities,
    })
}

/// Every alert of the case, ordered by time then stable key (never by row
/// id, which depends on import order).
pub fn load(conn: &Connection, cache: &mut EntityCache) -> Result<Vec<Signal>> {
    let sql = format!(
        "SELECT {} FROM events e WHERE e.kind = 'alert' ORDER BY e.time_ns IS NULL, e.time_ns, e.key",
        SIGNAL_COLUMNS
    );
    let mut st = conn.prepare(&sql)?;
    let mut rows = st.query([])?;
    let mut out = Vec::new();
    while let Some(r) = rows.next()? {
        out.push(from_row(conn, cache, r)?);
    }
    Ok(out)
}
