//! Cilium Hubble flows imported by the real binary: `hubble observe` output,
//! the exporter's file and bare flows of older CLIs; the same flow in two
//! files is one event; policy drops are signals that join the attack;
//! lost events are reported; bad records are kept verbatim.

use crate::util::{fixture, TestCase};
use serde_json::Value;

fn sample(name: &str) -> std::path::PathBuf {
    fixture(&format!("samples/hubble/{}", name))
}

fn all(t: &TestCase) -> Vec<Value> {
    t.json_lines(&["events", "--source", "hubble"])
}

fn by_title<'a>(events: &'a [Value], start: &str) -> &'a Value {
    events
        .iter()
        .find(|e| e["title"].as_str().is_some_and(|t| t.starts_with(start)))
        .unwrap_or_else(|| panic!("no event {:?}", start))
}

fn imported(t: &TestCase) -> Value {
    t.import(&[&sample("observe.jsonl"), &sample("events.log"), &sample("observe-legacy.json")])
}

#[test]
fn every_shape_reads_as_its_words_and_nothing_is_dropped_silently() {
    let t = TestCase::new();
    let summary = imported(&t);
    let files = summary["files"].as_array().unwrap();
    let file = |suffix: &str| files.iter().find(|f| f["name"].as_str().unwrap().ends_with(suffix)).unwrap();

    let observe = file("observe.jsonl");
    assert_eq!(observe["format"], "hubble");
    assert_eq!(observe["shape"], "Hubble, hubble observe / exporter JSON Lines, 10 Hubble events");
    assert_eq!((observe["records"].as_u64(), observe["errors"].as_u64()), (Some(10), Some(0)));

    // 8 lines: 5 events (one of them the pool flow observe saw too), a debug
    // event skipped with its reason, 2 bad records.
    let export = file("events.log");
    assert_eq!(export["shape"], "Hubble, hubble observe / exporter JSON Lines, 5 Hubble events, 1 record skipped");
    assert_eq!(
        (export["records"].as_u64(), export["events_new"].as_u64(), export["events_merged"].as_u64(), export["errors"].as_u64()),
        (Some(7), Some(4), Some(1), Some(2))
    );
    assert_eq!(export["skipped_records"]["Hubble debug event DBG_CT_LOOKUP4_1 (datapath debugging)"], 1);

    let legacy = file("observe-legacy.json");
    assert_eq!(legacy["shape"], "Hubble, bare flows (older hubble observe -o json), 2 Hubble events");

    assert_eq!((summary["events_new"].as_u64(), summary["parse_errors"].as_u64()), (Some(16), Some(2)));
    assert_eq!(all(&t).len(), 16);
}

#[test]
fn flows_carry_verdicts_ports_endpoints_and_exact_times() {
    let t = TestCase::new();
    imported(&t);
    let events = all(&t);

    // The same flow (one uuid) from `hubble observe` and the exporter.
    let pool = by_title(&events, "TCP shop/cart-7f9c6d8b5-x2k4q (10.244.1.23:39618) → world 198.51.100.77:4444 FORWARDED");
    assert_eq!(pool["records"], 2);
    assert_eq!(pool["time"], "2026-11-20T09:47:22.104518932Z");
    assert_eq!(pool["kind"], "telemetry");
    let f = &pool["fields"];
    assert_eq!((&f["verdict"], &f["protocol"], &f["dst_port"]), (&"FORWARDED".into(), &"tcp".into(), &4444.into()));
    assert_eq!((&f["traffic_direction"], &f["is_reply"], &f["tcp_flags"]), (&"EGRESS".into(), &false.into(), &"SYN".into()));
    assert_eq!((&f["destination_endpoint"], &f["destination_identity"]), (&"world".into(), &2.into()));
    assert_eq!(f["uuid"], "7c41b9e2-0f6d-4d8a-a1c3-5e9b2d7f6a21");

    let reply = by_title(&events, "TCP reply world 198.51.100.77:4444 → shop/cart");
    assert_eq!(reply["fields"]["is_reply"], true);
    let roles: Vec<&str> = reply["entities"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["kind"] == "ip")
        .map(|e| e["role"].as_str().unwrap())
        .collect();
    assert_eq!(roles, ["reply-destination-ip", "reply-source-ip"]);

    let icmp = by_title(&events, "ICMPv4 type 8");
    assert_eq!((&icmp["fields"]["icmp_type"], &icmp["fields"]["destination_endpoint"]), (&8.into(), &"unknown".into()));
    let dns = by_title(&events, "DNS query pool.minexmr.example");
    assert_eq!(dns["fields"]["dns_query"], "pool.minexmr.example.");
    let http = by_title(&events, "HTTP GET http://198.51.100.23/x.sh");
    assert_eq!(http["fields"]["http_method"], "GET");
    let kubelet = by_title(&events, "TCP shop/cart-7f9c6d8b5-x2k4q (10.244.1.23:41766) → remote-node 10.224.0.4:10250");
    assert_eq!(kubelet["fields"]["destination_reserved"], "remote-node");
}

#[test]
fn a_policy_drop_is_a_signal_and_lost_events_are_reported() {
    let t = TestCase::new();
    imported(&t);
    let events = all(&t);
    let alerts: Vec<&Value> = events.iter().filter(|e| e["kind"] == "alert").collect();
    assert_eq!(alerts.len(), 1);
    let drop = alerts[0];
    assert_eq!((&drop["rule"], &drop["severity"]), (&"Flow denied by network policy".into(), &"medium".into()));
    assert_eq!(drop["tactics"], serde_json::json!([]));
    assert_eq!(drop["fields"]["drop_reason_desc"], "POLICY_DENIED");
    assert_eq!(drop["fields"]["egress_denied_by"][0], "CiliumClusterwideNetworkPolicy deny-instance-metadata");

    let lost = by_title(&events, "Hubble lost 137 events");
    assert_eq!((&lost["kind"], &lost["severity"]), (&"telemetry".into(), &"low".into()));
    assert_eq!((&lost["fields"]["num_events_lost"], &lost["fields"]["evidence_gap"]), (&137.into(), &true.into()));
    let relay = by_title(&events, "Hubble Relay: NODE_UNAVAILABLE");
    assert_eq!(relay["fields"]["evidence_gap"], true);
    let policy = by_title(&events, "Cilium agent: policy updated deny-instance-metadata");
    assert_eq!(policy["kind"], "telemetry");
}

#[test]
fn entities_are_the_keys_other_sensors_use() {
    let t = TestCase::new();
    imported(&t);
    let keys: Vec<(String, String)> = t
        .json_lines(&["entities"])
        .iter()
        .map(|e| (e["kind"].as_str().unwrap().to_string(), e["key"].as_str().unwrap().to_string()))
        .collect();
    for (kind, key) in [
        ("cluster", "aks-shop-prod"),
        ("node", "aks-nodepool1-31415926-vmss000001"),
        ("pod", "shop/cart-7f9c6d8b5-x2k4q"),
        ("workload", "shop/Deployment/cart"),
        ("identity", "system:serviceaccount:shop:cart"),
        ("ip", "10.244.1.23"),
        ("ip", "198.51.100.77"),
        ("domain", "pool.minexmr.example"),
    ] {
        assert!(keys.contains(&(kind.to_string(), key.to_string())), "no {} {}", kind, key);
    }
    // Empty and reserved endpoints are no pods.
    assert_eq!(keys.iter().filter(|(k, _)| k == "pod").count(), 3, "{:?}", keys);
}

#[test]
fn bad_records_are_kept_verbatim_with_their_line_and_reason() {
    let t = TestCase::new();
    imported(&t);
    let errors = t.json_lines(&["errors"]);
    assert_eq!(errors.len(), 2);
    assert!(errors.iter().all(|e| e["file"].as_str().unwrap().ends_with("samples/hubble/events.log")));
    assert_eq!(errors[0]["line"], 7);
    assert!(errors[0]["reason"].as_str().unwrap().starts_with("invalid JSON: EOF while parsing"), "{}", errors[0]);
    assert!(errors[0]["raw"].as_str().unwrap().ends_with("\"destinat"));
    assert_eq!((&errors[1]["line"], &errors[1]["reason"]), (&8.into(), &"Hubble `flow` is a string, not an object".into()));
    assert!(errors[1]["raw"].as_str().unwrap().starts_with("{\"flow\":\"FORWARDED 10.244.1.23:39618"));
}

#[test]
fn the_policy_drop_joins_the_attack_and_the_flows_draw_its_graph() {
    let t = TestCase::new();
    t.import(&[&fixture("demo/kordon-demo.zip")]);
    imported(&t);
    t.ok(&["detect"]);
    t.ok(&["correlate"]);
    let attack = t.json_lines(&["incidents"]).remove(0);
    assert!(attack["title"].as_str().unwrap().starts_with("Crypto-mining in shop/cart-7f9c6d8b5-x2k4q"), "{}", attack);
    let id = attack["id"].as_str().unwrap();
    let shown: Value = serde_json::from_str(&t.ok(&["show", id, "--json"])).unwrap();
    let drop = shown["signals"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["source"] == "hubble")
        .expect("the Hubble policy drop is a signal of the attack");
    assert_eq!(drop["rule"], "Flow denied by network policy");
    assert!(drop["mapping_notes"][0].as_str().unwrap().starts_with("Hubble gives no tags."));

    let graph: Value = serde_json::from_str(&t.ok(&["graph", id, "--json"])).unwrap();
    let labels: Vec<&str> = graph["edges"].as_array().unwrap().iter().filter_map(|e| e["label"].as_str()).collect();
    assert!(labels.contains(&"tried to connect to :80"), "{:?}", labels);
    assert!(labels.contains(&"looked up"), "{:?}", labels);
}
