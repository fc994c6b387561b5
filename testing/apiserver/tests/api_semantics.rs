//! Kubernetes semantics beyond the everyday calls, still through the real
//! kube client (raw requests go through `Client::request_text`, so TLS, auth
//! and error decoding stay real): JSON patch, apply, finalizers, eviction,
//! status writes, validation, metadata-only lists, discovery, and the
//! `kordon-fake-cluster` binary.

mod common;
use common::{client, client_from_yaml};
use std::io::{BufRead, BufReader, Write};
use std::process::{Command, Stdio};

use k8s_openapi::api::core::v1::{ConfigMap, Pod};
use kube::api::{Api, DeleteParams, EvictParams, ListParams, Patch, PatchParams, PostParams};
use kordon_test_apiserver::{Cluster, Server};
use serde_json::{json, Value};


fn cluster() -> Cluster {
    let mut c = Cluster::empty();
    c.add(json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "shop"}}));
    for (name, app) in [("cart", "cart"), ("cart-2", "cart"), ("payments", "payments")] {
        c.add(json!({
            "apiVersion": "v1", "kind": "Pod",
            "metadata": {"name": name, "namespace": "shop", "labels": {"app": app}},
            "spec": {"containers": [{"name": "app", "image": "registry.example/app:1"}], "nodeName": "node-1"},
            "status": {"phase": "Running"},
        }));
    }
    c
}

fn api_error(e: kube::Error) -> kube::core::Status {
    match e {
        kube::Error::Api(status) => *status,
        other => panic!("expected an API error, got {other:?}"),
    }
}

fn raw(method: &str, path: &str, content_type: &str, body: Value) -> http::Request<Vec<u8>> {
    http::Request::builder()
        .method(method)
        .uri(path)
        .header("content-type", content_type)
        .body(body.to_string().into_bytes())
        .expect("request builds")
}

#[tokio::test]
async fn json_patch_applies_operations_and_a_failed_test_is_422() {
    let server = Server::start(cluster());
    let client = client(&server).await;
    let path = "/api/v1/namespaces/shop/pods/cart";
    let ops = json!([
        {"op": "test", "path": "/metadata/labels/app", "value": "cart"},
        {"op": "add", "path": "/metadata/labels/kordon.io~1quarantined", "value": "true"},
    ]);
    let text = client.request_text(raw("PATCH", path, "application/json-patch+json", ops)).await.expect("patched");
    let pod: Value = serde_json::from_str(&text).expect("json");
    assert_eq!(pod["metadata"]["labels"]["kordon.io/quarantined"], json!("true"));

    let failing = json!([{"op": "test", "path": "/metadata/labels/app", "value": "payments"}]);
    let status = api_error(client.request_text(raw("PATCH", path, "application/json-patch+json", failing)).await.expect_err("test op fails"));
    assert_eq!((status.code, status.reason.as_str()), (422, "Invalid"));

    let status = api_error(client.request_text(raw("PATCH", path, "text/plain", json!({}))).await.expect_err("media type"));
    assert_eq!((status.code, status.reason.as_str()), (415, "UnsupportedMediaType"));
}

#[tokio::test]
async fn watch_is_refused_and_unknown_resources_are_404() {
    let server = Server::start(cluster());
    let client = client(&server).await;
    let get = |uri: &str| http::Request::builder().uri(uri).body(Vec::new()).expect("request");
    let status = api_error(client.request_text(get("/api/v1/namespaces/shop/pods?watch=true")).await.expect_err("no watch"));
    assert_eq!(status.code, 405);
    let status = api_error(client.request_text(get("/apis/example.com/v1/widgets")).await.expect_err("unknown"));
    assert_eq!((status.code, status.message.as_str()), (404, "the server could not find the requested resource"));
}

#[tokio::test]
async fn discovery_describes_the_served_resources() {
    let server = Server::start(cluster());
    let client = client(&server).await;
    assert_eq!(client.list_core_api_versions().await.expect("core").versions, ["v1"]);
    let groups = client.list_api_groups().await.expect("groups");
    let networking = groups.groups.iter().find(|g| g.name == "networking.k8s.io").expect("networking group");
    assert_eq!(networking.preferred_version.as_ref().map(|v| v.group_version.as_str()), Some("networking.k8s.io/v1"));
    let apps = client.list_api_group_resources("apps/v1").await.expect("apps/v1");
    let scale = apps.resources.iter().find(|r| r.name == "deployments/scale").expect("scale subresource");
    assert_eq!((scale.kind.as_str(), scale.group.as_deref()), ("Scale", Some("autoscaling")));
}

#[tokio::test]
async fn generate_name_gets_a_random_suffix() {
    let server = Server::start(cluster());
    let maps: Api<ConfigMap> = Api::namespaced(client(&server).await, "shop");
    let cm: ConfigMap = serde_json::from_value(json!({"metadata": {"generateName": "kordon-evidence-"}})).expect("cm");
    let created = maps.create(&PostParams::default(), &cm).await.expect("created");
    let name = created.metadata.name.expect("named");
    assert!(name.starts_with("kordon-evidence-") && name.len() == "kordon-evidence-".len() + 5, "{name}");
    assert!(server.object("v1/configmaps", Some("shop"), &name).is_some());
}

#[tokio::test]
async fn finalizers_hold_a_deleted_object_until_removed() {
    let server = Server::start(cluster());
    let maps: Api<ConfigMap> = Api::namespaced(client(&server).await, "shop");
    let cm: ConfigMap = serde_json::from_value(json!({"metadata": {"name": "held", "finalizers": ["kordon.io/evidence"]}})).expect("cm");
    maps.create(&PostParams::default(), &cm).await.expect("created");

    let answer = maps.delete("held", &DeleteParams::default()).await.expect("marked");
    let marked = answer.left().expect("answered with the object");
    assert!(marked.metadata.deletion_timestamp.is_some());
    assert!(server.object("v1/configmaps", Some("shop"), "held").is_some(), "finalizer holds it");

    let release = json!({"metadata": {"finalizers": null}});
    maps.patch("held", &PatchParams::default(), &Patch::Merge(&release)).await.expect("released");
    assert!(server.object("v1/configmaps", Some("shop"), "held").is_none(), "gone with its last finalizer");
}

#[tokio::test]
async fn delete_collection_and_eviction_remove_pods() {
    let server = Server::start(cluster());
    let pods: Api<Pod> = Api::namespaced(client(&server).await, "shop");
    let deleted = pods
        .delete_collection(&DeleteParams::default(), &ListParams::default().labels("app=cart"))
        .await
        .expect("deleted")
        .left()
        .expect("a list of what was deleted");
    let names: Vec<_> = deleted.items.iter().filter_map(|p| p.metadata.name.clone()).collect();
    assert_eq!(names, ["cart", "cart-2"]);
    assert_eq!(server.objects("v1/pods", Some("shop")).len(), 1);

    let dry = EvictParams { post_options: PostParams { dry_run: true, ..Default::default() }, ..Default::default() };
    pods.evict("payments", &dry).await.expect("dry-run eviction");
    assert!(server.object("v1/pods", Some("shop"), "payments").is_some());
    pods.evict("payments", &EvictParams::default()).await.expect("evicted");
    assert!(server.object("v1/pods", Some("shop"), "payments").is_none());
    assert_eq!(api_error(pods.evict("payments", &EvictParams::default()).await.expect_err("gone")).code, 404);
}

#[tokio::test]
async fn status_writes_go_through_the_status_subresource_only() {
    let server = Server::start(cluster());
    let pods: Api<Pod> = Api::namespaced(client(&server).await, "shop");
    let status = json!({"status": {"phase": "Failed"}, "metadata": {"labels": {"ignored": "yes"}}});
    let updated = pods.patch_status("cart", &PatchParams::default(), &Patch::Merge(&status)).await.expect("status patched");
    assert_eq!(updated.status.and_then(|s| s.phase).as_deref(), Some("Failed"));
    assert!(!updated.metadata.labels.unwrap_or_default().contains_key("ignored"));
}

#[tokio::test]
async fn server_side_apply_creates_then_merges() {
    let server = Server::start(cluster());
    let maps: Api<ConfigMap> = Api::namespaced(client(&server).await, "shop");
    let params = PatchParams::apply("kordon").force();
    let first = json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "applied"}, "data": {"a": "1"}});
    maps.patch("applied", &params, &Patch::Apply(&first)).await.expect("created by apply");
    let second = json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "applied"}, "data": {"b": "2"}});
    let merged = maps.patch("applied", &params, &Patch::Apply(&second)).await.expect("applied again");
    assert_eq!(merged.data.unwrap_or_default().get("b").map(String::as_str), Some("2"));
}

#[tokio::test]
async fn validation_rejects_bad_labels_and_pod_spec_changes() {
    let server = Server::start(cluster());
    let pods: Api<Pod> = Api::namespaced(client(&server).await, "shop");
    let label = json!({"metadata": {"labels": {"kordon.io/quarantined-at": "2024-05-01T10:00:00Z"}}});
    let status = api_error(pods.patch("cart", &PatchParams::default(), &Patch::Merge(&label)).await.expect_err("bad value"));
    assert_eq!((status.code, status.reason.as_str()), (422, "Invalid"));
    assert!(status.message.starts_with("Pod \"cart\" is invalid: metadata.labels: Invalid value: \"2024-05-01T10:00:00Z\""), "{}", status.message);

    let move_it = json!({"spec": {"nodeName": "node-2"}});
    let status = api_error(pods.patch("cart", &PatchParams::default(), &Patch::Merge(&move_it)).await.expect_err("immutable"));
    assert_eq!(status.code, 422);
    assert!(status.message.contains("pod updates may not change fields other than"), "{}", status.message);

    let image = json!({"spec": {"containers": [{"name": "app", "image": "registry.example/app:2"}]}});
    pods.patch("cart", &PatchParams::default(), &Patch::Strategic(&image)).await.expect("image may change");
}

#[tokio::test]
async fn replace_checks_resource_version_and_dry_run_patch_persists_nothing() {
    let server = Server::start(cluster());
    let pods: Api<Pod> = Api::namespaced(client(&server).await, "shop");
    let mut cart = pods.get("cart").await.expect("cart");
    let rv = server.resource_version();

    let label = json!({"metadata": {"labels": {"dry": "run"}}});
    let answer = pods.patch("cart", &PatchParams { dry_run: true, ..Default::default() }, &Patch::Merge(&label)).await.expect("dry run");
    assert!(answer.metadata.labels.unwrap_or_default().contains_key("dry"));
    assert_eq!(server.resource_version(), rv, "dry run bumps nothing");
    assert!(server.object("v1/pods", Some("shop"), "cart").expect("cart")["metadata"]["labels"].get("dry").is_none());

    cart.metadata.labels.get_or_insert_with(Default::default).insert("replaced".into(), "yes".into());
    let replaced = pods.replace("cart", &PostParams::default(), &cart).await.expect("replaced");
    assert_ne!(replaced.metadata.resource_version, cart.metadata.resource_version);
    let status = api_error(pods.replace("cart", &PostParams::default(), &cart).await.expect_err("stale"));
    assert_eq!((status.code, status.reason.as_str()), (409, "Conflict"));
}

#[tokio::test]
async fn metadata_only_lists_answer_partial_objects() {
    let server = Server::start(cluster());
    let client = client(&server).await;
    let pods: Api<Pod> = Api::namespaced(client.clone(), "shop");
    let list = pods.list_metadata(&ListParams::default().labels("app=cart")).await.expect("metadata list");
    let names: Vec<_> = list.items.iter().filter_map(|p| p.metadata.name.clone()).collect();
    assert_eq!(names, ["cart", "cart-2"]);

    let request = http::Request::builder()
        .uri("/api/v1/namespaces/shop/pods?labelSelector=app%3Dcart")
        .header("accept", "application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1")
        .body(Vec::new())
        .expect("request");
    let body: Value = serde_json::from_str(&client.request_text(request).await.expect("answered")).expect("json");
    assert_eq!(body["kind"], json!("PartialObjectMetadataList"));
    assert_eq!(body["items"][0]["kind"], json!("PartialObjectMetadata"));
    assert!(body["items"][0].get("spec").is_none(), "metadata only");
}

#[test]
fn put_remove_and_objects_steer_the_cluster_from_the_test() {
    let server = Server::start(cluster());
    let rv = server.resource_version();
    server.put(json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "x", "namespace": "shop", "uid": "keep-me"}}));
    let stored = server.object("v1/configmaps", Some("shop"), "x").expect("put");
    assert_eq!(stored["metadata"]["uid"], json!("keep-me"));
    assert_eq!(stored["metadata"]["resourceVersion"], json!((rv + 1).to_string()));
    assert_eq!(server.objects("v1/pods", None).len(), 3);
    server.remove("v1/configmaps", Some("shop"), "x");
    assert!(server.object("v1/configmaps", Some("shop"), "x").is_none());
    assert_eq!(server.objects("v1/namespaces", None).len(), 1);
}

#[tokio::test]
async fn fake_cluster_binary_serves_seeds_and_writes_a_kubeconfig() {
    let dir = std::env::temp_dir().join(format!("kordon-fake-cluster-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let kubeconfig = dir.join("kubeconfig.yaml");
    let seed = concat!(env!("CARGO_MANIFEST_DIR"), "/../../fixtures/demo/src/snapshot.json");
    let mut child = Command::new(env!("CARGO_BIN_EXE_kordon-fake-cluster"))
        .args(["--seed", seed, "--kubeconfig"])
        .arg(&kubeconfig)
        .args(["--context", "demo", "--exit-on-stdin-eof"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("binary starts");
    let mut url = String::new();
    BufReader::new(child.stdout.take().expect("stdout")).read_line(&mut url).expect("prints the URL");
    assert!(url.trim().starts_with("https://127.0.0.1:"), "{url}");

    let yaml = std::fs::read_to_string(&kubeconfig).expect("kubeconfig written");
    assert!(yaml.contains("current-context: \"demo\""));
    let pods: Api<Pod> = Api::namespaced(client_from_yaml(&yaml).await, "shop");
    let cart = pods.get("cart-7f9c6d8b5-x2k4q").await.expect("seeded pod served");
    assert_eq!(cart.metadata.uid.as_deref(), Some("5073bb1d-f9d3-4ee8-9817-7e92b9975677"));

    let mut stdin = child.stdin.take().expect("stdin");
    stdin.flush().expect("flush");
    drop(stdin);
    let status = child.wait().expect("exits");
    assert!(status.success());
    let _ = std::fs::remove_dir_all(&dir);
}
