use super::*;
use crate::formats::test_support::entity;
use crate::formats::{Container, Hint};
use crate::model::{EntityKind, Severity, Source};
use std::sync::Arc;

const GCLOUD: &str = include_str!("../../../fixtures/samples/gke/gcloud-read.json");
const BAD: &str = include_str!("../../../fixtures/samples/gke/bad-entries.jsonl");
const AUDIT_LOG: &str = include_str!("../../../fixtures/demo/src/audit-attack.jsonl");

/// The entries of the gcloud sample, each as its own bytes.
fn entries() -> Vec<String> {
    let all: Vec<Value> = serde_json::from_str(GCLOUD).expect("sample is a JSON array");
    all.iter().map(|e| serde_json::to_string(e).expect("re-encodes")).collect()
}

fn entry(insert_id: &str) -> String {
    entries()
        .into_iter()
        .find(|e| e.contains(&format!("\"insertId\":\"{}", insert_id)))
        .unwrap_or_else(|| panic!("no entry {}", insert_id))
}

fn parse_str(raw: &str) -> NewEvent {
    parse(raw.as_bytes(), &Context::new(&Hint::default())).unwrap_or_else(|e| panic!("parse failed: {}", e))
}

/// The event's fields, whichever way the parser gave them.
fn fields(ev: &NewEvent) -> Map<String, Value> {
    match &ev.fields_json {
        Some(json) => serde_json::from_str(json).expect("fields JSON"),
        None => ev.fields.clone(),
    }
}

/// An entry of the sample with a part replaced (`path` of object keys).
fn with(insert_id: &str, path: &[&str], value: Value) -> String {
    let mut v: Value = serde_json::from_str(&entry(insert_id)).unwrap();
    let mut at = &mut v;
    for key in &path[..path.len() - 1] {
        at = at.get_mut(*key).unwrap();
    }
    at.as_object_mut().unwrap().insert(path[path.len() - 1].to_string(), value);
    v.to_string()
}

#[test]
fn sniff_claims_audit_log_entries_only() {
    let obj: Map<String, Value> = serde_json::from_str(&entry("38bc3e56")).unwrap();
    assert!(sniff(&obj));
    let gcp: Map<String, Value> = serde_json::from_str(&entry("1m3ph8e4n7vq")).unwrap();
    assert!(sniff(&gcp), "other services' audit entries are ours too");
    let text_entry: Map<String, Value> = serde_json::from_str(BAD.lines().nth(1).unwrap()).unwrap();
    assert!(!sniff(&text_entry), "a container log line is no audit entry");
    let bare_audit: Map<String, Value> = serde_json::from_str(AUDIT_LOG.lines().next().unwrap()).unwrap();
    assert!(!sniff(&bare_audit));
}

#[test]
fn method_names_give_the_verb_and_whether_a_resource_is_named() {
    use kubernetes::{method, Method};
    assert_eq!(method("io.k8s.core.v1.pods.list").unwrap(), Method { verb: "list", resource: true });
    assert_eq!(method("io.k8s.core.v1.pods.exec.create").unwrap(), Method { verb: "create", resource: true });
    assert_eq!(method("io.k8s.core.v1.pods.exec.get").unwrap(), Method { verb: "get", resource: true });
    assert_eq!(
        method("io.k8s.authorization.rbac.v1.clusterrolebindings.delete").unwrap(),
        Method { verb: "delete", resource: true }
    );
    assert_eq!(method("io.k8s.get").unwrap(), Method { verb: "get", resource: false });
    for bad in
        ["io.k8s.core.v1.pods.exec", "io.k8s.core.v1.pods.", "k8s.io.core.v1.pods.list", "io.k8s.v1.list", "io.k8s."]
    {
        let e = method(bad).expect_err(bad);
        assert!(e.reason.contains("methodName"), "{}: {}", bad, e.reason);
    }
}

#[test]
fn resource_names_give_the_object_reference() {
    use kubernetes::{object_ref, ObjectRef};
    let exec = object_ref("core/v1/namespaces/shop/pods/cart-7f9c6d8b5-x2k4q/exec").unwrap();
    assert_eq!(
        exec,
        ObjectRef {
            api_group: "",
            api_version: "v1",
            resource: "pods",
            namespace: Some("shop"),
            name: Some("cart-7f9c6d8b5-x2k4q"),
            subresource: Some("exec"),
        }
    );
    let list = object_ref("core/v1/namespaces/shop/pods").unwrap();
    assert_eq!((list.resource, list.namespace, list.name), ("pods", Some("shop"), None));
    let cluster_scoped = object_ref("rbac.authorization.k8s.io/v1/clusterrolebindings/cluster-admin").unwrap();
    assert_eq!(
        (cluster_scoped.api_group, cluster_scoped.resource, cluster_scoped.namespace, cluster_scoped.name),
        ("rbac.authorization.k8s.io", "clusterrolebindings", None, Some("cluster-admin"))
    );
    let all_pods = object_ref("core/v1/pods").unwrap();
    assert_eq!((all_pods.resource, all_pods.namespace, all_pods.name), ("pods", None, None));
    // A namespace is named as itself; its finalize is its subresource.
    let ns = object_ref("core/v1/namespaces/shop").unwrap();
    assert_eq!((ns.resource, ns.namespace, ns.name, ns.subresource), ("namespaces", Some("shop"), Some("shop"), None));
    let finalize = object_ref("core/v1/namespaces/shop/finalize").unwrap();
    assert_eq!(
        (finalize.resource, finalize.name, finalize.subresource),
        ("namespaces", Some("shop"), Some("finalize"))
    );
    let proxy = object_ref("core/v1/namespaces/shop/services/cart/proxy/metrics/x").unwrap();
    assert_eq!((proxy.resource, proxy.name, proxy.subresource), ("services", Some("cart"), Some("proxy")));
    for bad in ["core", "core/v1", "core/v1/", "/v1/pods"] {
        assert!(object_ref(bad).is_err(), "{}", bad);
    }
}

#[test]
fn an_exec_entry_becomes_the_audit_event_of_the_request() {
    let ev = parse_str(&entry("38bc3e56"));
    let f = fields(&ev);
    assert_eq!(ev.source, Source::K8sAudit);
    assert_eq!(ev.dedup_key.as_deref(), Some("k8s-audit|38bc3e56-23a2-471f-8c8e-e32b8439c0b7"));
    assert_eq!(ev.title, "get pods/exec shop/cart-7f9c6d8b5-x2k4q");
    assert_eq!(f["verb"], "get");
    assert_eq!(f["resource"], "pods");
    assert_eq!(f["subresource"], "exec");
    assert_eq!(f["namespace"], "shop");
    assert_eq!(f["stage"], "ResponseStarted");
    assert_eq!(f["code"], 101);
    assert_eq!(f["user"], "system:serviceaccount:shop:cart");
    assert_eq!(f["source_ip"], "203.0.113.45");
    assert_eq!(f["decision"], "allow");
    assert_eq!(f["request_uri"], "/core/v1/namespaces/shop/pods/cart-7f9c6d8b5-x2k4q/exec");
    assert!(f.get("exec_command").is_none(), "GKE logs no command");
    assert_eq!(f["cluster"], "gke-shop-prod");
    let env = &f["envelope"];
    assert_eq!(env["shape"], "sink-jsonl");
    assert_eq!(env["log_name"], "cloudaudit.googleapis.com/activity");
    assert_eq!(env["project_id"], "shop-prod-4821");
    assert_eq!(env["code_inferred"], true);
    assert_eq!(env["receive_timestamp"], "2026-11-20T09:43:03.018550277Z");
    assert_eq!(ev.time_ns, crate::time::parse_rfc3339("2026-11-20T09:43:02.412934Z"));
    let cluster = entity(&ev, EntityKind::Cluster, "cluster").expect("cluster entity");
    assert_eq!(cluster.key, "gke-shop-prod");
    assert_eq!(cluster.attrs["provider"], "gke");
    assert_eq!(cluster.attrs["project"], "shop-prod-4821");
    assert_eq!(cluster.attrs["location"], "europe-west1");
    assert_eq!(entity(&ev, EntityKind::Pod, "target").unwrap().key, "shop/cart-7f9c6d8b5-x2k4q");
}

#[test]
fn a_gke_record_ranks_just_below_the_bare_line_of_the_same_stage() {
    let bare: Vec<NewEvent> = AUDIT_LOG.lines().map(|l| audit::parse(l.as_bytes()).unwrap()).collect();
    for id in ["38bc3e56", "8d4f2c52", "81e35f7e"] {
        let gke = parse_str(&entry(id));
        let best = bare
            .iter()
            .filter(|b| b.dedup_key == gke.dedup_key)
            .max_by_key(|b| b.rank)
            .unwrap_or_else(|| panic!("{} is in the demo log", id));
        assert_eq!(gke.rank, best.rank - 1, "{}", id);
        let received = bare.iter().filter(|b| b.dedup_key == gke.dedup_key).map(|b| b.rank).min().unwrap();
        assert!(gke.rank > received, "{}: a completed GKE record beats a RequestReceived line", id);
    }
}

#[test]
fn a_denied_request_gets_the_http_code_of_its_grpc_status() {
    let ev = parse_str(&entry("81e35f7e"));
    let f = fields(&ev);
    assert_eq!(ev.title, "list secrets in kube-system (403 Forbidden)");
    assert_eq!(f["code"], 403);
    assert_eq!(f["status"], "Failure");
    assert_eq!(f["status_reason"], "Forbidden");
    assert_eq!(f["decision"], "forbid");
    assert!(f["status_message"].as_str().unwrap().starts_with("secrets is forbidden"));
    assert_eq!(f["envelope"]["code_inferred"], true);
}

#[test]
fn a_logged_status_response_gives_the_code_as_the_api_server_answered() {
    let ev = parse_str(&entry("3b9d6f1e"));
    let f = fields(&ev);
    assert_eq!(f["code"], 409);
    assert_eq!(f["status_reason"], "AlreadyExists");
    assert!(f["envelope"].get("code_inferred").is_none());
    // A Status without a code falls back on the gRPC status.
    let mut no_code: Value = serde_json::from_str(&entry("3b9d6f1e")).unwrap();
    no_code["protoPayload"]["response"].as_object_mut().unwrap().remove("code");
    let f = fields(&parse_str(&no_code.to_string()));
    assert_eq!((f["code"].as_u64(), f["envelope"]["code_inferred"].as_bool()), (Some(409), Some(true)));
}

#[test]
fn success_codes_follow_the_kind_of_request() {
    assert_eq!(fields(&parse_str(&entry("1e0303ac")))["code"], 201, "create");
    assert_eq!(fields(&parse_str(&entry("8d4f2c52")))["code"], 200, "list");
    assert_eq!(fields(&parse_str(&entry("6d1e8b3a")))["code"], 101, "exec");
}

#[test]
fn a_non_resource_request_keeps_its_path() {
    let ev = parse_str(&entry("9693c9dc"));
    let f = fields(&ev);
    assert_eq!(ev.title, "get /api");
    assert_eq!(f["request_uri"], "/api");
    assert!(f.get("resource").is_none());
}

#[test]
fn a_placeholder_caller_ip_is_kept_as_a_fact_not_an_address() {
    let ev = parse_str(&entry("0c6b2d9e"));
    let f = fields(&ev);
    assert!(f.get("source_ip").is_none());
    assert_eq!(f["envelope"]["caller_ip"], "gce-internal-ip");
    assert!(entity(&ev, EntityKind::Ip, "source-ip").is_none());
    let loopback = fields(&parse_str(&entry("a41f0e72")));
    assert_eq!(loopback["source_ip"], "::1");
    assert!(loopback["envelope"].get("caller_ip").is_none());
}

#[test]
fn labels_are_the_annotations_and_request_bodies_give_images() {
    let ev = parse_str(&entry("c5f2a7d9"));
    let f = fields(&ev);
    assert_eq!(f["images"], serde_json::json!(["shopregistry.azurecr.io/shop/cart:2.3.1"]));
    assert_eq!(f["decision"], "allow");
    assert!(f["authz_reason"].as_str().unwrap().contains("replicaset-controller"));
}

#[test]
fn exec_options_logged_with_the_request_become_its_query() {
    let options = serde_json::json!({
        "@type": "core.k8s.io/v1.PodExecOptions", "kind": "PodExecOptions", "apiVersion": "v1",
        "command": ["/bin/sh", "-c", "id; cat /etc/passwd"], "container": "cart", "stdin": true, "tty": false
    });
    let raw = with("38bc3e56", &["protoPayload", "request"], options);
    let f = fields(&parse_str(&raw));
    assert_eq!(f["exec_command"], "/bin/sh -c id; cat /etc/passwd");
    assert_eq!(f["exec_container"], "cart");
    assert_eq!(f["exec_tty"], false);
    assert!(f["request_uri"].as_str().unwrap().ends_with("/exec?command=%2Fbin%2Fsh&command=-c&command=id%3B%20cat%20%2Fetc%2Fpasswd&container=cart&stdin=true&tty=false"));
}

#[test]
fn the_cluster_comes_from_the_import_when_the_entry_names_none() {
    let mut v: Value = serde_json::from_str(&entry("8d4f2c52")).unwrap();
    v.as_object_mut().unwrap().remove("resource");
    let hint = Hint::default();
    let ctx = Context { hint: &hint, cluster: Some("named"), path: "", inner: None };
    let ev = parse(v.to_string().as_bytes(), &ctx).unwrap();
    let c = entity(&ev, EntityKind::Cluster, "cluster").unwrap();
    assert_eq!((c.key.as_str(), &c.attrs["named_by"]), ("named", &Value::from("import")));
}

#[test]
fn peek_agrees_with_parse() {
    for raw in entries() {
        let ev = parse_str(&raw);
        match peek(raw.as_bytes(), &Context::new(&Hint::default())) {
            Some((key, rank)) => {
                assert_eq!(ev.source, Source::K8sAudit);
                assert_eq!((Some(key), rank), (ev.dedup_key.clone(), ev.rank), "{}", ev.title);
                assert!(validate(raw.as_bytes()));
            }
            None => assert_eq!(ev.source, Source::GcpAudit, "{}", ev.title),
        }
    }
    assert!(!validate(b"{\"insertId\":"));
}

#[test]
fn cluster_management_calls_are_cloud_audit_events() {
    let ev = parse_str(&entry("-r5v2m8e1c4d0"));
    let f = &ev.fields;
    assert_eq!((ev.source, ev.severity), (Source::GcpAudit, Severity::Info));
    assert_eq!(ev.title, "SetNodePoolSize clusters/gke-shop-prod/nodePools/default-pool");
    assert_eq!(ev.rule.as_deref(), Some("google.container.v1.ClusterManager.SetNodePoolSize"));
    assert_eq!(f["service"], "container.googleapis.com");
    assert_eq!(f["user"], "maria.lopez@shop-example.com");
    assert_eq!(f["source_ip"], "192.0.2.17");
    assert_eq!(f["grpc_code"], 0);
    assert_eq!(f["decision"], "allow");
    assert_eq!(f["cluster"], "gke-shop-prod");
    assert_eq!(f["request_type"], "google.container.v1.SetNodePoolSizeRequest");
    assert_eq!(f["envelope"]["node_pool"], "default-pool");
    assert_eq!(f["envelope"]["operation_id"], "operation-1795601205339-4e2b7d1c-8f3a-4a6e-b1d0-3c9e5f7a2b84");
    let actor = entity(&ev, EntityKind::Identity, "actor").unwrap();
    assert_eq!((actor.key.as_str(), &actor.attrs["provider"]), ("maria.lopez@shop-example.com", &Value::from("gcp")));
    let cluster = entity(&ev, EntityKind::Cluster, "cluster").unwrap();
    assert_eq!(cluster.attrs["project"], "shop-prod-4821");
    assert!(ev.dedup_key.as_deref().unwrap().starts_with("gcp-audit|projects/shop-prod-4821/logs/"));
    // The operation's last entry is an event of its own.
    let done = parse_str(&entry("-r5v2m8e1c4d7"));
    assert_ne!(done.dedup_key, ev.dedup_key);
}

#[test]
fn the_cluster_of_a_management_call_can_come_from_its_resource_name() {
    let mut v: Value = serde_json::from_str(&entry("1k9xq7e2b3fa")).unwrap();
    v["resource"] = serde_json::json!({"type": "gke_cluster", "labels": {"project_id": "shop-prod-4821"}});
    v["protoPayload"]["resourceName"] = "projects/shop-prod-4821/zones/europe-west1-b/clusters/gke-shop-dev".into();
    let ev = parse_str(&v.to_string());
    let c = entity(&ev, EntityKind::Cluster, "cluster").unwrap();
    assert_eq!((c.key.as_str(), &c.attrs["location"]), ("gke-shop-dev", &Value::from("europe-west1-b")));
    assert_eq!(ev.title, "GetCluster clusters/gke-shop-dev");
}

#[test]
fn a_denied_cloud_call_names_the_kubernetes_account_behind_workload_identity() {
    let ev = parse_str(&entry("1m3ph8e4n7vq"));
    assert_eq!(ev.title, "ListClusters locations/- (PERMISSION_DENIED)");
    assert_eq!(ev.severity, Severity::Medium);
    assert_eq!(ev.fields["decision"], "forbid");
    assert_eq!(ev.fields["grpc_status"], "PERMISSION_DENIED");
    assert_eq!(ev.fields["permissions"], serde_json::json!(["container.clusters.list"]));
    assert!(entity(&ev, EntityKind::Cluster, "cluster").is_none(), "ListClusters names no cluster");
    let sa = entity(&ev, EntityKind::Identity, "workload-identity").unwrap();
    assert_eq!(sa.key, "system:serviceaccount:shop:cart");
    let token = parse_str(&entry("1u7dz3e9q2kx"));
    assert_eq!(
        entity(&token, EntityKind::Identity, "actor").unwrap().key,
        "serviceAccount:shop-prod-4821.svc.id.goog[shop/cart]"
    );
    assert_eq!(
        entity(&token, EntityKind::Identity, "workload-identity").unwrap().key,
        "system:serviceaccount:shop:cart"
    );
    assert_eq!(
        cloud::kubernetes_service_account("serviceAccount:p.svc.id.goog[ns/sa]").as_deref(),
        Some("system:serviceaccount:ns:sa")
    );
    assert_eq!(cloud::kubernetes_service_account("serviceAccount:robot@p.iam.gserviceaccount.com"), None);
    assert_eq!(cloud::kubernetes_service_account("serviceAccount:p.svc.id.goog[nsonly]"), None);
}

fn context_in<'a>(hint: &'a Hint, path: &'a str) -> Context<'a> {
    Context { hint, cluster: None, path, inner: None }
}

fn hint(key: &'static str) -> Hint {
    Hint { container: Some(Arc::new(Container { key, page: 1, facts: Map::new() })), ..Hint::default() }
}

fn shape_of(raw: &str, ctx: &Context) -> String {
    let ev = parse(raw.as_bytes(), ctx).unwrap();
    fields(&ev)["envelope"]["shape"].as_str().unwrap().to_string()
}

#[test]
fn the_shape_comes_from_the_container_the_key_order_and_the_name() {
    let sorted = entry("8d4f2c52");
    // The item's own bytes: a decoded `Value` would sort its keys.
    let console: Vec<&serde_json::value::RawValue> =
        serde_json::from_str(include_str!("../../../fixtures/samples/gke/downloaded-logs-20261120-101502.json"))
            .unwrap();
    let console_entry = console[0].get();
    let pretty = include_str!("../../../fixtures/samples/gke/logs-explorer-entry.json");
    let (array, yaml, none) = (hint("["), hint("---"), Hint::default());
    assert_eq!(shape_of(&sorted, &context_in(&array, "gcloud-read.json")), "gcloud-json");
    assert_eq!(
        shape_of(&sorted, &context_in(&array, "case/downloaded-logs-20261120-101502.json")),
        "logs-explorer-json"
    );
    assert_eq!(shape_of(console_entry, &context_in(&array, "export.json")), "logs-explorer-json");
    assert_eq!(shape_of(&sorted, &context_in(&yaml, "read.yaml")), "gcloud-yaml");
    assert_eq!(shape_of(&sorted, &context_in(&none, "09:00:00_09:59:59_S0.json")), "sink-jsonl");
    assert_eq!(shape_of(pretty, &context_in(&none, "entry.json")), "logs-explorer-json");
}

#[test]
fn bad_entries_are_refused_with_their_reasons() {
    let expected = [
        (0, None),
        (1, Some("a LogEntry without protoPayload (it has textPayload)")),
        (2, Some("a k8s.io audit log entry without insertId")),
        (3, Some("\"exec\" is no Kubernetes verb")),
        (4, Some("LogEntry field protoPayload.methodName is an array, not a string")),
        (5, Some("invalid JSON: EOF while parsing")),
        (6, Some("LogEntry field insertId is a number, not a string (a YAML file written without quotes?)")),
        (7, Some("LogEntry field labels.authorization.k8s.io/decision is a boolean, not a string")),
        (8, Some("LogEntry field protoPayload.status is a string, not an object")),
        (9, Some("resourceName \"core\" names no Kubernetes resource")),
        (10, Some("protoPayload is a type.googleapis.com/google.cloud.bigquery.logging.v1.AuditData, not a google.cloud.audit.AuditLog")),
        (11, None),
    ];
    let lines: Vec<&str> = BAD.lines().collect();
    assert_eq!(lines.len(), expected.len());
    for (i, want) in expected {
        let got = parse(lines[i].as_bytes(), &Context::new(&Hint::default()));
        match (want, got) {
            (None, Ok(_)) => {}
            (Some(reason), Err(e)) => {
                assert!(e.reason.contains(reason), "line {}: {:?} does not say {:?}", i + 1, e.reason, reason);
                assert!(!e.skip, "line {} is an error, not a skip", i + 1);
            }
            (want, got) => panic!("line {}: wanted {:?}, got {:?}", i + 1, want, got.map(|e| e.title)),
        }
    }
}

#[test]
fn other_wrong_types_are_refused_too() {
    let cases = [
        (with("8d4f2c52", &["timestamp"], "yesterday".into()), "is not an RFC 3339 time"),
        (
            with("8d4f2c52", &["protoPayload", "requestMetadata"], "203.0.113.45".into()),
            "protoPayload.requestMetadata is a string",
        ),
        (
            with("8d4f2c52", &["protoPayload", "status", "code"], serde_json::json!({"n": 7})),
            "protoPayload.status.code is an object",
        ),
        (with("8d4f2c52", &["protoPayload", "response"], serde_json::json!([1])), "protoPayload.response is an array"),
        (
            with("3b9d6f1e", &["protoPayload", "response", "code"], "Conflict".into()),
            "protoPayload.response.code is a string",
        ),
        (with("8d4f2c52", &["resource"], "k8s_cluster".into()), "LogEntry field resource is a string"),
        (with("8d4f2c52", &["protoPayload", "serviceName"], Value::Null), "without protoPayload.serviceName"),
        (with("8d4f2c52", &["protoPayload", "@type"], Value::Null), "protoPayload has no @type"),
        ("[1, 2]".to_string(), "a LogEntry must be a JSON object, not an array"),
    ];
    for (raw, reason) in cases {
        let e = parse(raw.as_bytes(), &Context::new(&Hint::default())).expect_err(reason);
        assert!(e.reason.contains(reason), "{:?} does not say {:?}", e.reason, reason);
    }
}

#[test]
fn log_names_and_escapes_decode() {
    assert_eq!(entry::url_decode("cloudaudit.googleapis.com%2Factivity"), "cloudaudit.googleapis.com/activity");
    assert_eq!(entry::url_decode("100%25%2f%zz%"), "100%/%zz%");
    let p = entry::cluster_path("projects/p/locations/europe-west1/clusters/c/nodePools/n").unwrap();
    assert_eq!((p.project, p.location, p.cluster), ("p", "europe-west1", "c"));
    assert!(entry::cluster_path("projects/p/locations/-").is_none());
    assert!(entry::cluster_path("projects/p/locations/-/clusters/c").is_none());
}

#[test]
fn grpc_codes_map_to_http_answers() {
    let denied = grpc::code(7).unwrap();
    assert_eq!((denied.name, denied.http, denied.reason), ("PERMISSION_DENIED", 403, Some("Forbidden")));
    assert_eq!(grpc::code(5).unwrap().http, 404);
    assert_eq!(grpc::code(16).unwrap().http, 401);
    assert!(grpc::code(17).is_none());
    let unknown = with("81e35f7e", &["protoPayload", "status", "code"], 42.into());
    let f = fields(&parse_str(&unknown));
    assert_eq!((f["code"].as_u64(), f.get("status_reason")), (Some(500), None));
}
