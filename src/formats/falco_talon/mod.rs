//! Falco Talon's record of what it did: the response engine's action log
//! lines (zerolog JSON on stdout, also through `kubectl logs`) and the
//! core/v1 `Event`s its `k8sevents` notifier writes ([`k8s_event`]).
//!
//! Why this module looks the way it does:
//!
//! * Talon does not detect; it acts on Falco's alerts. What an investigator
//!   needs from it is what was already done to the cluster, by whom, and
//!   whether it worked: a pod isolated with a NetworkPolicy, labelled, a
//!   terminate that failed for want of RBAC. Each action result becomes an
//!   [`EventKind::Response`] event on the pod it acted on. Correlation reads
//!   alerts only, so a response never makes or joins an incident; the
//!   incident's actions list it as done outside Kordon
//!   (`crate::incident::external`).
//! * One line per step: `event` (a Falco alert received), `match` (a Talon
//!   rule matched it), `action` (an actionner ran, with `status` `success`,
//!   `failure` or `ignored`), `output` (an artifact stored), `notification`
//!   (a notifier delivered), `context` (extra context could not be fetched),
//!   `init` and other start-up lines. Only `action` lines say what was done
//!   to the cluster; the others are understood and counted as skipped with
//!   their reason (the alert itself is Falco's, imported from Falco), never
//!   dropped silently. A dry-run `action` line (no status, output "no action,
//!   dry-run is enabled") did nothing and is skipped too.
//! * The objects acted on are a map (`Pod`, `Namespace`, `NetworkPolicy` …)
//!   that stdout writes flattened, keys lower-cased, at the top level; the
//!   JSON notifiers (webhook, Loki, Elasticsearch) keep it as `objects`. Both
//!   are read. When neither names the pod, the Falco output Talon copied into
//!   `event` (`k8s.pod.name=… k8s.ns.name=…`) does.
//! * `rule` is the Talon rule that fired, not the Falco rule (which only the
//!   `event`/`match` lines carry): it is the event's rule, and the Falco
//!   output is kept (`falco_output`).
//! * `time` is zerolog's RFC 3339, to the second.
//! * One action is one event: its dedup key is the trace id, actionner,
//!   action and objects, so the same log exported twice — or the log line
//!   and the notifier's Kubernetes Event of the same action — is one event.
//!   The log line gives the fields (rank 2 against the Event's 1).
//! * Talon can also log as text (`log.format: text`): only JSON is read;
//!   text lines are kept verbatim as parse errors with that reason, except
//!   start-up lines and `kubectl` notices, skipped as understood.

pub mod k8s_event;

use crate::entity;
use crate::formats::{str_of, strict, RecordError};
use crate::model::{EntityKind, EntityRef, EventKind, NewEvent, Severity, Source};
use crate::time;
use serde_json::{Map, Value};
use std::collections::BTreeMap;

/// Shape of stdout lines (objects flattened at the top level).
pub const SHAPE_STDOUT: &str = "talon-stdout";
/// Shape of a JSON notifier's line (webhook, Loki): objects as a map.
pub const SHAPE_NOTIFIER: &str = "talon-notifier";
/// Shape of the `k8sevents` notifier's core/v1 Events.
pub const SHAPE_K8S_EVENT: &str = "talon-k8s-event";

/// The `message` values Talon writes.
const MESSAGES: &[&str] = &["event", "match", "action", "output", "notification", "context", "init"];

/// LogLine keys that are not objects: what stays after them at the top
/// level of a stdout line is the flattened `objects` map.
const LOG_KEYS: &[&str] = &[
    "level", "time", "message", "rule", "event", "priority", "source", "actionner", "action", "objects", "output",
    "output_name", "output_target", "output_category", "notifier", "category", "actionner_category",
    "action_category", "status", "stage", "result", "error", "trace_id", "context",
];

/// What Kordon knows of each actionner: what it does to the cluster
/// (`effect`, which the UI marks on the pod) and how to say it.
pub struct Actionner {
    pub name: &'static str,
    /// `terminate`, `isolate`, `label`, `annotate`, `exec`, `collect`,
    /// `capture`, `delete`, `cordon`, `drain`, `invoke`.
    pub effect: &'static str,
    /// What was done, `{}` the target: "terminated {}".
    pub done: &'static str,
    /// The attempt, `{}` the target: "terminate {}".
    pub attempt: &'static str,
}

macro_rules! actionners {
    ($($name:literal => $effect:literal, $done:literal, $attempt:literal;)+) => {
        &[$(Actionner { name: $name, effect: $effect, done: $done, attempt: $attempt }),+]
    };
}

/// Talon's actionners (its documentation's list); unknown ones are still
/// imported, said as "ran <actionner> on …".
pub const ACTIONNERS: &[Actionner] = actionners! {
    "kubernetes:terminate" => "terminate", "terminated {}", "terminate {}";
    "kubernetes:label" => "label", "labelled {}", "label {}";
    "kubernetes:labelize" => "label", "labelled {}", "label {}";
    "kubernetes:annotate" => "annotate", "annotated {}", "annotate {}";
    "kubernetes:networkpolicy" => "isolate", "isolated {} with a NetworkPolicy", "isolate {} with a NetworkPolicy";
    "calico:networkpolicy" => "isolate", "isolated {} with a Calico network policy", "isolate {} with a Calico network policy";
    "cilium:networkpolicy" => "isolate", "isolated {} with a Cilium network policy", "isolate {} with a Cilium network policy";
    "kubernetes:exec" => "exec", "ran a command in {}", "run a command in {}";
    "kubernetes:script" => "exec", "ran a script in {}", "run a script in {}";
    "kubernetes:log" => "collect", "collected the logs of {}", "collect the logs of {}";
    "kubernetes:download" => "collect", "downloaded a file from {}", "download a file from {}";
    "kubernetes:tcpdump" => "capture", "captured the traffic of {}", "capture the traffic of {}";
    "kubernetes:sysdig" => "capture", "captured the syscalls of {}", "capture the syscalls of {}";
    "kubernetes:delete" => "delete", "deleted the resource of {}", "delete the resource of {}";
    "kubernetes:cordon" => "cordon", "cordoned the node of {}", "cordon the node of {}";
    "kubernetes:drain" => "drain", "drained the node of {}", "drain the node of {}";
    "aws:lambda" => "invoke", "invoked an AWS Lambda function for {}", "invoke an AWS Lambda function for {}";
    "gcp:function" => "invoke", "invoked a Google Cloud Function for {}", "invoke a Google Cloud Function for {}";
};

pub fn actionner(name: &str) -> Option<&'static Actionner> {
    ACTIONNERS.iter().find(|a| a.name.eq_ignore_ascii_case(name))
}

/// Whether a JSON object is a Talon log line: zerolog's `message` with one
/// of Talon's values, and a key only Talon writes with it (`trace_id`,
/// `actionner`, `notifier`); a notifier's line has `objects` instead of
/// `level`. Falco's own alerts have neither `message` nor `trace_id` (a
/// `match` line does carry Falco's `rule`, `priority` and `output`, which is
/// why Talon is detected before Falco).
pub fn sniff(obj: &Map<String, Value>) -> bool {
    let is_str = |k: &str| matches!(obj.get(k), Some(Value::String(_)));
    let message_ok = str_of(obj.get("message")).is_some_and(|m| MESSAGES.contains(&m));
    message_ok
        && (is_str("trace_id") || is_str("actionner") || is_str("notifier"))
        && (is_str("level") || matches!(obj.get("objects"), Some(Value::Object(_))))
}

/// One action, as a log line or a notifier's Event tells it.
#[derive(Debug, Default, Clone)]
pub struct Action {
    pub time_ns: Option<i64>,
    pub rule: Option<String>,
    pub actionner: String,
    pub action: Option<String>,
    pub status: Option<String>,
    pub result: Option<String>,
    pub error: Option<String>,
    pub output: Option<String>,
    pub trace_id: Option<String>,
    /// Keys lower-cased (stdout's spelling), sorted.
    pub objects: BTreeMap<String, String>,
    /// The Falco output Talon acted on (`event` of an action line).
    pub falco_output: Option<String>,
    pub level: Option<String>,
    pub category: Option<String>,
}

/// Parses one Talon JSON line.
pub fn parse(raw: &[u8]) -> Result<NewEvent, RecordError> {
    let value = strict::value(raw)?;
    let obj = value
        .as_object()
        .ok_or_else(|| RecordError::new("Falco Talon line is not a JSON object"))?;
    parse_line(obj)
}

fn parse_line(obj: &Map<String, Value>) -> Result<NewEvent, RecordError> {
    let s = |k: &str| str_of(obj.get(k));
    let Some(message) = s("message") else {
        return Err(RecordError::new("not a Falco Talon log line: no `message`"));
    };
    match message {
        "action" => {}
        "init" => return Err(RecordError::skipped("Falco Talon start-up line")),
        "event" => {
            return Err(RecordError::skipped("Falco event received by Talon (the alert itself is Falco's)"));
        }
        "match" => {
            return Err(RecordError::skipped(
                "Talon rule matched a Falco event (each action it took is a line of its own)",
            ));
        }
        "notification" => {
            return Err(RecordError::skipped(format!(
                "Talon notification through {} ({})",
                s("notifier").unwrap_or("a notifier"),
                s("status").unwrap_or("no status")
            )));
        }
        "output" => {
            return Err(RecordError::skipped(format!(
                "Talon stored an action's output to {} ({})",
                s("output_target").unwrap_or("an output"),
                s("status").unwrap_or("no status")
            )));
        }
        "context" => {
            return Err(RecordError::skipped("Talon could not add context to an action (the action follows)"));
        }
        other if s("level").is_some() && s("time").is_some() => {
            return Err(RecordError::skipped(format!("Falco Talon log line that records no action ({})", other)));
        }
        _ => return Err(RecordError::new("not a Falco Talon log line")),
    }
    let actionner = s("actionner").ok_or_else(|| RecordError::new("Falco Talon action line without `actionner`"))?;
    let status = s("status");
    if status.is_none() && s("error").is_none() {
        // Dry-run: the rule says what it would do, and did nothing.
        return Err(RecordError::skipped(format!("Talon dry-run of {} (no action taken)", actionner)));
    }
    let time_ns = match s("time") {
        Some(t) => Some(time::parse_rfc3339(t).ok_or_else(|| {
            RecordError::new(format!("Falco Talon line `time` is not RFC 3339: {}", t))
        })?),
        None => None,
    };
    let (objects, shape) = match obj.get("objects") {
        Some(Value::Object(m)) => (string_map(m.iter()), SHAPE_NOTIFIER),
        _ => (string_map(obj.iter().filter(|(k, _)| !LOG_KEYS.contains(&k.as_str()))), SHAPE_STDOUT),
    };
    let level = s("level");
    let error = s("error");
    let action = Action {
        time_ns,
        rule: s("rule").map(str::to_string),
        actionner: actionner.to_string(),
        action: s("action").map(str::to_string),
        // Talon logs a failed check at level error with no status.
        status: status.map(str::to_string).or_else(|| error.map(|_| "failure".to_string())),
        result: s("result").map(str::to_string),
        error: error.map(str::to_string),
        output: s("output").map(str::to_string),
        trace_id: s("trace_id").map(str::to_string),
        objects,
        falco_output: s("event").map(str::to_string),
        level: level.map(str::to_string),
        category: s("category").or_else(|| s("actionner_category")).map(str::to_string),
    };
    let mut ev = response(&action);
    ev.rank = 2;
    ev.shape = Some(shape);
    Ok(ev)
}

/// String values of a map, keys lower-cased (numbers and booleans as text).
fn string_map<'a>(entries: impl Iterator<Item = (&'a String, &'a Value)>) -> BTreeMap<String, String> {
    entries
        .filter_map(|(k, v)| {
            let v = match v {
                Value::String(s) if !entity::is_absent(s) => s.clone(),
                Value::Number(n) => n.to_string(),
                Value::Bool(b) => b.to_string(),
                _ => return None,
            };
            Some((k.to_ascii_lowercase(), v))
        })
        .collect()
}

/// `k8s.pod.name=cart-… k8s.ns.name=shop` (or `k8s_pod_name=`) in a Falco
/// output: the value after the first of these keys.
fn output_value<'a>(output: &'a str, keys: &[&str]) -> Option<&'a str> {
    output.split_whitespace().find_map(|tok| {
        let (k, v) = tok.split_once('=')?;
        (keys.contains(&k) && !entity::is_absent(v)).then_some(v)
    })
}

/// The response event of one action, whoever told it.
pub fn response(a: &Action) -> NewEvent {
    let from_output = |keys: &[&str]| a.falco_output.as_deref().and_then(|o| output_value(o, keys));
    let namespace = a.objects.get("namespace").map(String::as_str).or_else(|| from_output(&["k8s.ns.name", "k8s_ns_name"]));
    let pod_name = a.objects.get("pod").map(String::as_str).or_else(|| from_output(&["k8s.pod.name", "k8s_pod_name"]));
    let pod = namespace.zip(pod_name).and_then(|(ns, p)| entity::pod_key(ns, p));
    let target = match (&pod, a.objects.get("node")) {
        (Some(p), _) => format!("pod {}", p),
        (None, Some(n)) => format!("node {}", n),
        (None, None) => a
            .objects
            .iter()
            .find(|(k, _)| *k != "namespace")
            .map(|(k, v)| format!("{} {}", k, v))
            .unwrap_or_else(|| "its target".to_string()),
    };
    let known = actionner(&a.actionner);
    let (done, attempt) = match known {
        Some(k) => (k.done.replace("{}", &target), k.attempt.replace("{}", &target)),
        None => (format!("ran {} on {}", a.actionner, target), format!("run {} on {}", a.actionner, target)),
    };
    let status = a.status.as_deref().unwrap_or("");
    let (title, severity) = match status {
        "success" => (format!("Falco Talon {}", done), Severity::Info),
        "failure" => (format!("Falco Talon failed to {}", attempt), Severity::Low),
        "ignored" => (format!("Falco Talon did not {} (ignored)", attempt), Severity::Info),
        other => (format!("Falco Talon: {} ({})", attempt, other), Severity::Info),
    };
    let mut ev = NewEvent::new(Source::FalcoTalon, EventKind::Response, title.clone());
    ev.time_ns = a.time_ns;
    ev.severity = severity;
    ev.rule = a.rule.clone();
    let mut message = title;
    for extra in [a.error.as_deref(), a.result.as_deref(), a.output.as_deref()].into_iter().flatten() {
        message.push_str(": ");
        message.push_str(extra);
    }
    ev.message = message;
    ev.dedup_key = a.trace_id.as_ref().map(|t| {
        let objects: Vec<String> = a.objects.iter().map(|(k, v)| format!("{}={}", k, v)).collect();
        format!(
            "falco-talon|{}|{}|{}|{}",
            t,
            a.actionner.to_ascii_lowercase(),
            a.action.as_deref().unwrap_or(""),
            objects.join(",")
        )
    });

    if let Some(ns) = namespace {
        ev.entity(EntityRef::new(EntityKind::Namespace, ns, "namespace"));
    }
    if let (Some(key), Some(ns), Some(name)) = (&pod, namespace, pod_name) {
        ev.entity(EntityRef::new(EntityKind::Pod, key.clone(), "target").attr("namespace", ns).attr("name", name));
    }
    if let Some(node) = a.objects.get("node") {
        ev.entity(EntityRef::new(EntityKind::Node, node.as_str(), "node"));
    }

    ev.field("by", "Falco Talon");
    ev.field("actionner", a.actionner.as_str());
    ev.field("effect", known.map(|k| k.effect));
    ev.field("action", a.action.clone());
    ev.field("status", a.status.clone());
    ev.field("result", a.result.clone());
    ev.field("error", a.error.clone());
    ev.field("output", a.output.clone());
    ev.field("trace_id", a.trace_id.clone());
    ev.field("level", a.level.clone());
    ev.field("category", a.category.clone());
    ev.field("falco_output", a.falco_output.clone());
    ev.field("namespace", namespace);
    ev.field("pod", pod_name);
    if !a.objects.is_empty() {
        let objects: Map<String, Value> = a.objects.iter().map(|(k, v)| (k.clone(), Value::from(v.as_str()))).collect();
        ev.field("objects", objects);
    }
    for s in [Some(a.actionner.as_str()), a.action.as_deref(), a.error.as_deref(), pod.as_deref()].into_iter().flatten() {
        ev.add_search(s);
    }
    ev
}

/// A run of non-JSON lines in a Talon log. Start-up lines of the text
/// format and `kubectl logs` notices are understood (skipped); any other
/// text — an action logged as text, a stack trace — is kept verbatim as a
/// parse error: only JSON lines are read.
pub fn parse_text(text: &str) -> Result<Vec<NewEvent>, RecordError> {
    let lines: Vec<&str> = text.lines().map(str::trim).filter(|l| !l.is_empty()).collect();
    if lines.is_empty() {
        return Err(RecordError::new("not a Falco Talon line: empty text"));
    }
    if lines.iter().all(|l| start_up_line(l)) {
        return Err(RecordError::skipped("Falco Talon start-up text"));
    }
    if lines.iter().any(|l| console_line(l).is_some()) {
        return Err(RecordError::new(
            "Falco Talon text-format log (log.format text): kept verbatim; only JSON lines are read",
        ));
    }
    Err(RecordError::new("not a Falco Talon line: text that is not JSON"))
}

/// `2026-11-20T09:47:22Z INF action actionner=…`: zerolog's console
/// writer; its level and its message.
fn console_line(line: &str) -> Option<(&str, &str)> {
    let mut parts = line.splitn(4, ' ');
    let when = parts.next()?;
    let level = parts.next()?;
    let message = parts.next().unwrap_or("");
    (time::parse_rfc3339(when).is_some() && matches!(level, "DBG" | "INF" | "WRN" | "ERR" | "FTL" | "PNC"))
        .then_some((level, message))
}

fn start_up_line(line: &str) -> bool {
    line.starts_with("Defaulted container ")
        || console_line(line).is_some_and(|(level, message)| level == "INF" && message == "init")
}

#[cfg(test)]
mod tests;
