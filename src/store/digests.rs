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

/// Records that wait in memory (40 bytes each, 20 MiB): a file of more
/// spills sorted runs to a temporary table, so memory stays bounded.
const MEMORY_RECORDS: usize = 1 << 19;

/// One file's record digests as they are stored, in any order.
#[derive(Default)]
pub struct FileDigests {
    waiting: Vec<(i64, Digest)>,
    spilled: i64,
}

impl FileDigests {
    pub fn add(&mut self, conn: &Connection, offset: i64, digest: Digest) -> Result<()> {
        self.waiting.push((offset, digest));
        if self.waiting.len() >= MEMORY_RECORDS {
            self.spill(conn)?;
        }
        Ok(())
    }

    fn spill(&mut self, conn: &Connection) -> Result<()> {
        if self.spilled == 0 {
            conn.execute_batch(
                "CREATE TEMP TABLE IF NOT EXISTS file_records (
                     offset INTEGER NOT NULL, digest BLOB NOT NULL, n INTEGER NOT NULL, PRIMARY KEY (offset, digest, n)
                 ) WITHOUT ROWID;
                 DELETE FROM temp.file_records;",
            )?;
        }
        self.waiting.sort_unstable();
        let mut insert = conn.prepare_cached("INSERT INTO temp.file_records (offset, digest, n) VALUES (?1, ?2, ?3)")?;
        for (offset, digest) in self.waiting.drain(..) {
            self.spilled += 1;
            insert.execute(params![offset, &digest[..], self.spilled])?;
        }
        Ok(())
    }

    /// The count and digest of the records given, and a fresh start.
    pub fn finish(&mut self, conn: &Connection) -> Result<(u64, String)> {
        self.waiting.sort_unstable();
        let mut digest = RecordsDigest::default();
        let mut waiting = self.waiting.drain(..).peekable();
        if self.spilled > 0 {
            // Merge the runs on disk with what waits in memory.
            let mut st = conn.prepare_cached("SELECT offset, digest FROM temp.file_records ORDER BY offset, digest")?;
            let mut rows = st.query([])?;
            while let Some(r) = rows.next()? {
                let on_disk: (i64, Vec<u8>) = (r.get(0)?, r.get(1)?);
                while let Some((o, d)) = waiting.next_if(|(o, d)| (*o, &d[..]) < (on_disk.0, &on_disk.1[..])) {
                    digest.add(o, &d);
                }
                digest.add(on_disk.0, &on_disk.1);
            }
            conn.execute("DELETE FROM temp.file_records", [])?;
            self.spilled = 0;
        }
        for (o, d) in waiting {
            digest.add(o, &d);
        }
        Ok((digest.count, digest.finish()))
    }

    /// Drops what was given (the caller rolled the file back).
    pub fn clear(&mut self, conn: &Connection) -> Result<()> {
        self.waiting.clear();
        if self.spilled > 0 {
            conn.execute("DELETE FROM temp.file_records", [])?;
            self.spilled = 0;
        }
        Ok(())
    }

    #[cfg(test)]
    fn spilled(&self) -> i64 {
        self.spilled
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn digest_of(records: &[(i64, Digest)]) -> String {
        let mut sorted = records.to_vec();
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
        // Offsets out of order, one offset twice (a record of two events).
        let records: Vec<(i64, Digest)> = (0..(MEMORY_RECORDS as i64 + 1000))
            .map(|i| {
                let offset = (i * 7919) % 100_003;
                (offset, super::super::record_digest(&offset.to_be_bytes()))
            })
            .chain([(42, [7u8; 32])])
            .collect();
        let mut files = FileDigests::default();
        for (o, d) in &records {
            files.add(&conn, *o, *d).unwrap();
        }
        assert!(files.spilled() > 0, "a run went to disk");
        let (count, digest) = files.finish(&conn).unwrap();
        assert_eq!(count, records.len() as u64);
        assert_eq!(digest, digest_of(&records));
        // In memory only, the same answer; and the next file starts afresh.
        let few = &records[..100];
        for (o, d) in few.iter().rev() {
            files.add(&conn, *o, *d).unwrap();
        }
        assert_eq!(files.finish(&conn).unwrap(), (100, digest_of(few)));
        // Any record changed, the digest changes.
        let mut changed = few.to_vec();
        changed[3].1[0] ^= 1;
        assert_ne!(digest_of(&changed), digest_of(few));
    }
}
