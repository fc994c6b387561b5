//! KubeArmor alerts and logs imported by the real binary: `karmor logs
//! --json` behind its status lines, pretty JSON behind them too, blocks as
//! failed attempts, telemetry, entities that join Falco's, the cut record.

use crate::util::{fixture, TestCase};
use serde_json::Value;

fn sample(name: &str) -> std::path::PathBuf {
    fixture(&format!("samples/kubearmor/{}", name))
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
fn both_shapes_read_as_their_words_and_status_lines_are_skipped() {
    let cases = [
        ("karmor-logs.jsonl", "KubeArmor, karmor logs --json, 4 KubeArmor events, 6 records skipped", 5, 4, 1, 6),
        ("karmor-pretty.json", "KubeArmor, karmor logs pretty JSON, 3 KubeArmor events, 3 records skipped", 3, 3, 0, 3),
    ];
    for (name, shape, records, events, errors, skipped) in cases {
        let t = TestCase::new();
        let summary = t.import(&[&sample(name)]);
        let file = &summary["files"][0];
        assert_eq!(file["format"], "kubearmor", "{}", name);
        assert_eq!(file["shape"], shape, "{}", name);
        assert_eq!(file["records"], records, "{}", name);
        assert_eq!(file["events_new"], events, "{}", name);
        assert_eq!(file["errors"], errors, "{}", name);
        assert_eq!(file["skipped_records"]["karmor logs status line"], skipped, "{}", name);
    }
}

#[test]
fn the_cut_record_is_kept_verbatim_and_reported() {
    let t = TestCase::new();
    t.import(&[&sample("karmor-logs.jsonl")]);
    let errors = t.json_lines(&["errors"]);
    assert_eq!(errors.len(), 1);
    assert_eq!(errors[0]["line"], 10);
    assert!(errors[0]["reason"].as_str().unwrap().starts_with("invalid JSON"), "{}", errors[0]);
    let line10 = std::fs::read_to_string(sample("karmor-logs.jsonl")).unwrap().lines().nth(9).unwrap().to_string();
    assert_eq!(errors[0]["raw"], line10);
}

#[test]
fn blocks_are_alerts_of_failed_attempts_and_logs_are_telemetry() {
    let t = TestCase::new();
    t.import(&[&sample("karmor-logs.jsonl"), &sample("karmor-pretty.json")]);
    let events = t.json_lines(&["events", "--source", "kubearmor"]);
    assert_eq!(events.len(), 7);
    assert_eq!(events.iter().filter(|e| e["kind"] == "alert").count(), 5);
    let token = by_rule(&events, "cart-protect-sa-token");
    assert_eq!(token["kind"], "alert");
    assert_eq!(token["severity"], "high");
    assert_eq!(token["fields"]["blocked"], true);
    assert_eq!(token["fields"]["result"], "Permission denied");
    assert!(token["message"].as_str().unwrap().ends_with("— blocked (Permission denied)"));
    assert_eq!(token["tactics"], serde_json::json!(["TA0006"]));
    assert_eq!(token["techniques"], serde_json::json!(["T1528"]));
    assert_eq!(token["time"], "2026-11-20T09:45:31.604215000Z");
    let posture = by_rule(&events, "DefaultPosture");
    assert_eq!(posture["fields"]["action"], "Audit (Block)");
    assert_eq!(posture["fields"]["blocked"], false);
    let host = by_rule(&events, "node-audit-shadow");
    assert_eq!(host["techniques"], serde_json::json!(["T1003"]));
    let connect = by_rule(&events, "ContainerLog Network");
    assert_eq!(connect["kind"], "telemetry");
    assert_eq!(entity_key(connect, "ip", "destination-ip"), "198.51.100.77");
    assert_eq!(by_rule(&events, "HostLog Process")["kind"], "telemetry");
}

#[test]
fn kubearmor_and_falco_name_the_same_process_pod_and_container() {
    let t = TestCase::new();
    t.import(&[&fixture("demo/src/falco.jsonl"), &sample("karmor-logs.jsonl"), &sample("karmor-pretty.json")]);
    let ka = t.json_lines(&["events", "--source", "kubearmor"]);
    let falco = t.json_lines(&["events", "--source", "falco"]);
    let k = by_rule(&ka, "cart-audit-tmp-exec");
    let f = by_rule(&falco, "Detect outbound connections to common miner pool ports");
    assert_eq!(entity_key(k, "process", "process"), "335beb25619a:2292803:/tmp/.x/xmrig");
    assert_eq!(entity_key(k, "process", "process"), entity_key(f, "process", "process"));
    assert_eq!(entity_key(k, "pod", "pod"), entity_key(f, "pod", "pod"));
    let nmap = by_rule(&ka, "DefaultPosture");
    let fnmap = falco
        .iter()
        .find(|e| e["rule"] == "Launch Suspicious Network Tool in Container" && e["fields"]["pid"] == 2292105)
        .unwrap();
    assert_eq!(entity_key(nmap, "process", "process"), entity_key(fnmap, "process", "process"));
    // KubeArmor's 64-hex container id and Falco's 12-hex one end as one container.
    let entities = t.json_lines(&["entities"]);
    let containers: Vec<&Value> = entities.iter().filter(|e| e["kind"] == "container" && e["key"].as_str().unwrap().starts_with("335beb25619a")).collect();
    assert_eq!(containers.len(), 1, "{:?}", containers);
    assert_eq!(containers[0]["key"], "335beb25619aada911de4c9c604086ce78db2f1ba7103cbf509937476f0575a3");
}
