//! AKS control-plane logs as Azure Monitor exports them.
//!
//! On AKS the API server is Microsoft's: its audit log exists for the
//! investigator only if someone created a diagnostic setting on the cluster
//! resource, and it then reaches them through Azure Monitor, never as a
//! file of the API server's own. A diagnostic setting routes log categories
//! (`kube-audit`, `kube-audit-admin`, `kube-apiserver`, `guard`,
//! `kube-controller-manager`, `kube-scheduler`, `cluster-autoscaler`,
//! `cloud-controller-manager`, `csi-*` …) to one or more destinations, and
//! each destination has its own shape (see `cloud-formats.md` §2.4 and
//! `docs/formats/aks.md`), all read here:
//! - **Event Hub** messages, `{"records": […]}` (the framing expands the
//!   records; the container's page is the message number), saved one after
//!   another by whatever consumer read the hub.
//! - **Storage account** blobs, one `PT1H.json` per hour in
//!   `insights-logs-<category>/resourceId=/SUBSCRIPTIONS/…/MANAGEDCLUSTERS/
//!   <name>/y=…/m=…/d=…/h=…/m=00/`, one record per line. Both carry the same
//!   record: `time`, `resourceId`, `category`, `operationName`,
//!   `properties.{log, stream, pod}` and infrastructure keys
//!   (`ccpNamespace`, `Cloud`, `Environment`, `UnderlayClass`,
//!   `UnderlayName`, kept in the raw record only).
//! - **Log Analytics**, resource-specific tables `AKSAudit` /
//!   `AKSAuditAdmin`: the audit event spread over PascalCase columns
//!   (`AuditId`, `Stage`, `Verb`, `User`, `ObjectRef` …), mapped back onto
//!   an audit `Event` object (`columns.rs`).
//! - **Log Analytics**, the legacy `AzureDiagnostics` table: `Category`,
//!   `log_s` (the same text as `properties.log`), `pod_s`, `stream_s`.
//!
//! Both Log Analytics tables arrive as `az monitor log-analytics query`
//! JSON (an array of row objects, `dynamic` columns as JSON strings, a
//! `TableName` key) or as the portal's CSV download (every cell text).
//!
//! Audit categories go through the one audit parser
//! ([`audit::parse_enveloped`] / [`audit::parse_object_enveloped`]), so
//! one request exported several ways — an Event Hub message, an hourly blob,
//! an `AKSAudit` row, a plain `audit.log` — is one event keyed by its
//! `auditID`, with every record kept. The other categories are klog text
//! and become `control-plane` telemetry, one event per record
//! (`control_plane.rs`); `guard` lines are the Entra ID / Azure RBAC webhook's
//! decisions, and keep the user and groups when the line carries them.
//!
//! Traps:
//! - `properties.log` and `log_s` hold the audit event as a JSON *string*
//!   (with a trailing newline in the resource logs): decoded a second time.
//!   A `kube-audit` record whose log is not an audit event is a parse error
//!   that says so; a log cut short (Log Analytics keeps at most 32,766
//!   characters of a string column) is kept as a truncated event with the
//!   fields read before the cut (`truncated.rs`), ranked below any whole copy.
//! - Resource logs upper-case the whole ARM id (`/SUBSCRIPTIONS/54D4…/
//!   RESOURCEGROUPS/RG-SHOP-PROD/…/MANAGEDCLUSTERS/AKS-SHOP-PROD`), Log
//!   Analytics' `_ResourceId` lower-cases it, Defender keeps ARM's casing.
//!   ARM names are case-insensitive, so the cluster's name and id are
//!   lower-cased (`resource.rs`) and all of them name one cluster entity.
//! - A row may name no cluster at all (a query that leaves `_ResourceId`
//!   out of its result): the cluster named on import (`--cluster`) is used
//!   then.
//! - `time` comes with 7 fraction digits or none; the portal's CSV writes
//!   datetimes as it displays them (`11/20/2026, 9:41:06.874 AM`, to the
//!   millisecond) and appends ` [UTC]` to their column names (the framing
//!   strips it). An `AKSAudit` row whose timestamps lost their microseconds
//!   that way ranks below every other copy of the same stage (see
//!   `display_time_penalty` in `records.rs`), so that the event keeps the
//!   API server's own times when the case has them.
//! - `RequestObject` / `ResponseObject` may be the literal string
//!   `skipped-too-big-size-object`: the object was dropped, which the event's
//!   envelope says (`skipped_objects`) — images in it are lost.
//! - `kube-audit-admin` (and `AKSAuditAdmin`) leave out every `get` and
//!   `list`, which includes `kubectl exec` from kubectl 1.30 on (a `get` of
//!   `pods/exec`): no read in those exports is a collection choice, not
//!   evidence that nothing was read.
//! - Keys differ in case between exports (`resourceId`, `ResourceId`):
//!   every lookup is case-insensitive.

use crate::formats::envelope::Envelope;
use crate::formats::{audit, get_ci, strict, type_name, Context, Inner, Peek, RecordError};
use crate::model::NewEvent;
use serde_json::{Map, Value};

mod columns;
mod control_plane;
mod quick;
mod records;
mod resource;
/// The cluster of an AKS resource id, for the other Azure sources.
pub(crate) use resource::cluster_ref;
mod truncated;
#[cfg(test)]
mod tests;

use records::{Body, Record};

/// Is this JSON object an AKS record of Azure Monitor, in any of the
/// shapes? Never a Defender alert (REST, Resource Graph, `SecurityAlert`),
/// which can name the same cluster.
pub fn sniff(obj: &Map<String, Value>) -> bool {
    records::kind_of(obj).is_some()
}

/// Parses one record of any of the shapes.
pub fn parse(raw: &[u8], ctx: &Context) -> Result<NewEvent, RecordError> {
    let mut rec = read(raw, ctx)?;
    match std::mem::replace(&mut rec.body, Body::Line(String::new())) {
        Body::AuditText(text) => parse_audit_text(rec, &text),
        Body::AuditObject(event) => {
            let (table, penalty) = (rec.table().to_string(), rec.rank_penalty);
            let mut ev = audit::parse_object_enveloped(&event, rec.envelope)
                .map_err(|e| RecordError::new(format!("this {} row is not an audit event ({})", table, e.reason)))?;
            ev.rank -= penalty;
            Ok(ev)
        }
        Body::Line(text) => Ok(control_plane::event(&rec, &text)),
    }
}

/// The dedup key and rank of a record that holds an audit event, as
/// [`parse`] gives them, read without building the event; with the audit
/// event's text, when the record holds it as text.
pub fn peek(raw: &[u8], ctx: &Context) -> Option<Peek> {
    if let Some(quick) = quick::peek(raw, ctx) {
        return quick;
    }
    let rec = read(raw, ctx).ok()?;
    match rec.body {
        Body::AuditText(text) => peek_text(Inner::text(text), &rec.envelope),
        Body::AuditObject(event) => audit::peek_enveloped(&serde_json::to_vec(&event).ok()?, &rec.envelope)
            .map(|(key, rank)| Peek::of((key, rank - rec.rank_penalty))),
        Body::Line(_) => None,
    }
}

/// The peek of an audit event's text (trimmed), which it keeps.
fn peek_text(inner: Inner, envelope: &Envelope) -> Option<Peek> {
    let text = &inner.text;
    let (key, rank) = if truncated::is_cut(text) {
        truncated::peek(text)?
    } else {
        audit::peek_enveloped(text.as_bytes(), envelope)?
    };
    Some(Peek { key, rank, inner: Some(inner) })
}

/// Whether a record [`peek`] paired but the importer does not parse is
/// whole: its envelope reads and the audit event inside is valid JSON (or
/// was cut short, which [`parse`] keeps). With the peek's text (`inner`)
/// the envelope has read already, and only the text is checked.
pub fn validate(raw: &[u8], inner: Option<&str>) -> bool {
    let whole = |text: &str| truncated::is_cut(text) || audit::validate(text.as_bytes());
    if let Some(text) = inner {
        return whole(text);
    }
    let Ok(rec) = read(raw, &Context::new(&Default::default())) else { return false };
    match &rec.body {
        Body::AuditText(text) => whole(text),
        Body::AuditObject(_) | Body::Line(_) => true,
    }
}

/// Reads a record's envelope and body.
fn read(raw: &[u8], ctx: &Context) -> Result<Record, RecordError> {
    if let Some(rec) = quick::record(raw, ctx) {
        return Ok(rec);
    }
    let obj: Map<String, Value> = match strict::value(raw)? {
        Value::Object(o) => o,
        _ => return Err(RecordError::new("an Azure Monitor record is not a JSON object")),
    };
    match records::kind_of(&obj) {
        Some(kind) => Record::read(kind, &obj, ctx),
        None => Err(RecordError::new(
            "not an AKS record of Azure Monitor (no AKS resourceId with properties.log, no log_s, no AuditId)",
        )),
    }
}

/// A log that holds an audit event as JSON text.
fn parse_audit_text(rec: Record, text: &str) -> Result<NewEvent, RecordError> {
    if truncated::is_cut(text) {
        return truncated::event(&rec, text);
    }
    let (log_name, unit, category) = (rec.log_name, rec.unit(), rec.category);
    let not_audit = |why: String| {
        RecordError::new(format!("the {} of this {} {} is not an audit event ({})", log_name, category, unit, why))
    };
    // A component's line routed to an audit category, or a log that is
    // not JSON at all: say what it starts with rather than where the JSON
    // parser gave up.
    if !text.starts_with('{') {
        let head: String = text.chars().take(40).collect();
        let more = if head.len() < text.len() { "…" } else { "" };
        return Err(not_audit(format!("not JSON: {:?}{}", head, more)));
    }
    audit::parse_enveloped(text.as_bytes(), rec.envelope).map_err(|e| not_audit(e.reason))
}

/// Looks a key up case-insensitively in an object value.
fn member<'a>(v: &'a Value, key: &str) -> Option<&'a Value> {
    v.as_object().and_then(|o| get_ci(o, key))
}

