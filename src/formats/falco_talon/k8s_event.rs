//! The core/v1 `Event`s Talon's `k8sevents` notifier writes, one per action:
//! `source.component` and `reportingInstance` `falco-talon`,
//! `reportingController` (core/v1 JSON: `reportingComponent`)
//! `falcosecurity.org/falco-talon`, `reason`
//! `falco-talon:<actionner>:<status>`, the involved object the pod, and a
//! message of `Key: value` lines (Status, Message, Rule, Action, Actionner,
//! Event, one line per object, Error, Result, Output, TraceID; cut at 1024
//! bytes).
//!
//! Kordon reads `Event`s as the cluster's own (`k8s-event`); one of these is
//! Talon telling what it did, so the Kubernetes reader hands it here
//! ([`recognise`]) and it becomes the same response as the log line of that
//! action — the same dedup key when the message kept its TraceID, with the
//! log line's fields winning (rank 1 against 2).

use super::{response, Action, SHAPE_K8S_EVENT};
use crate::formats::str_of;
use crate::model::NewEvent;
use crate::time::parse_rfc3339;
use serde_json::{Map, Value};

const CONTROLLER: &str = "falcosecurity.org/falco-talon";
const COMPONENT: &str = "falco-talon";

/// The message's keys that are not objects.
const KEYS: &[&str] = &["Status", "Message", "Rule", "Action", "Actionner", "Event", "Error", "Result", "Output", "TraceID"];

/// Whether a Kubernetes `Event` was written by Talon's notifier.
pub fn is_talon(obj: &Map<String, Value>) -> bool {
    let source = obj.get("source").and_then(Value::as_object).and_then(|s| str_of(s.get("component")));
    // core/v1 writes the controller as `reportingComponent`, events.k8s.io/v1
    // as `reportingController`.
    let controller = str_of(obj.get("reportingComponent")).or_else(|| str_of(obj.get("reportingController")));
    controller == Some(CONTROLLER)
        || source == Some(COMPONENT)
        || str_of(obj.get("reason")).is_some_and(|r| r.starts_with("falco-talon:"))
}

/// The response event of a Talon `Event` (`None`: not Talon's).
pub fn recognise(obj: &Map<String, Value>, meta: &Map<String, Value>) -> Option<NewEvent> {
    if !is_talon(obj) {
        return None;
    }
    let involved = obj.get("involvedObject").or_else(|| obj.get("regarding")).and_then(Value::as_object);
    let inv = |k: &str| involved.and_then(|i| str_of(i.get(k)));
    let reason = str_of(obj.get("reason")).unwrap_or("");
    // `falco-talon:kubernetes:terminate:failure`: the actionner has a colon.
    let (reason_actionner, reason_status) = reason
        .strip_prefix("falco-talon:")
        .and_then(|r| r.rsplit_once(':'))
        .map(|(a, s)| (Some(a), Some(s)))
        .unwrap_or((None, None));
    let message = str_of(obj.get("message")).or_else(|| str_of(obj.get("note"))).unwrap_or("");
    let lines = Lines::read(message);

    let mut a = Action {
        time_ns: ["eventTime", "lastTimestamp", "firstTimestamp"]
            .iter()
            .filter_map(|k| str_of(obj.get(*k)))
            .chain(str_of(meta.get("creationTimestamp")))
            .find_map(parse_rfc3339),
        rule: lines.get("Rule"),
        actionner: lines
            .get("Actionner")
            .or_else(|| reason_actionner.map(str::to_string))
            .or_else(|| str_of(obj.get("action")).map(str::to_string))
            .unwrap_or_else(|| "unknown".to_string()),
        action: lines.get("Action"),
        status: lines.get("Status").or_else(|| reason_status.map(str::to_string)),
        result: lines.get("Result"),
        error: lines.get("Error"),
        output: lines.output.clone(),
        trace_id: lines.get("TraceID"),
        objects: lines.objects.clone(),
        falco_output: lines.get("Event"),
        ..Action::default()
    };
    // The involved object is the pod, when the message was cut before it.
    if inv("kind") == Some("Pod") {
        for (key, field) in [("pod", "name"), ("namespace", "namespace")] {
            if let Some(v) = inv(field) {
                a.objects.entry(key.to_string()).or_insert_with(|| v.to_string());
            }
        }
    }
    let mut ev = response(&a);
    ev.rank = 1;
    ev.shape = Some(SHAPE_K8S_EVENT);
    ev.field("via", "k8sevents");
    ev.field("k8s_event_name", str_of(meta.get("name")));
    ev.field("k8s_event_uid", str_of(meta.get("uid")));
    ev.field("reason", Some(reason).filter(|r| !r.is_empty()));
    Some(ev)
}

/// The message's `Key: value` lines.
#[derive(Default)]
struct Lines {
    known: Vec<(&'static str, String)>,
    objects: std::collections::BTreeMap<String, String>,
    output: Option<String>,
}

impl Lines {
    fn read(message: &str) -> Lines {
        let mut out = Lines::default();
        let mut output: Option<Vec<&str>> = None;
        for line in message.lines() {
            let pair = line.split_once(':').map(|(k, v)| (k.trim(), v.trim()));
            let known = pair.and_then(|(k, v)| KEYS.iter().find(|x| **x == k).map(|k| (*k, v)));
            match (known, output.as_mut()) {
                // The output runs until the TraceID line.
                (Some(("TraceID", v)), _) => {
                    out.known.push(("TraceID", v.to_string()));
                    if let Some(o) = output.take() {
                        out.output = Some(o.join("\n").trim().to_string()).filter(|o| !o.is_empty());
                    }
                }
                (_, Some(o)) => o.push(line),
                (Some(("Output", v)), None) => output = Some(vec![v]),
                (Some((k, v)), None) => out.known.push((k, v.to_string())),
                (None, None) => {
                    if let Some((k, v)) = pair.filter(|(k, v)| !k.is_empty() && !k.contains(' ') && !v.is_empty()) {
                        out.objects.insert(k.to_ascii_lowercase(), v.to_string());
                    }
                }
            }
        }
        if let Some(o) = output {
            out.output = Some(o.join("\n").trim().to_string()).filter(|o| !o.is_empty());
        }
        out
    }

    fn get(&self, key: &str) -> Option<String> {
        self.known.iter().find(|(k, _)| *k == key).map(|(_, v)| v.clone()).filter(|v| !v.is_empty())
    }
}
