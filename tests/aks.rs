//! AKS control-plane logs as Azure Monitor exports them: what each shape
//! imports as, that one request exported several ways (an Event Hub
//! message, an hourly blob, a Log Analytics row, the plain audit log) is
//! one event with every record kept, the cluster entity, control-plane
//! lines, and the errors of broken records.

use crate::util::{fixture, TestCase};
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

fn aks(name: &str) -> PathBuf {
    fixture(&format!("samples/aks/{}", name))
}

fn demo_audit() -> PathBuf {
    fixture("demo/src/audit-attack.jsonl")
}

/// The auditIDs of the demo attack, each with its number of lines.
fn demo_requests() -> BTreeMap<String, u64> {
    let mut out = BTreeMap::new();
    for line in std::fs::read_to_string(demo_audit()).unwrap().lines() {
        let e: Value = serde_json::from_str(line).unwrap();
        *out.entry(e["auditID"].as_str().unwrap().to_string()).or_default() += 1;
    }
    out
}

/// The file summaries of an import, by file name.
fn summaries(summary: &Value) -> BTreeMap<String, Value> {
    summary["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            let name = Path::new(f["name"].as_str().unwrap()).file_name().unwrap().to_string_lossy().to_string();
            (name, f.clone())
        })
        .collect()
}

/// The requests of the samples that are not in the demo log: the
/// release's deployment patch and its ConfigMap (cut short).
const RELEASE_REQUESTS: &[&str] = &["5be0f2a1-7c3d-4e8b-9a6f-2d1c0b9e8f71", "c41d7e92-58a3-4f06-b2d9-7e1a3c5b8f20"];

/// The audit events of a case by auditID (found in the stored record,
/// whatever its shape): (records, envelope shape).
fn audit_events(t: &TestCase) -> BTreeMap<String, (u64, String)> {
    let mut known: Vec<String> = demo_requests().into_keys().collect();
    known.extend(RELEASE_REQUESTS.iter().map(|s| s.to_string()));
    t.json_lines(&["events", "--source", "k8s-audit", "--raw"])
        .into_iter()
        .map(|e| {
            let raw = e["raw"].as_str().unwrap();
            let id = known.iter().find(|id| raw.contains(id.as_str())).unwrap_or_else(|| panic!("an unknown request: {}", raw));
            (id.clone(), (e["records"].as_u64().unwrap(), e["fields"]["envelope"]["shape"].as_str().unwrap_or("").to_string()))
        })
        .collect()
}

#[test]
fn an_event_hub_capture_imports_its_messages_audit_events_and_control_plane_lines() {
    let t = TestCase::new();
    let s = t.import(&[&aks("event-hub.json")]);
    let f = &summaries(&s)["event-hub.json"];
    assert_eq!(f["format"], "aks-diagnostics");
    assert_eq!(
        f["shape"],
        "AKS Azure Monitor logs, Event Hub messages, 3 messages, 9 audit events, 8 control-plane lines"
    );
    // 19 demo lines, a kube-audit-admin copy of one, 8 component lines.
    assert_eq!((f["records"].as_u64(), f["events_new"].as_u64(), f["errors"].as_u64()), (Some(28), Some(17), Some(0)));
    let lines = t.json_lines(&["events", "--source", "control-plane"]);
    let mut by_component: BTreeMap<String, usize> = BTreeMap::new();
    for l in &lines {
        *by_component.entry(l["fields"]["component"].as_str().unwrap().to_string()).or_default() += 1;
        assert_eq!(l["fields"]["cluster"], "aks-shop-prod");
    }
    let expected: BTreeMap<String, usize> = [
        ("cluster-autoscaler", 1),
        ("csi-azuredisk-controller", 1),
        ("guard", 3),
        ("kube-apiserver", 2),
        ("kube-controller-manager", 1),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v))
    .collect();
    assert_eq!(by_component, expected);
    let deny = lines.iter().find(|l| l["fields"]["decision"] == "deny").unwrap();
    assert_eq!(deny["title"], "guard: deny list secrets in kube-system for priya.nair@contoso.example");
    assert_eq!(deny["fields"]["user_groups"][1], "system:authenticated");
    // The write logged in kube-audit and kube-audit-admin is one event.
    let events = audit_events(&t);
    assert_eq!(events.len(), 9);
    assert_eq!(events["1e0303ac-604d-4779-aec6-b11e8edfe706"].0, 3);
}

#[test]
fn a_storage_blob_in_its_folder_layout_imports_with_the_facts_of_its_path() {
    let t = TestCase::new();
    let s = t.import(&[&aks("storage-blob.zip")]);
    let f = &summaries(&s)["storage-blob.zip"];
    assert_eq!(f["shape"], "AKS Azure Monitor logs, storage account blob (PT1H.json), 9 audit events");
    assert_eq!((f["records"].as_u64(), f["errors"].as_u64()), (Some(19), Some(0)), "the BOM is no error: {}", f);
    let events = t.json_lines(&["events"]);
    assert_eq!(events.len(), 9);
    for e in &events {
        let env = &e["fields"]["envelope"];
        assert_eq!(env["shape"], "storage-blob");
        assert_eq!(env["blob_container"], "insights-logs-kube-audit");
        assert_eq!(env["blob_hour"], "2026-11-20T09:00:00Z");
        assert!(e["file"].as_str().unwrap().ends_with("/y=2026/m=11/d=20/h=09/m=00/PT1H.json"), "{}", e["file"]);
    }
}

#[test]
fn log_analytics_exports_import_with_their_table_and_shape() {
    let t = TestCase::new();
    let s = t.import(&[
        &aks("aksaudit.csv"),
        &aks("aksaudit-az-cli.json"),
        &aks("azurediagnostics.csv"),
        &aks("azurediagnostics.json"),
    ]);
    let f = summaries(&s);
    assert_eq!(f["aksaudit.csv"]["shape"], "AKS Azure Monitor logs, Log Analytics AKSAudit rows (portal CSV), 10 audit events");
    assert_eq!(f["aksaudit-az-cli.json"]["shape"], "AKS Azure Monitor logs, Log Analytics AKSAudit rows (az CLI JSON), 4 audit events");
    assert_eq!(
        f["azurediagnostics.csv"]["shape"],
        "AKS Azure Monitor logs, Log Analytics AzureDiagnostics rows (portal CSV), 4 audit events, 1 control-plane line"
    );
    assert_eq!(
        f["azurediagnostics.json"]["shape"],
        "AKS Azure Monitor logs, Log Analytics AzureDiagnostics rows (az CLI JSON), 5 audit events, 1 control-plane line"
    );
    for (name, summary) in &f {
        assert_eq!(summary["errors"], 0, "{}", name);
    }
    let events = t.json_lines(&["events", "--source", "k8s-audit"]);
    let cut = events.iter().find(|e| e["fields"]["envelope"]["truncated"] == true).unwrap();
    assert_eq!(cut["title"], "patch configmaps shop/storefront-features (truncated)");
    let patch = events.iter().find(|e| e["title"] == "patch deployments shop/storefront").unwrap();
    assert_eq!(patch["fields"]["envelope"]["skipped_objects"], serde_json::json!(["responseObject"]));
    assert_eq!(patch["fields"]["images"], serde_json::json!(["shopregistry.azurecr.io/shop/storefront:4.13.0"]));
}

#[test]
fn one_request_in_an_event_hub_message_a_blob_and_a_log_analytics_row_is_one_event() {
    let t = TestCase::new();
    t.import(&[&aks("event-hub.json"), &aks("storage-blob.zip"), &aks("aksaudit.csv")]);
    let events = audit_events(&t);
    let demo = demo_requests();
    // The nine demo requests and the release's patch (in the CSV only).
    assert_eq!(events.len(), demo.len() + 1);
    for (id, lines) in &demo {
        let (records, _) = &events[id];
        // Every stage from the capture and the blob, the stages after
        // RequestReceived from the CSV, the kube-audit-admin copy.
        let csv_rows = lines - 1;
        let admin = u64::from(id == "1e0303ac-604d-4779-aec6-b11e8edfe706");
        assert_eq!(*records, 2 * lines + csv_rows + admin, "{}", id);
    }
    // The exec request: three stages three ways, less the CSV's RequestReceived.
    assert_eq!(events["38bc3e56-23a2-471f-8c8e-e32b8439c0b7"].0, 8);
    // The exec's fields come from a copy with the API server's own times,
    // not the CSV's display times (to the millisecond).
    let exec = t
        .json_lines(&["events", "--source", "k8s-audit"])
        .into_iter()
        .find(|e| e["title"] == "get pods/exec shop/cart-7f9c6d8b5-x2k4q")
        .unwrap();
    assert_eq!(exec["time"], "2026-11-20T09:43:02.412934000Z");
    assert_eq!(exec["fields"]["code"], 101);
    assert_ne!(exec["fields"]["envelope"]["shape"], "log-analytics-aksaudit-csv");
}

#[test]
fn the_cloud_copies_merge_with_the_plain_audit_log_in_any_order() {
    let files = [aks("event-hub.json"), aks("storage-blob.zip"), aks("aksaudit.csv"), aks("aksaudit-az-cli.json"), demo_audit()];
    let forward = TestCase::new();
    forward.import(&files.iter().map(PathBuf::as_path).collect::<Vec<_>>());
    let backward = TestCase::new();
    for f in files.iter().rev() {
        backward.import(&[f.as_path()]);
    }
    let a = audit_events(&forward);
    let b = audit_events(&backward);
    assert_eq!(a, b);
    let demo = demo_requests();
    assert_eq!(a.len(), demo.len() + 1);
    let total: u64 = demo.keys().map(|id| a[id].0).sum();
    // Capture 19 + 1 admin copy, blob 19, CSV 10, az CLI 6, audit.log 19.
    assert_eq!(total, 19 + 1 + 19 + 10 + 6 + 19);
    let strip = |t: &TestCase| -> Vec<Value> {
        t.json_lines(&["events", "--source", "k8s-audit"])
            .into_iter()
            .map(|mut e| {
                e.as_object_mut().unwrap().remove("file");
                e
            })
            .collect()
    };
    assert_eq!(strip(&forward), strip(&backward), "the same event fields whatever the order");
}

#[test]
fn every_export_names_one_cluster_entity_the_one_defender_names() {
    let t = TestCase::new();
    t.import(&[
        &aks("event-hub.json"),
        &aks("storage-blob.zip"),
        &aks("aksaudit.csv"),
        &aks("aksaudit-az-cli.json"),
        &aks("azurediagnostics.csv"),
        &aks("azurediagnostics.json"),
        &fixture("demo/src/defender-alerts.json"),
    ]);
    let clusters = t.json_lines(&["entities", "--kind", "cluster"]);
    assert_eq!(clusters.len(), 1, "{:?}", clusters);
    let c = &clusters[0];
    assert_eq!(c["key"], "aks-shop-prod");
    assert_eq!(
        c["attrs"]["resource_id"],
        "/subscriptions/54d48471-7e44-4d95-ab1c-e684b446f762/resourceGroups/rg-shop-prod/providers/Microsoft.ContainerService/managedClusters/aks-shop-prod"
    );
    assert_eq!(c["attrs"]["subscription"], "54d48471-7e44-4d95-ab1c-e684b446f762");
    assert_eq!(c["attrs"]["resource_group"], "rg-shop-prod");
    assert_eq!(c["attrs"]["provider"], "aks");
    let defender = t.json_lines(&["events", "--source", "defender"]);
    assert_eq!(defender.len(), 3, "Defender's alerts stay Defender's");
}

#[test]
fn rows_that_name_no_cluster_take_the_one_named_on_import() {
    let t = TestCase::new();
    let text = std::fs::read_to_string(aks("aksaudit-az-cli.json")).unwrap();
    let mut rows: Vec<serde_json::Map<String, Value>> = serde_json::from_str(&text).unwrap();
    for r in &mut rows {
        r.remove("_ResourceId");
    }
    let path = t.dir.path().join("aksaudit-no-resource-id.json");
    std::fs::write(&path, serde_json::to_string_pretty(&rows).unwrap()).unwrap();
    t.ok(&["import", "--cluster", "aks-shop-prod", &path.display().to_string()]);
    let clusters = t.json_lines(&["entities", "--kind", "cluster"]);
    assert_eq!(clusters.len(), 1);
    assert_eq!(clusters[0]["key"], "aks-shop-prod");
    assert_eq!(clusters[0]["attrs"]["named_by"], "import");
}

#[test]
fn broken_records_are_kept_as_errors_with_their_reasons_and_the_rest_imports() {
    let t = TestCase::new();
    let s = t.import(&[&aks("bad-records.json"), &aks("bad-aksaudit.csv"), &aks("bad-azurediagnostics.json")]);
    let f = summaries(&s);
    assert_eq!((f["bad-records.json"]["events_new"].as_u64(), f["bad-records.json"]["errors"].as_u64()), (Some(2), Some(6)));
    assert_eq!((f["bad-aksaudit.csv"]["events_new"].as_u64(), f["bad-aksaudit.csv"]["errors"].as_u64()), (Some(2), Some(5)));
    assert_eq!(
        (f["bad-azurediagnostics.json"]["events_new"].as_u64(), f["bad-azurediagnostics.json"]["errors"].as_u64()),
        (Some(1), Some(3))
    );
    let mut errors: Vec<(String, Option<u64>, String)> = t
        .json_lines(&["errors"])
        .into_iter()
        .map(|e| {
            let file = Path::new(e["file"].as_str().unwrap()).file_name().unwrap().to_string_lossy().to_string();
            (file, e["line"].as_u64(), e["reason"].as_str().unwrap().to_string())
        })
        .collect();
    errors.sort();
    let expected: Vec<(&str, Option<u64>, &str)> = vec![
        ("bad-aksaudit.csv", Some(3), "a quoted field that never closes (broken CSV quoting)"),
        ("bad-aksaudit.csv", Some(4), "column User: expected a JSON object, found the text \"system:serviceaccount:shop:cart\""),
        ("bad-aksaudit.csv", Some(5), "column SourceIps: expected a JSON array, found an object"),
        ("bad-aksaudit.csv", Some(6), "the AKSAudit row has no AuditId"),
        ("bad-aksaudit.csv", Some(7), "column ObjectRef: invalid JSON (EOF while parsing a value at line 1 column 19)"),
        ("bad-azurediagnostics.json", None, "column Category: expected a string, found a number"),
        (
            "bad-azurediagnostics.json",
            None,
            "the log_s of this kube-audit row is an audit event cut short after 40 characters, before its auditID",
        ),
        ("bad-azurediagnostics.json", None, r#"the log_s of this kube-audit row is not an audit event (not JSON: "I1120 09:41:07.135901      11 httplog.go"…)"#),
        ("bad-records.json", None, "properties.log: expected a string, found a number"),
        ("bad-records.json", None, "properties: expected an object, found a string"),
        (
            "bad-records.json",
            None,
            "the properties.log of this kube-audit record is not an audit event (invalid JSON: key must be a string at line 1 column 211)",
        ),
        ("bad-records.json", None, r#"the properties.log of this kube-audit record is not an audit event (not JSON: "I1120 09:41:07.135901      11 httplog.go"…)"#),
        ("bad-records.json", None, "the properties.log of this kube-audit-admin record is not an audit event (audit event has no auditID)"),
        ("bad-records.json", None, "time: expected a string, found a number"),
    ];
    let expected: Vec<(String, Option<u64>, String)> =
        expected.into_iter().map(|(f, l, r)| (f.to_string(), l, r.to_string())).collect();
    assert_eq!(errors, expected);
    // The whole record is kept verbatim.
    let kept = t.json_lines(&["errors"]);
    let not_json = kept.iter().find(|e| e["reason"].as_str().unwrap().contains("(not JSON: ")).unwrap();
    assert!(not_json["raw"].as_str().unwrap().contains("\"category\": \"kube-audit\""), "{}", not_json["raw"]);
}
