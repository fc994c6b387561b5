//! The `v1beta1` generation: Tracee's protobuf `Event` as JSON (`name`,
//! `workload{process, container, k8s}`, `data[]`, `threat{}`,
//! `detected_from{}`).
//!
//! Protobuf JSON wraps what the API declares as wrapper types
//! (`host_pid: {"value": 2292803}`) where Tracee's own fast marshaler writes
//! the number; a `data[]` item holds its value under a key named after its
//! type (`str`, `int32`, `str_array: {value: […]}`, `sockaddr`) where the
//! fast marshaler writes `value`. Both spellings are read.

use super::{epoch_ns, num, severity, technique_ids, text, Proc, Record, Signature};
use crate::attack;
use crate::entity;
use crate::formats::{str_of, type_name, RecordError};
use crate::time;
use serde_json::{Map, Value};

/// `name` and a `workload` object.
pub fn sniff(obj: &Map<String, Value>) -> bool {
    obj.get("name").is_some_and(Value::is_string) && obj.get("workload").is_some_and(Value::is_object)
}

pub fn read(obj: &Map<String, Value>) -> Result<Record<'_>, RecordError> {
    let name = str_of(obj.get("name")).ok_or_else(|| RecordError::new("name is empty"))?;
    let mut rec = Record { generation: "v1beta1", event_name: name.to_string(), ..Record::default() };
    rec.time_ns = Some(timestamp(obj.get("timestamp"))?);
    rec.event_id = obj.get("id").filter(|v| !v.is_null()).cloned();
    let workload = obj.get("workload").and_then(Value::as_object).expect("sniffed");

    // --- the process and its nearest ancestor ----------------------------------
    let process = object(workload, "process")?;
    if let Some(p) = process {
        rec.process = proc_of(p);
        let thread = p.get("thread").and_then(Value::as_object);
        rec.syscall = thread.and_then(|t| text(t, "syscall"));
        rec.uid = p.get("real_user").and_then(|u| num(u.get("id")));
        if let Some(a) = p.get("ancestors").and_then(Value::as_array).and_then(|a| a.first()).and_then(Value::as_object) {
            rec.parent = proc_of(a);
        }
    }

    // --- container and pod ---------------------------------------------------------
    if let Some(c) = object(workload, "container")? {
        rec.container_id = text(c, "id").and_then(entity::container_id);
        rec.container_name = text(c, "name");
        match c.get("image") {
            Some(Value::Object(image)) => {
                rec.image = text(image, "name");
                let digest = image
                    .get("repo_digests")
                    .and_then(Value::as_array)
                    .and_then(|d| d.iter().find_map(|x| str_of(Some(x))))
                    .and_then(|d| d.split_once('@').map(|(_, d)| d))
                    .or_else(|| text(image, "id").filter(|i| i.starts_with("sha256:")));
                rec.image_digest = digest.map(str::to_ascii_lowercase);
            }
            Some(Value::String(s)) if !entity::is_absent(s) => rec.image = Some(s.as_str()),
            _ => {}
        }
    }
    // `workload.k8s.{pod, namespace}` as the API declares it; `workload.pod`
    // with its namespace inside in some exporters.
    let k8s = object(workload, "k8s")?;
    let pod = match k8s {
        Some(k) => k.get("pod").and_then(Value::as_object),
        None => object(workload, "pod")?,
    };
    if let Some(pod) = pod {
        rec.pod_name = text(pod, "name");
        rec.pod_uid = text(pod, "uid");
        rec.pod_labels = pod.get("labels").filter(|l| l.as_object().is_some_and(|o| !o.is_empty())).cloned();
    }
    rec.pod_namespace = namespace(k8s).or_else(|| namespace(pod)).or_else(|| namespace(Some(workload)));

    if let Some(Value::Array(m)) = obj.get("policies").and_then(|p| p.get("matched")) {
        rec.policies = m.iter().filter_map(|v| str_of(Some(v))).collect();
    }

    // --- data, threat, and what it was detected from ------------------------------
    rec.args = data(obj.get("data"), "data")?;
    let detected = object(obj, "detected_from")?;
    if let Some(threat) = object(obj, "threat")? {
        let props = threat.get("properties").and_then(Value::as_object);
        let prop = |k: &str| props.and_then(|p| str_of(p.get(k))).map(str::to_string);
        let mitre = threat.get("mitre").and_then(Value::as_object);
        let tactic = mitre.and_then(|m| m.get("tactic")).and_then(|t| str_of(t.get("name")));
        let technique = mitre.and_then(|m| m.get("technique")).and_then(Value::as_object);
        let mut sig = Signature {
            id: prop("signatureID").or_else(|| prop("signature_id")),
            name: str_of(threat.get("name")).map(str::to_string).or_else(|| prop("signatureName")),
            description: str_of(threat.get("description")).map(str::to_string),
            severity: severity(threat.get("severity")),
            category: tactic.map(str::to_string).or_else(|| prop("Category")),
            technique_name: technique.and_then(|t| text(t, "name")).map(str::to_string),
            kubernetes_technique: prop("Kubernetes_Technique"),
            triggered_by: detected.and_then(|d| text(d, "name")).map(str::to_string),
            ..Signature::default()
        };
        if let Some(t) = sig.category.as_deref().and_then(attack::tactic_id) {
            sig.tactics.push(t.to_string());
        }
        sig.techniques = technique_ids(technique.and_then(|t| t.get("id")));
        for t in technique_ids(props.and_then(|p| p.get("external_id"))) {
            if !sig.techniques.contains(&t) {
                sig.techniques.push(t);
            }
        }
        rec.signature = Some(sig);
    }
    if let Some(d) = detected {
        rec.extra.push(("detected_from_id", d.get("id").cloned().unwrap_or(Value::Null)));
        for (name, value) in data(d.get("data"), "detected_from.data")? {
            if !rec.args.iter().any(|(n, _)| *n == name) {
                rec.args.push((name, value));
            }
        }
    }
    Ok(rec)
}

/// The namespace an object names: `namespace: {name}` or a plain string.
fn namespace(o: Option<&Map<String, Value>>) -> Option<&str> {
    o.and_then(|o| match o.get("namespace") {
        Some(Value::Object(ns)) => text(ns, "name"),
        v => str_of(v),
    })
}

/// A member that must be an object when present.
fn object<'a>(obj: &'a Map<String, Value>, key: &str) -> Result<Option<&'a Map<String, Value>>, RecordError> {
    match obj.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Object(o)) => Ok(Some(o)),
        Some(v) => Err(RecordError::new(format!("{} is {}, not an object", key, type_name(v)))),
    }
}

fn proc_of(p: &Map<String, Value>) -> Proc<'_> {
    let thread = p.get("thread").and_then(Value::as_object);
    Proc {
        host_pid: num(p.get("host_pid")),
        pid: num(p.get("pid")),
        host_tid: thread.and_then(|t| num(t.get("host_tid"))),
        tid: thread.and_then(|t| num(t.get("tid"))),
        comm: thread.and_then(|t| text(t, "name")),
        exe: p.get("executable").and_then(|e| str_of(e.get("path"))).map(str::to_string),
        entity_id: num(p.get("unique_id")),
        start_time: thread.and_then(|t| t.get("start_time")).filter(|v| !v.is_null()).cloned(),
    }
}

/// A protobuf `Timestamp`: `{seconds: "…", nanos: n}`, or the RFC 3339 text
/// Tracee's own marshaler writes.
fn timestamp(v: Option<&Value>) -> Result<i64, RecordError> {
    match v {
        None | Some(Value::Null) => Err(RecordError::new("no timestamp")),
        Some(Value::String(s)) => {
            time::parse_rfc3339(s).ok_or_else(|| RecordError::new(format!("timestamp {:?} is not RFC 3339", s)))
        }
        Some(Value::Object(o)) => {
            let seconds = crate::formats::u64_of(o.get("seconds")).ok_or_else(|| {
                RecordError::new("timestamp.seconds is not an integer (a string of digits in protobuf JSON)")
            })?;
            let nanos = match o.get("nanos") {
                None | Some(Value::Null) => 0,
                Some(n) => n
                    .as_u64()
                    .filter(|n| *n < 1_000_000_000)
                    .ok_or_else(|| RecordError::new(format!("timestamp.nanos {} is not 0–999999999", n)))?,
            };
            let ns = seconds
                .checked_mul(1_000_000_000)
                .and_then(|s| s.checked_add(nanos))
                .ok_or_else(|| RecordError::new("timestamp is out of range"))?;
            epoch_ns(ns, "timestamp")
        }
        Some(v) => Err(RecordError::new(format!("timestamp is {}, not a protobuf Timestamp", type_name(v)))),
    }
}

/// `data[]`: `{name, <one typed value key>}`; array types wrap their items
/// (`str_array: {value: […]}`).
fn data(v: Option<&Value>, what: &str) -> Result<Vec<(String, Value)>, RecordError> {
    let items = match v {
        None | Some(Value::Null) => return Ok(Vec::new()),
        Some(Value::Array(a)) => a,
        Some(v) => return Err(RecordError::new(format!("{} is {}, not an array", what, type_name(v)))),
    };
    let mut out = Vec::new();
    for (i, item) in items.iter().enumerate() {
        let o = item
            .as_object()
            .ok_or_else(|| RecordError::new(format!("{}[{}] is {}, not an object", what, i, type_name(item))))?;
        let name = str_of(o.get("name")).unwrap_or("").to_string();
        let value = o
            .iter()
            .find(|(k, _)| k.as_str() != "name")
            .map(|(k, v)| match v {
                Value::Object(w) if w.len() == 1 && k.ends_with("_array") => w.get("value").cloned().unwrap_or(Value::Null),
                v => v.clone(),
            })
            .unwrap_or(Value::Null);
        out.push((name, value));
    }
    Ok(out)
}
