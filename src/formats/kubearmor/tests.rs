use super::*;
use crate::formats::test_support::{entity, obj};
use crate::formats::{detect_record, detect_text, Format};

const LOGS: &str = include_str!("../../../fixtures/samples/kubearmor/karmor-logs.jsonl");
const PRETTY: &str = include_str!("../../../fixtures/samples/kubearmor/karmor-pretty.json");
const CART: &str = "335beb25619aada911de4c9c604086ce78db2f1ba7103cbf509937476f0575a3";

fn json_lines() -> Vec<&'static str> {
    LOGS.lines().filter(|l| l.starts_with('{')).collect()
}

fn by_policy(policy: &str) -> NewEvent {
    json_lines()
        .into_iter()
        .filter_map(|l| parse(l.as_bytes()).ok())
        .find(|e| e.fields.get("policy").and_then(Value::as_str) == Some(policy))
        .unwrap_or_else(|| panic!("no {}", policy))
}

/// The pretty-printed objects of the pretty file, each as its own text.
fn pretty_objects() -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    for line in PRETTY.lines() {
        if line == "{" || !cur.is_empty() {
            cur.push_str(line);
            cur.push('\n');
            if line == "}" {
                out.push(std::mem::take(&mut cur));
            }
        }
    }
    out
}

#[test]
fn json_records_are_detected_and_the_cut_one_is_an_error() {
    let lines = json_lines();
    assert_eq!(lines.len(), 5);
    for line in &lines[..4] {
        let v: Value = serde_json::from_str(line).unwrap();
        assert_eq!(detect_record(v.as_object().unwrap()), Some(Format::KubeArmor));
        let ev = parse(line.as_bytes()).unwrap();
        assert_eq!(ev.source, Source::KubeArmor);
        assert_eq!(ev.shape, Some("karmor-json"));
    }
    assert!(parse(lines[4].as_bytes()).unwrap_err().reason.contains("invalid JSON"));
}

#[test]
fn status_lines_are_understood_and_skipped() {
    let status: Vec<&str> = LOGS.lines().filter(|l| !l.starts_with('{')).collect();
    assert_eq!(status.len(), 6);
    for line in &status {
        let e = parse_text(line).unwrap_err();
        assert!(e.skip, "{}", line);
        assert_eq!(e.reason, "karmor logs status line");
    }
    assert_eq!(detect_text(status[0]), Some(Format::KubeArmor));
    assert_eq!(detect_text("Created a gRPC client (localhost:32767)"), Some(Format::KubeArmor));
    assert_eq!(detect_text("hello"), None);
    // Text output (no --json) is kept as evidence, with a reason.
    let text = "== Alert / 2026-11-20 09:45:31.604215 ==\nClusterName: aks-shop-prod\nPolicyName: cart-protect-sa-token";
    let e = parse_text(text).unwrap_err();
    assert!(!e.skip);
    assert!(e.reason.contains("without --json"), "{}", e);
    assert!(!parse_text("random words").unwrap_err().skip);
    assert!(!parse_text("{\"Type\":").unwrap_err().skip);
}

#[test]
fn a_block_is_an_alert_of_a_failed_attempt() {
    let ev = by_policy("cart-protect-sa-token");
    assert_eq!(ev.kind, EventKind::Alert);
    assert_eq!(ev.rule.as_deref(), Some("cart-protect-sa-token"));
    assert_eq!(ev.severity, Severity::High);
    assert_eq!(ev.fields["kubearmor_severity"], 8);
    assert_eq!(ev.fields["action"], "Block");
    assert_eq!(ev.fields["result"], "Permission denied");
    assert_eq!(ev.fields["blocked"], true);
    assert!(ev.message.ends_with("— blocked (Permission denied)"), "{}", ev.message);
    assert!(ev.message.contains("File /run/secrets/kubernetes.io/serviceaccount/token by /bin/cat"));
    assert_eq!(
        entity(&ev, EntityKind::File, "file").unwrap().key,
        "/run/secrets/kubernetes.io/serviceaccount/token"
    );
    assert_eq!(ev.fields["cmdline"], "/bin/cat /var/run/secrets/kubernetes.io/serviceaccount/token");
    assert_eq!(ev.fields["syscall"], "SYS_OPENAT");
    assert_eq!(ev.tactics, vec!["TA0006"]);
    assert_eq!(ev.techniques, vec!["T1528"]);
    let etc = by_policy("cart-block-etc-write");
    assert_eq!(etc.fields["blocked"], true);
    assert_eq!(etc.severity, Severity::Medium);
    assert_eq!(entity(&etc, EntityKind::File, "file").unwrap().key, "/etc/hosts");
}

#[test]
fn audit_passes_and_audit_block_would_have_blocked() {
    let xmrig = by_policy("cart-audit-tmp-exec");
    assert_eq!(xmrig.fields["blocked"], false);
    assert!(xmrig.message.ends_with("— audit, Passed"), "{}", xmrig.message);
    let objs = pretty_objects();
    let nmap = parse(objs[0].as_bytes()).unwrap();
    assert_eq!(nmap.rule.as_deref(), Some("DefaultPosture"));
    assert_eq!(nmap.fields["action"], "Audit (Block)");
    assert_eq!(nmap.fields["blocked"], false);
    assert!(nmap.message.ends_with("— audited, would have been blocked"), "{}", nmap.message);
    // DefaultPosture alerts carry no severity.
    assert_eq!(nmap.severity, Severity::Medium);
}

#[test]
fn times_prefer_updated_time_microseconds() {
    let ev = by_policy("cart-audit-tmp-exec");
    assert_eq!(ev.time_ns, Some(1_795_168_041_130_456_000));
    let secs = parse(br#"{"Type":"ContainerLog","HostName":"n","Timestamp":1795168041}"#).unwrap();
    assert_eq!(secs.time_ns, Some(1_795_168_041_000_000_000));
}

#[test]
fn entities_join_falco_tetragon_and_the_snapshot() {
    let ev = by_policy("cart-audit-tmp-exec");
    assert_eq!(entity(&ev, EntityKind::Cluster, "cluster").unwrap().key, "aks-shop-prod");
    assert_eq!(entity(&ev, EntityKind::Node, "node").unwrap().key, "aks-nodepool1-31415926-vmss000001");
    let pod = entity(&ev, EntityKind::Pod, "pod").unwrap();
    assert_eq!(pod.key, "shop/cart-7f9c6d8b5-x2k4q");
    assert_eq!(pod.attrs["labels"]["pod-template-hash"], "7f9c6d8b5");
    assert_eq!(entity(&ev, EntityKind::Workload, "owner").unwrap().key, "shop/Deployment/cart");
    assert_eq!(entity(&ev, EntityKind::Container, "container").unwrap().key, CART);
    let image = entity(&ev, EntityKind::Image, "image").unwrap();
    assert_eq!(image.key, "shopregistry.azurecr.io/shop/cart:2.3.1");
    assert_eq!(image.attrs["digest"], "sha256:aeaf1efab052b1dcf5343a5c4d02aa55aa54a7d686f7a402d9267e07f5835bb6");
    // Host pid and full path, scoped by the short container id: Falco's key.
    assert_eq!(entity(&ev, EntityKind::Process, "process").unwrap().key, "335beb25619a:2292803:/tmp/.x/xmrig");
    assert_eq!(entity(&ev, EntityKind::Process, "parent-process").unwrap().key, "335beb25619a:2292735:/bin/sh");
    assert_eq!(ev.fields["container_pid"], 81);
    assert!(ev.fields["cmdline"].as_str().unwrap().starts_with("/tmp/.x/xmrig -o stratum+tcp://"));
    assert_eq!(ev.techniques, vec!["T1204"]);
}

#[test]
fn container_log_network_is_telemetry_with_the_remote_end() {
    let line = json_lines()[3];
    let ev = parse(line.as_bytes()).unwrap();
    assert_eq!(ev.kind, EventKind::Telemetry);
    assert_eq!(ev.severity, Severity::Info);
    assert_eq!(ev.rule.as_deref(), Some("ContainerLog Network"));
    let ip = entity(&ev, EntityKind::Ip, "destination-ip").unwrap();
    assert_eq!(ip.key, "198.51.100.77");
    assert_eq!(ip.attrs["port"], 4444);
    assert_eq!(ev.fields["protocol"], "tcp");
    assert_eq!(ev.fields["syscall"], "tcp_connect");
    // `default` is KubeArmor's placeholder, not a cluster.
    assert!(entity(&ev, EntityKind::Cluster, "cluster").is_none());
    assert_eq!(ev.fields["cluster_name"], "default");
    let syscall = parse(
        br#"{"Type":"ContainerLog","HostName":"n","Operation":"Network","Resource":"sa_family=AF_INET sin_port=4444 sin_addr=198.51.100.77","Data":"syscall=SYS_CONNECT fd=12"}"#,
    )
    .unwrap();
    assert_eq!(syscall.fields["dst_ip"], "198.51.100.77");
    assert_eq!(syscall.fields["dst_port"], 4444);
}

#[test]
fn pretty_objects_host_policy_and_host_log() {
    let objs = pretty_objects();
    assert_eq!(objs.len(), 3);
    let host = parse(objs[1].as_bytes()).unwrap();
    assert_eq!(host.shape, Some("karmor-pretty-json"));
    assert_eq!(host.kind, EventKind::Alert);
    assert_eq!(host.fields["kubearmor_type"], "MatchedHostPolicy");
    assert_eq!(host.techniques, vec!["T1003"]);
    assert!(host.tactics.is_empty());
    assert_eq!(
        entity(&host, EntityKind::Process, "process").unwrap().key,
        "aks-nodepool1-31415926-vmss000001:1187:/usr/sbin/unix_chkpwd"
    );
    assert!(entity(&host, EntityKind::Container, "container").is_none());
    let log = parse(objs[2].as_bytes()).unwrap();
    assert_eq!(log.kind, EventKind::Telemetry);
    assert_eq!(log.rule.as_deref(), Some("HostLog Process"));
    assert!(log.fields["cmdline"].as_str().unwrap().starts_with("/usr/bin/runc --root"));
}

#[test]
fn sniffer_claims_kubearmor_only() {
    assert!(sniff(&obj(r#"{"Type":"MatchedPolicy","Operation":"File"}"#)));
    assert!(!sniff(&obj(r#"{"Type":"Warning","reason":"x","HostName":"n"}"#)));
    assert!(!sniff(&obj(r#"{"type":"MatchedPolicy","Operation":"File"}"#)));
    assert!(!sniff(&obj(r#"{"Type":"MatchedPolicy"}"#)));
}

#[test]
fn malformed_records_are_errors_with_reasons() {
    assert!(parse(b"[]").unwrap_err().reason.contains("not a JSON object"));
    assert!(parse(br#"{"Operation":"File"}"#).unwrap_err().reason.contains("`Type`"));
    assert!(parse(br#"{"Type":5}"#).unwrap_err().reason.contains("a number"));
    assert!(parse(br#"{"Type":"Other"}"#).unwrap_err().reason.contains("unknown"));
    for raw in [&b""[..], b"null", br#"{"Type":"MatchedPolicy","HostPID":"x","Owner":[],"ATags":"a","Labels":",=,k"}"#] {
        let _ = parse(raw);
    }
    assert_eq!(parse_labels("a=1, b=2,c"), obj(r#"{"a":"1","b":"2","c":""}"#));
}
