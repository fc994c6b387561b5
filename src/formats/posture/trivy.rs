//! `trivy k8s --format json`: the current layout (`{"ClusterName", "Resources": […]}`,
//! each resource a record once the framing expands `Resources`) and the
//! older one (`Vulnerabilities` and `Misconfigurations`, each a list of
//! resources, read as one record).
//!
//! A resource's results are of three classes: `config` (misconfigurations,
//! `KSVnnn`), `os-pkgs`/`lang-pkgs` (an image's vulnerabilities) and
//! `secret`. Each failed misconfiguration is a failure; an image's
//! vulnerabilities are one failure per image, worst severity first, the
//! fixable ones named; a secret is named by its rule, never by the text
//! Trivy matched (it is the secret).

use super::{objects, severity_word, text, Failure, Report};
use crate::formats::{strict, RecordError};
use crate::model::{NewEvent, Severity, Source};
use serde_json::{Map, Value};

/// A whole report (either layout) or one item of its `Resources`.
pub fn sniff(obj: &Map<String, Value>) -> bool {
    let list = |k: &str| obj.get(k).is_some_and(Value::is_array);
    (obj.contains_key("ClusterName") && (list("Resources") || list("Vulnerabilities") || list("Misconfigurations"))) || is_resource(obj)
}

/// One scanned resource: `Kind`, `Name`, and `Results` or `Error`.
fn is_resource(obj: &Map<String, Value>) -> bool {
    obj.get("Kind").is_some_and(Value::is_string)
        && obj.get("Name").is_some_and(Value::is_string)
        && (obj.get("Results").is_some_and(|r| r.is_array() || r.is_null()) || obj.get("Error").is_some_and(Value::is_string))
        && !obj.contains_key("apiVersion")
}

/// Parses a report or one of its resources; `cluster` is the report's
/// `ClusterName` when the record is a resource the framing took out of it.
pub fn parse(raw: &[u8], cluster: Option<&str>) -> Result<NewEvent, RecordError> {
    let value = strict::value(raw)?;
    let obj = value.as_object().ok_or_else(|| RecordError::new("Trivy report is not a JSON object"))?;
    let mut report = Report { cluster: text(obj, "ClusterName").or(cluster).map(str::to_string), ..Report::default() };
    if is_resource(obj) {
        let label = resource(obj, &mut report)?;
        return Ok(report.into_event(Source::Trivy, "Trivy", &label, "trivy-resources"));
    }
    let layout = if obj.contains_key("Resources") { "Resources" } else { "Vulnerabilities" };
    let keys: &[&str] = if layout == "Resources" { &["Resources"] } else { &["Vulnerabilities", "Misconfigurations"] };
    let mut n = 0;
    for key in keys {
        for (i, r) in obj.get(*key).and_then(Value::as_array).into_iter().flatten().enumerate() {
            let r = r.as_object().ok_or_else(|| RecordError::new(format!("Trivy report: {}[{}] is not an object", key, i)))?;
            resource(r, &mut report).map_err(|e| RecordError::new(format!("Trivy report: {}[{}]: {}", key, i, e.reason)))?;
            n += 1;
        }
    }
    let shape = if layout == "Resources" { "trivy-report" } else { "trivy-report-legacy" };
    Ok(report.into_event(Source::Trivy, "Trivy", &format!("report of {} resources", n), shape))
}

/// Reads one resource's results into `report`; returns its label.
fn resource(obj: &Map<String, Value>, report: &mut Report) -> Result<String, RecordError> {
    let kind = text(obj, "Kind").ok_or_else(|| RecordError::new("resource without `Kind`"))?;
    let name = text(obj, "Name").ok_or_else(|| RecordError::new("resource without `Name`"))?;
    let namespace = text(obj, "Namespace");
    let label = match namespace {
        Some(ns) => format!("{} {}/{}", kind, ns, name),
        None => format!("{} {}", kind, name),
    };
    if let Some(e) = text(obj, "Error") {
        report.errors.push(format!("{}: {}", label, e));
    }
    let at = |control: String, name_: String, severity: Severity, detail: String, fix: String| Failure {
        control,
        name: name_,
        severity,
        namespace: namespace.map(str::to_string),
        kind: Some(kind.to_string()),
        resource: Some(name.to_string()),
        detail,
        fix,
    };
    for result in objects(obj, "Results") {
        let target = text(result, "Target").unwrap_or(name);
        if let Some(n) = result.get("MisconfSummary").and_then(|s| s.get("Successes")).and_then(Value::as_u64) {
            report.passed += n;
        }
        for m in objects(result, "Misconfigurations") {
            match text(m, "Status") {
                Some("PASS") => {
                    report.passed += 1;
                    continue;
                }
                Some("FAIL") | None => {}
                Some(_) => {
                    report.by_hand += 1;
                    continue;
                }
            }
            let id = text(m, "ID").or_else(|| text(m, "AVDID")).ok_or_else(|| RecordError::new(format!("{}: a misconfiguration without `ID`", label)))?;
            let title = text(m, "Title").unwrap_or(id);
            let detail = text(m, "Message").or_else(|| text(m, "Description")).unwrap_or(title);
            report.failures.push(at(id.to_string(), title.to_string(), severity_word(text(m, "Severity")), detail.to_string(), text(m, "Resolution").unwrap_or("").to_string()));
        }
        let vulns: Vec<&Map<String, Value>> = objects(result, "Vulnerabilities").collect();
        if !vulns.is_empty() {
            report.failures.push(at("vulnerabilities".into(), format!("Vulnerabilities in {}", target), worst(&vulns), vulnerability_detail(&vulns), fixable(&vulns)));
        }
        for s in objects(result, "Secrets") {
            let rule = text(s, "RuleID").unwrap_or("secret");
            let title = text(s, "Title").unwrap_or(rule);
            let line = s.get("StartLine").and_then(Value::as_u64).map(|l| format!(", line {}", l)).unwrap_or_default();
            report.failures.push(at(
                format!("secret:{}", rule),
                title.to_string(),
                severity_word(text(s, "Severity")),
                format!("{} in {}{}", title, target, line),
                "Remove the secret from the image and rotate it: anyone who can pull the image has it.".to_string(),
            ));
        }
    }
    Ok(label)
}

fn worst(vulns: &[&Map<String, Value>]) -> Severity {
    vulns.iter().map(|v| severity_word(text(v, "Severity"))).max().unwrap_or(Severity::Info)
}

/// "14 vulnerabilities (2 critical, 5 high, 7 medium): CVE-2024-1 in openssl
/// 3.1.4 (fixed in 3.1.5), …" — the five worst named.
fn vulnerability_detail(vulns: &[&Map<String, Value>]) -> String {
    let mut by: Vec<(Severity, usize)> = Vec::new();
    for v in vulns {
        let s = severity_word(text(v, "Severity"));
        match by.iter_mut().find(|(x, _)| *x == s) {
            Some((_, n)) => *n += 1,
            None => by.push((s, 1)),
        }
    }
    by.sort_by_key(|b| std::cmp::Reverse(b.0));
    let counts: Vec<String> = by.iter().map(|(s, n)| format!("{} {}", n, s)).collect();
    let mut sorted: Vec<&&Map<String, Value>> = vulns.iter().collect();
    sorted.sort_by_key(|v| std::cmp::Reverse(severity_word(text(v, "Severity"))));
    let named: Vec<String> = sorted
        .iter()
        .take(5)
        .map(|v| {
            let id = text(v, "VulnerabilityID").unwrap_or("?");
            let pkg = text(v, "PkgName").unwrap_or("?");
            let installed = text(v, "InstalledVersion").unwrap_or("?");
            match text(v, "FixedVersion") {
                Some(f) => format!("{} in {} {} (fixed in {})", id, pkg, installed, f),
                None => format!("{} in {} {} (no fix)", id, pkg, installed),
            }
        })
        .collect();
    format!("{} vulnerabilities ({}): {}", vulns.len(), counts.join(", "), named.join(", "))
}

fn fixable(vulns: &[&Map<String, Value>]) -> String {
    let n = vulns.iter().filter(|v| text(v, "FixedVersion").is_some()).count();
    if n == 0 {
        return String::new();
    }
    format!("Rebuild the image on patched packages: {} of the {} vulnerabilities have a fixed version.", n, vulns.len())
}
