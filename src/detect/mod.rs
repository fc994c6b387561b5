//! Kordon's own detections, and what every detection means.
//!
//! Kubernetes audit logs and Tetragon record everything and flag nothing: a
//! stolen token used from the internet is one more line among millions. The
//! rules in `rules/detections.yaml` turn that telemetry into alerts, stored
//! in the case next to Falco's and Defender's so that correlation treats them
//! alike. Rules are data, validated on load ([`rules`]); a condition reads
//! one event's normalized fields ([`condition`]); "outside the cluster" is
//! learnt from the case's own snapshot ([`cluster`]); aggregate rules count
//! within a window ([`threshold`]); the scan streams the case ([`scan`]); and
//! each firing becomes an alert whose identity derives from its evidence
//! ([`signals`]), so a run is deterministic and repeating it adds nothing.
//! [`mapping`] holds the other table correlation needs: every source's rule
//! names and tags in ATT&CK and Threat Matrix terms.

pub mod cluster;
pub mod condition;
pub mod firing;
pub mod mapping;
pub mod rules;
pub mod scan;
pub mod signals;
pub mod threshold;

#[cfg(test)]
mod rule_tests;
#[cfg(test)]
mod run_tests;

pub use cluster::ClusterRanges;
pub use rules::{Rule, Rules};
pub use signals::FiringRow;

use crate::clock::Clock;
use crate::error::Result;
use crate::store::{activity, Case};
use serde::Serialize;
use std::collections::BTreeMap;

/// What one `kordon detect` run did.
#[derive(Debug, Clone, Serialize)]
pub struct DetectSummary {
    pub rules: usize,
    pub rules_sha256: String,
    pub events_scanned: u64,
    /// Whether "outside the cluster" used ranges learnt from Node objects.
    pub cluster_from_snapshot: bool,
    /// The cluster's ranges as learnt (empty without a snapshot).
    pub cluster_ranges: Vec<String>,
    /// Firings this run, alerts already in the case included.
    pub fired: usize,
    pub new: usize,
    pub existing: usize,
    /// Firings per rule id.
    pub by_rule: BTreeMap<String, usize>,
    /// The `sources` row of this run's new alerts, if any.
    pub source_id: Option<i64>,
    pub firings: Vec<FiringRow>,
}

/// Evaluates the rules over the case and stores new firings, in one
/// transaction together with an activity-log entry.
pub fn run(
    case: &mut Case,
    rules: &Rules,
    clock: &dyn Clock,
    actor: &str,
) -> Result<DetectSummary> {
    let tx = case
        .conn
        .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
    let cluster = ClusterRanges::learn(&tx)?;
    let scanned = scan::scan(&tx, rules, &cluster)?;
    let now = clock.now_ns();
    let stored = signals::store(&tx, rules, scanned.firings, now)?;
    let mut by_rule = BTreeMap::new();
    for r in &stored.rows {
        *by_rule.entry(r.rule.clone()).or_insert(0) += 1;
    }
    let new = stored.rows.iter().filter(|r| r.new).count();
    let summary = DetectSummary {
        rules: rules.len(),
        rules_sha256: rules.sha256.clone(),
        events_scanned: scanned.events_scanned,
        cluster_from_snapshot: cluster.from_snapshot(),
        cluster_ranges: cluster.ranges().iter().map(|n| n.to_string()).collect(),
        fired: stored.rows.len(),
        new,
        existing: stored.rows.len() - new,
        by_rule,
        source_id: stored.source_id,
        firings: stored.rows,
    };
    let details = serde_json::json!({
        "rules": summary.rules,
        "rules_sha256": summary.rules_sha256,
        "events_scanned": summary.events_scanned,
        "cluster_from_snapshot": summary.cluster_from_snapshot,
        "fired": summary.fired,
        "new": summary.new,
        "existing": summary.existing,
        "by_rule": summary.by_rule,
        "source_id": summary.source_id,
    });
    activity::append(&tx, now, actor, "detect", Some("detections"), &details)?;
    if let Some(id) = summary.source_id {
        let text = serde_json::to_string(&details).unwrap_or_default();
        tx.execute(
            "UPDATE imports SET summary = ?2 WHERE id = (SELECT import_id FROM sources WHERE id = ?1)",
            rusqlite::params![id, text],
        )?;
    }
    tx.commit()?;
    Ok(summary)
}
