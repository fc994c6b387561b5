//! Sysdig Secure runtime events imported by the real binary: detection,
//! alerts with their tactics, the exact nanosecond time, entities that join
//! Falco's, the API array deduplicated against the forwarded lines, and the
//! cut record kept verbatim.

use crate::util::{fixture, TestCase};
use serde_json::Value;

fn sample(name: &str) -> std::path::PathBuf {
    fixture(&format!("samples/sysdig/{}", name))
}

fn by_rule<'a>(events: &'a [Value], rule: &str) -> &'a Value {
    events.iter().find(|e| e["rule"] == rule).unwrap_or_else(|| panic!("no event {:?}", rule))
}

fn entity_key<'a>(ev: &'a Value, kind: &str, role: &str) -> &'a str {
    ev["entities"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["kind"] == kind && e["role"] == role)
        .and_then(|e| e["key"].as_str())
        .unwrap_or_else(|| panic!("no {} {} in {}", kind, role, ev))
}

#[test]
fn forwarded_lines_import_as_alerts_and_the_cut_record_is_kept() {
    let t = TestCase::new();
    let summary = t.import(&[&sample("events.jsonl")]);
    let file = &summary["files"][0];
    assert_eq!(file["format"], "sysdig");
    assert_eq!(file["records"], 7);
    assert_eq!(file["events_new"], 6);
    assert_eq!(file["errors"], 1);
    let events = t.json_lines(&["events", "--source", "sysdig"]);
    assert_eq!(events.len(), 6);
    assert!(events.iter().all(|e| e["kind"] == "alert"));
    let errors = t.json_lines(&["errors"]);
    assert_eq!(errors.len(), 1);
    assert_eq!(errors[0]["line"], 6);
    assert!(errors[0]["file"].as_str().unwrap().ends_with("events.jsonl"));
    assert!(errors[0]["reason"].as_str().unwrap().starts_with("invalid JSON: EOF while parsing"), "{}", errors[0]);
    // Verbatim: the cut line as it is in the file.
    let line6 = std::fs::read_to_string(sample("events.jsonl")).unwrap().lines().nth(5).unwrap().to_string();
    assert_eq!(errors[0]["raw"], line6);
}

#[test]
fn the_nanosecond_timestamp_is_exact_in_the_events_output() {
    let t = TestCase::new();
    t.import(&[&sample("events.jsonl")]);
    let events = t.json_lines(&["events", "--source", "sysdig"]);
    // 1795168041130456789 in the record; through an f64 it would end …456832.
    let raw = std::fs::read_to_string(sample("events.jsonl")).unwrap();
    assert!(raw.contains("\"timestamp\":1795168041130456789,"));
    let stratum = by_rule(&events, "Detect crypto miners using the Stratum protocol");
    assert_eq!(stratum["time"], "2026-11-20T09:47:21.130456789Z");
    let pool = by_rule(&events, "Detect outbound connections to common miner pool ports");
    assert_eq!(pool["time"], "2026-11-20T09:47:22.017654321Z");
}

#[test]
fn alerts_carry_severity_tactics_actions_and_sources() {
    let t = TestCase::new();
    t.import(&[&sample("events.jsonl")]);
    let events = t.json_lines(&["events", "--source", "sysdig"]);
    let shell = by_rule(&events, "Terminal shell in container");
    assert_eq!(shell["severity"], "medium");
    assert_eq!(shell["title"], "Sysdig Runtime Notable Events");
    assert_eq!(shell["tactics"], serde_json::json!(["TA0002"]));
    assert_eq!(shell["techniques"], serde_json::json!(["T1059", "T1059.004"]));
    let drift = by_rule(&events, "Drop and execute new binary in container");
    assert_eq!(drift["severity"], "high");
    assert_eq!(drift["tactics"], serde_json::json!(["TA0003"]));
    assert_eq!(drift["fields"]["actions"][0]["type"], "capture");
    let pool = by_rule(&events, "Detect outbound connections to common miner pool ports");
    assert_eq!(pool["fields"]["actions"][1]["successful"], false);
    assert!(pool["message"].as_str().unwrap().contains("kill failed"));
    assert_eq!(entity_key(pool, "ip", "destination-ip"), "198.51.100.77");
    let exec = by_rule(&events, "Attach/Exec Pod");
    assert_eq!(exec["fields"]["sysdig_source"], "k8s_audit");
    assert_eq!(entity_key(exec, "identity", "actor"), "system:serviceaccount:shop:cart");
    assert_eq!(entity_key(exec, "ip", "source-ip"), "203.0.113.45");
}

#[test]
fn the_api_array_and_the_forwarded_line_of_one_event_are_one_event() {
    let t = TestCase::new();
    t.import(&[&sample("events.jsonl")]);
    let summary = t.import(&[&sample("secure-events-data.json")]);
    assert_eq!(summary["files"][0]["format"], "sysdig");
    assert_eq!(summary["events_merged"], 1, "{}", summary);
    assert_eq!(summary["events_new"], 1, "{}", summary);
    let events = t.json_lines(&["events", "--source", "sysdig"]);
    assert_eq!(events.len(), 7);
    assert_eq!(by_rule(&events, "Attach/Exec Pod")["records"], 2);
    let cloud = by_rule(&events, "Console Login Without MFA");
    assert_eq!(cloud["fields"]["sysdig_source"], "aws_cloudtrail");
    assert_eq!(cloud["severity"], "low");
}

#[test]
fn sysdig_and_falco_name_the_same_process_pod_and_container() {
    let t = TestCase::new();
    t.import(&[&fixture("demo/src/falco.jsonl"), &sample("events.jsonl")]);
    let sysdig = t.json_lines(&["events", "--source", "sysdig"]);
    let falco = t.json_lines(&["events", "--source", "falco"]);
    let s = by_rule(&sysdig, "Detect outbound connections to common miner pool ports");
    let f = by_rule(&falco, "Detect outbound connections to common miner pool ports");
    for (kind, role) in [("process", "process"), ("pod", "pod"), ("container", "container"), ("image", "image"), ("ip", "destination-ip")] {
        assert_eq!(entity_key(s, kind, role), entity_key(f, kind, role), "{} {}", kind, role);
    }
    assert_eq!(entity_key(s, "process", "process"), "335beb25619a:2292803:/tmp/.x/xmrig");
    // One xmrig process entity, seen by both tools.
    let entities = t.json_lines(&["entities"]);
    let xmrig: Vec<&Value> = entities.iter().filter(|e| e["kind"] == "process" && e["key"] == "335beb25619a:2292803:/tmp/.x/xmrig").collect();
    assert_eq!(xmrig.len(), 1);
    assert!(xmrig[0]["events"].as_u64().unwrap() >= 6, "{}", xmrig[0]);
    let shell = by_rule(&sysdig, "Terminal shell in container");
    let fshell = by_rule(&falco, "Terminal shell in container");
    assert_eq!(entity_key(shell, "process", "process"), entity_key(fshell, "process", "process"));
}
