//! GKE audit logs as Cloud Logging exports them.
//!
//! On GKE the API server's audit log never leaves Google as `audit.k8s.io`
//! events: GKE turns each request into a Cloud Audit Logs `LogEntry` whose
//! `protoPayload` is a `google.cloud.audit.AuditLog` with `serviceName`
//! `k8s.io`, written to the project's `cloudaudit.googleapis.com/activity`
//! log (writes, `pods/exec`) or `…/data_access` (reads, when enabled). The
//! same logs hold the cluster-management calls of `container.googleapis.com`
//! (`ClusterManager.GetCluster`, `SetNodePoolSize`, …) and any other Google
//! service's audit entries the export's filter let through. Investigators
//! get them in these shapes, all read here (see `docs/formats/gke.md`):
//! - `gcloud logging read --format=json`: one pretty JSON array, keys sorted
//!   (`gcloud-json`).
//! - `gcloud logging read` without `--format`: YAML documents separated by
//!   `---`, maybe after `#` comment lines; the framing hands each document
//!   on as JSON (`gcloud-yaml`).
//! - Log sinks to Pub/Sub or Cloud Storage: one `LogEntry` per line; Cloud
//!   Storage names its objects by hour (`…/2026/11/20/09:00:00_09:59:59_S0.json`,
//!   JSON Lines despite the `.json`) (`sink-jsonl`).
//! - A Logs Explorer download: a JSON array (payload first in every entry;
//!   the console names the file `downloaded-logs-<date>-<time>.json`) or a
//!   single pretty object copied from the console (`logs-explorer-json`).
//!
//! A `k8s.io` entry is mapped back onto the audit `Event` it came from
//! (`kubernetes.rs`) and parsed by the one audit parser
//! ([`audit::parse_object_enveloped`]), so that dedup by `auditID` (GKE's
//! `insertId` is the request's auditID), entities and detections stay in
//! one place. Every other service's entry becomes a `gcp-audit` telemetry
//! event (`cloud.rs`), with Workload Identity callers tied to their
//! Kubernetes service account.
//!
//! Traps:
//! - The reconstruction is lossy: GKE keeps no `user.uid`, `groups` or
//!   `user.extra` (so no bound-token pod, no credential id), no stages, no
//!   query string (so no exec command) and no HTTP code unless the response
//!   body is a `Status`; the code is then inferred from the gRPC `status`
//!   (envelope fact `code_inferred`). Hence a GKE record ranks *below* the
//!   bare audit line of the same stage (`rank_penalty`), unlike the other cloud
//!   envelopes, whose records hold the original event: should the case hold
//!   both, the original gives the fields, and the GKE record still adds its
//!   cluster.
//! - `requestURI` is `"/" + resourceName` (`/core/v1/namespaces/shop/pods`),
//!   not the API server's path (`/api/v1/namespaces/shop/pods?limit=500`).
//! - `resourceName` names the API group `core` for the legacy group (mapped
//!   to the empty group), and is a bare path for non-resource requests
//!   (`methodName` `io.k8s.get`).
//! - `callerIp` may be `gce-internal-ip` (Google's own components), which is
//!   no address: it is kept as the envelope fact `caller_ip`.
//! - `logName` URL-encodes the slash of the log id
//!   (`cloudaudit.googleapis.com%2Factivity`).
//! - `timestamp` has 0 to 9 fraction digits, even within one file; YAML
//!   re-emitted by other tools may leave it unquoted (it stays text).
//! - kubectl ≥ 1.30 execs with a GET: `io.k8s.core.v1.pods.exec.get`;
//!   older clients give `….exec.create`. The subresource decides.
//! - gcloud's JSON and a Logs Explorer download are both arrays of entries:
//!   told apart by the console's file name or key order (gcloud sorts keys,
//!   the console writes `protoPayload` first). A single pretty object is a
//!   console copy, a one-line object a sink's.
//! - A sink may write an entry twice: one event (same `insertId`), both
//!   records kept. Other services' entries are deduplicated by log, insert
//!   id and time, which is how Cloud Logging itself tells duplicates.

use crate::formats::envelope::Envelope;
use crate::formats::{audit, strict, Context, Hint, RecordError};
use crate::model::NewEvent;
use serde_json::{Map, Value};

mod cloud;
mod entry;
/// Defender XDR names GKE clusters by the same resource names.
pub(crate) use entry::cluster_path;
mod grpc;
mod kubernetes;
#[cfg(test)]
mod tests;

use entry::Entry;

/// The `@type` suffix of a Cloud Audit Logs payload.
const AUDIT_LOG_TYPE: &str = "google.cloud.audit.AuditLog";

/// The service name of the entries GKE writes for its API server.
const K8S_SERVICE: &str = "k8s.io";

/// Taken from the audit parser's rank of a `k8s.io` record: the envelope
/// bonus it adds, and one more, so that the bare audit line of the same
/// stage (the original event, with `user.extra` and the query) wins.
fn rank_penalty(envelope: &Envelope) -> i32 {
    envelope.rank_bonus() + 1
}

/// Is this JSON object a Cloud Audit Logs entry?
pub fn sniff(obj: &Map<String, Value>) -> bool {
    obj.get("protoPayload")
        .and_then(Value::as_object)
        .and_then(|p| p.get("@type"))
        .and_then(Value::as_str)
        .is_some_and(|t| t.ends_with(AUDIT_LOG_TYPE))
}

/// Parses one `LogEntry`, whatever the shape it came in.
pub fn parse(raw: &[u8], ctx: &Context) -> Result<NewEvent, RecordError> {
    let obj = object(raw)?;
    let entry = Entry::read(&obj, raw, ctx)?;
    if entry.service == K8S_SERVICE {
        parse_kubernetes(&entry)
    } else {
        cloud::event(&entry)
    }
}

fn parse_kubernetes(entry: &Entry) -> Result<NewEvent, RecordError> {
    let mapped = kubernetes::audit_event(entry)?;
    let mut envelope = entry.envelope.clone();
    if mapped.code_inferred {
        envelope.fact("code_inferred", true);
    }
    let penalty = rank_penalty(&envelope);
    let mut ev = audit::parse_object_enveloped(&mapped.event, envelope)?;
    ev.rank -= penalty;
    Ok(ev)
}

/// What [`peek`] reads of an entry: borrowed, the rest skipped.
#[derive(serde::Deserialize)]
struct Quick<'a> {
    #[serde(borrow, rename = "insertId")]
    insert_id: std::borrow::Cow<'a, str>,
    #[serde(borrow, rename = "protoPayload")]
    payload: QuickPayload<'a>,
}

#[derive(serde::Deserialize)]
struct QuickPayload<'a> {
    #[serde(borrow, rename = "serviceName")]
    service: std::borrow::Cow<'a, str>,
    #[serde(borrow, rename = "methodName")]
    method: std::borrow::Cow<'a, str>,
}

/// The dedup key and rank of a `k8s.io` entry, as [`parse`] gives them,
/// read from `insertId` and `methodName` alone: Cloud Logging keeps one
/// entry per request, so this only pairs copies of one entry in a file,
/// and reading every entry whole a second time for that would cost the
/// import as much as its parse. `None` for any other entry. (Should the
/// two ever disagree, the importer parses the entries on their own.)
pub fn peek(raw: &[u8], _ctx: &Context) -> Option<(String, i32)> {
    let q: Quick = serde_json::from_slice(raw).ok()?;
    if q.payload.service != K8S_SERVICE || q.insert_id.is_empty() {
        return None;
    }
    let segments: Vec<&str> = q.payload.method.split('.').collect();
    let verb = *segments.last()?;
    let subresource = segments.len().checked_sub(2).map(|i| segments[i]).filter(|s| kubernetes::STREAMING.contains(s));
    let stage = if subresource.is_some() { "ResponseStarted" } else { "ResponseComplete" };
    let head = serde_json::json!({"auditID": q.insert_id, "stage": stage, "verb": verb, "objectRef": {"subresource": subresource}});
    // The envelope's bonus and the penalty cancel out but for the one.
    let envelope = Envelope::new("sink-jsonl");
    let (key, rank) = audit::peek_enveloped(&serde_json::to_vec(&head).ok()?, &envelope)?;
    Some((key, rank - rank_penalty(&envelope)))
}

/// Whether a record [`peek`] paired but the importer does not parse is a
/// whole entry that maps onto an audit event.
pub fn validate(raw: &[u8]) -> bool {
    let Ok(obj) = object(raw) else { return false };
    let hint = Hint::default();
    Entry::read(&obj, raw, &Context::new(&hint)).and_then(|e| kubernetes::audit_event(&e)).is_ok()
}

fn object(raw: &[u8]) -> Result<Map<String, Value>, RecordError> {
    match strict::value(raw)? {
        Value::Object(o) => Ok(o),
        other => Err(RecordError::new(format!("a LogEntry must be a JSON object, not {}", entry::type_name(&other)))),
    }
}
