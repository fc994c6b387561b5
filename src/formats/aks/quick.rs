//! The importer reads every record of an audit log twice: once to pair the
//! stages of a request ([`super::peek`]) and once more, to parse the
//! winning stage or to check a losing one ([`super::validate`]). For the
//! bulk of an AKS export — resource-log records, whose `properties.log` is
//! the audit event as one escaped string — the peek needs only the
//! category, the resource id and that string, read here into borrowed
//! fields instead of a whole `Value` tree. Decoding the string is most of
//! the cost, so the peek hands it on ([`Peek::inner`]), with where it found
//! the envelope's other members: the winning record is then parsed without
//! reading it again. A record this reader does not take (another kind, a
//! key of another casing, a duplicate key, a wrong type) goes the full way.

use super::*;
use crate::formats::text::Text;
use crate::formats::{Inner, Peek};
use serde::de::IgnoredAny;
use serde::Deserialize;
use std::borrow::Cow;

/// `properties`, with the log read as `L`: a `String`, or skipped
/// (`IgnoredAny`) when the peek already decoded it.
#[derive(Deserialize)]
#[serde(bound(deserialize = "L: Deserialize<'de>"))]
struct Properties<'a, L> {
    #[serde(default = "Option::default")]
    log: Option<L>,
    #[serde(borrow, default)]
    pod: Option<Text<'a>>,
    #[serde(borrow, default)]
    stream: Option<Text<'a>>,
}

/// The members this reader takes.
#[derive(Deserialize)]
#[serde(bound(deserialize = "L: Deserialize<'de>"))]
struct Whole<'a, L> {
    #[serde(borrow, default)]
    category: Option<Text<'a>>,
    #[serde(borrow, default, rename = "resourceId")]
    resource_id: Option<Text<'a>>,
    #[serde(borrow, default, rename = "operationName")]
    operation: Option<Text<'a>>,
    #[serde(borrow, default)]
    time: Option<Text<'a>>,
    #[serde(borrow, default = "Option::default")]
    properties: Option<Properties<'a, L>>,
}

/// The envelope's members, as the full reader takes them: blank is absent.
struct Members<'a> {
    category: Option<&'a str>,
    resource_id: Option<&'a str>,
    operation: Option<&'a str>,
    time: Option<&'a str>,
    pod: Option<&'a str>,
    stream: Option<&'a str>,
}

/// The names the members are kept under ([`Inner::members`]).
const NAMES: [&str; 6] = ["category", "resourceId", "operationName", "time", "properties.pod", "properties.stream"];

/// The members as read, in the order of [`NAMES`].
fn values<'w, 'a, L>(w: &'w Whole<'a, L>) -> [&'w Option<Text<'a>>; 6] {
    let props = w.properties.as_ref();
    [&w.category, &w.resource_id, &w.operation, &w.time, props.map_or(&None, |p| &p.pod), props.map_or(&None, |p| &p.stream)]
}

impl<'a> Members<'a> {
    fn of<L>(w: &'a Whole<'a, L>) -> Members<'a> {
        let [category, resource_id, operation, time, pod, stream] =
            values(w).map(|v| v.as_deref().filter(|s| !s.trim().is_empty()));
        Members { category, resource_id, operation, time, pod, stream }
    }

    /// The members a peek kept, read back from the record's bytes.
    fn kept(inner: &Inner, raw: &'a [u8]) -> Option<Members<'a>> {
        let mut values = [None; 6];
        for (value, name) in values.iter_mut().zip(NAMES) {
            *value = inner.member(raw, name)?.filter(|s| !s.trim().is_empty());
        }
        let [category, resource_id, operation, time, pod, stream] = values;
        Some(Members { category, resource_id, operation, time, pod, stream })
    }
}

/// Where the members are in the record's bytes; `None` when one is not
/// there as is (it had escapes, so serde decoded it elsewhere).
fn ranges<L>(w: &Whole<'_, L>, raw: &[u8]) -> Option<Vec<(&'static str, std::ops::Range<usize>)>> {
    let base = raw.as_ptr() as usize;
    let mut out = Vec::with_capacity(NAMES.len());
    for (value, name) in values(w).into_iter().zip(NAMES) {
        match value {
            None => {}
            Some(Text(Cow::Borrowed(s))) => {
                let start = (s.as_ptr() as usize).checked_sub(base)?;
                out.push((name, start..start + s.len()));
            }
            Some(Text(Cow::Owned(_))) => return None,
        }
    }
    Some(out)
}

/// The record of a resource log, read without a `Value` tree: `None` when
/// this reader does not take it (the full reader then does, and says what
/// is wrong with it). With the peek's text in the context, the log is not
/// read again, nor (when the peek kept them) the other members.
pub(super) fn record(raw: &[u8], ctx: &Context) -> Option<Record> {
    match ctx.inner {
        Some(inner) => {
            if let Some(members) = Members::kept(inner, raw) {
                return record_of(&members, &inner.text, ctx);
            }
            let w: Whole<IgnoredAny> = serde_json::from_slice(raw).ok()?;
            w.properties.as_ref()?.log.as_ref()?;
            record_of(&Members::of(&w), &inner.text, ctx)
        }
        None => {
            let w: Whole<String> = serde_json::from_slice(raw).ok()?;
            let log = w.properties.as_ref()?.log.as_deref().filter(|l| !l.trim().is_empty())?;
            record_of(&Members::of(&w), log, ctx)
        }
    }
}

fn record_of(m: &Members, log: &str, ctx: &Context) -> Option<Record> {
    let category = m.category.filter(|c| records::aks_category(c))?;
    let diagnostic = m.operation.is_some_and(|op| records::starts_with_ci(op, records::DIAGNOSTIC_OPERATION));
    let aks_id = m.resource_id.is_some_and(resource::names_cluster);
    if !diagnostic && !aks_id {
        return None;
    }
    let members = records::ResourceLog {
        category,
        log,
        time: m.time,
        resource_id: m.resource_id,
        pod: m.pod,
        stream: m.stream,
    };
    Some(records::resource_log_record(&members, ctx))
}

/// [`super::peek`] of a resource-log record: `Some(None)` for a log of
/// another category (nothing to pair), `None` when this reader does not
/// take the record.
pub(super) fn peek(raw: &[u8], ctx: &Context) -> Option<Option<Peek>> {
    let mut w: Whole<String> = serde_json::from_slice(raw).ok()?;
    let log = w.properties.as_mut()?.log.take()?;
    let category = w.category.as_deref()?;
    if !records::AUDIT_CATEGORIES.iter().any(|c| c.eq_ignore_ascii_case(category)) {
        return Some(None);
    }
    let named = w.resource_id.as_deref().is_some_and(resource::names_cluster)
        || resource::blob_path(ctx.path).is_some()
        || ctx.cluster.is_some();
    // The rank depends on the envelope only through whether it names the
    // cluster (see `Envelope::rank_bonus`).
    let mut envelope = Envelope::new("storage-blob");
    if named {
        envelope.cluster = Some(crate::formats::envelope::ClusterRef::new("", "aks"));
    }
    let inner = Inner { text: trimmed(log), members: ranges(&w, raw) };
    Some(peek_text(inner, &envelope))
}

/// A string without its surrounding whitespace, reusing its buffer.
fn trimmed(mut s: String) -> String {
    s.truncate(s.trim_end().len());
    let start = s.len() - s.trim_start().len();
    s.drain(..start);
    s
}
