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
use crate::store::digests::Digests;
use crate::store::{digest_prefix, record_digest, stable_id, Digest};
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
    /// Orders the records of one event (after rank) independently of
    /// import order: the first 8 bytes of `digest`.
    pub raw_hash: i64,
    /// The raw record's digest ([`record_digest`]).
    pub digest: Digest,
    /// Which of `entity_ids` are seen for the first time in this file (the
    /// writer creates their rows); set by [`EntityUpdates::observe`].
    pub first_sighting: Vec<bool>,
    /// `events.entity_refs`: the event's (entity id, role) pairs as JSON.
    pub entity_refs: String,
}

/// The `entity_refs` JSON of a set of links, sorted so that equal sets give
/// equal text.
pub fn entity_refs_json(refs: &mut Vec<(i64, String)>) -> String {
    refs.sort();
    refs.dedup();
    serde_json::to_string(refs).unwrap_or_else(|_| "[]".into())
}

impl Prepared {
    pub fn new(raw: &[u8], event: NewEvent) -> Prepared {
        Prepared::with_digest(raw, event, record_digest(raw), &mut EntityIds::default())
    }

    /// As [`Prepared::new`], with the record's digest already computed by
    /// the caller, and the entity ids of earlier events at hand.
    pub fn with_digest(raw: &[u8], event: NewEvent, digest: Digest, ids: &mut EntityIds) -> Prepared {
        let raw_hash = digest_prefix(&digest);
        let source = event.source.as_str().as_bytes();
        let key = match &event.dedup_key {
            Some(k) => stable_id(&[source, k.as_bytes()]),
            None => stable_id(&[source, raw]),
        };
        let entity_ids: Vec<i64> = event.entities.iter().map(|e| ids.get(e.kind, &e.key)).collect();
        // Serialized (and the map dropped) here, on the parsing thread, so
        // that the writing thread only writes.
        let mut event = event;
        let fields_json = match event.fields_json.take() {
            Some(json) => json,
            None => serde_json::to_string(&std::mem::take(&mut event.fields)).unwrap_or_else(|_| "{}".into()),
        };
        let first_sighting = vec![true; entity_ids.len()];
        let mut refs: Vec<(i64, String)> =
            entity_ids.iter().zip(&event.entities).map(|(id, e)| (*id, e.role.clone())).collect();
        let entity_refs = entity_refs_json(&mut refs);
        Prepared { key, event, entity_ids, fields_json, raw_hash, digest, first_sighting, entity_refs }
    }

    /// For the `index`-th of several events parsed from one raw record (a text
    /// block): their ids must differ even though they share the raw bytes.
    pub fn with_index(raw: &[u8], event: NewEvent, index: usize, ids: &mut EntityIds) -> Prepared {
        let mut p = Prepared::with_digest(raw, event, record_digest(raw), ids);
        if index > 0 && p.event.dedup_key.is_none() {
            p.key = stable_id(&[p.event.source.as_str().as_bytes(), raw, index.to_string().as_bytes()]);
        }
        p
    }
}

pub fn entity_id(kind: EntityKind, key: &str) -> i64 {
    stable_id(&[kind.as_str().as_bytes(), key.as_bytes()])
}

/// Entity ids already worked out: a large import names the same few
/// thousand entities millions of times, and each id is a SHA-256 (of kind
/// and key) that a map lookup replaces. Bounded: it starts again when full.
#[derive(Default)]
pub struct EntityIds {
    by_kind: HashMap<EntityKind, HashMap<String, i64>>,
    len: usize,
}

/// Ids remembered before [`EntityIds`] starts again (a few MiB).
const ENTITY_IDS_KEPT: usize = 50_000;

impl EntityIds {
    pub fn get(&mut self, kind: EntityKind, key: &str) -> i64 {
        if let Some(id) = self.by_kind.get(&kind).and_then(|m| m.get(key)) {
            return *id;
        }
        if self.len >= ENTITY_IDS_KEPT {
            self.by_kind.clear();
            self.len = 0;
        }
        let id = entity_id(kind, key);
        self.by_kind.entry(kind).or_default().insert(key.to_string(), id);
        self.len += 1;
        id
    }
}

/// A further raw record of an event (another audit stage): where it was,
/// its bytes (compressed once packed) and its digest, taken before.
#[derive(Debug, Clone)]
pub struct Record {
    pub at: Locator,
    pub raw: Vec<u8>,
    pub digest: Digest,
}

impl Record {
    pub fn new(at: Locator, raw: Vec<u8>) -> Record {
        Record { at, digest: record_digest(&raw), raw }
    }
}

/// Compresses an event's records in place: the one stored with the event and
/// its further ones. The import's reading and writing threads both call it,
/// with encoders built from the same dictionary, so the bytes stored do not
/// depend on which thread did it.
pub fn pack(encoder: &mut crate::store::raw::Encoder, raw: &mut Vec<u8>, extra: &mut [Record]) -> std::io::Result<()> {
    *raw = encoder.compress(raw)?;
    for r in extra.iter_mut() {
        r.raw = encoder.compress(&r.raw)?;
    }
    Ok(())
}

/// The order of attribute values on time ties. JSON values have no order
/// of their own; their text does, and it is what the case stores.
fn json_text(v: &serde_json::Value) -> String {
    v.to_string()
}

pub fn severity_rank(s: Severity) -> i64 {
    Severity::ALL.iter().position(|x| *x == s).unwrap_or(0) as i64
}

/// The severity a stored rank stands for (out-of-range ranks read as info).
pub fn severity_of_rank(rank: i64) -> Severity {
    usize::try_from(rank).ok().and_then(|r| Severity::ALL.get(r)).copied().unwrap_or(Severity::Info)
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
    /// The very record stored already (one file read twice in one import):
    /// nothing stored.
    Again,
}

/// An entity row to write: first seen in this file, with the span of the
/// events that named it since.
struct NewEntity {
    kind: &'static str,
    key: String,
    first: Option<i64>,
    last: Option<i64>,
}

impl NewEntity {
    fn new(kind: EntityKind, key: &str) -> NewEntity {
        NewEntity { kind: kind.as_str(), key: key.to_string(), first: None, last: None }
    }
}

struct EntityAcc {
    first: Option<i64>,
    last: Option<i64>,
    attrs: BTreeMap<String, (i64, serde_json::Value)>,
}

/// First/last-seen times and attributes of entities, accumulated on the
/// parsing thread (the writer thread is the import's bottleneck) and applied
/// by [`EventWriter::apply`] in bounded batches, always before the file's
/// end so that a file rolled back takes its updates with it.
#[derive(Default)]
pub struct EntityUpdates {
    acc: HashMap<i64, EntityAcc>,
    in_file: std::collections::HashSet<i64>,
}

/// Entities accumulated before their updates are sent to the writer.
pub const ENTITY_BATCH: usize = 20_000;

impl EntityUpdates {
    /// Takes an event's entity observations: attributes move out of it, and
    /// first sightings in this file are marked for the writer.
    pub fn observe(&mut self, p: &mut Prepared) {
        let time_ns = p.event.time_ns;
        let seen = time_ns.unwrap_or(0);
        for ((e, id), first) in p.event.entities.iter_mut().zip(&p.entity_ids).zip(p.first_sighting.iter_mut()) {
            *first = self.in_file.insert(*id);
            let acc = self.acc.entry(*id).or_insert_with(|| EntityAcc { first: None, last: None, attrs: BTreeMap::new() });
            if let Some(t) = time_ns {
                acc.first = Some(acc.first.map_or(t, |f| f.min(t)));
                acc.last = Some(acc.last.map_or(t, |l| l.max(t)));
            }
            for (name, value) in std::mem::take(&mut e.attrs) {
                // Keep the latest observation; equal times compare by value so
                // the result never depends on import order.
                let replace = match acc.attrs.get(&name) {
                    None => true,
                    Some((s, _)) if *s != seen => seen > *s,
                    Some((_, v)) => json_text(&value) > json_text(v),
                };
                if replace {
                    acc.attrs.insert(name, (seen, value));
                }
            }
        }
    }

    pub fn len(&self) -> usize {
        self.acc.len()
    }

    pub fn is_empty(&self) -> bool {
        self.acc.is_empty()
    }

    /// The accumulated updates, leaving this empty (first sightings are
    /// remembered until [`EntityUpdates::end_file`]).
    pub fn take(&mut self) -> EntityUpdates {
        EntityUpdates { acc: std::mem::take(&mut self.acc), in_file: Default::default() }
    }

    pub fn end_file(&mut self) {
        self.in_file.clear();
    }
}

/// Events whose text is staged before one bulk insert into the FTS index.
/// Each bulk insert is a pause of the writer, which the reader rides out
/// only as long as the queue between them holds (16 batches of 256
/// records): at 20,000 events the reader waited 1–2 s in all during an
/// import of a million records, at 5,000 under 0.3 s, for the same index
/// work (FTS5 writes its pending terms out every megabyte anyway).
const FTS_BATCH: usize = 5_000;

/// Links written per multi-row statement: SQLite's per-statement work is
/// paid once for all of them.
const LINK_ROWS: usize = 128;

/// Links buffered, then sorted in the table's key order, before they are
/// written. Each multi-row statement keeps a statement journal of every
/// page it touches (a foreign key may abort it), and links arrive in event
/// order, spread over one B-tree region per entity: sorted, a statement's
/// rows sit on one or two leaf pages instead of dozens.
const LINK_BATCH: usize = 32 * LINK_ROWS;

pub struct EventWriter<'c> {
    conn: &'c Connection,
    /// Text waiting for the FTS index: (title, message, search) by event id.
    staged: BTreeMap<i64, (String, String, String)>,
    /// Events up to this id have their text in the FTS index already.
    fts_watermark: i64,
    fts_deletes: Vec<i64>,
    /// Event–entity links (entity, event, role) waiting to be written, in
    /// the key order of `event_entities` once sorted.
    links: Vec<(i64, i64, String)>,
    /// Entities first seen in this file, waiting to be written before the
    /// links that name them ([`EventWriter::flush_entities`]).
    entities: HashMap<i64, NewEntity>,
    /// Entities written by [`EventWriter::flush_entities`] since the last
    /// [`EventWriter::apply`], with the times they were written with.
    written: HashMap<i64, (Option<i64>, Option<i64>)>,
    /// The dictionary the current file's raw records are compressed with.
    dict: Option<i64>,
    /// That dictionary's encoder, for records the reader left unpacked.
    encoder: Option<crate::store::raw::Encoder>,
    /// The statements run once per event or record, prepared once: the
    /// statement cache would hash their text on every use (a million
    /// records make a few million uses).
    insert_event: rusqlite::Statement<'c>,
    insert_record: rusqlite::Statement<'c>,
    insert_text: rusqlite::Statement<'c>,
    /// The current file's records, for what its import commits to.
    digests: Digests,
}

impl<'c> EventWriter<'c> {
    pub fn new(conn: &'c Connection) -> Result<EventWriter<'c>> {
        let fts_watermark = conn.query_row("SELECT COALESCE(MAX(rowid), 0) FROM events_fts", [], |r| r.get(0))?;
        Ok(EventWriter {
            conn,
            staged: BTreeMap::new(),
            fts_watermark,
            fts_deletes: Vec::new(),
            links: Vec::with_capacity(LINK_BATCH),
            entities: HashMap::new(),
            written: HashMap::new(),
            dict: None,
            encoder: None,
            insert_event: conn.prepare(
                "INSERT INTO events (key, source_id, line, offset, time_ns, source, kind, severity, rule, title,
                                     message, tactics, techniques, fields, rank, raw_hash, raw, entity_refs, raw_dict)
                 VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?13,?14,?15,?16,?17,?18,?19)
                 ON CONFLICT(key) DO NOTHING",
            )?,
            insert_record: conn.prepare(
                "INSERT INTO event_records (event_id, source_id, line, offset, raw_dict, raw) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            )?,
            insert_text: conn.prepare("INSERT INTO events_fts (rowid, title, message, search) VALUES (?1, ?2, ?3, ?4)")?,
            digests: Digests::default(),
        })
    }

    /// Notes a record stored for the current file's digest.
    fn stored(&mut self, at: Locator, digest: &Digest) -> Result<()> {
        // One file at a time: its records go under one key.
        self.digests.add(self.conn, 0, at.offset as i64, *digest)
    }

    /// The current file's raw records — as many, and their digest
    /// ([`super::digests`]) — and a fresh start for the next file.
    pub fn end_file_records(&mut self) -> Result<(u64, String)> {
        let mut by_source = self.digests.finish(self.conn)?;
        Ok(by_source.remove(&0).unwrap_or_else(|| (0, super::digests::RecordsDigest::default().finish())))
    }

    /// Sets how the raw records that follow are stored: compressed with this
    /// dictionary (stored once in the case), or as is.
    pub fn use_dictionary(&mut self, dict: Option<&[u8]>) -> Result<()> {
        self.encoder = match dict {
            None => None,
            Some(bytes) => Some(
                crate::store::raw::Encoder::new(bytes).map_err(|e| crate::error::Error::io("preparing compression", e))?,
            ),
        };
        self.dict = match dict {
            None => None,
            Some(bytes) => {
                let sha = crate::bundle::sha256_hex(bytes);
                self.conn
                    .prepare_cached("INSERT INTO raw_dicts (sha256, dict) VALUES (?1, ?2) ON CONFLICT (sha256) DO NOTHING")?
                    .execute(params![sha, bytes])?;
                Some(self.conn.query_row("SELECT id FROM raw_dicts WHERE sha256 = ?1", [sha], |r| r.get(0))?)
            }
        };
        Ok(())
    }

    /// Compresses an event's raw records with the current file's dictionary
    /// (records the reader left to the writer; see [`pack`]).
    pub fn pack(&mut self, raw: &mut Vec<u8>, extra: &mut [Record]) -> std::io::Result<()> {
        match self.encoder.as_mut() {
            Some(encoder) => pack(encoder, raw, extra),
            None => Ok(()),
        }
    }

    /// Stores one event (or one more record of it); returns the event's row id.
    pub fn add_event(&mut self, source_id: i64, at: Locator, raw: &[u8], p: &Prepared) -> Result<(i64, Added)> {
        let ev = &p.event;
        let tactics = ev.tactics.join(" ");
        let techniques = ev.techniques.join(" ");
        let severity = severity_rank(ev.severity);
        let inserted = self.insert_event.execute(params![
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
            p.raw_hash,
            raw,
            p.entity_refs,
            self.dict
        ])?;
        let (event_id, added) = if inserted == 1 {
            let id = self.conn.last_insert_rowid();
            self.index_text(id, ev, false)?;
            (id, Added::New)
        } else {
            self.merge(source_id, at, raw, p, &tactics, &techniques, severity)?
        };
        if added != Added::Again {
            self.stored(at, &p.digest)?;
        }
        let time = p.event.time_ns;
        for ((e, id), first) in p.event.entities.iter().zip(&p.entity_ids).zip(&p.first_sighting) {
            let pending = if *first {
                Some(self.entities.entry(*id).or_insert_with(|| NewEntity::new(e.kind, &e.key)))
            } else if self.entities.is_empty() {
                None
            } else {
                self.entities.get_mut(id)
            };
            if let (Some(n), Some(t)) = (pending, time) {
                n.first = Some(n.first.map_or(t, |f| f.min(t)));
                n.last = Some(n.last.map_or(t, |l| l.max(t)));
            }
            self.links.push((*id, event_id, e.role.clone()));
        }
        if self.links.len() >= LINK_BATCH {
            self.flush_links()?;
        }
        Ok((event_id, added))
    }

    /// Text is staged in memory and reaches the FTS index in batches of
    /// consecutive inserts: FTS5 flushes its pending terms at every statement
    /// savepoint, so one insert per event between the other inserts would
    /// rewrite the index a million times.
    fn index_text(&mut self, id: i64, ev: &NewEvent, replacing: bool) -> Result<()> {
        if replacing && id <= self.fts_watermark {
            self.fts_deletes.push(id);
        }
        // Searches match words in any column (`query::fts_query`), so a
        // message that opens with the title (most do: the title and where)
        // is indexed for the rest only: its words are the title's again.
        let message = ev.message.strip_prefix(ev.title.as_str()).unwrap_or(&ev.message);
        self.staged.insert(id, (ev.title.clone(), message.to_string(), ev.search_text.clone()));
        if self.staged.len() >= FTS_BATCH {
            self.flush_text()?;
        }
        Ok(())
    }

    fn flush_text(&mut self) -> Result<()> {
        for id in self.fts_deletes.drain(..) {
            self.conn.prepare_cached("DELETE FROM events_fts WHERE rowid = ?1")?.execute([id])?;
        }
        for (id, (title, message, search)) in std::mem::take(&mut self.staged) {
            self.insert_text.execute(params![id, title, message, search])?;
            self.fts_watermark = self.fts_watermark.max(id);
        }
        Ok(())
    }

    /// Another record for an event already stored: keep every record; the
    /// better one (higher rank, then lower bytes — never import order) holds
    /// the normalized fields.
    #[allow(clippy::too_many_arguments)]
    fn merge(
        &mut self,
        source_id: i64,
        at: Locator,
        raw: &[u8],
        p: &Prepared,
        tactics: &str,
        techniques: &str,
        severity: i64,
    ) -> Result<(i64, Added)> {
        let (id, rank, old_hash, old_source, old_offset, old_refs): (i64, i32, i64, i64, i64, String) = self
            .conn
            .prepare_cached("SELECT id, rank, raw_hash, source_id, offset, entity_refs FROM events WHERE key = ?1")?
            .query_row([p.key], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?)))?;
        let ev = &p.event;
        if p.raw_hash == old_hash && old_source == source_id && old_offset == at.offset as i64 {
            // The very record already stored (a file read twice in one import).
            return Ok((id, Added::Again));
        }
        // Every record's entities stay linked to the event.
        let mut refs: Vec<(i64, String)> = serde_json::from_str(&old_refs).unwrap_or_default();
        refs.extend(p.entity_ids.iter().zip(&ev.entities).map(|(id, e)| (*id, e.role.clone())));
        let refs = entity_refs_json(&mut refs);
        if refs != old_refs {
            self.conn.prepare_cached("UPDATE events SET entity_refs = ?2 WHERE id = ?1")?.execute(params![id, refs])?;
        }
        let better = (ev.rank, p.raw_hash) > (rank, old_hash);
        if better {
            self.conn
                .prepare_cached(
                    "INSERT INTO event_records (event_id, source_id, line, offset, raw_dict, raw)
                     SELECT id, source_id, line, offset, raw_dict, raw FROM events WHERE id = ?1",
                )?
                .execute([id])?;
            self.conn
                .prepare_cached(
                    "UPDATE events SET source_id=?2, line=?3, offset=?4, time_ns=?5, kind=?6, severity=?7, rule=?8,
                     title=?9, message=?10, tactics=?11, techniques=?12, fields=?13, rank=?14, raw_hash=?15, raw=?16,
                     raw_dict=?17 WHERE id=?1",
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
                    p.raw_hash,
                    raw,
                    self.dict
                ])?;
            self.index_text(id, ev, true)?;
        } else {
            self.insert_record.execute(params![id, source_id, at.line.map(|l| l as i64), at.offset as i64, self.dict, raw])?;
        }
        Ok((id, Added::Merged))
    }

    /// Stores further raw records of an event already added.
    pub fn add_records(&mut self, source_id: i64, id: i64, records: &[Record]) -> Result<()> {
        for r in records {
            self.insert_record.execute(params![id, source_id, r.at.line.map(|l| l as i64), r.at.offset as i64, self.dict, r.raw])?;
            self.stored(r.at, &r.digest)?;
        }
        Ok(())
    }

    pub fn add_error(&mut self, source_id: i64, at: Locator, reason: &str, raw: &[u8]) -> Result<()> {
        self.conn
            .prepare_cached("INSERT INTO parse_errors (source_id, line, offset, reason, raw) VALUES (?1, ?2, ?3, ?4, ?5)")?
            .execute(params![source_id, at.line.map(|l| l as i64), at.offset as i64, reason, raw])?;
        self.stored(at, &record_digest(raw))
    }

    /// Writes the entities first seen since the last call, many rows a
    /// statement and in id order, each with the times of the events that
    /// named it so far. An entity row written one statement at a time, as
    /// its first event arrived, cost a statement journal each (its digest
    /// trigger may abort the statement), and a second write and two more
    /// digests when its times came; an import whose every record names a
    /// new process spent a third of its writing time on that.
    fn flush_entities(&mut self) -> Result<()> {
        if self.entities.is_empty() {
            return Ok(());
        }
        let mut rows: Vec<(i64, NewEntity)> = self.entities.drain().collect();
        rows.sort_unstable_by_key(|(id, _)| *id);
        for chunk in rows.chunks(APPLY_ROWS) {
            let sql = format!(
                "INSERT INTO entities (id, kind, key, first_ns, last_ns) VALUES {} ON CONFLICT (id) DO NOTHING RETURNING id",
                value_rows(5, chunk.len())
            );
            let args: Vec<&dyn rusqlite::ToSql> = chunk
                .iter()
                .flat_map(|(id, n)| [id as &dyn rusqlite::ToSql, &n.kind, &n.key, &n.first, &n.last])
                .collect();
            let mut st = self.conn.prepare_cached(&sql)?;
            let mut inserted = st.query(args.as_slice())?;
            while let Some(r) = inserted.next()? {
                let id: i64 = r.get(0)?;
                if let Ok(at) = chunk.binary_search_by_key(&id, |(id, _)| *id) {
                    self.written.insert(id, (chunk[at].1.first, chunk[at].1.last));
                }
            }
        }
        Ok(())
    }

    fn flush_links(&mut self) -> Result<()> {
        self.flush_entities()?;
        let mut links = std::mem::take(&mut self.links);
        links.sort_unstable();
        let mut full = self.conn.prepare_cached(&format!(
            "INSERT OR IGNORE INTO event_entities (entity_id, event_id, role) VALUES {}",
            value_rows(3, LINK_ROWS)
        ))?;
        let mut chunks = links.chunks_exact(LINK_ROWS);
        for chunk in &mut chunks {
            let args: Vec<&dyn rusqlite::ToSql> =
                chunk.iter().flat_map(|(n, e, r)| [n as &dyn rusqlite::ToSql, e, r]).collect();
            full.execute(args.as_slice())?;
        }
        let mut one = self
            .conn
            .prepare_cached("INSERT OR IGNORE INTO event_entities (entity_id, event_id, role) VALUES (?1, ?2, ?3)")?;
        for (n, e, r) in chunks.remainder() {
            one.execute(params![n, e, r])?;
        }
        self.links = links;
        self.links.clear();
        Ok(())
    }

    /// Writes buffered links and staged text.
    pub fn flush(&mut self) -> Result<()> {
        self.flush_links()?;
        self.flush_text()
    }

    /// Writes accumulated first/last-seen times and attributes, many rows a
    /// statement: each statement that changes a covered table runs its
    /// digest triggers ([`super::derived`]) and needs a statement journal,
    /// which SQLite spills to a temporary file. One statement per entity
    /// made an import whose every record names a new process spend most of
    /// its time writing and truncating that file.
    pub fn apply(&mut self, updates: EntityUpdates) -> Result<()> {
        self.flush_entities()?;
        let written = std::mem::take(&mut self.written);
        let mut ids: Vec<(&i64, &EntityAcc)> = updates.acc.iter().collect();
        ids.sort_unstable_by_key(|(id, _)| **id);
        // An entity written with the very times accumulated for it needs
        // no update.
        let times: Vec<(i64, i64, i64)> = ids
            .iter()
            .filter(|(id, acc)| written.get(id) != Some(&(acc.first, acc.last)))
            .filter_map(|(id, acc)| Some((**id, acc.first?, acc.last?)))
            .collect();
        for chunk in times.chunks(APPLY_ROWS) {
            let sql = format!(
                "UPDATE entities SET
                    first_ns = CASE WHEN first_ns IS NULL OR v.column2 < first_ns THEN v.column2 ELSE first_ns END,
                    last_ns  = CASE WHEN last_ns IS NULL OR v.column3 > last_ns THEN v.column3 ELSE last_ns END
                 FROM (VALUES {}) AS v WHERE entities.id = v.column1",
                value_rows(3, chunk.len())
            );
            let args: Vec<&dyn rusqlite::ToSql> =
                chunk.iter().flat_map(|(id, f, l)| [id as &dyn rusqlite::ToSql, f, l]).collect();
            self.conn.prepare_cached(&sql)?.execute(args.as_slice())?;
        }
        let attrs: Vec<(i64, &String, String, i64)> = ids
            .iter()
            .flat_map(|(id, acc)| acc.attrs.iter().map(|(name, (seen, value))| (**id, name, value.to_string(), *seen)))
            .collect();
        for chunk in attrs.chunks(APPLY_ROWS) {
            let sql = format!(
                "INSERT INTO entity_attrs (entity_id, name, value, seen_ns) VALUES {} {}",
                value_rows(4, chunk.len()),
                KEEP_LATEST_ATTR
            );
            let args: Vec<&dyn rusqlite::ToSql> = chunk
                .iter()
                .flat_map(|(id, name, value, seen)| [id as &dyn rusqlite::ToSql, name, value, seen])
                .collect();
            self.conn.prepare_cached(&sql)?.execute(args.as_slice())?;
        }
        Ok(())
    }

    /// Drops what is held in memory after the caller rolled back rows this
    /// writer wrote (a file that turned out to be a duplicate).
    pub fn forget(&mut self) -> Result<()> {
        self.digests.clear(self.conn)?;
        self.links.clear();
        self.entities.clear();
        self.written.clear();
        self.fts_deletes.clear();
        self.staged.clear();
        self.fts_watermark = self.conn.query_row("SELECT COALESCE(MAX(rowid), 0) FROM events_fts", [], |r| r.get(0))?;
        Ok(())
    }
}

/// Rows a statement of [`EventWriter::apply`] writes: a full chunk's
/// statement is prepared once and cached.
const APPLY_ROWS: usize = 256;

/// `(?, ?, ?), (?, ?, ?)`: the VALUES list of a many-rows statement, `rows`
/// rows of `columns` parameters each.
fn value_rows(columns: usize, rows: usize) -> String {
    let row = format!("({})", vec!["?"; columns].join(", "));
    vec![row; rows].join(", ")
}

/// Widens an entity's first/last-seen span to include `?2`..`?3`.
const WIDEN_ENTITY_TIMES: &str = "UPDATE entities SET
    first_ns = CASE WHEN first_ns IS NULL OR ?2 < first_ns THEN ?2 ELSE first_ns END,
    last_ns  = CASE WHEN last_ns IS NULL OR ?3 > last_ns THEN ?3 ELSE last_ns END
 WHERE id = ?1";

/// An attribute keeps its latest observation; equal times compare by value,
/// so the result never depends on import order.
const KEEP_LATEST_ATTR: &str = "ON CONFLICT (entity_id, name) DO UPDATE SET value = excluded.value, seen_ns = excluded.seen_ns
 WHERE (excluded.seen_ns, excluded.value) > (entity_attrs.seen_ns, entity_attrs.value)";

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
        let events: Vec<(i64, String)> = conn
            .prepare_cached(
                "SELECT id, entity_refs FROM events WHERE id IN (SELECT event_id FROM event_entities WHERE entity_id = ?1)",
            )?
            .query_map([short_id], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<rusqlite::Result<_>>()?;
        for (event_id, refs) in events {
            let mut refs: Vec<(i64, String)> = serde_json::from_str(&refs).unwrap_or_default();
            for r in refs.iter_mut().filter(|r| r.0 == short_id) {
                r.0 = full_id;
            }
            conn.prepare_cached("UPDATE events SET entity_refs = ?2 WHERE id = ?1")?
                .execute(params![event_id, entity_refs_json(&mut refs)])?;
        }
        conn.execute(
            "INSERT OR IGNORE INTO event_entities (event_id, entity_id, role)
             SELECT event_id, ?2, role FROM event_entities WHERE entity_id = ?1",
            params![short_id, full_id],
        )?;
        conn.execute("DELETE FROM event_entities WHERE entity_id = ?1", [short_id])?;
        // (`AND true` keeps SQLite from reading ON CONFLICT as a join clause.)
        conn.execute(
            &format!(
                "INSERT INTO entity_attrs (entity_id, name, value, seen_ns)
                 SELECT ?2, name, value, seen_ns FROM entity_attrs WHERE entity_id = ?1 AND true {}",
                KEEP_LATEST_ATTR
            ),
            params![short_id, full_id],
        )?;
        conn.execute("DELETE FROM entity_attrs WHERE entity_id = ?1", [short_id])?;
        let times: Option<(Option<i64>, Option<i64>)> = conn
            .query_row("SELECT first_ns, last_ns FROM entities WHERE id = ?1", [short_id], |r| Ok((r.get(0)?, r.get(1)?)))
            .optional()?;
        if let Some((Some(f), Some(l))) = times {
            conn.execute(WIDEN_ENTITY_TIMES, params![full_id, f, l])?;
        }
        conn.execute("DELETE FROM entities WHERE id = ?1", [short_id])?;
        merged += 1;
    }
    Ok(merged)
}
