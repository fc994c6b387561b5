//! Writes normalized events, their raw records and entities into a case.
//!
//! Runs inside the import's transaction. Event ids are content-derived
//! (`Prepared::key`), so the same inputs in any order give the same ids, and
//! records that describe one event (audit stages, one alert exported twice)
//! merge: the best-ranked record gives the normalized fields, every record is
//! kept byte-exact. Entity first/last-seen times and attributes are
//! accumulated in memory and written in bulk, in bounded batches.

use crate::error::Result;
use crate::model::{EntityKind, NewEvent, Severity};
use crate::store::stable_id;
use rusqlite::{params, Connection, OptionalExtension};
use std::collections::{BTreeMap, HashMap};

/// An event ready to store: what the parser thread computes so the writer
/// thread only writes.
#[derive(Debug, Clone)]
pub struct Prepared {
    pub key: i64,
    pub event: NewEvent,
    /// Stable ids of `event.entities`, in the same order.
    pub entity_ids: Vec<i64>,
    pub fields_json: String,
}

impl Prepared {
    pub fn new(raw: &[u8], event: NewEvent) -> Prepared {
        let source = event.source.as_str().as_bytes();
        let key = match &event.dedup_key {
            Some(k) => stable_id(&[source, k.as_bytes()]),
            None => stable_id(&[source, raw]),
        };
        let entity_ids = event.entities.iter().map(|e| entity_id(e.kind, &e.key)).collect();
        let fields_json = serde_json::to_string(&event.fields).unwrap_or_else(|_| "{}".into());
        Prepared { key, event, entity_ids, fields_json }
    }

    /// For the `index`-th of several events parsed from one raw record (a text
    /// block): their ids must differ even though they share the raw bytes.
    pub fn with_index(raw: &[u8], event: NewEvent, index: usize) -> Prepared {
        let mut p = Prepared::new(raw, event);
        if index > 0 && p.event.dedup_key.is_none() {
            p.key = stable_id(&[p.event.source.as_str().as_bytes(), raw, index.to_string().as_bytes()]);
        }
        p
    }
}

pub fn entity_id(kind: EntityKind, key: &str) -> i64 {
    stable_id(&[kind.as_str().as_bytes(), key.as_bytes()])
}

pub fn severity_rank(s: Severity) -> i64 {
    Severity::ALL.iter().position(|x| *x == s).unwrap_or(0) as i64
}

/// Where a record sits in its file.
#[derive(Debug, Clone, Copy)]
pub struct Locator {
    pub line: Option<u64>,
    pub offset: u64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Added {
    /// A new event.
    New,
    /// Another record of an event already in the case.
    Merged,
}

struct EntityAcc {
    first: Option<i64>,
    last: Option<i64>,
    attrs: BTreeMap<String, (i64, String)>,
}

/// Entities kept in memory before a flush; bounds memory on huge imports.
const ENTITY_BATCH: usize = 50_000;

pub struct EventWriter<'c> {
    conn: &'c Connection,
    entities: HashMap<i64, EntityAcc>,
    known: std::collections::HashSet<i64>,
}

impl<'c> EventWriter<'c> {
    pub fn new(conn: &'c Connection) -> EventWriter<'c> {
        EventWriter { conn, entities: HashMap::new(), known: Default::default() }
    }

    pub fn add_event(&mut self, source_id: i64, at: Locator, raw: &[u8], p: &Prepared) -> Result<Added> {
        let ev = &p.event;
        let tactics = ev.tactics.join(" ");
        let techniques = ev.techniques.join(" ");
        let severity = severity_rank(ev.severity);
        let inserted = self.conn.prepare_cached(
            "INSERT INTO events (key, source_id, line, offset, time_ns, source, kind, severity, rule, title,
                                 message, tactics, techniques, fields, rank, raw)
             VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?13,?14,?15,?16)
             ON CONFLICT(key) DO NOTHING",
        )?
        .execute(params![
            p.key,
            source_id,
            at.line.map(|l| l as i64),
            at.offset as i64,
            ev.time_ns,
            ev.source.as_str(),
            ev.kind.as_str(),
            severity,
            ev.rule,
            ev.title,
            ev.message,
            tactics,
            techniques,
            p.fields_json,
            ev.rank,
            raw
        ])?;
        let (event_id, added) = if inserted == 1 {
            let id = self.conn.last_insert_rowid();
            self.index_text(id, ev)?;
            (id, Added::New)
        } else {
            (self.merge(source_id, at, raw, p, &tactics, &techniques, severity)?, Added::Merged)
        };
        let mut link = self
            .conn
            .prepare_cached("INSERT OR IGNORE INTO event_entities (event_id, entity_id, role) VALUES (?1, ?2, ?3)")?;
        for (e, id) in ev.entities.iter().zip(&p.entity_ids) {
            if self.known.insert(*id) {
                self.conn
                    .prepare_cached("INSERT INTO entities (id, kind, key) VALUES (?1, ?2, ?3) ON CONFLICT DO NOTHING")?
                    .execute(params![id, e.kind.as_str(), e.key])?;
            }
            link.execute(params![event_id, id, e.role])?;
            let acc = self.entities.entry(*id).or_insert_with(|| EntityAcc { first: None, last: None, attrs: BTreeMap::new() });
            if let Some(t) = ev.time_ns {
                acc.first = Some(acc.first.map_or(t, |f| f.min(t)));
                acc.last = Some(acc.last.map_or(t, |l| l.max(t)));
            }
            let seen = ev.time_ns.unwrap_or(0);
            for (name, value) in &e.attrs {
                let value = value.to_string();
                match acc.attrs.get(name) {
                    Some((s, v)) if (*s, v.as_str()) >= (seen, value.as_str()) => {}
                    _ => {
                        acc.attrs.insert(name.clone(), (seen, value));
                    }
                }
            }
        }
        if self.entities.len() >= ENTITY_BATCH {
            self.flush()?;
        }
        Ok(added)
    }

    fn index_text(&self, id: i64, ev: &NewEvent) -> Result<()> {
        self.conn
            .prepare_cached("INSERT INTO events_fts (rowid, title, message, search) VALUES (?1, ?2, ?3, ?4)")?
            .execute(params![id, ev.title, ev.message, ev.search_text])?;
        Ok(())
    }

    /// Another record for an event already stored: keep every record; the
    /// better one (higher rank, then lower bytes — never import order) holds
    /// the normalized fields.
    #[allow(clippy::too_many_arguments)]
    fn merge(
        &self,
        source_id: i64,
        at: Locator,
        raw: &[u8],
        p: &Prepared,
        tactics: &str,
        techniques: &str,
        severity: i64,
    ) -> Result<i64> {
        let (id, rank, old_raw, old_source, old_line, old_offset): (i64, i32, Vec<u8>, i64, Option<i64>, i64) = self
            .conn
            .prepare_cached("SELECT id, rank, raw, source_id, line, offset FROM events WHERE key = ?1")?
            .query_row([p.key], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?)))?;
        let ev = &p.event;
        let better = (ev.rank, std::cmp::Reverse(raw)) > (rank, std::cmp::Reverse(old_raw.as_slice()));
        let mut keep = self.conn.prepare_cached(
            "INSERT INTO event_records (event_id, source_id, line, offset, raw) VALUES (?1, ?2, ?3, ?4, ?5)",
        )?;
        if better {
            keep.execute(params![id, old_source, old_line, old_offset, old_raw])?;
            self.conn
                .prepare_cached(
                    "UPDATE events SET source_id=?2, line=?3, offset=?4, time_ns=?5, kind=?6, severity=?7, rule=?8,
                     title=?9, message=?10, tactics=?11, techniques=?12, fields=?13, rank=?14, raw=?15 WHERE id=?1",
                )?
                .execute(params![
                    id,
                    source_id,
                    at.line.map(|l| l as i64),
                    at.offset as i64,
                    ev.time_ns,
                    ev.kind.as_str(),
                    severity,
                    ev.rule,
                    ev.title,
                    ev.message,
                    tactics,
                    techniques,
                    p.fields_json,
                    ev.rank,
                    raw
                ])?;
            self.conn.prepare_cached("DELETE FROM events_fts WHERE rowid = ?1")?.execute([id])?;
            self.index_text(id, ev)?;
        } else if !(old_raw == raw && old_source == source_id && old_offset == at.offset as i64) {
            keep.execute(params![id, source_id, at.line.map(|l| l as i64), at.offset as i64, raw])?;
        }
        Ok(id)
    }

    pub fn add_error(&mut self, source_id: i64, at: Locator, reason: &str, raw: &[u8]) -> Result<()> {
        self.conn
            .prepare_cached("INSERT INTO parse_errors (source_id, line, offset, reason, raw) VALUES (?1, ?2, ?3, ?4, ?5)")?
            .execute(params![source_id, at.line.map(|l| l as i64), at.offset as i64, reason, raw])?;
        Ok(())
    }

    /// Writes accumulated first/last-seen times and attributes.
    pub fn flush(&mut self) -> Result<()> {
        let mut times = self.conn.prepare_cached(
            "UPDATE entities SET
                first_ns = CASE WHEN first_ns IS NULL OR ?2 < first_ns THEN ?2 ELSE first_ns END,
                last_ns  = CASE WHEN last_ns IS NULL OR ?3 > last_ns THEN ?3 ELSE last_ns END
             WHERE id = ?1",
        )?;
        let mut attrs = self.conn.prepare_cached(
            "INSERT INTO entity_attrs (entity_id, name, value, seen_ns) VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT (entity_id, name) DO UPDATE SET value = excluded.value, seen_ns = excluded.seen_ns
             WHERE (excluded.seen_ns, excluded.value) > (entity_attrs.seen_ns, entity_attrs.value)",
        )?;
        let mut ids: Vec<i64> = self.entities.keys().copied().collect();
        ids.sort_unstable();
        for id in ids {
            let acc = &self.entities[&id];
            if let (Some(f), Some(l)) = (acc.first, acc.last) {
                times.execute(params![id, f, l])?;
            }
            for (name, (seen, value)) in &acc.attrs {
                attrs.execute(params![id, name, value, seen])?;
            }
        }
        self.entities.clear();
        self.known.clear();
        Ok(())
    }

    /// Drops what is held in memory after the caller rolled back rows this
    /// writer wrote (a file that turned out to be a duplicate).
    pub fn forget(&mut self) {
        self.entities.clear();
        self.known.clear();
    }
}

/// Joins Falco's 12-hex short container ids to the full 64-hex ids other
/// sources give, once both are in the case: links, times and attributes move
/// to the full id and the short entity goes. Ambiguous prefixes (two full ids
/// sharing 12 hex digits) are left alone rather than guessed.
pub fn resolve_short_container_ids(conn: &Connection) -> Result<usize> {
    let shorts: Vec<(i64, String)> = conn
        .prepare("SELECT id, key FROM entities WHERE kind = 'container' AND length(key) < 64")?
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<rusqlite::Result<_>>()?;
    let mut merged = 0;
    for (short_id, short_key) in shorts {
        let full: Vec<i64> = conn
            .prepare_cached(
                "SELECT id FROM entities WHERE kind = 'container' AND length(key) = 64 AND substr(key, 1, ?2) = ?1 LIMIT 2",
            )?
            .query_map(params![short_key, short_key.len() as i64], |r| r.get(0))?
            .collect::<rusqlite::Result<_>>()?;
        let [full_id] = full[..] else { continue };
        conn.execute(
            "INSERT OR IGNORE INTO event_entities (event_id, entity_id, role)
             SELECT event_id, ?2, role FROM event_entities WHERE entity_id = ?1",
            params![short_id, full_id],
        )?;
        conn.execute("DELETE FROM event_entities WHERE entity_id = ?1", [short_id])?;
        conn.execute(
            "INSERT INTO entity_attrs (entity_id, name, value, seen_ns)
             SELECT ?2, name, value, seen_ns FROM entity_attrs WHERE entity_id = ?1 AND true
             ON CONFLICT (entity_id, name) DO UPDATE SET value = excluded.value, seen_ns = excluded.seen_ns
             WHERE (excluded.seen_ns, excluded.value) > (entity_attrs.seen_ns, entity_attrs.value)",
            params![short_id, full_id],
        )?;
        conn.execute("DELETE FROM entity_attrs WHERE entity_id = ?1", [short_id])?;
        let times: Option<(Option<i64>, Option<i64>)> = conn
            .query_row("SELECT first_ns, last_ns FROM entities WHERE id = ?1", [short_id], |r| Ok((r.get(0)?, r.get(1)?)))
            .optional()?;
        if let Some((Some(f), Some(l))) = times {
            conn.execute(
                "UPDATE entities SET
                    first_ns = CASE WHEN first_ns IS NULL OR ?2 < first_ns THEN ?2 ELSE first_ns END,
                    last_ns  = CASE WHEN last_ns IS NULL OR ?3 > last_ns THEN ?3 ELSE last_ns END
                 WHERE id = ?1",
                params![full_id, f, l],
            )?;
        }
        conn.execute("DELETE FROM entities WHERE id = ?1", [short_id])?;
        merged += 1;
    }
    Ok(merged)
}
