use super::*;
use crate::formats::test_support::{entity, obj};
use crate::formats::{Container, Hint};
use crate::ingest::framing::{self, Piece, Sink};
use crate::ingest::limits::Limits;
use crate::model::{EntityKind, EventKind, Severity, Source};
use std::sync::Arc;

const EVENT_HUB: &str = include_str!("../../../fixtures/samples/aks/event-hub.json");
const BLOB_ZIP: &[u8] = include_bytes!("../../../fixtures/samples/aks/storage-blob.zip");
const AKSAUDIT_CSV: &str = include_str!("../../../fixtures/samples/aks/aksaudit.csv");
const AKSAUDIT_JSON: &str = include_str!("../../../fixtures/samples/aks/aksaudit-az-cli.json");
const DIAG_CSV: &str = include_str!("../../../fixtures/samples/aks/azurediagnostics.csv");
const DIAG_JSON: &str = include_str!("../../../fixtures/samples/aks/azurediagnostics.json");
const BAD_RECORDS: &str = include_str!("../../../fixtures/samples/aks/bad-records.json");
const BAD_AKSAUDIT: &str = include_str!("../../../fixtures/samples/aks/bad-aksaudit.csv");
const BAD_DIAG: &str = include_str!("../../../fixtures/samples/aks/bad-azurediagnostics.json");
const DEMO_AUDIT: &str = include_str!("../../../fixtures/demo/src/audit-attack.jsonl");
const DEFENDER_SAMPLES: &[&str] = &[
    include_str!("../../../fixtures/samples/defender/rest-value.json"),
    include_str!("../../../fixtures/samples/defender/az-cli-array.json"),
    include_str!("../../../fixtures/samples/defender/single-alert.json"),
    include_str!("../../../fixtures/samples/defender/resource-graph.json"),
    include_str!("../../../fixtures/samples/defender/log-analytics-securityalert.json"),
    include_str!("../../../fixtures/demo/src/defender-alerts.json"),
];

const CLUSTER_ID: &str =
    "/subscriptions/54d48471-7e44-4d95-ab1c-e684b446f762/resourceGroups/rg-shop-prod/providers/Microsoft.ContainerService/managedClusters/aks-shop-prod";
const UPPER_ID: &str = "/SUBSCRIPTIONS/54D48471-7E44-4D95-AB1C-E684B446F762/RESOURCEGROUPS/RG-SHOP-PROD/PROVIDERS/MICROSOFT.CONTAINERSERVICE/MANAGEDCLUSTERS/AKS-SHOP-PROD";
const BLOB_PATH: &str = "insights-logs-kube-audit/resourceId=/SUBSCRIPTIONS/54D48471-7E44-4D95-AB1C-E684B446F762/RESOURCEGROUPS/RG-SHOP-PROD/PROVIDERS/MICROSOFT.CONTAINERSERVICE/MANAGEDCLUSTERS/AKS-SHOP-PROD/y=2026/m=11/d=20/h=09/m=00/PT1H.json";

/// One record as the importer hands it over: its bytes to parse and hint.
struct Item {
    json: Vec<u8>,
    hint: Hint,
    line: Option<u64>,
}

/// Collects what the framing layer makes of a file.
#[derive(Default)]
struct Collect {
    items: Vec<Item>,
    bad: Vec<(Option<u64>, String)>,
}

impl Sink for Collect {
    fn piece(&mut self, p: Piece<'_>) -> crate::error::Result<()> {
        match p {
            Piece::Json { json, hint, at, .. } => self.items.push(Item { json: json.to_vec(), hint, line: at.line }),
            Piece::Bad { at, reason, .. } => self.bad.push((at.line, reason)),
            Piece::Text { .. } => panic!("no text expected"),
        }
        Ok(())
    }
}

/// The records of a sample, framed as the importer frames them.
fn framed(text: &str) -> Collect {
    let mut sink = Collect::default();
    let limits = Limits::default();
    let bytes = text.as_bytes();
    if framing::is_csv(bytes) {
        framing::csv(bytes, "sample", &limits, &mut sink).unwrap();
    } else if framing::is_document(bytes) {
        framing::document(bytes, "sample", &limits, &mut sink).unwrap();
    } else {
        framing::lines(bytes, "sample", &limits, &mut sink).unwrap();
    }
    sink
}

fn items(text: &str) -> Vec<Item> {
    framed(text).items
}

/// The storage blob's text and its path inside the zip.
fn blob() -> (String, String) {
    use std::io::Read;
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(BLOB_ZIP)).unwrap();
    let mut entry = zip.by_index(0).unwrap();
    let name = entry.name().unwrap().to_string();
    let mut text = String::new();
    entry.read_to_string(&mut text).unwrap();
    (text, name)
}

/// A peek's audit text.
fn text(inner: &Option<Inner>) -> Option<&str> {
    inner.as_ref().map(|i| i.text.as_str())
}

/// A peek's key and rank.
fn key_rank(p: Option<Peek>) -> Option<(String, i32)> {
    p.map(|p| (p.key, p.rank))
}

fn ctx<'a>(hint: &'a Hint, path: &'a str) -> Context<'a> {
    Context { hint, cluster: None, path, inner: None }
}

fn parse_item(item: &Item, path: &str) -> Result<NewEvent, RecordError> {
    parse(&item.json, &ctx(&item.hint, path))
}

fn parse_ok(item: &Item, path: &str) -> NewEvent {
    parse_item(item, path).unwrap_or_else(|e| panic!("{}: {}", String::from_utf8_lossy(&item.json), e))
}

/// An event's fields, however the parser wrote them.
fn fields(ev: &NewEvent) -> Map<String, Value> {
    match &ev.fields_json {
        Some(j) => serde_json::from_str(j).unwrap(),
        None => ev.fields.clone(),
    }
}

/// Every good sample's records, with the path each is read under.
fn all_good() -> Vec<(Item, String)> {
    let (blob_text, blob_path) = blob();
    let mut out = Vec::new();
    for (text, path) in [
        (EVENT_HUB.to_string(), "event-hub.json".to_string()),
        (blob_text, blob_path),
        (AKSAUDIT_CSV.to_string(), "aksaudit.csv".into()),
        (AKSAUDIT_JSON.to_string(), "aksaudit-az-cli.json".into()),
        (DIAG_CSV.to_string(), "azurediagnostics.csv".into()),
        (DIAG_JSON.to_string(), "azurediagnostics.json".into()),
    ] {
        for item in items(&text) {
            out.push((item, path.clone()));
        }
    }
    out
}

fn demo_event(audit_id: &str, stage: &str) -> Map<String, Value> {
    DEMO_AUDIT
        .lines()
        .map(obj)
        .find(|e| e["auditID"] == audit_id && e["stage"] == stage)
        .unwrap_or_else(|| panic!("no demo event {} {}", audit_id, stage))
}

fn event_hub_record(category: &str, log: &str) -> String {
    serde_json::json!({
        "time": "2026-11-20T09:41:07.1356120Z",
        "resourceId": UPPER_ID,
        "category": category,
        "operationName": "Microsoft.ContainerService/managedClusters/diagnosticLogs/Read",
        "properties": {"log": log, "stream": "stdout", "pod": "kube-apiserver-7b9f5c6d48-4xk2p"},
        "ccpNamespace": "6731f4b2c8a9e50001a7d3c2",
        "Cloud": "Public",
    })
    .to_string()
}

fn records_hint(page: u32) -> Hint {
    Hint {
        container: Some(Arc::new(Container { key: "records", page, facts: Map::new() })),
        ..Hint::default()
    }
}

// ---------------------------------------------------------------------------
// Sniffing

#[test]
fn every_record_of_every_sample_is_claimed_and_detected_as_aks() {
    for (item, path) in all_good() {
        let o: Map<String, Value> = serde_json::from_slice(&item.json).unwrap();
        assert!(sniff(&o), "{}: {}", path, String::from_utf8_lossy(&item.json));
        assert_eq!(crate::formats::detect_record(&o), Some(crate::formats::Format::AksDiagnostics), "{}", path);
    }
    for text in [BAD_RECORDS, BAD_AKSAUDIT, BAD_DIAG] {
        for item in items(text) {
            let o: Map<String, Value> = serde_json::from_slice(&item.json).unwrap();
            assert!(sniff(&o), "a broken AKS record is still AKS: {}", String::from_utf8_lossy(&item.json));
        }
    }
}

#[test]
fn defender_and_aks_never_claim_each_others_records() {
    let mut defender_records = 0;
    for text in DEFENDER_SAMPLES {
        for item in items(text) {
            let o: Map<String, Value> = serde_json::from_slice(&item.json).unwrap();
            assert!(crate::formats::defender::sniff(&o), "a Defender sample record");
            assert!(!sniff(&o), "AKS claimed a Defender alert: {}", String::from_utf8_lossy(&item.json));
            defender_records += 1;
        }
    }
    assert!(defender_records >= 6);
    // A SecurityAlert row that names the same cluster, with the Log
    // Analytics columns an AKS row has too.
    let row = obj(&format!(
        r#"{{"TimeGenerated":"2026-11-20T09:55:02Z","AlertName":"Digital currency mining related behavior detected",
            "AlertType":"K8S.NODE_DigitalCurrencyMining","SystemAlertId":"2517045797563840000_1","ResourceId":"{}",
            "Category":"kube-audit","log_s":"x","Type":"SecurityAlert","_ResourceId":"{}"}}"#,
        CLUSTER_ID,
        UPPER_ID.to_lowercase()
    ));
    assert!(!sniff(&row));
    for (item, path) in all_good() {
        let o: Map<String, Value> = serde_json::from_slice(&item.json).unwrap();
        assert!(!crate::formats::defender::sniff(&o), "Defender claimed an AKS record of {}", path);
    }
}

#[test]
fn other_records_are_not_aks() {
    // A plain audit event, an Activity Log entry of the cluster resource,
    // a Defender XDR streaming record.
    let audit_line = DEMO_AUDIT.lines().next().unwrap();
    let activity = obj(&format!(
        r#"{{"time":"2026-11-20T10:20:00.1234567Z","resourceId":"{}","operationName":"MICROSOFT.CONTAINERSERVICE/MANAGEDCLUSTERS/LISTCLUSTERADMINCREDENTIAL/ACTION",
            "category":"Administrative","resultType":"Success","properties":{{"statusCode":"OK"}}}}"#,
        UPPER_ID
    ));
    let xdr = obj(
        r#"{"time":"2026-11-20T09:47:05Z","tenantId":"t","operationName":"Publish","category":"AdvancedHunting-CloudProcessEvents",
            "properties":{"AzureResourceId":"/subscriptions/s/resourceGroups/rg/providers/Microsoft.ContainerService/managedClusters/aks-shop-prod","FileName":"xmrig"}}"#,
    );
    for o in [obj(audit_line), activity, xdr] {
        assert!(!sniff(&o), "{:?}", o);
    }
}

#[test]
fn a_row_of_a_few_projected_columns_is_still_aks() {
    // `AzureDiagnostics | where Category == "kube-audit" | project
    // TimeGenerated, Category, log_s`: no resource id, no provider.
    let line = DEMO_AUDIT.lines().nth(3).unwrap();
    let mut row = obj(r#"{"TimeGenerated":"2026-11-20T09:41:06.935451Z","Category":"kube-audit"}"#);
    row.insert("log_s".into(), Value::String(line.into()));
    assert!(sniff(&row));
    let raw = serde_json::to_vec(&row).unwrap();
    let hint = Hint::default();
    let named = Context { hint: &hint, cluster: Some("aks-shop-prod"), path: "", inner: None };
    let ev = parse(&raw, &named).unwrap();
    assert_eq!(ev.title, "get /apis");
    assert_eq!(entity(&ev, EntityKind::Cluster, "cluster").unwrap().attrs["named_by"], "import");
    // Another table's `Category` and `log_s` are not.
    let other = obj(r#"{"Category":"FunctionAppLogs","log_s":"x","ResourceProvider":"MICROSOFT.WEB"}"#);
    assert!(!sniff(&other));
}

// ---------------------------------------------------------------------------
// Resource log records: Event Hub and storage blobs

#[test]
fn an_event_hub_record_is_the_audit_event_it_wraps_with_its_envelope() {
    let line = DEMO_AUDIT.lines().nth(5).unwrap();
    let raw = event_hub_record("kube-audit", &format!("{}\n", line));
    let hint = records_hint(2);
    let ev = parse(raw.as_bytes(), &ctx(&hint, "capture.json")).unwrap();
    let bare = audit::parse(line.as_bytes()).unwrap();
    assert_eq!(ev.source, Source::K8sAudit);
    assert_eq!(ev.title, bare.title);
    assert_eq!(ev.dedup_key, bare.dedup_key);
    // Above the bare line: an envelope that names its cluster.
    assert_eq!(ev.rank, bare.rank + 2);
    assert_eq!(ev.time_ns, bare.time_ns);
    assert_eq!(ev.shape, Some("event-hub"));
    let f = fields(&ev);
    assert_eq!(f["cluster"], "aks-shop-prod");
    assert_eq!(
        f["envelope"],
        serde_json::json!({
            "shape": "event-hub", "category": "kube-audit", "time": "2026-11-20T09:41:07.135612000Z",
            "api_server_pod": "kube-apiserver-7b9f5c6d48-4xk2p", "stream": "stdout", "message": 2
        })
    );
    let c = entity(&ev, EntityKind::Cluster, "cluster").unwrap();
    assert_eq!(c.key, "aks-shop-prod");
    assert_eq!(c.attrs["provider"], "aks");
    assert_eq!(c.attrs["resource_id"], CLUSTER_ID);
    assert_eq!(c.attrs["subscription"], "54d48471-7e44-4d95-ab1c-e684b446f762");
    assert_eq!(c.attrs["resource_group"], "rg-shop-prod");
    // The token's pod and the source address come from the audit parser.
    assert!(entity(&ev, EntityKind::Pod, "token-pod").is_some());
    assert_eq!(entity(&ev, EntityKind::Ip, "source-ip").unwrap().key, "203.0.113.45");
}

#[test]
fn a_blob_line_is_a_storage_blob_record_with_the_facts_of_its_path() {
    let (text, path) = blob();
    assert!(text.starts_with('\u{feff}'), "the sample blob starts with a BOM");
    let items = items(&text);
    assert_eq!(items.len(), DEMO_AUDIT.lines().count());
    let ev = parse_ok(&items[0], &path);
    assert_eq!(ev.shape, Some("storage-blob"));
    let envelope = &fields(&ev)["envelope"];
    assert_eq!(envelope["blob_container"], "insights-logs-kube-audit");
    assert_eq!(envelope["blob_hour"], "2026-11-20T09:00:00Z");
    assert!(envelope.get("message").is_none());
    // Times with no fraction digits read as well as those with seven.
    let zero = items.iter().map(|i| parse_ok(i, &path)).find(|e| {
        fields(e)["envelope"]["time"].as_str().is_some_and(|t| t.ends_with(".000000000Z"))
    });
    assert!(zero.is_some(), "a record with a time of 0 fraction digits");
    // A record that names no resource id takes the cluster of the path.
    let mut o: Map<String, Value> = serde_json::from_slice(&items[0].json).unwrap();
    o.remove("resourceId");
    let hint = Hint::default();
    let ev = parse(&serde_json::to_vec(&o).unwrap(), &ctx(&hint, &path)).unwrap();
    assert_eq!(entity(&ev, EntityKind::Cluster, "cluster").unwrap().attrs["resource_id"], CLUSTER_ID);
}

#[test]
fn resource_ids_of_any_case_name_one_cluster() {
    let ids = [
        UPPER_ID.to_string(),
        UPPER_ID.to_lowercase(),
        CLUSTER_ID.to_string(),
        format!("{}/", CLUSTER_ID),
    ];
    let refs: Vec<_> = ids.iter().map(|id| resource::cluster_ref(id).unwrap()).collect();
    for r in &refs {
        assert_eq!(r, &refs[0]);
    }
    assert_eq!(refs[0].name, "aks-shop-prod");
    assert!(resource::cluster_ref("/subscriptions/s/resourceGroups/rg/providers/Microsoft.Compute/virtualMachines/vm1").is_none());
}

#[test]
fn blob_paths_are_read_with_or_without_their_container() {
    let b = resource::blob_path(BLOB_PATH).unwrap();
    assert_eq!(b.container, Some("insights-logs-kube-audit"));
    assert_eq!(b.resource_id, UPPER_ID);
    assert_eq!(b.hour.as_deref(), Some("2026-11-20T09:00:00Z"));
    let bare = &BLOB_PATH["insights-logs-kube-audit/".len()..];
    let b = resource::blob_path(bare).unwrap();
    assert_eq!((b.container, b.hour.as_deref()), (None, Some("2026-11-20T09:00:00Z")));
    let flat = format!("exports/resourceId={}/PT1H.json", UPPER_ID);
    let b = resource::blob_path(&flat).unwrap();
    assert_eq!((b.resource_id, b.hour), (UPPER_ID, None));
    assert!(resource::blob_path("exports/PT1H.json").is_none());
    assert!(resource::blob_path("resourceId=/SUBSCRIPTIONS/S/RESOURCEGROUPS/R/PROVIDERS/MICROSOFT.WEB/SITES/X/y=2026/PT1H.json").is_none());
}

// ---------------------------------------------------------------------------
// One request, every export

#[test]
fn peek_agrees_with_parse_on_every_record_of_every_sample() {
    let (mut paired, mut kept) = (0, 0);
    for (item, path) in all_good() {
        let c = ctx(&item.hint, &path);
        let ev = parse(&item.json, &c).unwrap_or_else(|e| panic!("{}: {}", path, e));
        match peek(&item.json, &c) {
            Some(Peek { key, rank, inner }) => {
                paired += 1;
                assert_eq!(ev.dedup_key.as_deref(), Some(key.as_str()), "{}", path);
                assert_eq!(ev.rank, rank, "{}: {}", path, ev.title);
                assert!(validate(&item.json, None), "{}", path);
                // The importer hands the peek's text back: the same event,
                // the same check.
                assert_eq!(inner.is_some(), !matches!(read(&item.json, &c).unwrap().body, Body::AuditObject(_)), "{}", path);
                assert!(validate(&item.json, text(&inner)), "{}", path);
                let again = parse(&item.json, &Context { inner: inner.as_ref(), ..ctx(&item.hint, &path) }).unwrap();
                assert_eq!(again, ev, "{}", path);
                // With or without the members the peek kept.
                if let Some(i) = inner.as_ref().filter(|i| i.members.is_some()) {
                    kept += 1;
                    let bare = Inner { members: None, ..i.clone() };
                    let again = parse(&item.json, &Context { inner: Some(&bare), ..ctx(&item.hint, &path) }).unwrap();
                    assert_eq!(again, ev, "{}", path);
                }
            }
            None => assert_eq!(ev.source, Source::ControlPlane, "{}: {}", path, ev.title),
        }
    }
    assert!(kept > 20, "the peek keeps the members of most resource logs: {}", kept);
    assert!(paired > 50, "{}", paired);
}

#[test]
fn one_stage_in_every_export_has_one_key() {
    // The 403 on kube-system secrets, ResponseComplete: in the Event Hub
    // capture, the blob, both AKSAudit exports and AzureDiagnostics.
    let id = "81e35f7e-87f0-4006-8be5-4cd0439a1b78";
    let mut shapes = Vec::new();
    for (item, path) in all_good() {
        if !String::from_utf8_lossy(&item.json).contains(id) {
            continue;
        }
        let ev = parse_ok(&item, &path);
        assert_eq!(ev.dedup_key.as_deref(), Some(format!("k8s-audit|{}", id).as_str()));
        let f = fields(&ev);
        if f["stage"] == "ResponseComplete" {
            assert_eq!(f["code"], 403);
            assert_eq!(f["cluster"], "aks-shop-prod");
            shapes.push(ev.shape.unwrap());
        }
    }
    shapes.sort();
    assert_eq!(
        shapes,
        [
            "event-hub",
            "log-analytics-aksaudit-csv",
            "log-analytics-aksaudit-json",
            "log-analytics-azurediagnostics-csv",
            "storage-blob"
        ]
    );
}

#[test]
fn an_aksaudit_row_rebuilds_the_event_the_api_server_wrote() {
    let rows = items(AKSAUDIT_JSON);
    assert!(!rows.is_empty());
    for item in &rows {
        let row: Map<String, Value> = serde_json::from_slice(&item.json).unwrap();
        let id = row["AuditId"].as_str().unwrap();
        let stage = row["Stage"].as_str().unwrap();
        let rebuilt = columns::audit_event(&row, "AKSAudit").unwrap();
        // Log Analytics drops a time's trailing zeros: compare instants.
        let instants = |mut e: Map<String, Value>| {
            for k in ["requestReceivedTimestamp", "stageTimestamp"] {
                let ns = e[k].as_str().and_then(crate::time::parse_rfc3339).unwrap();
                e.insert(k.into(), ns.into());
            }
            e
        };
        assert_eq!(instants(rebuilt.event), instants(demo_event(id, stage)), "{} {}", id, stage);
        assert!(rebuilt.skipped.is_empty() && !rebuilt.display_times);
    }
}

#[test]
fn a_portal_csv_row_reads_its_display_times_and_ranks_below_full_precision_copies() {
    let rows = items(AKSAUDIT_CSV);
    let id = "4f2d4a28-fc7f-4427-ae01-e4923b7d5dc3";
    let row = rows.iter().find(|i| String::from_utf8_lossy(&i.json).contains(id)).unwrap();
    assert!(row.hint.row);
    let ev = parse_ok(row, "aksaudit.csv");
    let original = demo_event(id, "ResponseComplete");
    let bare = audit::parse(serde_json::to_string(&original).unwrap().as_bytes()).unwrap();
    assert_eq!(ev.shape, Some("log-analytics-aksaudit-csv"));
    // The portal keeps milliseconds only.
    assert_eq!(ev.time_ns, Some(bare.time_ns.unwrap() / 1_000_000 * 1_000_000));
    assert_eq!(ev.rank, bare.rank - 1);
    assert_eq!(key_rank(peek(&row.json, &ctx(&row.hint, ""))), Some((bare.dedup_key.clone().unwrap(), bare.rank - 1)));
    assert_eq!(fields(&ev)["envelope"]["time"], "2026-11-20T09:41:31.219000000Z");
    // The stage before still ranks below it.
    let received = audit::parse(DEMO_AUDIT.lines().nth(8).unwrap().as_bytes()).unwrap();
    assert!(received.rank < ev.rank);
}

#[test]
fn skipped_objects_and_multi_line_cells_of_the_portal_csv() {
    let rows = items(AKSAUDIT_CSV);
    let patch = rows.iter().find(|i| String::from_utf8_lossy(&i.json).contains("5be0f2a1")).unwrap();
    let row: Map<String, Value> = serde_json::from_slice(&patch.json).unwrap();
    assert!(row["RequestObject"].as_str().unwrap().contains('\n'), "the cell spans lines");
    assert_eq!(row["ResponseObject"], columns::SKIPPED_OBJECT);
    let ev = parse_ok(patch, "aksaudit.csv");
    let f = fields(&ev);
    assert_eq!(f["envelope"]["skipped_objects"], serde_json::json!(["responseObject"]));
    assert_eq!(f["envelope"]["table"], "AKSAudit");
    assert_eq!(f["user"], "system:serviceaccount:ci:deployer");
    assert_eq!(ev.title, "patch deployments shop/storefront");
    assert!(entity(&ev, EntityKind::Image, "image").is_some_and(|i| i.key == "shopregistry.azurecr.io/shop/storefront:4.13.0"));
}

#[test]
fn portal_times_are_read_as_utc() {
    let at = |s: &str| crate::time::format_ns(columns::portal_time(s).unwrap());
    assert_eq!(at("11/20/2026, 9:41:06.874 AM"), "2026-11-20T09:41:06.874000000Z");
    assert_eq!(at("11/20/2026, 12:05:00.000 PM"), "2026-11-20T12:05:00.000000000Z");
    assert_eq!(at("11/20/2026, 12:05:00 AM"), "2026-11-20T00:05:00.000000000Z");
    assert_eq!(at("1/2/2026, 11:59:59.5 PM"), "2026-01-02T23:59:59.500000000Z");
    assert!(columns::portal_time("2026-11-20T09:41:06Z").is_none());
    assert!(columns::portal_time("20/11/2026, 9:41:06 AM").is_none());
}

#[test]
fn an_aksauditadmin_row_is_the_same_request_from_the_admin_table() {
    let rows = items(AKSAUDIT_JSON);
    let evs: Vec<NewEvent> = rows.iter().map(|i| parse_ok(i, "")).collect();
    let admin: Vec<&NewEvent> = evs.iter().filter(|e| fields(e)["envelope"]["table"] == "AKSAuditAdmin").collect();
    assert_eq!(admin.len(), 1);
    assert_eq!(fields(admin[0])["envelope"]["category"], "kube-audit-admin");
    let same = evs.iter().filter(|e| e.dedup_key == admin[0].dedup_key).count();
    assert_eq!(same, 2, "the AKSAudit row of the same request");
}

#[test]
fn a_row_that_names_no_cluster_takes_the_one_named_on_import() {
    let mut row: Map<String, Value> = serde_json::from_slice(&items(AKSAUDIT_JSON)[0].json).unwrap();
    row.remove("_ResourceId");
    let raw = serde_json::to_vec(&row).unwrap();
    let hint = Hint::default();
    let ev = parse(&raw, &ctx(&hint, "")).unwrap();
    assert!(entity(&ev, EntityKind::Cluster, "cluster").is_none());
    let named = Context { hint: &hint, cluster: Some("aks-shop-prod"), path: "", inner: None };
    let ev = parse(&raw, &named).unwrap();
    let c = entity(&ev, EntityKind::Cluster, "cluster").unwrap();
    assert_eq!((c.key.as_str(), &c.attrs["named_by"]), ("aks-shop-prod", &Value::from("import")));
}

// ---------------------------------------------------------------------------
// AzureDiagnostics and cut logs

#[test]
fn a_log_cut_short_keeps_what_was_read_before_the_cut() {
    let rows = items(DIAG_JSON);
    let cut = rows.iter().find(|i| String::from_utf8_lossy(&i.json).contains("storefront-features")).unwrap();
    let row: Map<String, Value> = serde_json::from_slice(&cut.json).unwrap();
    let log = row["log_s"].as_str().unwrap();
    assert_eq!(log.chars().count(), 32766);
    assert!(truncated::is_cut(log));
    let ev = parse_ok(cut, "");
    assert_eq!(ev.title, "patch configmaps shop/storefront-features (truncated)");
    assert_eq!(ev.rank, truncated::TRUNCATED_RANK);
    let p = peek(&cut.json, &ctx(&cut.hint, "")).unwrap();
    assert_eq!((p.key.as_str(), p.rank), (ev.dedup_key.as_deref().unwrap(), truncated::TRUNCATED_RANK));
    assert_eq!(text(&p.inner), Some(log.trim()));
    assert!(validate(&cut.json, None) && validate(&cut.json, text(&p.inner)));
    let f = fields(&ev);
    assert_eq!(f["envelope"]["truncated"], true);
    assert_eq!(f["envelope"]["truncated_at"], 32766);
    assert_eq!(f["user"], "system:serviceaccount:ci:deployer");
    assert_eq!(f["code"], 200);
    // Its timestamps were past the cut: the row's time stands in.
    assert_eq!(ev.time_ns, crate::time::parse_rfc3339("2026-11-20T08:30:38.932181Z"));
    assert!(ev.message.contains("cut short after 32766 characters"), "{}", ev.message);
}

#[test]
fn cut_broken_and_whole_logs_are_told_apart() {
    let whole = DEMO_AUDIT.lines().next().unwrap();
    assert!(!truncated::is_cut(whole));
    assert!(truncated::is_cut(&whole[..whole.len() / 2]));
    // Broken but closed, and not JSON at all: errors, not cuts.
    assert!(!truncated::is_cut(&whole.replacen(':', "", 1)));
    assert!(!truncated::is_cut("I1120 09:41:07.135901 11 httplog.go:134] \"HTTP\""));
    let head = truncated::head(&whole[..300]);
    assert_eq!(head["auditID"], "9693c9dc-ff66-4df2-a8e7-6a6a02deba21");
    assert!(head.get("user").is_none(), "the member the cut went through is left out");
}

#[test]
fn azurediagnostics_rows_name_their_table_and_cluster() {
    let rows = items(DIAG_CSV);
    let evs: Vec<NewEvent> = rows.iter().map(|i| parse_ok(i, "")).collect();
    assert_eq!(evs.iter().filter(|e| e.source == Source::K8sAudit).count(), 4);
    for ev in &evs {
        let f = fields(ev);
        assert_eq!(f["envelope"]["table"], "AzureDiagnostics");
        assert_eq!(f["envelope"]["shape"], "log-analytics-azurediagnostics-csv");
        assert_eq!(entity(ev, EntityKind::Cluster, "cluster").unwrap().attrs["resource_id"], CLUSTER_ID);
    }
    let klog = evs.iter().find(|e| e.source == Source::ControlPlane).unwrap();
    assert_eq!(klog.severity, Severity::Medium);
    assert!(klog.message.contains('\n'), "the multi-line value is kept whole");
    assert!(klog.title.starts_with("kube-apiserver: \"Unhandled Error\" err=< v1beta1.metrics.k8s.io failed with:"), "{}", klog.title);
}

// ---------------------------------------------------------------------------
// Control-plane lines

fn line_event(category: &str, log: &str) -> NewEvent {
    let raw = event_hub_record(category, log);
    parse(raw.as_bytes(), &ctx(&records_hint(1), "")).unwrap()
}

#[test]
fn component_lines_are_control_plane_telemetry_with_klog_severity() {
    for (letter, severity) in [("I", Severity::Info), ("W", Severity::Low), ("E", Severity::Medium), ("F", Severity::High)] {
        let ev = line_event(
            "kube-scheduler",
            &format!("{}1120 09:41:07.000001       1 schedule_one.go:1002] Unable to schedule pod\n", letter),
        );
        assert_eq!((ev.source, ev.kind, ev.severity), (Source::ControlPlane, EventKind::Telemetry, severity));
        assert_eq!(ev.title, "kube-scheduler: Unable to schedule pod");
        assert_eq!(ev.rule.as_deref(), Some("kube-scheduler"));
        assert_eq!(ev.fields["source_location"], "schedule_one.go:1002");
        assert_eq!(ev.fields["envelope"]["pod"], "kube-apiserver-7b9f5c6d48-4xk2p");
        assert!(ev.fields["envelope"].get("api_server_pod").is_none());
    }
    // Text that is not klog is still a line of the component.
    let ev = line_event("cloud-controller-manager", "plain text, no header\n");
    assert_eq!((ev.severity, ev.title.as_str()), (Severity::Info, "cloud-controller-manager: plain text, no header"));
    assert_eq!(ev.time_ns, crate::time::parse_rfc3339("2026-11-20T09:41:07.1356120Z"));
}

#[test]
fn guard_lines_keep_who_asked_for_what_and_the_answer() {
    let evs: Vec<NewEvent> = items(EVENT_HUB).iter().map(|i| parse_ok(i, "")).collect();
    let guard: Vec<&NewEvent> = evs.iter().filter(|e| e.rule.as_deref() == Some("guard")).collect();
    assert_eq!(guard.len(), 3);
    let allow = guard.iter().find(|e| e.fields.get("decision").is_some_and(|d| d == "allow")).unwrap();
    assert_eq!(allow.title, "guard: allow get pods in shop for priya.nair@contoso.example");
    assert_eq!(allow.fields["user"], "priya.nair@contoso.example");
    assert_eq!(allow.fields["user_groups"], serde_json::json!(["3c8e0a5f-2b7d-4e91-8f6a-1d2c3b4a5e6f", "system:authenticated"]));
    assert_eq!(allow.fields["entra_object_id"], "b1a2c3d4-e5f6-4789-9abc-def012345678");
    assert_eq!(allow.fields["role_definition"], "7f6c6a51bcf842ba922052d62157d7db");
    let who = entity(allow, EntityKind::Identity, "actor").unwrap();
    assert_eq!(who.key, "priya.nair@contoso.example");
    assert_eq!(who.attrs["entra_object_id"], "b1a2c3d4-e5f6-4789-9abc-def012345678");
    let deny = guard.iter().find(|e| e.fields.get("decision").is_some_and(|d| d == "deny")).unwrap();
    assert_eq!(deny.title, "guard: deny list secrets in kube-system for priya.nair@contoso.example");
    assert!(deny.fields["authz_reason"].as_str().unwrap().starts_with("User does not have access"));
    // The line that says only that a review came in has no one to name.
    let plain = guard.iter().find(|e| !e.fields.contains_key("decision")).unwrap();
    assert_eq!(plain.title, "guard: Recieved subject access review request");
    assert!(entity(plain, EntityKind::Identity, "actor").is_none());
}

#[test]
fn guard_token_reviews_and_verdict_lines_name_the_user() {
    let review = r#"I1120 09:40:57.902211       1 utils.go:82] {"kind":"TokenReview","apiVersion":"authentication.k8s.io/v1","status":{"authenticated":true,"user":{"username":"priya.nair@contoso.example","groups":["3c8e0a5f-2b7d-4e91-8f6a-1d2c3b4a5e6f"],"extra":{"oid":["b1a2c3d4-e5f6-4789-9abc-def012345678"]}}}}"#;
    let ev = line_event("guard", review);
    assert_eq!(ev.title, "guard: authenticated priya.nair@contoso.example");
    assert_eq!(ev.fields["guard_review"], "TokenReview");
    assert_eq!(ev.fields["entra_object_id"], "b1a2c3d4-e5f6-4789-9abc-def012345678");
    let verdict = "I1120 09:40:58.118001       1 rbac.go:201] Access allowed by Azure RBAC Role Assignment 2c7e4b19 of Role 7f6c6a51 to user b1a2c3d4-e5f6-4789-9abc-def012345678";
    let ev = line_event("guard", verdict);
    assert_eq!(ev.fields["user"], "b1a2c3d4-e5f6-4789-9abc-def012345678");
    assert_eq!(ev.fields["role_assignment"], "2c7e4b19");
    // A review that is not JSON after all is a plain line.
    let ev = line_event("guard", "I1120 09:40:58.118001       1 utils.go:117] final data:{\"kind\":");
    assert_eq!(ev.severity, Severity::Info);
    assert!(!ev.fields.contains_key("decision"));
}

#[test]
fn a_line_exported_twice_is_one_event() {
    // The guard verdict is in the Event Hub capture and in AzureDiagnostics
    // (az CLI JSON); the portal CSV copy of a line has its time to the ms.
    let key_of = |text: &str, marker: &str| {
        items(text)
            .iter()
            .map(|i| parse_ok(i, ""))
            .find(|e| e.source == Source::ControlPlane && e.message.contains(marker))
            .and_then(|e| e.dedup_key)
            .unwrap()
    };
    assert_eq!(key_of(EVENT_HUB, "\"allowed\":true"), key_of(DIAG_JSON, "\"allowed\":true"));
    let line = "E1120 09:49:21.733812      11 available_controller.go:460] \"Unhandled Error\"";
    let precise = line_event("kube-apiserver", line);
    let mut csv_row = obj(&format!(
        r#"{{"TimeGenerated":"11/20/2026, 9:41:07.135 AM","ResourceId":"{}","Category":"kube-apiserver","log_s":"","pod_s":"p","Type":"AzureDiagnostics"}}"#,
        UPPER_ID
    ));
    csv_row.insert("log_s".into(), Value::String(line.into()));
    let row_hint = Hint { row: true, ..Hint::default() };
    let from_csv = parse(&serde_json::to_vec(&csv_row).unwrap(), &ctx(&row_hint, "")).unwrap();
    assert_eq!(precise.dedup_key, from_csv.dedup_key);
}

// ---------------------------------------------------------------------------
// What is refused, and why

fn errors_of(text: &str) -> Vec<String> {
    items(text).iter().filter_map(|i| parse_item(i, "").err()).map(|e| e.reason).collect()
}

#[test]
fn broken_resource_log_records_are_errors_that_say_why() {
    let errors = errors_of(BAD_RECORDS);
    assert_eq!(
        errors,
        [
            "the properties.log of this kube-audit record is not an audit event (invalid JSON: key must be a string at line 1 column 211)",
            r#"the properties.log of this kube-audit record is not an audit event (not JSON: "I1120 09:41:07.135901      11 httplog.go"…)"#,
            "the properties.log of this kube-audit-admin record is not an audit event (audit event has no auditID)",
            "properties.log: expected a string, found a number",
            "time: expected a string, found a number",
            "properties: expected an object, found a string",
        ]
    );
    // The good records of the same message still import.
    let good = items(BAD_RECORDS).iter().filter(|i| parse_item(i, "").is_ok()).count();
    assert_eq!(good, 2);
    let broken = &items(BAD_RECORDS)[0];
    assert!(!validate(&broken.json, None), "a broken log is no valid stage");
    let inner = peek(&broken.json, &ctx(&broken.hint, "")).unwrap().inner;
    assert!(!validate(&broken.json, text(&inner)), "nor with the peek's text");
}

#[test]
fn broken_rows_are_errors_that_name_the_column() {
    let framed_csv = framed(BAD_AKSAUDIT);
    assert_eq!(framed_csv.bad, [(Some(3), "a quoted field that never closes (broken CSV quoting)".to_string())]);
    assert_eq!(
        errors_of(BAD_AKSAUDIT),
        [
            "column User: expected a JSON object, found the text \"system:serviceaccount:shop:cart\"",
            "column SourceIps: expected a JSON array, found an object",
            "the AKSAudit row has no AuditId",
            "column ObjectRef: invalid JSON (EOF while parsing a value at line 1 column 19)",
        ]
    );
    let lines: Vec<Option<u64>> = framed_csv.items.iter().map(|i| i.line).collect();
    assert_eq!(lines, [Some(2), Some(4), Some(5), Some(6), Some(7), Some(8)]);
    assert_eq!(
        errors_of(BAD_DIAG),
        [
            "the log_s of this kube-audit row is an audit event cut short after 40 characters, before its auditID",
            r#"the log_s of this kube-audit row is not an audit event (not JSON: "I1120 09:41:07.135901      11 httplog.go"…)"#,
            "column Category: expected a string, found a number",
        ]
    );
}

#[test]
fn a_control_plane_line_is_never_an_error() {
    for text in ["", "\u{0}\u{1}", "{\"not\":\"klog\"}", "F9999 99:99:99.9 x y] z", "guard"] {
        let raw = event_hub_record("kube-controller-manager", text);
        match parse(raw.as_bytes(), &ctx(&Hint::default(), "")) {
            Ok(ev) => assert_eq!(ev.source, Source::ControlPlane),
            // An empty log is no line at all.
            Err(e) => assert!(text.is_empty(), "{:?}: {}", text, e),
        }
    }
}
