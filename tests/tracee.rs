//! Aqua Tracee events, imported by the real binary: the three JSON
//! generations, signatures as alerts with their ATT&CK reading, the entities
//! that join the generations (and Falco's and Tetragon's records), `kubectl
//! logs` with Tracee's own log lines, and bad records.

use crate::util::{fixture, TestCase};
use serde_json::Value;
use std::collections::BTreeSet;

fn sample(name: &str) -> std::path::PathBuf {
    fixture(&format!("samples/tracee/{}", name))
}

fn events(t: &TestCase) -> Vec<Value> {
    t.json_lines(&["events", "--source", "tracee"])
}

fn keys(t: &TestCase, kind: &str) -> BTreeSet<String> {
    t.json_lines(&["entities", "--kind", kind]).iter().map(|e| e["key"].as_str().unwrap().to_string()).collect()
}

const POD: &str = "shop/cart-7f9c6d8b5-x2k4q";
const CONTAINER: &str = "335beb25619aada911de4c9c604086ce78db2f1ba7103cbf509937476f0575a3";
const XMRIG: &str = "335beb25619a:2292803:/tmp/.x/xmrig";

#[test]
fn every_generation_reads_as_its_words_in_the_summary() {
    let cases = [
        ("legacy-2022.jsonl", "Tracee, legacy flat events (≈2022), 7 Tracee events", 7),
        ("nested-2024.jsonl", "Tracee, nested events (≈2023–2025), 8 Tracee events", 8),
        ("v1beta1-2025.jsonl", "Tracee, v1beta1 events, 4 Tracee events", 4),
        ("tracee-rules-2022.jsonl", "Tracee, legacy flat events (≈2022), 1 Tracee event", 1),
    ];
    for (name, shape, records) in cases {
        let t = TestCase::new();
        let summary = t.import(&[&sample(name)]);
        let file = &summary["files"][0];
        assert_eq!(file["format"], "tracee", "{}", name);
        assert_eq!(file["shape"], shape, "{}", name);
        assert_eq!(file["records"], records, "{}", name);
        assert_eq!(file["events_new"], records, "{}", name);
        assert_eq!(file["errors"], 0, "{}", name);
        let evs = events(&t);
        assert_eq!(evs.len(), records as usize);
        assert!(evs.iter().all(|e| e["source"] == "tracee"));
    }
}

#[test]
fn the_three_generations_name_the_same_pod_container_and_process() {
    let mut seen = Vec::new();
    for name in ["legacy-2022.jsonl", "nested-2024.jsonl", "v1beta1-2025.jsonl"] {
        let t = TestCase::new();
        t.import(&[&sample(name)]);
        let pods = keys(&t, "pod");
        let containers = keys(&t, "container");
        let images = keys(&t, "image");
        let processes = keys(&t, "process");
        assert!(processes.contains(XMRIG), "{}: {:?}", name, processes);
        // hostName is a truncated UTS name: never a node.
        assert!(keys(&t, "node").is_empty(), "{}", name);
        seen.push((pods, containers, images));
        let pod = &t.json_lines(&["entities", "--kind", "pod"])[0];
        assert_eq!(pod["attrs"]["uid"], "5073bb1d-f9d3-4ee8-9817-7e92b9975677", "{}", name);
    }
    let want = (
        BTreeSet::from([POD.to_string()]),
        BTreeSet::from([CONTAINER.to_string()]),
        BTreeSet::from(["shopregistry.azurecr.io/shop/cart:2.3.1".to_string()]),
    );
    for s in &seen {
        assert_eq!(s, &want);
    }

    // Together, one pod, one container, one miner process, seen by all three.
    let t = TestCase::new();
    t.import(&[&sample("legacy-2022.jsonl"), &sample("nested-2024.jsonl"), &sample("v1beta1-2025.jsonl")]);
    assert_eq!(keys(&t, "pod"), want.0);
    assert_eq!(keys(&t, "container"), want.1);
    assert_eq!(keys(&t, "ip"), BTreeSet::from(["10.0.0.1".to_string(), "198.51.100.77".to_string()]));
    let xmrig = t.json_lines(&["entities", "--kind", "process"]).into_iter().find(|e| e["key"] == XMRIG).unwrap();
    // The exec in each generation, the connect in the two that name the exe.
    assert_eq!(xmrig["events"], 5, "{}", xmrig);
    let image = &t.json_lines(&["entities", "--kind", "image"])[0];
    assert_eq!(image["attrs"]["digest"], "sha256:aeaf1efab052b1dcf5343a5c4d02aa55aa54a7d686f7a402d9267e07f5835bb6");
}

#[test]
fn telemetry_keeps_exact_times_command_lines_and_the_pool() {
    let t = TestCase::new();
    t.import(&[&sample("nested-2024.jsonl")]);
    let evs = events(&t);
    let titles: Vec<&str> = evs.iter().map(|e| e["title"].as_str().unwrap()).collect();
    assert_eq!(
        titles,
        [
            "exec /bin/sh",
            "exec /usr/bin/nmap",
            "Kubernetes API server connection detected",
            "execve /usr/bin/curl by sh",
            "exec /usr/bin/curl",
            "New executable dropped",
            "exec /tmp/.x/xmrig",
            "connect by xmrig to 198.51.100.77:4444",
        ]
    );
    let nmap = &evs[1];
    assert_eq!(nmap["time"], "2026-11-20T09:44:15.208790114Z");
    assert_eq!(nmap["kind"], "telemetry");
    assert_eq!(nmap["fields"]["cmdline"], "nmap -sS -p 6379,2375,10250 10.244.0.0/16");
    let connect = &evs[7];
    assert_eq!(connect["time"], "2026-11-20T09:47:22.031554102Z");
    assert_eq!(connect["fields"]["dst_ip"], "198.51.100.77");
    assert_eq!(connect["fields"]["dst_port"], 4444);
    assert_eq!(connect["fields"]["args"]["remote_addr"]["sin_port"], "4444", "the raw argument stays as Tracee wrote it");
    assert_eq!(connect["fields"]["uts_hostname"], "cart-7f9c6d8b5-");
}

#[test]
fn signatures_are_alerts_with_tracees_tags_and_kordons_reading() {
    let t = TestCase::new();
    t.import(&[&sample("nested-2024.jsonl"), &sample("v1beta1-2025.jsonl")]);
    let alerts: Vec<Value> = events(&t).into_iter().filter(|e| e["kind"] == "alert").collect();
    let got: Vec<(String, String, Value, Value)> = alerts
        .iter()
        .map(|a| {
            (
                a["rule"].as_str().unwrap().to_string(),
                a["severity"].as_str().unwrap().to_string(),
                a["tactics"].clone(),
                a["techniques"].clone(),
            )
        })
        .collect();
    let api = ("TRC-1013 Kubernetes API server connection detected".to_string(), "low".to_string());
    let drop = ("TRC-1022 New executable dropped".to_string(), "medium".to_string());
    assert_eq!(
        got,
        [
            (api.0, api.1, serde_json::json!(["TA0007"]), serde_json::json!([])),
            (drop.0.clone(), drop.1.clone(), serde_json::json!(["TA0005"]), serde_json::json!(["T1036"])),
            (drop.0, drop.1, serde_json::json!(["TA0005"]), serde_json::json!(["T1036"])),
        ]
    );
    // The same finding from two generations, at the same nanosecond.
    assert_eq!(alerts[1]["time"], alerts[2]["time"]);
    let generations: BTreeSet<&str> = alerts[1..].iter().map(|a| a["fields"]["generation"].as_str().unwrap()).collect();
    assert_eq!(generations, BTreeSet::from(["nested", "v1beta1"]));
    assert!(alerts[1..].iter().all(|a| a["fields"]["triggered_by"] == "magic_write"));

    // Correlated, the mapping table adds what Tracee leaves out.
    t.ok(&["correlate"]);
    let incidents = t.json_lines(&["incidents"]);
    assert_eq!(incidents.len(), 1);
    let show: Value = serde_json::from_str(&t.ok(&["show", incidents[0]["id"].as_str().unwrap(), "--json"])).unwrap();
    let mut signals: Vec<(String, Value, Value, Value)> = show["signals"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| (s["rule"].as_str().unwrap().to_string(), s["tactics"].clone(), s["techniques"].clone(), s["ms_matrix"].clone()))
        .collect();
    signals.sort_by(|a, b| a.0.cmp(&b.0));
    signals.dedup_by(|a, b| a.0 == b.0);
    assert_eq!(
        signals,
        [
            (
                "TRC-1013 Kubernetes API server connection detected".to_string(),
                serde_json::json!(["TA0007"]),
                serde_json::json!(["T1613"]),
                serde_json::json!(["MS-TA9029"])
            ),
            (
                "TRC-1022 New executable dropped".to_string(),
                serde_json::json!(["TA0005", "TA0011"]),
                serde_json::json!(["T1036", "T1105"]),
                serde_json::json!([])
            ),
        ]
    );
}

#[test]
fn a_tracee_rules_finding_of_2022_is_an_alert_too() {
    let t = TestCase::new();
    t.import(&[&sample("tracee-rules-2022.jsonl")]);
    let evs = events(&t);
    assert_eq!(evs.len(), 1);
    let a = &evs[0];
    assert_eq!(a["kind"], "alert");
    assert_eq!(a["rule"], "TRC-13 Kubernetes API server connection detected");
    assert_eq!(a["severity"], "low");
    assert_eq!(a["tactics"], serde_json::json!(["TA0007"]));
    assert_eq!(a["time"], "2026-11-20T09:45:40.118420554Z");
    assert_eq!(keys(&t, "pod"), BTreeSet::from([POD.to_string()]));
    assert_eq!(keys(&t, "ip"), BTreeSet::from(["10.0.0.1".to_string()]));
}

#[test]
fn kubectl_logs_skip_tracees_own_lines_and_keep_a_cut_event() {
    let t = TestCase::new();
    let summary = t.import(&[&sample("kubectl-logs-tracee-x7k2p.log")]);
    let file = &summary["files"][0];
    assert_eq!(file["format"], "tracee");
    assert_eq!(file["shape"], "Tracee, nested events (≈2023–2025), 5 Tracee events, 3 records skipped");
    assert_eq!(file["skipped_records"]["Tracee log line (not an event)"], 3);
    assert_eq!(file["events_new"], 5);
    assert_eq!(file["errors"], 1);
    let errors = t.json_lines(&["errors"]);
    assert_eq!(errors.len(), 1);
    assert_eq!(errors[0]["line"], 12);
    assert!(errors[0]["reason"].as_str().unwrap().starts_with("invalid JSON: EOF"), "{}", errors[0]);
    let raw = errors[0]["raw"].as_str().unwrap();
    assert!(raw.starts_with("{\"timestamp\":1795168043118003311,") && raw.len() == 416, "kept verbatim");
}

#[test]
fn bad_records_are_parse_errors_and_the_rest_imports() {
    let t = TestCase::new();
    let summary = t.import(&[&sample("bad-records.jsonl")]);
    assert_eq!(summary["files"][0]["format"], "tracee");
    assert_eq!(summary["files"][0]["errors"], 5);
    assert_eq!(summary["events_new"], 1);
    let errors = t.json_lines(&["errors"]);
    let reasons: Vec<(u64, &str)> =
        errors.iter().map(|e| (e["line"].as_u64().unwrap(), e["reason"].as_str().unwrap())).collect();
    let expect = [
        (2, "timestamp is a string, not an integer of epoch nanoseconds"),
        (3, "args is an object, not an array"),
        (4, "timestamp 8123456789012 is not epoch nanoseconds"),
        (5, "timestamp.seconds is not an integer"),
        (6, "invalid JSON: EOF"),
    ];
    assert_eq!(reasons.len(), expect.len(), "{:?}", reasons);
    for ((line, reason), (want_line, want)) in reasons.iter().zip(expect) {
        assert_eq!(*line, want_line);
        assert!(reason.contains(want), "line {}: {:?} does not say {:?}", line, reason, want);
    }
    let file = std::fs::read_to_string(sample("bad-records.jsonl")).unwrap();
    for (e, line) in errors.iter().zip(file.lines().skip(1)) {
        assert_eq!(e["raw"].as_str().unwrap(), line, "kept verbatim");
    }
}
