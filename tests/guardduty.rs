//! Amazon GuardDuty findings for EKS, imported by the real binary: every
//! export shape, one event per finding across shapes and updates, the
//! alerts' tactics after correlation, the entities that meet the other
//! sensors', sample findings, bad records.

use crate::util::{by_rule, entity_keys as keys, fixture, signal_readings, TestCase};
use serde_json::Value;

const EXPORT: &str = "9d3f0c1e-5b7a-4c2e-8f61-2a4b6c8d0e13.jsonl.gz";

fn sample(name: &str) -> std::path::PathBuf {
    fixture(&format!("samples/guardduty/{}", name))
}

fn findings(t: &TestCase) -> Vec<Value> {
    t.json_lines(&["events", "--source", "guardduty"])
}

#[test]
fn every_shape_reads_as_its_words_in_the_summary() {
    let cases = [
        (EXPORT, "Amazon GuardDuty, findings (S3 export or API JSON), 7 GuardDuty findings", 7),
        ("get-findings.json", "Amazon GuardDuty, get-findings, 1 page, 6 GuardDuty findings", 6),
        ("api-findings-array.json", "Amazon GuardDuty, findings (S3 export or API JSON), 2 GuardDuty findings", 2),
        ("eventbridge-event.json", "Amazon GuardDuty, EventBridge events, 1 GuardDuty finding", 1),
        ("sample-finding.json", "Amazon GuardDuty, findings (S3 export or API JSON), 1 GuardDuty finding", 1),
    ];
    for (name, shape, records) in cases {
        let t = TestCase::new();
        let summary = t.import(&[&sample(name)]);
        let file = &summary["files"][0];
        assert_eq!(file["format"], "guardduty", "{}", name);
        assert_eq!(file["shape"], shape, "{}", name);
        assert_eq!(file["records"], records, "{}", name);
        assert_eq!(file["errors"], 0, "{}", name);
    }
}

#[test]
fn the_same_finding_in_every_shape_and_update_is_one_event() {
    let t = TestCase::new();
    let summary = t.import(&[
        &sample(EXPORT),
        &sample("get-findings.json"),
        &sample("api-findings-array.json"),
        &sample("eventbridge-event.json"),
    ]);
    assert_eq!(summary["records"], 16);
    assert_eq!(summary["events_new"], 6, "{}", summary);
    assert_eq!(summary["parse_errors"], 0);
    let events = findings(&t);
    assert_eq!(events.len(), 6);
    let records: Vec<(String, u64)> =
        events.iter().map(|e| (e["rule"].as_str().unwrap().to_string(), e["records"].as_u64().unwrap())).collect();
    assert_eq!(
        records,
        [
            ("Discovery:Kubernetes/MaliciousIPCaller".to_string(), 2),
            ("CredentialAccess:Kubernetes/MaliciousIPCaller".to_string(), 3),
            ("Execution:Kubernetes/AnomalousBehavior.ExecInPod".to_string(), 3),
            ("Execution:Runtime/NewBinaryExecuted".to_string(), 2),
            ("CryptoCurrency:Runtime/BitcoinTool.B!DNS".to_string(), 3),
            ("CryptoCurrency:Runtime/BitcoinTool.B".to_string(), 3),
        ]
    );
    // The newest copy gives the fields: the updated export line (count 3),
    // not the first one (count 1); the export's update of the DNS finding,
    // not EventBridge's first version.
    let pool = by_rule(&events, "CryptoCurrency:Runtime/BitcoinTool.B");
    assert_eq!(pool["fields"]["count"], 3);
    assert_eq!(pool["fields"]["last_seen"], "2026-11-20T10:15:03.442Z");
    assert_eq!(pool["time"], "2026-11-20T09:47:22.017000000Z", "first seen, which updates do not move");
    let dns = by_rule(&events, "CryptoCurrency:Runtime/BitcoinTool.B!DNS");
    assert_eq!(dns["fields"]["count"], 2);

    // Imported again in the other order, the same events and fields.
    let t2 = TestCase::new();
    t2.import(&[&sample("eventbridge-event.json"), &sample("get-findings.json")]);
    t2.import(&[&sample(EXPORT)]);
    let again = findings(&t2);
    let pool2 = by_rule(&again, "CryptoCurrency:Runtime/BitcoinTool.B");
    assert_eq!(pool2["id"], pool["id"]);
    assert_eq!(pool2["fields"]["count"], 3);
    assert_eq!(by_rule(&again, "CryptoCurrency:Runtime/BitcoinTool.B!DNS")["fields"]["count"], 2);
}

#[test]
fn findings_are_alerts_with_severity_tactics_and_fields() {
    let t = TestCase::new();
    t.import(&[&sample(EXPORT)]);
    let events = findings(&t);
    for e in &events {
        assert_eq!(e["kind"], "alert");
        assert_eq!(e["source"], "guardduty");
    }
    let secrets = by_rule(&events, "CredentialAccess:Kubernetes/MaliciousIPCaller");
    assert_eq!(secrets["severity"], "high");
    assert_eq!(secrets["tactics"], serde_json::json!(["TA0006"]));
    assert_eq!(secrets["fields"]["severity_score"], 8.0);
    assert_eq!(secrets["fields"]["request_uri"], "/api/v1/namespaces/shop/secrets?limit=500");
    let miner = by_rule(&events, "Execution:Runtime/NewBinaryExecuted");
    assert_eq!(miner["severity"], "medium");
    assert_eq!(miner["message"].as_str().unwrap().split(" was executed").next().unwrap(), "A newly created or recently modified file /tmp/.x/xmrig");
    // The numbers as the export wrote them, beside their reading.
    assert_eq!(miner["fields"]["cluster_created_at_as_given"], "1.7724897321234567E9");
    assert_eq!(miner["fields"]["process_start_time_as_given"], "1.7951680411304567E9");
    assert_eq!(miner["fields"]["process_start_time"], "2026-11-20T09:47:21.130457000Z");
    let pool = by_rule(&events, "CryptoCurrency:Runtime/BitcoinTool.B");
    assert_eq!(pool["tactics"], serde_json::json!([]), "CryptoCurrency is no ATT&CK tactic");
    assert_eq!(pool["fields"]["unmapped_threat_purpose"], "CryptoCurrency");
}

#[test]
fn correlation_reads_the_findings_as_the_crypto_mining_incident() {
    let t = TestCase::new();
    t.import(&[&sample(EXPORT), &sample("sample-finding.json")]);
    t.ok(&["detect"]);
    t.ok(&["correlate"]);
    let incidents = t.json_lines(&["incidents"]);
    assert_eq!(incidents.len(), 2, "the sample finding is an incident of its own");
    let attack = incidents.iter().find(|i| i["title"] == "Crypto-mining in shop/cart-7f9c6d8b5-x2k4q").unwrap();
    let show: Value = serde_json::from_str(&t.ok(&["show", attack["id"].as_str().unwrap(), "--json"])).unwrap();
    let signals = signal_readings(&show);
    let want = |r: &str, ta: &[&str], te: &[&str]| {
        (r.to_string(), ta.iter().map(|s| s.to_string()).collect(), te.iter().map(|s| s.to_string()).collect())
    };
    assert_eq!(
        signals,
        [
            want("Discovery:Kubernetes/MaliciousIPCaller", &["TA0007"], &["T1613"]),
            want("CredentialAccess:Kubernetes/MaliciousIPCaller", &["TA0006"], &["T1552.007"]),
            want("Execution:Kubernetes/AnomalousBehavior.ExecInPod", &["TA0002"], &["T1609"]),
            want("Execution:Runtime/NewBinaryExecuted", &["TA0002", "TA0003", "TA0005"], &[]),
            want("CryptoCurrency:Runtime/BitcoinTool.B!DNS", &["TA0040"], &["T1496"]),
            want("CryptoCurrency:Runtime/BitcoinTool.B", &["TA0040"], &["T1496"]),
        ]
    );
    let pool = show["signals"].as_array().unwrap().iter().find(|s| s["rule"] == "CryptoCurrency:Runtime/BitcoinTool.B").unwrap();
    assert!(pool["mapping_notes"][0].as_str().unwrap().starts_with("CryptoCurrency is GuardDuty's ThreatPurpose"));
}

#[test]
fn entities_meet_the_other_sensors_keys() {
    let t = TestCase::new();
    t.import(&[&sample(EXPORT), &fixture("demo/src/falco.jsonl")]);
    let events = findings(&t);
    let exec = by_rule(&events, "Execution:Kubernetes/AnomalousBehavior.ExecInPod");
    assert_eq!(keys(exec, "pod", "target"), ["shop/cart-7f9c6d8b5-x2k4q"]);
    assert_eq!(keys(exec, "identity", "actor"), ["system:serviceaccount:shop:cart"]);
    assert_eq!(keys(exec, "ip", "source-ip"), ["203.0.113.45"]);
    assert_eq!(keys(exec, "cluster", "cluster"), ["eks-shop-prod"]);
    let miner = by_rule(&events, "Execution:Runtime/NewBinaryExecuted");
    assert_eq!(keys(miner, "container", "container"), ["335beb25619aada911de4c9c604086ce78db2f1ba7103cbf509937476f0575a3"]);
    assert_eq!(keys(miner, "image", "image"), ["shopregistry.azurecr.io/shop/cart:2.3.1"]);
    assert_eq!(keys(miner, "process", "process"), ["335beb25619a:2292803:/tmp/.x/xmrig"]);
    assert_eq!(keys(miner, "process", "parent-process"), ["335beb25619a:2292761:/bin/sh"]);
    assert_eq!(keys(miner, "file", "file"), ["/tmp/.x/xmrig"]);
    let pool = by_rule(&events, "CryptoCurrency:Runtime/BitcoinTool.B");
    assert_eq!(keys(pool, "ip", "destination"), ["198.51.100.77"]);
    let dns = by_rule(&events, "CryptoCurrency:Runtime/BitcoinTool.B!DNS");
    assert_eq!(keys(dns, "domain", "domain"), ["pool.minexmr.example"]);

    // Falco's alerts on the miner name the same process and container.
    let entities = t.json_lines(&["entities"]);
    let entity = |kind: &str, key: &str| {
        entities.iter().find(|e| e["kind"] == kind && e["key"] == key).unwrap_or_else(|| panic!("no {} {}", kind, key))
    };
    let process = entity("process", "335beb25619a:2292803:/tmp/.x/xmrig");
    assert!(process["events"].as_u64().unwrap() > 3, "{}", process);
    let falco: Vec<Value> = t.json_lines(&["events", "--source", "falco"]);
    assert!(falco.iter().any(|e| keys(e, "process", "process") == ["335beb25619a:2292803:/tmp/.x/xmrig"]));
    assert_eq!(entity("pod", "shop/cart-7f9c6d8b5-x2k4q")["kind"], "pod");
    assert_eq!(entity("ip", "198.51.100.77")["kind"], "ip");
}

#[test]
fn a_sample_finding_is_imported_and_marked() {
    let t = TestCase::new();
    t.import(&[&sample("sample-finding.json")]);
    let events = findings(&t);
    assert_eq!(events.len(), 1);
    let ev = &events[0];
    assert_eq!(ev["title"], "[SAMPLE] Command executed inside a pod in kube-system namespace.");
    assert_eq!(ev["fields"]["sample"], true);
    assert_eq!(ev["rule"], "Execution:Kubernetes/ExecInKubeSystemPod");
}

#[test]
fn bad_records_are_kept_verbatim_and_reported() {
    let t = TestCase::new();
    let summary = t.import(&[&sample("bad-records.jsonl")]);
    let file = &summary["files"][0];
    assert_eq!(file["format"], "guardduty");
    assert_eq!(file["records"], 5);
    assert_eq!(file["errors"], 4);
    assert_eq!(findings(&t).len(), 1);
    let errors = t.json_lines(&["errors"]);
    let got: Vec<(u64, &str)> =
        errors.iter().map(|e| (e["line"].as_u64().unwrap(), e["reason"].as_str().unwrap())).collect();
    assert_eq!(got.len(), 4);
    assert_eq!(got[0].0, 2);
    assert!(got[0].1.starts_with("invalid JSON: EOF while parsing"), "{}", got[0].1);
    assert_eq!(
        &got[1..],
        [
            (3, "the finding's `severity` is a string (\"HIGH\"), not a number"),
            (4, "the finding has no `id`"),
            (5, "in the EventBridge event's detail: the finding has no `id`"),
        ]
    );
    let text = std::fs::read_to_string(sample("bad-records.jsonl")).unwrap();
    for (e, line) in errors.iter().zip(text.lines().skip(1)) {
        assert!(e["file"].as_str().unwrap().ends_with("bad-records.jsonl"));
        assert_eq!(e["raw"], line, "kept verbatim");
    }
}
