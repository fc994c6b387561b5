//! The demo story as a managed cluster's log service exports it
//! (`fixtures/cloud-demo/`, written by its `make.py` from the demo bundle):
//! the same evidence with the API server's audit log re-encoded as AKS
//! storage-account blobs, EKS Firehose objects and a GKE Cloud Logging sink.
//! Kordon's detections, correlation, story and graph must give the demo's
//! incidents from each — with the cluster each export names.

use crate::util::{fixture, golden_json, TestCase};
use serde_json::Value;

fn analysed(zip: &str) -> TestCase {
    let t = TestCase::new();
    t.import(&[&fixture(&format!("cloud-demo/{}", zip))]);
    t.ok(&["detect"]);
    t.ok(&["correlate"]);
    t
}

/// A result with the cluster left out: its name made the demo's, the
/// `clusters` fields and the cluster entities dropped (the demo bundle
/// names its cluster only in Defender's alerts).
fn without_cluster(v: &Value, name: &str) -> Value {
    let text = serde_json::to_string(v).unwrap().replace(name, "aks-shop-prod");
    strip(serde_json::from_str(&text).unwrap())
}

fn strip(v: Value) -> Value {
    match v {
        Value::Object(m) => Value::Object(m.into_iter().filter(|(k, _)| k != "clusters").map(|(k, v)| (k, strip(v))).collect()),
        Value::Array(a) => Value::Array(a.into_iter().filter(|x| x.get("kind") != Some(&Value::from("cluster"))).map(strip).collect()),
        other => other,
    }
}

fn golden(name: &str) -> Value {
    serde_json::from_str(&std::fs::read_to_string(fixture("golden/incidents").join(name)).unwrap()).unwrap()
}

fn show(t: &TestCase, id: &str) -> Value {
    serde_json::from_str(&t.ok(&["show", id, "--json"])).unwrap()
}

fn graph(t: &TestCase, id: &str) -> Value {
    serde_json::from_str(&t.ok(&["graph", id])).unwrap()
}

/// AKS and EKS carry the API server's own audit events: the incidents, the
/// attack's page and its graph are the demo's, exactly, but for the cluster.
fn same_as_the_demo(zip: &str, cluster: &str) {
    let t = analysed(zip);
    let incidents = Value::Array(t.json_lines(&["incidents"]));
    assert_eq!(without_cluster(&incidents, cluster), strip(golden("demo-incidents.json")));
    let attack = &incidents[0];
    assert_eq!(attack["title"], "Crypto-mining in shop/cart-7f9c6d8b5-x2k4q");
    assert_eq!(attack["clusters"], serde_json::json!([cluster]), "the queue shows the export's cluster");
    let id = attack["id"].as_str().unwrap();
    assert_eq!(without_cluster(&show(&t, id), cluster), strip(golden("demo-attack-show.json")));
    assert_eq!(without_cluster(&graph(&t, id), cluster), strip(golden("demo-attack-graph.json")));
    // The other incidents name no cluster: their evidence (Falco, Tetragon)
    // says none, and nothing in them came from the cluster's log export.
    for i in incidents.as_array().unwrap().iter().skip(1) {
        assert!(i["clusters"].as_array().unwrap().iter().all(|c| c == cluster), "{}", i);
    }
}

#[test]
fn the_demo_as_aks_storage_blobs_gives_the_demo_incident() {
    same_as_the_demo("aks-storage-export.zip", "aks-shop-prod");
}

#[test]
fn the_demo_as_eks_firehose_objects_gives_the_demo_incident() {
    same_as_the_demo("eks-firehose-export.zip", "eks-shop-prod");
}

/// Cloud Logging keeps one `LogEntry` per request with no `user.extra`: a
/// GKE export cannot say which pod a service-account token was minted for,
/// so the detection that needs it (KRD-AUDIT-001, a bound token used from
/// outside the cluster) cannot fire. Everything else is the demo's: the
/// same attack incident (its title, severity, tactics and the signals of
/// every other source and rule), and the same other incidents.
#[test]
fn the_demo_as_a_gke_logging_sink_gives_the_demo_incident_less_what_gke_cannot_say() {
    let t = analysed("gke-sink-export.zip");
    let incidents = t.json_lines(&["incidents"]);
    let demo = golden("demo-incidents.json");
    let demo = demo.as_array().unwrap();
    assert_eq!(incidents.len(), demo.len());
    let attack = &incidents[0];
    for key in ["title", "severity", "status"] {
        assert_eq!(attack[key], demo[0][key], "{}", key);
    }
    assert_eq!(attack["clusters"], serde_json::json!(["gke-shop-prod"]));
    let signals = |v: &Value| -> Vec<(String, String)> {
        let mut s: Vec<(String, String)> = v["signals"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| (s["id"].as_str().unwrap().to_string(), s["rule"].as_str().unwrap_or_default().to_string()))
            .collect();
        s.sort();
        s
    };
    let gke = signals(&show(&t, attack["id"].as_str().unwrap()));
    let want: Vec<(String, String)> =
        signals(&golden("demo-attack-show.json")).into_iter().filter(|(_, rule)| rule != "KRD-AUDIT-001").collect();
    assert_eq!(gke, want, "the demo's signals but the bound-token ones");
    for (g, d) in incidents.iter().zip(demo).skip(1) {
        assert_eq!(without_cluster(g, "gke-shop-prod"), strip(d.clone()));
    }
    golden_json(&fixture("golden/incidents/cloud-demo-gke-incidents.json"), &Value::Array(incidents.clone()), "GKE incidents");
}
