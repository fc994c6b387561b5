//! `detect::run` on a real case: what it stores, and that a second run
//! stores nothing.

use super::{run, Rules};
use crate::clock::FixedClock;
use crate::ingest::{self, ImportOptions};
use crate::store::{activity, query, Case};
use std::path::PathBuf;

const NOW: i64 = 1_795_248_000_000_000_000; // 2026-11-21T08:00:00Z

fn sample(rel: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/samples")
        .join(rel)
}

fn case_with(paths: &[PathBuf]) -> Case {
    let mut case = Case::in_memory().unwrap();
    ingest::import(&mut case, paths, &ImportOptions::default(), &mut |_| {}).unwrap();
    case
}

fn counts(case: &Case) -> Vec<i64> {
    [
        "events",
        "entities",
        "event_entities",
        "sources",
        "imports",
        "event_records",
    ]
    .iter()
    .map(|t| case.count(t).unwrap())
    .collect()
}

#[test]
fn firings_become_kordon_alerts_linked_to_their_evidence() {
    let mut case = case_with(&[sample("k8s-audit/log-backend.jsonl")]);
    let rules = Rules::load_builtin().unwrap();
    let s = run(&mut case, &rules, &FixedClock(NOW), "ana").unwrap();
    assert!(!s.cluster_from_snapshot, "the sample has no Node objects");
    assert!(s.new > 0 && s.existing == 0 && s.fired == s.new);
    // The stolen token (from 203.0.113.45, a public address without a
    // snapshot): list pods, list secrets twice, the rules review, the exec.
    assert_eq!(s.by_rule["KRD-AUDIT-001"], 5);
    // Both execs: a person's (kubectl 1.28, verb create) and the token's.
    assert_eq!(s.by_rule["KRD-AUDIT-002"], 2);
    assert_eq!(s.by_rule["KRD-AUDIT-003"], 2);
    // The daemon-set controller's hostPath pod and the release's binding
    // fire nothing.
    assert!(!s.by_rule.contains_key("KRD-AUDIT-005") && !s.by_rule.contains_key("KRD-AUDIT-006"));

    let alerts = query::events(
        &case,
        &query::EventFilter {
            source: Some("kordon".into()),
            ..Default::default()
        },
    )
    .unwrap();
    assert_eq!(alerts.len(), s.new);
    let exec = alerts
        .iter()
        .find(|a| {
            a.rule.as_deref() == Some("KRD-AUDIT-002") && a.message.contains("cart-7f9c6d8b5-x2k4q")
        })
        .unwrap();
    assert_eq!(
        (exec.kind.as_str(), exec.severity.as_str()),
        ("alert", "medium")
    );
    assert_eq!(exec.title, "Exec, attach or port-forward into a pod");
    assert_eq!(exec.tactics, ["TA0002"]);
    assert_eq!(exec.techniques, ["T1609"]);
    assert_eq!(exec.fields["rule_id"], "KRD-AUDIT-002");
    assert_eq!(exec.fields["ms_matrix"], "MS-TA9006");
    assert_eq!(exec.fields["matched"]["subresource"], "exec");
    assert_eq!(exec.file, "kordon detect");
    // Its entities are exactly the triggering event's.
    let trigger_id = exec.fields["event_ids"][0].as_str().unwrap();
    let all = query::events(&case, &query::EventFilter::default()).unwrap();
    let trigger = all.iter().find(|e| e.id == trigger_id).unwrap();
    assert_eq!(trigger.fields["subresource"], "exec");
    let keys = |e: &query::EventRow| {
        e.entities
            .iter()
            .map(|l| (l.kind.clone(), l.key.clone(), l.role.clone()))
            .collect::<Vec<_>>()
    };
    assert_eq!(keys(exec), keys(trigger));
    // The raw record describes the firing.
    let raw = query::events(
        &case,
        &query::EventFilter {
            source: Some("kordon".into()),
            search: Some("KRD-AUDIT-002".into()),
            with_raw: true,
            ..Default::default()
        },
    )
    .unwrap();
    let doc: serde_json::Value = serde_json::from_str(raw[0].raw.as_deref().unwrap()).unwrap();
    assert_eq!(doc["rule"], "KRD-AUDIT-002");
    assert_eq!(doc["evaluated_at"], "2026-11-21T08:00:00.000000000Z");
    assert!(doc["events"][0]["values"]["verb"].as_str().is_some());
    // One source row for the run, hashed like a JSON Lines file.
    let src = query::sources(&case)
        .unwrap()
        .into_iter()
        .find(|r| r.format == "kordon")
        .unwrap();
    assert_eq!(
        (src.name.as_str(), src.events as usize, src.sha256.len()),
        ("kordon detect", s.new, 64)
    );
}

#[test]
fn running_again_adds_nothing_and_both_runs_are_logged() {
    let mut case = case_with(&[
        sample("k8s-audit/log-backend.jsonl"),
        sample("tetragon/events.jsonl"),
    ]);
    let rules = Rules::load_builtin().unwrap();
    let first = run(&mut case, &rules, &FixedClock(NOW), "ana").unwrap();
    let after_first = counts(&case);
    let second = run(&mut case, &rules, &FixedClock(NOW + 1), "ben").unwrap();
    assert_eq!(counts(&case), after_first);
    assert_eq!((second.new, second.existing), (0, first.new));
    assert_eq!(second.source_id, None);
    let ids = |s: &super::DetectSummary| s.firings.iter().map(|f| f.id.clone()).collect::<Vec<_>>();
    assert_eq!(ids(&first), ids(&second));
    let log = activity::list(&case.conn).unwrap();
    let detects: Vec<_> = log.iter().filter(|e| e.action == "detect").collect();
    assert_eq!(detects.len(), 2);
    assert_eq!(detects[1].actor, "ben");
    assert_eq!(detects[1].details["new"], 0);
    assert_eq!(activity::verify(&case.conn).unwrap(), Ok(log.len()));
}

#[test]
fn the_same_evidence_gives_the_same_alert_ids_in_any_case() {
    let rules = Rules::load_builtin().unwrap();
    let mut a = case_with(&[
        sample("tetragon/events.jsonl"),
        sample("k8s-audit/log-backend.jsonl"),
    ]);
    let mut b = case_with(&[sample("k8s-audit/log-backend.jsonl")]);
    ingest::import(
        &mut b,
        &[sample("tetragon/events.jsonl")],
        &ImportOptions::default(),
        &mut |_| {},
    )
    .unwrap();
    let sa = run(&mut a, &rules, &FixedClock(NOW), "ana").unwrap();
    let sb = run(&mut b, &rules, &FixedClock(NOW + 5), "ana").unwrap();
    let mut ia: Vec<_> = sa
        .firings
        .iter()
        .map(|f| (f.rule.clone(), f.id.clone()))
        .collect();
    let mut ib: Vec<_> = sb
        .firings
        .iter()
        .map(|f| (f.rule.clone(), f.id.clone()))
        .collect();
    ia.sort();
    ib.sort();
    assert_eq!(ia, ib);
    assert!(
        ia.iter().any(|(r, _)| r == "KRD-TETRA-001"),
        "nmap in the Tetragon sample"
    );
}

#[test]
fn a_snapshot_teaches_the_cluster_ranges() {
    let mut case = case_with(&[sample("k8s-objects/cluster-info-dump.txt")]);
    let rules = Rules::load_builtin().unwrap();
    let s = run(&mut case, &rules, &FixedClock(NOW), "ana").unwrap();
    assert!(s.cluster_from_snapshot);
    assert!(!s.cluster_ranges.is_empty());
    assert_eq!(s.fired, 0, "objects are never scanned");
}
