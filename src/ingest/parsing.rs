//! The parsing threads: one file's records parsed beside the thread that
//! reads them, by as many threads as the machine has cores to spare
//! (`ImportOptions::workers`).
//!
//! Reading a record (inflating, framing, hashing the file, peeking at the
//! dedup key) and parsing it (building the event, its entities and the
//! stored fields) each cost about as much as the writer's work on it. On
//! one thread they made reading the slowest stage of an import, and a cloud
//! envelope, whose audit event is decoded from an escaped string, made it
//! slower still while the writer waited. So the reading thread hands each
//! record — or each event's group of records, once paired — to the parsing
//! threads in turn as a [`Job`], and takes back what to store as
//! [`Push`]es, in the order the jobs went out: the case does not depend on
//! which thread was faster, nor on how many there were.
//!
//! A job is a pure function of its records and the file's context; a
//! parsing thread has no state but a cache of entity ids.

use crate::formats::{self, Context, Format, Hint, RecordError};
use crate::ingest::json_reason;
use crate::model::NewEvent;
use crate::store::{digest_prefix, record_digest, Digest};
use crate::store::raw;
use crate::store::writer::{EntityIds, Locator, Prepared, Record};
use crossbeam_channel::{Receiver, Sender};

/// A record held back to meet the other records of its event.
pub(super) struct Held {
    pub(super) rank: i32,
    pub(super) at: Locator,
    pub(super) raw: Vec<u8>,
    pub(super) json: JsonOf,
    pub(super) hint: Hint,
    /// What the peek took out of the record's envelope
    /// ([`formats::Peek::inner`]).
    pub(super) peek_inner: Option<formats::Inner>,
}

/// Work for the parsing thread.
pub(super) enum Job {
    /// The records of one event, as the pairing window gathered them under
    /// their dedup key `key`.
    Group { format: Format, key: String, group: Vec<Held> },
    /// A JSON record with no dedup key to pair on.
    Json { format: Format, raw: Vec<u8>, json: JsonOf, at: Locator, hint: Hint },
    /// A run of text lines; `block`: a whole log block.
    Text { format: Format, raw: Vec<u8>, at: Locator, block: bool },
    /// What needs no parsing (a broken piece), kept in order with the rest.
    Ready(Push),
    /// The file's compression dictionary, once trained: the thread
    /// compresses the records of every event it answers from then on, work
    /// the one writer then does not do. Answered with nothing.
    Dictionary(std::sync::Arc<[u8]>),
}

impl Job {
    /// The bytes the job holds, near enough: its records and the text a
    /// peek decoded from them.
    pub(super) fn bytes(&self) -> usize {
        match self {
            Job::Group { group, .. } => {
                group.iter().map(|h| h.raw.len() + h.peek_inner.as_ref().map_or(0, |i| i.text.len())).sum()
            }
            Job::Json { raw, .. } | Job::Text { raw, .. } => raw.len(),
            Job::Ready(Push::Error { raw, .. }) => raw.len(),
            Job::Ready(_) | Job::Dictionary(_) => 0,
        }
    }
}

/// What the reading thread stores for a job.
pub(super) enum Push {
    /// An event with its record, and the further records of the same event;
    /// `packed`: the records are compressed with the file's dictionary.
    Event { at: Locator, raw: Vec<u8>, prepared: Box<Prepared>, extra: Vec<Record>, packed: bool },
    /// A record kept verbatim as a parse error.
    Error { at: Locator, raw: Vec<u8>, reason: String },
    /// A record understood and deliberately skipped, with the reason.
    Skipped(String),
}

/// What a parsing thread knows of the file.
#[derive(Clone)]
pub(super) struct FileContext {
    /// The cluster the investigator named (`--cluster`).
    pub(super) cluster: Option<String>,
    /// The file's path (inside its archive, when it is an entry).
    pub(super) path: String,
}

/// Runs jobs until the reading thread drops its sender, answering each
/// with its pushes.
pub(super) fn serve(file: FileContext, jobs: Receiver<Job>, done: Sender<Vec<Push>>) {
    let mut parser = Parser { file, ids: EntityIds::default(), encoder: None };
    for job in jobs {
        if done.send(parser.run(job)).is_err() {
            return;
        }
    }
}

struct Parser {
    file: FileContext,
    ids: EntityIds,
    /// The file's dictionary's encoder, once the reading thread sent it.
    encoder: Option<raw::Encoder>,
}

impl Parser {
    fn context<'h>(&'h self, hint: &'h Hint, inner: Option<&'h formats::Inner>) -> Context<'h> {
        Context { hint, cluster: self.file.cluster.as_deref(), path: &self.file.path, inner }
    }

    fn run(&mut self, job: Job) -> Vec<Push> {
        let mut out = Vec::new();
        match job {
            Job::Group { format, key, group } => self.group(format, &key, group, &mut out),
            Job::Json { format, raw, json, at, hint } => {
                let parsed = parse_json(format, json.get(&raw), &self.context(&hint, None));
                self.parsed(raw, at, parsed, &mut out);
            }
            Job::Text { format, raw, at, block } => self.text(format, raw, at, block, &mut out),
            Job::Ready(push) => out.push(push),
            // Without an encoder the events go unpacked, and the reading
            // or the writing thread compresses them, as before it came.
            Job::Dictionary(dict) => self.encoder = raw::Encoder::new(&dict).ok(),
        }
        out
    }

    /// An event to store, its records compressed when the dictionary is
    /// here (left as they are if compressing fails: the writer tries again
    /// and reports it).
    fn emit(&mut self, at: Locator, mut raw: Vec<u8>, prepared: Box<Prepared>, mut extra: Vec<Record>, out: &mut Vec<Push>) {
        let mut packed = false;
        if let Some(encoder) = self.encoder.as_mut() {
            let main = encoder.compress(&raw);
            let rest: std::io::Result<Vec<Vec<u8>>> = extra.iter().map(|r| encoder.compress(&r.raw)).collect();
            if let (Ok(main), Ok(rest)) = (main, rest) {
                raw = main;
                for (r, compressed) in extra.iter_mut().zip(rest) {
                    r.raw = compressed;
                }
                packed = true;
            }
        }
        out.push(Push::Event { at, raw, prepared, extra, packed });
    }

    /// Records of one event: only the winning record is parsed, and the
    /// event is stored once with all its records, instead of being
    /// rewritten at every stage.
    fn group(&mut self, format: Format, key: &str, mut group: Vec<Held>, out: &mut Vec<Push>) {
        // Records rank by (rank, raw hash), highest first. The stages of one
        // request have distinct ranks, so the hash (SHA-256 of the whole
        // record) is computed only when two records tie, and for the winner,
        // whose hash is stored.
        group.sort_by_key(|h| std::cmp::Reverse(h.rank));
        let mut digests: Option<Vec<Digest>> = None;
        if group.windows(2).any(|w| w[0].rank == w[1].rank) {
            let mut keyed: Vec<(Digest, Held)> = group.into_iter().map(|h| (record_digest(&h.raw), h)).collect();
            keyed.sort_by_key(|(d, h)| std::cmp::Reverse((h.rank, digest_prefix(d))));
            let (d, g): (Vec<Digest>, Vec<Held>) = keyed.into_iter().unzip();
            digests = Some(d);
            group = g;
        }
        let best = &group[0];
        let parsed = parse_json(format, best.json.get(&best.raw), &self.context(&best.hint, best.peek_inner.as_ref()));
        let mut ev = match parsed {
            Ok(ev) if ev.dedup_key.as_deref() == Some(key) && ev.rank == best.rank => ev,
            // The winner does not parse (or disagrees with its peek): take
            // every record on its own, as if unpaired.
            _ => {
                for h in group {
                    self.alone(format, h, out);
                }
                return;
            }
        };
        self.default_cluster(&mut ev);
        let mut digests = digests.map(Vec::into_iter);
        let digest = digests.as_mut().and_then(Iterator::next).unwrap_or_else(|| record_digest(&best.raw));
        let prepared = Box::new(Prepared::with_digest(&best.raw, ev, digest, &mut self.ids));
        let mut rest = group.into_iter();
        let best = rest.next().expect("a group has a record");
        // The peek read only the head of the other records: one broken
        // further on is not kept as a stage of this event but parsed alone,
        // which reports it.
        let mut extra = Vec::new();
        let mut broken = Vec::new();
        for h in rest {
            let digest = digests.as_mut().and_then(Iterator::next);
            if format.validate(h.json.get(&h.raw), h.peek_inner.as_ref().map(|i| i.text.as_str())) {
                extra.push(match digest {
                    Some(digest) => Record { at: h.at, raw: h.raw, digest },
                    None => Record::new(h.at, h.raw),
                });
            } else {
                broken.push(h);
            }
        }
        for h in broken {
            self.alone(format, h, out);
        }
        self.emit(best.at, best.raw, prepared, extra, out);
    }

    /// A held record parsed on its own, as if it had not been paired.
    fn alone(&mut self, format: Format, h: Held, out: &mut Vec<Push>) {
        let parsed = parse_json(format, h.json.get(&h.raw), &self.context(&h.hint, h.peek_inner.as_ref()));
        self.parsed(h.raw, h.at, parsed, out);
    }

    /// A record's parse: an event, a parse error, or a record understood
    /// and deliberately skipped.
    fn parsed(&mut self, raw: Vec<u8>, at: Locator, parsed: Result<NewEvent, RecordError>, out: &mut Vec<Push>) {
        match parsed {
            Ok(ev) => self.event(raw, at, ev, 0, out),
            Err(e) if e.skip => out.push(Push::Skipped(e.reason)),
            Err(e) => out.push(Push::Error { at, raw, reason: e.reason }),
        }
    }

    fn text(&mut self, format: Format, raw: Vec<u8>, at: Locator, block: bool, out: &mut Vec<Push>) {
        let text = match std::str::from_utf8(&raw) {
            Ok(text) => text,
            Err(u) => {
                let reason = format!("invalid UTF-8 at byte {} of the record", u.valid_up_to());
                out.push(Push::Error { at, raw, reason });
                return;
            }
        };
        let parsed = if block && !format.text_blocks() {
            Format::K8sObjects.parse_text(text)
        } else {
            format.parse_text(text)
        };
        match parsed {
            Ok(events) => {
                for (i, ev) in events.into_iter().enumerate() {
                    self.event(raw.clone(), at, ev, i, out);
                }
            }
            // Text understood and carrying nothing (a CLI's status line).
            Err(e) if e.skip => out.push(Push::Skipped(e.reason)),
            Err(e) => out.push(Push::Error { at, raw, reason: e.reason }),
        }
    }

    fn event(&mut self, raw: Vec<u8>, at: Locator, mut ev: NewEvent, index: usize, out: &mut Vec<Push>) {
        self.default_cluster(&mut ev);
        let prepared = Box::new(Prepared::with_index(&raw, ev, index, &mut self.ids));
        self.emit(at, raw, prepared, Vec::new(), out);
    }

    /// The cluster the investigator named (`--cluster`), on an event that
    /// names none of its own.
    fn default_cluster(&self, ev: &mut NewEvent) {
        if let Some(cluster) = self.file.cluster.as_deref() {
            formats::envelope::default_cluster(ev, cluster);
        }
    }
}

/// Parses one JSON record with the file's format; a record of another known
/// format in the same file (a mixed export) is parsed by that format instead.
fn parse_json(format: Format, json: &[u8], ctx: &Context) -> Result<NewEvent, RecordError> {
    use serde_json::Value;
    let e = match format.parse_for_import(json, ctx) {
        Ok(ev) => return Ok(ev),
        Err(e) => e,
    };
    if e.skip {
        return Err(e);
    }
    match formats::strict::value(json) {
        Err(syntax) => Err(RecordError::new(json_reason(&syntax, json))),
        Ok(Value::Object(obj)) => match formats::detect_record(&obj) {
            // What the peek took out is the file's format's reading, not
            // the other's.
            Some(other) if other != format => other.parse_for_import(json, &Context { inner: None, ..*ctx }),
            _ => Err(e),
        },
        Ok(other) => Err(RecordError::new(format!(
            "a JSON {} where a record (an object) was expected",
            match other {
                Value::Array(_) => "array",
                Value::String(_) => "string",
                Value::Number(_) => "number",
                Value::Bool(_) => "boolean",
                _ => "null",
            }
        ))),
    }
}

/// Where the bytes to parse are: a part of the record's raw bytes (less a
/// `kubectl logs` prefix), or bytes of their own (a CSV row or a YAML
/// document, read as a JSON object).
pub(super) enum JsonOf {
    At(usize),
    Own(Vec<u8>),
}

impl JsonOf {
    pub(super) fn of(raw: &[u8], json: &[u8]) -> JsonOf {
        let (r, j) = (raw.as_ptr() as usize, json.as_ptr() as usize);
        if j >= r && j + json.len() <= r + raw.len() {
            JsonOf::At(j - r)
        } else {
            JsonOf::Own(json.to_vec())
        }
    }

    pub(super) fn get<'a>(&'a self, raw: &'a [u8]) -> &'a [u8] {
        match self {
            JsonOf::At(start) => &raw[*start..],
            JsonOf::Own(json) => json,
        }
    }
}
