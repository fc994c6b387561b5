//! The camelCase generations: legacy flat records (≈2022: `containerId`,
//! `podName` … at the top) and nested ones (≈2023–2025: `container{}`,
//! `kubernetes{}`, `executable{}`, signature `metadata{}`).

use super::{epoch_ns, severity, technique_ids, text, Proc, Record, Signature};
use crate::attack;
use crate::entity;
use crate::formats::{str_of, type_name, u64_of, RecordError};
use serde_json::{Map, Value};

/// `eventName` and `processName`: both generations write them on every event.
pub fn sniff(obj: &Map<String, Value>) -> bool {
    obj.get("eventName").is_some_and(Value::is_string) && obj.contains_key("processName")
}

/// A finding of `tracee-rules` (the separate signature engine until 2022):
/// `SigMetadata` and the legacy event that triggered it as `Context`.
pub fn sniff_finding(obj: &Map<String, Value>) -> bool {
    obj.get("SigMetadata").is_some_and(Value::is_object)
        && obj.get("Context").and_then(Value::as_object).is_some_and(sniff)
}

/// Reads a `tracee-rules` finding: the event is its `Context`, the
/// signature its `SigMetadata` (`ID`, `Name`, `Description`, `Properties`).
pub fn read_finding(obj: &Map<String, Value>) -> Result<Record<'_>, RecordError> {
    let meta = obj.get("SigMetadata").and_then(Value::as_object).expect("sniffed");
    let context = obj.get("Context").and_then(Value::as_object).expect("sniffed");
    let mut rec = read(context)?;
    let props = meta.get("Properties").and_then(Value::as_object);
    let mut sig = signature(meta, |k| props.and_then(|p| p.get(k)), None);
    sig.id = sig.id.or_else(|| str_of(meta.get("ID")).map(str::to_string));
    sig.name = sig.name.or_else(|| str_of(meta.get("Name")).map(str::to_string));
    sig.triggered_by = Some(rec.event_name.clone());
    rec.event_name = str_of(meta.get("EventName"))
        .or(sig.id.as_deref())
        .unwrap_or("tracee-rules finding")
        .to_string();
    if let Some(data) = obj.get("Data").filter(|d| d.as_object().is_some_and(|o| !o.is_empty())) {
        rec.extra.push(("finding_data", data.clone()));
    }
    rec.signature = Some(sig);
    Ok(rec)
}

/// Keys only the nested generation writes.
const NESTED_KEYS: &[&str] = &[
    "executable",
    "container",
    "kubernetes",
    "matchedPolicies",
    "processEntityId",
    "threadEntityId",
    "parentEntityId",
];

pub fn read(obj: &Map<String, Value>) -> Result<Record<'_>, RecordError> {
    let nested = NESTED_KEYS.iter().any(|k| obj.get(*k).is_some_and(|v| !v.is_null()))
        || obj.get("metadata").is_some_and(Value::is_object);
    let event_name = obj
        .get("eventName")
        .and_then(Value::as_str)
        .filter(|s| !s.trim().is_empty())
        .ok_or_else(|| RecordError::new("eventName is empty"))?;
    let mut rec = Record {
        generation: if nested { "nested" } else { "legacy" },
        event_name: event_name.to_string(),
        ..Record::default()
    };
    rec.time_ns = Some(match obj.get("timestamp") {
        None | Some(Value::Null) => return Err(RecordError::new("no timestamp")),
        Some(Value::Number(n)) => match n.as_u64() {
            Some(ns) => epoch_ns(ns, "timestamp")?,
            None => {
                return Err(RecordError::new(format!(
                    "timestamp {} is not an integer of epoch nanoseconds",
                    n
                )))
            }
        },
        Some(v) => {
            return Err(RecordError::new(format!(
                "timestamp is {}, not an integer of epoch nanoseconds",
                type_name(v)
            )))
        }
    });
    rec.event_id = obj.get("eventId").filter(|v| !v.is_null()).cloned();

    // --- the process ---------------------------------------------------------
    rec.process = Proc {
        host_pid: u64_of(obj.get("hostProcessId")),
        pid: u64_of(obj.get("processId")),
        host_tid: u64_of(obj.get("hostThreadId")),
        tid: u64_of(obj.get("threadId")),
        comm: text(obj, "processName"),
        exe: obj
            .get("executable")
            .and_then(|e| str_of(e.get("path")))
            .map(str::to_string),
        entity_id: u64_of(obj.get("processEntityId")),
        start_time: obj.get("threadStartTime").filter(|v| !v.is_null()).cloned(),
    };
    rec.parent = Proc {
        host_pid: u64_of(obj.get("hostParentProcessId")),
        pid: u64_of(obj.get("parentProcessId")),
        entity_id: u64_of(obj.get("parentEntityId")),
        ..Proc::default()
    };
    rec.uid = u64_of(obj.get("userId"));
    rec.uts_hostname = text(obj, "hostName");
    rec.syscall = text(obj, "syscall");
    rec.return_value = obj.get("returnValue").filter(|v| !v.is_null()).cloned();
    for (field, key) in [
        ("cgroup_id", "cgroupId"),
        ("mount_ns", "mountNamespace"),
        ("pid_ns", "pidNamespace"),
        ("processor_id", "processorId"),
        ("thread_entity_id", "threadEntityId"),
    ] {
        if let Some(v) = obj.get(key).filter(|v| !v.is_null()) {
            rec.extra.push((field, v.clone()));
        }
    }
    if let Some(flags) = obj.get("contextFlags").and_then(Value::as_object) {
        if let Some(started) = flags.get("containerStarted").and_then(Value::as_bool) {
            rec.extra.push(("container_started", Value::Bool(started)));
        }
    }
    if let Some(Value::Array(p)) = obj.get("matchedPolicies") {
        rec.policies = p.iter().filter_map(|v| str_of(Some(v))).collect();
    } else if let Some(Value::Array(p)) = obj.get("matchedScopes") {
        rec.policies = p.iter().filter_map(|v| str_of(Some(v))).collect();
    }

    // --- the container and the pod: nested objects, else the flat keys ---------
    let container = obj.get("container").and_then(Value::as_object);
    let from_container = |k: &str| container.and_then(|c| text(c, k));
    rec.container_id = from_container("id")
        .or_else(|| text(obj, "containerId"))
        .and_then(entity::container_id);
    rec.container_name = from_container("name").or_else(|| text(obj, "containerName"));
    rec.image = from_container("image").or_else(|| text(obj, "containerImage"));
    rec.image_digest = from_container("imageDigest")
        .or_else(|| text(obj, "containerImageDigest"))
        .map(|d| d.rsplit('@').next().unwrap_or(d).to_ascii_lowercase());
    let k8s = obj.get("kubernetes").and_then(Value::as_object);
    let from_k8s = |k: &str| k8s.and_then(|c| text(c, k));
    rec.pod_name = from_k8s("podName").or_else(|| text(obj, "podName"));
    rec.pod_namespace = from_k8s("podNamespace").or_else(|| text(obj, "podNamespace"));
    rec.pod_uid = from_k8s("podUID").or_else(|| text(obj, "podUID"));

    // --- arguments, and the signature's trigger --------------------------------
    let args = match obj.get("args") {
        None | Some(Value::Null) => &[][..],
        Some(Value::Array(a)) => a.as_slice(),
        Some(v) => return Err(RecordError::new(format!("args is {}, not an array", type_name(v)))),
    };
    let mut trigger: Option<&Map<String, Value>> = None;
    for (i, arg) in args.iter().enumerate() {
        let a = arg
            .as_object()
            .ok_or_else(|| RecordError::new(format!("args[{}] is {}, not an object", i, type_name(arg))))?;
        let name = str_of(a.get("name")).unwrap_or("").to_string();
        let value = a.get("value").cloned().unwrap_or(Value::Null);
        if name == "triggeredBy" {
            trigger = a.get("value").and_then(Value::as_object);
            continue;
        }
        rec.args.push((name, value));
    }

    if let Some(meta) = obj.get("metadata").and_then(Value::as_object) {
        let props = meta.get("Properties").and_then(Value::as_object);
        let prop = |k: &str| props.and_then(|p| p.get(k));
        let is_signature = props.is_some_and(|p| {
            p.contains_key("signatureID") || p.contains_key("signatureName") || p.contains_key("Severity")
        });
        if is_signature {
            rec.signature = Some(signature(meta, prop, trigger));
            if let Some(t) = trigger {
                for arg in t.get("args").and_then(Value::as_array).into_iter().flatten() {
                    if let Some(name) = str_of(arg.get("name")) {
                        if !rec.args.iter().any(|(n, _)| n == name) {
                            rec.args.push((name.to_string(), arg.get("value").cloned().unwrap_or(Value::Null)));
                        }
                    }
                }
            }
        }
    }
    Ok(rec)
}

fn signature<'a>(
    meta: &'a Map<String, Value>,
    prop: impl Fn(&str) -> Option<&'a Value>,
    trigger: Option<&'a Map<String, Value>>,
) -> Signature {
    let s = |v: Option<&Value>| str_of(v).map(str::to_string);
    let mut sig = Signature {
        id: s(prop("signatureID")),
        name: s(prop("signatureName")),
        description: s(meta.get("Description")),
        severity: severity(prop("Severity")),
        category: s(prop("Category")),
        technique_name: s(prop("Technique")),
        kubernetes_technique: s(prop("Kubernetes_Technique")),
        triggered_by: trigger.and_then(|t| str_of(t.get("name"))).map(str::to_string),
        ..Signature::default()
    };
    if let Some(t) = sig.category.as_deref().and_then(attack::tactic_id) {
        sig.tactics.push(t.to_string());
    }
    sig.techniques = technique_ids(prop("external_id"));
    // Older signatures: `"MITRE ATT&CK": "Discovery: Cloud Service Discovery"`.
    if let Some(mitre) = str_of(prop("MITRE ATT&CK")) {
        let (tactic, technique) = mitre.split_once(':').unwrap_or((mitre, ""));
        if let Some(t) = attack::tactic_id(tactic.trim()) {
            if !sig.tactics.iter().any(|x| x == t) {
                sig.tactics.push(t.to_string());
            }
        }
        if sig.technique_name.is_none() && !technique.trim().is_empty() {
            sig.technique_name = Some(technique.trim().to_string());
        }
        if sig.category.is_none() {
            sig.category = Some(tactic.trim().to_string());
        }
    }
    sig
}
