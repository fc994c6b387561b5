//! Kubernetes API server audit events (`audit.k8s.io/v1`, `v1beta1`).
//!
//! The audit log is the only record of *who* talked to the API server, so it
//! is where a stolen service-account token shows up: a bound token carries in
//! `user.extra` the pod it was minted for, which links an API call made from
//! outside the cluster back to the compromised pod. This parser therefore
//! turns that `user.extra` into entities, not just the acting identity.
//!
//! Traps handled here (see formats.md §2):
//! - The log backend writes one line **per stage** of a request, all sharing
//!   `auditID`. Every stage becomes the same event (`dedup_key`) and `rank`
//!   decides which stage's fields win: the final `ResponseComplete` normally,
//!   but for long-running requests (exec/attach/portforward, watch) the
//!   `ResponseStarted` stage, which is the one carrying the `101 Switching
//!   Protocols` answer.
//! - `kubectl exec` is logged as verb `create` up to kubectl 1.29 (SPDY POST)
//!   and as verb `get` from 1.30 (WebSocket GET): exec is recognised by
//!   `objectRef.subresource`, never by verb. The command itself only exists in
//!   the `requestURI` query (`command=` repeated, percent-encoded).
//! - Webhook batches (`EventList`) carry `kind`/`apiVersion` on the list only,
//!   so their items have no `kind`: [`sniff`] accepts kind-less records that
//!   have the audit-only keys `auditID` and `stage`.
//! - `sourceIPs` lists X-Forwarded-For addresses first and the TCP peer last;
//!   all are kept, in order.
//!
//! Audit records are telemetry (severity info); detections run later on the
//! normalized `fields`.
//!
//! Speed: the audit log is by far the largest input, so [`parse`] reads a
//! record's bytes straight into a `Record` (in `record.rs`: borrowed strings,
//! the few keys the event needs, everything else skipped without being
//! stored) instead of building a `serde_json::Value` tree first. Skipped
//! values are still fully parsed, so a record is accepted or refused exactly
//! as the `Value` parser would; a record the direct reader refuses goes
//! through the `Value` path, which is also the reference the tests compare
//! the direct reader against.
//! Before that, [`peek`] reads only the head of each line (`auditID`,
//! `stage`) to pair the stages of a request; the importer parses the winning
//! stage and only [`validate`]s the others.

use crate::entity;
use crate::formats::envelope::Envelope;
use crate::formats::{str_of, strict, u64_of, RecordError};
use crate::model::{EntityKind, EntityRef, EventKind, NewEvent, Source};
use crate::time::parse_rfc3339;
use serde::de::{self, Deserialize, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Value};
use std::borrow::Cow;
use std::fmt::{self, Write as _};
use std::marker::PhantomData;

mod event;
mod head;
mod json;
mod record;
#[cfg(test)]
mod tests;

pub use head::{peek, validate};
use event::*;
use json::*;
use record::*;

/// `user.extra` keys a bound service-account token adds (Kubernetes ≥1.30 for
/// node and credential ids).
const EXTRA_POD_NAME: &str = "authentication.kubernetes.io/pod-name";
const EXTRA_POD_UID: &str = "authentication.kubernetes.io/pod-uid";
const EXTRA_NODE_NAME: &str = "authentication.kubernetes.io/node-name";
const EXTRA_NODE_UID: &str = "authentication.kubernetes.io/node-uid";
const EXTRA_CREDENTIAL_ID: &str = "authentication.kubernetes.io/credential-id";
/// `user.extra` keys EKS's authenticator adds: the IAM principal behind the
/// Kubernetes user (`canonicalArn` the role or user, `arn` the session).
const EXTRA_ARN: &str = "arn";
const EXTRA_CANONICAL_ARN: &str = "canonicalArn";
const EXTRA_SESSION_NAME: &str = "sessionName";
const EXTRA_ACCESS_KEY_ID: &str = "accessKeyId";
const EXTRA_PRINCIPAL_ID: &str = "principalId";
/// The `user.extra` key AKS's Entra ID authentication (guard) adds: the
/// Entra object id behind the Kubernetes user.
const EXTRA_OID: &str = "oid";

/// Subresources whose requests upgrade the connection and stay open.
const STREAMING_SUBRESOURCES: &[&str] = &["exec", "attach", "portforward"];

/// Is this JSON object an audit event?
///
/// `kind: Event` alone is not enough (core/v1 Events share it); an audit event
/// has an `auditID`, a core Event an `involvedObject`/`regarding` instead.
pub fn sniff(obj: &Map<String, Value>) -> bool {
    let has_audit_id = matches!(obj.get("auditID"), Some(Value::String(s)) if !s.trim().is_empty());
    if !has_audit_id || obj.contains_key("involvedObject") || obj.contains_key("regarding") {
        return false;
    }
    let api_version_ok = match obj.get("apiVersion") {
        None | Some(Value::Null) => true,
        Some(Value::String(v)) => v.starts_with("audit.k8s.io/"),
        Some(_) => false,
    };
    match obj.get("kind") {
        Some(Value::String(k)) => k == "Event" && api_version_ok,
        // Items of a webhook `EventList` batch carry no kind of their own.
        None | Some(Value::Null) => api_version_ok && obj.contains_key("stage"),
        Some(_) => false,
    }
}

/// The prefix of the dedup key of every audit event (then the `auditID`).
const DEDUP_PREFIX: &str = "k8s-audit|";

/// Parses one audit event (one stage of one request).
pub fn parse(raw: &[u8]) -> Result<NewEvent, RecordError> {
    parse_as(raw, FieldsAs::Map)
}

/// As [`parse`], with the fields written straight to the JSON the case
/// stores ([`NewEvent::fields_json`]).
pub fn parse_for_import(raw: &[u8]) -> Result<NewEvent, RecordError> {
    parse_as(raw, FieldsAs::Json)
}

fn parse_as(raw: &[u8], fields_as: FieldsAs) -> Result<NewEvent, RecordError> {
    parse_in(raw, fields_as, None)
}

fn parse_in(raw: &[u8], fields_as: FieldsAs, envelope: Option<Envelope>) -> Result<NewEvent, RecordError> {
    match read_record(raw) {
        Some(record) => build(record, fields_as, envelope),
        None => parse_via_value(raw, envelope),
    }
}

/// Parses the audit event a cloud log service wrapped (`inner`, the JSON
/// text of the event, already taken out of its envelope): the envelope's
/// facts become the event's `cluster` and `envelope` fields, and the
/// record ranks above the bare line of the same stage (see
/// [`crate::formats::envelope`]). Fields come as JSON, as for the importer.
/// The envelope goes into the event, which is why it is taken whole.
pub fn parse_enveloped(inner: &[u8], envelope: Envelope) -> Result<NewEvent, RecordError> {
    parse_in(inner, FieldsAs::Json, Some(envelope))
}

/// As [`parse_enveloped`], for an event a parser assembled as an object
/// (GKE's `LogEntry`, a Log Analytics row with the event in columns).
pub fn parse_object_enveloped(obj: &Map<String, Value>, envelope: Envelope) -> Result<NewEvent, RecordError> {
    build(Record::from_object(obj), FieldsAs::Json, Some(envelope))
}

/// [`peek`] for an audit event read from a cloud envelope: the same key,
/// the rank [`parse_enveloped`] gives it with that envelope.
pub fn peek_enveloped(inner: &[u8], envelope: &Envelope) -> Option<(String, i32)> {
    peek(inner).map(|(key, rank)| (key, rank + envelope.rank_bonus()))
}

/// The reference path: the record decoded into a `Value` tree first. Gives
/// the error of a record that is not valid JSON or not an object.
fn parse_via_value(raw: &[u8], envelope: Option<Envelope>) -> Result<NewEvent, RecordError> {
    let value = strict::value(raw)?;
    let obj = value
        .as_object()
        .ok_or_else(|| RecordError::new("audit event is not a JSON object"))?;
    build(Record::from_object(obj), if envelope.is_some() { FieldsAs::Json } else { FieldsAs::Map }, envelope)
}

/// Parses an already decoded audit event object.
pub(crate) fn parse_object(obj: &Map<String, Value>) -> Result<NewEvent, RecordError> {
    build(Record::from_object(obj), FieldsAs::Map, None)
}

/// The Kubernetes resource names (plural, lower case) of the workload kinds,
/// mapped to the `Kind` used in workload entity keys.
pub fn workload_kind_for_resource(resource: &str) -> Option<&'static str> {
    Some(match resource {
        "deployments" => "Deployment",
        "replicasets" => "ReplicaSet",
        "daemonsets" => "DaemonSet",
        "statefulsets" => "StatefulSet",
        "jobs" => "Job",
        "cronjobs" => "CronJob",
        "replicationcontrollers" => "ReplicationController",
        "horizontalpodautoscalers" => "HorizontalPodAutoscaler",
        _ => return None,
    })
}

/// The rank of one stage among the records of one request: the stage whose
/// fields describe the request best wins.
fn stage_rank(stage: Option<&str>, long_running: bool) -> i32 {
    match stage {
        Some("Panic") => 40,
        // The upgrade answer (101) is only certain at ResponseStarted; the
        // ResponseComplete of a stream comes minutes or hours later.
        Some("ResponseStarted") if long_running => 35,
        Some("ResponseComplete") => 30,
        Some("ResponseStarted") => 20,
        Some("RequestReceived") => 10,
        _ => 0,
    }
}

/// The standard reason phrase of the HTTP status codes the API server returns
/// on failure; the `responseStatus.reason` (`Forbidden`, `NotFound`) is used
/// for the others.
fn http_reason_phrase(code: u64) -> Option<&'static str> {
    Some(match code {
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        406 => "Not Acceptable",
        409 => "Conflict",
        410 => "Gone",
        413 => "Request Entity Too Large",
        415 => "Unsupported Media Type",
        422 => "Unprocessable Entity",
        429 => "Too Many Requests",
        500 => "Internal Server Error",
        501 => "Not Implemented",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        504 => "Gateway Timeout",
        _ => return None,
    })
}

/// Decodes `application/x-www-form-urlencoded` text: `%XX` escapes and `+`
/// for space (Go's `url.Values.Encode`, which kubectl uses, writes both).
/// Invalid escapes are kept literally; invalid UTF-8 is replaced.
fn percent_decode(s: &str) -> String {
    fn hex(b: u8) -> Option<u8> {
        match b {
            b'0'..=b'9' => Some(b - b'0'),
            b'a'..=b'f' => Some(b - b'a' + 10),
            b'A'..=b'F' => Some(b - b'A' + 10),
            _ => None,
        }
    }
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => {
                out.push(b' ');
                i += 1;
            }
            b'%' if i + 2 < bytes.len() => match (hex(bytes[i + 1]), hex(bytes[i + 2])) {
                (Some(h), Some(l)) => {
                    out.push(h * 16 + l);
                    i += 3;
                }
                _ => {
                    out.push(b'%');
                    i += 1;
                }
            },
            b => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// The decoded `(name, value)` pairs of a request URI's query, in order
/// (repeated names kept: `command=` is repeated once per argument).
fn query_params(uri: &str) -> Vec<(String, String)> {
    let query = match uri.split_once('?') {
        Some((_, q)) => q.split('#').next().unwrap_or(""),
        None => return Vec::new(),
    };
    query
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|p| match p.split_once('=') {
            Some((k, v)) => (percent_decode(k), percent_decode(v)),
            None => (percent_decode(p), String::new()),
        })
        .collect()
}

/// The namespace of a `system:serviceaccount:<ns>:<sa>` username.
fn service_account_namespace(username: &str) -> Option<&str> {
    let rest = username.strip_prefix("system:serviceaccount:")?;
    let (ns, sa) = rest.split_once(':')?;
    (!ns.is_empty() && !sa.is_empty()).then_some(ns)
}
