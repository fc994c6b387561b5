//! The case store: one SQLite file per case.
//!
//! WAL mode so that readers (the app's views) never block an import, and a
//! crash mid-import leaves the last committed state. The schema is built by
//! numbered migrations in `migrations/`, each applied in one transaction
//! together with its bookkeeping row, so a case is never half-migrated.
//!
//! Kordon writes only to its own cases. A case is recognised before
//! anything is written to the file (not even the switch to WAL, which
//! rewrites the header): by SQLite's `application_id` header field, which
//! exists for exactly this (as `file(1)` magic does) and which Kordon sets
//! to [`APPLICATION_ID`] when it creates a case; and, for a case made before
//! Kordon set it (id 0), by its `schema_migrations` table whose first row is
//! Kordon's migration 1, `case` — a shape no other application's file has
//! by chance. Anything else is "not a Kordon case" and stays untouched.
//! Only [`Case::open`] (an import, a new case in the app) creates a file;
//! the rest open an existing case ([`Case::open_existing`]). A case on a
//! read-only medium opens for reading; writing to it, or a full disk, fails
//! with its own code (see [`crate::error::store_code`]).

pub mod activity;
pub mod derived;
pub mod digests;
pub mod query;
pub mod raw;
pub mod verify;
pub mod writer;

use crate::error::{Code, Error, Result};
use rusqlite::{Connection, OpenFlags, OptionalExtension};
use std::path::{Path, PathBuf};

/// (version, name, SQL). Append only: a released migration never changes.
const MIGRATIONS: &[(i64, &str, &str)] = &[
    (1, "case", include_str!("migrations/0001_case.sql")),
    (2, "incidents", include_str!("migrations/0002_incidents.sql")),
    (3, "triage", include_str!("migrations/0003_triage.sql")),
    (4, "actions", include_str!("migrations/0004_actions.sql")),
    (5, "follow-up", include_str!("migrations/0005_follow_up.sql")),
    (6, "clusters-shapes-attachments", include_str!("migrations/0006_clusters_shapes_attachments.sql")),
    (7, "external-incidents", include_str!("migrations/0007_external_incidents.sql")),
    (8, "playbooks", include_str!("migrations/0008_playbooks.sql")),
];

/// The newest schema version this build knows.
pub fn schema_version() -> i64 {
    MIGRATIONS.last().map(|m| m.0).unwrap_or(0)
}

/// SQLite's `application_id` of a Kordon case: "KRDN".
pub const APPLICATION_ID: i32 = 0x4B52_444E;

pub struct Case {
    pub conn: Connection,
    pub path: PathBuf,
}

/// What a command will do with an existing case.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Access {
    /// Only read: works on a read-only medium as long as the case's schema
    /// is current.
    Read,
    /// Change it: refused at once on a read-only medium.
    Write,
}

impl Case {
    /// Opens a case for writing, creating it (and its folder) when missing,
    /// and brings its schema up to date. Refuses a file that is not a case.
    pub fn open(path: &Path) -> Result<Case> {
        if holds_nothing(path)? {
            return Case::create(path);
        }
        Case::open_existing(path, Access::Write)
    }

    /// Opens a case that exists; never creates one.
    pub fn open_existing(path: &Path, access: Access) -> Result<Case> {
        if holds_nothing(path)? {
            return Err(Error::input(
                Code::NotFound,
                format!("{}: no Kordon case there (only `kordon import` starts a new case)", path.display()),
            ));
        }
        let conn = connect(path)?;
        let legacy = recognise(&conn, path)?;
        let mut case = Case { conn, path: path.to_path_buf() };
        // SQLite falls back to reading when the file cannot be written.
        if case.conn.is_readonly(rusqlite::MAIN_DB)? {
            return case.read_only(access);
        }
        case.configure().map_err(|e| in_case(path, e))?;
        if legacy {
            case.stamp()?;
        }
        case.migrate()?;
        derived::install(&case.conn)?;
        Ok(case)
    }

    /// A new case in a file that does not exist yet, or is empty.
    fn create(path: &Path) -> Result<Case> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|e| Error::io(format!("creating {}", dir.display()), e))?;
        }
        // Created here rather than by SQLite, so that a read-only medium or
        // a full disk is reported by the file system's own error.
        std::fs::OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(false)
            .open(path)
            .map_err(|e| Error::io(format!("creating {}", path.display()), e))?;
        let conn = connect(path)?;
        let mut case = Case { conn, path: path.to_path_buf() };
        case.conn.execute_batch(NEW_CASE_PAGE_SIZE).map_err(|e| in_case(path, e))?;
        case.configure().map_err(|e| in_case(path, e))?;
        case.stamp()?;
        case.migrate()?;
        derived::install(&case.conn)?;
        Ok(case)
    }

    /// A case that cannot be written: fine for reading a current case.
    fn read_only(self, access: Access) -> Result<Case> {
        let current: i64 =
            self.conn.query_row("SELECT COALESCE(MAX(version), 0) FROM schema_migrations", [], |r| r.get(0))?;
        let why = match access {
            Access::Write => "this command changes the case",
            Access::Read if current < schema_version() => "its schema needs an upgrade by this Kordon, which writes",
            Access::Read => return Ok(self),
        };
        Err(Error::input(
            Code::ReadOnly,
            format!("{}: read-only medium or no permission to write, and {}; copy it somewhere writable", self.path.display(), why),
        ))
    }

    /// An in-memory case, for tests.
    pub fn in_memory() -> Result<Case> {
        let conn = Connection::open_in_memory()?;
        let mut case = Case { conn, path: PathBuf::from(":memory:") };
        case.conn.execute_batch(NEW_CASE_PAGE_SIZE)?;
        case.configure()?;
        case.migrate()?;
        derived::install(&case.conn)?;
        Ok(case)
    }

    /// Marks the file as a Kordon case (see the module docs).
    fn stamp(&mut self) -> Result<()> {
        self.conn
            .execute_batch(&format!("PRAGMA application_id = {}", APPLICATION_ID))
            .map_err(|e| in_case(&self.path, e))
    }

    fn configure(&mut self) -> Result<()> {
        let mode: String = self.conn.query_row("PRAGMA journal_mode = WAL", [], |r| r.get(0))?;
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

/// Rows carry raw records of a kilobyte or more: larger pages hold several
/// per page and make bulk imports cheaper. Only takes effect on a new file.
const NEW_CASE_PAGE_SIZE: &str = "PRAGMA page_size = 16384";

/// Whether the path holds nothing a case could be made over: no file, or an
/// empty one (which has nothing to damage).
fn holds_nothing(path: &Path) -> Result<bool> {
    match std::fs::metadata(path) {
        Ok(m) if m.is_dir() => Err(Error::input(Code::BadCase, format!("{}: a folder, not a Kordon case", path.display()))),
        Ok(m) => Ok(m.len() == 0),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(true),
        Err(e) => Err(Error::io(format!("reading {}", path.display()), e)),
    }
}

/// Whether the open file is a Kordon case, reading only: `Ok(true)` for a
/// case made before Kordon set its application id.
fn recognise(conn: &Connection, path: &Path) -> Result<bool> {
    let not_a_case = |why: String| Error::input(Code::BadCase, format!("{}: not a Kordon case ({}); Kordon left it untouched", path.display(), why));
    let id: i32 = conn.query_row("PRAGMA application_id", [], |r| r.get(0)).map_err(|e| match e.sqlite_error_code() {
        Some(rusqlite::ErrorCode::NotADatabase) => not_a_case("not a SQLite database".into()),
        _ => in_case(path, e),
    })?;
    match id {
        APPLICATION_ID => Ok(false),
        0 => {
            let first: Option<String> = conn
                .query_row("SELECT name FROM schema_migrations WHERE version = 1", [], |r| r.get(0))
                .optional()
                .unwrap_or(None);
            match first.as_deref() {
                Some("case") => Ok(true),
                _ => Err(not_a_case("a SQLite database without Kordon's schema".into())),
            }
        }
        other => Err(not_a_case(format!("a SQLite database of another application, application id {:#010x}", other))),
    }
}

/// A store error met while opening, named with the file.
fn in_case(path: &Path, e: impl Into<Error>) -> Error {
    match e.into() {
        Error::Store(e) => {
            let code = crate::error::store_code(&e);
            Error::input(code, format!("{}: {}", path.display(), Error::Store(e)))
        }
        other => other,
    }
}

/// Opens the existing file read-write (SQLite falls back to reading when it
/// cannot write it). Neither creating a missing file (that is for
/// [`Case::create`] alone) nor URIs: the path is a path.
fn connect(path: &Path) -> Result<Connection> {
    Connection::open_with_flags(path, OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX)
        .map_err(|e| open_error(path, e))
}

/// Opening itself failed: SQLite says "unable to open database file" for
/// every reason, so the file system is asked which one.
fn open_error(path: &Path, e: rusqlite::Error) -> Error {
    match std::fs::OpenOptions::new().read(true).open(path) {
        Err(io) => Error::io(format!("opening {}", path.display()), io),
        Ok(_) => in_case(path, e),
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    fn fixture(rel: &str) -> PathBuf {
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("fixtures").join(rel)
    }

    #[test]
    fn a_full_disk_during_an_import_says_disk_full_and_changes_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let mut case = Case::open(&dir.path().join("c.kordon")).unwrap();
        // SQLite reports a database that reached its page limit exactly as a
        // full disk (SQLITE_FULL): the same path through the code.
        let pages: i64 = case.conn.query_row("PRAGMA page_count", [], |r| r.get(0)).unwrap();
        case.conn.query_row(&format!("PRAGMA max_page_count = {}", pages + 2), [], |_| Ok(())).unwrap();
        let opts = crate::ingest::ImportOptions::default();
        let err = crate::ingest::import(&mut case, &[fixture("demo/kordon-demo.zip")], &opts, &mut |_| {}).unwrap_err();
        assert_eq!(err.code(), Code::DiskFull, "{}", err);
        assert!(err.to_string().contains("disk full"), "{}", err);
        assert_eq!(case.count("events").unwrap(), 0);
    }

    #[test]
    fn a_file_that_is_not_sqlite_is_not_a_case_and_is_left_alone() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("notes.kordon");
        std::fs::write(&path, [b'x'; 4096]).unwrap();
        let err = Case::open(&path).err().unwrap();
        assert_eq!(err.code(), Code::BadCase);
        assert!(err.to_string().contains("not a Kordon case (not a SQLite database)"), "{}", err);
        assert_eq!(std::fs::read(&path).unwrap(), vec![b'x'; 4096]);
    }
}
