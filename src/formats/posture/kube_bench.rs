//! kube-bench `--json`: an object `{"Controls": […], "Totals": {…}}` (the
//! framing expands `Controls`), a bare array of controls (older releases),
//! or control objects one after another (one per target).
//!
//! A control is one part of the CIS benchmark for one node type (`master`,
//! `node`, `etcd`, `controlplane`, `policies`), its tests grouped by
//! section. kube-bench gives no severity: a failed *scored* test is
//! medium, an unscored one low. `WARN` means "check by hand" and is only
//! counted. The report names no host and no time; the file does (its
//! name, the bundle's manifest), and the case keeps both.

use super::{objects, text, Failure, Report};
use crate::formats::{strict, RecordError};
use crate::model::{NewEvent, Severity, Source};
use serde_json::{Map, Value};

/// One control object: `id`, `text`, `node_type` and `tests`.
pub fn sniff(obj: &Map<String, Value>) -> bool {
    let controls = obj.get("Controls").and_then(Value::as_array).is_some_and(|c| c.iter().all(|x| x.as_object().is_some_and(is_control)));
    controls || is_control(obj)
}

fn is_control(obj: &Map<String, Value>) -> bool {
    obj.get("node_type").is_some_and(Value::is_string) && obj.get("tests").is_some_and(|t| t.is_array() || t.is_null()) && obj.contains_key("text")
}

pub fn parse(raw: &[u8]) -> Result<NewEvent, RecordError> {
    let value = strict::value(raw)?;
    let obj = value.as_object().ok_or_else(|| RecordError::new("kube-bench control is not a JSON object"))?;
    let mut report = Report::default();
    if let Some(list) = obj.get("Controls").and_then(Value::as_array) {
        // The whole object, when it came as one record (too small to expand, or read alone).
        for (i, c) in list.iter().enumerate() {
            let c = c.as_object().ok_or_else(|| RecordError::new(format!("kube-bench: Controls[{}] is not an object", i)))?;
            control(c, &mut report)?;
        }
        return Ok(report.into_event(Source::KubeBench, "kube-bench", &format!("report of {} controls", list.len()), "kube-bench-report"));
    }
    let label = control(obj, &mut report)?;
    Ok(report.into_event(Source::KubeBench, "kube-bench", &label, "kube-bench-controls"))
}

/// Reads one control's tests into `report`; returns "CIS 1.8 section 5 (Kubernetes Policies, policies)".
fn control(obj: &Map<String, Value>, report: &mut Report) -> Result<String, RecordError> {
    let node_type = text(obj, "node_type").ok_or_else(|| RecordError::new("kube-bench control without `node_type`"))?;
    let id = text(obj, "id").unwrap_or("?");
    let version = text(obj, "version").unwrap_or("");
    let title = text(obj, "text").unwrap_or("");
    for group in objects(obj, "tests") {
        let section = text(group, "section").unwrap_or(id);
        for r in objects(group, "results") {
            let number = text(r, "test_number").unwrap_or(section);
            let desc = text(r, "test_desc").unwrap_or(number);
            match r.get("status").and_then(Value::as_str).unwrap_or("") {
                "PASS" => report.passed += 1,
                "FAIL" => {
                    let scored = r.get("scored").and_then(Value::as_bool).unwrap_or(false);
                    let mut detail = format!("{} check {} failed", node_type, number);
                    if let Some(a) = text(r, "actual_value") {
                        detail.push_str(&format!(": found {}", a.lines().next().unwrap_or(a)));
                    }
                    if let Some(e) = text(r, "expected_result") {
                        detail.push_str(&format!(", expected {}", e));
                    }
                    if let Some(a) = text(r, "audit") {
                        detail.push_str(&format!(" (audit: {})", a));
                    }
                    report.failures.push(Failure {
                        // The number is the benchmark's: 5.3.2 is not the same check in cis-1.9 and aks-1.7.
                        control: if version.is_empty() { number.to_string() } else { format!("{}:{}", version, number) },
                        name: desc.to_string(),
                        severity: if scored { Severity::Medium } else { Severity::Low },
                        namespace: None,
                        kind: None,
                        resource: None,
                        detail,
                        fix: text(r, "remediation").unwrap_or("").to_string(),
                    });
                }
                "" => return Err(RecordError::new(format!("kube-bench test {} has no `status`", number))),
                _ => report.by_hand += 1,
            }
        }
    }
    let bench = if version.is_empty() { String::new() } else { format!("{} ", version) };
    Ok(format!("{}section {} ({}, {} nodes)", bench, id, title, node_type))
}
