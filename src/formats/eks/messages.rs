//! The messages of an EKS log group that are not whole audit events: which
//! stream a message belongs to, the authenticator's logfmt lines, the other
//! components' klog lines, and what a cut audit event still says.

use super::*;
use crate::formats::klog_severity;
use regex::Regex;
use std::sync::LazyLock;

/// Which stream a message is from: by the stream's name when the export
/// kept it, by the message's look when it did not (`get-log-events`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Stream {
    Audit,
    Authenticator,
    /// A component's own log (klog text), named as EKS names its stream.
    Component(&'static str),
}

/// The streams of an EKS log group, longest prefix first.
const COMPONENT_STREAMS: &[(&str, &str)] = &[
    ("kube-controller-manager-", "kube-controller-manager"),
    ("cloud-controller-manager-", "cloud-controller-manager"),
    ("kube-scheduler-", "kube-scheduler"),
    ("kube-apiserver-", "kube-apiserver"),
];

pub(super) fn classify(stream: Option<&str>, message: &str) -> Stream {
    if let Some(s) = stream {
        if s.starts_with("kube-apiserver-audit-") {
            return Stream::Audit;
        }
        if s.starts_with("authenticator-") {
            return Stream::Authenticator;
        }
        if let Some((_, name)) = COMPONENT_STREAMS.iter().find(|(p, _)| s.starts_with(p)) {
            return Stream::Component(name);
        }
        return Stream::Component("control-plane");
    }
    let t = message.trim_start();
    if t.starts_with('{') && t.contains("\"auditID\"") {
        Stream::Audit
    } else if t.starts_with("time=") && t.contains(" msg=") {
        Stream::Authenticator
    } else {
        Stream::Component("control-plane")
    }
}

/// The value of `"key":"…"` in the text of a cut audit event: the first
/// occurrence, which for the head keys (auditID, verb, user) is the event's
/// own. `None` when the cut came before it.
pub(super) fn truncated_field(message: &str, key: &str) -> Option<String> {
    let needle = format!("\"{}\":\"", key);
    let start = message.find(&needle)? + needle.len();
    let rest = &message[start..];
    // Up to the closing quote that is not escaped.
    let mut end = None;
    let bytes = rest.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'\\' => i += 2,
            b'"' => {
                end = Some(i);
                break;
            }
            _ => i += 1,
        }
    }
    let text = &rest[..end?];
    serde_json::from_str::<String>(&format!("\"{}\"", text)).ok().filter(|s| !s.is_empty())
}

/// `key=value key="quoted value"` pairs, as logrus writes them.
pub(super) fn logfmt(line: &str) -> Vec<(String, String)> {
    static PAIR: LazyLock<Regex> =
        LazyLock::new(|| Regex::new(r#"([A-Za-z_][A-Za-z0-9_.\-]*)=("((?:[^"\\]|\\.)*)"|[^\s]*)"#).expect("logfmt pattern"));
    PAIR.captures_iter(line)
        .map(|c| {
            let value = match c.get(3) {
                Some(q) => serde_json::from_str::<String>(&format!("\"{}\"", q.as_str())).unwrap_or_else(|_| q.as_str().to_string()),
                None => c[2].to_string(),
            };
            (c[1].to_string(), value)
        })
        .collect()
}

/// An authenticator line: which IAM principal authenticated as which
/// Kubernetes user. Its `arn` links the cloud identity to the cluster's.
pub(super) fn authenticator_event(ev: &LogEvent) -> NewEvent {
    let pairs = logfmt(&ev.message);
    let get = |k: &str| pairs.iter().find(|(key, _)| key == k).map(|(_, v)| v.as_str()).filter(|v| !v.is_empty());
    let msg = get("msg").unwrap_or("authenticator log line");
    let username = get("username");
    let arn = get("arn");
    let title = match (arn, username) {
        (Some(a), Some(u)) => format!("authenticator: {} ({} as {})", msg, a, u),
        (None, Some(u)) => format!("authenticator: {} ({})", msg, u),
        _ => format!("authenticator: {}", msg),
    };
    let mut out = NewEvent::new(Source::ControlPlane, EventKind::Telemetry, title);
    out.rule = Some("authenticator".into());
    out.severity = match get("level") {
        Some("warning") => Severity::Low,
        Some("error") => Severity::Medium,
        Some("fatal") | Some("panic") => Severity::High,
        _ => Severity::Info,
    };
    out.time_ns = get("time")
        .and_then(crate::time::parse_rfc3339)
        .or(ev.timestamp_ms.map(|ms| ms.saturating_mul(1_000_000)));
    out.message = ev.message.to_string();
    out.field("component", "authenticator");
    for key in ["level", "msg", "arn", "username", "uid", "groups", "accesskeyid", "client", "method", "path", "sts", "session"] {
        if let Some(v) = get(key) {
            out.field(&format!("auth_{}", key), v);
        }
    }
    if let Some(u) = username {
        out.entity(EntityRef::new(EntityKind::Identity, u, "actor").attr("uid", get("uid")));
    }
    if let Some(a) = arn {
        out.entity(cloud_principal(a, "cloud-principal").attr("access_key_id", get("accesskeyid")));
    }
    if let Some(ip) = get("client").and_then(|c| c.rsplit_once(':').map(|(h, _)| h)).and_then(crate::entity::ip) {
        out.entity(EntityRef::new(EntityKind::Ip, ip, "source-ip"));
    }
    ev.envelope.apply(&mut out);
    out.dedup_key = Some(line_key(ev));
    out
}

/// An AWS principal as an identity entity: keyed by its ARN, with the
/// account and the role or user it names.
pub(crate) fn cloud_principal(arn: &str, role: &str) -> EntityRef {
    let account = arn.split(':').nth(4).filter(|a| !a.is_empty());
    EntityRef::new(EntityKind::Identity, arn, role).attr("provider", "aws").attr("account", account)
}

/// A klog line of a control-plane component (`I1120 09:41:07.123456  10
/// file.go:42] text`), or any other line of the group.
pub(super) fn component_event(ev: &LogEvent, component: &'static str) -> NewEvent {
    static KLOG: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(r"^([IWEF])(\d{4}) (\d{2}:\d{2}:\d{2}\.\d+)\s+\d+\s+([^\]\s]+)\] ?(.*)$").expect("klog pattern")
    });
    let line = ev.message.trim_end();
    let (severity, text, source) = match KLOG.captures(line) {
        Some(c) => (klog_severity(c[1].chars().next().unwrap_or('I')), c[5].to_string(), Some(c[4].to_string())),
        None => (Severity::Info, line.to_string(), None),
    };
    let mut short: String = text.chars().take(160).collect();
    if short.len() < text.len() {
        short.push('…');
    }
    let mut out = NewEvent::new(Source::ControlPlane, EventKind::Telemetry, format!("{}: {}", component, short));
    out.rule = Some(component.to_string());
    out.severity = severity;
    out.time_ns = ev.timestamp_ms.map(|ms| ms.saturating_mul(1_000_000));
    out.message = line.to_string();
    out.field("component", component);
    out.field("source_location", source);
    ev.envelope.apply(&mut out);
    out.dedup_key = Some(line_key(ev));
    out
}

/// One CloudWatch log event however often it is exported: its time and
/// the hash of its message (a `get-log-events` page has no event id).
fn line_key(ev: &LogEvent) -> String {
    format!(
        "cloudwatch|{}|{:016x}",
        ev.timestamp_ms.unwrap_or_default(),
        crate::store::stable_id(&[ev.message.as_bytes()]) as u64
    )
}
