//! The cloud identity behind a managed cluster, from the real binary:
//! CloudTrail and the Azure Activity Log import as one event per call
//! however many exports carry it, their entities carry the links from a
//! cloud principal to the Kubernetes identities it acted as, and those
//! links come out as edges of the demo incident's graph.

use crate::util::{fixture, TestCase};
use serde_json::Value;
use std::path::PathBuf;

const TRAIL_0805: &str = "cloudtrail/111122223333_CloudTrail_eu-west-1_20261120T0805Z_Qm7Xc2LpR4tN8vKd.json.gz";
const TRAIL_0950: &str = "cloudtrail/111122223333_CloudTrail_eu-west-1_20261120T0950Z_b3HkW9sYv1ZfJ6Tn.json.gz";
const LOOKUP: &str = "cloudtrail/lookup-events-pages.json";
const RECORDS: &str = "cloudtrail/records.jsonl";
const HUB: &str = "azure-activity/event-hub-messages.json";
const CLI: &str = "azure-activity/az-activity-log-list.json";
const BLOB: &str = "azure-activity/PT1H.json";

const CART_SA: &str = "system:serviceaccount:shop:cart";
const CART_ROLE: &str = "arn:aws:iam::111122223333:role/cart-role";
const CART_SESSION: &str = "arn:aws:sts::111122223333:assumed-role/cart-role/botocore-session-1795167970";
const MI_OID: &str = "b4f8e2d1-6a3c-4b9e-8d7f-1e5a2c9b6f30";

fn sample(rel: &str) -> PathBuf {
    fixture(&format!("samples/{}", rel))
}

fn import(t: &TestCase, rels: &[&str]) -> Value {
    let paths: Vec<PathBuf> = rels.iter().map(|r| sample(r)).collect();
    let refs: Vec<&std::path::Path> = paths.iter().map(|p| p.as_path()).collect();
    t.import(&refs)
}

/// The summary row of the file whose name ends with `rel`.
fn file<'a>(summary: &'a Value, rel: &str) -> &'a Value {
    summary["files"].as_array().unwrap().iter().find(|f| f["name"].as_str().unwrap().ends_with(rel)).unwrap()
}

fn events(t: &TestCase, source: &str) -> Vec<Value> {
    t.json_lines(&["events", "--source", source])
}

fn entity(t: &TestCase, kind: &str, key: &str) -> Value {
    t.json_lines(&["entities", "--kind", kind])
        .into_iter()
        .find(|e| e["key"] == key)
        .unwrap_or_else(|| panic!("no {} {}", kind, key))
}

/// (kind, key, role) of an event's entities.
fn refs(ev: &Value) -> Vec<(String, String, String)> {
    ev["entities"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (e["kind"].as_str().unwrap().into(), e["key"].as_str().unwrap().into(), e["role"].as_str().unwrap().into()))
        .collect()
}

fn has(ev: &Value, kind: &str, key: &str, role: &str) -> bool {
    refs(ev).contains(&(kind.into(), key.into(), role.into()))
}

#[test]
fn cloudtrail_trail_objects_and_lookup_pages_of_the_same_calls_are_one_event_each() {
    let t = TestCase::new();
    let summary = import(&t, &[TRAIL_0805, TRAIL_0950, LOOKUP, RECORDS]);
    assert_eq!(summary["events_new"], 8, "{}", summary);
    let lookup = file(&summary, LOOKUP);
    assert_eq!((lookup["records"].as_u64(), lookup["events_new"].as_u64(), lookup["events_merged"].as_u64()), (Some(3), Some(0), Some(3)));
    assert_eq!(lookup["format"], "cloudtrail");
    assert_eq!(file(&summary, TRAIL_0950)["compression"], "gzip");
    let text = t.ok(&["import", &sample(TRAIL_0805).display().to_string()]);
    assert!(text.contains("already in the case"), "{}", text);

    let all = events(&t, "cloudtrail");
    assert_eq!(all.len(), 8);
    let irsa = all.iter().find(|e| e["rule"] == "sts:AssumeRoleWithWebIdentity").unwrap();
    assert_eq!(irsa["records"], 2, "the trail record and the lookup copy");
    assert_eq!(irsa["time"], "2026-11-20T09:46:10.000000000Z", "never the lookup page's local EventTime");
    assert_eq!(irsa["fields"]["envelope"]["shape"], "trail-object", "the record as delivered gives the fields");
    assert!(has(irsa, "identity", CART_SA, "web-identity"));
    assert!(has(irsa, "identity", CART_ROLE, "assumed-role"));
    assert!(has(irsa, "identity", CART_SESSION, "session"));
    assert!(has(irsa, "ip", "203.0.113.45", "source-ip"));
    let denied = all.iter().find(|e| e["rule"] == "eks:DescribeCluster" && e["fields"]["error_code"] == "AccessDenied").unwrap();
    assert!(has(denied, "identity", CART_SESSION, "actor"));
    assert!(has(denied, "identity", CART_ROLE, "session-issuer"));
    assert!(has(denied, "cluster", "shop-prod", "cluster"));
    assert!(!has(denied, "cluster", "shop-prod", "credentials"));
    let entry = all.iter().find(|e| e["rule"] == "eks:CreateAccessEntry").unwrap();
    assert!(has(entry, "identity", "arn:aws:iam::111122223333:role/ci-deployer", "target"));
    let pod_identity = all.iter().find(|e| e["fields"]["invoked_by"] == "pods.eks.amazonaws.com").unwrap();
    assert!(has(pod_identity, "identity", "system:serviceaccount:shop:checkout", "web-identity"));
    assert!(has(pod_identity, "pod", "shop/checkout-5d8c7b9f4-q2n7m", "token-pod"));
    assert!(pod_identity["entities"].as_array().unwrap().iter().all(|e| e["kind"] != "ip"), "a service name is no address");

    let session = entity(&t, "identity", CART_SESSION);
    assert_eq!(session["attrs"]["access_key_id"], "ASIA4SLQK7TBXC4RT8MN");
    assert_eq!(session["events"], 3);
    assert_eq!(entity(&t, "cluster", "shop-prod")["attrs"]["provider"], "eks");
}

#[test]
fn the_same_cloudtrail_calls_in_any_order_give_the_same_events() {
    let forward = TestCase::new();
    import(&forward, &[TRAIL_0950, LOOKUP]);
    let backward = TestCase::new();
    import(&backward, &[LOOKUP, TRAIL_0950]);
    let strip = |t: &TestCase| {
        let mut evs = events(t, "cloudtrail");
        for e in &mut evs {
            e.as_object_mut().unwrap().remove("file");
        }
        evs
    };
    assert_eq!(strip(&forward), strip(&backward));
}

#[test]
fn the_same_activity_entries_in_any_order_give_the_same_events() {
    let forward = TestCase::new();
    import(&forward, &[HUB, CLI]);
    let backward = TestCase::new();
    import(&backward, &[CLI, HUB]);
    let strip = |t: &TestCase| {
        let mut evs = events(t, "azure-activity");
        for e in &mut evs {
            e.as_object_mut().unwrap().remove("file");
        }
        evs
    };
    let evs = strip(&forward);
    assert_eq!(evs.len(), 6);
    assert!(evs.iter().all(|e| e["fields"]["envelope"]["shape"] == "event-hub"), "the diagnostic record gives the fields");
    assert_eq!(evs, strip(&backward));
}

#[test]
fn the_event_hub_and_cli_copies_of_an_activity_entry_are_one_event_each() {
    let t = TestCase::new();
    let summary = import(&t, &[BLOB, HUB, CLI]);
    assert_eq!(summary["events_new"], 9, "{}", summary);
    let cli = file(&summary, CLI);
    assert_eq!((cli["records"].as_u64(), cli["events_new"].as_u64(), cli["events_merged"].as_u64()), (Some(6), Some(0), Some(6)));
    let hub = file(&summary, HUB);
    assert_eq!(hub["format"], "azure-activity");

    let all = events(&t, "azure-activity");
    assert_eq!(all.len(), 9);
    let admin = all
        .iter()
        .find(|e| e["title"] == "alice.martin@shopcorp.example listed the cluster-admin credentials of aks-shop-prod")
        .expect("the cluster-admin fetch reads clearly");
    assert_eq!(admin["records"], 2);
    assert_eq!(admin["fields"]["envelope"]["shape"], "event-hub");
    assert!(has(admin, "cluster", "aks-shop-prod", "credentials"));
    assert!(has(admin, "identity", "7c2e9a41-5d8b-4f3e-a1c6-0b9d4e7f2a58", "actor"));
    let refused = all.iter().find(|e| e["fields"]["error_code"] == "AuthorizationFailed").unwrap();
    assert_eq!(refused["title"], "managed identity id-shop-cart failed to list the cluster-admin credentials of aks-shop-prod (AuthorizationFailed)");
    assert!(has(refused, "identity", MI_OID, "actor"));
    assert!(has(refused, "ip", "203.0.113.45", "source-ip"));
    assert!(!has(refused, "cluster", "aks-shop-prod", "credentials"));

    let mi = entity(&t, "identity", MI_OID);
    assert_eq!(mi["attrs"]["provider"], "azure");
    assert_eq!(mi["events"], 3);
    let cluster = entity(&t, "cluster", "aks-shop-prod");
    assert_eq!(cluster["attrs"]["provider"], "aks");
    assert_eq!(cluster["attrs"]["resource_group"], "rg-shop-prod");
}

#[test]
fn broken_cloud_records_are_kept_as_errors_beside_the_good_ones() {
    let t = TestCase::new();
    let summary = import(
        &t,
        &["cloudtrail/bad-lookup-page.json", "cloudtrail/bad-records.json", "azure-activity/bad-records.jsonl"],
    );
    assert_eq!(file(&summary, "bad-lookup-page.json")["errors"], 3);
    assert_eq!(file(&summary, "cloudtrail/bad-records.json")["errors"], 4);
    assert_eq!(file(&summary, "bad-records.jsonl")["errors"], 4);
    assert_eq!(summary["events_new"], 4, "the good records of each file import");
    let errors = t.json_lines(&["errors"]);
    let reasons: Vec<&str> = errors.iter().map(|e| e["reason"].as_str().unwrap()).collect();
    for want in [
        "is not JSON",
        "has no CloudTrailEvent",
        "CloudTrail event has no eventID",
        "eventTime is not a string",
        "userIdentity is not an object",
        "operationName is neither a string nor {value}",
        "is not an ISO-8601 time",
        "a resource-log record of category AuditEvent",
        "invalid JSON",
    ] {
        assert!(reasons.iter().any(|r| r.contains(want)), "no error says {:?}: {:#?}", want, reasons);
    }
    // Each error is kept with its file and place.
    for e in &errors {
        assert!(e["file"].as_str().unwrap().contains("/samples/"), "{}", e);
        assert!(e["offset"].as_u64().is_some() || e["line"].as_u64().is_some(), "{}", e);
    }
}

#[test]
fn eks_audit_events_link_the_iam_role_and_session_to_the_kubernetes_user() {
    let t = TestCase::new();
    import(&t, &["k8s-audit/eks-iam-principals.jsonl", TRAIL_0805]);
    let audit = events(&t, "k8s-audit");
    let jane = audit.iter().find(|e| e["fields"]["verb"] == "list" && e["fields"]["resource"] == "pods").unwrap();
    let session = "arn:aws:sts::111122223333:assumed-role/PlatformAdmin/jane.doe";
    let role = "arn:aws:iam::111122223333:role/PlatformAdmin";
    assert!(has(jane, "identity", role, "cloud-principal"));
    assert!(has(jane, "identity", session, "cloud-session"));
    assert!(has(jane, "identity", session, "actor"));
    assert_eq!(jane["fields"]["cloud_principal"], role);
    // CloudTrail names the same session and role: one entity each, seen by
    // both sources.
    let r = entity(&t, "identity", role);
    assert_eq!(r["attrs"]["provider"], "aws");
    assert_eq!(r["attrs"]["account"], "111122223333");
    assert_eq!(r["attrs"]["session_name"], "jane.doe");
    assert_eq!(r["attrs"]["access_key_id"], "ASIA4SLQK7TBXJANE2QW");
    assert_eq!(r["events"], 4, "3 CloudTrail calls and 1 audit event");
    assert_eq!(entity(&t, "identity", session)["events"], 4);
    // A kubelet's node role is no cloud principal of the request.
    let kubelet = audit.iter().find(|e| e["fields"]["user"].as_str().unwrap().starts_with("system:node:")).unwrap();
    assert!(refs(kubelet).iter().all(|(_, _, role)| !role.starts_with("cloud-")));
}

#[test]
fn aks_audit_events_name_the_entra_object_id_the_activity_log_keys_callers_by() {
    let t = TestCase::new();
    import(&t, &["k8s-audit/aks-entra-oid.jsonl", HUB]);
    let alice = "7c2e9a41-5d8b-4f3e-a1c6-0b9d4e7f2a58";
    let audit = events(&t, "k8s-audit");
    let list = audit.iter().find(|e| e["fields"]["user"] == "alice.martin@shopcorp.example").unwrap();
    assert!(has(list, "identity", alice, "cloud-principal"));
    let e = entity(&t, "identity", alice);
    assert_eq!(e["attrs"]["upn"], "alice.martin@shopcorp.example", "learnt from the Activity Log");
    assert_eq!(e["events"], 4, "3 Activity Log entries and 1 audit event");
}

#[test]
fn the_demo_incident_graph_shows_the_cloud_identities_of_the_stolen_token() {
    let t = TestCase::new();
    let mut paths = vec![fixture("demo/kordon-demo.zip")];
    paths.extend([TRAIL_0805, TRAIL_0950, LOOKUP, RECORDS, BLOB, HUB, CLI].iter().map(|r| sample(r)));
    let refs: Vec<&std::path::Path> = paths.iter().map(|p| p.as_path()).collect();
    t.import(&refs);
    t.ok(&["detect"]);
    t.ok(&["correlate"]);
    let incidents = t.json_lines(&["incidents"]);
    let attack = incidents.iter().find(|i| i["title"].as_str().unwrap().starts_with("Crypto-mining in shop/cart-")).unwrap();
    let id = attack["id"].as_str().unwrap();
    // The cloud records are context, never signals: the incident is the
    // demo's, with its 30 signals.
    assert_eq!(attack["signals"], 30);
    let show: Value = serde_json::from_str(&t.ok(&["show", id, "--json"])).unwrap();
    assert_eq!(show["context"]["by_source"]["cloudtrail"], 3, "{}", show["context"]);
    assert_eq!(show["context"]["by_source"]["azure-activity"], 3, "{}", show["context"]);

    let g: Value = serde_json::from_str(&t.ok(&["graph", id, "--format", "json"])).unwrap();
    let nodes = g["nodes"].as_array().unwrap();
    let node_id = |kind: &str, key: &str| {
        nodes
            .iter()
            .find(|n| n["kind"] == kind && n["key"] == key)
            .unwrap_or_else(|| panic!("no {} node {}", kind, key))["id"]
            .as_str()
            .unwrap()
            .to_string()
    };
    let edges: Vec<(String, String, String)> = g["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (e["source"].as_str().unwrap().into(), e["target"].as_str().unwrap().into(), e["kind"].as_str().unwrap().into()))
        .collect();
    let edge = |from: (&str, &str), to: (&str, &str), kind: &str| {
        let want = (node_id(from.0, from.1), node_id(to.0, to.1), kind.to_string());
        assert!(edges.contains(&want), "no {:?} -{}-> {:?} in {:#?}", from, kind, to, edges);
    };
    let sa = ("identity", CART_SA);
    let ip = ("ip", "203.0.113.45");
    // "Role cart-role, assumed by service account shop/cart", from outside.
    edge(sa, ("identity", CART_ROLE), "assumed");
    edge(("identity", CART_SESSION), ("identity", CART_ROLE), "session-of");
    edge(ip, sa, "used");
    edge(ip, ("identity", CART_SESSION), "used");
    // The cart pod's managed identity, from the same address, got the
    // cluster-user credentials of the AKS cluster.
    edge(ip, ("identity", MI_OID), "used");
    edge(("identity", MI_OID), ("cluster", "aks-shop-prod"), "got-credentials-of");
    // A cluster is drawn only where someone got its credentials.
    let clusters: Vec<&Value> = nodes.iter().filter(|n| n["kind"] == "cluster").collect();
    assert_eq!(clusters.len(), 1, "{:#?}", clusters);
}
