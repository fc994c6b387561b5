//! Triage on the real binary and the library: the status machine, every
//! classification/determination pair, refusals that change nothing, the log,
//! persistence, locking against re-correlation, and Microsoft's spellings.

use crate::util::{case_digest, fixture, golden_json, TestCase};
use crate::util::demo_incident as demo;
use kordon::clock::FixedClock;
use kordon::store::Case;
use kordon::triage::{self, Change};


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

#[test]
fn moved_and_split_signals_stay_where_they_were_put_after_a_new_import() {
    let dir = tempfile::tempdir().unwrap();
    // The demo's files, all but Defender's alerts, first.
    let file = std::fs::File::open(fixture("demo/kordon-demo.zip")).unwrap();
    let mut zip = zip::ZipArchive::new(file).unwrap();
    let (mut rest, mut defender) = (Vec::new(), Vec::new());
    for i in 0..zip.len() {
        let mut e = zip.by_index(i).unwrap();
        let name = e.name().unwrap().to_string();
        if e.is_dir() || name == "manifest.json" {
            continue;
        }
        let path = dir.path().join(&name);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::io::copy(&mut e, &mut std::fs::File::create(&path).unwrap()).unwrap();
        if name.contains("defender") { defender.push(path) } else { rest.push(path) }
    }
    let t = TestCase::new();
    t.import(&rest.iter().map(|p| p.as_path()).collect::<Vec<_>>());
    t.ok(&["detect"]);
    t.ok(&["correlate"]);
    let list = t.json_lines(&["incidents"]);
    let attack = list[0]["id"].as_str().unwrap().to_string();
    let scan = list.iter().find(|i| i["title"].as_str().unwrap().contains("netscan")).unwrap()["id"].as_str().unwrap().to_string();
    let show: serde_json::Value = serde_json::from_str(&t.ok(&["show", &attack, "--json"])).unwrap();
    let signals = show["signals"].as_array().unwrap();
    let shell = signals.iter().find(|s| s["title"] == "Terminal shell in container").unwrap()["id"].as_str().unwrap().to_string();
    let api = signals.iter().find(|s| s["title"] == "Contact K8S API Server From Container").unwrap()["id"].as_str().unwrap().to_string();

    t.ok(&["move", &shell, &scan]);
    let out = t.ok(&["move", &api]);
    let split = out.split_whitespace().nth(4).unwrap().trim_end_matches('.').to_string();
    assert!(split.starts_with("INC-"), "{}", out);

    // A later import, detection and correlation leave both where they were put.
    t.import(&defender.iter().map(|p| p.as_path()).collect::<Vec<_>>());
    t.ok(&["detect"]);
    t.ok(&["correlate"]);
    let in_incident = |inc: &str, sig: &str| -> bool {
        let d: serde_json::Value = serde_json::from_str(&t.ok(&["show", inc, "--json"])).unwrap();
        d["signals"].as_array().unwrap().iter().any(|s| s["id"] == sig && s["joined"]["how"] == "placed")
    };
    assert!(in_incident(&scan, &shell), "the moved shell alert stays in the scan incident");
    assert!(in_incident(&split, &api), "the split API-contact alert keeps its own incident");
    assert!(!in_incident(&attack, &shell) && !in_incident(&attack, &api));
    let attack_row = t.json_lines(&["incidents"]).into_iter().find(|i| i["id"] == attack.as_str()).unwrap();
    let show: serde_json::Value = serde_json::from_str(&t.ok(&["show", &attack, "--json"])).unwrap();
    assert!(show["signals"].as_array().unwrap().iter().any(|s| s["source"] == "defender"), "new signals still join");
    assert_eq!(attack_row["title"], "Crypto-mining in shop/cart-7f9c6d8b5-x2k4q");
    let log = t.json_lines(&["log"]);
    assert!(log.iter().any(|e| e["action"] == "move-signal") && log.iter().any(|e| e["action"] == "split-signal"));
    assert!(t.ok(&["verify"]).starts_with("OK"));
}

/// The vocabulary the app's pickers offer, pinned: the UI's unit tests read
/// this file, so they follow `data/triage.yaml` rather than a copy of it.
#[test]
fn golden_triage_vocabulary() {
    let v = serde_json::to_value(triage::vocabulary()).unwrap();
    golden_json(&fixture("golden/triage/vocabulary.json"), &v, "the triage vocabulary");
}

#[test]
fn follow_up_items_are_ticked_off_logged_and_unticked_again() {
    let (t, id) = demo();
    let out = t.ok(&["follow-up", &id, "rotate-credentials"]);
    assert!(out.contains("follow-up: [x] rotate-credentials (test-investigator at "), "{}", out);
    t.ok(&["follow-up", &id, "hardening:token-automounted"]);
    // Ticking what is ticked changes nothing and logs nothing.
    t.ok(&["follow-up", &id, "rotate-credentials"]);
    let out = t.ok(&["follow-up", &id, "rotate-credentials", "--undo"]);
    assert!(out.contains("follow-up: [ ] rotate-credentials") && out.contains("follow-up: [x] hardening:token-automounted"), "{}", out);
    let triage: serde_json::Value = serde_json::from_str(&t.ok(&["triage", &id, "--json"])).unwrap();
    let ticks = triage["follow_up"].as_array().unwrap();
    assert_eq!(ticks.len(), 2);
    assert_eq!((ticks[0]["item"].as_str(), ticks[0]["done"].as_bool()), (Some("hardening:token-automounted"), Some(true)));
    assert_eq!((ticks[1]["item"].as_str(), ticks[1]["done"].as_bool()), (Some("rotate-credentials"), Some(false)));
    let log: Vec<(String, bool)> = t
        .json_lines(&["log", &id])
        .iter()
        .filter(|e| e["action"] == "follow-up")
        .map(|e| (e["details"]["item"].as_str().unwrap().to_string(), e["details"]["done"].as_bool().unwrap()))
        .collect();
    assert_eq!(log, [("rotate-credentials".to_string(), true), ("hardening:token-automounted".to_string(), true), ("rotate-credentials".to_string(), false)]);
    // A malformed item is refused and changes nothing.
    let before = t.digest();
    let err = t.refused(&["follow-up", &id, "Rotate <everything>"]);
    assert!(err.contains("error[invalid_argument]") && err.contains("no follow-up item"), "{}", err);
    assert_eq!(t.digest(), before);
    assert!(t.ok(&["verify"]).starts_with("OK"));
}
