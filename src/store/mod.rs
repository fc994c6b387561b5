//! The case store: one SQLite file per case.
//!
//! WAL mode so that readers (the app's views) never block an import, and a
//! crash mid-import leaves the last committed state. The schema is built by
//! numbered migrations in `migrations/`, each applied in one transaction
//! together with its bookkeeping row, so a case is never half-migrated.

pub mod activity;
pub mod digests;
pub mod query;
pub mod raw;
pub mod verify;
pub mod writer;

use crate::error::{Code, Error, Result};
use rusqlite::{Connection, OptionalExtension};
use std::path::{Path, PathBuf};

/// (version, name, SQL). Append only: a released migration never changes.
const MIGRATIONS: &[(i64, &str, &str)] = &[
    (1, "case", include_str!("migrations/0001_case.sql")),
    (2, "incidents", include_str!("migrations/0002_incidents.sql")),
    (3, "triage", include_str!("migrations/0003_triage.sql")),
    (4, "actions", include_str!("migrations/0004_actions.sql")),
    (5, "follow-up", include_str!("migrations/0005_follow_up.sql")),
    (6, "clusters-shapes-attachments", include_str!("migrations/0006_clusters_shapes_attachments.sql")),
];

/// The newest schema version this build knows.
pub fn schema_version() -> i64 {
    MIGRATIONS.last().map(|m| m.0).unwrap_or(0)
}

pub struct Case {
    pub conn: Connection,
    pub path: PathBuf,
}

impl Case {
    /// Opens a case, creating it (and its folder) when missing, and brings its
    /// schema up to date.
    pub fn open(path: &Path) -> Result<Case> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|e| Error::io(format!("creating {}", dir.display()), e))?;
        }
        let conn = Connection::open(path)?;
        let mut case = Case { conn, path: path.to_path_buf() };
        case.configure()?;
        case.migrate()?;
        Ok(case)
    }

    /// An in-memory case, for tests.
    pub fn in_memory() -> Result<Case> {
        let conn = Connection::open_in_memory()?;
        let mut case = Case { conn, path: PathBuf::from(":memory:") };
        case.configure()?;
        case.migrate()?;
        Ok(case)
    }

    fn configure(&mut self) -> Result<()> {
        // Rows carry raw records of a kilobyte or more: larger pages hold
        // several per page and make bulk imports cheaper. Only takes effect
        // on a new, empty file.
        self.conn.execute_batch("PRAGMA page_size = 16384").map_err(|e| bad_case(&self.path, e))?;
        // A file that is not SQLite fails here with "file is not a database".
        let mode: String = self
            .conn
            .query_row("PRAGMA journal_mode = WAL", [], |r| r.get(0))
            .map_err(|e| bad_case(&self.path, e))?;
        if mode != "wal" && self.path != Path::new(":memory:") {
            return Err(Error::input(Code::BadCase, format!("{}: cannot use WAL mode ({})", self.path.display(), mode)));
        }
        self.conn.execute_batch(
            "PRAGMA foreign_keys = ON;
             PRAGMA synchronous = NORMAL;
             PRAGMA busy_timeout = 5000;
             PRAGMA cache_size = -65536;
             PRAGMA temp_store = DEFAULT;",
        )?;
        Ok(())
    }

    fn migrate(&mut self) -> Result<()> {
        self.conn.execute_batch(
            "CREATE TABLE IF NOT EXISTS schema_migrations (
                version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_ns INTEGER NOT NULL)",
        )?;
        let current: i64 = self
            .conn
            .query_row("SELECT COALESCE(MAX(version), 0) FROM schema_migrations", [], |r| r.get(0))?;
        if current > schema_version() {
            return Err(Error::input(
                Code::BadCase,
                format!(
                    "{}: the case was written by a newer Kordon (schema {}, this build knows {})",
                    self.path.display(),
                    current,
                    schema_version()
                ),
            ));
        }
        for (version, name, sql) in MIGRATIONS.iter().filter(|m| m.0 > current) {
            let tx = self.conn.transaction()?;
            tx.execute_batch(sql)?;
            tx.execute(
                "INSERT INTO schema_migrations (version, name, applied_ns) VALUES (?1, ?2, ?3)",
                rusqlite::params![version, name, crate::clock::Clock::now_ns(&crate::clock::SystemClock)],
            )?;
            tx.commit()?;
        }
        Ok(())
    }

    /// The applied migrations, oldest first.
    pub fn migrations(&self) -> Result<Vec<(i64, String)>> {
        let mut st = self.conn.prepare("SELECT version, name FROM schema_migrations ORDER BY version")?;
        let rows = st.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?.collect::<rusqlite::Result<_>>()?;
        Ok(rows)
    }

    pub fn count(&self, table: &str) -> Result<i64> {
        // Table names come from code, never from input.
        Ok(self.conn.query_row(&format!("SELECT COUNT(*) FROM {}", table), [], |r| r.get(0))?)
    }

    /// The source already holding a file with this SHA-256, if any.
    pub fn source_by_sha(&self, sha256: &str) -> Result<Option<(i64, String)>> {
        Ok(self
            .conn
            .query_row("SELECT id, name FROM sources WHERE sha256 = ?1", [sha256], |r| Ok((r.get(0)?, r.get(1)?)))
            .optional()?)
    }
}

fn bad_case(path: &Path, e: rusqlite::Error) -> Error {
    Error::input(Code::BadCase, format!("{}: not a Kordon case ({})", path.display(), e))
}

/// How a source file is named to people: `archive.zip!path/inside` for a
/// file read from an archive, its own name otherwise.
pub fn file_label(name: &str, inner_path: Option<&str>) -> String {
    match inner_path {
        Some(inner) => format!("{}!{}", name, inner),
        None => name.to_string(),
    }
}

/// A stable 64-bit id: the first 8 bytes of SHA-256 over the parts, each
/// followed by a 0 byte so that ("ab","c") and ("a","bc") differ.
pub fn stable_id(parts: &[&[u8]]) -> i64 {
    use sha2::{Digest, Sha256};
    let mut h = Sha256::new();
    for p in parts {
        h.update(p);
        h.update([0u8]);
    }
    let d = h.finalize();
    i64::from_be_bytes([d[0], d[1], d[2], d[3], d[4], d[5], d[6], d[7]])
}

/// A raw record's digest: SHA-256 over its bytes and a 0 byte (as
/// [`stable_id`] of the one part, whose 8 bytes are its first). The import
/// commits each file's records to the log by these ([`verify`]).
pub type Digest = [u8; 32];

pub fn record_digest(raw: &[u8]) -> Digest {
    use sha2::{Digest as _, Sha256};
    let mut h = Sha256::new();
    h.update(raw);
    h.update([0u8]);
    h.finalize().into()
}

/// The 8 bytes of a digest that order records (`events.raw_hash`).
pub fn digest_prefix(d: &Digest) -> i64 {
    i64::from_be_bytes([d[0], d[1], d[2], d[3], d[4], d[5], d[6], d[7]])
}

/// How ids are shown: 16 lower-case hex digits.
pub fn format_id(id: i64) -> String {
    format!("{:016x}", id as u64)
}

pub fn parse_id(s: &str) -> Option<i64> {
    u64::from_str_radix(s.trim(), 16).ok().filter(|_| s.trim().len() == 16).map(|u| u as i64)
}
