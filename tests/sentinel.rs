//! Microsoft Sentinel incidents beside the demo: the SOC's incidents are
//! imported as other tools' incidents, shown with the Kordon incident each
//! matches ("SOC view") and never change Kordon's incidents or triage.

use crate::util::{fixture, TestCase};
use serde_json::Value;

const PAGE1: &str = "samples/sentinel/incidents-page1.json";
const PAGE2: &str = "samples/sentinel/incidents-page2.json";
const AZ: &str = "samples/sentinel/az-incident-list.json";
const GET_CLOSED: &str = "samples/sentinel/incident-get-closed.json";
const BAD: &str = "samples/sentinel/bad-records.jsonl";

/// The demo with the given Sentinel samples, detected and correlated.
fn demo_with(samples: &[&str]) -> TestCase {
    let t = TestCase::new();
    let mut paths = vec![fixture("demo/kordon-demo.zip")];
    paths.extend(samples.iter().map(|s| fixture(s)));
    t.import(&paths.iter().map(|p| p.as_path()).collect::<Vec<_>>());
    t.ok(&["detect"]);
    t.ok(&["correlate"]);
    t
}

fn incident_titled(t: &TestCase, prefix: &str) -> String {
    let all = t.json_lines(&["incidents"]);
    let found = all.iter().find(|i| i["title"].as_str().unwrap().starts_with(prefix));
    found.unwrap_or_else(|| panic!("no incident {:?}", prefix))["id"].as_str().unwrap().to_string()
}

fn show(t: &TestCase, id: &str) -> Value {
    serde_json::from_str(&t.ok(&["show", id, "--json"])).unwrap()
}

/// Incidents as correlation made them: titles, signals, key entities.
fn incidents_without_triage(t: &TestCase) -> Vec<Value> {
    t.json_lines(&["incidents"])
        .into_iter()
        .map(|i| serde_json::json!([i["id"], i["title"], i["signals"], i["key_entities"], i["first_activity"], i["last_activity"]]))
        .collect()
}

#[test]
fn the_crypto_mining_incident_shows_the_socs_view_and_keeps_kordons_triage() {
    let t = demo_with(&[PAGE1, PAGE2]);
    let id = incident_titled(&t, "Crypto-mining in shop/cart-7f9c6d8b5-x2k4q");
    let page = show(&t, &id);
    assert_eq!(page["incident"]["status"], "new", "Kordon's triage is Kordon's");
    assert_eq!(page["incident"]["classification"], Value::Null);
    assert_eq!(page["incident"]["owner"], Value::Null);
    let soc = page["soc"].as_array().unwrap();
    assert_eq!(soc.len(), 1, "{:#?}", soc);
    let v = &soc[0];
    assert_eq!(v["number"], 4127);
    assert_eq!(v["title"], "Digital currency mining related behavior detected");
    assert_eq!(v["severity"], "High");
    assert_eq!(v["status"], "Active");
    assert_eq!(v["kordon_status"], "in-progress");
    assert_eq!(v["classification"], Value::Null);
    assert_eq!(v["owner"], "Dana Reyes");
    assert_eq!(v["labels"], serde_json::json!(["aks-shop-prod", "Defender for Containers"]));
    assert_eq!(v["alert_products"], serde_json::json!(["Azure Security Center"]));
    assert_eq!(v["summary"], "SOC: Active · unclassified");
    assert!(v["matched"].as_str().unwrap().contains("Digital currency mining related behavior detected"));
    assert_eq!(v["differences"], serde_json::json!([{"what": "status", "soc": "in-progress", "kordon": "new"}]));
    assert!(v["incident_url"].as_str().unwrap().starts_with("https://portal.azure.com/"));

    // The import wrote no triage: the log holds no triage action.
    let log = t.json_lines(&["log"]);
    assert!(!log.iter().any(|e| e["action"].as_str().unwrap().starts_with("triage")), "{:#?}", log);

    let text = t.ok(&["show", &id]);
    assert!(text.contains("SOC view (Microsoft Sentinel)"), "{}", text);
    assert!(text.contains("#4127 Digital currency mining related behavior detected [High]"), "{}", text);
    assert!(text.contains("Differs from Kordon's triage: status — SOC in-progress, Kordon new"), "{}", text);
}

#[test]
fn the_nightly_scan_gets_its_closed_benign_positive_view() {
    let t = demo_with(&[PAGE1]);
    let id = incident_titled(&t, "Network scanning in secops/netscan-");
    let soc = show(&t, &id)["soc"].as_array().unwrap().clone();
    assert_eq!(soc.len(), 1, "{:#?}", soc);
    let v = &soc[0];
    assert_eq!(v["number"], 4119);
    assert_eq!(v["summary"], "SOC: Closed · Benign positive — Suspicious but expected");
    assert_eq!(v["kordon_status"], "resolved");
    assert_eq!(v["kordon_classification"], "informational");
    assert_eq!(v["owner"], "Lee Okafor");
    assert_eq!(v["matched"], "it names pod secops/netscan-29919000-h7k2d");
    // Once Kordon's triage agrees, nothing differs.
    t.ok(&["triage", &id, "--status", "in-progress"]);
    t.ok(&["triage", &id, "--classify", "informational", "--determination", "security-test", "--status", "resolved", "--comment", "nightly scan"]);
    assert_eq!(show(&t, &id)["soc"][0]["differences"], serde_json::json!([]));
}

#[test]
fn an_unrelated_sentinel_incident_attaches_to_nothing_but_is_listed() {
    let t = demo_with(&[PAGE1, PAGE2]);
    let mut shown = Vec::new();
    for i in t.json_lines(&["incidents"]) {
        for v in show(&t, i["id"].as_str().unwrap())["soc"].as_array().unwrap() {
            shown.push(v["number"].as_u64().unwrap());
        }
    }
    shown.sort();
    assert_eq!(shown, [4119, 4127], "only the mining and the scan match an incident");
    let listed: Vec<String> =
        t.json_lines(&["events", "--kind", "external-incident"]).iter().map(|e| e["title"].as_str().unwrap().to_string()).collect();
    assert_eq!(
        listed,
        [
            "Sign-in from an unfamiliar location to the Azure portal",
            "Network scanning tool executed in a container",
            "Digital currency mining related behavior detected",
            "Anomalous access to Kubernetes secrets",
        ]
    );
    let sentinel = t.json_lines(&["events", "--source", "sentinel"]);
    assert!(sentinel.iter().all(|e| e["kind"] == "external-incident"));
    // The import summary names them, matched or not.
    let again = TestCase::new();
    let out = again.ok(&["import", &fixture(PAGE1).display().to_string()]);
    assert!(out.contains("Microsoft Sentinel, incidents REST API, 3 Sentinel incidents"), "{}", out);
    assert!(out.contains("Microsoft Sentinel #4125 Anomalous access to Kubernetes secrets — SOC: New · unclassified"), "{}", out);
}

#[test]
fn a_newer_export_updates_the_view_and_keeps_every_record() {
    let t = demo_with(&[PAGE1]);
    let id = incident_titled(&t, "Crypto-mining in shop/cart-7f9c6d8b5-x2k4q");
    assert_eq!(show(&t, &id)["soc"][0]["status"], "Active");

    let summary = t.import(&[&fixture(GET_CLOSED)]);
    assert_eq!(summary["events_merged"], 1, "{}", summary);
    let v = show(&t, &id)["soc"][0].clone();
    assert_eq!(v["status"], "Closed");
    assert_eq!(v["summary"], "SOC: Closed · True positive — Suspicious activity");
    assert_eq!(v["kordon_classification"], "true-positive");
    assert_eq!(v["last_modified"], "2026-11-20T16:20:07.441093200Z");

    // An older export imported later does not win, and every snapshot is
    // kept: the winning record in the event, the others beside it.
    assert_eq!(t.json_lines(&["events", "--kind", "external-incident"]).len(), 3);
    t.import(&[&fixture(AZ)]);
    assert_eq!(show(&t, &id)["soc"][0]["status"], "Closed");
    assert_eq!(t.json_lines(&["events", "--kind", "external-incident"]).len(), 4, "the az list adds the older incident only");
    let others: i64 = rusqlite::Connection::open(&t.case)
        .unwrap()
        .query_row(
            "SELECT COUNT(*) FROM event_records r JOIN events e ON e.id = r.event_id
             WHERE e.kind = 'external-incident' AND e.title = 'Digital currency mining related behavior detected'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(others + 1, 3, "the list page, the GET and the az list of #4127");
}

#[test]
fn correlation_is_the_same_with_or_without_sentinel() {
    let plain = demo_with(&[]);
    let with = demo_with(&[PAGE1, PAGE2, AZ, GET_CLOSED, BAD]);
    assert_eq!(incidents_without_triage(&plain), incidents_without_triage(&with));
    let errors = with.json_lines(&["errors"]);
    assert_eq!(errors.len(), 5, "{:#?}", errors);
}

#[test]
fn showing_an_incident_reads_sentinel_incidents_through_their_index() {
    let t = TestCase::new();
    t.import(&[&fixture(PAGE1)]);
    let conn = rusqlite::Connection::open(&t.case).unwrap();
    let plan: Vec<String> = conn
        .prepare(&format!("EXPLAIN QUERY PLAN {}", kordon::incident::soc::LOAD_SQL))
        .unwrap()
        .query_map([], |r| r.get::<_, String>(3))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert!(plan.iter().any(|p| p.contains("events_external_time")), "{:?}", plan);
    assert!(!plan.iter().any(|p| p.starts_with("SCAN events") && !p.contains("INDEX")), "{:?}", plan);
}
