//! The demo's miner seen by every runtime sensor Kordon reads: Falco,
//! Defender for Cloud and Tetragon in the demo bundle, plus Sysdig Secure,
//! Tracee (two schema generations), KubeArmor and Hubble's fixtures of the
//! same pod, container and processes. Their alerts must join the one attack
//! incident — through entity keys each importer builds the same way — and
//! add no incident of their own.

use crate::util::{fixture, TestCase};
use std::collections::BTreeMap;

#[test]
fn every_sensors_alerts_on_the_miner_join_the_one_incident() {
    let t = TestCase::new();
    let samples = [
        "sysdig/events.jsonl",
        "tracee/nested-2024.jsonl",
        "tracee/v1beta1-2025.jsonl",
        "kubearmor/karmor-logs.jsonl",
        "hubble/events.log",
        "hubble/observe.jsonl",
    ];
    let mut paths = vec![fixture("demo/kordon-demo.zip")];
    paths.extend(samples.iter().map(|s| fixture(&format!("samples/{}", s))));
    t.import(&paths.iter().map(|p| p.as_path()).collect::<Vec<_>>());
    t.ok(&["detect"]);
    t.ok(&["correlate"]);

    let incidents = t.json_lines(&["incidents"]);
    let on_cart: Vec<&serde_json::Value> = incidents.iter().filter(|i| i.to_string().contains("shop/cart-7f9c6d8b5-x2k4q")).collect();
    assert_eq!(on_cart.len(), 1, "one incident for the attacked pod: {:#?}", incidents.iter().map(|i| &i["title"]).collect::<Vec<_>>());
    assert_eq!(incidents.len(), 5, "the demo's five incidents, no more: {:#?}", incidents.iter().map(|i| &i["title"]).collect::<Vec<_>>());
    let id = on_cart[0]["id"].as_str().unwrap();
    assert!(on_cart[0]["title"].as_str().unwrap().starts_with("Crypto-mining in shop/cart-7f9c6d8b5-x2k4q"));

    let page: serde_json::Value = serde_json::from_str(&t.ok(&["show", id, "--json"])).unwrap();
    let mut by_source: BTreeMap<String, usize> = BTreeMap::new();
    for s in page["signals"].as_array().unwrap() {
        *by_source.entry(s["source"].as_str().unwrap().to_string()).or_default() += 1;
    }
    for sensor in ["falco", "defender", "sysdig", "tracee", "kubearmor", "hubble", "kordon"] {
        assert!(by_source.get(sensor).is_some_and(|n| *n > 0), "no {} signal in the incident: {:?}", sensor, by_source);
    }
    // The miner's processes are the same entities whatever sensor saw them:
    // the two xmrig the demo's Falco and Tetragon name, and no other.
    let entities = t.json_lines(&["entities"]);
    let xmrig: Vec<&str> = entities
        .iter()
        .filter(|e| e["kind"] == "process" && e["key"].as_str().unwrap().starts_with("335beb25619a:") && e["key"].as_str().unwrap().ends_with(":/tmp/.x/xmrig"))
        .map(|e| e["key"].as_str().unwrap())
        .collect();
    assert_eq!(xmrig, ["335beb25619a:2292799:/tmp/.x/xmrig", "335beb25619a:2292803:/tmp/.x/xmrig"]);
}

/// The miner re-cast on EKS (`eks-shop-prod`): Falco on the node (which names
/// no cluster, so it is imported with `--cluster`), Defender XDR's process
/// row and alert, and GuardDuty's runtime findings. They join one incident
/// through the pod key, the container id and the host-pid process key all
/// three build the same way.
#[test]
fn falco_defender_xdr_and_guardduty_on_the_eks_miner_join_one_incident() {
    let t = TestCase::new();
    let falco = fixture("samples/defender-xdr/eks-falco-ip-10-0-12-34.jsonl");
    t.ok(&["import", "--cluster", "eks-shop-prod", &falco.display().to_string()]);
    t.import(&[
        &fixture("samples/defender-xdr/eks-eventhub.json"),
        &fixture("samples/guardduty/9d3f0c1e-5b7a-4c2e-8f61-2a4b6c8d0e13.jsonl.gz"),
    ]);
    t.ok(&["detect"]);
    t.ok(&["correlate"]);

    let incidents = t.json_lines(&["incidents"]);
    let titles: Vec<&serde_json::Value> = incidents.iter().map(|i| &i["title"]).collect();
    assert_eq!(incidents.len(), 1, "one incident, no more: {:#?}", titles);
    let incident = &incidents[0];
    assert!(incident["title"].as_str().unwrap().starts_with("Crypto-mining in shop/cart-7f9c6d8b5-x2k4q"), "{}", incident);
    let page: serde_json::Value = serde_json::from_str(&t.ok(&["show", incident["id"].as_str().unwrap(), "--json"])).unwrap();
    let mut by_source: BTreeMap<String, usize> = BTreeMap::new();
    for s in page["signals"].as_array().unwrap() {
        *by_source.entry(s["source"].as_str().unwrap().to_string()).or_default() += 1;
    }
    for sensor in ["falco", "defender-xdr", "guardduty"] {
        assert!(by_source.get(sensor).is_some_and(|n| *n > 0), "no {} signal in the incident: {:?}", sensor, by_source);
    }

    // What links them: every sensor names the pod, the full container id
    // (Falco's 12-hex id resolved to it) and the miner's host-pid key.
    let events = t.json_lines(&["events"]);
    let miner = "335beb25619a:2292803:/tmp/.x/xmrig";
    let container = "335beb25619aada911de4c9c604086ce78db2f1ba7103cbf509937476f0575a3";
    for source in ["falco", "defender-xdr", "guardduty"] {
        let names = |kind: &str, key: &str| {
            events.iter().filter(|e| e["source"] == source).any(|e| {
                e["entities"].as_array().unwrap().iter().any(|x| x["kind"] == kind && x["key"] == key)
            })
        };
        assert!(names("pod", "shop/cart-7f9c6d8b5-x2k4q"), "{} names the pod", source);
        assert!(names("process", miner), "{} names the miner's process", source);
        if source != "falco" {
            assert!(names("container", container), "{} names the container", source);
        }
    }
    let clusters: Vec<String> = t
        .json_lines(&["entities"])
        .iter()
        .filter(|e| e["kind"] == "cluster")
        .map(|e| e["key"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(clusters, ["eks-shop-prod"]);
}
