//! One parser per input format behind one [`Format`] enum and a detector.
//!
//! Detection looks at content, not file names: exports get renamed, gzipped
//! and concatenated. The framing layer (`ingest::framing`) splits a file into
//! records — JSON values (containers such as `List`, `EventList`,
//! `{"value": [...]}` and bare arrays already expanded into their items) and
//! runs of text lines — and hands each to the format's parser here.

pub mod audit;
pub mod defender;
pub mod falco;
pub mod k8s;
pub mod tetragon;
#[cfg(test)]
mod test_support;

use crate::model::NewEvent;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use std::fmt;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Format {
    #[serde(rename = "falco")]
    Falco,
    #[serde(rename = "k8s-audit")]
    K8sAudit,
    #[serde(rename = "defender")]
    Defender,
    #[serde(rename = "tetragon")]
    Tetragon,
    /// `kubectl get -o json` output, typed lists, `cluster-info dump` and
    /// Kubernetes `Event`s of both APIs.
    #[serde(rename = "k8s-objects")]
    K8sObjects,
}

impl Format {
    pub const ALL: &'static [Format] =
        &[Format::Falco, Format::K8sAudit, Format::Defender, Format::Tetragon, Format::K8sObjects];

    pub fn as_str(self) -> &'static str {
        match self {
            Format::Falco => "falco",
            Format::K8sAudit => "k8s-audit",
            Format::Defender => "defender",
            Format::Tetragon => "tetragon",
            Format::K8sObjects => "k8s-objects",
        }
    }

    pub fn parse(s: &str) -> Option<Format> {
        Format::ALL.iter().copied().find(|f| f.as_str() == s)
    }

    /// Whether this JSON object is a record of this format.
    pub fn matches(self, obj: &Map<String, Value>) -> bool {
        match self {
            Format::Falco => falco::sniff(obj),
            Format::K8sAudit => audit::sniff(obj),
            Format::Defender => defender::sniff(obj),
            Format::Tetragon => tetragon::sniff(obj),
            Format::K8sObjects => k8s::sniff(obj),
        }
    }

    /// Parses one JSON record (the exact bytes of one JSON object).
    pub fn parse_record(self, raw: &[u8]) -> Result<NewEvent, RecordError> {
        match self {
            Format::Falco => falco::parse(raw),
            Format::K8sAudit => audit::parse(raw),
            Format::Defender => defender::parse(raw),
            Format::Tetragon => tetragon::parse(raw),
            Format::K8sObjects => k8s::parse(raw),
        }
    }

    /// Parses one record for the importer: `kind_hint` names the item kind
    /// of a container whose type says it (`PodList` items often omit their
    /// own `kind`), and the event's fields may come already serialized
    /// ([`NewEvent::fields_json`]).
    pub fn parse_for_import(self, raw: &[u8], kind_hint: Option<&str>) -> Result<NewEvent, RecordError> {
        match self {
            Format::K8sObjects => k8s::parse_with_kind(raw, kind_hint),
            Format::K8sAudit => audit::parse_for_import(raw),
            _ => self.parse_record(raw),
        }
    }

    /// For formats that write several records per event (the audit log's
    /// stages): the event's dedup key and this record's rank, read cheaply.
    pub fn peek(self, raw: &[u8]) -> Option<(String, i32)> {
        match self {
            Format::K8sAudit => audit::peek(raw),
            _ => None,
        }
    }

    /// Whether a record [`Format::peek`] read only the head of is whole
    /// (valid JSON and UTF-8). Records that lose to another record of their
    /// event are never parsed, so this is what refuses a broken one.
    pub fn validate(self, raw: &[u8]) -> bool {
        match self {
            Format::K8sAudit => audit::validate(raw),
            _ => true,
        }
    }

    /// Parses a run of consecutive non-JSON lines found between records
    /// (`kubectl logs` start-up lines, plain-text Falco alerts, log blocks of
    /// `cluster-info dump`). `Ok(vec![])` means the text is understood and
    /// carries no event; `Err` keeps it verbatim as a parse error.
    pub fn parse_text(self, text: &str) -> Result<Vec<NewEvent>, RecordError> {
        match self {
            Format::Falco => falco::parse_text(text),
            Format::K8sObjects => k8s::parse_text(text),
            _ => Err(RecordError::new("not a JSON record")),
        }
    }

    /// Whether non-JSON text in the middle of a file is a normal part of this
    /// format (whole blocks are then handed to [`Format::parse_text`]) rather
    /// than one malformed line each.
    pub fn text_blocks(self) -> bool {
        matches!(self, Format::K8sObjects)
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Why one record could not be parsed; the record is kept verbatim.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RecordError {
    pub reason: String,
}

impl RecordError {
    pub fn new(reason: impl Into<String>) -> RecordError {
        RecordError { reason: reason.into() }
    }
}

impl fmt::Display for RecordError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.reason)
    }
}

impl From<serde_json::Error> for RecordError {
    fn from(e: serde_json::Error) -> RecordError {
        RecordError::new(format!("invalid JSON: {}", e))
    }
}

/// Detects the format of a record: the first format whose sniffer accepts it.
/// Order matters only for records that several could claim; audit `Event`s are
/// checked before Kubernetes objects because both have `kind: Event`.
pub fn detect_record(obj: &Map<String, Value>) -> Option<Format> {
    [Format::K8sAudit, Format::Falco, Format::Tetragon, Format::Defender, Format::K8sObjects]
        .into_iter()
        .find(|f| f.matches(obj))
}

/// Detects from text alone, for files with no JSON record in their first
/// part (plain-text Falco output, a `cluster-info dump` starting with logs).
pub fn detect_text(text: &str) -> Option<Format> {
    if falco::looks_like_text_alert(text) {
        Some(Format::Falco)
    } else if k8s::looks_like_log_block(text) {
        Some(Format::K8sObjects)
    } else {
        None
    }
}

/// Case-insensitive object lookup, for sources whose exports disagree on key
/// casing (Defender's REST camelCase against Resource Graph's PascalCase).
pub fn get_ci<'a>(obj: &'a Map<String, Value>, key: &str) -> Option<&'a Value> {
    obj.get(key).or_else(|| obj.iter().find(|(k, _)| k.eq_ignore_ascii_case(key)).map(|(_, v)| v))
}

/// A string field, treating `null`, empty and `<NA>` as absent.
pub fn str_of(v: Option<&Value>) -> Option<&str> {
    match v {
        Some(Value::String(s)) if !crate::entity::is_absent(s) => Some(s.as_str()),
        _ => None,
    }
}

/// An unsigned integer given as a number or as a string (protobuf JSON writes
/// 64-bit integers as strings).
pub fn u64_of(v: Option<&Value>) -> Option<u64> {
    match v {
        Some(Value::Number(n)) => n.as_u64(),
        Some(Value::String(s)) => s.trim().parse().ok(),
        _ => None,
    }
}
