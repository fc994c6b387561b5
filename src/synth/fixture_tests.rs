//! The demo's hand-authored records and the generators' cluster table must
//! describe one cluster: these tests pin that every UID, IP and container id
//! the fixtures in `fixtures/demo/src/` use is the table's, so that editing
//! one without the other fails here instead of splitting the demo's graph.

use super::cluster::{self, NODES, OBJECT_UIDS, PODS, SERVICE_ACCOUNTS};
use serde_json::Value;

const SNAPSHOT: &str = include_str!("../../fixtures/demo/src/snapshot.json");
const EVENTS: &str = include_str!("../../fixtures/demo/src/k8s-events.json");
const AUDIT: &str = include_str!("../../fixtures/demo/src/audit-attack.jsonl");
const FALCO: &str = include_str!("../../fixtures/demo/src/falco.jsonl");
const TETRAGON: &str = include_str!("../../fixtures/demo/src/tetragon.jsonl");
const DEFENDER: &str = include_str!("../../fixtures/demo/src/defender-alerts.json");

fn lines(text: &str) -> Vec<Value> {
    text.lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            serde_json::from_str(l).unwrap_or_else(|e| panic!("invalid JSON line {}: {}", e, l))
        })
        .collect()
}

fn items(text: &str) -> Vec<Value> {
    let v: Value = serde_json::from_str(text).expect("valid JSON");
    v["items"].as_array().expect("a list").clone()
}

fn victim() -> &'static cluster::Pod {
    cluster::pod("shop", "cart-7f9c6d8b5-x2k4q").expect("the compromised pod is in the table")
}

#[test]
fn snapshot_pods_match_the_cluster_table() {
    let items = items(SNAPSHOT);
    let mut seen = 0;
    for p in PODS.iter().filter(|p| {
        p.alive_at(super::STORY_DAY_NS + (10 * 3600 + 600) * 1_000_000_000)
            || p.namespace == "secops"
    }) {
        let o = items
            .iter()
            .find(|o| {
                o["kind"] == "Pod"
                    && o["metadata"]["name"] == p.name
                    && o["metadata"]["namespace"] == p.namespace
            })
            .unwrap_or_else(|| panic!("pod {}/{} missing from the snapshot", p.namespace, p.name));
        assert_eq!(o["metadata"]["uid"], p.uid, "{}", p.name);
        assert_eq!(o["status"]["podIP"], p.ip, "{}", p.name);
        assert_eq!(o["spec"]["nodeName"], NODES[p.node].name, "{}", p.name);
        assert_eq!(
            o["spec"]["serviceAccountName"], p.service_account,
            "{}",
            p.name
        );
        for c in p.containers {
            let s = o["status"]["containerStatuses"]
                .as_array()
                .unwrap()
                .iter()
                .find(|s| s["name"] == c.name)
                .unwrap_or_else(|| panic!("container {} of {}", c.name, p.name));
            assert_eq!(s["containerID"], format!("containerd://{}", c.id));
            assert_eq!(s["imageID"], c.image_id);
            assert_eq!(s["image"], c.image);
        }
        seen += 1;
    }
    assert!(seen >= 30);
    for sa in SERVICE_ACCOUNTS {
        let o = items
            .iter()
            .find(|o| {
                o["kind"] == "ServiceAccount"
                    && o["metadata"]["name"] == sa.name
                    && o["metadata"]["namespace"] == sa.namespace
            })
            .unwrap_or_else(|| panic!("service account {}/{}", sa.namespace, sa.name));
        assert_eq!(o["metadata"]["uid"], sa.uid);
    }
    for (kind, ns, name, uid) in OBJECT_UIDS {
        let o = items
            .iter()
            .find(|o| {
                o["kind"] == *kind
                    && o["metadata"]["name"] == *name
                    && o["metadata"]["namespace"] == *ns
            })
            .unwrap_or_else(|| panic!("{} {}/{}", kind, ns, name));
        assert_eq!(o["metadata"]["uid"], *uid);
    }
    for n in NODES {
        let o = items
            .iter()
            .find(|o| o["kind"] == "Node" && o["metadata"]["name"] == n.name)
            .unwrap();
        assert_eq!(o["metadata"]["uid"], n.uid);
        assert_eq!(o["spec"]["podCIDR"], n.pod_cidr);
        assert_eq!(o["status"]["addresses"][0]["address"], n.ip);
    }
    // The story's facts: no NetworkPolicy in shop, the over-broad bindings exist.
    assert!(!items
        .iter()
        .any(|o| o["kind"] == "NetworkPolicy" && o["metadata"]["namespace"] == "shop"));
    assert!(items
        .iter()
        .any(|o| o["kind"] == "RoleBinding" && o["metadata"]["name"] == "cart-secrets-reader"));
}

#[test]
fn attack_audit_names_the_victim_pod_through_the_stolen_token() {
    let v = victim();
    let events = lines(AUDIT);
    assert!(events.len() >= 18);
    for e in &events {
        assert_eq!(e["kind"], "Event");
        assert_eq!(e["user"]["username"], "system:serviceaccount:shop:cart");
        assert_eq!(
            e["user"]["uid"],
            cluster::service_account_uid("shop", "cart")
        );
        assert_eq!(
            e["user"]["extra"]["authentication.kubernetes.io/pod-uid"][0],
            v.uid
        );
        assert_eq!(
            e["user"]["extra"]["authentication.kubernetes.io/node-uid"][0],
            NODES[v.node].uid
        );
        let ts = e["stageTimestamp"].as_str().unwrap();
        assert_eq!(ts.len(), 27, "microsecond Z timestamps: {}", ts);
    }
    let exec = events
        .iter()
        .find(|e| e["objectRef"]["subresource"] == "exec" && e["stage"] == "ResponseStarted")
        .unwrap();
    assert_eq!(exec["verb"], "get");
    assert_eq!(exec["responseStatus"]["code"], 101);
    assert!(exec["requestURI"]
        .as_str()
        .unwrap()
        .contains("command=%2Fbin%2Fsh&container=cart"));
}

#[test]
fn falco_and_tetragon_name_the_victim_container_by_its_ids() {
    let v = victim();
    let c = &v.containers[0];
    let falco = lines(FALCO);
    let on_victim: Vec<&Value> = falco
        .iter()
        .filter(|a| a["output_fields"]["k8s.pod.name"] == v.name)
        .collect();
    assert!(on_victim.len() >= 7);
    for a in &on_victim {
        assert_eq!(a["output_fields"]["container.id"], &c.id[..12]);
        assert_eq!(a["hostname"], NODES[v.node].name);
        let ns = a["output_fields"]["evt.time"].as_i64().unwrap();
        assert_eq!(
            crate::time::parse_rfc3339(a["time"].as_str().unwrap()),
            Some(ns)
        );
        assert_eq!(
            a["time"].as_str().unwrap().len(),
            30,
            "nine fraction digits"
        );
    }
    let scan = falco
        .iter()
        .find(|a| a["output_fields"]["k8s.ns.name"] == "secops")
        .expect("the nightly scan");
    let scan_pod = cluster::pod(
        "secops",
        scan["output_fields"]["k8s.pod.name"].as_str().unwrap(),
    )
    .unwrap();
    assert_eq!(
        scan["output_fields"]["container.id"],
        &scan_pod.containers[0].id[..12]
    );

    for e in lines(TETRAGON) {
        let (kind, body) = e
            .as_object()
            .unwrap()
            .iter()
            .find(|(k, _)| k.starts_with("process_"))
            .unwrap();
        if kind == "process_throttle" {
            continue;
        }
        let pod = &body["process"]["pod"];
        let p = cluster::pod(
            pod["namespace"].as_str().unwrap(),
            pod["name"].as_str().unwrap(),
        )
        .unwrap();
        assert_eq!(pod["uid"], p.uid);
        assert_eq!(
            pod["container"]["id"],
            format!("containerd://{}", p.containers[0].id)
        );
        assert_eq!(e["node_name"], NODES[p.node].name);
        // Authored processes use odd pids, routine ones even (no collisions).
        assert_eq!(body["process"]["pid"].as_u64().unwrap() % 2, 1);
    }
}

#[test]
fn defender_and_events_agree_with_the_table() {
    let v = victim();
    let d: Value = serde_json::from_str(DEFENDER).unwrap();
    let alerts = d["value"].as_array().unwrap();
    assert_eq!(alerts.len(), 3);
    for a in alerts {
        let p = &a["properties"];
        assert_eq!(
            p["startTimeUtc"].as_str().unwrap().len(),
            28,
            "seven fraction digits"
        );
        assert_eq!(p["compromisedEntity"], cluster::CLUSTER_NAME);
        let ents = p["entities"].as_array().unwrap();
        let pod = ents.iter().find(|e| e["type"] == "K8s-pod").unwrap();
        assert_eq!(pod["uid"], v.uid);
        let c = ents.iter().find(|e| e["type"] == "container").unwrap();
        assert_eq!(c["containerId"], v.containers[0].id);
    }
    for e in items(EVENTS) {
        let o = &e["involvedObject"];
        if o["kind"] == "Pod" {
            let p = cluster::pod(
                o["namespace"].as_str().unwrap(),
                o["name"].as_str().unwrap(),
            )
            .unwrap();
            assert_eq!(o["uid"], p.uid);
        }
    }
}
