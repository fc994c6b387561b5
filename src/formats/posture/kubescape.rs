//! Kubescape `scan --format json`: one report object — per-resource
//! `results` (each control's status on that resource), the scanned
//! `resources` (their objects, when kept), and `summaryDetails` (each
//! control's name and `scoreFactor`).
//!
//! A control's status is an object `{status, subStatus}` in current
//! releases and a bare string in older ones. Kubescape's severity is its
//! `scoreFactor` (1–10): 1–3 low, 4–6 medium, 7–8 high, 9–10 critical, as
//! its documentation buckets it. A resource id is
//! `group/version/namespace/kind/name` (namespace empty for cluster-scoped
//! objects; no group for the core API).

use super::{objects, severity_word, text, Failure, Report};
use crate::formats::{strict, RecordError};
use crate::model::{NewEvent, Severity, Source};
use serde_json::{Map, Value};

pub fn sniff(obj: &Map<String, Value>) -> bool {
    obj.get("summaryDetails").is_some_and(Value::is_object) && (obj.contains_key("results") || obj.contains_key("reportGUID"))
}

pub fn parse(raw: &[u8]) -> Result<NewEvent, RecordError> {
    let value = strict::value(raw)?;
    let obj = value.as_object().ok_or_else(|| RecordError::new("Kubescape report is not a JSON object"))?;
    let mut report = Report {
        cluster: text(obj, "clusterName").map(str::to_string),
        time_ns: text(obj, "generationTime").and_then(crate::time::parse_rfc3339),
        ..Report::default()
    };
    let summary = obj.get("summaryDetails").and_then(|s| s.get("controls")).and_then(Value::as_object);
    let kinds: std::collections::HashMap<&str, (Option<&str>, &str, &str)> = objects(obj, "resources")
        .filter_map(|r| {
            let o = r.get("object")?.as_object()?;
            let meta = o.get("metadata")?.as_object()?;
            Some((text(r, "resourceID")?, (text(meta, "namespace"), text(o, "kind")?, text(meta, "name")?)))
        })
        .collect();
    let mut n = 0;
    for (i, r) in objects(obj, "results").enumerate() {
        let id = text(r, "resourceID").ok_or_else(|| RecordError::new(format!("Kubescape results[{}] has no `resourceID`", i)))?;
        let (namespace, kind, name) = kinds.get(id).copied().unwrap_or_else(|| from_resource_id(id));
        n += 1;
        for c in objects(r, "controls") {
            let control = text(c, "controlID").ok_or_else(|| RecordError::new(format!("Kubescape {}: a control without `controlID`", id)))?;
            let status = match c.get("status") {
                Some(Value::Object(s)) => text(s, "status"),
                Some(Value::String(s)) => Some(s.as_str()),
                _ => None,
            };
            match status {
                Some("passed") => report.passed += 1,
                Some("failed") => {
                    let info = summary.and_then(|s| s.get(control)).and_then(Value::as_object);
                    let cname = text(c, "name").or_else(|| info.and_then(|i| text(i, "name"))).unwrap_or(control);
                    report.failures.push(Failure {
                        control: control.to_string(),
                        name: cname.to_string(),
                        severity: info.map(severity_of).unwrap_or(Severity::Medium),
                        namespace: namespace.map(str::to_string),
                        kind: Some(kind.to_string()),
                        resource: Some(name.to_string()),
                        detail: failed_paths(c).unwrap_or_else(|| format!("{} fails on {}", cname, id)),
                        fix: fix_paths(c).unwrap_or_default(),
                    });
                }
                Some(_) => report.by_hand += 1,
                None => return Err(RecordError::new(format!("Kubescape {}: control {} has no status", id, control))),
            }
        }
    }
    Ok(report.into_event(Source::Kubescape, "Kubescape", &format!("report of {} resources", n), "kubescape-report"))
}

/// `apps/v1/shop/Deployment/cart`, `/v1/shop/Pod/x`, `rbac.authorization.k8s.io/v1//ClusterRole/admin`.
fn from_resource_id(id: &str) -> (Option<&str>, &str, &str) {
    let parts: Vec<&str> = id.rsplitn(4, '/').collect();
    match parts.as_slice() {
        [name, kind, ns, ..] => (Some(*ns).filter(|s| !s.is_empty()), kind, name),
        [name, kind] => (None, kind, name),
        _ => (None, "object", id),
    }
}

fn severity_of(info: &Map<String, Value>) -> Severity {
    if let Some(s) = text(info, "severity") {
        return severity_word(Some(s));
    }
    match info.get("scoreFactor").and_then(Value::as_f64) {
        Some(f) if f >= 9.0 => Severity::Critical,
        Some(f) if f >= 7.0 => Severity::High,
        Some(f) if f >= 4.0 => Severity::Medium,
        Some(f) if f >= 1.0 => Severity::Low,
        _ => Severity::Medium,
    }
}

/// The paths the control's rules failed on: "failed at spec.template….runAsNonRoot".
fn failed_paths(c: &Map<String, Value>) -> Option<String> {
    let mut paths = Vec::new();
    for rule in objects(c, "rules") {
        for p in objects(rule, "paths") {
            for k in ["failedPath", "reviewPath", "deletePath"] {
                if let Some(x) = text(p, k) {
                    paths.push(x.to_string());
                }
            }
        }
    }
    (!paths.is_empty()).then(|| format!("failed at {}", paths.join(", ")))
}

/// The fixes the rules propose: "set spec.….runAsNonRoot to true".
fn fix_paths(c: &Map<String, Value>) -> Option<String> {
    let mut fixes = Vec::new();
    for rule in objects(c, "rules") {
        for p in objects(rule, "paths") {
            if let Some(f) = p.get("fixPath").and_then(Value::as_object) {
                if let (Some(path), Some(value)) = (text(f, "path"), text(f, "value")) {
                    fixes.push(format!("set {} to {}", path, value));
                }
            }
        }
    }
    (!fixes.is_empty()).then(|| {
        let mut s = fixes.join("; ");
        if let Some(first) = s.get_mut(0..1) {
            first.make_ascii_uppercase();
        }
        s.push('.');
        s
    })
}
