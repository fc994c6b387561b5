use super::*;

const REST_VALUE: &str = include_str!("../../../fixtures/samples/defender/rest-value.json");
const AZ_CLI: &str = include_str!("../../../fixtures/samples/defender/az-cli-array.json");
const SINGLE: &str = include_str!("../../../fixtures/samples/defender/single-alert.json");
const RESOURCE_GRAPH: &str =
    include_str!("../../../fixtures/samples/defender/resource-graph.json");
const LOG_ANALYTICS: &str =
    include_str!("../../../fixtures/samples/defender/log-analytics-securityalert.json");

const CID: &str = "dcb0889d9273c1f330674466e72853e62f26b64a81ec89f5a6ec632fe16f0258";
const AKS: &str = "/subscriptions/8c2f4e1a-5b7d-4f3e-9a21-6d0c4b7e2f19/resourceGroups/rg-shop-prod/providers/Microsoft.ContainerService/managedClusters/aks-shop-prod";
const NODE: &str = "aks-nodepool1-31415926-vmss000001";

/// Splits a sample into item records the way the framing layer does
/// (`{"value": [...]}` and bare arrays are containers).
fn items(text: &str) -> Vec<String> {
    let v: Value = serde_json::from_str(text).expect("sample is JSON");
    let list = match v {
        Value::Array(a) => a,
        Value::Object(mut o) if o.contains_key("value") => match o.remove("value") {
            Some(Value::Array(a)) => a,
            _ => panic!("value is not an array"),
        },
        other => vec![other],
    };
    list.iter()
        .map(|i| serde_json::to_string(i).expect("re-encodes"))
        .collect()
}

fn parse_str(s: &str) -> NewEvent {
    parse(s.as_bytes()).unwrap_or_else(|e| panic!("parse failed: {}", e))
}

fn events(text: &str) -> Vec<NewEvent> {
    items(text).iter().map(|s| parse_str(s)).collect()
}

fn by_rule(events: &[NewEvent], rule: &str) -> NewEvent {
    events
        .iter()
        .find(|e| e.rule.as_deref() == Some(rule))
        .cloned()
        .unwrap_or_else(|| panic!("no {}", rule))
}

/// What must be identical whichever export an alert came from.
fn comparable(mut ev: NewEvent) -> NewEvent {
    ev.rank = 0;
    ev.entities
        .sort_by(|a, b| (a.kind, &a.key, &a.role).cmp(&(b.kind, &b.key, &b.role)));
    ev
}

fn find<'e>(ev: &'e NewEvent, kind: EntityKind, role: &str) -> Vec<&'e EntityRef> {
    ev.entities
        .iter()
        .filter(|e| e.kind == kind && e.role == role)
        .collect()
}

fn one<'e>(ev: &'e NewEvent, kind: EntityKind, role: &str) -> &'e EntityRef {
    let found = find(ev, kind, role);
    assert_eq!(found.len(), 1, "{} {} in {:#?}", kind, role, ev.entities);
    found[0]
}

fn strings(v: Option<&Value>) -> Vec<String> {
    v.and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(Value::as_str)
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default()
}

fn alert_with(props: Value) -> NewEvent {
    let rec = serde_json::json!({
        "id": "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Security/locations/westeurope/alerts/x1",
        "name": "x1",
        "type": ALERT_RESOURCE_TYPE,
        "properties": props,
    });
    parse_str(&rec.to_string())
}

#[test]
fn every_sample_record_is_sniffed_and_others_are_not() {
    for text in [REST_VALUE, AZ_CLI, SINGLE, RESOURCE_GRAPH, LOG_ANALYTICS] {
        for item in items(text) {
            let v: Value = serde_json::from_str(&item).unwrap();
            assert!(
                sniff(v.as_object().unwrap()),
                "not sniffed: {}",
                &item[..80]
            );
        }
    }
    let others = [
        r#"{"kind":"Event","apiVersion":"audit.k8s.io/v1","auditID":"a","stage":"ResponseComplete"}"#,
        r#"{"rule":"Terminal shell in container","priority":"Notice","output_fields":{}}"#,
        r#"{"apiVersion":"v1","kind":"Secret","type":"Opaque","metadata":{"name":"x"}}"#,
        r#"{"process_exec":{"process":{}},"node_name":"n","time":"2026-11-20T09:47:05Z"}"#,
        r#"{"type":"Microsoft.Security/assessments","properties":{"status":{}}}"#,
        r#"{"AlertType":"x"}"#,
    ];
    for o in others {
        let v: Value = serde_json::from_str(o).unwrap();
        assert!(!sniff(v.as_object().unwrap()), "claimed: {}", o);
    }
}

#[test]
fn mining_alert_normalizes_with_its_kubernetes_entities() {
    let ev = by_rule(&events(REST_VALUE), "K8S.NODE_DigitalCurrencyMining");
    assert_eq!(ev.source, Source::Defender);
    assert_eq!(ev.kind, EventKind::Alert);
    assert_eq!(ev.severity, Severity::High);
    assert_eq!(
        ev.title,
        "Digital currency mining related behavior detected"
    );
    assert!(ev.message.starts_with("Process /tmp/.x/xmrig"));
    assert_eq!(
        ev.time_ns,
        time::parse_rfc3339("2026-11-20T09:47:21.2035810Z")
    );
    assert_eq!(ev.tactics, vec!["TA0040"]);
    assert_eq!(ev.techniques, vec!["T1496"]);
    assert_eq!(
        ev.dedup_key.as_deref(),
        Some("defender|2516962588997745678_a3f1c6d2-8b4e-4d7a-9c05-e6b2f1a8d4c7")
    );
    assert_eq!(ev.rank, RANK_REST);

    let f = &ev.fields;
    assert_eq!(f["alert_type"], "K8S.NODE_DigitalCurrencyMining");
    assert_eq!(f["status"], "active");
    assert_eq!(f["product_component"], "Containers");
    assert_eq!(f["compromised_entity"], "aks-shop-prod");
    assert_eq!(f["end_time"], "2026-11-20T09:54:58.773012000Z");
    assert_eq!(f["time_generated"], "2026-11-20T09:55:03.552187000Z");
    assert_eq!(strings(f.get("intents")), vec!["Impact"]);
    assert_eq!(strings(f.get("remediation")).len(), 2);
    assert_eq!(strings(f.get("resource_ids")), vec![AKS]);
    assert!(f["alert_uri"]
        .as_str()
        .unwrap()
        .starts_with("https://portal.azure.com/"));
    assert_eq!(f["extended_properties"]["Destination IP"], "198.51.100.77");
    assert_eq!(f["is_incident"], false);
    assert_eq!(strings(f.get("unmapped_entity_types")), vec!["filehash"]);
    assert_eq!(strings(f.get("os_users")), vec!["root"]);
    assert!(!f.contains_key("unresolved_entity_refs"));

    let cluster = one(&ev, EntityKind::Cluster, "cluster");
    assert_eq!(cluster.key, "aks-shop-prod");
    assert_eq!(cluster.attrs["resource_id"], AKS);
    assert_eq!(
        one(&ev, EntityKind::Cluster, "compromised").key,
        "aks-shop-prod"
    );
    assert_eq!(one(&ev, EntityKind::Namespace, "namespace").key, "shop");
    let pod = one(&ev, EntityKind::Pod, "pod");
    assert_eq!(pod.key, "shop/cart-7f9c6d8b5-x2k4q");
    assert_eq!(pod.attrs["uid"], "5d2c8a41-7b3e-4f19-9a6d-0e8c1b2f3a47");
    assert_eq!(pod.attrs["namespace"], "shop");
    let container = one(&ev, EntityKind::Container, "container");
    assert_eq!(container.key, CID);
    assert_eq!(container.attrs["name"], "cart");
    let image = one(&ev, EntityKind::Image, "image");
    assert_eq!(image.key, "shopregistry.azurecr.io/shop/cart:2.3.1");
    assert_eq!(
        image.attrs["digest"],
        "sha256:da7bdb55ce268b2f553f1699b8d8ef9db17ffca842d62cea4034a2bade11dc18"
    );
    assert_eq!(one(&ev, EntityKind::Node, "node").key, NODE);
    let process = one(&ev, EntityKind::Process, "process");
    assert_eq!(
        process.key,
        entity::process_key(CID, 48213, "/tmp/.x/xmrig")
    );
    assert_eq!(process.key, "dcb0889d9273:48213:/tmp/.x/xmrig");
    assert_eq!(process.attrs["pid"], 48213);
    assert_eq!(process.attrs["user"], "root");
    assert!(process.attrs["cmdline"]
        .as_str()
        .unwrap()
        .contains("stratum+tcp://pool.minexmr.example:4444"));
    assert_eq!(one(&ev, EntityKind::File, "file").key, "/tmp/.x/xmrig");
    assert_eq!(one(&ev, EntityKind::Ip, "ip").key, "198.51.100.77");
    assert_eq!(
        one(&ev, EntityKind::Domain, "domain").key,
        "pool.minexmr.example"
    );
    assert!(
        find(&ev, EntityKind::Identity, "actor").is_empty(),
        "an OS user is not an identity"
    );
    assert!(ev.search_text.contains("stratum+tcp"));
}

#[test]
fn drift_alert_resolves_nested_parent_process_and_owner() {
    let ev = by_rule(&events(REST_VALUE), "K8S.NODE_DriftDetection");
    assert_eq!(ev.severity, Severity::Medium);
    assert_eq!(ev.tactics, vec!["TA0002"]);
    assert!(ev.techniques.is_empty());
    assert_eq!(
        one(&ev, EntityKind::Workload, "owner").key,
        "shop/Deployment/cart"
    );
    assert_eq!(
        one(&ev, EntityKind::Process, "process").key,
        "dcb0889d9273:48213:/tmp/.x/xmrig"
    );
    // Defined inside the xmrig process, referenced again at the top level:
    // still only the parent.
    assert_eq!(
        one(&ev, EntityKind::Process, "parent-process").key,
        "dcb0889d9273:48190:/bin/sh"
    );
    let mut files: Vec<&str> = find(&ev, EntityKind::File, "file")
        .iter()
        .map(|e| e.key.as_str())
        .collect();
    files.sort();
    assert_eq!(files, vec!["/bin/sh", "/tmp/.x/xmrig"]);
}

#[test]
fn rare_operation_alert_names_the_service_account_and_source_ip() {
    let ev = by_rule(&events(REST_VALUE), "K8S_ServiceAccountRareOperation");
    assert_eq!(ev.tactics, vec!["TA0006", "TA0008"]);
    assert_eq!(
        strings(ev.fields.get("intents")),
        vec!["LateralMovement", "CredentialAccess"]
    );
    assert_eq!(ev.techniques, vec!["T1528"]);
    assert_eq!(
        one(&ev, EntityKind::Identity, "service-account").key,
        "system:serviceaccount:shop:cart"
    );
    assert_eq!(one(&ev, EntityKind::Ip, "ip").key, "203.0.113.45");
    assert_eq!(
        ev.time_ns,
        time::parse_rfc3339("2026-11-20T09:41:07.4821930Z")
    );
}

#[test]
fn same_alert_from_every_export_is_one_event() {
    let rest = events(REST_VALUE);
    let la = events(LOG_ANALYTICS);
    let pairs = [
        (
            by_rule(&rest, "K8S.NODE_DigitalCurrencyMining"),
            by_rule(&events(SINGLE), "K8S.NODE_DigitalCurrencyMining"),
        ),
        (
            by_rule(&rest, "K8S.NODE_DigitalCurrencyMining"),
            by_rule(&la, "K8S.NODE_DigitalCurrencyMining"),
        ),
        (
            by_rule(&rest, "K8S_ServiceAccountRareOperation"),
            by_rule(&events(AZ_CLI), "K8S_ServiceAccountRareOperation"),
        ),
        (
            by_rule(&rest, "K8S_ServiceAccountRareOperation"),
            by_rule(&la, "K8S_ServiceAccountRareOperation"),
        ),
        (
            by_rule(&rest, "K8S.NODE_DriftDetection"),
            by_rule(&events(RESOURCE_GRAPH), "K8S.NODE_DriftDetection"),
        ),
    ];
    for (a, b) in pairs {
        assert!(a.dedup_key.is_some());
        assert_eq!(comparable(a), comparable(b));
    }
    let rg = &events(RESOURCE_GRAPH)[0];
    assert!(RANK_REST > rg.rank && rg.rank > la[0].rank);
    assert_eq!(
        (rg.rank, la[0].rank),
        (RANK_RESOURCE_GRAPH, RANK_LOG_ANALYTICS)
    );
}

#[test]
fn keys_match_in_any_case() {
    let ev = alert_with(serde_json::json!({
        "ALERTTYPE": "K8S_ExposedDashboard",
        "AlertDisplayName": "Exposed Kubernetes dashboard detected",
        "SEVERITY": "high",
        "StartTimeUTC": "2026-11-20T09:50:00.0000000Z",
        "SystemAlertID": "ABC_Def",
        "Intent": "InitialAccess",
    }));
    assert_eq!(ev.rule.as_deref(), Some("K8S_ExposedDashboard"));
    assert_eq!(ev.severity, Severity::High);
    assert_eq!(ev.dedup_key.as_deref(), Some("defender|abc_def"));
    assert_eq!(ev.tactics, vec!["TA0001"]);
    let v: Value = serde_json::json!({"TYPE": "microsoft.security/locations/ALERTS"});
    assert!(sniff(v.as_object().unwrap()));
    for (raw, want) in [
        ("Informational", Severity::Info),
        ("LOW", Severity::Low),
        ("medium", Severity::Medium),
        ("High", Severity::High),
    ] {
        assert_eq!(
            alert_with(serde_json::json!({"alertType": "t", "severity": raw})).severity,
            want
        );
    }
    let odd = alert_with(serde_json::json!({"alertType": "t", "severity": "Severe"}));
    assert_eq!(odd.fields["vendor_severity"], "Severe");
}

#[test]
fn json_inside_strings_is_decoded_and_malformed_json_names_the_column() {
    let rows = items(LOG_ANALYTICS);
    let row: Map<String, Value> = serde_json::from_str(&rows[0]).unwrap();
    assert!(row["Entities"].is_string() && row["ExtendedProperties"].is_string());
    let ev = parse_str(&rows[0]);
    assert_eq!(
        ev.fields["extended_properties"]["Pod name"],
        "cart-7f9c6d8b5-x2k4q"
    );
    assert_eq!(strings(ev.fields.get("remediation")).len(), 2);

    for column in [
        "Entities",
        "ExtendedProperties",
        "RemediationSteps",
        "Tactics",
    ] {
        let mut bad = row.clone();
        bad.insert(column.into(), Value::String("[{\"$id\":\"2\",".into()));
        let err = parse(Value::Object(bad).to_string().as_bytes()).unwrap_err();
        assert!(err.reason.contains(column), "{}: {}", column, err);
    }
    let mut not_object = row.clone();
    not_object.insert("ExtendedProperties".into(), Value::String("[1]".into()));
    assert!(parse(Value::Object(not_object).to_string().as_bytes())
        .unwrap_err()
        .reason
        .contains("ExtendedProperties"));
    // Techniques as a comma string, as some exports write them.
    let mut commas = row.clone();
    commas.insert(
        "Techniques".into(),
        Value::String("T1496, t1059.004, Cryptomining".into()),
    );
    let ev = parse_str(&Value::Object(commas).to_string());
    assert_eq!(ev.techniques, vec!["T1059.004", "T1496"]);
    assert_eq!(
        strings(ev.fields.get("unmapped_techniques")),
        vec!["Cryptomining"]
    );
}

#[test]
fn activity_log_bag_with_json_encoded_lists_parses() {
    let rec = serde_json::json!({
        "eventTimestamp": "2026-11-20T09:55:04.1234567Z",
        "operationName": {"value": "Microsoft.Security/locations/alerts/activate/action"},
        "resourceId": "/subscriptions/s/resourceGroups/rg-shop-prod/providers/Microsoft.Security/locations/westeurope/alerts/2516962588997745678_a3f1c6d2-8b4e-4d7a-9c05-e6b2f1a8d4c7",
        "properties": {
            "alertType": "K8S.NODE_DigitalCurrencyMining",
            "alertDisplayName": "Digital currency mining related behavior detected",
            "severity": "High",
            "compromisedEntity": "aks-shop-prod",
            "productComponentName": "Containers",
            "intent": "[\"Execution\",\"Impact\"]",
            "remediationSteps": "[\"Isolate the pod, then stop the miner.\"]",
            "isIncident": "false"
        }
    });
    let obj = rec.as_object().unwrap();
    assert!(sniff(obj));
    let ev = parse_str(&rec.to_string());
    assert_eq!(ev.rank, RANK_ACTIVITY_LOG);
    assert_eq!(ev.tactics, vec!["TA0002", "TA0040"]);
    assert_eq!(
        strings(ev.fields.get("remediation")),
        vec!["Isolate the pod, then stop the miner."]
    );
    assert_eq!(
        ev.time_ns,
        time::parse_rfc3339("2026-11-20T09:55:04.1234567Z")
    );
    assert_eq!(
        ev.dedup_key.as_deref(),
        Some("defender|2516962588997745678_a3f1c6d2-8b4e-4d7a-9c05-e6b2f1a8d4c7")
    );
    assert_eq!(
        one(&ev, EntityKind::Cluster, "compromised").key,
        "aks-shop-prod"
    );
}

#[test]
fn references_resolve_and_cycles_and_dangling_ids_do_not_hang() {
    let entities = serde_json::json!([
        {"$id": "1", "ProcessId": "10", "CommandLine": "a",
         "ImageFile": {"$id": "2", "Directory": "/bin", "Name": "a", "Type": "file"},
         "ParentProcess": {"$ref": "3"}, "Host": {"$ref": "99"}, "Type": "process"},
        {"$id": "3", "ProcessId": "9", "ImageFile": {"$ref": "2"},
         "ParentProcess": {"$ref": "1"}, "Type": "process"},
        {"$id": "4", "Address": "10.244.1.23", "Self": {"$ref": "4"}, "Type": "ip"},
        {"$ref": "42"},
        {"$ref": "3"},
        {"$id": "5", "Name": "c", "Container": {"$id": "6", "ContainerId": CID, "Type": "container"}, "Type": "K8s-pod"}
    ]);
    let ev = alert_with(serde_json::json!({"alertType": "t", "entities": entities}));
    assert_eq!(
        strings(ev.fields.get("unresolved_entity_refs")),
        vec!["99", "42"]
    );
    // The cycle leaves both processes in the parent role, keyed once each.
    let procs = find(&ev, EntityKind::Process, "parent-process");
    assert_eq!(procs.len(), 2, "{:#?}", ev.entities);
    assert!(procs.iter().any(|p| p.key == "dcb0889d9273:9:/bin/a"));
    assert_eq!(one(&ev, EntityKind::Ip, "ip").key, "10.244.1.23");
    // A nested-only entity (the container) is found too; the pod without
    // a namespace cannot be keyed and says so.
    assert_eq!(one(&ev, EntityKind::Container, "container").key, CID);
    assert_eq!(
        strings(ev.fields.get("unkeyed_entity_types")),
        vec!["K8s-pod"]
    );

    // A chain of references to references ends.
    let chain = serde_json::json!([{"$id": "1", "$ref": "1"}, {"$ref": "1"}]);
    let ev = alert_with(serde_json::json!({"alertType": "t", "entities": chain}));
    assert!(ev.entities.is_empty());
}

#[test]
fn non_attack_intents_are_kept_not_dropped() {
    let ev = alert_with(serde_json::json!({
        "alertType": "t",
        "intent": "PreAttack, Probing, Exploitation, Unknown, Execution, ResourceDevelopment"
    }));
    assert_eq!(ev.tactics, vec!["TA0002"]);
    assert_eq!(
        strings(ev.fields.get("unmapped_intents")),
        vec![
            "PreAttack",
            "Probing",
            "Exploitation",
            "Unknown",
            "ResourceDevelopment"
        ]
    );
    assert_eq!(
        strings(ev.fields.get("inferred_tactics")),
        vec!["TA0043", "TA0007"]
    );
    assert_eq!(strings(ev.fields.get("intents")).len(), 6);
}

#[test]
fn unknown_and_unkeyable_entity_types_are_kept_in_fields() {
    let ev = alert_with(serde_json::json!({"alertType": "t", "entities": [
        {"$id": "1", "Name": "cart-db", "Namespace": "shop", "Type": "K8s-secret"},
        {"$id": "2", "Name": "cart-db", "Type": "k8s-SECRET"},
        {"$id": "3", "ResourceId": "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Compute/virtualMachineScaleSets/aks-nodepool1-31415926-vmss", "Type": "azure-resource"},
        {"$id": "4", "Address": "not-an-ip", "Type": "IP"}
    ]}));
    assert_eq!(
        strings(ev.fields.get("unmapped_entity_types")),
        vec!["K8s-secret"]
    );
    assert_eq!(
        strings(ev.fields.get("unkeyed_entity_types")),
        vec!["azure-resource", "IP"]
    );
    assert!(ev.entities.is_empty());
}

#[test]
fn graph_evidence_accounts_and_urls_map() {
    let ev = alert_with(serde_json::json!({"alertType": "t", "entities": [
        {"@odata.type": "#microsoft.graph.security.kubernetesPodEvidence", "name": "cart-7f9c6d8b5-x2k4q",
         "namespace": {"@odata.type": "#microsoft.graph.security.kubernetesNamespaceEvidence", "name": "shop"},
         "serviceAccount": {"@odata.type": "#microsoft.graph.security.kubernetesServiceAccountEvidence",
                            "name": "cart", "namespace": {"name": "shop"}},
         "controller": {"@odata.type": "#microsoft.graph.security.kubernetesControllerEvidence",
                        "name": "cart", "type": "Deployment", "namespace": {"name": "shop"}}},
        {"Name": "system:serviceaccount:shop:cart", "Type": "account"},
        {"Name": "alice", "UPNSuffix": "contoso.example", "Type": "account"},
        {"Url": "http://198.51.100.23/x.sh", "Type": "url"},
        {"Url": "https://Pool.MineXMR.example:443/", "Type": "URL"}
    ]}));
    assert_eq!(
        one(&ev, EntityKind::Pod, "pod").key,
        "shop/cart-7f9c6d8b5-x2k4q"
    );
    assert_eq!(one(&ev, EntityKind::Namespace, "namespace").key, "shop");
    assert_eq!(
        one(&ev, EntityKind::Identity, "service-account").key,
        "system:serviceaccount:shop:cart"
    );
    assert_eq!(
        one(&ev, EntityKind::Workload, "owner").key,
        "shop/Deployment/cart"
    );
    let mut actors: Vec<&str> = find(&ev, EntityKind::Identity, "actor")
        .iter()
        .map(|e| e.key.as_str())
        .collect();
    actors.sort();
    assert_eq!(
        actors,
        vec!["alice@contoso.example", "system:serviceaccount:shop:cart"]
    );
    assert_eq!(one(&ev, EntityKind::Ip, "url").key, "198.51.100.23");
    assert_eq!(
        one(&ev, EntityKind::Domain, "url").key,
        "pool.minexmr.example"
    );
}

/// A value for each builder input, for building synthetic entities.
fn sample_part(builder: &str, part: &str) -> &'static str {
    match (builder, part) {
        ("account", "name") => "system:serviceaccount:shop:cart",
        ("account", "upn") => "alice@contoso.example",
        ("account", "upn_suffix") => "contoso.example",
        ("account", "domain") => "CONTOSO",
        ("account", "aad_user_id") => "6f1e2d3c-4b5a-4978-8a6b-5c4d3e2f1a0b",
        ("domain", "name") => "pool.minexmr.example",
        ("cluster", "name") => "aks-shop-prod",
        (_, "name") => "cart",
        (_, "namespace") => "shop",
        (_, "kind") => "Deployment",
        (_, "id") | (_, "container") => CID,
        (_, "reference") => "shopregistry.azurecr.io/shop/cart:2.3.1",
        (_, "digest") => {
            "sha256:da7bdb55ce268b2f553f1699b8d8ef9db17ffca842d62cea4034a2bade11dc18"
        }
        (_, "pid") => "48213",
        (_, "exe") | (_, "path") => "/tmp/.x/xmrig",
        (_, "exe_dir") | (_, "directory") => "/tmp/.x",
        (_, "exe_name") => "xmrig",
        (_, "host") => NODE,
        (_, "address") => "198.51.100.77",
        (_, "url") => "http://pool.minexmr.example/x.sh",
        (_, "resource_id") => AKS,
        _ => panic!("no sample value for part {} of builder {}", part, builder),
    }
}

/// The inputs each key builder reads: (required in every row, optional).
fn builder_parts(builder: &str) -> Option<(&'static [&'static str], &'static [&'static str])> {
    Some(match builder {
        "name" | "domain" => (&["name"], &[]),
        "cluster" => (&["name"], &["resource_id"]),
        "azure-resource" => (&["resource_id"], &[]),
        "url" => (&["url"], &[]),
        "pod" | "service-account" => (&["namespace", "name"], &[]),
        "workload" => (&["kind", "name"], &["namespace"]),
        "container" => (&["id"], &[]),
        "image" => (&["reference"], &["digest"]),
        "process" => (
            &["pid", "exe_dir", "exe_name"],
            &["exe", "container", "host"],
        ),
        "file" => (&["name"], &["path", "directory"]),
        "ip" => (&["address"], &[]),
        "account" => (&["name"], &["upn", "upn_suffix", "domain", "aad_user_id"]),
        _ => return None,
    })
}

fn set_path(obj: &mut Map<String, Value>, path: &str, value: &str) {
    match path.split_once('.') {
        Some((head, rest)) => {
            let child = obj
                .entry(head.to_string())
                .or_insert_with(|| Value::Object(Map::new()));
            if !child.is_object() {
                *child = Value::Object(Map::new());
            }
            if let Value::Object(o) = child {
                set_path(o, rest, value);
            }
        }
        None => {
            obj.insert(path.to_string(), Value::String(value.to_string()));
        }
    }
}

/// An entity of `type_name` with every part at its first path, or one
/// part at the alternative path `choice`; attributes only in the base
/// variant (their paths may overlap the parts').
fn synthetic(type_name: &str, m: &Mapping, choice: Option<(&str, &str)>) -> Value {
    let mut o = Map::new();
    if choice.is_none() {
        for paths in m.attrs.values() {
            set_path(&mut o, &paths[0], "attr-value");
        }
    }
    for (part, paths) in &m.parts {
        let path = match choice {
            Some((p, alt)) if p == part => alt,
            _ => paths[0].as_str(),
        };
        set_path(&mut o, path, sample_part(&m.key, part));
    }
    if type_name.ends_with("Evidence") {
        o.insert(
            "@odata.type".into(),
            Value::String(format!("#microsoft.graph.security.{}", type_name)),
        );
    } else {
        o.insert("Type".into(), Value::String(type_name.into()));
    }
    Value::Object(o)
}

#[test]
fn every_mapping_row_in_the_data_file_resolves() {
    let table =
        EntityTable::from_json(TABLE_JSON).expect("data/defender-entities.json is valid");
    assert!(!table.mappings.is_empty());
    let mut seen_types: Vec<String> = Vec::new();
    for m in &table.mappings {
        let kind =
            EntityKind::parse(&m.kind).unwrap_or_else(|| panic!("unknown kind {}", m.kind));
        let (required, optional) =
            builder_parts(&m.key).unwrap_or_else(|| panic!("unknown key builder {}", m.key));
        for r in required {
            assert!(
                m.parts.contains_key(*r),
                "{:?}: part {} missing",
                m.types,
                r
            );
        }
        for p in m.parts.keys() {
            assert!(
                required.contains(&p.as_str()) || optional.contains(&p.as_str()),
                "{:?}: builder {} reads no part {}",
                m.types,
                m.key,
                p
            );
        }
        assert!(
            !m.role.is_empty() && m.role.chars().all(|c| c.is_ascii_lowercase() || c == '-')
        );
        for (name, paths) in m.parts.iter().chain(m.attrs.iter()) {
            assert!(
                !paths.is_empty() && paths.iter().all(|p| !p.is_empty()),
                "{:?}: {}",
                m.types,
                name
            );
        }
        for t in &m.types {
            assert!(
                !seen_types.iter().any(|s| s.eq_ignore_ascii_case(t)),
                "type {} is mapped twice",
                t
            );
            seen_types.push(t.clone());
            assert!(std::ptr::eq(
                table.mapping(&t.to_ascii_uppercase()).unwrap(),
                m
            ));

            // Every path alternative of every part yields the entity.
            let mut variants = vec![None];
            for (part, paths) in &m.parts {
                variants.extend(paths.iter().map(|p| Some((part.as_str(), p.as_str()))));
            }
            for choice in variants {
                let v = synthetic(t, m, choice);
                let refs = Refs::new(&v);
                let found_type = entity_type_of(v.as_object().unwrap()).unwrap();
                assert!(
                    table.mapping(&found_type).is_some(),
                    "{} is not recognised",
                    found_type
                );
                match build_entity(&refs, &v, m, None) {
                    Built::Entity {
                        kind: k,
                        key,
                        attrs,
                    } => {
                        let want = if m.key == "url" {
                            [kind, EntityKind::Ip].contains(&k)
                        } else {
                            k == kind
                        };
                        assert!(want, "{} via {:?}: kind {}", t, choice, k);
                        assert!(!key.is_empty());
                        if choice.is_none() {
                            for name in m.attrs.keys() {
                                assert!(
                                    attrs.contains_key(name),
                                    "{}: attr {} not read",
                                    t,
                                    name
                                );
                            }
                        }
                    }
                    _ => panic!("{} via {:?} does not resolve: {}", t, choice, v),
                }
            }
        }
    }
    for (prop, role) in &table.nested_roles {
        assert!(!prop.is_empty() && role.chars().all(|c| c.is_ascii_lowercase() || c == '-'));
    }
    for (intent, id) in &table.non_attack_intents {
        assert!(
            attack::tactic_id(intent).is_none(),
            "{} is an ATT&CK tactic",
            intent
        );
        if let Some(id) = id {
            assert!(
                attack::tactic_name(id).is_some(),
                "{} is not a known tactic id",
                id
            );
        }
    }
}

#[test]
fn malformed_records_are_errors_not_panics() {
    assert!(parse(b"[1,2]").unwrap_err().reason.contains("object"));
    assert!(parse(b"{\"properties\":{\"severity\":\"High\"}}").is_err());
    let bad_time = serde_json::json!({"type": ALERT_RESOURCE_TYPE, "properties": {"alertType": "t", "startTimeUtc": "yesterday"}});
    assert!(parse(bad_time.to_string().as_bytes())
        .unwrap_err()
        .reason
        .contains("startTimeUtc"));
    let bad_props = serde_json::json!({"type": ALERT_RESOURCE_TYPE, "properties": "oops"});
    assert!(parse(bad_props.to_string().as_bytes()).is_err());
    // Every prefix of every sample record: errors, never a panic.
    for text in [REST_VALUE, LOG_ANALYTICS, RESOURCE_GRAPH] {
        for item in items(text) {
            for cut in (0..item.len()).step_by(97) {
                let _ = parse(&item.as_bytes()[..cut]);
            }
        }
    }
    // Wrong JSON types in every known column.
    let row: Map<String, Value> = serde_json::from_str(&items(LOG_ANALYTICS)[0]).unwrap();
    for key in row.keys() {
        for junk in [
            serde_json::json!(42),
            serde_json::json!({"a": [1]}),
            serde_json::json!([{"b": null}]),
            Value::Bool(true),
        ] {
            let mut r = row.clone();
            r.insert(key.clone(), junk);
            let _ = parse(Value::Object(r).to_string().as_bytes());
        }
    }
}
