//! `kordon snapshot` through the real `kube` client against the loopback
//! API server: paginated lists, a 403 on one kind recorded rather than
//! fatal, secret values nowhere, and the bundle importing like any other —
//! with the demo's alerts, it still makes the crypto-mining incident.

use crate::util::{fixture, TestCase};
use kordon_test_apiserver::{Cluster, Server};
use serde_json::{json, Value};
use std::io::Read;

const SECRET: &str = "hunter2-pool-wallet-48x";

fn lab() -> (TestCase, Server, std::path::PathBuf) {
    let t = TestCase::new();
    let mut cluster = Cluster::from_json(&std::fs::read(fixture("demo/src/snapshot.json")).unwrap()).unwrap();
    let b64 = "aHVudGVyMi1wb29sLXdhbGxldC00OHg="; // base64 of SECRET
    cluster.add(json!({"apiVersion": "v1", "kind": "Secret", "type": "Opaque",
        "metadata": {"name": "payment-keys", "namespace": "shop", "annotations": {
            "kubectl.kubernetes.io/last-applied-configuration": format!("{{\"stringData\":{{\"wallet\":\"{}\"}}}}", SECRET)}},
        "data": {"wallet": b64}}));
    let server = Server::start(cluster);
    server.set_page_size_cap(7);
    server.deny("list", "rbac.authorization.k8s.io", "clusterrolebindings", None);
    let kc = t.dir.path().join("kubeconfig.yaml");
    std::fs::write(&kc, server.kubeconfig("lab", None)).unwrap();
    (t, server, kc)
}

fn zip_texts(path: &std::path::Path) -> Vec<(String, String)> {
    let mut z = zip::ZipArchive::new(std::fs::File::open(path).unwrap()).unwrap();
    (0..z.len())
        .map(|i| {
            let mut f = z.by_index(i).unwrap();
            let mut s = String::new();
            f.read_to_string(&mut s).unwrap();
            (f.name().map(|n| n.to_string()).unwrap_or_default(), s)
        })
        .collect()
}

#[test]
fn a_snapshot_pages_through_lists_records_a_forbidden_kind_and_keeps_no_secret_value() {
    let (t, server, kc) = lab();
    let out = t.dir.path().join("snap.zip");
    let report: Value = serde_json::from_str(&t.ok(&["snapshot", "--kubeconfig", kc.to_str().unwrap(), "-o", out.to_str().unwrap(), "--json"])).unwrap();
    let kind = |k: &str| report["kinds"].as_array().unwrap().iter().find(|x| x["kind"] == k).cloned().unwrap();
    assert_eq!(kind("Pod")["items"], 32, "every pod, over several pages of 7");
    let continues = server.requests().iter().filter(|r| r.path == "/api/v1/pods" && r.param("continue").is_some()).count();
    assert!(continues >= 4, "pagination followed continue tokens ({})", continues);
    assert!(kind("ClusterRoleBinding")["error"].as_str().unwrap().contains("forbidden"), "{}", kind("ClusterRoleBinding"));
    assert_eq!(kind("Secret")["items"], 1);

    let files = zip_texts(&out);
    let manifest: Value = serde_json::from_str(&files.iter().find(|(n, _)| n == "manifest.json").unwrap().1).unwrap();
    assert_eq!(manifest["capture"]["caller"], "kordon-tester");
    assert_eq!(manifest["capture"]["secrets"], "metadata only");
    assert!(manifest["capture"]["kinds"].as_array().unwrap().iter().any(|k| k["kind"] == "ClusterRoleBinding" && k["error"].is_string()));
    assert!(manifest["cluster"]["kubernetes_version"].as_str().unwrap().starts_with("v1."));
    assert!(files.iter().all(|(n, _)| !n.contains("clusterrolebindings")), "no empty file for the forbidden kind");
    for (name, text) in &files {
        assert!(!text.contains(SECRET) && !text.contains("aHVudGVyMi1wb29s"), "{} holds the secret's value", name);
    }
    assert!(files.iter().any(|(_, t)| t.contains("payment-keys")), "the secret's metadata is kept");

    // It imports like any other bundle; nothing secret reaches the case either.
    let summary = t.import(&[&out]);
    assert!(summary["files_imported"].as_u64().unwrap() > 10, "{}", summary);
    let bytes = std::fs::read(&t.case).unwrap();
    assert!(!bytes.windows(SECRET.len()).any(|w| w == SECRET.as_bytes()));
}

#[test]
fn snapshot_then_import_then_incident() {
    let (t, _server, kc) = lab();
    let out = t.dir.path().join("snap.zip");
    t.ok(&["snapshot", "--kubeconfig", kc.to_str().unwrap(), "-o", out.to_str().unwrap(), "--namespace", "shop", "--namespace", "kube-system"]);
    t.import(&[&out]);
    t.import(&[&fixture("demo/src/falco.jsonl"), &fixture("demo/src/defender-alerts.json")]);
    t.ok(&["detect"]);
    t.ok(&["correlate"]);
    let first = t.json_lines(&["incidents"]).remove(0);
    assert!(first["title"].as_str().unwrap().starts_with("Crypto-mining in shop/cart-7f9c6d8b5-x2k4q"), "{}", first);
    // The snapshot's facts reached the incident: the pod's owner and its UID.
    let show: Value = serde_json::from_str(&t.ok(&["show", first["id"].as_str().unwrap(), "--json"])).unwrap();
    assert_eq!(show["recommendation"]["target"]["uid"], "5073bb1d-f9d3-4ee8-9817-7e92b9975677");
}

#[test]
fn a_failed_snapshot_leaves_no_partial_bundle() {
    let (t, server, kc) = lab();
    let out = t.dir.path().join("snap.zip");
    server.stop();
    let err = t.refused(&["snapshot", "--kubeconfig", kc.to_str().unwrap(), "-o", out.to_str().unwrap()]);
    assert!(err.contains("error[cluster_unreachable]"), "{}", err);
    assert!(!out.exists() && !out.with_extension("zip.partial").exists());
}

#[test]
fn a_snapshot_keeps_the_logs_of_the_named_pods_and_says_which_it_could_not_read() {
    let (t, server, kc) = lab();
    let pod = "cart-7f9c6d8b5-x2k4q";
    server.set_logs("shop", pod, "cart", false, "2026-11-20T09:41:02.118Z [xmrig] use pool pool.supportxmr.com:443\n2026-11-20T09:41:03.004Z [xmrig] new job\n");
    server.set_logs("shop", pod, "cart", true, "2026-11-20T09:30:00.000Z cart service started\n");
    let out = t.dir.path().join("snap.zip");
    let report: Value = serde_json::from_str(&t.ok(&[
        "snapshot", "--kubeconfig", kc.to_str().unwrap(), "-o", out.to_str().unwrap(), "--json",
        "--logs", &format!("shop/{}", pod), "--logs", "shop/no-such-pod",
    ]))
    .unwrap();
    let logs = report["logs"].as_array().unwrap();
    let of = |prev: bool| logs.iter().find(|l| l["pod"] == format!("shop/{}", pod) && l["previous"] == prev).cloned().unwrap();
    assert_eq!(of(false)["container"], "cart");
    assert_eq!(of(false)["truncated"], false);
    assert!(of(false)["bytes"].as_u64().unwrap() > 50);
    assert!(of(true)["error"].is_null(), "{}", of(true));
    let gone = logs.iter().find(|l| l["pod"] == "shop/no-such-pod").unwrap();
    assert!(gone["error"].as_str().unwrap().contains("not found"), "{}", gone);

    let files = zip_texts(&out);
    let current = &files.iter().find(|(n, _)| n == &format!("snapshot/logs/shop/{}/cart.json", pod)).unwrap().1;
    assert!(current.contains("supportxmr"));
    assert!(files.iter().any(|(n, _)| n == &format!("snapshot/logs/shop/{}/cart.previous.json", pod)));
    let manifest: Value = serde_json::from_str(&files.iter().find(|(n, _)| n == "manifest.json").unwrap().1).unwrap();
    assert_eq!(manifest["capture"]["logs"].as_array().unwrap().len(), 3);
    // Spool files went with the capture.
    let left: Vec<_> = std::fs::read_dir(t.dir.path()).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().to_string()).filter(|n| n.starts_with(".tmp")).collect();
    assert!(left.is_empty(), "{:?}", left);

    t.import(&[&out]);
    let found = t.json_lines(&["events", "--search", "supportxmr"]);
    assert!(found.iter().any(|e| e["title"] == format!("Logs of container cart in pod shop/{}", pod)), "{:?}", found);
    let found = t.json_lines(&["events", "--search", "\"cart service started\""]);
    assert!(found.iter().any(|e| e["title"] == format!("Previous logs of container cart in pod shop/{}", pod)), "{:?}", found);
}

#[test]
fn a_badly_named_pod_for_logs_is_refused_before_connecting() {
    let (t, server, kc) = lab();
    let out = t.dir.path().join("snap.zip");
    let err = t.refused(&["snapshot", "--kubeconfig", kc.to_str().unwrap(), "-o", out.to_str().unwrap(), "--logs", "cart-7f9c6d8b5-x2k4q"]);
    assert!(err.contains("error[invalid_argument]") && err.contains("NAMESPACE/POD"), "{}", err);
    assert!(server.requests().is_empty() && !out.exists());
}

#[test]
fn a_cancelled_snapshot_stops_between_pages_and_leaves_nothing_behind() {
    use kordon::cluster::snapshot::{capture, SnapshotOptions};
    use std::sync::atomic::{AtomicBool, Ordering};
    let (t, server, kc) = lab();
    let out = t.dir.path().join("snap.zip");
    let opts = SnapshotOptions {
        connect: kordon::cluster::ConnectOptions { kubeconfig: Some(kc), context: None, trust_exec: false },
        ..SnapshotOptions::default()
    };
    let cancel = AtomicBool::new(false);
    let mut steps = Vec::new();
    // The investigator presses Cancel once the first pods have come.
    let err = capture(&opts, &out, &kordon::clock::FixedClock(0), &cancel, &mut |s| {
        steps.push((s.kind.to_string(), s.objects));
        if s.kind == "Pod" && s.objects > 0 {
            cancel.store(true, Ordering::SeqCst);
        }
    })
    .unwrap_err();
    assert_eq!(err.code(), kordon::error::Code::Cancelled, "{}", err);
    assert!(steps.iter().any(|(k, _)| k == "Pod"), "{:?}", steps);
    let pod_pages = server.requests().iter().filter(|r| r.path == "/api/v1/pods").count();
    assert!(pod_pages < 32 / 7, "stopped between pages ({} pod pages read)", pod_pages);
    let left: Vec<String> = std::fs::read_dir(t.dir.path()).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().to_string()).filter(|n| n != "kubeconfig.yaml" && !n.ends_with(".kordon")).collect();
    assert!(left.is_empty(), "no bundle, partial bundle or spool file: {:?}", left);
}
