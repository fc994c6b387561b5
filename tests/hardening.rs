//! Hardening findings on the demo: what the review expects to read,
//! each with its evidence and remediation.

use crate::util::{fixture, TestCase};
use serde_json::Value;

fn demo() -> (TestCase, String) {
    let t = TestCase::new();
    t.import(&[&fixture("demo/kordon-demo.zip")]);
    t.ok(&["detect"]);
    t.ok(&["correlate"]);
    let id = t.json_lines(&["incidents"]).remove(0)["id"].as_str().unwrap().to_string();
    (t, id)
}

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
