//! Hardening findings on the demo: what the review expects to read,
//! each with its evidence and remediation.

use crate::util::{fixture, golden_json, TestCase};
use crate::util::demo_incident as demo;
use serde_json::Value;


fn has<'a>(rows: &'a [Value], check: &str, title_part: &str) -> &'a Value {
    rows.iter()
        .find(|f| f["check"] == check && f["title"].as_str().unwrap_or_default().contains(title_part))
        .unwrap_or_else(|| panic!("no {} finding about '{}' in {:#?}", check, title_part, rows.iter().map(|f| f["title"].clone()).collect::<Vec<_>>()))
}

#[test]
fn the_demo_incident_yields_the_expected_hardening_findings_with_evidence() {
    let (t, id) = demo();
    let rows = t.json_lines(&["findings", &id]);
    let f = has(&rows, "identity-can", "service account shop/cart can get,list secrets in shop");
    assert_eq!(f["category"], "workload-identity");
    assert!(f["evidence"].to_string().contains("RoleBinding shop/cart-secrets-reader"), "{}", f);
    assert!(!f["objects"].as_array().unwrap().is_empty());
    let f = has(&rows, "token-automounted", "service account shop/cart");
    assert!(f["title"].as_str().unwrap().contains("cart-7f9c6d8b5-x2k4q"));
    has(&rows, "namespace-without-netpol", "shop");
    let f = has(&rows, "image-by-tag", "shopregistry.azurecr.io/shop/cart:2.3.1");
    assert!(f["evidence"].to_string().contains("sha256:"), "the digest it resolved to is shown: {}", f);
    has(&rows, "no-admission-engine", "No admission policy engine");
    has(&rows, "egress-open", "shop/cart-7f9c6d8b5-x2k4q");
    for f in &rows {
        assert!(!f["remediation"].as_str().unwrap().is_empty() && !f["evidence"].as_array().unwrap().is_empty() || f["check"] == "no-admission-engine");
        assert!(!f["title"].as_str().unwrap().contains('{'), "an unfilled placeholder: {}", f["title"]);
    }
    // Grouped by the checklist's order.
    let cats: Vec<&str> = rows.iter().map(|f| f["category"].as_str().unwrap()).collect();
    let mut sorted = cats.clone();
    let order = ["workload-identity", "admission-control", "image-provenance", "runtime-detection", "network-policy", "least-privilege"];
    sorted.sort_by_key(|c| order.iter().position(|o| o == c));
    assert_eq!(cats, sorted);
    // The UI's mock backend serves this very answer.
    golden_json(&fixture("golden/hardening/demo-findings.json"), &Value::Array(rows.clone()), "the demo incident's findings");
    // The human listing reads the same.
    let text = t.ok(&["findings", &id]);
    assert!(text.contains("Workload identity permissions") && text.contains("fix: "), "{}", text);
}

#[test]
fn findings_need_a_snapshot() {
    let t = TestCase::new();
    t.import(&[&fixture("demo/src/falco.jsonl")]);
    let err = t.refused(&["findings"]);
    assert!(err.contains("error[not_found]") && err.contains("snapshot"), "{}", err);
}

#[test]
fn least_privilege_names_added_capabilities_root_users_and_missing_cpu_limits() {
    let t = TestCase::new();
    let pod = |name: &str, spec: Value| {
        serde_json::json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name, "namespace": "batch", "uid": format!("uid-{}", name)},
            "spec": spec, "status": {"phase": "Running"}})
    };
    let list = serde_json::json!({"apiVersion": "v1", "kind": "List", "items": [
        {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "batch"}},
        pod("hardened", serde_json::json!({"securityContext": {"runAsNonRoot": true, "runAsUser": 1000},
            "containers": [{"name": "app", "image": "r.example/app@sha256:aa", "resources": {"limits": {"cpu": "500m"}}}]})),
        pod("loose", serde_json::json!({"initContainers": [{"name": "setup", "image": "busybox:1.36", "securityContext": {"runAsUser": 0}, "resources": {"limits": {"cpu": "100m"}}}],
            "containers": [{"name": "worker", "image": "r.example/worker:3", "securityContext": {"capabilities": {"add": ["SYS_ADMIN", "NET_RAW"]}}}]})),
    ]});
    let file = t.dir.path().join("pods.json");
    std::fs::write(&file, list.to_string()).unwrap();
    t.import(&[&file]);
    let rows = t.json_lines(&["findings"]);
    let f = has(&rows, "capabilities-added", "Pod batch/loose");
    assert!(f["title"].as_str().unwrap().contains("SYS_ADMIN, NET_RAW"), "{}", f);
    let f = has(&rows, "runs-as-root", "Pod batch/loose");
    let ev = f["evidence"].to_string();
    assert!(ev.contains("setup: runAsUser: 0") && ev.contains("worker: neither runAsNonRoot nor runAsUser set"), "{}", ev);
    let f = has(&rows, "no-cpu-limit", "Pod batch/loose has no CPU limit (worker)");
    assert!(f["remediation"].as_str().unwrap().contains("LimitRange and ResourceQuota in batch"), "{}", f);
    assert_eq!(f["category"], "least-privilege");
    assert!(!rows.iter().any(|f| f["title"].as_str().unwrap().contains("batch/hardened") && ["runs-as-root", "no-cpu-limit", "capabilities-added"].contains(&f["check"].as_str().unwrap())), "a hardened pod has none of these");
}

#[test]
fn the_demo_graph_draws_the_blast_radius_of_the_incident_identity() {
    let (t, id) = demo();
    let g: Value = serde_json::from_str(&t.ok(&["graph", &id, "--json"])).unwrap();
    let label = |nid: &Value| g["nodes"].as_array().unwrap().iter().find(|n| &n["id"] == nid).map(|n| n["label"].as_str().unwrap().to_string()).unwrap();
    let can: Vec<(String, String, String, &Value, &Value)> = g["edges"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["kind"] == "can")
        .map(|e| (label(&e["source"]), e["label"].as_str().unwrap().to_string(), label(&e["target"]), &e["evidence"], &e["exercised"]))
        .collect();
    let secrets = can.iter().find(|c| c.2 == "secrets in shop").unwrap_or_else(|| panic!("{:?}", can));
    assert_eq!((secrets.0.as_str(), secrets.1.as_str()), ("service account shop/cart", "can get, list"));
    // The stolen token listed them: the edge says so and carries those requests.
    assert_eq!(secrets.4, "listed secrets");
    // Evidence names events as every view does (their stable ids): the
    // binding and the role that grant it, then the requests that used it.
    let objects: Vec<Value> = t.json_lines(&["events", "--kind", "object"]);
    let all: Vec<Value> = t.json_lines(&["events"]);
    let (mut grants, mut used) = (0, 0);
    for e in secrets.3.as_array().unwrap() {
        if let Some(o) = objects.iter().find(|o| &o["id"] == e) {
            assert!(["RoleBinding", "Role"].contains(&o["rule"].as_str().unwrap()), "{}", o);
            grants += 1;
        } else {
            let r = all.iter().find(|o| &o["id"] == e).unwrap_or_else(|| panic!("{} is no event id", e));
            let text = format!("{} {}", r["title"], r["message"]);
            assert!(text.contains("list secrets in shop"), "{}", r);
            assert!(!text.contains("Forbidden"), "a refused request used no grant: {}", r);
            used += 1;
        }
    }
    assert_eq!(grants, 2, "the binding and the role");
    assert!(used >= 1, "{:?}", secrets.3);
    // Held, never used: no words of use.
    let logs = can.iter().find(|c| c.2 == "pods/log in shop").unwrap_or_else(|| panic!("{:?}", can));
    assert!(logs.4.is_null(), "{:?}", logs);
    assert!(can.iter().any(|c| c.2 == "pods/exec in shop" && c.1.contains("create")), "{:?}", can);
    let dot = t.ok(&["graph", &id, "--format", "dot"]);
    assert!(dot.contains("label=\"listed secrets (can get, list)\""), "{}", dot);
    assert!(dot.contains("label=\"can get, list\""), "{}", dot);
}

#[test]
fn the_demo_follow_up_checklist_carries_the_hardening_findings() {
    let (t, id) = demo();
    let show: Value = serde_json::from_str(&t.ok(&["show", &id, "--json"])).unwrap();
    let items = show["recommendation"]["follow_up"].as_array().unwrap();
    let item = |name: &str| items.iter().find(|i| i["item"] == name).unwrap_or_else(|| panic!("no {} in {:#?}", name, items));
    let titles = |i: &Value| i["findings"].as_array().map(|f| f.iter().map(|x| x["title"].as_str().unwrap().to_string()).collect::<Vec<_>>()).unwrap_or_default();
    assert!(titles(item("network-policy")).contains(&"Namespace shop has no NetworkPolicy".to_string()));
    assert!(titles(item("reduce-rbac")).iter().any(|t| t.contains("can get,list secrets in shop")));
    assert!(titles(item("admission-control")).contains(&"No admission policy engine is present".to_string()));
    let own = item("hardening:token-automounted");
    assert!(own["text"].as_str().unwrap().contains("automountServiceAccountToken: false"), "{}", own);
    assert_eq!(own["findings"][0]["severity"], "medium");
    // Rotation comes from what happened, not from the snapshot: no findings under it.
    assert!(item("rotate-credentials").get("findings").is_none());
    let text = t.ok(&["show", &id]);
    assert!(text.contains("medium — The token of service account shop/cart is mounted into Pod shop/cart-7f9c6d8b5-x2k4q"), "{}", text);
}
