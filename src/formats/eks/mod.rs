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
use crate::formats::{audit, Context, RecordError};
use crate::model::{EntityKind, EntityRef, EventKind, NewEvent, Severity, Source};
use serde_json::{Map, Value};

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
struct LogEvent {
    message: String,
    stream: Option<String>,
    /// Epoch milliseconds.
    timestamp_ms: Option<i64>,
    envelope: Envelope,
}

/// Reads the envelope of one record (and takes its message out).
fn read(raw: &[u8], ctx: &Context) -> Result<LogEvent, RecordError> {
    let obj: Map<String, Value> = match serde_json::from_slice::<Value>(raw)? {
        Value::Object(o) => o,
        _ => return Err(RecordError::new("CloudWatch log event is not a JSON object")),
    };
    let container = ctx.hint.container.as_deref();
    let insights = obj.contains_key("@message");
    let mut obj = obj;
    let message = match obj.remove(if insights { "@message" } else { "message" }) {
        Some(Value::String(s)) => s,
        Some(_) => return Err(RecordError::new("CloudWatch log event's message is not a string")),
        None => return Err(RecordError::new("CloudWatch log event has no message")),
    };
    let shape = if insights {
        if ctx.hint.row { "logs-insights-csv" } else { "logs-insights-json" }
    } else {
        match container.map(|c| c.key) {
            Some("logEvents") => "subscription",
            Some("events") if obj.contains_key("logStreamName") || obj.contains_key("eventId") => "filter-log-events",
            Some("events") => "get-log-events",
            _ => "cloudwatch-events",
        }
    };
    if shape == "subscription" {
        if let Some(kind) = container.and_then(|c| c.facts.get("messageType")).and_then(Value::as_str) {
            if kind == "CONTROL_MESSAGE" {
                return Err(RecordError::skipped("CloudWatch Logs control message (a subscription health check)"));
            }
        }
    }
    let mut env = Envelope::new(shape);
    let fact_str = |obj: &Map<String, Value>, key: &str| obj.get(key).and_then(Value::as_str).map(str::to_string);
    let container_str = |key: &str| container.and_then(|c| c.facts.get(key)).and_then(Value::as_str).map(str::to_string);
    // Where the event was logged.
    let log_group = container_str("logGroup").or_else(|| fact_str(&obj, "@log").map(|l| strip_account(&l).to_string()));
    let account = container_str("owner").or_else(|| fact_str(&obj, "@log").and_then(|l| account_of(&l).map(str::to_string)));
    let stream = fact_str(&obj, if insights { "@logStream" } else { "logStreamName" }).or_else(|| container_str("logStream"));
    let timestamp_ms = if insights {
        obj.get("@timestamp").and_then(Value::as_str).and_then(insights_time_ms)
    } else {
        millis(obj.get("timestamp"))
    };
    env.fact("log_group", log_group.clone());
    env.fact("log_stream", stream.clone());
    env.fact("account", account.clone());
    env.fact("event_id", fact_str(&obj, "eventId").or_else(|| fact_str(&obj, "id")).or_else(|| fact_str(&obj, "@ptr")));
    env.fact("timestamp", timestamp_ms.map(|ms| crate::time::format_ns(ms.saturating_mul(1_000_000))));
    env.fact(
        "ingestion_time",
        millis(obj.get("ingestionTime")).map(|ms| crate::time::format_ns(ms.saturating_mul(1_000_000))),
    );
    if let Some(c) = container {
        if c.key == "events" {
            env.fact("page", c.page);
        }
        if let Some(filters) = c.facts.get("subscriptionFilters") {
            env.fact("subscription_filters", filters.clone());
        }
    }
    if let Some(name) = log_group.as_deref().and_then(cluster_of_log_group) {
        env.cluster = Some(ClusterRef::new(name, "eks").attr("log_group", log_group.as_deref()).attr("account", account.as_deref()));
    } else if let Some(name) = ctx.cluster {
        env.cluster = Some(ClusterRef::new(name, "eks").attr("named_by", Some("import")));
    }
    Ok(LogEvent { message, stream, timestamp_ms, envelope: env })
}

/// Parses one CloudWatch log event of an EKS cluster's log group.
pub fn parse(raw: &[u8], ctx: &Context) -> Result<NewEvent, RecordError> {
    let ev = read(raw, ctx)?;
    match classify(ev.stream.as_deref(), &ev.message) {
        Stream::Audit => parse_audit(&ev),
        Stream::Authenticator => Ok(authenticator_event(&ev)),
        Stream::Component(name) => Ok(component_event(&ev, name)),
    }
}

/// The parts of a log event that pairing and checking need, read into
/// borrowed fields: the importer reads every stage twice before one is
/// parsed, and a `Value` tree of each would cost more than the audit
/// event's own reading.
#[derive(serde::Deserialize)]
struct Quick<'a> {
    #[serde(borrow, alias = "@message")]
    message: std::borrow::Cow<'a, str>,
    #[serde(borrow, default, alias = "@logStream", rename = "logStreamName")]
    stream: Option<std::borrow::Cow<'a, str>>,
    #[serde(borrow, default, rename = "@log")]
    log: Option<std::borrow::Cow<'a, str>>,
}

/// The dedup key and rank of a record whose message is an audit event,
/// read without building the event (see [`audit::peek`]).
pub fn peek(raw: &[u8], ctx: &Context) -> Option<(String, i32)> {
    let q: Quick = serde_json::from_slice(raw).ok()?;
    let container = ctx.hint.container.as_deref();
    let stream = q.stream.as_deref().or_else(|| container.and_then(|c| c.facts.get("logStream")).and_then(Value::as_str));
    if classify(stream, &q.message) != Stream::Audit {
        return None;
    }
    if q.message.trim_end().ends_with(TRUNCATED) {
        let id = truncated_field(&q.message, "auditID")?;
        return Some((audit_key(&id), TRUNCATED_RANK));
    }
    // The rank depends on the envelope only through whether it names the
    // cluster (see `Envelope::rank_bonus`), as `read` decides it.
    let group = container.and_then(|c| c.facts.get("logGroup")).and_then(Value::as_str).or_else(|| q.log.as_deref().map(strip_account));
    let mut envelope = Envelope::new("cloudwatch-events");
    if group.and_then(cluster_of_log_group).is_some() || ctx.cluster.is_some() {
        envelope.cluster = Some(ClusterRef::new("", "eks"));
    }
    audit::peek_enveloped(q.message.as_bytes(), &envelope)
}

/// Whether a record [`peek`] paired but the importer does not parse is
/// whole: its envelope and the audit event inside.
pub fn validate(raw: &[u8]) -> bool {
    match serde_json::from_slice::<Quick>(raw) {
        Ok(q) if q.message.trim_end().ends_with(TRUNCATED) => true,
        Ok(q) => audit::validate(q.message.as_bytes()),
        Err(_) => false,
    }
}

/// A truncated audit event ranks below every whole stage of its request.
const TRUNCATED_RANK: i32 = 1;

fn audit_key(id: &str) -> String {
    format!("k8s-audit|{}", id)
}

fn parse_audit(ev: &LogEvent) -> Result<NewEvent, RecordError> {
    let message = ev.message.trim_end();
    if message.ends_with(TRUNCATED) {
        return truncated_audit_event(ev);
    }
    audit::parse_enveloped(message.as_bytes(), &ev.envelope).map_err(|e| {
        RecordError::new(format!(
            "the message of {} is not an audit event ({})",
            ev.stream.as_deref().map(|s| format!("stream {}", s)).unwrap_or_else(|| "this log event".into()),
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
