//! Triage on the real binary and the library: the status machine, every
//! classification/determination pair, refusals that change nothing, the log,
//! persistence, locking against re-correlation, and Microsoft's spellings.

use crate::util::{case_digest, fixture, TestCase};
use kordon::clock::FixedClock;
use kordon::store::Case;
use kordon::triage::{self, Change};

fn demo() -> (TestCase, String) {
    let t = TestCase::new();
    t.import(&[&fixture("demo/kordon-demo.zip")]);
    t.ok(&["detect"]);
    t.ok(&["correlate"]);
    let first = t.json_lines(&["incidents"]).remove(0);
    (t, first["id"].as_str().unwrap().to_string())
}

#[test]
fn resolving_needs_a_classification_and_a_comment_and_refusals_change_nothing() {
    let (t, id) = demo();
    let before = case_digest(&t.case);
    let err = t.refused(&["triage", &id, "--status", "resolved"]);
    assert!(err.contains("needs a classification"), "{}", err);
    let err = t.refused(&["triage", &id, "--status", "resolved", "--classify", "true-positive", "--determination", "multistage-attack"]);
    assert!(err.contains("needs a comment"), "{}", err);
    assert_eq!(case_digest(&t.case), before, "refused changes leave the case as it was");

    t.ok(&["triage", &id, "--status", "in-progress", "--owner", "blue team", "--tag", "crypto-mining"]);
    t.ok(&[
        "triage", &id, "--classify", "true-positive", "--determination", "multistage-attack", "--status", "resolved",
        "--comment", "Miner from a stolen **cart** token; pod isolated, token rotated.",
    ]);
    let row = t.json_lines(&["incidents"]).remove(0);
    assert_eq!(row["status"], "resolved");
    assert_eq!(row["classification"], "true-positive");
    assert_eq!(row["determination"], "multistage-attack");
    assert_eq!(row["owner"], "blue team");
    assert_eq!(row["tags"], serde_json::json!(["crypto-mining"]));

    // resolved → new is no move; reopening goes through in-progress.
    let err = t.refused(&["triage", &id, "--status", "new"]);
    assert!(err.contains("cannot move from resolved to new"), "{}", err);
    t.ok(&["triage", &id, "--status", "in-progress"]);

    let log = t.json_lines(&["log", &id]);
    let fields: Vec<String> = log
        .iter()
        .map(|e| format!("{}:{}", e["action"].as_str().unwrap(), e["details"]["field"].as_str().unwrap_or("")))
        .collect();
    assert_eq!(
        fields,
        [
            "triage:owner", "triage:tag", "triage:status", "triage:classification", "triage:determination",
            "comment:", "triage:status", "triage:status"
        ]
    );
    assert!(log.iter().all(|e| e["actor"] == "test-investigator"));
    assert!(t.ok(&["verify"]).starts_with("OK"));
}

#[test]
fn every_valid_pair_is_accepted_and_every_other_pair_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("c.kordon");
    let mut case = Case::open(&path).unwrap();
    let clock = FixedClock(1_795_200_000_000_000_000);
    kordon::app::analyze_import(&mut case, &[fixture("demo/kordon-demo.zip")], &Default::default(), &mut |_| {}).unwrap();
    let id = kordon::incident::read::list(&case).unwrap()[0].raw_id;
    let v = triage::vocabulary();
    let mut all_determinations: Vec<&str> =
        v.classifications.iter().flat_map(|c| c.determinations.iter().map(|d| d.id.as_str())).collect();
    all_determinations.sort();
    all_determinations.dedup();
    let (mut accepted, mut refused) = (0, 0);
    for c in &v.classifications {
        for d in &all_determinations {
            let valid = c.determinations.iter().any(|x| x.id == *d);
            drop(case);
            let before = case_digest(&path);
            case = Case::open(&path).unwrap();
            let change = Change { classification: Some(c.id.clone()), determination: Some(d.to_string()), ..Change::default() };
            match triage::apply(&mut case, &clock, "tester", id, &change) {
                Ok(t) => {
                    assert!(valid, "{} / {} was accepted", c.id, d);
                    assert_eq!((t.classification.as_deref(), t.determination.as_deref()), (Some(c.id.as_str()), Some(*d)));
                    accepted += 1;
                }
                Err(e) => {
                    assert!(!valid, "{} / {} was refused: {}", c.id, d, e);
                    assert_eq!(e.code().as_str(), "invalid_argument");
                    assert!(e.to_string().contains("is no determination of"), "{}", e);
                    drop(case);
                    assert_eq!(case_digest(&path), before, "{} / {} changed the case", c.id, d);
                    case = Case::open(&path).unwrap();
                    refused += 1;
                }
            }
        }
    }
    assert_eq!(accepted, 14);
    assert!(refused > 20);
    // Unknown words are refused with the valid ones listed.
    let err = triage::apply(&mut case, &clock, "t", id, &Change { classification: Some("benign".into()), determination: Some("x".into()), ..Change::default() }).unwrap_err();
    assert!(err.to_string().contains("unknown classification 'benign' (one of: true-positive, informational, false-positive)"), "{}", err);
    let err = triage::apply(&mut case, &clock, "t", id, &Change { status: Some("closed".into()), ..Change::default() }).unwrap_err();
    assert!(err.to_string().contains("unknown status 'closed'"), "{}", err);
}

#[test]
fn triage_persists_locks_the_incident_and_speaks_both_microsoft_spellings() {
    let (t, id) = demo();
    t.ok(&["triage", &id, "--classify", "true-positive", "--determination", "compromised-account", "--severity", "high"]);
    t.ok(&["comment", &id, "Token of `cart` used from 203.0.113.45."]);
    t.ok(&["verdict", &id, "203.0.113.45", "malicious"]);
    // A new process reads the same case back.
    let state: serde_json::Value = serde_json::from_str(&t.ok(&["triage", &id, "--json"])).unwrap();
    assert_eq!(state["severity_override"], "high");
    assert_eq!(state["comments"][0]["body"], "Token of `cart` used from 203.0.113.45.");
    assert_eq!(state["verdicts"][0]["entity_key"], "203.0.113.45");
    assert_eq!(state["verdicts"][0]["verdict"], "malicious");
    let graph: serde_json::Value = serde_json::from_str(&t.ok(&["triage", &id, "--json", "--spelling", "graph"])).unwrap();
    assert_eq!((graph["classification"].as_str(), graph["determination"].as_str()), (Some("truePositive"), Some("compromisedUser")));
    let api = t.json_lines(&["incidents", "--spelling", "defender-api"]);
    assert_eq!(api[0]["determination"], "compromisedAccount");
    assert_eq!(api[0]["severity"], "high");
    assert_eq!(api[0]["computed_severity"], "critical");
    // Re-correlating keeps the incident as the investigator left it.
    let s: serde_json::Value = serde_json::from_str(&t.ok(&["correlate", "--json"])).unwrap();
    assert_eq!(s["replaced"], 0);
    let row = t.json_lines(&["incidents"]).into_iter().find(|r| r["id"] == id.as_str()).expect("same id");
    assert_eq!(row["classification"], "true-positive");
    assert!(t.refused(&["verdict", &id, "203.0.113.45", "evil"]).contains("unknown verdict 'evil'"));
    assert!(t.ok(&["verify"]).starts_with("OK"));
}
