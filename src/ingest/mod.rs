//! Importing evidence into a case.
//!
//! One import is one SQLite transaction: it commits whole or not at all, so a
//! refused file, a hash mismatch, a cancel or a killed process leaves the
//! case exactly as it was. Reading, inflating and framing run on a second
//! thread and parsing on a third (`parsing`); this thread only writes, so
//! every core shares the work and memory stays bounded by the queues
//! between them.

pub mod cancel;
pub mod framing;
pub mod input;
pub mod limits;
mod parsing;
pub mod shapes;

use crate::clock::Clock;
use crate::error::{Code, Error, Result};
use crate::formats::Format;
use crate::store::writer::{resolve_short_container_ids, Added, EntityUpdates, EventWriter, Locator, Prepared};
use crate::store::{activity, file_label, Case};
use crossbeam_channel::{bounded, Receiver};
use serde::Serialize;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;

pub use limits::Limits;
pub(crate) use shapes::Tally;

#[derive(Clone)]
pub struct ImportOptions {
    pub limits: Limits,
    /// Refuse the import on the first record that cannot be parsed.
    pub strict: bool,
    /// Raised to cancel, best through [`cancel::request`]. The import raises
    /// it itself at its point of no return, so it stays raised after a
    /// commit (see [`cancel`]).
    pub cancel: Arc<AtomicBool>,
    pub clock: Arc<dyn Clock>,
    /// Who is importing, for the activity log.
    pub actor: String,
    /// The cluster the evidence is from, for records that do not name
    /// theirs (a CloudWatch page, a Falco log); `--cluster`.
    pub cluster: Option<String>,
    /// Threads that parse a file's records beside the reading and the
    /// writing thread; 0: as many as the machine has cores beyond those
    /// two, at least one (`--workers`).
    pub workers: usize,
}

impl ImportOptions {
    /// The parsing threads this import runs.
    pub fn parsing_workers(&self) -> usize {
        match self.workers {
            0 => std::thread::available_parallelism().map_or(1, |n| n.get().saturating_sub(2)).max(1),
            n => n.min(MAX_WORKERS),
        }
    }
}

/// More parsing threads than this only hold memory: the one writer bounds
/// the import long before.
pub const MAX_WORKERS: usize = 64;

impl Default for ImportOptions {
    fn default() -> ImportOptions {
        ImportOptions {
            limits: Limits::default(),
            strict: false,
            cancel: Arc::new(AtomicBool::new(false)),
            clock: Arc::new(crate::clock::SystemClock),
            actor: "kordon".into(),
            cluster: None,
            workers: 0,
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct FileSummary {
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub inner_path: Option<String>,
    pub format: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub compression: Option<String>,
    pub size: u64,
    pub sha256: Option<String>,
    pub records: u64,
    pub events_new: u64,
    pub events_merged: u64,
    pub errors: u64,
    /// Set when the file was not imported: already in the case, or empty.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub skipped: Option<String>,
    /// What the file turned out to be, in words: "EKS CloudWatch Logs,
    /// filter-log-events, 3 pages, 2,841 audit events".
    #[serde(skip_serializing_if = "Option::is_none")]
    pub shape: Option<String>,
    /// Records understood and deliberately not imported, by reason (a
    /// CloudWatch control message).
    #[serde(skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    pub skipped_records: std::collections::BTreeMap<String, u64>,
    /// What the import commits to in the activity log for this file's raw
    /// records ([`crate::store::digests`]).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub records_sha256: Option<String>,
}

#[derive(Debug, Clone, Serialize, Default)]
pub struct ImportSummary {
    pub import_id: i64,
    pub files: Vec<FileSummary>,
    pub files_imported: u64,
    pub files_skipped: u64,
    pub records: u64,
    pub events_new: u64,
    pub events_merged: u64,
    pub entities_new: u64,
    pub parse_errors: u64,
    pub containers_joined: u64,
    pub bytes_read: u64,
    /// Files kept as attachments (counted in `files_imported` too).
    pub attachments: u64,
}

#[derive(Debug, Clone, Default)]
pub struct Progress {
    pub bytes_done: u64,
    pub bytes_total: u64,
    pub file: String,
    pub records: u64,
}

/// One parsed record on its way to the writer.
pub(crate) enum Item {
    /// `extra`: other records of the same event from the same file (audit
    /// stages), already ranked below this one. `packed`: `raw` and `extra`
    /// are already as stored; otherwise the writer compresses them with the
    /// file's dictionary (see [`input`]: whichever thread has time does it).
    Event { at: Locator, raw: Vec<u8>, prepared: Box<Prepared>, extra: Vec<crate::store::writer::Record>, packed: bool },
    Error { at: Locator, raw: Vec<u8>, reason: String },
}

/// Batches of parsed records between the reading and the writing thread.
/// Deep enough to ride out the writer's periodic bulk work (the full-text
/// index, the links) without stalling the reader, and the depth at which the
/// reader starts helping with compression (half of it); a few tens of MiB.
const QUEUE: usize = 16;

pub(crate) enum Msg {
    Bundle { name: String, sha256: String, manifest: String },
    FileStart { name: String, inner_path: Option<String>, in_bundle: bool, format: Format, compression: Option<&'static str> },
    Items(Vec<Item>),
    /// The raw records of the current file that follow are compressed with
    /// this dictionary.
    Dictionary(Vec<u8>),
    /// Entity first/last-seen times and attributes of the current file.
    Entities(EntityUpdates),
    FileEnd { sha256: String, size: u64, shape: Option<String>, skipped_records: std::collections::BTreeMap<String, u64> },
    Skipped(FileSummary),
    /// A file of a folder or zip that is not a format Kordon reads, kept as
    /// an attachment: `content` is `None` when it is too large to keep.
    Attachment { name: String, inner_path: Option<String>, sha256: String, size: u64, content: Option<Vec<u8>>, why: String },
    /// Everything was read; only now may the import commit.
    Done,
}

/// Shared between the reader thread and the caller, for progress.
#[derive(Default)]
pub(crate) struct Shared {
    pub bytes_done: AtomicU64,
    pub bytes_total: AtomicU64,
}

pub fn import(
    case: &mut Case,
    paths: &[PathBuf],
    opts: &ImportOptions,
    progress: &mut dyn FnMut(&Progress),
) -> Result<ImportSummary> {
    if paths.is_empty() {
        return Err(Error::input(Code::InvalidArgument, "nothing to import: give files, folders or zips"));
    }
    for p in paths {
        if !p.exists() {
            return Err(Error::input(Code::NotFound, format!("{}: no such file or folder", p.display())));
        }
    }
    let started = opts.clock.now_ns();
    let shared = Arc::new(Shared::default());
    let (tx, rx) = bounded::<Msg>(QUEUE);
    let reader = {
        let paths = paths.to_vec();
        let opts = opts.clone();
        let shared = shared.clone();
        std::thread::Builder::new()
            .name("kordon-import-reader".into())
            .spawn(move || input::read_all(&paths, &opts, &shared, tx))
            .map_err(|e| Error::io("starting the import thread", e))?
    };
    // The writer keeps the case's references whole by construction: an
    // entity's row before its first link, an event before its records and
    // links, a file's rows rolled back together. So the import does not pay
    // SQLite's foreign-key lookups on every row, nor the statement journal
    // they force on every multi-row insert (a tenth of the writer's time).
    // `kordon verify` checks the references, and so do the tests after
    // every kind of import. (The pragma only takes effect outside a
    // transaction, hence here.)
    let result = case
        .conn
        .pragma_update(None, "foreign_keys", false)
        .map_err(Error::from)
        .and_then(|()| write_all(case, &rx, opts, &shared, started, progress));
    let restored = case.conn.pragma_update(None, "foreign_keys", true);
    // On a write error, stop the reader: it sees the closed channel or the flag.
    if result.is_err() {
        opts.cancel.store(true, Ordering::SeqCst);
    }
    drop(rx);
    let read_result = reader.join().unwrap_or_else(|_| Err(Error::input(Code::Io, "the import reader thread panicked")));
    restored?;
    match (result, read_result) {
        (Ok(s), Ok(())) => Ok(s),
        // The reader's error explains why the writer stopped early.
        (_, Err(e)) if e.code() != Code::Cancelled => Err(e),
        (Err(e), _) => Err(e),
        (Ok(_), Err(e)) => Err(e),
    }
}

fn write_all(
    case: &mut Case,
    rx: &Receiver<Msg>,
    opts: &ImportOptions,
    shared: &Shared,
    started: i64,
    progress: &mut dyn FnMut(&Progress),
) -> Result<ImportSummary> {
    let tx = case.conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
    tx.execute(
        "INSERT INTO imports (started_ns, kordon) VALUES (?1, ?2)",
        rusqlite::params![started, env!("CARGO_PKG_VERSION")],
    )?;
    let import_id = tx.last_insert_rowid();
    let mut summary = ImportSummary { import_id, ..Default::default() };
    let mut writer = EventWriter::new(&tx)?;
    let mut bundle_id: Option<i64> = None;
    let mut current: Option<(i64, FileSummary)> = None;
    let mut prog = Progress::default();
    let mut pending_no = 0u64;
    let mut done = false;
    let entities_before = tx.query_row("SELECT COUNT(*) FROM entities", [], |r| r.get::<_, i64>(0))?;

    for msg in rx.iter() {
        if opts.cancel.load(Ordering::Relaxed) {
            return Err(cancel::cancelled());
        }
        match msg {
            Msg::Bundle { name, sha256, manifest } => {
                let existing: Option<i64> = tx
                    .query_row("SELECT id FROM bundles WHERE sha256 = ?1", [&sha256], |r| r.get(0))
                    .ok();
                bundle_id = Some(match existing {
                    Some(id) => id,
                    None => {
                        tx.execute(
                            "INSERT INTO bundles (import_id, name, sha256, manifest) VALUES (?1, ?2, ?3, ?4)",
                            rusqlite::params![import_id, name, sha256, manifest],
                        )?;
                        tx.last_insert_rowid()
                    }
                });
            }
            Msg::FileStart { name, inner_path, in_bundle, format, compression } => {
                pending_no += 1;
                tx.execute_batch("SAVEPOINT file")?;
                tx.execute(
                    "INSERT INTO sources (import_id, bundle_id, name, inner_path, format, compression, size, sha256, imported_ns)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, 0, ?7, ?8)",
                    rusqlite::params![
                        import_id,
                        if in_bundle { bundle_id } else { None },
                        name,
                        inner_path,
                        format.as_str(),
                        compression,
                        format!("pending-{}", pending_no),
                        started
                    ],
                )?;
                writer.use_dictionary(None)?;
                prog.file = file_label(&name, inner_path.as_deref());
                current = Some((
                    tx.last_insert_rowid(),
                    FileSummary {
                        name,
                        inner_path,
                        format: Some(format.as_str().to_string()),
                        compression: compression.map(str::to_string),
                        size: 0,
                        sha256: None,
                        records: 0,
                        events_new: 0,
                        events_merged: 0,
                        errors: 0,
                        skipped: None,
                        shape: None,
                        skipped_records: Default::default(),
                        records_sha256: None,
                    },
                ));
            }
            Msg::Items(items) => {
                let Some((source_id, fs)) = current.as_mut() else { continue };
                for item in items {
                    // Records stored (what `verify` counts per file).
                    match item {
                        Item::Event { at, mut raw, prepared, mut extra, packed } => {
                            if !packed {
                                writer.pack(&mut raw, &mut extra).map_err(|e| Error::io(format!("compressing {}", prog.file), e))?;
                            }
                            let (id, added) = writer.add_event(*source_id, at, &raw, &prepared)?;
                            match added {
                                Added::New => fs.events_new += 1,
                                Added::Merged => fs.events_merged += 1,
                                Added::Again => {}
                            }
                            fs.records += u64::from(added != Added::Again);
                            fs.records += extra.len() as u64;
                            fs.events_merged += extra.len() as u64;
                            writer.add_records(*source_id, id, &extra)?;
                        }
                        Item::Error { at, raw, reason } => {
                            if opts.strict {
                                return Err(Error::input(
                                    Code::MalformedRecord,
                                    format!("{}: {}: {} (--strict refuses malformed records)", prog.file, where_(at), reason),
                                ));
                            }
                            fs.errors += 1;
                            fs.records += 1;
                            writer.add_error(*source_id, at, &reason, &raw)?;
                        }
                    }
                }
                prog.records = summary.records + fs.records;
                prog.bytes_done = shared.bytes_done.load(Ordering::Relaxed);
                prog.bytes_total = shared.bytes_total.load(Ordering::Relaxed);
                progress(&prog);
            }
            Msg::Entities(updates) => writer.apply(updates)?,
            Msg::Dictionary(dict) => writer.use_dictionary(Some(&dict))?,
            Msg::FileEnd { sha256, size, shape, skipped_records } => {
                let Some((source_id, mut fs)) = current.take() else { continue };
                writer.flush()?;
                let (stored, digest) = writer.end_file_records()?;
                debug_assert_eq!(stored, fs.records, "every record stored is in the file's digest");
                fs.records_sha256 = Some(digest);
                fs.sha256 = Some(sha256.clone());
                fs.size = size;
                fs.shape = shape;
                fs.skipped_records = skipped_records;
                let dup: Option<(String, Option<String>)> = tx
                    .query_row("SELECT name, inner_path FROM sources WHERE sha256 = ?1", [&sha256], |r| {
                        Ok((r.get(0)?, r.get(1)?))
                    })
                    .ok();
                if let Some((name, inner)) = dup {
                    // Same bytes already in the case: undo this file's rows.
                    tx.execute_batch("ROLLBACK TO file; RELEASE file")?;
                    writer.forget()?;
                    fs.skipped = Some(format!("already in the case as {}", file_label(&name, inner.as_deref())));
                    fs.events_new = 0;
                    fs.events_merged = 0;
                    fs.errors = 0;
                    summary.files_skipped += 1;
                } else {
                    tx.execute(
                        "UPDATE sources SET sha256 = ?2, size = ?3, records = ?4, events = ?5, errors = ?6, shape = ?7 WHERE id = ?1",
                        rusqlite::params![
                            source_id,
                            sha256,
                            size as i64,
                            fs.records as i64,
                            (fs.events_new + fs.events_merged) as i64,
                            fs.errors as i64,
                            fs.shape
                        ],
                    )?;
                    tx.execute_batch("RELEASE file")?;
                    summary.files_imported += 1;
                    summary.records += fs.records;
                    summary.events_new += fs.events_new;
                    summary.events_merged += fs.events_merged;
                    summary.parse_errors += fs.errors;
                    summary.bytes_read += size;
                }
                summary.files.push(fs);
            }
            Msg::Skipped(fs) => {
                summary.files_skipped += 1;
                summary.files.push(fs);
            }
            Msg::Attachment { name, inner_path, sha256, size, content, why } => {
                let fs = attachment(&tx, import_id, bundle_id, started, name, inner_path, sha256, size, content, why)?;
                if fs.skipped.is_some() {
                    summary.files_skipped += 1;
                } else {
                    summary.files_imported += 1;
                    summary.attachments += 1;
                    summary.bytes_read += size;
                }
                summary.files.push(fs);
            }
            Msg::Done => done = true,
        }
    }
    if current.is_some() || !done {
        // The reader stopped early: a cancel (the flag may have been raised
        // after the loop's last check), or an error the caller reports.
        if opts.cancel.load(Ordering::SeqCst) {
            return Err(cancel::cancelled());
        }
        return Err(Error::input(Code::Io, "the import stopped before the end of its input"));
    }
    // Saves the finishing work; the outcome is decided only at the commit.
    if opts.cancel.load(Ordering::SeqCst) {
        return Err(cancel::cancelled());
    }
    writer.flush()?;
    drop(writer);
    if summary.attachments > 0 && summary.files.iter().all(|f| f.format.as_deref() == Some(ATTACHMENT) || f.sha256.is_none()) {
        // Not one file Kordon could read: most likely the wrong folder.
        let names: Vec<String> =
            summary.files.iter().take(3).map(|f| file_label(&f.name, f.inner_path.as_deref())).collect();
        return Err(Error::input(
            Code::UnknownFormat,
            format!(
                "nothing to import: no file is a format Kordon reads ({}{}); the case is unchanged",
                names.join(", "),
                if summary.files.len() > names.len() { ", …" } else { "" }
            ),
        ));
    }
    summary.containers_joined = resolve_short_container_ids(&tx)? as u64;
    let entities_after = tx.query_row("SELECT COUNT(*) FROM entities", [], |r| r.get::<_, i64>(0))?;
    summary.entities_new = (entities_after - entities_before).max(0) as u64;
    let finished = opts.clock.now_ns();
    let details = serde_json::json!({
        "import_id": import_id,
        "files": summary.files.iter().map(|f| serde_json::json!({
            "name": f.name, "inner_path": f.inner_path, "sha256": f.sha256, "format": f.format,
            "events_new": f.events_new, "errors": f.errors, "skipped": f.skipped, "records": f.records,
            "records_sha256": f.records_sha256,
        })).collect::<Vec<_>>(),
        "events_new": summary.events_new,
        "events_merged": summary.events_merged,
        "parse_errors": summary.parse_errors,
    });
    activity::append(&tx, finished, &opts.actor, "import", Some(&format!("import {}", import_id)), &details)?;
    tx.execute(
        "UPDATE imports SET finished_ns = ?2, summary = ?3 WHERE id = ?1",
        rusqlite::params![import_id, finished, serde_json::to_string(&summary).unwrap_or_default()],
    )?;
    cancel::decide_commit(&opts.cancel)?;
    tx.commit()?;
    Ok(summary)
}

/// The format name of a file kept as an attachment.
pub const ATTACHMENT: &str = "attachment";

/// Stores a file kept as an attachment (or notes that its bytes are in the
/// case already).
#[allow(clippy::too_many_arguments)]
fn attachment(
    tx: &rusqlite::Transaction,
    import_id: i64,
    bundle_id: Option<i64>,
    started: i64,
    name: String,
    inner_path: Option<String>,
    sha256: String,
    size: u64,
    content: Option<Vec<u8>>,
    why: String,
) -> Result<FileSummary> {
    let kept = content.is_some();
    let shape = format!(
        "Attachment: {}; {}",
        why,
        if kept {
            "its bytes are kept in the case".to_string()
        } else {
            format!("over {} bytes, so only its SHA-256 is kept", input::MAX_ATTACHMENT_BYTES)
        }
    );
    let mut fs = FileSummary {
        name,
        inner_path,
        format: Some(ATTACHMENT.to_string()),
        compression: None,
        size,
        sha256: Some(sha256.clone()),
        records: 0,
        events_new: 0,
        events_merged: 0,
        errors: 0,
        skipped: None,
        shape: Some(shape),
        skipped_records: Default::default(),
        records_sha256: None,
    };
    let dup: Option<(String, Option<String>)> = tx
        .query_row("SELECT name, inner_path FROM sources WHERE sha256 = ?1", [&sha256], |r| Ok((r.get(0)?, r.get(1)?)))
        .ok();
    if let Some((n, inner)) = dup {
        fs.skipped = Some(format!("already in the case as {}", file_label(&n, inner.as_deref())));
        return Ok(fs);
    }
    tx.execute(
        "INSERT INTO sources (import_id, bundle_id, name, inner_path, format, compression, size, sha256, imported_ns, shape)
         VALUES (?1, ?2, ?3, ?4, ?5, NULL, ?6, ?7, ?8, ?9)",
        rusqlite::params![import_id, bundle_id, fs.name, fs.inner_path, ATTACHMENT, size as i64, sha256, started, fs.shape],
    )?;
    if let Some(bytes) = content {
        let id = tx.last_insert_rowid();
        tx.execute("INSERT INTO attachment_content (source_id, content) VALUES (?1, ?2)", rusqlite::params![id, bytes])?;
    }
    Ok(fs)
}

fn where_(at: Locator) -> String {
    match at.line {
        Some(l) => format!("line {}", l),
        None => format!("byte {}", at.offset),
    }
}

/// Turns a read error into the user-facing error, keeping zip-bomb and
/// corrupt-archive causes distinct from plain I/O failures.
pub(crate) fn read_error(name: &str, e: std::io::Error) -> Error {
    if let Some(b) = limits::breach_of(&e) {
        return Error::input(Code::ZipBomb, format!("{}: {}", name, b));
    }
    let text = e.to_string();
    if e.kind() == std::io::ErrorKind::InvalidData
        || e.kind() == std::io::ErrorKind::UnexpectedEof
        || text.contains("checksum")
        || text.contains("corrupt deflate")
        || text.contains("invalid gzip")
    {
        return Error::input(Code::CorruptArchive, format!("{}: corrupt or truncated compressed data ({})", name, text));
    }
    Error::io(format!("reading {}", name), e)
}

/// A precise reason for JSON that does not parse.
pub(crate) fn json_reason(e: &serde_json::Error, bytes: &[u8]) -> String {
    if let Err(u) = std::str::from_utf8(bytes) {
        return format!("invalid UTF-8 at byte {} of the record", u.valid_up_to());
    }
    let msg = e.to_string();
    if msg.contains("recursion limit") {
        return format!("JSON nested too deeply (over 128 levels): {}", msg);
    }
    format!("invalid JSON: {}", msg)
}
