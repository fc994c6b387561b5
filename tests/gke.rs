//! GKE audit logs through Cloud Logging, imported by the real binary: every
//! export shape, dedup across shapes and with the bare audit log, the
//! mapping onto audit events, the cluster, the cloud calls, bad input.

use crate::util::{fixture, TestCase};
use serde_json::Value;

fn sample(name: &str) -> std::path::PathBuf {
    fixture(&format!("samples/gke/{}", name))
}

fn events(t: &TestCase, source: &str) -> Vec<Value> {
    t.json_lines(&["events", "--source", source])
}

/// The event whose dedup key is this auditID / insertId.
fn by_insert_id<'a>(events: &'a [Value], id: &str) -> &'a Value {
    events
        .iter()
        .find(|e| e["fields"]["envelope"]["insert_id"].as_str().is_some_and(|i| i.starts_with(id)))
        .unwrap_or_else(|| panic!("no event of {}", id))
}

fn by_title<'a>(events: &'a [Value], title: &str) -> &'a Value {
    events.iter().find(|e| e["title"] == title).unwrap_or_else(|| panic!("no event {:?}", title))
}

#[test]
fn every_shape_reads_as_its_words_in_the_summary() {
    let cases = [
        ("gcloud-read.json", "GKE Cloud Logging, gcloud logging read JSON, 17 audit events, 5 Cloud audit events", 22),
        ("gcloud-read.yaml", "GKE Cloud Logging, gcloud logging read YAML, 11 audit events, 1 Cloud audit event", 12),
        ("sink-pubsub.jsonl", "GKE Cloud Logging, log sink JSON Lines, 4 audit events, 2 Cloud audit events", 6),
        ("gcs-sink-S0.json", "GKE Cloud Logging, log sink JSON Lines, 3 audit events", 4),
        (
            "downloaded-logs-20261120-101502.json",
            "GKE Cloud Logging, Logs Explorer JSON download, 3 audit events, 1 Cloud audit event",
            4,
        ),
        ("logs-explorer-entry.json", "GKE Cloud Logging, Logs Explorer JSON download, 1 audit event", 1),
    ];
    for (name, shape, records) in cases {
        let t = TestCase::new();
        let summary = t.import(&[&sample(name)]);
        let file = &summary["files"][0];
        assert_eq!(file["format"], "gke-logging", "{}", name);
        assert_eq!(file["shape"], shape, "{}", name);
        assert_eq!(file["records"], records, "{}", name);
        assert_eq!(file["errors"], 0, "{}", name);
    }
}

#[test]
fn the_same_request_in_an_array_and_in_sinks_is_one_event() {
    let t = TestCase::new();
    let summary = t.import(&[&sample("gcloud-read.json"), &sample("sink-pubsub.jsonl"), &sample("gcs-sink-S0.json")]);
    assert_eq!(summary["records"], 32);
    assert_eq!(summary["events_new"], 22, "{}", summary);
    let audit = events(&t, "k8s-audit");
    assert_eq!(audit.len(), 17);
    // gcloud, Pub/Sub, and the Cloud Storage object twice.
    let exec = by_insert_id(&audit, "38bc3e56");
    assert_eq!(exec["records"], 4);
    assert_eq!(events(&t, "gcp-audit").len(), 5);
    assert_eq!(by_title(&events(&t, "gcp-audit"), "ListClusters locations/- (PERMISSION_DENIED)")["records"], 2);
}

#[test]
fn a_gke_entry_and_the_bare_audit_line_of_its_request_are_one_event() {
    let t = TestCase::new();
    t.import(&[&fixture("demo/src/audit-attack.jsonl")]);
    let summary = t.import(&[&sample("gcloud-read.json")]);
    // The nine attack requests merge; the routine ones are new.
    assert_eq!(summary["events_merged"], 9, "{}", summary);
    assert_eq!(summary["events_new"], 13, "{}", summary);
    let audit = events(&t, "k8s-audit");
    assert_eq!(audit.len(), 17);
    let exec = audit.iter().find(|e| e["fields"]["subresource"] == "exec" && e["fields"]["verb"] == "get").unwrap();
    // Three stages in the audit log and the GKE record; the bare line,
    // complete, gives the fields and the GKE record adds its cluster.
    assert_eq!(exec["records"], 4);
    assert_eq!(exec["fields"]["exec_command"], "/bin/sh");
    assert_eq!(exec["fields"]["token_pod"], "shop/cart-7f9c6d8b5-x2k4q");
    assert_eq!(exec["fields"]["stage"], "ResponseStarted");
    let clusters: Vec<&Value> =
        exec["entities"].as_array().unwrap().iter().filter(|e| e["kind"] == "cluster").collect();
    assert_eq!(clusters.len(), 1);
    assert_eq!(clusters[0]["key"], "gke-shop-prod");
}

#[test]
fn the_mapping_gives_verb_object_user_source_decision_and_code() {
    let t = TestCase::new();
    t.import(&[&sample("gcloud-read.json")]);
    let audit = events(&t, "k8s-audit");

    let denied = by_insert_id(&audit, "81e35f7e");
    let f = &denied["fields"];
    assert_eq!(denied["title"], "list secrets in kube-system (403 Forbidden)");
    assert_eq!(
        (&f["verb"], &f["resource"], &f["namespace"]),
        (&"list".into(), &"secrets".into(), &"kube-system".into())
    );
    assert_eq!(f["user"], "system:serviceaccount:shop:cart");
    assert_eq!(f["source_ip"], "203.0.113.45");
    assert_eq!(f["decision"], "forbid");
    assert_eq!(f["code"], 403);
    assert_eq!(f["status_reason"], "Forbidden");

    let allowed = &by_insert_id(&audit, "4f2d4a28")["fields"];
    assert_eq!(allowed["decision"], "allow");
    assert_eq!(
        allowed["authz_reason"],
        "RBAC: allowed by RoleBinding \"cart-secrets-reader/shop\" of Role \"cart-secrets-reader\" to ServiceAccount \"cart/shop\""
    );
    assert_eq!(allowed["code"], 200);

    let exec = by_insert_id(&audit, "38bc3e56");
    let f = &exec["fields"];
    assert_eq!((&f["verb"], &f["subresource"], &f["code"]), (&"get".into(), &"exec".into(), &101.into()));
    assert_eq!(f["stage"], "ResponseStarted");
    assert_eq!(f["name"], "cart-7f9c6d8b5-x2k4q");
    assert!(f.get("exec_command").is_none(), "GKE does not log the command");
    assert_eq!(f["envelope"]["code_inferred"], true);
    assert_eq!(f["envelope"]["log_name"], "cloudaudit.googleapis.com/activity");

    let old_kubectl = by_insert_id(&audit, "6d1e8b3a");
    assert_eq!(old_kubectl["title"], "create pods/exec shop/storefront-5d8c7b9f4-q2wzx");
    assert_eq!(old_kubectl["fields"]["user"], "maria.lopez@shop-example.com");

    let review = by_insert_id(&audit, "1e0303ac");
    assert_eq!(review["fields"]["api_group"], "authorization.k8s.io");
    assert_eq!(review["fields"]["code"], 201);

    let discovery = by_insert_id(&audit, "9693c9dc");
    assert_eq!((&discovery["title"], &discovery["fields"]["request_uri"]), (&"get /api".into(), &"/api".into()));

    let hosted = &by_insert_id(&audit, "0c6b2d9e")["fields"];
    assert_eq!(hosted["envelope"]["caller_ip"], "gce-internal-ip");
    assert!(hosted.get("source_ip").is_none());
}

#[test]
fn the_cluster_is_an_entity_with_its_project_and_location() {
    let t = TestCase::new();
    t.import(&[&sample("gcloud-read.yaml")]);
    let clusters = t.json_lines(&["entities", "--kind", "cluster"]);
    assert_eq!(clusters.len(), 1);
    let c = &clusters[0];
    assert_eq!(c["key"], "gke-shop-prod");
    assert_eq!(c["attrs"]["provider"], "gke");
    assert_eq!(c["attrs"]["project"], "shop-prod-4821");
    assert_eq!(c["attrs"]["location"], "europe-west1");
    assert_eq!(c["events"], 12);
}

#[test]
fn cluster_management_and_other_cloud_calls_are_cloud_audit_telemetry() {
    let t = TestCase::new();
    t.import(&[&sample("gcloud-read.json")]);
    let cloud = events(&t, "gcp-audit");
    let titles: Vec<&str> = cloud.iter().map(|e| e["title"].as_str().unwrap()).collect();
    assert_eq!(
        titles,
        [
            "GetCluster clusters/gke-shop-prod",
            "GenerateAccessToken serviceAccounts/111864420937512093346",
            "ListClusters locations/- (PERMISSION_DENIED)",
            "SetNodePoolSize clusters/gke-shop-prod/nodePools/default-pool",
            "SetNodePoolSize clusters/gke-shop-prod/nodePools/default-pool",
        ]
    );
    assert!(cloud.iter().all(|e| e["kind"] == "telemetry"));
    let denied = by_title(&cloud, "ListClusters locations/- (PERMISSION_DENIED)");
    assert_eq!(denied["fields"]["decision"], "forbid");
    assert_eq!(denied["fields"]["source_ip"], "203.0.113.45");
    let identities = t.json_lines(&["entities", "--kind", "identity"]);
    let person = identities.iter().find(|e| e["key"] == "maria.lopez@shop-example.com").unwrap();
    assert_eq!(person["attrs"]["provider"], "gcp");
    // Workload Identity ties the cloud calls to the Kubernetes account.
    let cart = identities.iter().find(|e| e["key"] == "system:serviceaccount:shop:cart").unwrap();
    assert_eq!(cart["attrs"]["principal_subject"], "serviceAccount:shop-prod-4821.svc.id.goog[shop/cart]");
    assert_eq!(cart["last_seen"], "2026-11-20T09:46:12.640117000Z");
    let get_cluster = by_title(&cloud, "GetCluster clusters/gke-shop-prod");
    assert!(get_cluster["entities"]
        .as_array()
        .unwrap()
        .iter()
        .any(|e| e["kind"] == "cluster" && e["key"] == "gke-shop-prod"));
}

#[test]
fn bad_entries_are_parse_errors_and_the_rest_imports() {
    let t = TestCase::new();
    let summary = t.import(&[&sample("bad-entries.jsonl")]);
    assert_eq!(summary["files"][0]["errors"], 10);
    assert_eq!(summary["events_new"], 2);
    let errors = t.json_lines(&["errors"]);
    let reasons: Vec<(u64, &str)> =
        errors.iter().map(|e| (e["line"].as_u64().unwrap(), e["reason"].as_str().unwrap())).collect();
    let expect = [
        (2, "a LogEntry without protoPayload (it has textPayload): not an audit log entry"),
        (3, "a k8s.io audit log entry without insertId: its auditID is unknown"),
        (4, "\"exec\" is no Kubernetes verb"),
        (5, "protoPayload.methodName is an array, not a string"),
        (6, "invalid JSON"),
        (7, "insertId is a number, not a string"),
        (8, "labels.authorization.k8s.io/decision is a boolean"),
        (9, "protoPayload.status is a string, not an object"),
        (10, "resourceName \"core\" names no Kubernetes resource"),
        (11, "not a google.cloud.audit.AuditLog"),
    ];
    assert_eq!(reasons.len(), expect.len(), "{:?}", reasons);
    for ((line, reason), (want_line, want)) in reasons.iter().zip(expect) {
        assert_eq!(*line, want_line);
        assert!(reason.contains(want), "line {}: {:?} does not say {:?}", line, reason, want);
    }
    // Every error keeps its record verbatim.
    assert!(errors.iter().all(|e| e["raw"].as_str().is_some_and(|r| r.starts_with('{'))));
}

#[test]
fn a_broken_yaml_document_is_an_error_and_unquoted_timestamps_stay_text() {
    let t = TestCase::new();
    let summary = t.import(&[&sample("gcloud-bad-document.yaml")]);
    assert_eq!(summary["files"][0]["errors"], 1);
    assert_eq!(summary["files"][0]["shape"], "GKE Cloud Logging, gcloud logging read YAML, 2 audit events");
    let errors = t.json_lines(&["errors"]);
    assert!(errors[0]["reason"].as_str().unwrap().starts_with("invalid YAML: "), "{}", errors[0]);
    assert_eq!(errors[0]["line"], 38);
    let audit = events(&t, "k8s-audit");
    let times: Vec<&str> = audit.iter().map(|e| e["time"].as_str().unwrap()).collect();
    assert_eq!(times, ["2026-11-20T09:41:05.000000000Z", "2026-11-20T09:41:07.123456000Z"]);
    let list = by_insert_id(&audit, "8d4f2c52");
    assert_eq!(list["fields"]["envelope"]["receive_timestamp"], "2026-11-20T09:41:07.690311262Z");
}

#[test]
fn a_truncated_gcloud_array_keeps_its_whole_entries() {
    let t = TestCase::new();
    let summary = t.import(&[&sample("gcloud-truncated.json")]);
    assert_eq!(summary["files"][0]["format"], "gke-logging");
    assert_eq!(summary["events_new"], 2);
    let errors = t.json_lines(&["errors"]);
    assert_eq!(errors.len(), 1);
    let reason = errors[0]["reason"].as_str().unwrap();
    assert!(reason.starts_with("a JSON array cut short after 2 whole items: invalid JSON: EOF"), "{}", reason);
    assert!(errors[0]["raw"].as_str().unwrap().contains("81e35f7e"));
    let titles: Vec<String> =
        events(&t, "k8s-audit").iter().map(|e| e["title"].as_str().unwrap().to_string()).collect();
    assert_eq!(titles, ["create selfsubjectrulesreviews", "get pods/exec shop/cart-7f9c6d8b5-x2k4q"]);
}
