//! EKS control-plane logs as CloudWatch Logs exports them.
//!
//! On EKS the API server's audit log is a CloudWatch log group,
//! `/aws/eks/<cluster>/cluster`, whose `kube-apiserver-audit-<hex>` streams
//! hold one audit `Event` per log event, as the JSON text of its `message`.
//! Investigators get it out in several shapes, all read here (see
//! `cloud-formats.md` §2.3 and `docs/formats.md`):
//! - `aws logs filter-log-events` pages (`{"events": […], "searchedLogStreams":
//!   […], "nextToken": …}`), often several pages appended into one file;
//!   each event has `logStreamName`, `timestamp`, `message`,
//!   `ingestionTime`, `eventId`.
//! - `aws logs get-log-events` pages: the same without `logStreamName` and
//!   `eventId` (the stream was named on the command line only).
//! - Subscription filter objects delivered by Firehose to S3: gzip,
//!   concatenated `{"messageType", "owner", "logGroup", "logStream",
//!   "subscriptionFilters", "logEvents": [{id, timestamp, message}]}`;
//!   `CONTROL_MESSAGE` objects carry only a health check and are skipped.
//! - Logs Insights downloads, JSON or CSV, keyed by the query's fields
//!   (`@timestamp`, `@message`, `@logStream`, `@log`).
//!
//! The audit event is parsed by the one audit parser
//! ([`audit::parse_enveloped`]), so the same request exported twice — two
//! overlapping pages, a page and a Firehose copy, a plain `audit.log` — is
//! one event with every record kept. Only the envelope names the cluster
//! (the log group, or `@log`); a page of `filter-log-events` does not, and
//! takes the cluster the investigator names on import (`--cluster`).
//!
//! Traps:
//! - A message larger than CloudWatch's event limit is cut and ends with
//!   `[Truncated...]`: no longer JSON. It is kept as an event marked
//!   truncated, with what a regular expression can still read (auditID,
//!   stage, verb, user, URI), ranked below any whole copy of the request.
//! - Other streams of the group share the file: `authenticator-*` lines
//!   (logfmt) say which IAM principal authenticated as which Kubernetes
//!   user, which links a cloud identity to the cluster identity; klog lines
//!   of `kube-apiserver-*`, `kube-controller-manager-*`, `kube-scheduler-*`
//!   and `cloud-controller-manager-*` are kept as control-plane telemetry.
//! - `timestamp` and `ingestionTime` are epoch milliseconds, Logs Insights'
//!   `@timestamp` is `YYYY-MM-DD HH:MM:SS.mmm` in UTC; in a CSV every value
//!   is text.

use crate::formats::envelope::{ClusterRef, Envelope};
use crate::formats::text::Text;
use crate::formats::{audit, strict, Container, Context, Inner, Peek, RecordError};
use crate::model::{EntityKind, EntityRef, EventKind, NewEvent, Severity, Source};
use serde::de::IgnoredAny;
use serde_json::{Map, Value};
use std::borrow::Cow;

mod messages;
#[cfg(test)]
mod tests;

use messages::*;

/// The suffix CloudWatch puts on a message it cut.
const TRUNCATED: &str = "[Truncated...]";

/// Is this JSON object a CloudWatch log event (in any of the shapes)?
pub fn sniff(obj: &Map<String, Value>) -> bool {
    let message = matches!(obj.get("message"), Some(Value::String(_)));
    let cloudwatch = message
        && obj.get("timestamp").is_some_and(Value::is_number)
        && ["ingestionTime", "logStreamName", "eventId", "id"].iter().any(|k| obj.contains_key(*k));
    let insights = matches!(obj.get("@message"), Some(Value::String(_)))
        && (obj.contains_key("@timestamp") || obj.contains_key("@logStream"));
    cloudwatch || insights
}

/// One CloudWatch log event, whatever the shape it came in.
struct LogEvent<'a> {
    message: Cow<'a, str>,
    stream: Option<String>,
    /// Epoch milliseconds.
    timestamp_ms: Option<i64>,
    envelope: Envelope,
}

/// The members of a log event the envelope is made of, as one of the
/// readers found them.
struct Members<'a> {
    /// A Logs Insights row (`@message`) rather than an event of the API.
    insights: bool,
    /// `logStreamName` or `@logStream`.
    stream: Option<&'a str>,
    /// Logs Insights' `@log`: `<account>:<log group>`.
    log: Option<&'a str>,
    /// `eventId`, `id` or `@ptr`.
    event_id: Option<&'a str>,
    timestamp_ms: Option<i64>,
    ingestion_ms: Option<i64>,
    /// The event names its stream or has an id: a `filter-log-events`
    /// page rather than a `get-log-events` one.
    filtered: bool,
}

/// Reads the envelope of one record and its message: the message the peek
/// decoded when the context has it ([`Context::inner`]).
fn read<'a>(raw: &[u8], ctx: &Context<'a>) -> Result<LogEvent<'a>, RecordError> {
    if let Some(inner) = ctx.inner {
        if let Ok(f) = serde_json::from_slice::<Fields<IgnoredAny>>(raw) {
            if f.message.is_some() != f.insights_message.is_some() {
                return log_event(Cow::Borrowed(&inner.text), &f.members(f.insights_message.is_some()), ctx);
            }
        }
    }
    if let Ok(mut f) = serde_json::from_slice::<Fields<String>>(raw) {
        let insights = f.insights_message.is_some();
        if let (Some(message), None) | (None, Some(message)) = (f.message.take(), f.insights_message.take()) {
            return log_event(Cow::Owned(message), &f.members(insights), ctx);
        }
    }
    read_value(raw, ctx)
}

/// The reference reader, through a `Value` tree: takes what [`Fields`]
/// refuses (a member of another type) and says what is wrong with a record
/// that is no log event (one with a key twice, which [`Fields`] refuses
/// too).
fn read_value<'a>(raw: &[u8], ctx: &Context) -> Result<LogEvent<'a>, RecordError> {
    let mut obj: Map<String, Value> = match strict::value(raw)? {
        Value::Object(o) => o,
        _ => return Err(RecordError::new("CloudWatch log event is not a JSON object")),
    };
    let insights = obj.contains_key("@message");
    let message = match obj.remove(if insights { "@message" } else { "message" }) {
        Some(Value::String(s)) => s,
        Some(_) => return Err(RecordError::new("CloudWatch log event's message is not a string")),
        None => return Err(RecordError::new("CloudWatch log event has no message")),
    };
    let text = |key: &str| obj.get(key).and_then(Value::as_str);
    let members = Members {
        insights,
        stream: text(if insights { "@logStream" } else { "logStreamName" }),
        log: text("@log"),
        event_id: text("eventId").or_else(|| text("id")).or_else(|| text("@ptr")),
        timestamp_ms: if insights { text("@timestamp").and_then(insights_time_ms) } else { millis(obj.get("timestamp")) },
        ingestion_ms: millis(obj.get("ingestionTime")),
        filtered: obj.contains_key("logStreamName") || obj.contains_key("eventId"),
    };
    log_event(Cow::Owned(message), &members, ctx)
}

/// The log event of a message and its envelope's members.
fn log_event<'a>(message: Cow<'a, str>, m: &Members, ctx: &Context) -> Result<LogEvent<'a>, RecordError> {
    let container = ctx.hint.container.as_deref();
    let shape = if m.insights {
        if ctx.hint.row { "logs-insights-csv" } else { "logs-insights-json" }
    } else {
        match container.map(|c| c.key) {
            Some("logEvents") => "subscription",
            Some("events") if m.filtered => "filter-log-events",
            Some("events") => "get-log-events",
            _ => "cloudwatch-events",
        }
    };
    if shape == "subscription" {
        if let Some(kind) = container_text(container, "messageType") {
            if kind == "CONTROL_MESSAGE" {
                return Err(RecordError::skipped("CloudWatch Logs control message (a subscription health check)"));
            }
        }
    }
    let mut env = Envelope::new(shape);
    // Where the event was logged.
    let log_group = log_group(container, m.log);
    let account = container_text(container, "owner").or_else(|| m.log.and_then(account_of));
    let stream = log_stream(container, m.stream);
    let time = |ms: Option<i64>| ms.map(|ms| crate::time::format_ns(ms.saturating_mul(1_000_000)));
    env.fact("log_group", log_group);
    env.fact("log_stream", stream);
    env.fact("account", account);
    env.fact("event_id", m.event_id);
    env.fact("timestamp", time(m.timestamp_ms));
    env.fact("ingestion_time", time(m.ingestion_ms));
    if let Some(c) = container {
        if c.key == "events" {
            env.fact("page", c.page);
        }
        if let Some(filters) = c.facts.get("subscriptionFilters") {
            env.fact("subscription_filters", filters.clone());
        }
    }
    if let Some(name) = log_group.and_then(cluster_of_log_group) {
        env.cluster = Some(ClusterRef::new(name, "eks").attr("log_group", log_group).attr("account", account));
    } else if let Some(name) = ctx.cluster {
        env.cluster = Some(ClusterRef::new(name, "eks").attr("named_by", Some("import")));
    }
    Ok(LogEvent { message, stream: stream.map(str::to_string), timestamp_ms: m.timestamp_ms, envelope: env })
}

/// Parses one CloudWatch log event of an EKS cluster's log group.
pub fn parse(raw: &[u8], ctx: &Context) -> Result<NewEvent, RecordError> {
    let ev = read(raw, ctx)?;
    match classify(ev.stream.as_deref(), &ev.message) {
        Stream::Audit => parse_audit(ev),
        Stream::Authenticator => Ok(authenticator_event(&ev)),
        Stream::Component(name) => Ok(component_event(&ev, name)),
    }
}

/// A log event's members, read into borrowed fields: the importer reads
/// every audit stage twice (to pair it, then to parse or check it), and a
/// `Value` tree of each would cost more than the audit event's own reading.
/// The message is `M`: a `String`, or skipped (`IgnoredAny`) when the peek
/// decoded it already. A record these fields do not take goes to
/// [`read_value`].
#[derive(serde::Deserialize)]
#[serde(bound(deserialize = "M: serde::Deserialize<'de>"))]
struct Fields<'a, M> {
    #[serde(default = "Option::default")]
    message: Option<M>,
    #[serde(default = "Option::default", rename = "@message")]
    insights_message: Option<M>,
    #[serde(borrow, default, rename = "logStreamName")]
    stream: Option<Text<'a>>,
    #[serde(borrow, default, rename = "@logStream")]
    insights_stream: Option<Text<'a>>,
    #[serde(borrow, default, rename = "@log")]
    log: Option<Text<'a>>,
    #[serde(borrow, default, rename = "@timestamp")]
    insights_time: Option<Text<'a>>,
    #[serde(borrow, default, rename = "eventId")]
    event_id: Option<Text<'a>>,
    #[serde(borrow, default)]
    id: Option<Text<'a>>,
    #[serde(borrow, default, rename = "@ptr")]
    ptr: Option<Text<'a>>,
    #[serde(default)]
    timestamp: Millis,
    #[serde(default, rename = "ingestionTime")]
    ingestion_time: Millis,
}

impl<M> Fields<'_, M> {
    /// The members, of a Logs Insights row (`@message`) when `insights`.
    fn members(&self, insights: bool) -> Members<'_> {
        Members {
            insights,
            stream: if insights { self.insights_stream.as_deref() } else { self.stream.as_deref() },
            log: self.log.as_deref(),
            event_id: self.event_id.as_deref().or(self.id.as_deref()).or(self.ptr.as_deref()),
            timestamp_ms: if insights { self.insights_time.as_deref().and_then(insights_time_ms) } else { self.timestamp.0 },
            ingestion_ms: self.ingestion_time.0,
            filtered: self.stream.is_some() || self.event_id.is_some(),
        }
    }
}

/// Epoch milliseconds as [`millis`] reads them: a number, a numeric
/// string; `None` for a fraction, a null or text that is no number.
#[derive(Default)]
struct Millis(Option<i64>);

impl<'de> serde::Deserialize<'de> for Millis {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Millis, D::Error> {
        struct V;
        impl serde::de::Visitor<'_> for V {
            type Value = Millis;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("epoch milliseconds")
            }
            fn visit_i64<E>(self, v: i64) -> Result<Millis, E> {
                Ok(Millis(Some(v)))
            }
            fn visit_u64<E>(self, v: u64) -> Result<Millis, E> {
                Ok(Millis(i64::try_from(v).ok()))
            }
            fn visit_f64<E>(self, _: f64) -> Result<Millis, E> {
                Ok(Millis(None))
            }
            fn visit_str<E>(self, v: &str) -> Result<Millis, E> {
                Ok(Millis(v.trim().parse().ok()))
            }
            fn visit_unit<E>(self) -> Result<Millis, E> {
                Ok(Millis(None))
            }
        }
        d.deserialize_any(V)
    }
}

/// The parts of a log event that pairing needs.
#[derive(serde::Deserialize)]
struct Quick<'a> {
    #[serde(alias = "@message")]
    message: String,
    #[serde(borrow, default, alias = "@logStream", rename = "logStreamName")]
    stream: Option<Text<'a>>,
    #[serde(borrow, default, rename = "@log")]
    log: Option<Text<'a>>,
}

/// The dedup key and rank of a record whose message is an audit event,
/// read without building the event (see [`audit::peek`]), with the message.
pub fn peek(raw: &[u8], ctx: &Context) -> Option<Peek> {
    let q: Quick = serde_json::from_slice(raw).ok()?;
    let container = ctx.hint.container.as_deref();
    if classify(log_stream(container, q.stream.as_deref()), &q.message) != Stream::Audit {
        return None;
    }
    let mut message = q.message;
    message.truncate(message.trim_end().len());
    if message.ends_with(TRUNCATED) {
        let id = truncated_field(&message, "auditID")?;
        return Some(Peek { key: audit_key(&id), rank: TRUNCATED_RANK, inner: Some(Inner::text(message)) });
    }
    // The rank depends on the envelope only through whether it names the
    // cluster (see `Envelope::rank_bonus`), as `read` decides it.
    let mut envelope = Envelope::new("cloudwatch-events");
    if log_group(container, q.log.as_deref()).and_then(cluster_of_log_group).is_some() || ctx.cluster.is_some() {
        envelope.cluster = Some(ClusterRef::new("", "eks"));
    }
    let (key, rank) = audit::peek_enveloped(message.as_bytes(), &envelope)?;
    Some(Peek { key, rank, inner: Some(Inner::text(message)) })
}

/// Whether a record [`peek`] paired but the importer does not parse is
/// whole: its envelope and the audit event inside. With the peek's message
/// (`inner`) the envelope has read already, and only the message is
/// checked.
pub fn validate(raw: &[u8], inner: Option<&str>) -> bool {
    let whole = |message: &str| message.trim_end().ends_with(TRUNCATED) || audit::validate(message.as_bytes());
    match inner {
        Some(message) => whole(message),
        None => serde_json::from_slice::<Quick>(raw).is_ok_and(|q| whole(&q.message)),
    }
}

/// A truncated audit event ranks below every whole stage of its request.
const TRUNCATED_RANK: i32 = 1;

fn audit_key(id: &str) -> String {
    format!("k8s-audit|{}", id)
}

fn parse_audit(ev: LogEvent) -> Result<NewEvent, RecordError> {
    let message = ev.message.trim_end();
    if message.ends_with(TRUNCATED) {
        return truncated_audit_event(&ev);
    }
    let stream = ev.stream;
    audit::parse_enveloped(message.as_bytes(), ev.envelope).map_err(|e| {
        RecordError::new(format!(
            "the message of {} is not an audit event ({})",
            stream.map(|s| format!("stream {}", s)).unwrap_or_else(|| "this log event".into()),
            e.reason
        ))
    })
}

/// What can still be read of an audit event CloudWatch cut short.
fn truncated_audit_event(ev: &LogEvent) -> Result<NewEvent, RecordError> {
    let m = &ev.message;
    let id = truncated_field(m, "auditID")
        .ok_or_else(|| RecordError::new("an audit event cut by CloudWatch ([Truncated...]) before its auditID"))?;
    let verb = truncated_field(m, "verb");
    let user = truncated_field(m, "username");
    let uri = truncated_field(m, "requestURI");
    let stage = truncated_field(m, "stage");
    let what = uri.as_deref().map(|u| u.split('?').next().unwrap_or(u).to_string());
    let title = match (&verb, &what) {
        (Some(v), Some(w)) => format!("{} {} (truncated by CloudWatch)", v, w),
        (Some(v), None) => format!("{} (truncated by CloudWatch)", v),
        _ => "audit event (truncated by CloudWatch)".to_string(),
    };
    let mut out = NewEvent::new(Source::K8sAudit, EventKind::Telemetry, title);
    out.rule = verb.clone();
    out.dedup_key = Some(audit_key(&id));
    out.rank = TRUNCATED_RANK;
    out.time_ns = truncated_field(m, "requestReceivedTimestamp")
        .and_then(|t| crate::time::parse_rfc3339(&t))
        .or(ev.timestamp_ms.map(|ms| ms.saturating_mul(1_000_000)));
    out.field("truncated", true);
    out.field("audit_id", id.as_str());
    out.field("verb", verb);
    out.field("stage", stage);
    out.field("request_uri", uri.clone());
    out.field("user", user.clone());
    out.message = format!(
        "CloudWatch cut this audit event at {} bytes; only its head could be read{}",
        m.len(),
        user.as_deref().map(|u| format!(" (user {})", u)).unwrap_or_default()
    );
    if let Some(u) = user {
        out.entity(EntityRef::new(EntityKind::Identity, u, "actor"));
    }
    if let Some(u) = uri {
        out.add_search(&u);
    }
    ev.envelope.apply(&mut out);
    Ok(out)
}

/// A text fact of the container the event came in (a Firehose object's
/// `logGroup`, `logStream`, `owner`).
fn container_text<'a>(container: Option<&'a Container>, key: &str) -> Option<&'a str> {
    container.and_then(|c| c.facts.get(key)).and_then(Value::as_str)
}

/// The log group of an event: its container's, else Logs Insights' `@log`.
fn log_group<'a>(container: Option<&'a Container>, log: Option<&'a str>) -> Option<&'a str> {
    container_text(container, "logGroup").or_else(|| log.map(strip_account))
}

/// The stream of an event: its own, else its container's.
fn log_stream<'a>(container: Option<&'a Container>, stream: Option<&'a str>) -> Option<&'a str> {
    stream.or_else(|| container_text(container, "logStream"))
}

/// Epoch milliseconds from a number or a numeric string.
fn millis(v: Option<&Value>) -> Option<i64> {
    match v? {
        Value::Number(n) => n.as_i64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

/// Logs Insights' `@timestamp` (`2026-11-20 09:41:07.123`, UTC) in epoch ms.
fn insights_time_ms(s: &str) -> Option<i64> {
    crate::time::parse_rfc3339(s).map(|ns| ns.div_euclid(1_000_000))
}

/// The cluster of an EKS log group, `/aws/eks/<cluster>/cluster`.
pub fn cluster_of_log_group(group: &str) -> Option<&str> {
    let name = group.strip_prefix("/aws/eks/")?.strip_suffix("/cluster")?;
    (!name.is_empty() && !name.contains('/')).then_some(name)
}

/// Logs Insights' `@log` is `<account>:<log group>`.
fn strip_account(log: &str) -> &str {
    match log.split_once(':') {
        Some((acct, group)) if acct.chars().all(|c| c.is_ascii_digit()) => group,
        _ => log,
    }
}

fn account_of(log: &str) -> Option<&str> {
    let (acct, _) = log.split_once(':')?;
    (!acct.is_empty() && acct.chars().all(|c| c.is_ascii_digit())).then_some(acct)
}
