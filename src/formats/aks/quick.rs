//! The importer reads every record of an audit log twice before one is
//! parsed: once to pair the stages of a request ([`super::peek`]) and once
//! to check a stage that is not parsed ([`super::validate`]). For the bulk
//! of an AKS export — resource-log records, whose `properties.log` is the
//! audit event as one escaped string — both need only the category, the
//! resource id and that string, read here into borrowed fields instead of a
//! whole `Value` tree. A record this reader does not take (another kind, a
//! key of another casing, a duplicate key, a wrong type) goes the full way.

use super::*;
use serde::Deserialize;
use std::borrow::Cow;

#[derive(Deserialize)]
struct Quick<'a> {
    #[serde(borrow, default)]
    category: Option<Cow<'a, str>>,
    #[serde(borrow, default, rename = "resourceId")]
    resource_id: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    properties: Option<Properties<'a>>,
}

#[derive(Deserialize)]
struct Properties<'a> {
    #[serde(borrow, default)]
    log: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    pod: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    stream: Option<Cow<'a, str>>,
}

/// The other members [`record`] reads.
#[derive(Deserialize)]
struct Whole<'a> {
    #[serde(borrow, default)]
    category: Option<Cow<'a, str>>,
    #[serde(borrow, default, rename = "resourceId")]
    resource_id: Option<Cow<'a, str>>,
    #[serde(borrow, default, rename = "operationName")]
    operation: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    time: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    properties: Option<Properties<'a>>,
}

/// A string member as the full reader takes it: blank is absent.
fn given<'a>(v: &'a Option<Cow<'a, str>>) -> Option<&'a str> {
    v.as_deref().filter(|s| !s.trim().is_empty())
}

/// The record of a resource log, read without a `Value` tree: `None` when
/// this reader does not take it (the full reader then does, and says what
/// is wrong with it).
pub(super) fn record(raw: &[u8], ctx: &Context) -> Option<Record> {
    let w: Whole = serde_json::from_slice(raw).ok()?;
    let category = given(&w.category).filter(|c| records::aks_category(c))?;
    let props = w.properties.as_ref()?;
    let log = given(&props.log)?;
    let resource_id = given(&w.resource_id);
    let diagnostic = given(&w.operation).is_some_and(|op| records::starts_with_ci(op, records::DIAGNOSTIC_OPERATION));
    let aks_id = resource_id.is_some_and(|id| resource::cluster_name(id).is_some());
    if !diagnostic && !aks_id {
        return None;
    }
    let members = records::ResourceLog {
        category,
        log,
        time: given(&w.time),
        resource_id,
        pod: given(&props.pod),
        stream: given(&props.stream),
    };
    Some(records::resource_log_record(&members, ctx))
}

/// What a resource-log record holds, as far as pairing and checking go.
enum Log<'a> {
    /// An audit category's log, and whether the record names its cluster.
    Audit(Cow<'a, str>, bool),
    /// A log of another category: nothing to pair.
    Other,
}

/// Reads a resource-log record; `None` when it is not one this reader
/// takes.
fn read<'a>(raw: &'a [u8], ctx: &Context) -> Option<Log<'a>> {
    let q: Quick = serde_json::from_slice(raw).ok()?;
    let category = q.category?;
    let log = q.properties?.log?;
    if !records::AUDIT_CATEGORIES.iter().any(|c| c.eq_ignore_ascii_case(&category)) {
        return Some(Log::Other);
    }
    let named = q.resource_id.as_deref().is_some_and(|id| resource::cluster_name(id).is_some())
        || resource::blob_path(ctx.path).is_some_and(|b| resource::cluster_name(b.resource_id).is_some())
        || ctx.cluster.is_some();
    Some(Log::Audit(log, named))
}

/// [`super::peek`] of a resource-log record: `Some(None)` for a log of
/// another category (nothing to pair), `None` when this reader does not
/// take the record.
pub(super) fn peek(raw: &[u8], ctx: &Context) -> Option<Option<(String, i32)>> {
    let (log, named) = match read(raw, ctx)? {
        Log::Audit(log, named) => (log, named),
        Log::Other => return Some(None),
    };
    let text = log.trim();
    if truncated::is_cut(text) {
        return Some(truncated::peek(text));
    }
    // The rank depends on the envelope only through whether it names the
    // cluster (see `Envelope::rank_bonus`).
    let mut envelope = Envelope::new("storage-blob");
    if named {
        envelope.cluster = Some(crate::formats::envelope::ClusterRef::new("", "aks"));
    }
    Some(audit::peek_enveloped(text.as_bytes(), &envelope))
}

/// [`super::validate`] of a resource-log record: `None` when this reader
/// does not take it.
pub(super) fn validate(raw: &[u8]) -> Option<bool> {
    match read(raw, &Context::new(&Default::default()))? {
        Log::Audit(log, _) => {
            let text = log.trim();
            Some(truncated::is_cut(text) || audit::validate(text.as_bytes()))
        }
        Log::Other => Some(true),
    }
}
