//! Splits a file into records before any format-specific parsing.
//!
//! Two framings cover every export we read:
//! - **lines**: JSON Lines, possibly mixed with plain log lines (`kubectl
//!   logs`, with or without `--prefix`). Streamed one line at a time, so a
//!   multi-gigabyte audit log needs no more memory than its longest line.
//! - **document**: one or more JSON documents, pretty-printed or not, possibly
//!   separated by plain text (`kubectl cluster-info dump`). Read whole, up to a
//!   cap, and split with the exact byte range of every record kept.
//!
//! In both, containers — `List`, typed lists (`PodList`, audit `EventList`),
//! Defender's `{"value": […]}` and bare arrays — are expanded into their
//! items, each keeping its own exact bytes.
//!
//! Every record, whichever framing found it, is held to the record cap; a
//! document to the larger document cap. A document file's record is
//! measured while it is read ([`Reading`]), so one that is a single huge
//! record is refused without being read whole.

use crate::error::{Code, Error, Result};
use crate::formats::strict;
use crate::ingest::limits::Limits;
use crate::store::writer::Locator;
use serde_json::value::RawValue;
use serde_json::{Map, Value};
use std::borrow::Cow;
use std::io::{BufRead, Read};
use std::sync::Arc;

pub use crate::formats::{Container, Hint};

pub enum Piece<'a> {
    Json {
        /// The bytes stored as the raw record.
        raw: &'a [u8],
        /// The bytes to parse (`raw` less a `kubectl logs --prefix` tag).
        json: &'a [u8],
        at: Locator,
        hint: Hint,
    },
    Text {
        raw: &'a [u8],
        at: Locator,
        /// A `cluster-info dump` log block (several lines) rather than one line.
        block: bool,
    },
    /// Bytes that looked like JSON but are not; kept verbatim as an error.
    Bad { raw: &'a [u8], at: Locator, reason: String },
}

pub trait Sink {
    fn piece(&mut self, p: Piece<'_>) -> Result<()>;
}

const LOG_START: &[u8] = b"==== START logs for";
const LOG_END: &[u8] = b"==== END logs for";

/// Drops what `kubectl logs --prefix/--timestamps` put before a record (see
/// `formats::falco::strip_kubectl_prefix`); any export can come through
/// `kubectl logs`, so framing does this for every format.
pub fn strip_kubectl_prefix(line: &[u8]) -> &[u8] {
    if !line.starts_with(b"[") && !line.first().is_some_and(u8::is_ascii_digit) {
        return line;
    }
    match std::str::from_utf8(line) {
        Ok(text) => {
            let rest = crate::formats::falco::strip_kubectl_prefix(text);
            &line[line.len() - rest.len()..]
        }
        Err(_) => line,
    }
}

fn trim_start(b: &[u8]) -> &[u8] {
    let n = b.iter().take_while(|c| c.is_ascii_whitespace()).count();
    &b[n..]
}

fn strip_bom(b: &[u8]) -> &[u8] {
    b.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(b)
}

/// Decides the framing from the first bytes: a first line that is a whole JSON
/// value (or not JSON at all) means lines; a value spanning lines, a leading
/// `[` or a log block means document.
pub fn is_document(prefix: &[u8]) -> bool {
    let b = trim_start(strip_bom(prefix));
    let first_line = &b[..memchr::memchr(b'\n', b).unwrap_or(b.len())];
    if strip_kubectl_prefix(first_line).len() != first_line.len() {
        // `kubectl logs --prefix`: one record per line.
        return false;
    }
    if b.starts_with(b"[") || b.starts_with(LOG_START) {
        return true;
    }
    if !b.starts_with(b"{") {
        return pretty_after_text(b);
    }
    serde_json::from_slice::<serde::de::IgnoredAny>(first_line).is_err()
}

/// Whether text lines (a CLI's status lines on stderr, captured with
/// `2>&1`: `karmor logs --output pretty-json`) lead to a pretty-printed
/// object: the first line starting with `{` is a lone `{` at the start of
/// the line, and the text before it quotes nothing. A JSON Lines record, or
/// a broken one, is never a lone `{`; a CSV cell holding indented JSON is
/// quoted; such files stay lines.
fn pretty_after_text(b: &[u8]) -> bool {
    for line in b.split(|c| *c == b'\n') {
        if line.starts_with(b"{") {
            return line[1..].iter().all(|c| c.is_ascii_whitespace());
        }
        let t = trim_start(line);
        if t.starts_with(b"{") || t.starts_with(b"[") || t.starts_with(LOG_START) || line.contains(&b'"') {
            return false;
        }
    }
    false
}

/// The keys whose array holds a container's records: Kubernetes lists,
/// Defender's REST pages, Azure Monitor's Event Hub messages, CloudTrail's
/// S3 objects and CLI pages, CloudWatch Logs' CLI pages and subscription
/// objects, GuardDuty's `get-findings` pages, SCC's `ListFindings` pages
/// (`listFindingsResults`).
// `Resources`: a `trivy k8s` report's scanned resources; `Controls`: a
// kube-bench report's controls. Both reports grow with the cluster, so
// each item is a record of its own, bounded like any record.
const CONTAINER_KEYS: &[&str] = &[
    "items", "value", "records", "Records", "events", "Events", "logEvents", "Findings", "Resources", "Controls", "data",
    "listFindingsResults",
];

/// Whether a record's text may hold a container's array: a container key,
/// quoted and unescaped, then `:` and `[` (JSON whitespace between). Most
/// records are not containers, and this says so without parsing: it looks
/// only around each `[`, which audit events have few of, where a search for
/// the keys themselves would stop at every quote. Nested and escaped keys
/// pass or fail alike; the parse that follows decides.
fn may_hold_container(json: &[u8]) -> bool {
    let ws = |c: &u8| matches!(c, b' ' | b'\t' | b'\n' | b'\r');
    memchr::memchr_iter(b'[', json).any(|at| {
        let before = &json[..at];
        let Some(colon) = before.iter().rposition(|c| !ws(c)) else { return false };
        if before[colon] != b':' {
            return false;
        }
        let Some(quote) = before[..colon].iter().rposition(|c| !ws(c)) else { return false };
        if before[quote] != b'"' {
            return false;
        }
        let key = &before[..quote];
        CONTAINER_KEYS.iter().any(|k| key.strip_suffix(k.as_bytes()).is_some_and(|rest| rest.ends_with(b"\"")))
    })
}

/// A value's top-level members, read in one pass: the arrays under the
/// container keys as their items, every other member as its text. A page
/// of ten thousand log events is read once here, not once to find its
/// members and again to split the array.
#[derive(Default)]
struct Probe<'a> {
    arrays: Vec<(&'static str, Vec<&'a RawValue>)>,
    others: Vec<(Cow<'a, str>, &'a RawValue)>,
}

impl<'a> Probe<'a> {
    fn text(&self, key: &str) -> Option<String> {
        self.others.iter().find(|(k, _)| k == key).and_then(|(_, v)| serde_json::from_str::<String>(v.get()).ok())
    }
}

impl<'de> serde::Deserialize<'de> for Probe<'de> {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        struct V;
        impl<'de> serde::de::Visitor<'de> for V {
            type Value = Probe<'de>;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a JSON object")
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> std::result::Result<Probe<'de>, A::Error> {
                let mut probe = Probe::default();
                // A container's facts and items go to every record in it:
                // one with a key twice is no container (see `formats::strict`).
                let mut keys = strict::Keys::default();
                while let Some(crate::formats::text::Text(key)) = map.next_key()? {
                    keys.insert(key.clone())?;
                    match CONTAINER_KEYS.iter().find(|k| **k == key) {
                        Some(k) => {
                            if let Some(items) = map.next_value_seed(Items)? {
                                probe.arrays.push((k, items));
                            }
                        }
                        None => probe.others.push((key, map.next_value()?)),
                    }
                }
                keys.finish()?;
                Ok(probe)
            }
        }
        d.deserialize_map(V)
    }
}

/// An array's items, each as its text; `None` for a value that is no array.
struct Items;

impl<'de> serde::de::DeserializeSeed<'de> for Items {
    type Value = Option<Vec<&'de RawValue>>;
    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> std::result::Result<Self::Value, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> serde::de::Visitor<'de> for Items {
    type Value = Option<Vec<&'de RawValue>>;
    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("any JSON value")
    }
    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> std::result::Result<Self::Value, A::Error> {
        let mut items = Vec::new();
        while let Some(item) = seq.next_element::<&'de RawValue>()? {
            items.push(item);
        }
        Ok(Some(items))
    }
    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> std::result::Result<Self::Value, A::Error> {
        while map.next_entry::<serde::de::IgnoredAny, serde::de::IgnoredAny>()?.is_some() {}
        Ok(None)
    }
    fn visit_bool<E>(self, _: bool) -> std::result::Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_i64<E>(self, _: i64) -> std::result::Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_u64<E>(self, _: u64) -> std::result::Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_f64<E>(self, _: f64) -> std::result::Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_str<E>(self, _: &str) -> std::result::Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_unit<E>(self) -> std::result::Result<Self::Value, E> {
        Ok(None)
    }
}

/// The items of a container, or `None` when the value is a record itself.
/// Only objects are records: an array of anything else is left whole, to be
/// reported as what it is.
fn container_items(json: &[u8], page: u32) -> Option<(Vec<&RawValue>, Hint)> {
    let (items, hint) = container_items_any(json, page)?;
    items.iter().all(|i| i.get().starts_with('{')).then_some((items, hint))
}

fn container_items_any(json: &[u8], page: u32) -> Option<(Vec<&RawValue>, Hint)> {
    let t = trim_start(json);
    if t.starts_with(b"[") {
        let items: Vec<&RawValue> = serde_json::from_slice(json).ok()?;
        return Some(array_items(items, page));
    }
    // A cheap test first: most records are not containers.
    if !may_hold_container(json) {
        return None;
    }
    probe_items(serde_json::from_slice(json).ok()?, page)
}

/// The items of a bare array.
fn array_items(items: Vec<&RawValue>, page: u32) -> (Vec<&RawValue>, Hint) {
    let container = Container { key: "[", page, facts: Map::new() };
    (items, Hint { container: Some(Arc::new(container)), ..Hint::default() })
}

/// The items of an object's container array, from its members.
fn probe_items(mut probe: Probe<'_>, page: u32) -> Option<(Vec<&RawValue>, Hint)> {
    let kind = probe.text("kind");
    let kind = kind.as_deref();
    // The one array that holds the records; a value with two is a record.
    if probe.arrays.len() != 1 {
        return None;
    }
    let (key, items) = probe.arrays.pop().expect("one array");
    let typed_list = kind.is_none_or(|k| k.ends_with("List"));
    match key {
        // Kubernetes lists: `List`, typed lists, audit `EventList`.
        "items" if typed_list => {}
        // The other containers carry no kind of their own.
        "items" => return None,
        // `data` is too common a key to hold records wherever it appears
        // (a Tracee v1beta1 event's arguments are its `data`): it is a
        // container only as a page of the Sysdig Events Feed API, whose
        // one other member is the `page` cursor.
        "data" if !(probe.others.len() == 1 && probe.others[0].0 == "page") => return None,
        _ if kind.is_some() => return None,
        _ => {}
    }
    let mut facts = Map::new();
    for (k, v) in &probe.others {
        if k == "kind" || k == "apiVersion" {
            continue;
        }
        // Scalars and arrays of scalars: a page's token, a Firehose
        // object's group, stream and subscription filters.
        match serde_json::from_str::<Value>(v.get()) {
            Ok(Value::Object(_)) | Err(_) => {}
            Ok(Value::Array(a)) if a.iter().any(|x| x.is_object() || x.is_array()) => {}
            Ok(value) => {
                facts.insert(k.to_string(), value);
            }
        }
    }
    let item_kind = kind.and_then(|k| k.strip_suffix("List")).filter(|k| !k.is_empty()).map(str::to_string);
    let container = Container { key, page, facts };
    Some((
        items,
        Hint { kind: item_kind, api_version: probe.text("apiVersion"), container: Some(Arc::new(container)), row: false },
    ))
}

/// Emits one JSON value (`json` within `base`, the bytes stored), expanding
/// containers; `base_offset` is `base`'s offset in the file.
fn emit_json(sink: &mut dyn Sink, base: &[u8], json: &[u8], at: Locator, base_offset: u64, page: u32) -> Result<()> {
    emit_value(sink, base, json, container_items(json, page), at, base_offset)
}

/// Emits one JSON value as its container's items, or whole.
fn emit_value(
    sink: &mut dyn Sink,
    base: &[u8],
    json: &[u8],
    container: Option<(Vec<&RawValue>, Hint)>,
    at: Locator,
    base_offset: u64,
) -> Result<()> {
    let Some((items, hint)) = container.filter(|(items, _)| items.iter().all(|i| i.get().starts_with('{'))) else {
        return sink.piece(Piece::Json { raw: base, json, at, hint: Hint::default() });
    };
    for item in items {
        let bytes = item.get().as_bytes();
        let offset = base_offset + (bytes.as_ptr() as usize - base.as_ptr() as usize) as u64;
        sink.piece(Piece::Json { raw: bytes, json: bytes, at: Locator { line: at.line, offset }, hint: hint.clone() })?;
    }
    Ok(())
}

/// Streams a line-framed file.
pub fn lines<R: BufRead>(mut r: R, name: &str, limits: &Limits, sink: &mut dyn Sink) -> Result<()> {
    let mut buf = Vec::with_capacity(64 * 1024);
    let mut offset = 0u64;
    let mut line_no = 0u64;
    loop {
        buf.clear();
        let n = read_line(&mut r, &mut buf, name, limits, line_no + 1)?;
        if n == 0 {
            return Ok(());
        }
        line_no += 1;
        let at = Locator { line: Some(line_no), offset };
        offset += n as u64;
        let mut line: &[u8] = &buf;
        if line_no == 1 {
            line = strip_bom(line);
        }
        while let Some(l) = line.strip_suffix(b"\n").or_else(|| line.strip_suffix(b"\r")) {
            line = l;
        }
        if line.iter().all(|c| c.is_ascii_whitespace()) {
            continue;
        }
        let content = strip_kubectl_prefix(line);
        if trim_start(content).starts_with(b"{") || trim_start(content).starts_with(b"[") {
            emit_json(sink, line, content, at, at.offset, line_no as u32)?;
        } else {
            sink.piece(Piece::Text { raw: line, at, block: false })?;
        }
    }
}

enum LineError {
    TooLong,
    Io(std::io::Error),
}

/// Reads line `line_no` (from 1) into `buf`, capped: the user-facing error
/// names the file and the line.
fn read_line<R: BufRead>(r: &mut R, buf: &mut Vec<u8>, name: &str, limits: &Limits, line_no: u64) -> Result<usize> {
    read_line_capped(r, buf, limits.max_record_bytes).map_err(|e| match e {
        LineError::TooLong => too_long(name, Locator { line: Some(line_no), offset: 0 }, limits.max_record_bytes),
        LineError::Io(e) => crate::ingest::read_error(name, e),
    })
}

/// The error for a record longer than the record cap, naming where it is:
/// its line, or its byte offset in a document file.
fn too_long(name: &str, at: Locator, cap: usize) -> Error {
    let place = match at.line {
        Some(line) => format!("line {}", line),
        None => format!("the record at byte {}", at.offset),
    };
    Error::input(
        Code::RecordTooLong,
        format!(
            "{}: {} is longer than the {}-byte record cap (raise it with --max-record-bytes if the record is genuine)",
            name, place, cap
        ),
    )
}

/// Hands pieces on, refusing any record longer than the record cap: the
/// document cap bounds a file's documents, this each record in them (a
/// document that is one record, an item of a container, a text line). A
/// `cluster-info dump` log block holds many log lines and is bounded by
/// the document cap only.
struct Capped<'s> {
    sink: &'s mut dyn Sink,
    name: &'s str,
    cap: usize,
}

impl Sink for Capped<'_> {
    fn piece(&mut self, p: Piece<'_>) -> Result<()> {
        let (len, at) = match &p {
            Piece::Json { raw, at, .. } | Piece::Bad { raw, at, .. } | Piece::Text { raw, at, block: false } => (raw.len(), *at),
            Piece::Text { block: true, .. } => (0, Locator { line: None, offset: 0 }),
        };
        if len > self.cap {
            return Err(too_long(self.name, at, self.cap));
        }
        self.sink.piece(p)
    }
}

/// Where the record being read begins in a unit of a document file that
/// is still being read ([`Unit::More`]): in a text run, at the line being
/// read; in a JSON document, at its start until it shows itself a
/// container (a bare array, or an object with an array under a container
/// key), then at the item being read. So a document that is one huge
/// record is refused once it passes the record cap, not read whole up to
/// the document cap first (a 150 MB line took 1.4 GB), while a container
/// of small items may still grow to the document cap.
///
/// Kept between reads, so each byte is looked at once however often the
/// unit asks for more; only a unit past the record cap is looked at.
#[derive(Default)]
struct Reading {
    /// Bytes of the unit looked at.
    seen: usize,
    /// Where the record being read begins, in the unit.
    record: usize,
    /// Brackets open.
    depth: u32,
    in_string: bool,
    /// Where the string being read (or the last one) begins and ends.
    string: (usize, usize),
    /// The member being read at depth 1 is under a container key, and its
    /// value has not begun.
    container_member: bool,
    /// The depth inside the container's array, once it has begun.
    items: Option<u32>,
    /// A comma at the items' depth went by: the next value is an item.
    next_item: bool,
}

impl Reading {
    /// Looks at the unit's bytes not seen yet.
    fn advance(&mut self, unit: &[u8]) {
        match unit.first() {
            Some(b'{') | Some(b'[') => self.json(unit),
            _ if unit.starts_with(LOG_START) => {}
            _ => {
                if let Some(nl) = memchr::memrchr(b'\n', &unit[self.seen..]) {
                    self.record = self.seen + nl + 1;
                }
            }
        }
        self.seen = unit.len();
    }

    fn json(&mut self, unit: &[u8]) {
        let mut i = self.seen;
        while i < unit.len() {
            if self.in_string {
                match memchr::memchr2(b'"', b'\\', &unit[i..]) {
                    None => i = unit.len(),
                    Some(k) if unit[i + k] == b'\\' => i += k + 2,
                    Some(k) => {
                        self.in_string = false;
                        self.string.1 = i + k;
                        i += k + 1;
                    }
                }
                continue;
            }
            let b = unit[i];
            if !b.is_ascii_whitespace() {
                self.token(unit, i, b);
            }
            i += 1;
        }
    }

    /// One byte outside strings and whitespace.
    fn token(&mut self, unit: &[u8], i: usize, b: u8) {
        if b != b'}' && b != b']' && self.next_item && self.items == Some(self.depth) {
            self.record = i;
            self.next_item = false;
        }
        match b {
            b'"' => {
                self.in_string = true;
                self.string = (i + 1, i + 1);
            }
            b':' if self.depth == 1 => {
                let key = &unit[self.string.0..self.string.1];
                self.container_member = CONTAINER_KEYS.iter().any(|k| k.as_bytes() == key);
                return;
            }
            b',' if self.items == Some(self.depth) => {
                self.record = i + 1;
                self.next_item = true;
            }
            b'{' | b'[' => {
                let opens_items = b == b'[' && (self.depth == 0 || (self.depth == 1 && self.container_member));
                self.depth += 1;
                if opens_items && self.items.is_none() {
                    self.items = Some(self.depth);
                    self.record = i + 1;
                    self.next_item = true;
                }
            }
            b'}' | b']' => {
                if self.items == Some(self.depth) {
                    // The container's array is closed: what follows are its facts.
                    self.record = i + 1;
                    self.next_item = false;
                }
                self.depth = self.depth.saturating_sub(1);
            }
            _ => {}
        }
        if self.depth == 1 {
            self.container_member = false;
        }
    }
}


/// Reads through the next `\n` into `buf`; never holds more than `cap` bytes.
fn read_line_capped<R: BufRead>(r: &mut R, buf: &mut Vec<u8>, cap: usize) -> Result<usize, LineError> {
    let mut total = 0;
    loop {
        let available = match r.fill_buf() {
            Ok(b) => b,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(LineError::Io(e)),
        };
        if available.is_empty() {
            return Ok(total);
        }
        let (done, used) = match memchr::memchr(b'\n', available) {
            Some(i) => (true, i + 1),
            None => (false, available.len()),
        };
        if buf.len() + used > cap + 2 {
            return Err(LineError::TooLong);
        }
        buf.extend_from_slice(&available[..used]);
        r.consume(used);
        total += used;
        if done {
            return Ok(total);
        }
    }
}

/// Reads a whole file of documents, up to the document cap; `what` and
/// `advice` word the error past it.
fn read_capped<R: Read>(r: R, name: &str, limits: &Limits, what: &str, advice: &str) -> Result<Vec<u8>> {
    let mut buf = Vec::new();
    let mut limited = r.take(limits.max_document_bytes + 1);
    limited.read_to_end(&mut buf).map_err(|e| crate::ingest::read_error(name, e))?;
    if buf.len() as u64 > limits.max_document_bytes {
        return Err(Error::input(
            Code::RecordTooLong,
            format!("{}: {} larger than the {}-byte cap ({})", name, what, limits.max_document_bytes, advice),
        ));
    }
    Ok(buf)
}

/// Streams a file of documents — pretty-printed pages appended one after
/// another, concatenated Firehose objects, Event Hub messages longer than
/// the sniffed head, one large array — and the text between them: memory
/// holds the document being read, never the whole file. A document larger
/// than the document cap is refused.
pub fn document<R: Read>(r: R, name: &str, limits: &Limits, sink: &mut dyn Sink) -> Result<()> {
    document_in_chunks(r, name, limits, sink, DOCUMENT_CHUNK)
}

/// [`document`], reading `chunk` bytes at least each time.
fn document_in_chunks<R: Read>(mut r: R, name: &str, limits: &Limits, sink: &mut dyn Sink, chunk: usize) -> Result<()> {
    let sink = &mut Capped { sink, name, cap: limits.max_record_bytes };
    let mut reading = Reading::default();
    let mut buf: Vec<u8> = Vec::new();
    let mut base = 0u64;
    let mut page = 0u32;
    let mut eof = false;
    // Grows while one document keeps asking for more, so that a large one
    // is re-read a few times, not once per chunk.
    let mut want = chunk;
    let mut pos = 0;
    loop {
        if base == 0 && pos == 0 && (eof || buf.len() >= 3) {
            pos = buf.len() - strip_bom(&buf).len();
        }
        pos += buf[pos..].iter().take_while(|c| c.is_ascii_whitespace()).count();
        match next_unit(&buf, pos, eof, base, &mut page, sink)? {
            Unit::Read(end) => {
                pos = end;
                want = chunk;
                reading = Reading::default();
            }
            Unit::End => return Ok(()),
            Unit::More => {
                let held = (buf.len() - pos) as u64;
                if held > limits.max_record_bytes as u64 {
                    reading.advance(&buf[pos..]);
                    if reading.seen - reading.record > limits.max_record_bytes {
                        let at = Locator { line: None, offset: base + (pos + reading.record) as u64 };
                        return Err(too_long(name, at, limits.max_record_bytes));
                    }
                }
                if held > limits.max_document_bytes {
                    return Err(Error::input(
                        Code::RecordTooLong,
                        format!(
                            "{}: a JSON document at byte {} is larger than the {}-byte cap (raise it with --max-document-bytes, or export as JSON Lines)",
                            name,
                            base + pos as u64,
                            limits.max_document_bytes
                        ),
                    ));
                }
                // Keep what is not read yet, then read on.
                buf.drain(..pos);
                base += pos as u64;
                pos = 0;
                // Never more than one byte past the cap, which is enough to
                // tell a document too large.
                let ask = (want as u64).min(limits.max_document_bytes + 1 - held);
                let read = (&mut r).take(ask).read_to_end(&mut buf).map_err(|e| crate::ingest::read_error(name, e))?;
                eof = (read as u64) < ask;
                want = want.saturating_mul(2);
            }
        }
    }
}

fn line_start_at(buf: &[u8], pos: usize) -> bool {
    pos == 0 || buf[pos - 1] == b'\n'
}

/// Next position ≥ `from` where a line starts with `{`, `[` or a log block.
fn next_record_start(buf: &[u8], from: usize) -> usize {
    let mut pos = from;
    while pos < buf.len() {
        let nl = memchr::memchr(b'\n', &buf[pos..]).map(|i| pos + i + 1).unwrap_or(buf.len());
        if nl >= buf.len() {
            return buf.len();
        }
        let next = &buf[nl..];
        if next.starts_with(b"{") || next.starts_with(b"[") || next.starts_with(LOG_START) {
            return nl;
        }
        pos = nl;
    }
    buf.len()
}

/// The first read of a document file, and the least each later one adds.
const DOCUMENT_CHUNK: usize = 4 << 20;

/// What [`next_unit`] did.
enum Unit {
    /// Read a unit (a document, a log block, text lines); the next one
    /// starts here.
    Read(usize),
    /// The unit at the position may go on past what is read: read more.
    More,
    /// Nothing left.
    End,
}

/// Splits a buffer that holds the whole file.
pub fn split_document(buf: &[u8], sink: &mut dyn Sink) -> Result<()> {
    let mut pos = buf.len() - strip_bom(buf).len();
    let mut page = 0u32;
    while let Unit::Read(end) = next_unit(buf, pos, true, 0, &mut page, sink)? {
        pos = end;
    }
    Ok(())
}

/// Reads the unit at `pos` of `buf` (at `base` in the file) and hands its
/// pieces to the sink; nothing is handed on when it answers [`Unit::More`].
/// `eof`: the buffer ends where the file does.
fn next_unit(buf: &[u8], mut pos: usize, eof: bool, base: u64, page: &mut u32, sink: &mut dyn Sink) -> Result<Unit> {
    pos += buf[pos..].iter().take_while(|c| c.is_ascii_whitespace()).count();
    if pos >= buf.len() {
        return Ok(if eof { Unit::End } else { Unit::More });
    }
    // A unit that reaches the end of what is read may go on.
    let whole = |end: usize| eof || end < buf.len();
    let rest = &buf[pos..];
    let offset = |p: usize| base + p as u64;
    let at = Locator { line: None, offset: offset(pos) };
    if rest.starts_with(LOG_START) && line_start_at(buf, pos) {
        let end = log_block_end(buf, pos);
        if !whole(end) {
            return Ok(Unit::More);
        }
        sink.piece(Piece::Text { raw: trim_end(&buf[pos..end]), at, block: true })?;
        return Ok(Unit::Read(end));
    }
    if !(rest.starts_with(b"{") || rest.starts_with(b"[")) {
        // Plain text up to the next record; each line separately.
        let end = next_record_start(buf, pos);
        if !whole(end) {
            return Ok(Unit::More);
        }
        let mut p = pos;
        while p < end {
            let nl = memchr::memchr(b'\n', &buf[p..end]).map(|i| p + i + 1).unwrap_or(end);
            let line = trim_end(&buf[p..nl]);
            if !line.iter().all(|c| c.is_ascii_whitespace()) {
                sink.piece(Piece::Text { raw: line, at: Locator { line: None, offset: offset(p) }, block: false })?;
            }
            p = nl;
        }
        return Ok(Unit::Read(end));
    }
    // The document is read once, into its members or items: a container
    // (the usual document) is split from that reading.
    let read = if rest.starts_with(b"[") { read_next::<Vec<&RawValue>>(rest) } else { read_next::<Probe>(rest) };
    match read {
        Ok((items, len)) => {
            let value = &rest[..len];
            *page += 1;
            let container = match items {
                Document::Array(items) => Some(array_items(items, *page)),
                Document::Object(probe) => probe_items(probe, *page),
            };
            emit_value(sink, value, value, container, at, offset(pos))?;
            Ok(Unit::Read(pos + len))
        }
        Err(e) if e.is_eof() && !eof => Ok(Unit::More),
        Err(_) if cut_array(rest).is_some() => {
            // A CLI killed mid-way, a download interrupted: the whole
            // items are records, the cut one an error.
            let (items, cut) = cut_array(rest).expect("checked by the guard");
            let start = pos + cut;
            let end = next_record_start(buf, start).max(start + 1);
            if !whole(end) {
                return Ok(Unit::More);
            }
            *page += 1;
            let container = Container { key: "[", page: *page, facts: Map::new() };
            let hint = Hint { container: Some(Arc::new(container)), ..Hint::default() };
            let kept = items.len();
            for item in items {
                let bytes = item.get().as_bytes();
                let at = Locator { line: None, offset: offset(bytes.as_ptr() as usize - buf.as_ptr() as usize) };
                sink.piece(Piece::Json { raw: bytes, json: bytes, at, hint: hint.clone() })?;
            }
            let raw = trim_end(&buf[start..end]);
            let why = match serde_json::from_slice::<serde::de::IgnoredAny>(raw) {
                Err(e) => crate::ingest::json_reason(&e, raw),
                Ok(_) => "no closing bracket".to_string(),
            };
            let reason = format!("a JSON array cut short after {} whole items: {}", kept, why);
            sink.piece(Piece::Bad { raw, at: Locator { line: None, offset: offset(start) }, reason })?;
            Ok(Unit::Read(end))
        }
        Err(e) => {
            let end = next_record_start(buf, pos).max(pos + 1);
            if !whole(end) {
                return Ok(Unit::More);
            }
            sink.piece(Piece::Bad { raw: trim_end(&buf[pos..end]), at, reason: crate::ingest::json_reason(&e, &buf[pos..end]) })?;
            Ok(Unit::Read(end))
        }
    }
}

/// A document as [`next_unit`] reads it.
enum Document<'a> {
    Array(Vec<&'a RawValue>),
    Object(Probe<'a>),
}

impl<'a> From<Vec<&'a RawValue>> for Document<'a> {
    fn from(items: Vec<&'a RawValue>) -> Self {
        Document::Array(items)
    }
}

impl<'a> From<Probe<'a>> for Document<'a> {
    fn from(probe: Probe<'a>) -> Self {
        Document::Object(probe)
    }
}

/// The JSON value at the start of `rest`, read as `T`, and its length.
fn read_next<'a, T: serde::Deserialize<'a> + Into<Document<'a>>>(rest: &'a [u8]) -> serde_json::Result<(Document<'a>, usize)> {
    let mut stream = serde_json::Deserializer::from_slice(rest).into_iter::<T>();
    match stream.next() {
        Some(Ok(doc)) => Ok((doc.into(), stream.byte_offset())),
        Some(Err(e)) => Err(e),
        None => Err(serde::de::Error::custom("no JSON value")),
    }
}

/// The whole leading items of an array of objects that does not parse,
/// and where the first broken item (or the end of the last whole one)
/// starts; `None` unless at least one item is whole and all of them are
/// objects.
fn cut_array(doc: &[u8]) -> Option<(Vec<&RawValue>, usize)> {
    let ws = |from: usize| from + doc[from.min(doc.len())..].iter().take_while(|c| c.is_ascii_whitespace()).count();
    let mut pos = ws(doc.strip_prefix(b"[").map(|_| 1)?);
    let mut items = Vec::new();
    loop {
        let start = pos;
        let mut stream = serde_json::Deserializer::from_slice(&doc[pos..]).into_iter::<&RawValue>();
        match stream.next() {
            Some(Ok(item)) if item.get().starts_with('{') => {
                items.push(item);
                pos = ws(pos + stream.byte_offset());
            }
            _ => return (!items.is_empty()).then_some((items, start)),
        }
        match doc.get(pos) {
            Some(b',') => pos = ws(pos + 1),
            _ => return (!items.is_empty()).then_some((items, pos)),
        }
    }
}

fn trim_end(b: &[u8]) -> &[u8] {
    let n = b.iter().rev().take_while(|c| c.is_ascii_whitespace()).count();
    &b[..b.len() - n]
}

/// A log block runs through its `==== END logs for` line, or up to the next
/// block or the next JSON document at the start of a line.
fn log_block_end(buf: &[u8], start: usize) -> usize {
    let mut pos = memchr::memchr(b'\n', &buf[start..]).map(|i| start + i + 1).unwrap_or(buf.len());
    while pos < buf.len() {
        let rest = &buf[pos..];
        let nl = memchr::memchr(b'\n', rest).map(|i| pos + i + 1).unwrap_or(buf.len());
        if rest.starts_with(LOG_END) {
            return nl;
        }
        if rest.starts_with(LOG_START) || (rest.starts_with(b"{\n") || rest.starts_with(b"[\n")) {
            return pos;
        }
        pos = nl;
    }
    buf.len()
}

/// Whether the file is a CSV table: its first line is a header of at least
/// two column names (Log Analytics' portal download, a Logs Insights CSV).
/// A file of log lines has no such first line.
pub fn is_csv(prefix: &[u8]) -> bool {
    let b = strip_bom(prefix);
    let first = &b[..memchr::memchr(b'\n', b).unwrap_or(b.len())];
    let first = first.strip_suffix(b"\r").unwrap_or(first);
    let Ok(text) = std::str::from_utf8(first) else { return false };
    match csv_cells(text) {
        Ok(cells) => cells.len() >= 2 && cells.iter().all(|c| is_column_name(c)),
        Err(_) => false,
    }
}

/// A column name as the exports write them: `TimeGenerated`, `@timestamp`,
/// `user.username`, `properties_s`, `TimeGenerated [UTC]`.
fn is_column_name(c: &str) -> bool {
    let mut chars = c.chars();
    chars.next().is_some_and(|f| f.is_ascii_alphabetic() || f == '@' || f == '_')
        && chars.all(|ch| ch.is_ascii_alphanumeric() || "_.@[]- ".contains(ch))
        && !c.ends_with(' ')
}

/// A column name without the unit the Azure portal appends to time
/// columns (`TimeGenerated [UTC]`).
fn column_key(c: &str) -> &str {
    c.strip_suffix(" [UTC]").unwrap_or(c)
}

/// The cells of one CSV row (RFC 4180: `,` separated, `"` quoted, `""` a
/// quote inside quotes; a row may span lines inside quotes).
pub fn csv_cells(row: &str) -> std::result::Result<Vec<String>, String> {
    let mut cells = Vec::new();
    let mut chars = row.chars().peekable();
    loop {
        let mut cell = String::new();
        if chars.peek() == Some(&'"') {
            chars.next();
            loop {
                match chars.next() {
                    Some('"') if chars.peek() == Some(&'"') => {
                        chars.next();
                        cell.push('"');
                    }
                    Some('"') => break,
                    Some(c) => cell.push(c),
                    None => return Err(format!("field {} opens a quote that never closes", cells.len() + 1)),
                }
            }
            match chars.next() {
                None => {
                    cells.push(cell);
                    return Ok(cells);
                }
                Some(',') => cells.push(cell),
                Some(c) => return Err(format!("text ({:?}) after the closing quote of field {}", c, cells.len() + 1)),
            }
        } else {
            loop {
                match chars.next() {
                    None => {
                        cells.push(cell);
                        return Ok(cells);
                    }
                    Some(',') => break,
                    Some(c) => cell.push(c),
                }
            }
            cells.push(cell);
        }
    }
}

/// One physical line of a CSV file, waiting to be part of a row.
struct CsvLine {
    no: u64,
    offset: u64,
    bytes: Vec<u8>,
}

/// Streams a CSV table: each row becomes a record (its exact bytes kept)
/// read as a JSON object of the header's names to the cells' text. A row
/// with broken quoting is kept as a parse error and the rows after it are
/// read as if it had not been there.
pub fn csv<R: BufRead>(mut r: R, name: &str, limits: &Limits, sink: &mut dyn Sink) -> Result<()> {
    let mut header: Option<Vec<String>> = None;
    // Lines of the row being gathered (a quoted cell may span lines).
    let mut pending: std::collections::VecDeque<CsvLine> = Default::default();
    let mut buf = Vec::with_capacity(64 * 1024);
    let mut offset = 0u64;
    let mut line_no = 0u64;
    let mut eof = false;
    loop {
        if !eof {
            buf.clear();
            let n = read_line(&mut r, &mut buf, name, limits, line_no + 1)?;
            if n == 0 {
                eof = true;
            } else {
                line_no += 1;
                let mut line: &[u8] = &buf;
                if line_no == 1 {
                    line = strip_bom(line);
                }
                pending.push_back(CsvLine { no: line_no, offset, bytes: line.to_vec() });
                offset += n as u64;
            }
        }
        if pending.is_empty() {
            return Ok(());
        }
        // A row is complete when its quotes balance; at the end of the file
        // (or past the cap) an unbalanced row is broken from its first line.
        let quotes: usize = pending.iter().map(|l| memchr::memchr_iter(b'"', &l.bytes).count()).sum();
        let bytes: usize = pending.iter().map(|l| l.bytes.len()).sum();
        let broken = quotes % 2 == 1 && (eof || bytes > limits.max_record_bytes);
        if quotes % 2 == 1 && !broken {
            continue;
        }
        if broken {
            let first = pending.pop_front().expect("a pending line");
            let raw = trim_line_end(&first.bytes);
            let at = Locator { line: Some(first.no), offset: first.offset };
            sink.piece(Piece::Bad { raw, at, reason: "a quoted field that never closes (broken CSV quoting)".into() })?;
            // The lines after it are read again as rows of their own: at the
            // end of the file all at once, before it as more lines come.
            if eof {
                drain_rows(&mut pending, &mut header, sink)?;
            }
            continue;
        }
        let lines: Vec<CsvLine> = pending.drain(..).collect();
        emit_row(&lines, &mut header, sink)?;
    }
}

/// After a broken row: reads the lines left as rows, each complete one as
/// it balances; an unbalanced start is broken again (the file ended).
fn drain_rows(
    pending: &mut std::collections::VecDeque<CsvLine>,
    header: &mut Option<Vec<String>>,
    sink: &mut dyn Sink,
) -> Result<()> {
    while !pending.is_empty() {
        let mut quotes = 0;
        let mut end = None;
        for (i, l) in pending.iter().enumerate() {
            quotes += memchr::memchr_iter(b'"', &l.bytes).count();
            if quotes % 2 == 0 {
                end = Some(i + 1);
                break;
            }
        }
        match end {
            Some(n) => {
                let lines: Vec<CsvLine> = pending.drain(..n).collect();
                emit_row(&lines, header, sink)?;
            }
            None => {
                let first = pending.pop_front().expect("a pending line");
                let at = Locator { line: Some(first.no), offset: first.offset };
                sink.piece(Piece::Bad {
                    raw: trim_line_end(&first.bytes),
                    at,
                    reason: "a quoted field that never closes (broken CSV quoting)".into(),
                })?;
            }
        }
    }
    Ok(())
}

fn trim_line_end(b: &[u8]) -> &[u8] {
    let mut b = b;
    while let Some(rest) = b.strip_suffix(b"\n").or_else(|| b.strip_suffix(b"\r")) {
        b = rest;
    }
    b
}

/// One complete row: the header, or a record.
fn emit_row(lines: &[CsvLine], header: &mut Option<Vec<String>>, sink: &mut dyn Sink) -> Result<()> {
    let first = &lines[0];
    let mut raw: Vec<u8> = lines.iter().flat_map(|l| l.bytes.iter().copied()).collect();
    raw.truncate(trim_line_end(&raw).len());
    let at = Locator { line: Some(first.no), offset: first.offset };
    if raw.iter().all(|c| c.is_ascii_whitespace()) {
        return Ok(());
    }
    let text = match std::str::from_utf8(&raw) {
        Ok(t) => t,
        Err(u) => {
            let reason = format!("invalid UTF-8 at byte {} of the record", u.valid_up_to());
            return sink.piece(Piece::Bad { raw: &raw, at, reason });
        }
    };
    let cells = match csv_cells(text) {
        Ok(c) => c,
        Err(why) => return sink.piece(Piece::Bad { raw: &raw, at, reason: format!("broken CSV row: {}", why) }),
    };
    let Some(names) = header.as_ref() else {
        *header = Some(cells.iter().map(|c| column_key(c).to_string()).collect());
        return Ok(());
    };
    if cells.len() != names.len() {
        let reason = format!("a CSV row of {} fields under a header of {}", cells.len(), names.len());
        return sink.piece(Piece::Bad { raw: &raw, at, reason });
    }
    let mut obj = Map::new();
    for (k, v) in names.iter().zip(cells) {
        obj.insert(k.clone(), Value::String(v));
    }
    let json = serde_json::to_vec(&Value::Object(obj)).expect("an object of strings serializes");
    let hint = Hint { row: true, ..Hint::default() };
    sink.piece(Piece::Json { raw: &raw, json: &json, at, hint })
}

/// Whether the file is a stream of YAML documents (`gcloud logging read`'s
/// default output): after comments, a `---` line or a `key:` line — and no
/// line that opens a JSON object, which makes a first line such as
/// `INFO: starting` a log's own start-up line before its JSON events
/// (`kubectl logs` of a sensor), not YAML.
pub fn is_yaml(prefix: &[u8]) -> bool {
    let b = strip_bom(prefix);
    if b.split(|c| *c == b'\n').any(|l| l.starts_with(b"{\"")) {
        return false;
    }
    for line in b.split(|c| *c == b'\n') {
        let line = trim_line_end(line);
        if line.iter().all(|c| c.is_ascii_whitespace()) || line.starts_with(b"#") {
            continue;
        }
        if line == b"---" || line.starts_with(b"--- ") {
            return true;
        }
        let Some(colon) = memchr::memchr(b':', line) else { return false };
        let key = &line[..colon];
        let after = &line[colon + 1..];
        return !key.is_empty()
            && (key[0].is_ascii_alphabetic() || key[0] == b'@' || key[0] == b'_')
            && key.iter().all(|c| c.is_ascii_alphanumeric() || b"_@.-".contains(c))
            && (after.is_empty() || after.starts_with(b" "));
    }
    false
}

/// Reads a stream of YAML documents (capped, as a JSON document) and hands
/// each on as a record: its exact bytes kept, read as the JSON value it
/// holds (strings stay strings: a timestamp is never turned into a date).
pub fn yaml<R: Read>(r: R, name: &str, limits: &Limits, sink: &mut dyn Sink) -> Result<()> {
    let buf = read_capped(r, name, limits, "a YAML stream", "raise it with --max-document-bytes")?;
    let start = buf.len() - strip_bom(&buf).len();
    let mut page = 0u32;
    // (first line, offset) of the document being gathered.
    let mut doc: Option<(u64, usize)> = None;
    let mut pos = start;
    let mut line_no = 0u64;
    let emit = |from: (u64, usize), to: usize, page: &mut u32, sink: &mut dyn Sink| -> Result<()> {
        let raw = trim_end(&buf[from.1..to]);
        let meaningful = raw.split(|c| *c == b'\n').any(|l| {
            let l = trim_line_end(l);
            !l.iter().all(|c| c.is_ascii_whitespace()) && !l.starts_with(b"#")
        });
        if !meaningful {
            return Ok(());
        }
        *page += 1;
        let at = Locator { line: Some(from.0), offset: from.1 as u64 };
        // Before it is parsed, which would cost many times its size.
        if raw.len() > limits.max_record_bytes {
            return Err(too_long(name, at, limits.max_record_bytes));
        }
        match serde_yaml_ng::from_slice::<strict::Unique>(raw).map(|u| u.0) {
            Ok(value @ Value::Object(_)) => {
                let json = serde_json::to_vec(&value).expect("a JSON value serializes");
                let container = Container { key: "---", page: *page, facts: Map::new() };
                let hint = Hint { container: Some(Arc::new(container)), ..Hint::default() };
                sink.piece(Piece::Json { raw, json: &json, at, hint })
            }
            Ok(_) => sink.piece(Piece::Bad { raw, at, reason: "a YAML document that is not a mapping".into() }),
            Err(e) => sink.piece(Piece::Bad { raw, at, reason: format!("invalid YAML: {}", e) }),
        }
    };
    while pos < buf.len() {
        let nl = memchr::memchr(b'\n', &buf[pos..]).map(|i| pos + i + 1).unwrap_or(buf.len());
        line_no += 1;
        let line = trim_line_end(&buf[pos..nl]);
        if line == b"---" || line.starts_with(b"--- ") || line == b"..." {
            if let Some(d) = doc.take() {
                emit(d, pos, &mut page, sink)?;
            }
            if line.starts_with(b"--- ") {
                // Content on the marker line itself belongs to the document.
                doc = Some((line_no, pos + 4));
            }
        } else if doc.is_none() {
            doc = Some((line_no, pos));
        }
        pos = nl;
    }
    if let Some(d) = doc.take() {
        emit(d, buf.len(), &mut page, sink)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What a sink was handed: (kind, raw, parsed JSON or reason, line).
    #[derive(Default)]
    struct Collect(Vec<(&'static str, String, String, Option<u64>, Hint)>);

    impl Sink for Collect {
        fn piece(&mut self, p: Piece<'_>) -> Result<()> {
            let text = |b: &[u8]| String::from_utf8_lossy(b).into_owned();
            self.0.push(match p {
                Piece::Json { raw, json, at, hint } => ("json", text(raw), text(json), at.line, hint),
                Piece::Text { raw, at, .. } => ("text", text(raw), String::new(), at.line, Hint::default()),
                Piece::Bad { raw, at, reason } => ("bad", text(raw), reason, at.line, Hint::default()),
            });
            Ok(())
        }
    }

    #[test]
    fn pretty_objects_behind_status_lines_are_documents_and_nothing_else_is() {
        let pretty = include_bytes!("../../fixtures/samples/kubearmor/karmor-pretty.json");
        assert!(is_document(pretty));
        let lines = include_bytes!("../../fixtures/samples/kubearmor/karmor-logs.jsonl");
        assert!(!is_document(lines));
        // A CSV cell holding indented JSON, text then a broken record.
        assert!(!is_document(b"TenantId,Log\nt,\"\n{\n  \"a\": 1\n}\"\n"));
        assert!(!is_document(b"a status line\n{\"Type\":\n"));
        assert!(!is_document(b"a status line\n  {\n"));
        assert!(!is_document(b"Falco version: 0.39.2\n{\"rule\":\"r\"}\n"));
        // Read as documents, the status lines are text and the objects records.
        let mut c = Collect(Vec::new());
        split_document(pretty, &mut c).unwrap();
        let kinds: Vec<&str> = c.0.iter().map(|p| p.0).collect();
        assert_eq!(kinds, ["text", "text", "text", "json", "json", "json"]);
    }

    #[test]
    fn csv_cells_follow_rfc_4180() {
        assert_eq!(csv_cells("a,b,,c").unwrap(), ["a", "b", "", "c"]);
        assert_eq!(csv_cells(r#""x, y","say ""hi""",z"#).unwrap(), ["x, y", "say \"hi\"", "z"]);
        assert_eq!(csv_cells("\"two\nlines\",b").unwrap(), ["two\nlines", "b"]);
        assert!(csv_cells(r#""open,b"#).unwrap_err().contains("never closes"));
        assert!(csv_cells(r#""a"x,b"#).unwrap_err().contains("after the closing quote"));
    }

    #[test]
    fn a_csv_file_is_told_by_its_header() {
        assert!(is_csv(b"\xEF\xBB\xBFTenantId,TimeGenerated [UTC],AuditId\r\nx,y,z\r\n"));
        assert!(is_csv(b"@timestamp,@message,@logStream\n"));
        assert!(!is_csv(b"{\"a\":1}\n"));
        assert!(!is_csv(b"09:41:07.123: Notice A shell was spawned, in a container\n"));
        assert!(!is_csv(b"only-one-column\n"));
    }

    #[test]
    fn csv_rows_become_objects_and_keep_their_bytes() {
        let text = "TimeGenerated [UTC],Verb,ObjectRef\r\n\
                    2026-11-20T09:41:07Z,list,\"{\"\"resource\"\":\"\"pods\"\"}\"\r\n\
                    2026-11-20T09:41:08Z,get,\"{\"\"resource\"\":\r\n\"\"pods\"\"}\"\r\n";
        let mut sink = Collect::default();
        csv(text.as_bytes(), "t.csv", &Limits::default(), &mut sink).unwrap();
        assert_eq!(sink.0.len(), 2);
        let (kind, raw, json, line, hint) = &sink.0[1];
        assert_eq!((*kind, *line, hint.row), ("json", Some(3), true));
        assert_eq!(raw, "2026-11-20T09:41:08Z,get,\"{\"\"resource\"\":\r\n\"\"pods\"\"}\"");
        let obj: Value = serde_json::from_str(json).unwrap();
        assert_eq!(obj["TimeGenerated"], "2026-11-20T09:41:08Z");
        assert_eq!(obj["ObjectRef"], "{\"resource\":\r\n\"pods\"}");
    }

    #[test]
    fn a_broken_csv_row_is_kept_and_the_rows_after_it_still_read() {
        let text = "a,b\n1,2\n3,\"never closed\n5,6\n\"x\"y,7\n8,9,10\n11,12\n";
        let mut sink = Collect::default();
        csv(text.as_bytes(), "t.csv", &Limits::default(), &mut sink).unwrap();
        let got: Vec<(&str, Option<u64>)> = sink.0.iter().map(|p| (p.0, p.3)).collect();
        assert_eq!(
            got,
            [("json", Some(2)), ("bad", Some(3)), ("json", Some(4)), ("bad", Some(5)), ("bad", Some(6)), ("json", Some(7))]
        );
        assert!(sink.0[1].2.contains("never closes"));
        assert!(sink.0[3].2.contains("after the closing quote"));
        assert!(sink.0[4].2.contains("3 fields under a header of 2"));
    }

    #[test]
    fn yaml_documents_read_as_json_with_strings_kept() {
        let text = "# gcloud logging read\n---\ninsertId: abc\ntimestamp: 2026-11-20T09:41:07.1Z\nn: 1\n---\ninsertId: def\n  bad: [\n---\n- a list\n---\ninsertId: ghi\n";
        assert!(is_yaml(text.as_bytes()));
        assert!(is_yaml(b"insertId: x\n"));
        assert!(!is_yaml(b"I1120 09:41:07 text\n"));
        assert!(!is_yaml(b"INFO: starting the sensor\n{\"level\":\"info\",\"time\":\"2026-11-20T09:47:21Z\"}\n"));
        let mut sink = Collect::default();
        yaml(text.as_bytes(), "t.yaml", &Limits::default(), &mut sink).unwrap();
        let kinds: Vec<&str> = sink.0.iter().map(|p| p.0).collect();
        assert_eq!(kinds, ["json", "bad", "bad", "json"]);
        let first: Value = serde_json::from_str(&sink.0[0].2).unwrap();
        assert_eq!(first["timestamp"], "2026-11-20T09:41:07.1Z");
        assert_eq!(first["n"], 1);
        assert_eq!(sink.0[0].1, "insertId: abc\ntimestamp: 2026-11-20T09:41:07.1Z\nn: 1");
        assert_eq!(sink.0[0].3, Some(3));
        assert_eq!(sink.0[3].4.container.as_ref().unwrap().page, 4);
    }

    #[test]
    fn the_container_pretest_passes_every_container_and_few_records() {
        for container in [
            &br#"{"records":[{"a":1}]}"#[..],
            br#"{"kind": "PodList", "items" : [ ]}"#,
            b"{\n  \"events\":\n\t[\n    {\"message\": \"x\"}\n  ]\n}",
            br#"{"messageType":"DATA_MESSAGE","logGroup":"/aws/eks/x/cluster","logEvents":[{"id":"1"}]}"#,
            br#"{"Records": [{"eventName": "GetObject"}]}"#,
            br#"{"value":[{"id":"x"}],"nextLink":null}"#,
            br#"{"Findings": [{"Id": "f1", "Type": "Execution:Runtime/NewBinaryExecuted"}]}"#,
        ] {
            assert!(may_hold_container(container), "{}", String::from_utf8_lossy(container));
            assert!(container_items(container, 1).is_some(), "{}", String::from_utf8_lossy(container));
        }
        for record in [
            &br#"{"kind":"Event","auditID":"a","sourceIPs":["10.0.0.1"],"user":{"groups":["g"]}}"#[..],
            // The key inside an escaped string (an AKS record's log).
            br#"{"category":"kube-audit","properties":{"log":"{\"items\":[{\"a\":1}]}"}}"#,
            // Another key that ends like one.
            br#"{"myrecords":[{"a":1}]}"#,
            br#"{"records":{"a":[1]}}"#,
        ] {
            assert!(!may_hold_container(record), "{}", String::from_utf8_lossy(record));
        }
    }

    /// Every piece with where it is and its container's page.
    #[derive(Default)]
    struct Placed(Vec<(String, u64, Option<u32>, String)>);

    impl Sink for Placed {
        fn piece(&mut self, p: Piece<'_>) -> Result<()> {
            let text = |b: &[u8]| String::from_utf8_lossy(b).into_owned();
            self.0.push(match p {
                Piece::Json { raw, at, hint, .. } => (text(raw), at.offset, hint.container.map(|c| c.page), String::new()),
                Piece::Text { raw, at, block } => (text(raw), at.offset, None, format!("text {}", block)),
                Piece::Bad { raw, at, reason } => (text(raw), at.offset, None, reason),
            });
            Ok(())
        }
    }

    #[test]
    fn a_document_file_streams_in_pieces_as_it_splits_whole() {
        let files: [&[u8]; 5] = [
            b"\xEF\xBB\xBF{\n  \"events\": [\n    {\"message\": \"a\", \"timestamp\": 1}\n  ],\n  \"nextToken\": \"t\"\n}\n{\n  \"events\": [{\"message\": \"b\", \"timestamp\": 2}]\n}\n",
            br#"{"messageType":"DATA_MESSAGE","logEvents":[{"id":"1","message":"m"}]}{"messageType":"CONTROL_MESSAGE","logEvents":[{"id":"2","message":"c"}]}"#,
            b"[{\"a\": 1},\n {\"b\": 2},\n {\"c\": ",
            b"{\"a\": 1}\nnot json at all\nstill not\n{\"b\": [1, 2}\n{\"c\": 3}\n",
            b"===== START logs for container x of pod ns/p =====\nline one\nline two\n==== END logs for container x of pod ns/p ====\n{\"kind\": \"Pod\"}\n",
        ];
        for file in files {
            let mut whole = Placed::default();
            split_document(file, &mut whole).unwrap();
            assert!(!whole.0.is_empty());
            for chunk in [1, 2, 7, 64, 1 << 20] {
                let mut streamed = Placed::default();
                document_in_chunks(file, "f", &Limits::default(), &mut streamed, chunk).unwrap();
                assert_eq!(streamed.0, whole.0, "chunk {}: {}", chunk, String::from_utf8_lossy(file));
            }
        }
    }

    #[test]
    fn a_document_past_the_cap_is_refused_the_ones_before_it_are_read() {
        let file = format!("{{\"a\": 1}}\n{{\"b\": \"{}\"}}\n", "x".repeat(100));
        let limits = Limits { max_document_bytes: 64, ..Limits::default() };
        let mut sink = Placed::default();
        let e = document_in_chunks(file.as_bytes(), "big.json", &limits, &mut sink, 8).unwrap_err();
        assert!(e.to_string().contains("big.json: a JSON document at byte 9 is larger than the 64-byte cap"), "{}", e);
        assert_eq!(sink.0.len(), 1);
    }

    /// Counts the bytes read through it.
    struct Counting<'a>(&'a [u8], std::rc::Rc<std::cell::Cell<usize>>);

    impl Read for Counting<'_> {
        fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
            let n = self.0.read(buf)?;
            self.1.set(self.1.get() + n);
            Ok(n)
        }
    }

    /// Frames `file` as a document file under a 1,000-byte record cap, in
    /// chunks of 64 bytes; gives the result, the pieces and the bytes read.
    fn under_record_cap(file: &[u8]) -> (Result<()>, Placed, usize) {
        let limits = Limits { max_record_bytes: 1000, ..Limits::default() };
        let read = std::rc::Rc::new(std::cell::Cell::new(0));
        let mut sink = Placed::default();
        let result = document_in_chunks(Counting(file, read.clone()), "big.json", &limits, &mut sink, 64);
        (result, sink, read.get())
    }

    #[test]
    fn a_one_line_record_past_the_record_cap_is_refused_having_read_little_of_it() {
        let file = format!("{{\"a\": 1}}\n{{\"rule\": \"{}\"}}", "x".repeat(1_000_000));
        let (result, sink, read) = under_record_cap(file.as_bytes());
        let e = result.unwrap_err();
        assert_eq!(e.code(), Code::RecordTooLong);
        assert!(e.to_string().contains("big.json: the record at byte 9 is longer than the 1000-byte record cap"), "{}", e);
        assert_eq!(sink.0.len(), 1, "the record before it is read");
        assert!(read < 4_000, "read {} bytes of a record refused at 1,000", read);
    }

    #[test]
    fn an_item_past_the_record_cap_is_refused_where_it_starts_its_container_is_not() {
        // A container far larger than the record cap, of items under it.
        let items: Vec<String> = (0..200).map(|i| format!("{{\"id\": \"{:020}\"}}", i)).collect();
        let page = format!("{{\"nextToken\": \"t\", \"events\": [{}]}}\n", items.join(", "));
        let (result, sink, _) = under_record_cap(page.as_bytes());
        result.unwrap();
        assert_eq!(sink.0.len(), 200);
        // One item too long, in a container and in a bare array.
        for (open, close) in [("{\"kind\": \"List\", \"items\": [", "]}"), ("[", "]")] {
            let file = format!("{}{}, {{\"x\": \"{}\"}}, {}{}", open, items[0], "y".repeat(1_000_000), items[1], close);
            let (result, sink, read) = under_record_cap(file.as_bytes());
            let e = result.unwrap_err();
            let at = open.len() + items[0].len() + 2;
            assert!(e.to_string().contains(&format!("the record at byte {} is longer", at)), "{}", e);
            assert!(sink.0.is_empty(), "a container is handed on whole or not at all");
            assert!(read < 4_000, "read {} bytes of a record refused at 1,000", read);
        }
    }

    #[test]
    fn a_text_line_past_the_record_cap_in_a_document_file_is_refused() {
        let file = format!("{{\"a\": 1}}\nsome text\n{}", "z".repeat(1_000_000));
        let (result, _, read) = under_record_cap(file.as_bytes());
        let e = result.unwrap_err();
        assert!(e.to_string().contains("the record at byte 19 is longer"), "{}", e);
        assert!(read < 4_000, "read {}", read);
    }

    #[test]
    fn a_record_read_whole_past_the_record_cap_is_refused_too() {
        // Read in one chunk: the cap holds when the record is handed on.
        let limits = Limits { max_record_bytes: 1000, ..Limits::default() };
        let file = format!("[{{\"a\": \"{}\"}}]", "x".repeat(2000));
        let e = document_in_chunks(file.as_bytes(), "f.json", &limits, &mut Placed::default(), 1 << 20).unwrap_err();
        assert!(e.to_string().contains("the record at byte 1 is longer"), "{}", e);
        let yaml_file = format!("a: 1\n---\nb: {}\n", "x".repeat(2000));
        let e = yaml(yaml_file.as_bytes(), "f.yaml", &limits, &mut Placed::default()).unwrap_err();
        assert!(e.to_string().contains("f.yaml: line 3 is longer than the 1000-byte record cap"), "{}", e);
    }

    #[test]
    fn a_container_with_a_key_twice_is_kept_whole_as_a_bad_piece() {
        // Its facts could say either log group: the cluster of every item.
        let page = br#"{"logGroup":"/aws/eks/a/cluster","logGroup":"/aws/eks/b/cluster","logEvents":[{"id":"1","message":"m"}]}"#;
        let mut sink = Collect::default();
        split_document(page, &mut sink).unwrap();
        assert_eq!(sink.0.len(), 1);
        assert_eq!(sink.0[0].0, "bad");
        assert!(sink.0[0].2.contains(r#"duplicate key "logGroup""#), "{}", sink.0[0].2);
        // In a line, it is left to the format's parser, which refuses it.
        assert!(container_items(page, 1).is_none());
        // A YAML document with a key twice is no record either.
        let mut sink = Collect::default();
        yaml(&b"insertId: a\nlogName: x\ninsertId: b\n"[..], "t.yaml", &Limits::default(), &mut sink).unwrap();
        assert_eq!(sink.0.len(), 1);
        assert_eq!(sink.0[0].0, "bad");
        assert!(sink.0[0].2.contains("duplicate key \"insertId\""), "{}", sink.0[0].2);
    }

    #[test]
    fn envelope_containers_give_their_items_and_facts() {
        let page = br#"{"events":[{"message":"a","timestamp":1},{"message":"b","timestamp":2}],"searchedLogStreams":[{"logStreamName":"s"}],"nextToken":"t"}
{"messageType":"DATA_MESSAGE","logGroup":"/aws/eks/c/cluster","subscriptionFilters":["f"],"logEvents":[{"id":"1","timestamp":1,"message":"m"}]}"#;
        let mut sink = Collect::default();
        split_document(page, &mut sink).unwrap();
        assert_eq!(sink.0.len(), 3);
        let c = sink.0[0].4.container.clone().unwrap();
        assert_eq!((c.key, c.page), ("events", 1));
        assert_eq!(c.facts.get("nextToken"), Some(&Value::from("t")));
        assert!(!c.facts.contains_key("searchedLogStreams"), "arrays of objects are not facts");
        let c = sink.0[2].4.container.clone().unwrap();
        assert_eq!((c.key, c.page), ("logEvents", 2));
        assert_eq!(c.facts["subscriptionFilters"], serde_json::json!(["f"]));
        assert_eq!(sink.0[2].1, r#"{"id":"1","timestamp":1,"message":"m"}"#);
        // An object with a kind, or with two arrays that could hold records,
        // is a record itself.
        for record in [&br#"{"kind":"Event","events":[{"a":1}]}"#[..], br#"{"records":[{"a":1}],"events":[{"b":2}]}"#] {
            let mut sink = Collect::default();
            split_document(record, &mut sink).unwrap();
            assert_eq!(sink.0.len(), 1);
            assert!(sink.0[0].4.container.is_none());
        }
    }

    #[test]
    fn data_holds_records_only_beside_a_page_cursor() {
        let page = br#"{"data":[{"id":"a"},{"id":"b"}],"page":{"prev":"","next":"Nzk=","total":2}}"#;
        let mut sink = Collect::default();
        split_document(page, &mut sink).unwrap();
        assert_eq!(sink.0.len(), 2);
        assert_eq!(sink.0[0].4.container.as_deref().map(|c| c.key), Some("data"));
        // A Tracee v1beta1 event's arguments are its `data`: it stays whole.
        let event = br#"{"timestamp":{"seconds":"1","nanos":0},"name":"execve","data":[{"name":"pathname","str":"/bin/sh"}]}"#;
        let mut sink = Collect::default();
        split_document(event, &mut sink).unwrap();
        assert_eq!(sink.0.len(), 1);
        assert!(sink.0[0].4.container.is_none());
    }
}
