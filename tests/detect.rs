//! `kordon detect` and `kordon rules` on the demo incident: the attack's
//! records fire the rules they should, routine cluster traffic fires none of
//! the serious ones, and a second run changes nothing.

use crate::util::{fixture, TestCase};
use serde_json::Value;
use std::collections::HashMap;

struct Demo {
    t: TestCase,
    summary: Value,
    /// Every event of the case by id.
    events: HashMap<String, Value>,
}

fn demo() -> Demo {
    let t = TestCase::new();
    t.import(&[&fixture("demo/kordon-demo.zip")]);
    let summary: Value =
        serde_json::from_str(&t.ok(&["detect", "--json"])).expect("detect summary JSON");
    let events = t
        .json_lines(&["events"])
        .into_iter()
        .map(|e| (e["id"].as_str().unwrap().to_string(), e))
        .collect();
    Demo { t, summary, events }
}

impl Demo {
    fn firings(&self, rule: &str) -> Vec<&Value> {
        self.summary["firings"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|f| f["rule"] == rule)
            .collect()
    }

    /// The triggering events of a rule's firings.
    fn triggers(&self, rule: &str) -> Vec<&Value> {
        self.firings(rule)
            .iter()
            .flat_map(|f| f["events"].as_array().unwrap())
            .map(|id| &self.events[id.as_str().unwrap()])
            .collect()
    }
}

fn field<'a>(e: &'a Value, name: &str) -> &'a Value {
    &e["fields"][name]
}

const CART: &str = "shop/cart-7f9c6d8b5-x2k4q";
const CART_SA: &str = "system:serviceaccount:shop:cart";

fn in_cart_pod(e: &Value) -> bool {
    e["entities"]
        .as_array()
        .unwrap()
        .iter()
        .any(|l| l["kind"] == "pod" && l["key"] == CART)
}

#[test]
fn the_attack_fires_the_rules_it_should() {
    let d = demo();
    assert_eq!(d.summary["cluster_from_snapshot"], true);
    assert_eq!(d.summary["existing"], 0);

    // The stolen token from 203.0.113.45: every request it made, no other.
    let token = d.triggers("KRD-AUDIT-001");
    assert_eq!(token.len(), 8);
    for e in &token {
        assert_eq!(field(e, "source_ip"), "203.0.113.45");
        assert_eq!(field(e, "user"), CART_SA);
        assert_eq!(field(e, "token_pod"), CART);
    }
    // The exec into the pod (kubectl 1.30: verb get).
    let exec = d.triggers("KRD-AUDIT-002");
    assert_eq!(exec.len(), 1);
    assert_eq!(
        (field(exec[0], "verb"), field(exec[0], "subresource")),
        (&Value::from("get"), &Value::from("exec"))
    );
    assert_eq!(field(exec[0], "exec_command"), "/bin/sh");
    // Secrets: kube-system (403) and shop with the stolen token, kube-system
    // with the pod's own token from curl inside it.
    let secrets = d.triggers("KRD-AUDIT-003");
    assert_eq!(secrets.len(), 3);
    assert!(secrets
        .iter()
        .all(|e| field(e, "resource") == "secrets" && field(e, "user") == CART_SA));
    assert!(secrets
        .iter()
        .any(|e| field(e, "namespace") == "shop" && field(e, "code") == 200));
    // nmap, twice in the cart pod (and once in the nightly netscan job).
    let scans = d.triggers("KRD-TETRA-001");
    assert!(scans.iter().all(|e| field(e, "exe") == "/usr/bin/nmap"));
    assert_eq!(scans.iter().filter(|e| in_cart_pod(e)).count(), 2);
    // xmrig: the miner rule and the writable-path rule, on both runs of it.
    for rule in ["KRD-TETRA-002", "KRD-TETRA-004"] {
        let xmrig = d.triggers(rule);
        assert_eq!(xmrig.len(), 2, "{}", rule);
        assert!(
            xmrig
                .iter()
                .all(|e| field(e, "exe") == "/tmp/.x/xmrig" && in_cart_pod(e)),
            "{}",
            rule
        );
    }
    // The pool connection.
    let pool = d.triggers("KRD-TETRA-003");
    assert_eq!(pool.len(), 1);
    assert_eq!(
        (field(pool[0], "dst_ip"), field(pool[0], "dst_port")),
        (&Value::from("198.51.100.77"), &Value::from(4444))
    );

    // Each firing is an alert in the case, linked to its evidence.
    let alerts = d.t.json_lines(&["events", "--source", "kordon"]);
    assert_eq!(alerts.len() as u64, d.summary["new"].as_u64().unwrap());
    let pool_alert = alerts
        .iter()
        .find(|a| a["rule"] == "KRD-TETRA-003")
        .unwrap();
    assert_eq!(pool_alert["kind"], "alert");
    assert_eq!(pool_alert["tactics"], serde_json::json!(["TA0040"]));
    assert_eq!(pool_alert["fields"]["ms_matrix"], "MS-TA9039");
    let links = pool_alert["entities"].as_array().unwrap();
    assert!(links
        .iter()
        .any(|l| l["kind"] == "ip" && l["key"] == "198.51.100.77"));
    assert!(links.iter().any(|l| l["kind"] == "pod" && l["key"] == CART));
    // Kordon's alerts are searchable by rule id.
    assert_eq!(
        d.t.json_lines(&["events", "--search", "KRD-TETRA-002"])
            .len(),
        2
    );
}

#[test]
fn routine_traffic_fires_no_serious_rule() {
    let d = demo();
    let noise = |e: &Value| {
        let user = field(e, "user").as_str().unwrap_or("");
        user.starts_with("system:node:")
            || user.starts_with("system:kube-")
            || user.starts_with("system:serviceaccount:kube-system:")
            || user.starts_with("system:serviceaccount:calico-system:")
            || user.starts_with("system:serviceaccount:monitoring:")
            || user == "system:serviceaccount:ci:deployer"
            || user == "system:apiserver"
            || (e["source"] == "tetragon"
                && ["kube-system", "calico-system", "monitoring", "ci"]
                    .iter()
                    .any(|ns| field(e, "namespace") == *ns))
    };
    for f in d.summary["firings"].as_array().unwrap() {
        for id in f["events"].as_array().unwrap() {
            let e = &d.events[id.as_str().unwrap()];
            assert!(
                !noise(e),
                "{} fired on routine traffic: {}",
                f["rule"],
                e["title"]
            );
        }
        // The serious ones are all about the cart pod or its stolen token.
        if f["severity"] == "high" || f["severity"] == "critical" {
            for id in f["events"].as_array().unwrap() {
                let e = &d.events[id.as_str().unwrap()];
                assert!(
                    in_cart_pod(e) || field(e, "user") == CART_SA,
                    "{}: {}",
                    f["rule"],
                    e["title"]
                );
            }
        }
    }
    // The nightly scan is flagged, at medium severity only.
    let netscan: Vec<_> = d
        .firings("KRD-TETRA-001")
        .into_iter()
        .filter(|f| f["message"].as_str().unwrap().contains("secops/netscan"))
        .collect();
    assert_eq!(netscan.len(), 1);
    assert_eq!(netscan[0]["severity"], "medium");
}

#[test]
fn detecting_twice_adds_nothing() {
    let d = demo();
    let before = (
        d.t.ok(&["events", "--json"]),
        d.t.ok(&["entities", "--json"]),
        d.t.ok(&["sources", "--json"]),
    );
    let again: Value = serde_json::from_str(&d.t.ok(&["detect", "--json"])).unwrap();
    assert_eq!(again["new"], 0);
    assert_eq!(again["existing"], d.summary["new"]);
    assert_eq!(
        again["firings"].as_array().unwrap().len(),
        d.summary["firings"].as_array().unwrap().len()
    );
    let after = (
        d.t.ok(&["events", "--json"]),
        d.t.ok(&["entities", "--json"]),
        d.t.ok(&["sources", "--json"]),
    );
    assert!(before == after, "a second run changed the case");
    // The human form says so too.
    assert!(d.t.ok(&["detect"]).contains("0 new alert(s)"));
}

#[test]
fn rules_lists_every_rule_with_its_ids() {
    let t = TestCase::new();
    let rules = t.json_lines(&["rules"]);
    assert_eq!(rules.len(), 11);
    for r in &rules {
        assert!(r["id"].as_str().unwrap().starts_with("KRD-"));
        assert!(r["tactics"]
            .as_array()
            .unwrap()
            .iter()
            .all(|t| t.as_str().unwrap().starts_with("TA")));
        assert!(["info", "low", "medium", "high", "critical"]
            .contains(&r["severity"].as_str().unwrap()));
    }
    let burst = rules.iter().find(|r| r["id"] == "KRD-AUDIT-004").unwrap();
    assert_eq!(burst["threshold"]["count"], 5);
    assert_eq!(burst["ms_matrix"], "MS-TA9029");
    assert!(t.ok(&["rules"]).contains("KRD-TETRA-003"));
}
