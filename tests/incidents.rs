//! Incidents from the real binary: the demo's story comes out as one
//! incident, the rest stays apart, ids survive re-imports and reordering,
//! and the incident, its story and its graph are pinned by golden files.

use crate::util::{fixture, golden_json, TestCase};
use serde_json::Value;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

fn analysed(paths: &[&Path]) -> TestCase {
    let t = TestCase::new();
    t.import(paths);
    t.ok(&["detect"]);
    t.ok(&["correlate"]);
    t
}

fn demo() -> TestCase {
    analysed(&[&fixture("demo/kordon-demo.zip")])
}

fn incidents(t: &TestCase) -> Vec<Value> {
    t.json_lines(&["incidents"])
}

fn show(t: &TestCase, id: &str) -> Value {
    serde_json::from_str(&t.ok(&["show", id, "--json"])).expect("show JSON")
}

fn str_of(v: &Value) -> &str {
    v.as_str().unwrap_or_default()
}

fn severe(i: &Value) -> bool {
    matches!(str_of(&i["severity"]), "high" | "critical")
}

/// The demo's attack incident, with the signal rows of `show`.
fn attack(t: &TestCase) -> (Value, Value) {
    let all = incidents(t);
    let severe: Vec<&Value> = all.iter().filter(|i| severe(i)).collect();
    assert_eq!(severe.len(), 1, "exactly one high-severity incident: {:#?}", all);
    let id = str_of(&severe[0]["id"]).to_string();
    (severe[0].clone(), show(t, &id))
}

/// The demo's files, unpacked, in bundle order.
fn unpacked_demo(dir: &Path) -> Vec<PathBuf> {
    let file = std::fs::File::open(fixture("demo/kordon-demo.zip")).unwrap();
    let mut zip = zip::ZipArchive::new(file).unwrap();
    let mut out = Vec::new();
    for i in 0..zip.len() {
        let mut entry = zip.by_index(i).unwrap();
        let name = entry.name().unwrap().to_string();
        if entry.is_dir() || name == "manifest.json" {
            continue;
        }
        let path = dir.join(&name);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        let mut f = std::fs::File::create(&path).unwrap();
        std::io::copy(&mut entry, &mut f).unwrap();
        out.push(path);
    }
    out
}

fn summary(t: &TestCase) -> Vec<(String, String, i64, String)> {
    incidents(t)
        .iter()
        .map(|i| (str_of(&i["id"]).into(), str_of(&i["title"]).into(), i["signals"].as_i64().unwrap(), str_of(&i["severity"]).into()))
        .collect()
}

#[test]
fn the_demo_attack_is_one_high_severity_incident_holding_every_step() {
    let t = demo();
    let (inc, detail) = attack(&t);
    assert_eq!(str_of(&inc["title"]), "Crypto-mining in shop/cart-7f9c6d8b5-x2k4q");
    let tactics: BTreeSet<&str> = inc["tactics"].as_array().unwrap().iter().map(str_of).collect();
    for t in ["TA0006", "TA0007", "TA0002", "TA0003", "TA0040"] {
        assert!(tactics.contains(t), "{} missing from {:?}", t, tactics);
    }
    let signals = detail["signals"].as_array().unwrap();
    let has = |source: &str, rule: &str| signals.iter().any(|s| str_of(&s["source"]) == source && str_of(&s["rule"]) == rule);
    for (source, rule) in [
        ("kordon", "KRD-AUDIT-001"),                                      // identity misuse from outside
        ("kordon", "KRD-AUDIT-003"),                                      // secrets listing
        ("kordon", "KRD-AUDIT-002"),                                      // exec
        ("falco", "Terminal shell in container"),                         // shell
        ("falco", "Launch Suspicious Network Tool in Container"),         // nmap
        ("kordon", "KRD-TETRA-001"),                                      // nmap, seen by Tetragon
        ("falco", "Contact K8S API Server From Container"),               // API-server contact
        ("falco", "Drop and execute new binary in container"),            // drift binary
        ("kordon", "KRD-TETRA-002"),                                      // miner
        ("falco", "Detect crypto miners using the Stratum protocol"),     // miner
        ("falco", "Detect outbound connections to common miner pool ports"), // pool connection
        ("kordon", "KRD-TETRA-003"),                                      // pool connection
        ("defender", "K8S_ServiceAccountRareOperation"),
        ("defender", "K8S.NODE_DriftDetection"),
        ("defender", "K8S.NODE_DigitalCurrencyMining"),
    ] {
        assert!(has(source, rule), "the attack incident lacks {} {}", source, rule);
    }
    // Every signal says why it joined; only the first joined nothing.
    let firsts = signals.iter().filter(|s| str_of(&s["joined"]["how"]) == "first").count();
    assert_eq!(firsts, 1);
    assert!(signals.iter().all(|s| !str_of(&s["joined"]["text"]).is_empty()));
    // Every alert about the compromised pod is in it.
    let alerts = t.json_lines(&["events", "--kind", "alert", "--pod", "shop/cart-7f9c6d8b5-x2k4q"]);
    let ids: BTreeSet<&str> = signals.iter().map(|s| str_of(&s["id"])).collect();
    for a in &alerts {
        assert!(ids.contains(str_of(&a["id"])), "alert {} ({}) is not in the attack incident", a["id"], a["title"]);
    }
}

#[test]
fn the_nightly_scan_is_its_own_incident_and_monitoring_never_joins_the_attack() {
    let t = demo();
    let all = incidents(&t);
    let (inc, detail) = attack(&t);
    let scan: Vec<&Value> = all.iter().filter(|i| str_of(&i["title"]).contains("secops/netscan-")).collect();
    assert_eq!(scan.len(), 1, "{:#?}", all);
    assert_ne!(scan[0]["id"], inc["id"]);
    for s in detail["signals"].as_array().unwrap() {
        let e = t.json_lines(&["events", "--kind", "alert", "--search", str_of(&s["title"])]);
        assert!(!e.is_empty());
    }
    // No signal of the attack names a monitoring or secops pod.
    let attack_ids: BTreeSet<String> =
        detail["signals"].as_array().unwrap().iter().map(|s| str_of(&s["id"]).to_string()).collect();
    for ns in ["monitoring", "secops"] {
        for a in t.json_lines(&["events", "--kind", "alert", "--namespace", ns]) {
            assert!(!attack_ids.contains(str_of(&a["id"])), "{} alert {} joined the attack", ns, a["title"]);
        }
    }
    // Prometheus' all-day API contacts are one low incident of their own.
    let prom: Vec<&Value> = all.iter().filter(|i| str_of(&i["title"]).contains("prometheus-server")).collect();
    assert_eq!(prom.len(), 1);
    assert_eq!(str_of(&prom[0]["severity"]), "low");
}

#[test]
fn routine_noise_makes_no_incident() {
    let t = demo();
    for i in incidents(&t) {
        for k in i["key_entities"].as_array().unwrap() {
            let key = str_of(&k["key"]);
            assert!(!key.starts_with("system:node:"), "{} names kubelet {}", i["id"], key);
            assert_ne!(key, "system:serviceaccount:ci:deployer", "{} names the deployer", i["id"]);
        }
    }
    // Every signal of every incident is an alert: telemetry never seeds one.
    let signals: i64 = incidents(&t).iter().map(|i| i["signals"].as_i64().unwrap()).sum();
    let alerts = t.json_lines(&["events", "--kind", "alert"]).len() as i64;
    assert_eq!(signals, alerts);
}

#[test]
fn the_story_cites_its_evidence_and_the_recommendation_weighs_the_facts() {
    let t = demo();
    let (_, d) = attack(&t);
    let steps = d["story"]["steps"].as_array().unwrap();
    let signal_ids: BTreeSet<&str> = d["signals"].as_array().unwrap().iter().map(|s| str_of(&s["id"])).collect();
    for s in steps {
        assert!(!s["evidence"].as_array().unwrap().is_empty());
        for e in s["evidence"].as_array().unwrap() {
            assert!(signal_ids.contains(str_of(e)), "step cites {} which is no signal", e);
        }
    }
    let text: Vec<&str> = steps.iter().map(|s| str_of(&s["text"])).collect();
    assert!(text[0].contains("203.0.113.45, outside the cluster"), "{}", text[0]);
    assert!(text.iter().any(|s| s.contains("nmap") && s.contains("10.244.")), "{:?}", text);
    assert!(text.iter().any(|s| s.contains("198.51.100.77:4444")), "{:?}", text);
    let r = &d["recommendation"];
    assert_eq!(str_of(&r["action"]), "isolate");
    assert_eq!(str_of(&r["target"]["pod"]), "shop/cart-7f9c6d8b5-x2k4q");
    assert!(r["target"]["uid"].is_string());
    let reasons: Vec<&str> = r["reasons"].as_array().unwrap().iter().map(|x| str_of(&x["text"])).collect();
    assert!(reasons.iter().any(|x| x.contains("ReplicaSet shop/cart-7f9c6d8b5")), "{:?}", reasons);
    assert!(reasons.iter().any(|x| x.contains("Calico")), "{:?}", reasons);
    assert!(reasons.iter().any(|x| x.contains("/tmp/.x/xmrig")), "{:?}", reasons);
    assert!(reasons.iter().any(|x| x.contains("203.0.113.45")), "{:?}", reasons);
    let follow: Vec<&str> = r["follow_up"].as_array().unwrap().iter().map(|x| str_of(&x["item"])).collect();
    for item in ["rotate-credentials", "reduce-rbac", "image-provenance", "network-policy", "admission-control"] {
        assert!(follow.contains(&item), "{} missing from {:?}", item, follow);
    }
}

#[test]
fn the_graph_links_identity_pod_container_processes_and_network_with_the_scan_aggregated() {
    let t = demo();
    let (inc, _) = attack(&t);
    let g: Value = serde_json::from_str(&t.ok(&["graph", str_of(&inc["id"])])).unwrap();
    let nodes = g["nodes"].as_array().unwrap();
    let edges = g["edges"].as_array().unwrap();
    let node = |kind: &str, label: &str| {
        nodes
            .iter()
            .find(|n| str_of(&n["kind"]) == kind && str_of(&n["label"]).contains(label))
            .unwrap_or_else(|| panic!("no {} node {}", kind, label))
    };
    let linked = |a: &Value, b: &Value, kind: &str| {
        edges.iter().any(|e| e["source"] == a["id"] && e["target"] == b["id"] && str_of(&e["kind"]) == kind)
    };
    let sa = node("identity", "shop/cart");
    let pod = node("pod", "shop/cart-7f9c6d8b5-x2k4q");
    let ip = node("ip", "203.0.113.45");
    let pool = node("ip", "198.51.100.77");
    let xmrig = nodes
        .iter()
        .find(|n| str_of(&n["kind"]) == "process" && str_of(&n["label"]).starts_with("/tmp/.x/xmrig") && linked(n, pool, "connected-to"))
        .expect("xmrig connected to the pool");
    assert!(linked(ip, sa, "used"));
    assert!(linked(sa, pod, "token-of"));
    let container = nodes.iter().find(|n| str_of(&n["kind"]) == "container" && linked(pod, n, "runs") && n["signal_count"].as_u64() > Some(0)).unwrap();
    assert!(edges.iter().any(|e| e["source"] == container["id"] && str_of(&e["kind"]) == "runs"));
    assert!(xmrig["tactics"].as_array().unwrap().iter().any(|t| t == "TA0040"));
    let scan: Vec<&Value> = nodes.iter().filter(|n| n["aggregated"] == true && str_of(&n["kind"]) == "ip").collect();
    assert_eq!(scan.len(), 1, "one aggregated node for the scanned addresses");
    assert!(scan[0]["member_count"].as_u64().unwrap() >= 50);
    assert!(str_of(&scan[0]["label"]).contains("addresses in 10.244."), "{}", scan[0]["label"]);
    assert!(str_of(&scan[0]["label"]).contains("6379"), "{}", scan[0]["label"]);
    node("image", "shop/cart:2.3.1");
    node("node", "vmss000001");
    node("workload", "Deployment shop/cart");

    // Expanding the aggregate shows its members one by one.
    let agg = str_of(&scan[0]["id"]);
    let expanded: Value = serde_json::from_str(&t.ok(&["graph", str_of(&inc["id"]), "--expand", agg])).unwrap();
    assert!(expanded["nodes"].as_array().unwrap().len() > nodes.len() + 40);
    assert!(!expanded["nodes"].as_array().unwrap().iter().any(|n| n["id"] == scan[0]["id"]));
    let err = t.refused(&["graph", str_of(&inc["id"]), "--expand", "agg-0000000000000000"]);
    assert!(err.starts_with("error[not_found]"), "{}", err);

    let dot = t.ok(&["graph", str_of(&inc["id"]), "--format", "dot"]);
    assert!(dot.starts_with("digraph \"INC-"));
    assert!(dot.contains("-> ") && dot.contains("its token in ("), "{}", dot);
}

#[test]
fn the_idle_replicas_of_the_attacked_pods_replicaset_fold_into_one_node_that_expands() {
    let t = demo();
    let (inc, _) = attack(&t);
    let id = str_of(&inc["id"]);
    let g: Value = serde_json::from_str(&t.ok(&["graph", id])).unwrap();
    let nodes = g["nodes"].as_array().unwrap();
    let of = |g: &Value, kind: &str| -> Vec<Value> {
        g["nodes"].as_array().unwrap().iter().filter(|n| str_of(&n["kind"]) == kind).cloned().collect()
    };
    let pods = of(&g, "pod");
    assert_eq!(pods.len(), 2, "the attacked pod and one node for its idle siblings: {:?}", pods);
    let idle = pods.iter().find(|n| n["aggregated"] == true).expect("a folded node");
    assert_eq!(str_of(&idle["label"]), "5 other pods of ReplicaSet shop/cart-7f9c6d8b5");
    assert_eq!(idle["member_count"], 5);
    assert_eq!(idle["signal_count"], 0, "only pods no signal names fold");
    assert!(pods.iter().any(|n| n["key"] == "shop/cart-7f9c6d8b5-x2k4q"));
    let containers = of(&g, "container");
    assert_eq!(containers.len(), 2, "{:?}", containers);
    assert!(containers.iter().any(|n| str_of(&n["label"]) == "5 containers of those 5 pods"));
    // The fold hangs from the ReplicaSet by the same relation as its members.
    let rs = nodes.iter().find(|n| str_of(&n["label"]) == "ReplicaSet shop/cart-7f9c6d8b5").unwrap();
    assert!(g["edges"].as_array().unwrap().iter().any(|e| e["source"] == rs["id"] && e["target"] == idle["id"] && e["kind"] == "owns"));

    // Expanded, the five pods come back one by one, each with its container.
    let open: Value = serde_json::from_str(&t.ok(&["graph", id, "--expand", str_of(&idle["id"])])).unwrap();
    let pods = of(&open, "pod");
    assert_eq!(pods.len(), 6);
    assert!(pods.iter().all(|n| n["aggregated"] == false));
    assert_eq!(of(&open, "container").len(), 6);
    // The same input draws the same graph.
    assert_eq!(t.ok(&["graph", id]), t.ok(&["graph", id]));
}

#[test]
fn incident_ids_do_not_depend_on_import_order_or_packaging() {
    let bundle = demo();
    let dir = tempfile::tempdir().unwrap();
    let mut files = unpacked_demo(dir.path());
    files.reverse();
    let t = TestCase::new();
    for f in &files {
        t.import(&[f]);
    }
    t.ok(&["detect"]);
    t.ok(&["correlate"]);
    assert_eq!(summary(&t), summary(&bundle));
}

#[test]
fn re_importing_and_re_correlating_changes_nothing() {
    let t = demo();
    let before = summary(&t);
    let (inc, _) = attack(&t);
    let shown = show(&t, str_of(&inc["id"]));
    t.import(&[&fixture("demo/kordon-demo.zip")]);
    t.ok(&["detect"]);
    let s: Value = serde_json::from_str(&t.ok(&["correlate", "--json"])).unwrap();
    assert_eq!((s["new"].as_u64(), s["changed"].as_u64(), s["replaced"].as_u64()), (Some(0), Some(0), Some(0)));
    assert_eq!(summary(&t), before);
    assert_eq!(show(&t, str_of(&inc["id"])), shown);
}

#[test]
fn a_later_import_adds_its_signals_to_the_existing_incident() {
    let dir = tempfile::tempdir().unwrap();
    let files = unpacked_demo(dir.path());
    let (defender, rest): (Vec<&PathBuf>, Vec<&PathBuf>) =
        files.iter().partition(|p| p.to_string_lossy().contains("defender"));
    assert!(!defender.is_empty());
    let rest: Vec<&Path> = rest.iter().map(|p| p.as_path()).collect();
    let t = analysed(&rest);
    let (before, _) = attack(&t);
    t.import(&defender.iter().map(|p| p.as_path()).collect::<Vec<_>>());
    let s: Value = serde_json::from_str(&t.ok(&["correlate", "--json"])).unwrap();
    assert_eq!(s["new"].as_u64(), Some(0));
    let (after, detail) = attack(&t);
    assert_eq!(after["id"], before["id"], "the incident keeps its id");
    assert!(after["signals"].as_i64() > before["signals"].as_i64());
    assert!(detail["signals"].as_array().unwrap().iter().any(|s| str_of(&s["source"]) == "defender"));
}

#[test]
fn a_short_falco_container_id_and_a_full_tetragon_one_join_one_incident() {
    let t = TestCase::new();
    t.import(&[&fixture("correlation/falco-shell-short-id.jsonl")]);
    t.import(&[&fixture("correlation/tetragon-miner-full-id.jsonl")]);
    t.ok(&["detect"]);
    t.ok(&["correlate"]);
    let all = incidents(&t);
    assert_eq!(all.len(), 1, "{:#?}", all);
    let d = show(&t, str_of(&all[0]["id"]));
    let signals = d["signals"].as_array().unwrap();
    assert_eq!(str_of(&signals[0]["source"]), "falco");
    assert_eq!(str_of(&signals[1]["joined"]["entity"]["kind"]), "container");
    assert!(str_of(&signals[1]["joined"]["entity"]["key"]).starts_with("c0ffee12ab34"));
    assert_eq!(str_of(&signals[1]["joined"]["entity"]["key"]).len(), 64);
}

#[test]
fn unknown_incidents_and_bad_windows_are_refused_clearly() {
    let t = demo();
    assert!(t.refused(&["show", "INC-00000000"]).starts_with("error[not_found]: no incident INC-00000000"));
    assert!(t.refused(&["show", "cart"]).starts_with("error[invalid_argument]"));
    assert!(t.refused(&["graph", "nope"]).starts_with("error[invalid_argument]"));
    assert!(t.refused(&["correlate", "--window", "soon"]).starts_with("error[invalid_argument]"));
}

fn golden(name: &str, actual: &Value) {
    let path = fixture("golden/incidents").join(name);
    golden_json(&path, actual, name);
}

#[test]
fn golden_demo_incidents_story_and_graph() {
    let t = demo();
    golden("demo-incidents.json", &Value::Array(incidents(&t)));
    let (inc, detail) = attack(&t);
    golden("demo-attack-show.json", &detail);
    let g: Value = serde_json::from_str(&t.ok(&["graph", str_of(&inc["id"])])).unwrap();
    golden("demo-attack-graph.json", &g);
}

/// The demo's attack requests with other auditIDs: the same attack seen in
/// a second cluster.
fn attack_in_another_cluster(t: &TestCase) -> std::path::PathBuf {
    let text = std::fs::read_to_string(fixture("demo/src/audit-attack.jsonl")).unwrap();
    let path = t.dir.path().join("staging-audit.jsonl");
    std::fs::write(&path, text.replace("\"auditID\":\"", "\"auditID\":\"5ta9e-")).unwrap();
    path
}

fn two_cluster_incidents(order: &[&str]) -> Vec<serde_json::Value> {
    let t = TestCase::new();
    let staging = attack_in_another_cluster(&t);
    for what in order {
        match *what {
            "prod" => t.ok(&["import", "--cluster", "shop-prod", fixture("demo/src/audit-attack.jsonl").to_str().unwrap()]),
            "staging" => t.ok(&["import", "--cluster", "shop-staging", staging.to_str().unwrap()]),
            _ => t.ok(&["import", fixture("demo/src/falco.jsonl").to_str().unwrap()]),
        };
    }
    t.ok(&["detect"]);
    t.ok(&["correlate"]);
    t.json_lines(&["incidents"])
}

#[test]
fn evidence_from_two_clusters_never_joins_one_incident() {
    let incidents = two_cluster_incidents(&["prod", "staging", "falco"]);
    let clustered: Vec<&serde_json::Value> = incidents.iter().filter(|i| !i["clusters"].as_array().unwrap().is_empty()).collect();
    for i in &incidents {
        assert!(i["clusters"].as_array().unwrap().len() <= 1, "{} mixes clusters: {}", i["id"], i["clusters"]);
    }
    let names: std::collections::BTreeSet<&str> =
        clustered.iter().map(|i| i["clusters"][0].as_str().unwrap()).collect();
    assert_eq!(names, ["shop-prod", "shop-staging"].into_iter().collect());
    // The stolen token's requests of each cluster are one incident each,
    // although both name the same pod, identity and address.
    for name in ["shop-prod", "shop-staging"] {
        let of: Vec<&&serde_json::Value> = clustered.iter().filter(|i| i["clusters"][0] == name).collect();
        assert_eq!(of.len(), 1, "{}: {:?}", name, of);
    }
    // Falco knows no cluster: its alerts join one of them, the same one in
    // any import order.
    let again = two_cluster_incidents(&["falco", "staging", "prod"]);
    let key = |v: &[serde_json::Value]| -> Vec<(String, String, i64)> {
        v.iter().map(|i| (i["id"].to_string(), i["clusters"].to_string(), i["signals"].as_i64().unwrap())).collect()
    };
    assert_eq!(key(&incidents), key(&again));
}
