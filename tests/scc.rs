//! Google Security Command Center findings on GKE, imported by the real
//! binary: every wrapping (gcloud list, REST page, Pub/Sub notifications
//! decoded, pushed and pulled, a bare finding) gives one event per finding,
//! threats are alerts with their tactics, a misconfiguration is a hardening
//! finding, the entities meet the GKE audit log's, bad records are kept.

use crate::util::{by_rule, entity_keys as keys, fixture, signal_readings, TestCase};
use serde_json::{json, Value};

const STRATUM: &str = "Impact: Suspicious crypto mining activity using the Stratum Protocol";

fn sample(name: &str) -> std::path::PathBuf {
    fixture(&format!("samples/gcp-scc/{}", name))
}

fn findings(t: &TestCase) -> Vec<Value> {
    t.json_lines(&["events", "--source", "gcp-scc"])
}

#[test]
fn every_shape_reads_as_its_words_in_the_summary() {
    let cases = [
        ("findings-list.json", "Security Command Center, gcloud scc findings list JSON, 6 SCC findings", 6),
        ("rest-list-page.json", "Security Command Center, ListFindings REST pages, 1 page, 2 SCC findings", 2),
        ("notifications.jsonl", "Security Command Center, Pub/Sub notifications (decoded JSON), 6 SCC findings", 6),
        ("pubsub-push.json", "Security Command Center, Pub/Sub push messages (base64 data), 1 SCC finding", 1),
        ("pubsub-pull.json", "Security Command Center, gcloud pubsub subscriptions pull JSON, 4 SCC findings", 4),
        ("finding.json", "Security Command Center, findings (API JSON), 1 SCC finding", 1),
    ];
    for (name, shape, records) in cases {
        let t = TestCase::new();
        let summary = t.import(&[&sample(name)]);
        let file = &summary["files"][0];
        assert_eq!(file["format"], "gcp-scc", "{}", name);
        assert_eq!(file["shape"], shape, "{}", name);
        assert_eq!(file["records"], records, "{}", name);
        assert_eq!(file["errors"], 0, "{}", name);
    }
}

#[test]
fn the_same_finding_in_every_shape_is_one_event_and_its_inactive_copy_wins() {
    let t = TestCase::new();
    let names = ["findings-list.json", "rest-list-page.json", "notifications.jsonl", "pubsub-push.json", "pubsub-pull.json", "finding.json"];
    let paths: Vec<_> = names.iter().map(|n| sample(n)).collect();
    let refs: Vec<&std::path::Path> = paths.iter().map(|p| p.as_path()).collect();
    let summary = t.import(&refs);
    assert_eq!(summary["records"], 20);
    assert_eq!(summary["events_new"], 6, "{}", summary);
    assert_eq!(summary["parse_errors"], 0);
    let events = findings(&t);
    // Oldest first (the two findings of the miner's exec share its time).
    let mut records: Vec<(&str, u64)> = events.iter().map(|e| (e["rule"].as_str().unwrap(), e["records"].as_u64().unwrap())).collect();
    records[3..5].sort();
    assert_eq!(
        records,
        [
            ("NETWORK_POLICY_DISABLED", 1),
            ("Discovery: Can get sensitive Kubernetes object", 2),
            ("Malicious Script Executed", 3),
            ("Added Binary Executed", 4),
            ("Execution: Added Malicious Binary Executed", 4),
            (STRATUM, 6),
        ]
    );
    // Closed after the pod was deleted: the title and the state say so, the
    // time stays the activity's.
    let s = by_rule(&events, STRATUM);
    assert_eq!(s["title"], format!("{} (inactive)", STRATUM));
    assert_eq!(s["fields"]["state"], "INACTIVE");
    assert_eq!(s["time"], "2026-11-20T09:47:22.774019342Z");
    assert_eq!(by_rule(&events, "Malicious Script Executed")["fields"]["state"], "ACTIVE");
}

#[test]
fn threats_are_alerts_and_correlation_reads_their_tactics() {
    let t = TestCase::new();
    t.import(&[&sample("findings-list.json")]);
    let events = findings(&t);
    assert_eq!(by_rule(&events, STRATUM)["kind"], "alert");
    assert_eq!(by_rule(&events, STRATUM)["tactics"], json!(["TA0040"]));
    assert_eq!(by_rule(&events, STRATUM)["techniques"], json!(["T1496"]));
    assert_eq!(by_rule(&events, "Added Binary Executed")["techniques"], json!(["T1105", "T1106"]));
    t.ok(&["detect"]);
    t.ok(&["correlate"]);
    let incidents = t.json_lines(&["incidents"]);
    let attack = incidents.iter().find(|i| i["title"] == "Crypto-mining in shop/cart-7f9c6d8b5-x2k4q").expect("the mining incident");
    let show: Value = serde_json::from_str(&t.ok(&["show", attack["id"].as_str().unwrap(), "--json"])).unwrap();
    let mut signals = signal_readings(&show);
    // The two findings of the miner's exec share its time.
    signals[1..3].sort();
    let want = |r: &str, ta: &[&str], te: &[&str]| {
        (r.to_string(), ta.iter().map(|s| s.to_string()).collect(), te.iter().map(|s| s.to_string()).collect())
    };
    assert_eq!(
        signals,
        [
            want("Malicious Script Executed", &["TA0002"], &["T1059", "T1059.004"]),
            want("Added Binary Executed", &["TA0002", "TA0003", "TA0005"], &["T1105", "T1106"]),
            want("Execution: Added Malicious Binary Executed", &["TA0002", "TA0003", "TA0005"], &["T1105", "T1106"]),
            want(STRATUM, &["TA0040"], &["T1496"]),
        ]
    );
    let added = show["signals"].as_array().unwrap().iter().find(|s| s["rule"] == "Added Binary Executed").unwrap();
    assert!(added["mapping_notes"][0].as_str().unwrap().starts_with("SCC gives Execution"));
}

#[test]
fn a_misconfiguration_is_posture_and_a_hardening_finding() {
    let t = TestCase::new();
    t.import(&[&sample("findings-list.json")]);
    let events = findings(&t);
    let netpol = by_rule(&events, "NETWORK_POLICY_DISABLED");
    assert_eq!(netpol["kind"], "posture");
    assert_eq!(netpol["severity"], "medium");
    assert_eq!(netpol["fields"]["failures"][0]["control"], "NETWORK_POLICY_DISABLED");
    let found = t.json_lines(&["findings"]);
    let f = found.iter().find(|f| f["sources"] == json!(["Security Command Center"])).expect("SCC's finding");
    assert_eq!(f["check"], "namespace-without-netpol", "joined to Kordon's check through data/posture.yaml");
    assert!(f["evidence"][0].as_str().unwrap().starts_with("Security Command Center NETWORK_POLICY_DISABLED"));
}

#[test]
fn entities_meet_the_gke_audit_logs_and_the_attack_is_one_incident() {
    let t = TestCase::new();
    t.import(&[&fixture("samples/gke/sink-pubsub.jsonl"), &sample("findings-list.json")]);
    let events = findings(&t);
    let s = by_rule(&events, STRATUM);
    assert_eq!(keys(s, "cluster", "cluster"), ["gke-shop-prod"]);
    assert_eq!(keys(s, "pod", "pod"), ["shop/cart-7f9c6d8b5-x2k4q"]);
    assert_eq!(keys(s, "image", "image"), ["shopregistry.azurecr.io/shop/cart:2.3.1"]);
    assert_eq!(keys(s, "node", "node"), ["gke-shop-prod-default-pool-3f9a2c1e-7k2p"]);
    assert_eq!(keys(s, "file", "file"), ["/tmp/.x/xmrig"]);
    assert_eq!(keys(s, "ip", "destination-ip"), ["198.51.100.77"]);
    assert_eq!(keys(s, "domain", "destination"), ["pool.minexmr.example"]);
    assert!(keys(s, "process", "process").is_empty(), "SCC's pid is not the host's");
    let can_get = by_rule(&events, "Discovery: Can get sensitive Kubernetes object");
    assert_eq!(keys(can_get, "identity", "actor"), ["system:serviceaccount:shop:cart"]);
    assert_eq!(keys(can_get, "ip", "source-ip"), ["203.0.113.45"]);

    // The GKE audit log's records of the same cluster, identity and pod.
    let entities = t.json_lines(&["entities"]);
    let events_of = |kind: &str, key: &str| {
        entities.iter().find(|e| e["kind"] == kind && e["key"] == key).unwrap_or_else(|| panic!("no {} {}", kind, key))["events"]
            .as_u64()
            .unwrap()
    };
    assert!(events_of("cluster", "gke-shop-prod") > 6);
    assert!(events_of("identity", "system:serviceaccount:shop:cart") > 1);
    assert!(events_of("pod", "shop/cart-7f9c6d8b5-x2k4q") > 4, "SCC's four runtime findings and the audit log's");
    t.ok(&["detect"]);
    t.ok(&["correlate"]);
    let incidents = t.json_lines(&["incidents"]);
    assert_eq!(incidents.len(), 1, "{:?}", incidents);
    assert_eq!(incidents[0]["title"], "Crypto-mining in shop/cart-7f9c6d8b5-x2k4q");
}

#[test]
fn bad_records_are_kept_verbatim_and_reported() {
    let t = TestCase::new();
    let summary = t.import(&[&sample("bad-records.jsonl")]);
    let file = &summary["files"][0];
    assert_eq!(file["format"], "gcp-scc");
    assert_eq!(file["records"], 5);
    assert_eq!(file["errors"], 4);
    assert_eq!(findings(&t).len(), 1);
    let errors = t.json_lines(&["errors"]);
    let got: Vec<(u64, &str)> = errors.iter().map(|e| (e["line"].as_u64().unwrap(), e["reason"].as_str().unwrap())).collect();
    assert_eq!(got.len(), 4);
    assert_eq!(got[0], (2, "the Pub/Sub message's `data` is not base64"));
    assert_eq!(got[1].0, 3);
    assert!(got[1].1.starts_with("the Pub/Sub message's data is not JSON: EOF"), "{}", got[1].1);
    assert_eq!(got[2], (4, "the finding has no `category`"));
    assert_eq!(got[3].0, 5);
    assert!(got[3].1.starts_with("invalid JSON: EOF while parsing"), "{}", got[3].1);
    let text = std::fs::read_to_string(sample("bad-records.jsonl")).unwrap();
    for (e, line) in errors.iter().zip(text.lines().skip(1)) {
        assert!(e["file"].as_str().unwrap().ends_with("bad-records.jsonl"));
        assert_eq!(e["raw"], line, "kept verbatim");
    }
}
