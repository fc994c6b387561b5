use super::*;
use crate::formats::{detect_record, Format};
use crate::model::{EventKind, Severity, Source};

fn sample(name: &str) -> Vec<u8> {
    std::fs::read(format!("{}/fixtures/samples/posture/{}", env!("CARGO_MANIFEST_DIR"), name)).unwrap()
}

fn failures(ev: &crate::model::NewEvent) -> Vec<Failure> {
    serde_json::from_value(ev.fields["failures"].clone()).unwrap()
}

fn resources(report: &[u8]) -> Vec<Vec<u8>> {
    let v: serde_json::Value = serde_json::from_slice(report).unwrap();
    v["Resources"].as_array().unwrap().iter().map(|r| serde_json::to_vec(r).unwrap()).collect()
}

#[test]
fn each_report_and_each_item_of_one_is_detected_as_its_scanner() {
    let obj = |raw: &[u8]| serde_json::from_slice::<serde_json::Value>(raw).unwrap().as_object().unwrap().clone();
    assert_eq!(detect_record(&obj(&sample("trivy-k8s.json"))), Some(Format::Trivy));
    assert_eq!(detect_record(&obj(&sample("trivy-k8s-legacy.json"))), Some(Format::Trivy));
    for r in resources(&sample("trivy-k8s.json")) {
        assert_eq!(detect_record(&obj(&r)), Some(Format::Trivy));
    }
    assert_eq!(detect_record(&obj(&sample("kube-bench.json"))), Some(Format::KubeBench));
    let controls: serde_json::Value = serde_json::from_slice(&sample("kube-bench-array.json")).unwrap();
    assert_eq!(detect_record(controls[0].as_object().unwrap()), Some(Format::KubeBench));
    assert_eq!(detect_record(&obj(&sample("kubescape.json"))), Some(Format::Kubescape));
    // A Kubernetes object has `kind` and `apiVersion`, never Trivy's `Kind` with `Results`.
    let pod = br#"{"apiVersion":"v1","kind":"Pod","metadata":{"name":"x","namespace":"shop"}}"#;
    assert_ne!(detect_record(&obj(pod)), Some(Format::Trivy));
}

#[test]
fn a_trivy_resource_gives_its_failed_checks_its_images_vulnerabilities_and_secrets() {
    let cart = &resources(&sample("trivy-k8s.json"))[0];
    let ev = trivy::parse(cart, Some("aks-shop-prod")).unwrap();
    assert_eq!((ev.source, ev.kind, ev.severity), (Source::Trivy, EventKind::Posture, Severity::Critical));
    assert_eq!(ev.title, "Trivy Deployment shop/cart: 4 failures");
    assert_eq!(ev.fields["cluster"], "aks-shop-prod");
    assert_eq!(ev.fields["passed"], 27);
    let f = failures(&ev);
    let ids: Vec<&str> = f.iter().map(|x| x.control.as_str()).collect();
    assert_eq!(ids, ["KSV036", "KSV014", "vulnerabilities", "secret:aws-access-key-id"]);
    assert_eq!(f[0].resource_label(), "Deployment shop/cart");
    assert_eq!(f[1].severity, Severity::High);
    assert!(f[2].detail.starts_with("4 vulnerabilities (2 high, 1 medium, 1 low): CVE-2024-6119 in libcrypto3 3.1.4-r5 (fixed in 3.1.7-r0)"), "{}", f[2].detail);
    assert!(f[2].detail.contains("CVE-2023-42366 in busybox 1.36.1-r15 (no fix)"));
    assert_eq!(f[2].severity, Severity::High);
    // The secret is named by its rule and place, never by what Trivy matched.
    assert_eq!(f[3].detail, "AWS Access Key ID in /app/config/.env, line 3");
    assert!(!serde_json::to_string(&ev.fields).unwrap().contains("AWS_ACCESS_KEY_ID="));
}

#[test]
fn a_resource_trivy_could_not_scan_is_reported_not_dropped() {
    let node = &resources(&sample("trivy-k8s.json"))[4];
    let ev = trivy::parse(node, None).unwrap();
    assert!(failures(&ev).is_empty());
    assert_eq!(ev.fields["errors"][0], "Node aks-nodepool1-31415926-vmss000003: node-collector job did not finish: context deadline exceeded");
    assert_eq!(ev.message, "0 failed, 0 passed, 1 resource not scanned");
}

#[test]
fn the_older_trivy_layout_reads_both_lists_as_one_report() {
    let ev = trivy::parse(&sample("trivy-k8s-legacy.json"), None).unwrap();
    assert_eq!(ev.shape, Some("trivy-report-legacy"));
    assert_eq!(ev.title, "Trivy report of 3 resources: 4 failures");
    let f = failures(&ev);
    assert_eq!(f.iter().map(|x| (x.control.as_str(), x.resource_label())).collect::<Vec<_>>(), [
        ("vulnerabilities", "Deployment shop/cart".to_string()),
        ("KSV036", "Deployment shop/cart".to_string()),
        ("KSV014", "Deployment shop/cart".to_string()),
        ("KSV012", "Deployment monitoring/grafana".to_string()),
    ]);
}

#[test]
fn kube_bench_fails_name_their_benchmark_and_warnings_are_only_counted() {
    let ev = kube_bench::parse(&sample("kube-bench.json")).unwrap();
    assert_eq!(ev.source, Source::KubeBench);
    let f = failures(&ev);
    assert_eq!(f.iter().map(|x| x.control.as_str()).collect::<Vec<_>>(), ["cis-1.9:4.2.4", "cis-1.9:5.2.1", "cis-1.9:5.3.2"]);
    assert_eq!((f[0].severity, f[1].severity), (Severity::Medium, Severity::Low), "scored fails are medium, unscored low");
    assert_eq!(f[0].resource_label(), "the cluster");
    assert!(f[0].detail.starts_with("node check 4.2.4 failed: found 10255, expected '--read-only-port' is equal to '0'"), "{}", f[0].detail);
    assert_eq!((ev.fields["passed"].as_u64(), ev.fields["by_hand"].as_u64()), (Some(1), Some(2)));
}

#[test]
fn a_kube_bench_result_without_a_status_is_an_error_naming_the_test() {
    let v: serde_json::Value = serde_json::from_slice(&sample("kube-bench-bad.json")).unwrap();
    let bad = serde_json::to_vec(&v[1]).unwrap();
    assert_eq!(kube_bench::parse(&bad).unwrap_err().reason, "kube-bench test 5.2.1 has no `status`");
}

#[test]
fn kubescape_failures_take_their_severity_from_the_score_factor_and_their_resource_from_the_id() {
    let ev = kubescape::parse(&sample("kubescape.json")).unwrap();
    assert_eq!(ev.time_ns, crate::time::parse_rfc3339("2026-11-20T10:12:41.518264Z"));
    let f = failures(&ev);
    let got: Vec<(&str, String, Severity)> = f.iter().map(|x| (x.control.as_str(), x.resource_label(), x.severity)).collect();
    assert_eq!(got, [
        ("C-0034", "Deployment shop/cart".to_string(), Severity::Medium),
        ("C-0260", "Deployment shop/cart".to_string(), Severity::Medium),
        ("C-0017", "Deployment shop/cart".to_string(), Severity::Low),
        ("C-0057", "DaemonSet falco/falco".to_string(), Severity::High),
        ("C-0048", "DaemonSet falco/falco".to_string(), Severity::High),
        ("C-0015", "Role shop/cart-secrets-reader".to_string(), Severity::High),
        ("C-0188", "ClusterRole ci-deployer".to_string(), Severity::Medium),
    ]);
    assert_eq!(f[0].fix, "Set spec.template.spec.automountServiceAccountToken to false.");
    assert_eq!((ev.fields["passed"].as_u64(), ev.fields["by_hand"].as_u64()), (Some(3), Some(1)));
}

#[test]
fn a_key_twice_is_refused_as_everywhere() {
    let raw = br#"{"Kind":"Deployment","Name":"cart","Name":"other","Results":[]}"#;
    assert!(trivy::parse(raw, None).unwrap_err().reason.contains("duplicate key"));
}
