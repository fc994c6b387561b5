//! What an import commits to for each file it stores: the digest of the
//! file's raw records, recorded in the activity log with their count and
//! recomputed by `verify` from the records the case keeps.
//!
//! The digest is SHA-256 over the records in order of (offset, record
//! digest), each as its offset (8 bytes, big endian) and its
//! [`record_digest`](super::record_digest). Sorting makes it independent of
//! the order records reach the case (stages of a request are written
//! together, wherever they were in the file). An order-free sum of hashes
//! would need no sorting but can be forged: many crafted records can be
//! made to add up to any target.

use super::Digest;
use crate::error::Result;
use rusqlite::{params, Connection};
use sha2::Digest as _;
use std::collections::BTreeMap;

/// The running digest of records given in order.
#[derive(Default)]
pub struct RecordsDigest {
    hasher: sha2::Sha256,
    pub count: u64,
}

impl RecordsDigest {
    pub fn add(&mut self, offset: i64, digest: &[u8]) {
        self.hasher.update((offset as u64).to_be_bytes());
        self.hasher.update(digest);
        self.count += 1;
    }

    pub fn finish(self) -> String {
        hex::encode(self.hasher.finalize())
    }
}

/// Records that wait in memory (48 bytes each, 24 MiB): beyond, sorted
/// runs spill to a temporary table, so memory stays bounded.
const MEMORY_RECORDS: usize = 1 << 19;

/// Record digests by source, given in any order: one file's as an import
/// stores them, or every file's as `verify` reads the case table by table.
#[derive(Default)]
pub struct Digests {
    waiting: Vec<(i64, i64, Digest)>,
    spilled: i64,
}

impl Digests {
    pub fn add(&mut self, conn: &Connection, source: i64, offset: i64, digest: Digest) -> Result<()> {
        self.waiting.push((source, offset, digest));
        if self.waiting.len() >= MEMORY_RECORDS {
            self.spill(conn)?;
        }
        Ok(())
    }

    fn spill(&mut self, conn: &Connection) -> Result<()> {
        if self.spilled == 0 {
            conn.execute_batch(
                "CREATE TEMP TABLE IF NOT EXISTS record_digests (
                     source INTEGER NOT NULL, offset INTEGER NOT NULL, digest BLOB NOT NULL, n INTEGER NOT NULL,
                     PRIMARY KEY (source, offset, digest, n)
                 ) WITHOUT ROWID;
                 DELETE FROM temp.record_digests;",
            )?;
        }
        self.waiting.sort_unstable();
        let mut insert = conn.prepare_cached("INSERT INTO temp.record_digests (source, offset, digest, n) VALUES (?1, ?2, ?3, ?4)")?;
        for (source, offset, digest) in self.waiting.drain(..) {
            self.spilled += 1;
            insert.execute(params![source, offset, &digest[..], self.spilled])?;
        }
        Ok(())
    }

    /// Each source's count and records digest, and a fresh start.
    pub fn finish(&mut self, conn: &Connection) -> Result<BTreeMap<i64, (u64, String)>> {
        let mut out = Grouped::default();
        self.waiting.sort_unstable();
        let mut waiting = self.waiting.drain(..).peekable();
        if self.spilled > 0 {
            // Merge the runs on disk with what waits in memory.
            let mut st = conn.prepare_cached("SELECT source, offset, digest FROM temp.record_digests ORDER BY source, offset, digest")?;
            let mut rows = st.query([])?;
            while let Some(r) = rows.next()? {
                let (source, offset, digest): (i64, i64, Vec<u8>) = (r.get(0)?, r.get(1)?, r.get(2)?);
                while let Some((s, o, d)) = waiting.next_if(|(s, o, d)| (*s, *o, &d[..]) < (source, offset, &digest[..])) {
                    out.add(s, o, &d);
                }
                out.add(source, offset, &digest);
            }
            conn.execute("DELETE FROM temp.record_digests", [])?;
            self.spilled = 0;
        }
        for (s, o, d) in waiting {
            out.add(s, o, &d);
        }
        Ok(out.finish())
    }

    /// Drops what was given (the caller rolled the file back).
    pub fn clear(&mut self, conn: &Connection) -> Result<()> {
        self.waiting.clear();
        if self.spilled > 0 {
            conn.execute("DELETE FROM temp.record_digests", [])?;
            self.spilled = 0;
        }
        Ok(())
    }

    #[cfg(test)]
    fn spilled(&self) -> i64 {
        self.spilled
    }
}

/// Records in (source, offset, digest) order, digested source by source.
#[derive(Default)]
struct Grouped {
    done: BTreeMap<i64, (u64, String)>,
    current: Option<(i64, RecordsDigest)>,
}

impl Grouped {
    fn add(&mut self, source: i64, offset: i64, digest: &[u8]) {
        if self.current.as_ref().is_none_or(|(s, _)| *s != source) {
            self.close();
            self.current = Some((source, RecordsDigest::default()));
        }
        if let Some((_, d)) = self.current.as_mut() {
            d.add(offset, digest);
        }
    }

    fn close(&mut self) {
        if let Some((s, d)) = self.current.take() {
            self.done.insert(s, (d.count, d.finish()));
        }
    }

    fn finish(mut self) -> BTreeMap<i64, (u64, String)> {
        self.close();
        self.done
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn digest_of<'a>(records: impl IntoIterator<Item = &'a (i64, Digest)>) -> String {
        let records: Vec<(i64, Digest)> = records.into_iter().copied().collect();
        let mut sorted = records;
        sorted.sort();
        let mut d = RecordsDigest::default();
        for (o, g) in &sorted {
            d.add(*o, g);
        }
        d.finish()
    }

    #[test]
    fn the_digest_is_the_same_in_any_order_and_whether_or_not_it_spilled() {
        let conn = Connection::open_in_memory().unwrap();
        // Offsets out of order, one offset twice (a record of two events),
        // two sources interleaved.
        let records: Vec<(i64, Digest)> = (0..(MEMORY_RECORDS as i64 + 1000))
            .map(|i| {
                let offset = (i * 7919) % 100_003;
                (offset, super::super::record_digest(&offset.to_be_bytes()))
            })
            .chain([(42, [7u8; 32])])
            .collect();
        let (odd, even): (Vec<_>, Vec<_>) = records.iter().partition(|(o, _)| o % 2 == 1);
        let mut digests = Digests::default();
        for (o, d) in &records {
            digests.add(&conn, 1 + o % 2, *o, *d).unwrap();
        }
        assert!(digests.spilled() > 0, "a run went to disk");
        let by_source = digests.finish(&conn).unwrap();
        assert_eq!(by_source[&2], (odd.len() as u64, digest_of(&odd)));
        assert_eq!(by_source[&1], (even.len() as u64, digest_of(&even)));
        // In memory only, the same answer; and the next round starts afresh.
        let few = &records[..100];
        for (o, d) in few.iter().rev() {
            digests.add(&conn, 5, *o, *d).unwrap();
        }
        assert_eq!(digests.finish(&conn).unwrap().into_iter().collect::<Vec<_>>(), [(5, (100, digest_of(few)))]);
        // Any record changed, the digest changes.
        let mut changed = few.to_vec();
        changed[3].1[0] ^= 1;
        assert_ne!(digest_of(&changed), digest_of(few));
    }
}
