//! Posture scanners' reports: `trivy k8s --format json`, kube-bench
//! `--json`, Kubescape `--format json`.
//!
//! Why this module looks the way it does:
//!
//! * A posture report says what the cluster *allowed* (a workload that may
//!   run as root, a kubelet that accepts anonymous requests, an image with a
//!   critical CVE), not what happened. Its records become events of kind
//!   `posture`, which correlation never reads (they would glue every
//!   incident of a namespace together); the hardening view reads them
//!   (`hardening::posture`) and merges each failure with Kordon's own
//!   finding of the same issue.
//! * Each event carries its failures normalized into one shape,
//!   [`Failure`]: the scanner's control id and words, a Kordon severity, the
//!   resource it names, what the scanner saw and its fix. Passed controls are
//!   only counted: a report of a big cluster passes tens of thousands.
//! * The reports are big documents. Trivy's current layout lists its
//!   resources under `Resources` and kube-bench's object its controls under
//!   `Controls`: the framing layer expands both (`ingest::framing`), so each
//!   resource or control is a record of its own, bounded like any record,
//!   and the cluster's name comes from the container's facts. Trivy's older
//!   layout (`Vulnerabilities` and `Misconfigurations` side by side) and
//!   Kubescape's report are read as one record.
//! * Only failures are findings. kube-bench's `WARN` (a check to make by
//!   hand) and Kubescape's `skipped` are counted, never reported as failed.

pub mod kube_bench;
pub mod kubescape;
pub mod trivy;
#[cfg(test)]
mod tests;

use crate::model::{EntityKind, EntityRef, EventKind, NewEvent, Severity, Source};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// One failed control or vulnerable workload, as every scanner's report is
/// read (`fields.failures` of a posture event).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Failure {
    /// The scanner's id: `KSV012`, `C-0013`, `5.1.6`; `vulnerabilities` for
    /// an image's CVEs, `secret:<rule>` for a secret Trivy found in one.
    pub control: String,
    /// The scanner's name of the control ("Runs as root user").
    pub name: String,
    pub severity: Severity,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
    /// The resource's kind and name (`Deployment`, `cart`); absent for a
    /// check of the cluster or its nodes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resource: Option<String>,
    /// What the scanner saw, in its words.
    pub detail: String,
    /// The scanner's remediation, when it gives one.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub fix: String,
}

impl Failure {
    /// "Deployment shop/cart", "ClusterRole admin", "the cluster".
    pub fn resource_label(&self) -> String {
        match (&self.kind, &self.resource, &self.namespace) {
            (Some(k), Some(n), Some(ns)) => format!("{} {}/{}", k, ns, n),
            (Some(k), Some(n), None) => format!("{} {}", k, n),
            (None, None, Some(ns)) => format!("namespace {}", ns),
            _ => "the cluster".to_string(),
        }
    }
}

/// What a report's record says beyond its failures.
#[derive(Debug, Default)]
pub(crate) struct Report {
    pub cluster: Option<String>,
    pub time_ns: Option<i64>,
    pub failures: Vec<Failure>,
    /// Controls or resources checked and passed.
    pub passed: u64,
    /// Checks the scanner leaves to a person (kube-bench `WARN`) or skipped.
    pub by_hand: u64,
    /// Scan errors the report names (a resource Trivy could not scan).
    pub errors: Vec<String>,
}

impl Report {
    /// The posture event of one record: its failures in `fields`, the
    /// cluster as its one entity, a title that counts.
    pub(crate) fn into_event(self, source: Source, scanner: &str, what: &str, shape: &'static str) -> NewEvent {
        let failed = self.failures.len();
        let worst = self.failures.iter().map(|f| f.severity).max();
        let mut ev = NewEvent::new(source, EventKind::Posture, format!("{} {}: {}", scanner, what, counted(failed, "failure")));
        ev.rule = Some(format!("{} report", scanner));
        ev.severity = worst.unwrap_or(Severity::Info);
        ev.time_ns = self.time_ns;
        ev.shape = Some(shape);
        let mut message = format!("{} failed, {} passed", failed, self.passed);
        if self.by_hand > 0 {
            message.push_str(&format!(", {} to check by hand or skipped", self.by_hand));
        }
        if !self.errors.is_empty() {
            message.push_str(&format!(", {} not scanned", counted(self.errors.len(), "resource")));
        }
        ev.message = message;
        let mut search = Vec::new();
        for f in &self.failures {
            search.push(format!("{} {} {}", f.control, f.name, f.resource_label()));
        }
        ev.search_text = search.join("\n");
        if let Some(c) = &self.cluster {
            ev.entity(EntityRef::new(EntityKind::Cluster, c.clone(), "scanned"));
            ev.field("cluster", c.as_str());
        }
        ev.field("scanner", scanner);
        ev.field("failures", serde_json::to_value(&self.failures).unwrap_or(Value::Null));
        ev.field("failed", failed as u64);
        ev.field("passed", self.passed);
        if self.by_hand > 0 {
            ev.field("by_hand", self.by_hand);
        }
        if !self.errors.is_empty() {
            ev.field("errors", self.errors);
        }
        ev
    }
}

fn counted(n: usize, what: &str) -> String {
    format!("{} {}{}", n, what, if n == 1 { "" } else { "s" })
}

/// A scanner's severity word (`CRITICAL`, `High`, `UNKNOWN`) as Kordon's.
pub(crate) fn severity_word(s: Option<&str>) -> Severity {
    match s.map(|s| s.trim().to_ascii_lowercase()).as_deref() {
        Some("critical") => Severity::Critical,
        Some("high") => Severity::High,
        Some("medium") | Some("moderate") => Severity::Medium,
        Some("low") => Severity::Low,
        _ => Severity::Info,
    }
}

/// A string member, trimmed, absent when empty.
pub(crate) fn text<'a>(obj: &'a Map<String, Value>, key: &str) -> Option<&'a str> {
    obj.get(key).and_then(Value::as_str).map(str::trim).filter(|s| !s.is_empty())
}

/// An array member's objects; a missing or null member is none.
pub(crate) fn objects<'a>(obj: &'a Map<String, Value>, key: &str) -> impl Iterator<Item = &'a Map<String, Value>> {
    obj.get(key).and_then(Value::as_array).into_iter().flatten().filter_map(Value::as_object)
}
