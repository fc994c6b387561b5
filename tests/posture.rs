//! Posture reports (Trivy, kube-bench, Kubescape) imported by the real
//! binary: each report's shape named in the summary, failures as hardening
//! findings merged with Kordon's own (one finding, every tool that found
//! it), scoped to the incident whose workloads they name, and usable
//! without a snapshot.

use crate::util::{demo_incident, fixture, TestCase};
use serde_json::Value;

fn sample(name: &str) -> std::path::PathBuf {
    fixture(&format!("samples/posture/{}", name))
}

fn all() -> Vec<std::path::PathBuf> {
    ["trivy-k8s.json", "kube-bench.json", "kubescape.json"].iter().map(|n| sample(n)).collect()
}

fn find<'a>(rows: &'a [Value], check: &str, title_part: &str) -> &'a Value {
    rows.iter()
        .find(|f| f["check"] == check && f["title"].as_str().unwrap_or_default().contains(title_part))
        .unwrap_or_else(|| panic!("no {} finding about '{}' in {:#?}", check, title_part, rows.iter().map(|f| (f["check"].clone(), f["title"].clone())).collect::<Vec<_>>()))
}

fn sources(f: &Value) -> Vec<&str> {
    f["sources"].as_array().unwrap().iter().map(|s| s.as_str().unwrap()).collect()
}

#[test]
fn each_report_shape_is_named_in_the_summary() {
    let t = TestCase::new();
    let paths: Vec<std::path::PathBuf> =
        ["trivy-k8s.json", "trivy-k8s-legacy.json", "kube-bench.json", "kube-bench-array.json", "kubescape.json"].iter().map(|n| sample(n)).collect();
    let refs: Vec<&std::path::Path> = paths.iter().map(|p| p.as_path()).collect();
    let summary = t.import(&refs);
    let notes: Vec<(String, String)> = summary["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| (f["name"].as_str().unwrap_or_default().rsplit('/').next().unwrap().to_string(), f["shape"].as_str().unwrap_or_default().to_string()))
        .collect();
    let note = |n: &str| notes.iter().find(|x| x.0 == n).map(|x| x.1.clone()).unwrap_or_else(|| panic!("{} not in {:?}", n, notes));
    assert_eq!(note("trivy-k8s.json"), "Trivy, trivy k8s JSON, 5 Trivy results");
    assert_eq!(note("trivy-k8s-legacy.json"), "Trivy, trivy k8s JSON (older layout), 1 Trivy result");
    assert_eq!(note("kube-bench.json"), "kube-bench, kube-bench JSON, 2 benchmark sections");
    assert_eq!(note("kube-bench-array.json"), "kube-bench, kube-bench JSON, 1 benchmark section");
    assert_eq!(note("kubescape.json"), "Kubescape, Kubescape JSON, 1 Kubescape report");
    let events = t.json_lines(&["events", "--kind", "posture"]);
    assert_eq!(events.len(), 10, "five Trivy resources, the older report, two kube-bench sections and the array's one, one Kubescape report");
    assert!(events.iter().all(|e| e["kind"] == "posture"));
    // Posture is not activity: it makes no incident.
    t.ok(&["detect"]);
    t.ok(&["correlate"]);
    assert!(t.json_lines(&["incidents"]).is_empty());
}

#[test]
fn a_bad_result_is_kept_verbatim_with_its_place_and_the_rest_imports() {
    let t = TestCase::new();
    t.import(&[&sample("kube-bench-bad.json")]);
    let errors = t.json_lines(&["errors"]);
    assert_eq!(errors.len(), 1, "{:?}", errors);
    assert_eq!(errors[0]["reason"], "kube-bench test 5.2.1 has no `status`");
    assert_eq!(errors[0]["offset"], 1355, "the second control of the array");
    assert!(errors[0]["raw"].as_str().unwrap().starts_with("{\"id\": \"5\", \"version\": \"cis-1.9\""), "kept verbatim: {}", errors[0]["raw"]);
    assert_eq!(t.json_lines(&["events", "--kind", "posture"]).len(), 1, "the good section of the file is imported");
}

#[test]
fn the_same_issue_found_by_kordon_and_the_scanners_is_one_finding_with_every_source() {
    let (t, id) = demo_incident();
    let before = t.json_lines(&["incidents"]);
    let paths = all();
    t.import(&paths.iter().map(|p| p.as_path()).collect::<Vec<_>>());
    t.ok(&["correlate"]);
    assert_eq!(t.json_lines(&["incidents"]), before, "posture reports change no incident");

    let rows = t.json_lines(&["findings", &id]);
    // Kordon's finding from the snapshot, Trivy's KSV036 and Kubescape's C-0034 on Deployment shop/cart.
    let f = find(&rows, "token-automounted", "service account shop/cart");
    assert_eq!(sources(f), ["Kordon", "Kubescape", "Trivy"]);
    assert!(f["evidence"].to_string().contains("Trivy KSV036 (Protecting Pod service account tokens) on Deployment shop/cart"), "{}", f);
    // The scanners flag the Role; Kordon the identity bound to it; the worst severity is heard.
    let f = find(&rows, "identity-can", "shop/cart can get,list secrets");
    assert_eq!((sources(f), f["severity"].as_str().unwrap()), (vec!["Kordon", "Kubescape", "Trivy"], "critical"));
    // kube-bench's cluster-wide checks join Kordon's.
    assert_eq!(sources(find(&rows, "no-admission-engine", "")), ["Kordon", "kube-bench"]);
    assert_eq!(sources(find(&rows, "namespace-without-netpol", "shop")), ["Kordon", "kube-bench", "Kubescape"]);
    // A check only the scanners make, found by both, is one finding.
    let f = find(&rows, "writable-root-filesystem", "Deployment shop/cart");
    assert_eq!(sources(f), ["Kubescape", "Trivy"]);
    assert_eq!(f["category"], "least-privilege");
    // The image's vulnerabilities and its secret are the incident's: the cart's pod runs that image.
    assert!(find(&rows, "trivy:vulnerabilities", "shop/cart")["evidence"].to_string().contains("CVE-2024-6119"));
    find(&rows, "trivy:secret:aws-access-key-id", "shop/cart");
    // The scanners' findings on Falco's DaemonSet are not this incident's.
    assert!(rows.iter().all(|f| !f["title"].as_str().unwrap().starts_with("DaemonSet falco")), "{:#?}", rows.iter().map(|f| &f["title"]).collect::<Vec<_>>());
    // The posture records behind a finding are named by their event ids, whose raw records the case keeps.
    let posture = t.json_lines(&["events", "--kind", "posture", "--raw"]);
    let objects = find(&rows, "writable-root-filesystem", "")["objects"].as_array().unwrap().clone();
    assert_eq!(objects.len(), 2, "Trivy's resource and Kubescape's report");
    for o in &objects {
        let e = posture.iter().find(|e| e["id"] == *o).unwrap_or_else(|| panic!("{} is no posture event", o));
        assert!(!e["raw"].as_str().unwrap_or_default().is_empty());
    }

    // The whole case: the DaemonSet's privileged containers join each of its pods' findings.
    let rows = t.json_lines(&["findings"]);
    let f = find(&rows, "host-level-pod", "falco/falco-7xk2p");
    assert_eq!(sources(f), ["Kordon", "Kubescape", "Trivy"]);
    let f = find(&rows, "kube-bench:cis-1.9:4.2.4", "read-only-port");
    assert_eq!((f["category"].as_str().unwrap(), f["severity"].as_str().unwrap()), ("cluster-configuration", "medium"));
}

#[test]
fn posture_reports_alone_give_findings_and_an_empty_case_is_told_what_to_import() {
    let t = TestCase::new();
    t.import(&[&fixture("samples/falco/plain.jsonl")]);
    let err = t.refused(&["findings"]);
    assert!(err.contains("no snapshot objects and no posture report"), "{}", err);
    let paths = all();
    t.import(&paths.iter().map(|p| p.as_path()).collect::<Vec<_>>());
    let rows = t.json_lines(&["findings"]);
    let f = find(&rows, "token-automounted", "Deployment shop/cart");
    assert_eq!(sources(f), ["Kubescape", "Trivy"]);
    assert_eq!(f["title"], "Deployment shop/cart: Protecting Pod service account tokens");
    assert!(!f["remediation"].as_str().unwrap().is_empty());
    for f in &rows {
        assert!(!f["title"].as_str().unwrap().contains('{'), "an unfilled placeholder: {}", f["title"]);
        assert!(!f["sources"].as_array().unwrap().is_empty());
    }
    let text = t.ok(&["findings"]);
    assert!(text.contains("Cluster and node configuration"), "{}", text);
}
