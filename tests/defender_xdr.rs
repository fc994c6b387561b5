//! Microsoft Defender XDR advanced hunting, imported by the real binary:
//! streaming API records (Event Hub, storage JSON Lines) and the portal's
//! CSV export, one alert from its AlertInfo and AlertEvidence rows, the
//! alerts' tactics after correlation, the entities that meet the other
//! sensors', bad records.

use crate::util::{fixture, TestCase};
use serde_json::Value;

const MINING: &str = "Digital currency mining related behavior detected";
const MINER: &str = "335beb25619a:2292803:/tmp/.x/xmrig";

fn sample(name: &str) -> std::path::PathBuf {
    fixture(&format!("samples/defender-xdr/{}", name))
}

fn xdr_events(t: &TestCase) -> Vec<Value> {
    t.json_lines(&["events", "--source", "defender-xdr"])
}

fn keys(ev: &Value, kind: &str) -> Vec<String> {
    let mut k: Vec<String> = ev["entities"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["kind"] == kind)
        .map(|e| e["key"].as_str().unwrap().to_string())
        .collect();
    k.sort();
    k.dedup();
    k
}

#[test]
fn every_shape_reads_as_its_words_in_the_summary() {
    let cases = [
        (
            "eventhub-messages.json",
            "Defender XDR advanced hunting, Event Hub messages, 2 messages, 20 Defender XDR records",
            20,
            0,
        ),
        (
            "storage-PT1H.json",
            "Defender XDR advanced hunting, streaming API storage JSON Lines, 4 Defender XDR records, 1 record skipped",
            5,
            1,
        ),
        (
            "portal-cloudprocessevents.csv",
            "Defender XDR advanced hunting, advanced hunting portal CSV, 6 Defender XDR records",
            6,
            0,
        ),
        (
            "portal-alertevidence.csv",
            "Defender XDR advanced hunting, advanced hunting portal CSV, 7 Defender XDR records",
            7,
            0,
        ),
    ];
    for (name, shape, records, errors) in cases {
        let t = TestCase::new();
        let summary = t.import(&[&sample(name)]);
        let file = &summary["files"][0];
        assert_eq!(file["format"], "defender-xdr", "{}", name);
        assert_eq!(file["shape"], shape, "{}", name);
        assert_eq!(file["records"], records, "{}", name);
        assert_eq!(file["errors"], errors, "{}", name);
    }
}

#[test]
fn the_event_hub_messages_give_processes_audit_calls_and_two_alerts() {
    let t = TestCase::new();
    t.import(&[&sample("eventhub-messages.json")]);
    let events = xdr_events(&t);
    let summary: Vec<(&str, &str, &str)> = events
        .iter()
        .map(|e| (e["kind"].as_str().unwrap(), e["severity"].as_str().unwrap(), e["rule"].as_str().unwrap()))
        .collect();
    assert_eq!(
        summary,
        [
            ("telemetry", "info", "list pods"),
            ("telemetry", "info", "list secrets"),
            ("telemetry", "info", "list secrets"),
            ("telemetry", "info", "ProcessCreated"),
            ("telemetry", "info", "ProcessCreated"),
            ("telemetry", "info", "ProcessCreated"),
            ("telemetry", "info", "ProcessCreated"),
            ("telemetry", "info", "ProcessCreated"),
            ("telemetry", "info", "ProcessCreated"),
            ("alert", "medium", "Network scanning tool detected"),
            ("alert", "high", MINING),
        ]
    );
    let miner = events.iter().find(|e| e["fields"]["pid"] == 2292803).unwrap();
    assert_eq!(miner["time"], "2026-11-20T09:47:21.130456700Z");
    assert_eq!(keys(miner, "process"), [MINER]);
    assert_eq!(keys(miner, "pod"), ["shop/cart-7f9c6d8b5-x2k4q"]);
    assert_eq!(keys(miner, "cluster"), ["aks-shop-prod"]);
    assert_eq!(keys(miner, "container"), ["335beb25619aada911de4c9c604086ce78db2f1ba7103cbf509937476f0575a3"]);
    assert_eq!(keys(miner, "workload"), ["shop/Deployment/cart"]);
    let secrets = events.iter().find(|e| e["title"] == "Kubernetes Audit: list secrets in shop").unwrap();
    assert_eq!(keys(secrets, "identity"), ["system:serviceaccount:shop:cart"]);
    assert_eq!(keys(secrets, "ip"), ["203.0.113.45"]);
    assert_eq!(keys(secrets, "pod"), ["shop/cart-7f9c6d8b5-x2k4q"]);
}

#[test]
fn alert_info_and_its_evidence_rows_are_one_alert_with_every_entity() {
    let t = TestCase::new();
    t.import(&[&sample("eventhub-messages.json")]);
    let events: Vec<Value> = xdr_events(&t).into_iter().filter(|e| e["kind"] == "alert").collect();
    let alert = events.iter().find(|e| e["title"] == MINING).unwrap();
    assert_eq!(alert["records"], 8, "AlertInfo and seven evidence rows, all kept");
    assert_eq!(alert["fields"]["table"], "AlertInfo", "AlertInfo gives the fields");
    assert_eq!(alert["time"], "2026-11-20T09:52:31.000000000Z");
    assert_eq!(alert["tactics"], serde_json::json!(["TA0040"]));
    assert_eq!(alert["techniques"], serde_json::json!(["T1496"]));
    for (kind, key) in [
        ("cluster", "aks-shop-prod"),
        ("namespace", "shop"),
        ("pod", "shop/cart-7f9c6d8b5-x2k4q"),
        ("container", "335beb25619aada911de4c9c604086ce78db2f1ba7103cbf509937476f0575a3"),
        ("image", "shopregistry.azurecr.io/shop/cart:2.3.1"),
        ("process", MINER),
        ("file", "/tmp/.x/xmrig"),
        ("ip", "198.51.100.77"),
        ("node", "aks-nodepool1-31415926-vmss000001"),
    ] {
        assert_eq!(keys(alert, kind), [key], "{} of {}", kind, alert["entities"]);
    }
    // The portal's CSV of the same evidence adds records, not alerts.
    t.import(&[&sample("portal-alertevidence.csv")]);
    let events: Vec<Value> = xdr_events(&t).into_iter().filter(|e| e["kind"] == "alert").collect();
    assert_eq!(events.len(), 2);
    let alert = events.iter().find(|e| e["title"] == MINING).unwrap();
    assert_eq!(alert["records"], 15);
    assert_eq!(alert["fields"]["table"], "AlertInfo");
}

#[test]
fn evidence_rows_alone_stand_as_the_alert() {
    let t = TestCase::new();
    t.import(&[&sample("portal-alertevidence.csv")]);
    let events = xdr_events(&t);
    assert_eq!(events.len(), 1);
    let alert = &events[0];
    assert_eq!((alert["kind"].as_str(), alert["severity"].as_str()), (Some("alert"), Some("high")));
    assert_eq!(alert["title"], MINING);
    assert_eq!(alert["records"], 7);
    assert_eq!(alert["fields"]["table"], "AlertEvidence");
    assert_eq!(alert["tactics"], serde_json::json!(["TA0040"]));
    assert_eq!(keys(alert, "process"), [MINER]);
    assert_eq!(keys(alert, "pod"), ["shop/cart-7f9c6d8b5-x2k4q"]);
}

#[test]
fn the_csv_export_of_the_stream_s_rows_merges_into_them() {
    let t = TestCase::new();
    let summary = t.import(&[&sample("eventhub-messages.json"), &sample("portal-cloudprocessevents.csv")]);
    assert_eq!(summary["files"][1]["events_new"], 0);
    assert_eq!(summary["files"][1]["events_merged"], 6);
    let curl = xdr_events(&t).into_iter().find(|e| e["fields"]["pid"] == 2292399).unwrap();
    assert_eq!(curl["records"], 2);
    // The stream's copy gives the fields: its command line is one line.
    assert_eq!(curl["fields"]["cmdline"], "curl -sk -H @/tmp/.h https://10.0.0.1:443/api/v1/namespaces/kube-system/secrets");
    assert_eq!(curl["fields"]["envelope"]["tenant_id"], "3c9a0e5d-6f1b-4c7a-9d2e-8b4f1a7c0e53");
}

#[test]
fn correlation_reads_the_alerts_on_the_kill_chain() {
    let t = TestCase::new();
    t.import(&[&sample("eventhub-messages.json")]);
    t.ok(&["detect"]);
    t.ok(&["correlate"]);
    let incidents = t.json_lines(&["incidents"]);
    let attack: Vec<&Value> = incidents.iter().filter(|i| i.to_string().contains("shop/cart-7f9c6d8b5-x2k4q")).collect();
    assert_eq!(attack.len(), 1, "{:#?}", incidents.iter().map(|i| &i["title"]).collect::<Vec<_>>());
    let show: Value = serde_json::from_str(&t.ok(&["show", attack[0]["id"].as_str().unwrap(), "--json"])).unwrap();
    let xdr: Vec<(&str, Vec<&str>, Vec<&str>)> = show["signals"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| s["source"] == "defender-xdr")
        .map(|s| {
            let ids = |k: &str| s[k].as_array().unwrap().iter().map(|x| x.as_str().unwrap()).collect();
            (s["rule"].as_str().unwrap(), ids("tactics"), ids("techniques"))
        })
        .collect();
    assert_eq!(
        xdr,
        [("Network scanning tool detected", vec!["TA0007"], vec!["T1046"]), (MINING, vec!["TA0040"], vec!["T1496"])]
    );
    let scan = show["signals"].as_array().unwrap().iter().find(|s| s["rule"] == "Network scanning tool detected").unwrap();
    assert!(scan["mapping_notes"].to_string().contains("SuspiciousActivity"), "{}", scan["mapping_notes"]);
}

#[test]
fn bad_records_are_kept_verbatim_with_file_and_line() {
    let t = TestCase::new();
    let summary = t.import(&[&sample("bad-records.jsonl")]);
    let file = &summary["files"][0];
    assert_eq!(file["format"], "defender-xdr");
    assert_eq!(file["records"], 7, "the skipped DeviceInfo record is counted apart");
    assert_eq!(file["errors"], 6);
    assert_eq!(xdr_events(&t).len(), 1);
    assert_eq!(file["skipped_records"].as_object().unwrap().len(), 1);
    let errors = t.json_lines(&["errors"]);
    let got: Vec<(u64, &str)> =
        errors.iter().map(|e| (e["line"].as_u64().unwrap(), e["reason"].as_str().unwrap())).collect();
    assert_eq!(got[0].0, 2);
    assert!(got[0].1.starts_with("invalid JSON: EOF while parsing"), "{}", got[0].1);
    assert_eq!(
        &got[1..],
        [
            (3, "the CloudProcessEvents record's properties are a string, not the row (an object)"),
            (4, "the AlertInfo row has no AlertId"),
            (5, "column Timestamp: \"yesterday morning\" is not a time"),
            (
                6,
                "column AdditionalFields: invalid JSON inside the string: EOF while parsing an object at line 1 column 33"
            ),
            (7, "invalid JSON: duplicate key \"operationName\" in an object at line 1 column 130"),
        ]
    );
    let text = std::fs::read_to_string(sample("bad-records.jsonl")).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    for e in &errors {
        assert!(e["file"].as_str().unwrap().ends_with("defender-xdr/bad-records.jsonl"));
        assert_eq!(e["raw"], lines[e["line"].as_u64().unwrap() as usize - 1], "kept verbatim");
    }
}
