//! Case hand-off: a case sealed in a zip, and the checks that open it again.
//!
//! An investigator hands a case to a colleague, a court or cold storage. The
//! archive holds two entries, `manifest.json` then `case.kordon`. The case is
//! copied with SQLite's online backup, which copies the database page by
//! page as one read transaction sees it, so the copy is consistent while the
//! case is open (an import running, uncheckpointed WAL frames) and is, page
//! for page, the database Kordon reads, already marked as a WAL case. The
//! other way, `VACUUM INTO`, rebuilds the file: it drops free pages (the
//! copy is smaller), but writes it in rollback-journal mode, so the first
//! open by Kordon rewrites the header and the restored file is no longer the
//! one in the archive; and SQLite may renumber the rowids of tables without
//! an integer key. Both are byte-stable for an unchanged case; only the
//! backup's copy stays byte-identical once opened again.
//!
//! The manifest lists every other entry with its size and SHA-256, and
//! records what the case says of itself: the activity log's head, the
//! schema version, its counts, the Kordon that made the archive and when
//! (the injected clock). The zip is deterministic (fixed order, entry times
//! and permissions), so an unchanged case archived twice at the same instant
//! gives the same bytes, and the archive's SHA-256 identifies it.
//!
//! [`unarchive`] refuses a hostile or damaged archive before the new case
//! exists: exactly the manifest's entries (none missing, none unlisted, no
//! name twice, no folder or link entries, no path that leaves the folder,
//! nothing encrypted, no size that lies or inflates past the caps), every
//! SHA-256 matching; then the case, written beside its final name, must open
//! as a Kordon case, pass `verify` and hold the manifest's log head and
//! counts. Only then is it moved into place, and never over an existing file.
//!
//! What that proves is integrity, not authenticity ([`NOT_AUTHENTIC`]): the
//! manifest travels inside the archive and nothing in it is keyed, so a case
//! rewritten together with its manifest (and its log's chain, recomputed)
//! passes. The archive's SHA-256, or the log head, kept by another channel
//! is what proves it is the archive that was made (`expect_sha256`).

use crate::clock::Clock;
use crate::error::{Code, Error, Result};
use crate::ingest::input::{twice_named, unsafe_entry_name};
use crate::ingest::limits::{breach_of, Guard, Hashing, Limits};
use crate::store::verify::{self, Head, Verification};
use crate::store::{Access, Case};
use rusqlite::{Connection, OpenFlags};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::cell::Cell;
use std::collections::{BTreeMap, BTreeSet};
use std::fs::File;
use std::io::{Read, Seek, Write};
use std::path::{Path, PathBuf};
use std::rc::Rc;

/// The archive format this build writes and reads.
pub const FORMAT_VERSION: u32 = 1;
pub const MANIFEST_NAME: &str = "manifest.json";
/// The case's entry in the archive.
pub const CASE_ENTRY: &str = "case.kordon";
/// A manifest is a few hundred bytes; anything near this is not one.
const MAX_MANIFEST_BYTES: u64 = 1 << 20;
/// Pages copied per step of the backup, between progress reports.
const PAGES_PER_STEP: i32 = 1024;
/// After this many restarts (the case changed between steps), the rest is
/// copied in one step, which a writer cannot interrupt.
const MAX_RESTARTS: u32 = 3;
const BUFFER: usize = 1 << 20;

/// What every check of an archive leaves unproven.
pub const NOT_AUTHENTIC: &str = "the archive is checked for integrity, not authenticity: its manifest travels inside it and nothing is keyed, so a case rewritten together with its manifest (and its activity log's hashes recomputed) passes; compare the archive's SHA-256 (--expect-sha256) or the log head (`kordon verify --expect-head`) with a copy received by another channel";

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Manifest {
    pub kordon_archive: u32,
    /// When the archive was made, RFC 3339 UTC.
    pub created: String,
    /// The Kordon that made it.
    pub kordon_version: String,
    /// The case's schema (its newest migration).
    pub schema_version: i64,
    /// Which listed entry is the case.
    pub case_file: String,
    /// The activity log's newest row, `ROW:HASH` as `kordon log --head`
    /// prints it; `None` for a case with an empty log.
    pub activity_head: Option<String>,
    pub counts: Counts,
    /// Every entry but the manifest itself.
    pub files: Vec<ManifestFile>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ManifestFile {
    pub path: String,
    pub size: u64,
    /// Lower-case hex.
    pub sha256: String,
}

/// What the case holds, as the archive recorded it.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Counts {
    pub sources: i64,
    pub events: i64,
    pub alerts: i64,
    pub entities: i64,
    pub parse_errors: i64,
    pub incidents: i64,
    pub comments: i64,
    pub actions: i64,
    pub activity: i64,
}

impl Counts {
    fn of(conn: &Connection) -> Result<Counts> {
        let count = |sql: &str| -> Result<i64> { Ok(conn.query_row(sql, [], |r| r.get(0))?) };
        Ok(Counts {
            sources: count("SELECT COUNT(*) FROM sources")?,
            events: count("SELECT COUNT(*) FROM events")?,
            alerts: count("SELECT COUNT(*) FROM events WHERE kind = 'alert'")?,
            entities: count("SELECT COUNT(*) FROM entities")?,
            parse_errors: count("SELECT COUNT(*) FROM parse_errors")?,
            incidents: count("SELECT COUNT(*) FROM incidents")?,
            comments: count("SELECT COUNT(*) FROM comments")?,
            actions: count("SELECT COUNT(*) FROM actions")?,
            activity: count("SELECT COUNT(*) FROM activity")?,
        })
    }

    fn fields(&self) -> [(&'static str, i64); 9] {
        [
            ("sources", self.sources),
            ("events", self.events),
            ("alerts", self.alerts),
            ("entities", self.entities),
            ("parse errors", self.parse_errors),
            ("incidents", self.incidents),
            ("comments", self.comments),
            ("actions", self.actions),
            ("activity rows", self.activity),
        ]
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Phase {
    /// Copying the case's pages (`done`/`total` in pages).
    Copying,
    /// Writing the zip (bytes of the case).
    Compressing,
    /// Hashing the archive (bytes of the zip).
    Checking,
    /// Unpacking the case beside its final name (bytes of the case).
    Unpacking,
    /// Opening and verifying the unpacked case.
    Verifying,
}

#[derive(Clone, Copy, Debug, Serialize)]
pub struct Progress {
    pub phase: Phase,
    pub done: u64,
    pub total: u64,
}

/// What [`write`] made.
#[derive(Clone, Debug, Serialize)]
pub struct Summary {
    pub archive: String,
    pub archive_size: u64,
    /// Keep it outside the archive: it is what proves authenticity later.
    pub archive_sha256: String,
    pub manifest: Manifest,
}

/// What [`unarchive`] restored and checked.
#[derive(Clone, Debug, Serialize)]
pub struct Restored {
    pub case: String,
    pub archive: String,
    pub archive_sha256: String,
    /// The archive's SHA-256 equalled the one given from outside it.
    pub archive_sha256_checked: bool,
    pub manifest: Manifest,
    /// The schema this build brought an older archived case up to.
    pub upgraded_to: Option<i64>,
    /// `kordon verify` on the restored case, against the manifest's head.
    pub verification: Verification,
    /// What the checks cannot tell: [`NOT_AUTHENTIC`] unless the archive's
    /// SHA-256 was checked, then what `verify` cannot.
    pub limits: Vec<String>,
}

#[derive(Clone, Debug, Default)]
pub struct UnarchiveOptions {
    /// The archive's SHA-256 as [`write`] reported it, received by another
    /// channel than the archive.
    pub expect_sha256: Option<String>,
}

/// Seals `case` into the zip `dest`, written beside it and renamed into
/// place (an earlier archive there is replaced; any other file is not).
/// Reads the case only.
pub fn write(case: &Case, dest: &Path, clock: &dyn Clock, progress: &mut dyn FnMut(Progress)) -> Result<Summary> {
    let dir = existing_folder(dest)?;
    check_replaceable(dest)?;
    let copy = tempfile::Builder::new()
        .prefix(".kordon-archive-")
        .suffix(".tmp")
        .tempfile_in(&dir)
        .map_err(|e| Error::io(format!("creating a temporary file in {}", dir.display()), e))?;
    let sealed = seal(case, copy.path(), dest, clock, progress);
    remove_sidecars(copy.path());
    sealed
}

fn seal(case: &Case, copy: &Path, dest: &Path, clock: &dyn Clock, progress: &mut dyn FnMut(Progress)) -> Result<Summary> {
    backup(&case.conn, copy, progress)?;
    // The facts come from the copy, which is what the archive holds: the
    // case itself may have changed since.
    let (schema_version, head, counts) = {
        let conn = Connection::open_with_flags(copy, OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX)?;
        let schema: i64 = conn.query_row("SELECT COALESCE(MAX(version), 0) FROM schema_migrations", [], |r| r.get(0))?;
        let copied = Case { conn, path: copy.to_path_buf() };
        let head = verify::head(&copied)?;
        let counts = Counts::of(&copied.conn)?;
        (schema, head, counts)
    };
    remove_sidecars(copy);
    let (sha256, size) = hash_file(copy, Phase::Checking, &mut |_| {})?;
    let manifest = Manifest {
        kordon_archive: FORMAT_VERSION,
        created: crate::time::format_ns(clock.now_ns()),
        kordon_version: env!("CARGO_PKG_VERSION").to_string(),
        schema_version,
        case_file: CASE_ENTRY.to_string(),
        activity_head: head.map(|h| h.to_string()),
        counts,
        files: vec![ManifestFile { path: CASE_ENTRY.to_string(), size, sha256 }],
    };
    let json = serde_json::to_vec_pretty(&manifest).map_err(|e| Error::io("writing the manifest", std::io::Error::other(e)))?;
    let mut case_bytes = File::open(copy).map_err(|e| Error::io(format!("reading {}", copy.display()), e))?;
    let writing = |e: std::io::Error| Error::io(format!("writing {}", dest.display()), e);
    crate::app::replace_file_with(dest, |out| {
        write_zip(out, &json, &mut case_bytes, size, progress).map_err(writing)?;
        out.sync_all().map_err(writing)
    })?;
    let (archive_sha256, archive_size) = hash_file(dest, Phase::Checking, &mut |_| {})?;
    Ok(Summary { archive: dest.display().to_string(), archive_size, archive_sha256, manifest })
}

/// Copies the case's main database into the empty file `to`, page for page,
/// as one read transaction sees it.
fn backup(src: &Connection, to: &Path, progress: &mut dyn FnMut(Progress)) -> Result<()> {
    use rusqlite::backup::{Backup, StepResult};
    let mut dst = Connection::open_with_flags(to, OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX)?;
    let copy = Backup::new(src, &mut dst)?;
    let (mut restarts, mut waits, mut last_remaining) = (0u32, 0u32, i32::MAX);
    loop {
        let pages = if restarts >= MAX_RESTARTS { -1 } else { PAGES_PER_STEP };
        let copied = match copy.step(pages)? {
            StepResult::Done => break,
            StepResult::More => true,
            // The case is locked for a moment (a checkpoint, a recovery).
            StepResult::Busy | StepResult::Locked => {
                waits += 1;
                if waits > 200 {
                    return Err(Error::input(Code::Busy, "the case stayed locked for 10 s while it was being copied; try again"));
                }
                std::thread::sleep(std::time::Duration::from_millis(50));
                false
            }
            // Not built by this rusqlite.
            _ => false,
        };
        let p = copy.progress();
        // A write to the case between steps starts the copy over, so a step
        // that copied pages without bringing the end nearer was a restart.
        if copied && p.remaining >= last_remaining {
            restarts += 1;
        }
        last_remaining = p.remaining;
        progress(Progress { phase: Phase::Copying, done: (p.pagecount - p.remaining).max(0) as u64, total: p.pagecount.max(0) as u64 });
    }
    Ok(())
}

fn write_zip(out: &mut File, manifest: &[u8], case: &mut File, size: u64, progress: &mut dyn FnMut(Progress)) -> std::io::Result<()> {
    use zip::write::SimpleFileOptions;
    let options = SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .last_modified_time(zip::DateTime::default())
        .unix_permissions(0o644);
    let mut zip = zip::ZipWriter::new(out);
    zip.start_file(MANIFEST_NAME, options).map_err(zip_io)?;
    zip.write_all(manifest)?;
    zip.start_file(CASE_ENTRY, options.large_file(size >= u64::from(u32::MAX))).map_err(zip_io)?;
    let mut buf = vec![0u8; BUFFER];
    let mut done = 0u64;
    loop {
        let n = match case.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        zip.write_all(&buf[..n])?;
        done += n as u64;
        progress(Progress { phase: Phase::Compressing, done, total: size });
    }
    zip.finish().map_err(zip_io)?;
    Ok(())
}

fn zip_io(e: zip::result::ZipError) -> std::io::Error {
    match e {
        zip::result::ZipError::Io(e) => e,
        other => std::io::Error::other(other),
    }
}

/// Restores the case sealed in `zip` as the new case `dest` (see the module
/// docs for every check). Refuses if `dest` exists.
pub fn unarchive(zip: &Path, dest: &Path, opts: &UnarchiveOptions, progress: &mut dyn FnMut(Progress)) -> Result<Restored> {
    let label = zip.display().to_string();
    let dir = existing_folder(dest)?;
    refuse_existing(dest)?;
    let (archive_sha256, _) = hash_file(zip, Phase::Checking, progress)?;
    let archive_sha256_checked = match &opts.expect_sha256 {
        None => false,
        Some(want) if want.trim().eq_ignore_ascii_case(&archive_sha256) => true,
        Some(want) => {
            return Err(Error::input(
                Code::HashMismatch,
                format!(
                    "{}: its SHA-256 is {}, not the expected {}: it is not the archive that was made; nothing was restored",
                    label,
                    archive_sha256,
                    want.trim()
                ),
            ))
        }
    };
    let file = File::open(zip).map_err(|e| Error::io(format!("reading {}", label), e))?;
    let mut archive = zip::ZipArchive::new(std::io::BufReader::new(file))
        .map_err(|e| Error::input(Code::CorruptArchive, format!("{}: not a readable zip archive ({})", label, e)))?;
    if archive.has_duplicate_names() {
        let start = archive.central_directory_start();
        let twice = File::open(zip).ok().and_then(|f| twice_named(std::io::BufReader::new(f), start));
        return Err(duplicate(&label, twice.as_deref()));
    }
    let entries = entries(&mut archive, &label)?;
    let manifest = read_manifest(&mut archive, &label, &entries)?;
    check_listing(&manifest, &label, &entries)?;

    let name = dest.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let mut tmp = tempfile::Builder::new()
        .prefix(&format!(".{}.", name))
        .suffix(".tmp")
        .tempfile_in(&dir)
        .map_err(|e| Error::io(format!("creating a temporary file in {}", dir.display()), e))?;
    for listed in &manifest.files {
        let out = (listed.path == manifest.case_file).then(|| tmp.as_file_mut());
        extract(&mut archive, &entries[&listed.path], listed, &label, out, progress)?;
    }
    tmp.as_file().sync_all().map_err(|e| Error::io(format!("writing {}", tmp.path().display()), e))?;
    progress(Progress { phase: Phase::Verifying, done: 0, total: 1 });
    let checked = check_case(tmp.path(), &manifest, &label);
    remove_sidecars(tmp.path());
    let (upgraded_to, verification) = checked?;
    progress(Progress { phase: Phase::Verifying, done: 1, total: 1 });
    tmp.persist_noclobber(dest).map_err(|e| match e.error.kind() {
        std::io::ErrorKind::AlreadyExists => exists(dest),
        _ => Error::io(format!("moving the restored case to {}", dest.display()), e.error),
    })?;
    let mut limits = Vec::new();
    if !archive_sha256_checked {
        limits.push(NOT_AUTHENTIC.to_string());
    }
    limits.extend(verification.limits.iter().cloned());
    Ok(Restored {
        case: dest.display().to_string(),
        archive: label,
        archive_sha256,
        archive_sha256_checked,
        manifest,
        upgraded_to,
        verification,
        limits,
    })
}

struct Entry {
    index: usize,
    size: u64,
    compressed: u64,
}

/// The archive's entries by name, each a plain file under a safe name.
fn entries<R: Read + Seek>(archive: &mut zip::ZipArchive<R>, label: &str) -> Result<BTreeMap<String, Entry>> {
    let limits = limits();
    let mut out = BTreeMap::new();
    let mut declared = 0u64;
    for index in 0..archive.len() {
        let e = archive
            .by_index_raw(index)
            .map_err(|e| Error::input(Code::CorruptArchive, format!("{}: entry {} unreadable ({})", label, index, e)))?;
        let name = e
            .name()
            .map_err(|err| Error::input(Code::CorruptArchive, format!("{}: entry {} has an unreadable name ({})", label, index, err)))?
            .to_string();
        if unsafe_entry_name(&name) || e.enclosed_name().is_none() {
            return Err(Error::input(
                Code::UnsafePath,
                format!("{}: entry '{}' has an absolute or parent-directory path (path traversal); nothing was restored", label, name),
            ));
        }
        if e.encrypted() {
            return Err(Error::input(Code::EncryptedEntry, format!("{}: entry '{}' is encrypted; nothing was restored", label, name)));
        }
        if e.is_symlink() {
            return Err(Error::input(
                Code::UnsafePath,
                format!("{}: entry '{}' is a symbolic link, which a case archive never holds; nothing was restored", label, name),
            ));
        }
        if e.is_dir() {
            return Err(Error::input(
                Code::UnlistedFile,
                format!("{}: entry '{}' is a folder, which a case archive never holds; nothing was restored", label, name),
            ));
        }
        let (size, compressed) = (e.size(), e.compressed_size());
        if size > limits.ratio_floor && size / compressed.max(1) > limits.max_ratio {
            return Err(Error::input(
                Code::ZipBomb,
                format!(
                    "{}: entry '{}' declares {} bytes from {} compressed (ratio over {}:1): refused as a likely zip bomb",
                    label, name, size, compressed, limits.max_ratio
                ),
            ));
        }
        declared = declared.saturating_add(size);
        if declared > limits.max_total_bytes {
            return Err(Error::input(
                Code::ZipBomb,
                format!("{}: declares over {} bytes uncompressed, the cap: refused as a likely zip bomb", label, limits.max_total_bytes),
            ));
        }
        // Raw names that differ can still decode alike.
        if out.insert(name.clone(), Entry { index, size, compressed }).is_some() {
            return Err(duplicate(label, Some(&name)));
        }
    }
    Ok(out)
}

/// An import's caps: a case's pages compress a few times (the demo case,
/// 4.5:1), far from the ratio of a bomb.
fn limits() -> Limits {
    Limits::default()
}

fn duplicate(label: &str, name: Option<&str>) -> Error {
    let which = name.map(|n| format!("'{}'", n)).unwrap_or_else(|| "one of its entries".into());
    Error::input(
        Code::DuplicateEntry,
        format!("{}: two entries are named {}, so one could hide the other; nothing was restored", label, which),
    )
}

fn read_manifest<R: Read + Seek>(archive: &mut zip::ZipArchive<R>, label: &str, entries: &BTreeMap<String, Entry>) -> Result<Manifest> {
    let bad = |why: String| Error::input(Code::BadManifest, format!("{}: {}: {}; nothing was restored", label, MANIFEST_NAME, why));
    let Some(info) = entries.get(MANIFEST_NAME) else {
        return Err(Error::input(
            Code::MissingFile,
            format!("{}: no {}: not an archive of a Kordon case; nothing was restored", label, MANIFEST_NAME),
        ));
    };
    if info.size > MAX_MANIFEST_BYTES {
        return Err(bad(format!("{} bytes, over the {}-byte cap", info.size, MAX_MANIFEST_BYTES)));
    }
    let mut text = Vec::new();
    archive
        .by_index(info.index)
        .map_err(|e| Error::input(Code::CorruptArchive, format!("{}: entry '{}' unreadable ({})", label, MANIFEST_NAME, e)))?
        .take(MAX_MANIFEST_BYTES + 1)
        .read_to_end(&mut text)
        .map_err(|e| Error::input(Code::CorruptArchive, format!("{}: entry '{}' unreadable ({})", label, MANIFEST_NAME, e)))?;
    if text.len() as u64 > MAX_MANIFEST_BYTES {
        return Err(bad(format!("over the {}-byte cap", MAX_MANIFEST_BYTES)));
    }
    let value: serde_json::Value = serde_json::from_slice(&text).map_err(|e| bad(format!("invalid JSON ({})", e)))?;
    match value.get("kordon_archive") {
        None => return Err(bad("not the manifest of a Kordon case archive (no kordon_archive)".into())),
        Some(v) if v.as_u64() != Some(u64::from(FORMAT_VERSION)) => {
            return Err(Error::input(
                Code::UnsupportedBundleVersion,
                format!(
                    "{}: archive format version {} is not supported (this build reads version {}); nothing was restored",
                    label, v, FORMAT_VERSION
                ),
            ))
        }
        Some(_) => {}
    }
    serde_json::from_value(value).map_err(|e| bad(format!("not a Kordon archive manifest ({})", e)))
}

/// The manifest lists exactly the archive's other entries, each once, with
/// the sizes the zip declares.
fn check_listing(m: &Manifest, label: &str, entries: &BTreeMap<String, Entry>) -> Result<()> {
    let bad = |why: String| Error::input(Code::BadManifest, format!("{}: {}: {}; nothing was restored", label, MANIFEST_NAME, why));
    let mut listed = BTreeSet::new();
    for f in &m.files {
        if unsafe_entry_name(&f.path) {
            return Err(Error::input(
                Code::UnsafePath,
                format!("{}: the manifest lists '{}', an absolute or parent-directory path; nothing was restored", label, f.path),
            ));
        }
        if f.path == MANIFEST_NAME {
            return Err(bad("it lists itself".into()));
        }
        if f.sha256.len() != 64 || !f.sha256.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)) {
            return Err(bad(format!("'{}' has no SHA-256 of 64 lower-case hex digits", f.path)));
        }
        if !listed.insert(f.path.as_str()) {
            return Err(bad(format!("it lists '{}' twice", f.path)));
        }
        let Some(entry) = entries.get(&f.path) else {
            return Err(Error::input(
                Code::MissingFile,
                format!("{}: the manifest lists '{}' but the archive does not contain it; nothing was restored", label, f.path),
            ));
        };
        if entry.size != f.size {
            return Err(Error::input(
                Code::HashMismatch,
                format!(
                    "{}: entry '{}' declares {} bytes but the manifest says {}; the archive was altered or damaged, nothing was restored",
                    label, f.path, entry.size, f.size
                ),
            ));
        }
    }
    if let Some(extra) = entries.keys().find(|n| n.as_str() != MANIFEST_NAME && !listed.contains(n.as_str())) {
        return Err(Error::input(
            Code::UnlistedFile,
            format!("{}: '{}' is in the archive but not in its manifest; nothing was restored", label, extra),
        ));
    }
    if !listed.contains(m.case_file.as_str()) {
        return Err(bad(format!("the case file '{}' is not among the files it lists", m.case_file)));
    }
    Ok(())
}

/// Reads one entry through the caps, into `out` when given, and checks its
/// size and SHA-256 against the manifest.
fn extract<R: Read + Seek>(
    archive: &mut zip::ZipArchive<R>,
    info: &Entry,
    listed: &ManifestFile,
    label: &str,
    mut out: Option<&mut File>,
    progress: &mut dyn FnMut(Progress),
) -> Result<()> {
    let unreadable = |e: std::io::Error| match breach_of(&e) {
        Some(b) => Error::input(Code::ZipBomb, format!("{}: entry '{}' {}", label, listed.path, b)),
        None => Error::input(Code::CorruptArchive, format!("{}: entry '{}' unreadable ({}); nothing was restored", label, listed.path, e)),
    };
    let entry = archive.by_index(info.index).map_err(|e| unreadable(zip_io(e)))?;
    let guarded = Guard::new(entry, Rc::new(|| 0), Some(info.compressed), Some(listed.size), Rc::new(Cell::new(0)), &limits());
    let (mut reader, hashed) = Hashing::new(guarded);
    let mut buf = vec![0u8; BUFFER];
    loop {
        let n = match reader.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(unreadable(e)),
        };
        if let Some(out) = out.as_deref_mut() {
            out.write_all(&buf[..n]).map_err(|e| Error::io("writing the restored case", e))?;
            progress(Progress { phase: Phase::Unpacking, done: hashed.count(), total: listed.size });
        }
    }
    drop(reader);
    let (sha256, size) = hashed.finish();
    if sha256 != listed.sha256 || size != listed.size {
        return Err(Error::input(
            Code::HashMismatch,
            format!(
                "{}: entry '{}': the manifest says SHA-256 {} ({} bytes) but the entry has SHA-256 {} ({} bytes); the archive was altered or damaged, nothing was restored",
                label, listed.path, listed.sha256, listed.size, sha256, size
            ),
        ));
    }
    Ok(())
}

/// Opens the unpacked case as a Kordon case, verifies it against the
/// manifest's head and checks what the manifest says of it. Returns the
/// schema it was brought up to, if older than this build's.
fn check_case(path: &Path, m: &Manifest, label: &str) -> Result<(Option<i64>, Verification)> {
    // Named as the entry it came from, not as the temporary file.
    let inside =
        |e: Error| Error::input(e.code(), format!("{}: {}", label, e.to_string().replace(&path.display().to_string(), &m.case_file)));
    let bad = |why: String| Error::input(Code::BadManifest, format!("{}: {}: {}; nothing was restored", label, MANIFEST_NAME, why));
    // Read before opening it as a case, which would bring an older schema
    // up to date.
    let archived_schema: Option<i64> =
        Connection::open_with_flags(path, OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX)
            .and_then(|c| c.query_row("SELECT MAX(version) FROM schema_migrations", [], |r| r.get(0)))
            .ok()
            .flatten();
    let case = Case::open_existing(path, Access::Read).map_err(inside)?;
    if archived_schema != Some(m.schema_version) {
        return Err(bad(format!(
            "it says schema {} but the case has {}",
            m.schema_version,
            archived_schema.map_or("none".into(), |s| s.to_string())
        )));
    }
    let now: i64 = case.conn.query_row("SELECT MAX(version) FROM schema_migrations", [], |r| r.get(0))?;
    let expected: Option<Head> = match &m.activity_head {
        None => None,
        Some(h) => Some(h.parse().map_err(|_| bad(format!("'{}' is no log head ROW:HASH", h)))?),
    };
    let head = verify::head(&case)?;
    if head != expected {
        let show = |h: &Option<Head>| h.as_ref().map_or("nothing (an empty log)".to_string(), |h| h.to_string());
        return Err(Error::input(
            Code::HashMismatch,
            format!(
                "{}: the manifest says the activity log ends at {} but the case's log ends at {}; nothing was restored",
                label,
                show(&expected),
                show(&head)
            ),
        ));
    }
    let verification = verify::verify(&case, expected.as_ref())?;
    if !verification.ok {
        return Err(Error::input(
            Code::BadCase,
            format!("{}: the case inside fails verification: {}; nothing was restored", label, verification.problems[0]),
        ));
    }
    let counts = Counts::of(&case.conn)?;
    if let Some(((what, want), (_, have))) = m.counts.fields().into_iter().zip(counts.fields()).find(|(a, b)| a.1 != b.1) {
        return Err(bad(format!("it counts {} {} but the case holds {}", want, what, have)));
    }
    Ok(((now > m.schema_version).then_some(now), verification))
}

/// The folder `file` goes in, which must exist.
fn existing_folder(file: &Path) -> Result<PathBuf> {
    if file.file_name().is_none() {
        return Err(Error::input(Code::InvalidArgument, format!("{}: not a file name", file.display())));
    }
    let dir = file.parent().filter(|d| !d.as_os_str().is_empty()).unwrap_or(Path::new("."));
    match std::fs::metadata(dir) {
        Ok(m) if m.is_dir() => Ok(dir.to_path_buf()),
        Ok(_) => {
            Err(Error::input(Code::NotFound, format!("{}: not a folder, so {} cannot be written there", dir.display(), file.display())))
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Err(Error::input(
            Code::NotFound,
            format!("the folder {} does not exist: create it or choose another place for {}", dir.display(), file.display()),
        )),
        Err(e) => Err(Error::io(format!("reading {}", dir.display()), e)),
    }
}

/// An archive may replace an earlier archive, never another file (the case
/// itself given by mistake, say).
fn check_replaceable(dest: &Path) -> Result<()> {
    match std::fs::symlink_metadata(dest) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(Error::io(format!("reading {}", dest.display()), e)),
        Ok(m) if m.is_dir() => {
            Err(Error::input(Code::InvalidArgument, format!("{}: a folder; give the archive's file name", dest.display())))
        }
        Ok(_) => {
            let mut magic = [0u8; 4];
            let is_zip = File::open(dest).and_then(|mut f| f.read_exact(&mut magic)).is_ok() && magic == *b"PK\x03\x04";
            if is_zip {
                Ok(())
            } else {
                Err(Error::input(
                    Code::InvalidArgument,
                    format!(
                        "{}: exists and is not a zip archive; Kordon replaces only an earlier archive, so choose another name",
                        dest.display()
                    ),
                ))
            }
        }
    }
}

fn refuse_existing(dest: &Path) -> Result<()> {
    match std::fs::symlink_metadata(dest) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(Error::io(format!("reading {}", dest.display()), e)),
        Ok(_) => Err(exists(dest)),
    }
}

fn exists(dest: &Path) -> Error {
    Error::input(
        Code::InvalidArgument,
        format!("{}: already exists; unarchive makes a new case and never overwrites one, so choose another name", dest.display()),
    )
}

/// The files SQLite keeps beside a database while it is open.
fn remove_sidecars(db: &Path) {
    for suffix in ["-wal", "-shm", "-journal"] {
        let mut name = db.as_os_str().to_owned();
        name.push(suffix);
        let _ = std::fs::remove_file(PathBuf::from(name));
    }
}

/// (SHA-256 hex, size) of a file, read in chunks.
fn hash_file(path: &Path, phase: Phase, progress: &mut dyn FnMut(Progress)) -> Result<(String, u64)> {
    let reading = |e| Error::io(format!("reading {}", path.display()), e);
    let mut f = File::open(path).map_err(reading)?;
    let total = f.metadata().map(|m| m.len()).unwrap_or(0);
    let mut h = Sha256::new();
    let mut buf = vec![0u8; BUFFER];
    let mut done = 0u64;
    loop {
        let n = match f.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(reading(e)),
        };
        h.update(&buf[..n]);
        done += n as u64;
        progress(Progress { phase, done, total });
    }
    Ok((hex::encode(h.finalize()), done))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock::FixedClock;

    fn demo_case(dir: &Path) -> Case {
        let mut case = Case::open(&dir.join("c.kordon")).unwrap();
        let fixture = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("fixtures/demo/kordon-demo.zip");
        crate::ingest::import(&mut case, &[fixture], &crate::ingest::ImportOptions::default(), &mut |_| {}).unwrap();
        case
    }

    #[test]
    fn an_archive_restores_the_very_case_and_reports_progress() {
        let dir = tempfile::tempdir().unwrap();
        let case = demo_case(dir.path());
        let zip = dir.path().join("c.zip");
        let mut phases = Vec::new();
        let made = write(&case, &zip, &FixedClock(0), &mut |p| phases.push(p.phase)).unwrap();
        assert!(phases.contains(&Phase::Copying) && phases.contains(&Phase::Compressing), "{:?}", phases);
        assert_eq!(made.manifest.counts, Counts::of(&case.conn).unwrap());
        assert_eq!(made.manifest.created, "1970-01-01T00:00:00.000000000Z");
        let new = dir.path().join("restored.kordon");
        let restored = unarchive(&zip, &new, &UnarchiveOptions::default(), &mut |_| {}).unwrap();
        assert!(restored.verification.ok && restored.verification.head_checked);
        assert_eq!(restored.limits[0], NOT_AUTHENTIC);
        let (sha, _) = hash_file(&new, Phase::Checking, &mut |_| {}).unwrap();
        assert_eq!(sha, made.manifest.files[0].sha256);
        // Nothing of the temporary files is left.
        let mut left: Vec<String> =
            std::fs::read_dir(dir.path()).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
        left.sort();
        assert_eq!(left, ["c.kordon", "c.kordon-shm", "c.kordon-wal", "c.zip", "restored.kordon"]);
    }

    #[test]
    fn the_copy_is_consistent_while_the_case_is_written_between_steps() {
        let dir = tempfile::tempdir().unwrap();
        let case = demo_case(dir.path());
        let writer = Connection::open(&case.path).unwrap();
        let zip = dir.path().join("c.zip");
        let mut steps = 0;
        // Another connection changes the case while the copy runs: the
        // backup starts over, and falls back to one uninterruptible step.
        let made = write(&case, &zip, &FixedClock(0), &mut |p| {
            if p.phase == Phase::Copying && p.done < p.total {
                steps += 1;
                writer.execute_batch("CREATE TABLE IF NOT EXISTS scratch (x); INSERT INTO scratch VALUES (1)").unwrap();
            }
        })
        .unwrap();
        assert!(steps >= 1);
        let new = dir.path().join("restored.kordon");
        let restored = unarchive(&zip, &new, &UnarchiveOptions::default(), &mut |_| {}).unwrap();
        assert_eq!(restored.manifest.counts.events, made.manifest.counts.events);
        let scratch: i64 = Connection::open(&new).unwrap().query_row("SELECT COUNT(*) FROM scratch", [], |r| r.get(0)).unwrap();
        assert!(scratch >= 1);
    }

    #[test]
    fn the_expected_sha256_proves_the_archive_or_refuses_it() {
        let dir = tempfile::tempdir().unwrap();
        let case = demo_case(dir.path());
        let zip = dir.path().join("c.zip");
        let made = write(&case, &zip, &FixedClock(0), &mut |_| {}).unwrap();
        let wrong = UnarchiveOptions { expect_sha256: Some("0".repeat(64)) };
        let err = unarchive(&zip, &dir.path().join("a.kordon"), &wrong, &mut |_| {}).unwrap_err();
        assert_eq!(err.code(), Code::HashMismatch, "{}", err);
        assert!(!dir.path().join("a.kordon").exists());
        let right = UnarchiveOptions { expect_sha256: Some(made.archive_sha256.to_uppercase()) };
        let restored = unarchive(&zip, &dir.path().join("b.kordon"), &right, &mut |_| {}).unwrap();
        assert!(restored.archive_sha256_checked);
        assert!(!restored.limits.iter().any(|l| l == NOT_AUTHENTIC));
    }

    #[test]
    fn an_archive_never_replaces_a_file_that_is_not_an_archive() {
        let dir = tempfile::tempdir().unwrap();
        let case = demo_case(dir.path());
        let before = std::fs::read(&case.path).unwrap();
        let err = write(&case, &case.path, &FixedClock(0), &mut |_| {}).unwrap_err();
        assert_eq!(err.code(), Code::InvalidArgument, "{}", err);
        assert_eq!(std::fs::read(&case.path).unwrap(), before);
    }
}
