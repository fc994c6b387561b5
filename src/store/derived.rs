//! What the activity log commits to of the data Kordon derives from the raw
//! records: the events' normalized columns (time, kind, severity, rule,
//! title, message, tactics, fields, entity links …), the entities and their
//! attributes.
//!
//! The raw records are committed file by file ([`super::digests`]), but an
//! event is not the work of one file: a later import can merge a record of
//! higher rank into it and rewrite its fields, and every import widens the
//! entities it names. So the commitment is to the whole of each table, kept
//! up to date as rows change, and recorded in the log entry of the change:
//! - Every row has a digest: SHA-256 over its table's name and its columns
//!   ([`COVERED`]) as stored, each tagged with its SQLite type.
//! - A table's state is the sum of its rows' digests, each first expanded to
//!   1,024 numbers of 16 bits (a ChaCha20 stream keyed by the digest), added
//!   component-wise modulo 2¹⁶: the lattice hash "LtHash" (Bellare and
//!   Micciancio; Lewi et al., 2019). A change adds the new row and takes
//!   away the old, so an import of a thousand events into a case of
//!   millions costs a thousand digests, not millions. Unlike a sum of
//!   256-bit hashes, which many crafted rows can be made to add up to any
//!   value (Wagner's generalized birthday attack), forging a collision in
//!   this sum is as hard as a short-vector lattice problem.
//! - The rows' changes are caught by temporary triggers that this
//!   connection installs ([`install`]), so only Kordon's own writes count:
//!   a row changed by another program changes the table but not the state.
//!   The triggers write the changed rows' digests to a temporary table,
//!   which SQLite rolls back with the transaction or the savepoint that
//!   made them; the log entry that ends the change sums them
//!   ([`commit_pending`]) onto what the last entry that carries one
//!   committed to. New events are the exception ([`APPENDED`]): they are
//!   summed from the table, as the ids above the last entry's.
//! - `verify` sums every row again and compares with the newest state in
//!   the log: a row edited, added or deleted outside Kordon shows.
//!
//! The search index, the signals and the incidents' grouping are not
//! covered: they are rebuilt from these tables by `detect` and `correlate`.

use crate::error::Result;
use rand::{RngCore, SeedableRng};
use rusqlite::functions::FunctionFlags;
use rusqlite::types::ValueRef;
use rusqlite::{Connection, OptionalExtension};
use sha2::{Digest as _, Sha256};

/// The tables committed to, each with the columns that make a row's digest.
/// A column added later is covered once it is listed here, which changes
/// every row's digest: such a change needs the log to say so.
pub const COVERED: &[(&str, &[&str])] = &[
    (
        "events",
        &[
            "id", "key", "source_id", "line", "offset", "time_ns", "source", "kind", "severity", "rule", "title",
            "message", "tactics", "techniques", "fields", "rank", "entity_refs", "raw_hash",
        ],
    ),
    ("entities", &["id", "kind", "key", "first_ns", "last_ns"]),
    ("entity_attrs", &["entity_id", "name", "value", "seen_ns"]),
];

/// Numbers in a state.
const WIDTH: usize = 1024;

/// One table's state: the sum of its rows' expanded digests.
#[derive(Clone, PartialEq, Eq)]
pub struct State(Box<[u16; WIDTH]>);

impl std::fmt::Debug for State {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "State({}…)", &self.short())
    }
}

impl Default for State {
    fn default() -> State {
        State(Box::new([0; WIDTH]))
    }
}

impl State {
    /// Adds (`sign` 1) or takes away (`sign` -1) a row of this digest.
    pub fn apply(&mut self, sign: i64, digest: &[u8; 32]) {
        let mut bytes = [0u8; WIDTH * 2];
        rand_chacha::ChaCha20Rng::from_seed(*digest).fill_bytes(&mut bytes);
        for (v, b) in self.0.iter_mut().zip(bytes.chunks_exact(2)) {
            let x = u16::from_le_bytes([b[0], b[1]]);
            *v = if sign >= 0 { v.wrapping_add(x) } else { v.wrapping_sub(x) };
        }
    }

    pub fn merge(&mut self, other: &State) {
        for (v, x) in self.0.iter_mut().zip(other.0.iter()) {
            *v = v.wrapping_add(*x);
        }
    }

    /// As written in the log: the numbers little-endian, in hex.
    pub fn encode(&self) -> String {
        let bytes: Vec<u8> = self.0.iter().flat_map(|v| v.to_le_bytes()).collect();
        hex::encode(bytes)
    }

    pub fn decode(s: &str) -> Option<State> {
        let bytes = hex::decode(s).ok().filter(|b| b.len() == WIDTH * 2)?;
        let mut state = State::default();
        for (v, b) in state.0.iter_mut().zip(bytes.chunks_exact(2)) {
            *v = u16::from_le_bytes([b[0], b[1]]);
        }
        Some(state)
    }

    /// A short fingerprint for messages: the first bytes of SHA-256 of the state.
    pub fn short(&self) -> String {
        hex::encode(&Sha256::digest(self.encode().as_bytes())[..6])
    }
}

/// The digest of one row: its table and its columns, each tagged by type.
pub fn row_digest<'a>(table: &str, values: impl Iterator<Item = ValueRef<'a>>) -> [u8; 32] {
    let mut h = Sha256::new();
    h.update((table.len() as u64).to_be_bytes());
    h.update(table.as_bytes());
    for v in values {
        match v {
            ValueRef::Null => h.update([0]),
            ValueRef::Integer(i) => {
                h.update([1]);
                h.update(i.to_be_bytes());
            }
            ValueRef::Real(f) => {
                h.update([2]);
                h.update(f.to_bits().to_be_bytes());
            }
            ValueRef::Text(t) | ValueRef::Blob(t) => {
                h.update([if matches!(v, ValueRef::Text(_)) { 3 } else { 4 }]);
                h.update((t.len() as u64).to_be_bytes());
                h.update(t);
            }
        }
    }
    h.finalize().into()
}

/// The SQL function the triggers call: `kordon_row_digest(table, col, …)`.
const FUNCTION: &str = "kordon_row_digest";

/// The table whose new rows are summed from the table itself when the log
/// entry is written, rather than recorded one by one as they are inserted:
/// a trigger on its inserts would make SQLite keep a statement journal for
/// every insert of the import (a third of its time, measured). Its rows'
/// ids only grow, so the rows above the id the last entry went up to are
/// the new ones.
pub const APPENDED: &str = "events";

/// Installs, on this connection, the triggers that record every change of
/// the covered tables (but the inserts of [`APPENDED`]), and the temporary
/// table they record to.
pub fn install(conn: &Connection) -> Result<()> {
    conn.create_scalar_function(FUNCTION, -1, FunctionFlags::SQLITE_UTF8 | FunctionFlags::SQLITE_DETERMINISTIC, |ctx| {
        let table = ctx.get_raw(0).as_str().map_err(|e| rusqlite::Error::UserFunctionError(Box::new(e)))?;
        Ok(row_digest(table, (1..ctx.len()).map(|i| ctx.get_raw(i))).to_vec())
    })?;
    let mut sql = String::from(
        "CREATE TEMP TABLE IF NOT EXISTS derived_changes (
             tbl TEXT NOT NULL, row_id INTEGER, sign INTEGER NOT NULL, digest BLOB NOT NULL);",
    );
    for (table, columns) in COVERED {
        let of = |row: &str| columns.iter().map(|c| format!("{row}.{c}")).collect::<Vec<_>>().join(", ");
        let id = |row: &str| if *table == APPENDED { format!("{row}.id") } else { "NULL".into() };
        let record = |sign: i64, row: &str| {
            format!(
                "INSERT INTO temp.derived_changes VALUES ('{table}', {}, {sign}, {FUNCTION}('{table}', {}));",
                id(row),
                of(row)
            )
        };
        let unchanged = columns.iter().map(|c| format!("OLD.{c} IS NEW.{c}")).collect::<Vec<_>>().join(" AND ");
        if *table != APPENDED {
            sql.push_str(&format!(
                "CREATE TEMP TRIGGER IF NOT EXISTS derived_{table}_insert AFTER INSERT ON main.{table} BEGIN {} END;",
                record(1, "NEW")
            ));
        }
        sql.push_str(&format!(
            "CREATE TEMP TRIGGER IF NOT EXISTS derived_{table}_delete AFTER DELETE ON main.{table} BEGIN {} END;
             CREATE TEMP TRIGGER IF NOT EXISTS derived_{table}_update AFTER UPDATE ON main.{table}
                 WHEN NOT ({unchanged}) BEGIN {} {} END;",
            record(-1, "OLD"),
            record(-1, "OLD"),
            record(1, "NEW"),
        ));
    }
    conn.execute_batch(&sql)?;
    Ok(())
}

/// Each covered table's state, by name.
pub type States = std::collections::BTreeMap<String, State>;

/// The key of the states in a log entry's details.
pub const LOG_KEY: &str = "derived";

/// Set in the entry that first committed a case's tables as it found them.
pub const ADOPTED_KEY: &str = "derived_adopted";

/// What a log entry commits to: each covered table's state, and the
/// newest row of [`APPENDED`] the states include.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Commitment {
    pub states: States,
    pub through: i64,
}

impl Commitment {
    pub fn to_json(&self) -> serde_json::Value {
        let states: serde_json::Map<String, serde_json::Value> =
            self.states.iter().map(|(t, s)| (t.clone(), s.encode().into())).collect();
        serde_json::json!({ "states": states, "through": self.through })
    }

    /// `None` when the value is not a commitment as Kordon writes it.
    pub fn from_json(v: &serde_json::Value) -> Option<Commitment> {
        let states = v.get("states")?.as_object()?;
        let states = states.iter().map(|(t, s)| Some((t.clone(), State::decode(s.as_str()?)?))).collect::<Option<_>>()?;
        Some(Commitment { states, through: v.get("through")?.as_i64()? })
    }
}

/// The newest log entry that commits to the derived tables: its row and
/// what it commits to (`None` when it cannot be read).
pub fn committed(conn: &Connection) -> Result<Option<(i64, Option<Commitment>)>> {
    let found: Option<(i64, String)> = conn
        .query_row(
            "SELECT id, json_extract(details, '$.derived') FROM activity
             WHERE json_extract(details, '$.derived') IS NOT NULL ORDER BY id DESC LIMIT 1",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?;
    Ok(found.map(|(row, json)| (row, serde_json::from_str(&json).ok().as_ref().and_then(Commitment::from_json))))
}

/// When covered tables changed since the last log entry that committed to
/// them: what the log entry about to be written commits to, as its details'
/// [`LOG_KEY`], and whether it adopts the tables as found. Takes the
/// recorded changes away.
///
/// A case whose log has never committed (begun by a Kordon before this
/// one) has its tables summed whole the first time: what was there before
/// is taken as it is, which the entry says ([`ADOPTED_KEY`]).
pub fn commit_pending(conn: &Connection) -> Result<Option<(serde_json::Value, bool)>> {
    // A connection that cannot write has no triggers, and nothing pending.
    let installed: bool =
        conn.query_row("SELECT EXISTS (SELECT 1 FROM temp.sqlite_master WHERE name = 'derived_changes')", [], |r| r.get(0))?;
    if !installed {
        return Ok(None);
    }
    let newest: i64 = conn.query_row(&format!("SELECT COALESCE(MAX(id), 0) FROM main.{APPENDED}"), [], |r| r.get(0))?;
    let changed: bool = conn.query_row("SELECT EXISTS (SELECT 1 FROM temp.derived_changes)", [], |r| r.get(0))?;
    let base = match committed(conn)? {
        // An entry Kordon cannot read: build on nothing; verify names it.
        Some((_, c)) => Some(c.unwrap_or_default()),
        None if conn.query_row("SELECT EXISTS (SELECT 1 FROM activity WHERE action = 'import')", [], |r| r.get::<_, bool>(0))? => {
            None
        }
        None => Some(Commitment::default()),
    };
    let (commitment, adopted) = match base {
        Some(base) if !changed && newest == base.through => return Ok(None),
        Some(mut base) => {
            for (table, delta) in sum_changes(conn, base.through)? {
                base.states.entry(table).or_default().merge(&delta);
            }
            base.through = newest;
            (base, false)
        }
        None => (Commitment { states: recompute(conn)?, through: newest }, true),
    };
    conn.execute_batch("DELETE FROM temp.derived_changes")?;
    Ok(Some((commitment.to_json(), adopted)))
}

/// The recorded changes and the rows of [`APPENDED`] above `through`,
/// summed per table. A recorded change of such a row is left out: the row
/// is summed as it is now.
fn sum_changes(conn: &Connection, through: i64) -> Result<States> {
    let mut sums = Sums::default();
    let mut st = conn.prepare("SELECT tbl, row_id, sign, digest FROM temp.derived_changes")?;
    let mut rows = st.query([])?;
    while let Some(r) = rows.next()? {
        if r.get::<_, Option<i64>>(1)?.is_some_and(|id| id > through) {
            continue;
        }
        let table = COVERED.iter().position(|(t, _)| r.get_ref_unwrap(0).as_str().ok() == Some(*t));
        let digest = <[u8; 32]>::try_from(r.get_ref_unwrap(3).as_blob().unwrap_or_default());
        if let (Some(table), Ok(digest)) = (table, digest) {
            sums.push(table, r.get(2)?, digest);
        }
    }
    let (index, (name, columns)) = COVERED.iter().enumerate().find(|(_, (t, _))| *t == APPENDED).expect("APPENDED is covered");
    let mut st = conn.prepare(&format!("SELECT {} FROM main.{name} WHERE id > ?1", columns.join(", ")))?;
    let mut rows = st.query([through])?;
    while let Some(r) = rows.next()? {
        sums.push(index, 1, row_digest(name, (0..columns.len()).map(|i| r.get_ref_unwrap(i))));
    }
    Ok(sums.finish())
}

/// Every covered table summed from its rows, as `verify` does.
pub fn recompute(conn: &Connection) -> Result<States> {
    let mut sums = Sums::default();
    for (table, (name, columns)) in COVERED.iter().enumerate() {
        let mut st = conn.prepare(&format!("SELECT {} FROM main.{name}", columns.join(", ")))?;
        let mut rows = st.query([])?;
        while let Some(r) = rows.next()? {
            sums.push(table, 1, row_digest(name, (0..columns.len()).map(|i| r.get_ref_unwrap(i))));
        }
    }
    let mut states = sums.finish();
    for (name, _) in COVERED {
        states.entry(name.to_string()).or_default();
    }
    Ok(states)
}

/// Rows summed in one go: expanding the digests is most of the cost, so
/// the cores share it, a batch at a time to keep memory flat.
const BATCH: usize = 1 << 16;

/// Signed digests summed per covered table (by index in [`COVERED`]).
#[derive(Default)]
struct Sums {
    batch: Vec<(usize, i64, [u8; 32])>,
    states: Vec<State>,
    touched: std::collections::BTreeSet<usize>,
}

impl Sums {
    fn push(&mut self, table: usize, sign: i64, digest: [u8; 32]) {
        self.touched.insert(table);
        self.batch.push((table, sign, digest));
        if self.batch.len() == BATCH {
            self.flush();
        }
    }

    fn flush(&mut self) {
        if self.states.is_empty() {
            self.states = vec![State::default(); COVERED.len()];
        }
        let threads = std::thread::available_parallelism().map_or(1, |n| n.get()).min(8);
        let chunk = self.batch.len().div_ceil(threads).max(1024);
        let partials: Vec<Vec<State>> = std::thread::scope(|s| {
            let handles: Vec<_> = self
                .batch
                .chunks(chunk)
                .map(|part| {
                    s.spawn(move || {
                        let mut states = vec![State::default(); COVERED.len()];
                        for (table, sign, digest) in part {
                            states[*table].apply(*sign, digest);
                        }
                        states
                    })
                })
                .collect();
            handles.into_iter().map(|h| h.join().expect("a summing thread")).collect()
        });
        for p in partials {
            for (total, part) in self.states.iter_mut().zip(&p) {
                total.merge(part);
            }
        }
        self.batch.clear();
    }

    /// The states of the tables that had a row or a change.
    fn finish(mut self) -> States {
        self.flush();
        let touched = std::mem::take(&mut self.touched);
        touched.into_iter().map(|t| (COVERED[t].0.to_string(), self.states[t].clone())).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_state_is_the_same_whatever_the_order_and_takes_rows_away_exactly() {
        let digests: Vec<[u8; 32]> = (0u8..5).map(|i| Sha256::digest([i]).into()).collect();
        let mut a = State::default();
        for d in &digests {
            a.apply(1, d);
        }
        let mut b = State::default();
        for d in digests.iter().rev() {
            b.apply(1, d);
        }
        assert_eq!(a, b);
        b.apply(-1, &digests[2]);
        assert_ne!(a, b);
        b.apply(1, &digests[2]);
        assert_eq!(a, b);
        assert_eq!(State::decode(&a.encode()), Some(a.clone()));
        for d in &digests {
            a.apply(-1, d);
        }
        assert_eq!(a, State::default());
    }

    #[test]
    fn a_row_digest_tells_types_and_boundaries_apart() {
        let d = |vals: &[ValueRef]| row_digest("t", vals.iter().copied());
        assert_ne!(d(&[ValueRef::Integer(1)]), d(&[ValueRef::Text(b"1")]));
        assert_ne!(d(&[ValueRef::Text(b"ab"), ValueRef::Text(b"c")]), d(&[ValueRef::Text(b"a"), ValueRef::Text(b"bc")]));
        assert_ne!(d(&[ValueRef::Null]), d(&[ValueRef::Integer(0)]));
        assert_ne!(row_digest("a", std::iter::empty()), row_digest("b", std::iter::empty()));
    }

    #[test]
    fn the_triggers_follow_inserts_updates_deletes_and_rollbacks() {
        let case = crate::store::Case::in_memory().unwrap();
        let conn = &case.conn;
        let sum = |conn: &Connection| {
            let states = sum_changes(conn, 0).unwrap();
            states.get("entities").cloned().unwrap_or_default()
        };
        conn.execute("INSERT INTO entities (id, kind, key) VALUES (1, 'pod', 'a')", []).unwrap();
        conn.execute("INSERT INTO entities (id, kind, key) VALUES (2, 'pod', 'b')", []).unwrap();
        conn.execute("UPDATE entities SET first_ns = 5 WHERE id = 1", []).unwrap();
        conn.execute("UPDATE entities SET first_ns = 5 WHERE id = 1", []).unwrap();
        conn.execute_batch("SAVEPOINT s; DELETE FROM entities WHERE id = 2; ROLLBACK TO s; RELEASE s;").unwrap();
        assert_eq!(sum(conn), recompute(conn).unwrap()["entities"]);
        let recorded: i64 =
            conn.query_row("SELECT COUNT(*) FROM temp.derived_changes WHERE tbl = 'entities'", [], |r| r.get(0)).unwrap();
        assert_eq!(recorded, 4, "two inserts and one update (-old +new); the update that changes nothing is not recorded");
        conn.execute("DELETE FROM entities WHERE id = 2", []).unwrap();
        assert_eq!(sum(conn), recompute(conn).unwrap()["entities"]);
    }
}
