use super::*;
use crate::formats::test_support::{entity, obj};
use crate::formats::{detect_record, Format};

const EVENTS: &str = include_str!("../../../fixtures/samples/sysdig/events.jsonl");
const DATA: &str = include_str!("../../../fixtures/samples/sysdig/secure-events-data.json");
const CART: &str = "335beb25619aada911de4c9c604086ce78db2f1ba7103cbf509937476f0575a3";

fn lines() -> Vec<&'static str> {
    EVENTS.lines().collect()
}

fn by_rule(rule: &str) -> NewEvent {
    lines()
        .into_iter()
        .filter_map(|l| parse(l.as_bytes()).ok())
        .find(|e| e.rule.as_deref() == Some(rule))
        .unwrap_or_else(|| panic!("no {}", rule))
}

#[test]
fn every_good_line_is_detected_as_sysdig_and_parsed_as_an_alert() {
    let mut ok = 0;
    for (i, line) in lines().into_iter().enumerate() {
        match serde_json::from_str::<Value>(line) {
            Ok(v) => {
                assert_eq!(detect_record(v.as_object().unwrap()), Some(Format::Sysdig), "line {}", i + 1);
                let ev = parse(line.as_bytes()).unwrap();
                assert_eq!(ev.kind, EventKind::Alert);
                assert_eq!(ev.source, Source::Sysdig);
                ok += 1;
            }
            Err(_) => assert!(parse(line.as_bytes()).unwrap_err().reason.contains("invalid JSON")),
        }
    }
    assert_eq!(ok, 6);
}

#[test]
fn nanosecond_timestamp_past_2_pow_53_stays_exact() {
    let ev = by_rule("Detect crypto miners using the Stratum protocol");
    // An f64 holds 1795168041130456832 here: the last digits would be lost.
    assert_ne!(1_795_168_041_130_456_789f64 as i64, 1_795_168_041_130_456_789);
    assert_eq!(ev.time_ns, Some(1_795_168_041_130_456_789));
    // A string of digits is as exact; a float is refused, not rounded.
    assert_eq!(timestamp_ns(Some(&Value::from("1795168041130456789"))), Some(1_795_168_041_130_456_789));
    let v: Value = serde_json::from_str("1.795168041130456789e18").unwrap();
    assert_eq!(timestamp_ns(Some(&v)), None);
    let err = parse(br#"{"name":"p","severity":4,"timestamp":1.7951680411304568e18,"content":{"ruleName":"r"}}"#)
        .unwrap_err();
    assert!(err.reason.contains("timestamp"), "{}", err);
}

#[test]
fn severity_buckets() {
    assert_eq!(severity_of(0), Severity::High);
    assert_eq!(severity_of(3), Severity::High);
    assert_eq!(severity_of(4), Severity::Medium);
    assert_eq!(severity_of(5), Severity::Medium);
    assert_eq!(severity_of(6), Severity::Low);
    assert_eq!(severity_of(7), Severity::Info);
    assert_eq!(by_rule("Terminal shell in container").severity, Severity::Medium);
    assert_eq!(by_rule("Drop and execute new binary in container").severity, Severity::High);
    assert_eq!(by_rule("Drop and execute new binary in container").fields["sysdig_severity"], 0);
    assert!(parse(br#"{"name":"p","severity":9,"timestamp":1,"content":{"ruleName":"r"}}"#).is_err());
    assert!(parse(br#"{"name":"p","severity":"high","timestamp":1,"content":{"ruleName":"r"}}"#).is_err());
}

#[test]
fn mitre_tags_give_tactics_and_techniques_as_given() {
    let ev = by_rule("Terminal shell in container");
    assert_eq!(ev.tactics, vec!["TA0002"]);
    assert_eq!(ev.techniques, vec!["T1059", "T1059.004"]);
    assert_eq!(ev.fields["rule_tags"][3], "MITRE_TA0002_execution");
    assert!(ev.fields.get("tags").is_none());
    let (ta, te) = attack_ids(["MITRE", "mitre_discovery", "T1046", "MITRE_T1003_os_credential_dumping", "MITRE_TA9999_x"]);
    assert_eq!(ta, vec!["TA0007"]);
    assert_eq!(te, vec!["T1003", "T1046"]);
}

#[test]
fn labels_give_canonical_entities() {
    let ev = by_rule("Terminal shell in container");
    assert_eq!(entity(&ev, EntityKind::Cluster, "cluster").unwrap().key, "aks-shop-prod");
    assert_eq!(entity(&ev, EntityKind::Cluster, "cluster").unwrap().attrs["provider"], "azure");
    assert_eq!(entity(&ev, EntityKind::Node, "node").unwrap().key, "aks-nodepool1-31415926-vmss000001");
    assert_eq!(entity(&ev, EntityKind::Namespace, "namespace").unwrap().key, "shop");
    let pod = entity(&ev, EntityKind::Pod, "pod").unwrap();
    assert_eq!(pod.key, "shop/cart-7f9c6d8b5-x2k4q");
    assert_eq!(pod.attrs["uid"], "5073bb1d-f9d3-4ee8-9817-7e92b9975677");
    assert_eq!(entity(&ev, EntityKind::Workload, "owner").unwrap().key, "shop/Deployment/cart");
    assert_eq!(entity(&ev, EntityKind::Container, "container").unwrap().key, &CART[..12]);
    let image = entity(&ev, EntityKind::Image, "image").unwrap();
    assert_eq!(image.key, "shopregistry.azurecr.io/shop/cart:2.3.1");
    assert_eq!(image.attrs["digest"], "sha256:aeaf1efab052b1dcf5343a5c4d02aa55aa54a7d686f7a402d9267e07f5835bb6");
}

#[test]
fn string_fields_build_the_process_keyed_as_falco_does() {
    let ev = by_rule("Drop and execute new binary in container");
    let p = entity(&ev, EntityKind::Process, "process").unwrap();
    assert_eq!(p.key, "335beb25619a:2292803:/tmp/.x/xmrig");
    assert_eq!(p.attrs["pid"], 2292803);
    assert_eq!(entity(&ev, EntityKind::Process, "parent-process").unwrap().key, "335beb25619a:2292735:/bin/sh");
    // The same process as Falco's importer keys it.
    let falco = crate::formats::falco::parse(
        br#"{"rule":"Drop and execute new binary in container","priority":"Critical","output":"o","time":"2026-11-20T09:47:21.130456789Z",
            "output_fields":{"container.id":"335beb25619a","proc.pid":2292803,"proc.exepath":"/tmp/.x/xmrig","proc.name":"xmrig"}}"#,
    )
    .unwrap();
    assert_eq!(entity(&falco, EntityKind::Process, "process").unwrap().key, p.key);
    // `<NA>` is no value: the shell's parent has no path, so no parent entity.
    let shell = by_rule("Terminal shell in container");
    assert!(entity(&shell, EntityKind::Process, "parent-process").is_none());
    assert_eq!(shell.fields["ppid"], 2291829);
    let nmap = by_rule("Launch Suspicious Network Tool in Container");
    assert!(nmap.entities.iter().all(|e| e.kind != EntityKind::Ip));
    assert!(nmap.fields.get("dst_port").is_none());
}

#[test]
fn network_fields_from_strings() {
    let ev = by_rule("Detect outbound connections to common miner pool ports");
    let ip = entity(&ev, EntityKind::Ip, "destination-ip").unwrap();
    assert_eq!(ip.key, "198.51.100.77");
    assert_eq!(ip.attrs["port"], 4444);
    assert_eq!(ev.fields["src_ip"], "10.244.1.23");
    assert_eq!(ev.fields["src_port"], 48312);
    assert_eq!(ev.fields["protocol"], "tcp");
    // From `fd.name` alone.
    let only_name = parse(
        br#"{"name":"p","timestamp":1,"content":{"ruleName":"r","fields":{"fd.name":"10.244.1.23:48312->198.51.100.77:4444"}}}"#,
    )
    .unwrap();
    assert_eq!(only_name.fields["dst_ip"], "198.51.100.77");
    assert_eq!(only_name.fields["dst_port"], 4444);
}

#[test]
fn actions_go_into_fields_and_the_message() {
    let ev = by_rule("Detect outbound connections to common miner pool ports");
    let actions = ev.fields["actions"].as_array().unwrap();
    assert_eq!(actions.len(), 2);
    assert_eq!(actions[0]["type"], "capture");
    assert_eq!(actions[0]["successful"], true);
    assert_eq!(actions[1]["type"], "kill");
    assert_eq!(actions[1]["successful"], false);
    assert!(ev.message.ends_with(
        "[Sysdig actions: capture succeeded, kill failed (container runtime did not answer within 10s)]"
    ), "{}", ev.message);
    let paused = by_rule("Detect crypto miners using the Stratum protocol");
    assert!(paused.message.ends_with("[Sysdig actions: pause succeeded]"));
    assert!(by_rule("Terminal shell in container").fields.get("actions").is_none());
}

#[test]
fn kubernetes_audit_and_cloud_sources_are_alerts_too() {
    let ev = by_rule("Attach/Exec Pod");
    assert_eq!(ev.kind, EventKind::Alert);
    assert_eq!(ev.fields["sysdig_source"], "k8s_audit");
    assert_eq!(ev.title, "Sysdig K8s Notable Events");
    assert_eq!(entity(&ev, EntityKind::Identity, "actor").unwrap().key, "system:serviceaccount:shop:cart");
    assert_eq!(entity(&ev, EntityKind::Ip, "source-ip").unwrap().key, "203.0.113.45");
    assert_eq!(entity(&ev, EntityKind::Pod, "pod").unwrap().key, "shop/cart-7f9c6d8b5-x2k4q");
    assert_eq!(ev.techniques, vec!["T1609"]);
    let data: Vec<Value> = serde_json::from_str(DATA).unwrap();
    let cloud = parse(data[1].to_string().as_bytes()).unwrap();
    assert_eq!(cloud.fields["sysdig_source"], "aws_cloudtrail");
    assert_eq!(cloud.severity, Severity::Low);
    assert_eq!(
        entity(&cloud, EntityKind::Identity, "cloud-principal").unwrap().key,
        "arn:aws:iam::123456789012:user/ops-break-glass"
    );
    assert_eq!(cloud.techniques, vec!["T1078.004"]);
    // The same event in the API array and in the forwarded lines: one key.
    let exec_again = parse(data[0].to_string().as_bytes()).unwrap();
    assert_eq!(exec_again.dedup_key, ev.dedup_key);
    assert_eq!(ev.dedup_key.as_deref(), Some("sysdig|17c6b1e3c2b1a0f9e8d7c6b5a4f3e2d1"));
}

#[test]
fn sniffer_claims_sysdig_only() {
    assert!(sniff(&obj(r#"{"name":"p","timestamp":1,"content":{"ruleName":"r"}}"#)));
    assert!(!sniff(&obj(r#"{"name":"p","timestamp":1,"content":"x"}"#)));
    assert!(!sniff(&obj(r#"{"rule":"r","priority":"Notice","output":"o"}"#)));
    assert!(!sniff(&obj(r#"{"kind":"ConfigMap","content":{"fields":{}}}"#)));
}

#[test]
fn malformed_records_are_errors_with_reasons() {
    assert!(parse(b"[1]").unwrap_err().reason.contains("not a JSON object"));
    assert!(parse(br#"{"name":"p","timestamp":1}"#).unwrap_err().reason.contains("`content`"));
    assert!(parse(br#"{"timestamp":1,"content":{}}"#).unwrap_err().reason.contains("ruleName"));
    assert!(parse(br#"{"name":"p","timestamp":1,"content":[]}"#).unwrap_err().reason.contains("an array"));
    for raw in [&b""[..], b"null", b"{}", br#"{"content":{"fields":{"proc.pid":"x"}},"name":"n","actions":[1,{"type":3}]}"#] {
        let _ = parse(raw);
    }
}
