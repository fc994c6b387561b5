//! Walks what the user gave — files, folders, zips, Kordon bundles, gzip
//! anywhere — and feeds each file through framing and parsing.
//!
//! Runs on the import's reader thread. Every archive is checked before any
//! of it is read (entry names, encryption, declared sizes), and every byte
//! that comes out of a decompressor passes a [`Guard`], because headers lie.
//!
//! An archive that names two entries alike is refused, plain zip or
//! bundle, rather than imported with both entries told apart. Unzip tools
//! disagree on which of the two such a name means (the zip reader keeps
//! only the last), so the archive can show one file to whoever checks it
//! and another to whoever reads it: in a bundle a hidden entry passed the
//! manifest's check under the name of a benign one. Importing both would
//! keep the evidence but not say which one the collector meant, while the
//! investigator who is told can unpack the archive with a tool that keeps
//! both and import the folder, knowing what they chose. For the same
//! reason a manifest lists each entry exactly once.

use crate::bundle::{Manifest, BUNDLE_FORMAT_VERSION, MANIFEST_NAME};
use crate::error::{Code, Error, Result};
use crate::formats::{self, Context, Format, Peek};
use crate::ingest::parsing::{self, FileContext, Held, Job, JsonOf, Push};
use crate::ingest::framing::{self, Hint, Piece, Sink};
use crate::ingest::limits::{Guard, Hashing, Limits};
use crate::ingest::{read_error, FileSummary, ImportOptions, Item, Msg, Shared, Tally};
use crate::store::{file_label, raw};
use crate::store::writer::{self, EntityUpdates, Locator, Prepared, Record, ENTITY_BATCH};
use crossbeam_channel::Sender;
use std::cell::Cell;
use std::collections::{BTreeMap, BTreeSet};
use std::fs::File;
use std::io::{Cursor, Read, Seek};
use std::path::{Path, PathBuf};
use std::rc::Rc;
use std::sync::atomic::Ordering;

/// Bytes looked at to choose the framing and the format.
const SNIFF_BYTES: usize = 256 * 1024;
/// Pieces buffered while the format is still unknown.
const DETECT_PIECES: usize = 2000;
const BATCH: usize = 256;
const MAX_MANIFEST_BYTES: u64 = 16 << 20;

struct Ctx<'a> {
    opts: &'a ImportOptions,
    shared: &'a Shared,
    tx: Sender<Msg>,
    total_out: Rc<Cell<u64>>,
    /// Input bytes of the files already finished.
    done_base: Cell<u64>,
}

impl Ctx<'_> {
    fn send(&self, msg: Msg) -> Result<()> {
        if self.opts.cancel.load(Ordering::Relaxed) {
            return Err(cancelled());
        }
        self.tx.send(msg).map_err(|_| cancelled())
    }

    /// The writer's queue is at least half full: it is the slower thread.
    fn writer_behind(&self) -> bool {
        self.tx.capacity().is_some_and(|cap| self.tx.len() * 2 >= cap)
    }

    fn limits(&self) -> &Limits {
        &self.opts.limits
    }
}

fn cancelled() -> Error {
    Error::input(Code::Cancelled, "import cancelled; the case is unchanged")
}

pub(crate) fn read_all(paths: &[PathBuf], opts: &ImportOptions, shared: &Shared, tx: Sender<Msg>) -> Result<()> {
    let mut files = Vec::new();
    for p in paths {
        collect(p, &mut files)?;
    }
    let total: u64 = files.iter().map(|f| f.size).sum();
    shared.bytes_total.store(total, Ordering::Relaxed);
    let ctx = Ctx { opts, shared, tx, total_out: Rc::new(Cell::new(0)), done_base: Cell::new(0) };
    for Found { path, origin, size } in files {
        let name = path.display().to_string();
        match origin {
            Origin::Skipped(why) => ctx.send(Msg::Skipped(skipped(&name, None, size, &why)))?,
            Origin::Given => disk_file(&ctx, open_regular(&path, &name, Follow::Link)?, &name)?,
            // A folder holds what the investigator collected: a file Kordon
            // cannot read is kept as an attachment, not a reason to refuse
            // the rest (unless --strict).
            Origin::InFolder => match disk_file(&ctx, open_regular(&path, &name, Follow::Never)?, &name) {
                Err(e) if attachable(&e, opts) => attach(&ctx, open_regular(&path, &name, Follow::Never)?, &name, None, &e.to_string())?,
                other => other?,
            },
        }
        ctx.done_base.set(ctx.done_base.get() + size);
        shared.bytes_done.store(ctx.done_base.get(), Ordering::Relaxed);
    }
    ctx.send(Msg::Done)
}

/// A file to import, found under what the investigator named.
struct Found {
    path: PathBuf,
    origin: Origin,
    /// Its size when it is to be read, for progress; 0 otherwise.
    size: u64,
}

/// How a file came to be imported.
#[derive(Clone, PartialEq, Eq)]
enum Origin {
    /// Named by the investigator.
    Given,
    /// Found in a folder the investigator named.
    InFolder,
    /// Found in a folder and not read, for the reason given: hidden (tool
    /// state such as `.git`), a link, or no regular file.
    Skipped(String),
}

/// Files under a path, sorted, with how each came to be imported.
///
/// A path the investigator names is taken as they name it: a link to a
/// file is read (`current.log -> audit-2026-11-20.log`). What a folder
/// holds is read only when it is a regular file of the folder itself. A
/// link there may lead out of the evidence — to a secret, to
/// `/etc/shadow` — or loop, and opening a named pipe, a socket or a device
/// would wait forever (or never end) while the import holds the case's
/// write lock. Those are listed as skipped, with what they are, and never
/// opened.
fn collect(path: &Path, out: &mut Vec<Found>) -> Result<()> {
    let meta = std::fs::metadata(path).map_err(|e| Error::io(format!("reading {}", path.display()), e))?;
    if meta.is_dir() {
        return collect_folder(path, out);
    }
    if !meta.is_file() {
        return Err(not_regular(&path.display().to_string(), meta.file_type()));
    }
    out.push(Found { path: path.to_path_buf(), origin: Origin::Given, size: meta.len() });
    Ok(())
}

fn collect_folder(dir: &Path, out: &mut Vec<Found>) -> Result<()> {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(|e| Error::io(format!("listing {}", dir.display()), e))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .collect();
    entries.sort();
    for e in entries {
        let hidden = e.file_name().and_then(|n| n.to_str()).is_some_and(|n| n.starts_with('.'));
        // The entry itself, never what a link points at. One that vanished
        // since the listing is taken as a file: opening it says so.
        let Ok(meta) = std::fs::symlink_metadata(&e) else {
            out.push(Found { path: e, origin: Origin::InFolder, size: 0 });
            continue;
        };
        let kind = meta.file_type();
        if kind.is_dir() {
            // Hidden folders are tool state (.git): not even listed.
            if !hidden {
                collect_folder(&e, out)?;
            }
            continue;
        }
        let size = if kind.is_file() { meta.len() } else { 0 };
        let origin = if hidden {
            Origin::Skipped("hidden file in a folder".into())
        } else if kind.is_symlink() {
            Origin::Skipped("a symbolic link in a folder: not followed".into())
        } else if !kind.is_file() {
            Origin::Skipped(format!("{} in a folder: only regular files are read", special_kind(kind)))
        } else {
            Origin::InFolder
        };
        out.push(Found { path: e, origin, size });
    }
    Ok(())
}

/// What a file that is not a regular file is, in words.
fn special_kind(kind: std::fs::FileType) -> &'static str {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if kind.is_fifo() {
            return "a named pipe";
        }
        if kind.is_socket() {
            return "a socket";
        }
        if kind.is_block_device() || kind.is_char_device() {
            return "a device";
        }
    }
    if kind.is_symlink() {
        "a symbolic link"
    } else {
        "a special file"
    }
}

fn not_regular(name: &str, kind: std::fs::FileType) -> Error {
    Error::input(
        Code::InvalidArgument,
        format!(
            "{}: {}, not a regular file; Kordon reads regular files only (reading it could wait forever): save what it gives to a file and give Kordon that",
            name,
            special_kind(kind)
        ),
    )
}

/// Whether opening a file follows a link.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Follow {
    /// A path the investigator named.
    Link,
    /// A file found in a folder.
    Never,
}

/// Opens a file to read, and refuses it unless what was opened is a regular
/// file. [`collect`] looked at the name already; this looks at what was
/// opened, which is what counts when the folder changes in between: the
/// open neither waits for a pipe's writer nor (for a file of a folder)
/// follows a link.
fn open_regular(path: &Path, name: &str, follow: Follow) -> Result<File> {
    let mut options = std::fs::OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        // Non-blocking changes nothing for a regular file's reads.
        let no_follow = if follow == Follow::Never { libc::O_NOFOLLOW } else { 0 };
        options.custom_flags(libc::O_NONBLOCK | no_follow);
    }
    let f = options.open(path).map_err(|e| Error::io(format!("opening {}", name), e))?;
    let meta = f.metadata().map_err(|e| Error::io(format!("reading {}", name), e))?;
    if !meta.is_file() {
        return Err(not_regular(name, meta.file_type()));
    }
    Ok(f)
}

/// A small file the investigator named (a playbook), read whole: a regular
/// file only (never a pipe that would wait forever), at most `max` bytes.
pub fn read_regular(path: &Path, max: u64) -> Result<Vec<u8>> {
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_else(|| path.display().to_string());
    let f = open_regular(path, &name, Follow::Link)?;
    let mut bytes = Vec::new();
    f.take(max + 1).read_to_end(&mut bytes).map_err(|e| Error::io(format!("reading {}", name), e))?;
    if bytes.len() as u64 > max {
        return Err(Error::input(Code::InvalidArgument, format!("{}: over {} bytes, too large for what it should be", name, max)));
    }
    Ok(bytes)
}

fn skipped(name: &str, inner: Option<&str>, size: u64, why: &str) -> FileSummary {
    FileSummary {
        name: name.to_string(),
        inner_path: inner.map(str::to_string),
        format: None,
        compression: None,
        size,
        sha256: None,
        records: 0,
        events_new: 0,
        events_merged: 0,
        errors: 0,
        skipped: Some(why.to_string()),
        shape: None,
        skipped_records: Default::default(),
        records_sha256: None,
    }
}

fn is_zip_magic(b: &[u8]) -> bool {
    b.starts_with(b"PK\x03\x04") || b.starts_with(b"PK\x05\x06") || b.starts_with(b"PK\x07\x08")
}

fn disk_file(ctx: &Ctx, mut f: File, name: &str) -> Result<()> {
    let mut magic = [0u8; 4];
    let n = read_up_to(&mut f, &mut magic).map_err(|e| read_error(name, e))?;
    if is_zip_magic(&magic[..n]) {
        f.rewind().map_err(|e| Error::io(format!("reading {}", name), e))?;
        let (mut hashing, handle) = Hashing::new(&mut f);
        std::io::copy(&mut hashing, &mut std::io::sink()).map_err(|e| read_error(name, e))?;
        let (sha, _) = handle.finish();
        f.rewind().map_err(|e| Error::io(format!("reading {}", name), e))?;
        return archive(ctx, f, name, &sha, 0);
    }
    let size = f.metadata().ok().map(|m| m.len());
    let base = ctx.done_base.get();
    let reader = Cursor::new(magic[..n].to_vec()).chain(f);
    stream(ctx, Box::new(reader), name, None, None, false, size, base)
}

fn read_up_to(r: &mut impl Read, buf: &mut [u8]) -> std::io::Result<usize> {
    let mut n = 0;
    while n < buf.len() {
        match r.read(&mut buf[n..]) {
            Ok(0) => break,
            Ok(k) => n += k,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(n)
}

/// A reader whose first bytes were already read, then given back.
type Replayed<R> = std::io::Chain<Cursor<Vec<u8>>, R>;

/// Reads up to `n` bytes and gives them back with a reader that replays them.
fn peek<R: Read>(mut r: R, n: usize) -> std::io::Result<(Vec<u8>, Replayed<R>)> {
    let mut buf = vec![0u8; n];
    let k = read_up_to(&mut r, &mut buf)?;
    buf.truncate(k);
    Ok((buf.clone(), Cursor::new(buf).chain(r)))
}

/// Whether an archive entry's name could escape a folder it were unpacked in.
pub(crate) fn unsafe_entry_name(n: &str) -> bool {
    let s = n.replace('\\', "/");
    s.starts_with('/')
        || s.as_bytes().get(1) == Some(&b':')
        || s.split('/').any(|c| c == "..")
        || s.contains('\0')
}

struct EntryInfo {
    index: usize,
    name: String,
    size: u64,
    compressed: u64,
}

fn archive<R: Read + Seek>(ctx: &Ctx, r: R, name: &str, sha: &str, depth: u32) -> Result<()> {
    let mut zip = zip::ZipArchive::new(r).map_err(|e| {
        Error::input(Code::CorruptArchive, format!("{}: not a readable zip archive ({})", name, e))
    })?;
    if zip.has_duplicate_names() {
        let start = zip.central_directory_start();
        return Err(duplicate_entry(name, twice_named(zip.into_inner(), start).as_deref()));
    }
    let limits = ctx.limits().clone();
    let mut entries = Vec::new();
    let mut declared_total = 0u64;
    for i in 0..zip.len() {
        let e = zip
            .by_index_raw(i)
            .map_err(|e| Error::input(Code::CorruptArchive, format!("{}: entry {} unreadable ({})", name, i, e)))?;
        let entry_name = match e.name() {
            Ok(n) => n.to_string(),
            Err(err) => {
                return Err(Error::input(Code::CorruptArchive, format!("{}: entry {} has an unreadable name ({})", name, i, err)))
            }
        };
        if unsafe_entry_name(&entry_name) || e.enclosed_name().is_none() {
            return Err(Error::input(
                Code::UnsafePath,
                format!("{}: entry '{}' has an absolute or parent-directory path (path traversal); refused", name, entry_name),
            ));
        }
        if e.encrypted() {
            return Err(Error::input(
                Code::EncryptedEntry,
                format!("{}: entry '{}' is encrypted; decrypt the archive and import it again", name, entry_name),
            ));
        }
        if e.is_dir() {
            continue;
        }
        let (size, compressed) = (e.size(), e.compressed_size());
        declared_total = declared_total.saturating_add(size);
        if size > limits.ratio_floor && size / compressed.max(1) > limits.max_ratio {
            return Err(Error::input(
                Code::ZipBomb,
                format!(
                    "{}: entry '{}' declares {} bytes from {} compressed (ratio over {}:1): refused as a likely zip bomb",
                    name, entry_name, size, compressed, limits.max_ratio
                ),
            ));
        }
        entries.push(EntryInfo { index: i, name: entry_name, size, compressed });
    }
    if declared_total > limits.max_total_bytes {
        return Err(Error::input(
            Code::ZipBomb,
            format!("{}: declares {} bytes uncompressed, over the {}-byte cap", name, declared_total, limits.max_total_bytes),
        ));
    }
    entries.sort_by(|a, b| a.name.cmp(&b.name));
    // Raw names that differ can still read alike (one encoded as UTF-8,
    // the other in the zip's legacy code page).
    if let Some(w) = entries.windows(2).find(|w| w[0].name == w[1].name) {
        return Err(duplicate_entry(name, Some(&w[0].name)));
    }

    let manifest = read_manifest(&mut zip, name, &entries)?;
    let listed: BTreeMap<String, (Format, String, u64)> = match &manifest {
        Some((m, text)) => {
            check_manifest(m, name, &entries)?;
            ctx.send(Msg::Bundle { name: name.to_string(), sha256: sha.to_string(), manifest: text.clone() })?;
            m.files
                .iter()
                .map(|f| {
                    let format = Format::parse(&f.format).unwrap_or(Format::Falco);
                    (f.path.clone(), (format, f.sha256.to_ascii_lowercase(), f.size))
                })
                .collect()
        }
        None => BTreeMap::new(),
    };
    let in_bundle = manifest.is_some();
    let zip_size: u64 = entries.iter().map(|e| e.compressed).sum::<u64>().max(1);
    // Progress counts the archive's own bytes (a nested archive has no file
    // of its own: its entries' compressed sizes stand in).
    let file_total = std::fs::metadata(name).map(|m| m.len()).unwrap_or(zip_size);
    let base = ctx.done_base.get();
    let mut consumed = 0u64;
    for info in entries.iter().filter(|e| !(in_bundle && e.name == MANIFEST_NAME)) {
        let entry = zip
            .by_index(info.index)
            .map_err(|e| Error::input(Code::CorruptArchive, format!("{}: entry '{}' unreadable ({})", name, info.name, e)))?;
        let guarded = Guard::new(entry, Rc::new(|| 0), Some(info.compressed), Some(info.size), ctx.total_out.clone(), &limits);
        let display = file_label(name, Some(&info.name));
        let (head, reader) = peek(guarded, 4).map_err(|e| read_error(&display, e))?;
        // Progress in the archive's own bytes, spread over its entries.
        let entry_base = base + consumed * file_total / zip_size;
        consumed += info.compressed;
        if is_zip_magic(&head) {
            if depth >= 1 {
                return Err(Error::input(
                    Code::NestedArchive,
                    format!("{}: an archive inside an archive inside an archive; Kordon opens one level of nesting", display),
                ));
            }
            let mut tmp = tempfile::tempfile().map_err(|e| Error::io("creating a temporary file", e))?;
            let (mut hashing, handle) = Hashing::new(reader);
            std::io::copy(&mut hashing, &mut tmp).map_err(|e| read_error(&display, e))?;
            let (inner_sha, inner_size) = handle.finish();
            if let Some((_, want, want_size)) = listed.get(&info.name) {
                check_hash(&display, want, *want_size, &inner_sha, inner_size)?;
            }
            tmp.rewind().map_err(|e| Error::io("reading a temporary file", e))?;
            archive(ctx, tmp, &display, &inner_sha, depth + 1)?;
            continue;
        }
        let declared = listed.get(&info.name).cloned();
        match stream(ctx, Box::new(reader), name, Some(&info.name), declared, in_bundle, Some(info.size), entry_base) {
            // As in a folder: a plain zip of exports may hold a README.
            Err(e) if !in_bundle && attachable(&e, ctx.opts) => {
                let entry = zip.by_index(info.index).map_err(|e| {
                    Error::input(Code::CorruptArchive, format!("{}: entry '{}' unreadable ({})", name, info.name, e))
                })?;
                let guarded =
                    Guard::new(entry, Rc::new(|| 0), Some(info.compressed), Some(info.size), ctx.total_out.clone(), &limits);
                attach(ctx, guarded, name, Some(&info.name), &e.to_string())?
            }
            other => other?,
        }
    }
    Ok(())
}

fn duplicate_entry(name: &str, entry: Option<&str>) -> Error {
    let which = entry.map(|e| format!("'{}'", e)).unwrap_or_else(|| "one of its entries".into());
    Error::input(
        Code::DuplicateEntry,
        format!(
            "{}: two entries are named {}, so one could hide the other; nothing was imported (unpack the archive with a tool that keeps both and import the folder)",
            name, which
        ),
    )
}

/// The first name the central directory at `start` gives twice: the zip
/// reader keeps one entry per name, so the directory is read here.
pub(crate) fn twice_named<R: Read + Seek>(mut r: R, start: u64) -> Option<String> {
    const HEADER: u32 = 0x0201_4b50;
    let le16 = |b: &[u8], at: usize| u16::from_le_bytes([b[at], b[at + 1]]) as i64;
    r.seek(std::io::SeekFrom::Start(start)).ok()?;
    let mut seen = BTreeSet::new();
    let mut fixed = [0u8; 46];
    loop {
        r.read_exact(&mut fixed).ok()?;
        if u32::from_le_bytes([fixed[0], fixed[1], fixed[2], fixed[3]]) != HEADER {
            return None;
        }
        let mut raw = vec![0u8; le16(&fixed, 28) as usize];
        r.read_exact(&mut raw).ok()?;
        r.seek(std::io::SeekFrom::Current(le16(&fixed, 30) + le16(&fixed, 32))).ok()?;
        if !seen.insert(raw.clone()) {
            return Some(String::from_utf8_lossy(&raw).into_owned());
        }
    }
}

/// Whether a file that failed to import is kept as an attachment instead:
/// it is not a format Kordon reads, and the import is not --strict.
fn attachable(e: &Error, opts: &ImportOptions) -> bool {
    e.code() == Code::UnknownFormat && !opts.strict
}

/// Attachments larger than this are recorded (name, size, SHA-256) but
/// their bytes are not kept in the case.
pub const MAX_ATTACHMENT_BYTES: u64 = 32 << 20;

/// Records a file Kordon cannot read: its name, size and SHA-256, and its
/// bytes when they fit under [`MAX_ATTACHMENT_BYTES`].
fn attach(ctx: &Ctx, r: impl Read, name: &str, inner: Option<&str>, why: &str) -> Result<()> {
    let display = file_label(name, inner);
    let (mut hashing, handle) = Hashing::new(r);
    let mut content = Vec::new();
    (&mut hashing).take(MAX_ATTACHMENT_BYTES + 1).read_to_end(&mut content).map_err(|e| read_error(&display, e))?;
    std::io::copy(&mut hashing, &mut std::io::sink()).map_err(|e| read_error(&display, e))?;
    drop(hashing);
    let (sha256, size) = handle.finish();
    let kept = size <= MAX_ATTACHMENT_BYTES;
    // The reason without the file's name, which the summary shows anyway.
    let why = why.strip_prefix(&format!("{}: ", display)).unwrap_or(why).to_string();
    ctx.send(Msg::Attachment {
        name: name.to_string(),
        inner_path: inner.map(str::to_string),
        sha256,
        size,
        content: kept.then_some(content),
        why,
    })
}

fn read_manifest<R: Read + Seek>(
    zip: &mut zip::ZipArchive<R>,
    name: &str,
    entries: &[EntryInfo],
) -> Result<Option<(Manifest, String)>> {
    let Some(info) = entries.iter().find(|e| e.name == MANIFEST_NAME) else { return Ok(None) };
    let bad = |why: String| Error::input(Code::BadManifest, format!("{}: {}: {}", name, MANIFEST_NAME, why));
    if info.size > MAX_MANIFEST_BYTES {
        return Err(bad(format!("{} bytes, over the {}-byte cap", info.size, MAX_MANIFEST_BYTES)));
    }
    let mut text = String::new();
    zip.by_index(info.index)
        .map_err(|e| bad(e.to_string()))?
        .take(MAX_MANIFEST_BYTES)
        .read_to_string(&mut text)
        .map_err(|e| bad(format!("unreadable ({})", e)))?;
    let value: serde_json::Value = serde_json::from_str(&text).map_err(|e| bad(format!("invalid JSON ({})", e)))?;
    let Some(version) = value.get("kordon_bundle") else {
        // Some other tool's manifest: the zip is a plain archive of exports.
        return Ok(None);
    };
    if version.as_u64() != Some(BUNDLE_FORMAT_VERSION as u64) {
        return Err(Error::input(
            Code::UnsupportedBundleVersion,
            format!(
                "{}: bundle format version {} is not supported (this build reads version {}); nothing was imported",
                name, version, BUNDLE_FORMAT_VERSION
            ),
        ));
    }
    let manifest: Manifest = serde_json::from_value(value).map_err(|e| bad(format!("not a Kordon manifest ({})", e)))?;
    Ok(Some((manifest, text)))
}

fn check_manifest(m: &Manifest, name: &str, entries: &[EntryInfo]) -> Result<()> {
    let present: BTreeSet<&str> = entries.iter().map(|e| e.name.as_str()).collect();
    let mut listed = BTreeSet::new();
    for f in &m.files {
        if Format::parse(&f.format).is_none() {
            return Err(Error::input(
                Code::BadManifest,
                format!("{}: manifest gives '{}' the unknown format '{}'", name, f.path, f.format),
            ));
        }
        if !present.contains(f.path.as_str()) {
            return Err(Error::input(
                Code::MissingFile,
                format!("{}: the manifest lists '{}' but the bundle does not contain it; nothing was imported", name, f.path),
            ));
        }
        if !listed.insert(f.path.as_str()) {
            return Err(Error::input(
                Code::BadManifest,
                format!("{}: the manifest lists '{}' twice; nothing was imported", name, f.path),
            ));
        }
    }
    if let Some(extra) = present.iter().find(|p| **p != MANIFEST_NAME && !listed.contains(*p)) {
        return Err(Error::input(
            Code::UnlistedFile,
            format!("{}: '{}' is in the bundle but not in its manifest; nothing was imported", name, extra),
        ));
    }
    Ok(())
}

fn check_hash(display: &str, want: &str, want_size: u64, got: &str, got_size: u64) -> Result<()> {
    if want != got || want_size != got_size {
        return Err(Error::input(
            Code::HashMismatch,
            format!(
                "{}: the manifest says SHA-256 {} ({} bytes) but the file has SHA-256 {} ({} bytes); the bundle was altered or damaged, nothing was imported",
                display, want, want_size, got, got_size
            ),
        ));
    }
    Ok(())
}

/// One file's bytes: hash, inflate if gzip, frame, parse, send.
#[allow(clippy::too_many_arguments)]
fn stream(
    ctx: &Ctx,
    raw: Box<dyn Read + '_>,
    name: &str,
    inner: Option<&str>,
    declared: Option<(Format, String, u64)>,
    in_bundle: bool,
    size: Option<u64>,
    progress_base: u64,
) -> Result<()> {
    let display = file_label(name, inner);
    let limits = ctx.limits().clone();
    let (hashing, handle) = Hashing::new(raw);
    let handle = Rc::new(handle);
    let (head, raw) = peek(hashing, 2).map_err(|e| read_error(&display, e))?;
    let (content, compression): (Box<dyn Read + '_>, Option<&'static str>) = if head == [0x1f, 0x8b] {
        let h = handle.clone();
        let gz = flate2::read::MultiGzDecoder::new(raw);
        (Box::new(Guard::new(gz, Rc::new(move || h.count()), None, None, ctx.total_out.clone(), &limits)), Some("gzip"))
    } else {
        (Box::new(raw), None)
    };
    let (prefix, content) = peek(content, SNIFF_BYTES).map_err(|e| read_error(&display, e))?;
    if is_zip_magic(&prefix) {
        return Err(Error::input(
            Code::NestedArchive,
            format!("{}: a zip archive inside gzip; unpack it and import the zip", display),
        ));
    }
    if prefix.contains(&0) {
        let shown: Vec<String> = prefix.iter().take(8).map(|b| format!("{:02x}", b)).collect();
        return Err(Error::input(
            Code::UnknownFormat,
            format!("{}: binary data (first bytes {}), not an export Kordon knows", display, shown.join(" ")),
        ));
    }
    let progress = {
        let h = handle.clone();
        let shared = ctx.shared;
        move || {
            let done = match size {
                Some(s) if s > 0 => progress_base + h.count().min(s),
                _ => progress_base + h.count(),
            };
            shared.bytes_done.store(done, Ordering::Relaxed);
        }
    };
    // The file's records are parsed on a thread of their own (see
    // `parsing`), which ends when the parser drops its end of the queue.
    let file = FileContext { cluster: ctx.opts.cluster.clone(), path: inner.unwrap_or(name).to_string() };
    std::thread::scope(|scope| {
        let mut workers = Vec::new();
        for i in 0..ctx.opts.parsing_workers() {
            let (jobs, jobs_rx) = crossbeam_channel::unbounded();
            let (done_tx, done) = crossbeam_channel::unbounded();
            let file = file.clone();
            std::thread::Builder::new()
                .name(format!("kordon-import-p{}", i))
                .spawn_scoped(scope, move || parsing::serve(file, jobs_rx, done_tx))
                .map_err(|e| Error::io("starting a parsing thread", e))?;
            workers.push(Worker { jobs, done });
        }
        let parsing = Parsing { workers, sent: 0, in_flight: Default::default(), bytes: 0 };
        parse_file(ctx, content, name, inner, &display, declared, in_bundle, compression, &prefix, &limits, &handle, &progress, parsing)
    })
}

/// Frames and parses one file's content, then ends it.
#[allow(clippy::too_many_arguments)]
fn parse_file(
    ctx: &Ctx,
    content: impl Read,
    name: &str,
    inner: Option<&str>,
    display: &str,
    declared: Option<(Format, String, u64)>,
    in_bundle: bool,
    compression: Option<&'static str>,
    prefix: &[u8],
    limits: &Limits,
    handle: &Rc<crate::ingest::limits::HashHandle>,
    progress: &dyn Fn(),
    parsing: Parsing,
) -> Result<()> {
    let display = display.to_string();
    let mut sink = FileParser {
        codec: Codec::Training { samples: Vec::new(), bytes: 0, waiting: Vec::new() },
        entities: EntityUpdates::default(),
        parsing,
        pairing: Default::default(),
        pairing_order: Default::default(),
        ctx,
        name: name.to_string(),
        inner: inner.map(str::to_string),
        display: display.clone(),
        in_bundle,
        compression,
        format: declared.as_ref().map(|d| d.0),
        started: false,
        pending: Vec::new(),
        pending_bytes: 0,
        batch: Vec::with_capacity(BATCH),
        progress,
        tally: Tally::default(),
    };
    if sink.format.is_some() {
        sink.start()?;
    }
    let mut content = std::io::BufReader::with_capacity(256 * 1024, content);
    if framing::is_document(prefix) {
        framing::document(&mut content, &display, limits, &mut sink)?;
    } else if framing::is_csv(prefix) {
        framing::csv(&mut content, &display, limits, &mut sink)?;
    } else if framing::is_yaml(prefix) {
        framing::yaml(&mut content, &display, limits, &mut sink)?;
    } else {
        framing::lines(&mut content, &display, limits, &mut sink)?;
    }
    // Drain what framing did not need so the hash covers the whole file.
    std::io::copy(&mut content, &mut std::io::sink()).map_err(|e| read_error(&display, e))?;
    drop(content);
    if !sink.finish()? {
        let (_, size) = handle.finish();
        return ctx.send(Msg::Skipped(skipped(name, inner, size, "empty: no records")));
    }
    progress();
    let (sha, size) = handle.finish();
    if let Some((_, want, want_size)) = &declared {
        check_hash(&display, want, *want_size, &sha, size)?;
    }
    let format = sink.format.expect("a file with records has a format");
    let tally = std::mem::take(&mut sink.tally);
    ctx.send(Msg::FileEnd { sha256: sha, size, shape: tally.describe(format), skipped_records: tally.skipped_records() })
}

/// One parsing thread's queues.
struct Worker {
    jobs: crossbeam_channel::Sender<Job>,
    done: crossbeam_channel::Receiver<Vec<Push>>,
}

/// The reading thread's end of the queues to the parsing threads. Jobs go
/// to the threads in turn, and the answers are taken from them in the same
/// turn: each thread answers its jobs in order, so the answers come back in
/// the order the jobs went out, whichever thread was faster, and the case
/// does not depend on how many threads parsed it.
struct Parsing {
    workers: Vec<Worker>,
    /// Jobs sent so far: the next goes to `workers[sent % len]`.
    sent: usize,
    /// The bytes of each job sent and not yet answered, oldest first.
    in_flight: std::collections::VecDeque<usize>,
    /// Their sum.
    bytes: usize,
}

impl Parsing {
    fn send(&mut self, job: Job) -> Result<()> {
        let bytes = job.bytes();
        self.workers[self.sent % self.workers.len()].jobs.send(job).map_err(|_| parsing_stopped())?;
        self.sent += 1;
        self.in_flight.push_back(bytes);
        self.bytes += bytes;
        Ok(())
    }

    /// The thread that owes the oldest answer.
    fn oldest(&self) -> &Worker {
        &self.workers[(self.sent - self.in_flight.len()) % self.workers.len()]
    }

    /// The oldest job's answer, if it is ready.
    fn try_answer(&mut self) -> Option<Vec<Push>> {
        if self.in_flight.is_empty() {
            return None;
        }
        let pushes = self.oldest().done.try_recv().ok()?;
        self.answered();
        Some(pushes)
    }

    /// Waits for the oldest job's answer.
    fn answer(&mut self) -> Result<Vec<Push>> {
        let pushes = self.oldest().done.recv().map_err(|_| parsing_stopped())?;
        self.answered();
        Ok(pushes)
    }

    fn answered(&mut self) {
        let bytes = self.in_flight.pop_front().expect("an answer is to a job sent");
        self.bytes -= bytes;
    }
}

/// Jobs out at most: enough to ride out the parsing thread's slower
/// records, few enough to bound the memory they hold — in bytes too, since
/// a record may be as large as the record cap.
const IN_FLIGHT: usize = 1024;
const IN_FLIGHT_BYTES: usize = 32 << 20;

fn parsing_stopped() -> Error {
    Error::input(Code::Cancelled, "import stopped: the parsing thread ended early")
}

enum Pending {
    Json { raw: Vec<u8>, json: JsonOf, at: Locator, hint: Hint },
    Text { raw: Vec<u8>, at: Locator, block: bool },
    Bad { raw: Vec<u8>, at: Locator, reason: String },
}

/// Events with a dedup key held back to meet their other records.
const PAIRING_WINDOW: usize = 4096;

/// How the file's raw records are stored.
enum Codec {
    /// Collecting samples; event items wait here until a dictionary exists.
    Training { samples: Vec<Vec<u8>>, bytes: usize, waiting: Vec<Item> },
    Compressing(raw::Encoder),
    Plain,
}

struct FileParser<'c, 'p> {
    codec: Codec,
    entities: EntityUpdates,
    parsing: Parsing,
    pairing: std::collections::HashMap<String, Vec<Held>>,
    pairing_order: std::collections::VecDeque<String>,
    ctx: &'c Ctx<'c>,
    name: String,
    inner: Option<String>,
    display: String,
    in_bundle: bool,
    compression: Option<&'static str>,
    format: Option<Format>,
    started: bool,
    pending: Vec<Pending>,
    pending_bytes: usize,
    batch: Vec<Item>,
    progress: &'p dyn Fn(),
    /// What the file turned out to hold, for its summary.
    tally: Tally,
}

impl FileParser<'_, '_> {
    /// What the importer knows of a record beyond its bytes.
    fn context<'h>(&'h self, hint: &'h Hint) -> Context<'h> {
        Context {
            hint,
            cluster: self.ctx.opts.cluster.as_deref(),
            path: self.inner.as_deref().unwrap_or(&self.name),
            inner: None,
        }
    }

    /// Hands a job to a parsing thread and stores what came back of the
    /// jobs before it.
    fn submit(&mut self, job: Job) -> Result<()> {
        self.parsing.send(job)?;
        while let Some(pushes) = self.parsing.try_answer() {
            self.apply(pushes)?;
        }
        while self.parsing.in_flight.len() > IN_FLIGHT || (self.parsing.bytes > IN_FLIGHT_BYTES && !self.parsing.in_flight.is_empty()) {
            self.wait_one()?;
        }
        Ok(())
    }

    /// Waits for the oldest job's pushes and stores them.
    fn wait_one(&mut self) -> Result<()> {
        let pushes = self.parsing.answer()?;
        self.apply(pushes)
    }

    /// Stores a job's pushes: events, parse errors, skipped records.
    fn apply(&mut self, pushes: Vec<Push>) -> Result<()> {
        for push in pushes {
            match push {
                Push::Event { at, raw, prepared, extra, packed } => self.push_prepared(at, raw, prepared, extra, packed)?,
                Push::Error { at, raw, reason } => self.push(Item::Error { at, raw, reason })?,
                Push::Skipped(reason) => self.tally.skip(reason),
            }
        }
        Ok(())
    }

    fn start(&mut self) -> Result<()> {
        let format = self.format.expect("format known before start");
        self.started = true;
        self.ctx.send(Msg::FileStart {
            name: self.name.clone(),
            inner_path: self.inner.clone(),
            in_bundle: self.in_bundle,
            format,
            compression: self.compression,
        })
    }

    /// Tries to learn the format from one piece.
    fn detect(piece: &Piece<'_>) -> Option<Format> {
        match piece {
            Piece::Json { json, hint, .. } => {
                if hint.api_version.as_deref().is_some_and(|v| v.starts_with("audit.k8s.io/")) {
                    return Some(Format::K8sAudit);
                }
                let obj: serde_json::Map<String, serde_json::Value> = serde_json::from_slice(json).ok()?;
                // Items of a typed list (`PodList`, `EventList`) often carry
                // no `kind` of their own: the list's type says what they are.
                formats::detect_record(&obj).or(hint.kind.as_ref().map(|_| Format::K8sObjects))
            }
            Piece::Text { raw, .. } => std::str::from_utf8(raw).ok().and_then(formats::detect_text),
            Piece::Bad { .. } => None,
        }
    }

    fn handle(&mut self, format: Format, piece: Piece<'_>) -> Result<()> {
        match piece {
            Piece::Json { raw, json, at, hint } => {
                self.tally.container(&hint);
                if let Some(peek) = format.peek(json, &self.context(&hint)) {
                    return self.hold(peek, raw, JsonOf::of(raw, json), at, hint);
                }
                self.submit(Job::Json { format, raw: raw.to_vec(), json: JsonOf::of(raw, json), at, hint })
            }
            Piece::Text { raw, at, block } => self.submit(Job::Text { format, raw: raw.to_vec(), at, block }),
            Piece::Bad { raw, at, reason } => self.submit(Job::Ready(Push::Error { at, raw: raw.to_vec(), reason })),
        }
    }

    fn push_prepared(&mut self, at: Locator, raw: Vec<u8>, mut prepared: Box<Prepared>, extra: Vec<Record>, packed: bool) -> Result<()> {
        self.entities.observe(&mut prepared);
        self.tally.event(&prepared.event, 1 + extra.len() as u64);
        self.push(Item::Event { at, raw, prepared, extra, packed })?;
        if self.entities.len() >= ENTITY_BATCH {
            self.send_entities()?;
        }
        Ok(())
    }

    /// Sends accumulated entity updates, after the events that created the
    /// entities' rows.
    fn send_entities(&mut self) -> Result<()> {
        self.flush()?;
        if !self.entities.is_empty() {
            let updates = self.entities.take();
            self.ctx.send(Msg::Entities(updates))?;
        }
        Ok(())
    }

    /// Records of one event (audit stages) usually sit close together: hold
    /// them by their dedup key so that only the winning record is parsed and
    /// the writer stores one event with all its records, instead of
    /// rewriting the event at every stage. The window is bounded; stragglers
    /// still merge correctly in the store, only more slowly.
    fn hold(&mut self, peek: Peek, raw: &[u8], json: JsonOf, at: Locator, hint: Hint) -> Result<()> {
        let Peek { key, rank, inner } = peek;
        let record = Held { rank, at, raw: raw.to_vec(), json, hint, peek_inner: inner };
        match self.pairing.get_mut(&key) {
            Some(group) => group.push(record),
            None => {
                self.pairing.insert(key.clone(), vec![record]);
                self.pairing_order.push_back(key);
                if self.pairing_order.len() > PAIRING_WINDOW {
                    self.release_oldest()?;
                }
            }
        }
        Ok(())
    }

    fn release_oldest(&mut self) -> Result<()> {
        let Some(key) = self.pairing_order.pop_front() else { return Ok(()) };
        let Some(group) = self.pairing.remove(&key) else { return Ok(()) };
        let format = self.format.expect("format known while pairing");
        self.submit(Job::Group { format, key, group })
    }

    fn push(&mut self, item: Item) -> Result<()> {
        match &mut self.codec {
            Codec::Training { samples, bytes, waiting } => {
                if let Item::Event { raw, extra, .. } = &item {
                    for r in std::iter::once(raw).chain(extra.iter().map(|r| &r.raw)) {
                        *bytes += r.len();
                        samples.push(r.clone());
                    }
                    waiting.push(item);
                    if samples.len() >= raw::TRAIN_RECORDS || *bytes >= raw::TRAIN_BYTES {
                        self.end_training()?;
                    }
                    return Ok(());
                }
            }
            Codec::Compressing(encoder) => {
                // The parsing threads compress what they answer once they
                // have the dictionary; the events answered before it still
                // need it. Compressing is a fifth of the reading thread's
                // work: when the writer has fallen behind (its queue is half
                // full), this thread has time to spare and compresses;
                // otherwise the item goes as is and the writer does it.
                let done = matches!(item, Item::Event { packed: true, .. });
                let item = if !done && self.ctx.writer_behind() {
                    compress(encoder, item).map_err(|e| Error::io(format!("compressing {}", self.display), e))?
                } else {
                    item
                };
                return self.enqueue(item);
            }
            Codec::Plain => {}
        }
        // Stored as is: no dictionary for this file.
        self.enqueue(match item {
            Item::Event { at, raw, prepared, extra, .. } => Item::Event { at, raw, prepared, extra, packed: true },
            other => other,
        })
    }

    /// Trains the file's dictionary on the samples so far (or decides to
    /// store the file as is) and releases the items that waited.
    fn end_training(&mut self) -> Result<()> {
        let Codec::Training { samples, waiting, .. } = std::mem::replace(&mut self.codec, Codec::Plain) else {
            return Ok(());
        };
        if let Some(dict) = raw::train(&samples) {
            let encoder = raw::Encoder::new(&dict).map_err(|e| Error::io("preparing compression", e))?;
            // One to each parsing thread: jobs go to them in turn.
            let shared: std::sync::Arc<[u8]> = dict.as_slice().into();
            for _ in 0..self.parsing.workers.len() {
                self.parsing.send(Job::Dictionary(shared.clone()))?;
            }
            self.ctx.send(Msg::Dictionary(dict))?;
            self.codec = Codec::Compressing(encoder);
        }
        drop(samples);
        for item in waiting {
            self.push(item)?;
        }
        Ok(())
    }

    fn enqueue(&mut self, item: Item) -> Result<()> {
        self.batch.push(item);
        if self.batch.len() >= BATCH {
            self.flush()?;
        }
        Ok(())
    }

    fn flush(&mut self) -> Result<()> {
        if matches!(self.codec, Codec::Training { .. }) {
            // Entity updates must follow the events that create the rows.
            self.end_training()?;
        }
        if !self.batch.is_empty() {
            (self.progress)();
            let batch = std::mem::replace(&mut self.batch, Vec::with_capacity(BATCH));
            self.ctx.send(Msg::Items(batch))?;
        }
        Ok(())
    }

    fn replay_pending(&mut self, format: Format) -> Result<()> {
        for p in std::mem::take(&mut self.pending) {
            match p {
                Pending::Json { raw, json, at, hint } => {
                    self.handle(format, Piece::Json { raw: &raw, json: json.get(&raw), at, hint })?
                }
                Pending::Text { raw, at, block } => self.handle(format, Piece::Text { raw: &raw, at, block })?,
                Pending::Bad { raw, at, reason } => self.handle(format, Piece::Bad { raw: &raw, at, reason })?,
            }
        }
        self.pending_bytes = 0;
        Ok(())
    }

    /// Ends the file; `Ok(false)` when it held no record at all.
    fn finish(&mut self) -> Result<bool> {
        if self.format.is_none() {
            if self.pending.is_empty() {
                return Ok(false);
            }
            return Err(self.unknown());
        }
        while !self.pairing_order.is_empty() {
            self.release_oldest()?;
        }
        while !self.parsing.in_flight.is_empty() {
            self.wait_one()?;
        }
        self.send_entities()?;
        self.entities.end_file();
        Ok(true)
    }

    fn unknown(&self) -> Error {
        let sample = self
            .pending
            .first()
            .map(|p| match p {
                Pending::Json { raw, .. } | Pending::Text { raw, .. } | Pending::Bad { raw, .. } => {
                    String::from_utf8_lossy(&raw[..raw.len().min(80)]).into_owned()
                }
            })
            .unwrap_or_default();
        Error::input(
            Code::UnknownFormat,
            format!(
                "{}: not a format Kordon knows ({}); it begins: {:?}",
                self.display,
                crate::ingest::shapes::format_names().join(", "),
                sample
            ),
        )
    }
}

impl Sink for FileParser<'_, '_> {
    fn piece(&mut self, piece: Piece<'_>) -> Result<()> {
        if let Some(format) = self.format {
            if !self.started {
                self.start()?;
            }
            return self.handle(format, piece);
        }
        if let Some(format) = Self::detect(&piece) {
            self.format = Some(format);
            self.start()?;
            self.replay_pending(format)?;
            return self.handle(format, piece);
        }
        let owned = match piece {
            Piece::Json { raw, json, at, hint } => Pending::Json { raw: raw.to_vec(), json: JsonOf::of(raw, json), at, hint },
            Piece::Text { raw, at, block } => Pending::Text { raw: raw.to_vec(), at, block },
            Piece::Bad { raw, at, reason } => Pending::Bad { raw: raw.to_vec(), at, reason },
        };
        self.pending_bytes += match &owned {
            Pending::Json { raw, .. } | Pending::Text { raw, .. } | Pending::Bad { raw, .. } => raw.len(),
        };
        self.pending.push(owned);
        if self.pending.len() > DETECT_PIECES || self.pending_bytes > 4 * SNIFF_BYTES {
            return Err(self.unknown());
        }
        Ok(())
    }
}

/// Stores an event's raw records compressed.
fn compress(encoder: &mut raw::Encoder, item: Item) -> std::io::Result<Item> {
    Ok(match item {
        Item::Event { at, mut raw, prepared, mut extra, .. } => {
            writer::pack(encoder, &mut raw, &mut extra)?;
            Item::Event { at, raw, prepared, extra, packed: true }
        }
        other => other,
    })
}
