//! The fake cluster driven by the real kube client: if these pass, the
//! client's TLS, auth, error decoding and paging all work against it as they
//! would against a real API server.

mod common;
use common::{client, client_from_yaml};
use k8s_openapi::api::apps::v1::Deployment;
use k8s_openapi::api::authentication::v1::SelfSubjectReview;
use k8s_openapi::api::authorization::v1::{ResourceAttributes, SelfSubjectAccessReview, SelfSubjectAccessReviewSpec};
use k8s_openapi::api::core::v1::{ConfigMap, Pod};
use k8s_openapi::api::networking::v1::NetworkPolicy;
use kube::api::{Api, DeleteParams, ListParams, LogParams, Patch, PatchParams, PostParams, Preconditions};
use kordon_test_apiserver::{Cluster, Fault, Match, Server};
use serde_json::{json, Value};


fn pod(ns: &str, name: &str, labels: Value, containers: &[&str]) -> Value {
    let containers: Vec<Value> = containers.iter().map(|c| json!({"name": c, "image": "registry.example/app:1"})).collect();
    json!({
        "apiVersion": "v1", "kind": "Pod",
        "metadata": {"name": name, "namespace": ns, "labels": labels},
        "spec": {"containers": containers, "nodeName": "node-1"},
        "status": {"phase": "Running"},
    })
}

fn shop_cluster() -> Cluster {
    let mut c = Cluster::empty();
    c.add(json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "shop"}}));
    c.add(pod("shop", "cart", json!({"app": "cart", "tier": "web"}), &["app"]));
    c.add(pod("shop", "cart-2", json!({"app": "cart", "tier": "web"}), &["app", "sidecar"]));
    c.add(pod("shop", "payments", json!({"app": "payments"}), &["app"]));
    c.add(pod("other", "cart", json!({"app": "cart"}), &["app"]));
    c
}

fn api_error(e: kube::Error) -> kube::core::Status {
    match e {
        kube::Error::Api(status) => *status,
        other => panic!("expected an API error, got {other:?}"),
    }
}

fn names<K: kube::Resource>(items: &[K]) -> Vec<String> {
    items.iter().map(|o| o.meta().name.clone().unwrap_or_default()).collect()
}

#[tokio::test]
async fn list_pods_filters_by_label_and_field_selectors() {
    let server = Server::start(shop_cluster());
    let pods: Api<Pod> = Api::namespaced(client(&server).await, "shop");

    let cart = pods.list(&ListParams::default().labels("app=cart")).await.expect("lists");
    assert_eq!(names(&cart.items), ["cart", "cart-2"]);
    assert_eq!(cart.metadata.resource_version.as_deref(), Some(server.resource_version().to_string().as_str()));

    let set = pods.list(&ListParams::default().labels("app in (cart,payments),tier!=web")).await.expect("lists");
    assert_eq!(names(&set.items), ["payments"]);

    let everywhere: Api<Pod> = Api::all(client(&server).await);
    let by_name = everywhere.list(&ListParams::default().fields("metadata.name=cart,spec.nodeName=node-1")).await.expect("lists");
    let keys: Vec<_> = by_name.items.iter().map(|p| (p.metadata.namespace.clone().unwrap_or_default(), p.metadata.name.clone().unwrap_or_default())).collect();
    assert_eq!(keys, [("other".to_string(), "cart".to_string()), ("shop".to_string(), "cart".to_string())]);

    let bad = everywhere.list(&ListParams::default().fields("spec.nope=x")).await.expect_err("unsupported field");
    let status = api_error(bad);
    assert_eq!((status.code, status.reason.as_str()), (400, "BadRequest"));
    assert_eq!(status.message, "field label not supported: spec.nope");
}

#[tokio::test]
async fn get_missing_pod_is_404_not_found() {
    let server = Server::start(shop_cluster());
    let pods: Api<Pod> = Api::namespaced(client(&server).await, "shop");
    let status = api_error(pods.get("ghost").await.expect_err("missing"));
    assert_eq!((status.code, status.reason.as_str()), (404, "NotFound"));
    assert_eq!(status.message, "pods \"ghost\" not found");
    assert_eq!(pods.get_opt("ghost").await.expect("get_opt maps 404"), None);
}

#[tokio::test]
async fn dry_run_create_persists_nothing_then_real_create_assigns_uid() {
    let server = Server::start(shop_cluster());
    let policies: Api<NetworkPolicy> = Api::namespaced(client(&server).await, "shop");
    let policy: NetworkPolicy = serde_json::from_value(json!({
        "apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy",
        "metadata": {"name": "kordon-quarantine-cart", "namespace": "shop"},
        "spec": {"podSelector": {"matchLabels": {"app": "cart"}}, "policyTypes": ["Ingress", "Egress"]},
    }))
    .expect("valid policy");
    let rv_before = server.resource_version();

    let dry = policies.create(&PostParams { dry_run: true, ..Default::default() }, &policy).await.expect("dry run");
    assert!(dry.metadata.uid.is_some(), "a dry run answers as if created");
    assert_eq!(server.object("networking.k8s.io/v1/networkpolicies", Some("shop"), "kordon-quarantine-cart"), None);
    assert_eq!(server.resource_version(), rv_before);

    let created = policies.create(&PostParams::default(), &policy).await.expect("creates");
    let uid = created.metadata.uid.clone().expect("uid assigned");
    assert_eq!(uid.len(), 36);
    assert_eq!(created.metadata.resource_version, Some(server.resource_version().to_string()));
    let stored = server.object("networking.k8s.io/v1/networkpolicies", Some("shop"), "kordon-quarantine-cart").expect("persisted");
    assert_eq!(stored["metadata"]["uid"], json!(uid));

    let again = api_error(policies.create(&PostParams::default(), &policy).await.expect_err("exists"));
    assert_eq!((again.code, again.reason.as_str()), (409, "AlreadyExists"));
    assert_eq!(again.message, "networkpolicies.networking.k8s.io \"kordon-quarantine-cart\" already exists");

    let nowhere: Api<NetworkPolicy> = Api::namespaced(client(&server).await, "missing-ns");
    let status = api_error(nowhere.create(&PostParams::default(), &policy).await.expect_err("namespace differs"));
    assert_eq!(
        (status.code, status.message.as_str()),
        (400, "the namespace of the provided object does not match the namespace sent on the request")
    );
    let mut unplaced = policy.clone();
    unplaced.metadata.namespace = None;
    let status = api_error(nowhere.create(&PostParams::default(), &unplaced).await.expect_err("no namespace"));
    assert_eq!((status.code, status.message.as_str()), (404, "namespaces \"missing-ns\" not found"));
}

#[tokio::test]
async fn merge_patch_with_wrong_uid_is_a_409_precondition_failure() {
    let server = Server::start(shop_cluster());
    let pods: Api<Pod> = Api::namespaced(client(&server).await, "shop");
    let uid = pods.get("cart").await.expect("exists").metadata.uid.expect("has uid");

    let wrong = json!({"metadata": {"uid": "00000000-0000-4000-8000-000000000000", "labels": {"quarantine": "true"}}});
    let status = api_error(pods.patch("cart", &PatchParams::default(), &Patch::Merge(&wrong)).await.expect_err("uid differs"));
    assert_eq!((status.code, status.reason.as_str()), (409, "Conflict"));
    assert!(
        status.message.contains(&format!(
            "Precondition failed: UID in precondition: 00000000-0000-4000-8000-000000000000, UID in object meta: {uid}"
        )),
        "{}",
        status.message
    );
    assert_eq!(server.object("v1/pods", Some("shop"), "cart").expect("kept")["metadata"]["labels"].get("quarantine"), None);

    let right = json!({"metadata": {"uid": uid, "labels": {"quarantine": "true", "tier": null}}});
    let patched = pods.patch("cart", &PatchParams::default(), &Patch::Merge(&right)).await.expect("uid matches");
    let labels = patched.metadata.labels.expect("labels");
    assert_eq!(labels.get("quarantine").map(String::as_str), Some("true"));
    assert!(!labels.contains_key("tier"), "null deletes in a merge patch");

    let stale = json!({"metadata": {"resourceVersion": "1", "labels": {"x": "y"}}});
    let status = api_error(pods.patch("cart", &PatchParams::default(), &Patch::Merge(&stale)).await.expect_err("stale"));
    assert_eq!(status.code, 409);
    assert!(status.message.ends_with("the object has been modified; please apply your changes to the latest version and try again"));
}

#[tokio::test]
async fn strategic_patch_merges_containers_and_keeps_status() {
    let server = Server::start(shop_cluster());
    let pods: Api<Pod> = Api::namespaced(client(&server).await, "shop");
    let p = json!({"spec": {"containers": [{"name": "sidecar", "image": "registry.example/sidecar:2"}]}, "status": {"phase": "Failed"}});
    let patched = pods.patch("cart-2", &PatchParams::default(), &Patch::Strategic(&p)).await.expect("patches");
    let spec = patched.spec.expect("spec");
    let images: Vec<_> = spec.containers.iter().map(|c| (c.name.as_str(), c.image.as_deref().unwrap_or(""))).collect();
    assert_eq!(images, [("app", "registry.example/app:1"), ("sidecar", "registry.example/sidecar:2")]);
    assert_eq!(patched.status.and_then(|s| s.phase).as_deref(), Some("Running"), "status is written through /status only");
    assert_eq!(server.requests().last().and_then(|r| r.content_type.clone()).as_deref(), Some("application/strategic-merge-patch+json"));
}

#[tokio::test]
async fn delete_with_wrong_uid_precondition_conflicts_and_keeps_the_pod() {
    let server = Server::start(shop_cluster());
    let pods: Api<Pod> = Api::namespaced(client(&server).await, "shop");
    let uid = pods.get("cart").await.expect("exists").metadata.uid.expect("uid");

    let wrong = DeleteParams {
        preconditions: Some(Preconditions { uid: Some("11111111-1111-4111-8111-111111111111".into()), resource_version: None }),
        ..Default::default()
    };
    let status = api_error(pods.delete("cart", &wrong).await.expect_err("precondition"));
    assert_eq!((status.code, status.reason.as_str()), (409, "Conflict"));
    assert_eq!(
        status.message,
        format!(
            "Operation cannot be fulfilled on pods \"cart\": StorageError: invalid object, Code: 4, Key: /registry/pods/shop/cart, ResourceVersion: 0, AdditionalErrorMsg: Precondition failed: UID in precondition: 11111111-1111-4111-8111-111111111111, UID in object meta: {uid}"
        )
    );
    assert!(server.object("v1/pods", Some("shop"), "cart").is_some());

    let dry = DeleteParams { dry_run: true, preconditions: Some(Preconditions { uid: Some(uid.clone()), resource_version: None }), ..Default::default() };
    pods.delete("cart", &dry).await.expect("dry run delete");
    assert!(server.object("v1/pods", Some("shop"), "cart").is_some(), "dry run deletes nothing");

    let right = DeleteParams { grace_period_seconds: Some(0), preconditions: Some(Preconditions { uid: Some(uid), resource_version: None }), ..Default::default() };
    let answer = pods.delete("cart", &right).await.expect("deletes");
    assert!(answer.left().is_some(), "a pod delete answers with the pod");
    assert!(server.object("v1/pods", Some("shop"), "cart").is_none());
    let recorded = server.requests();
    let last = recorded.last().expect("recorded");
    assert_eq!(last.method, "DELETE");
    assert!(last.body.contains("\"gracePeriodSeconds\":0"), "{}", last.body);
}

#[tokio::test]
async fn deny_refuses_access_reviews_and_requests_with_real_messages() {
    let server = Server::start(shop_cluster());
    server.set_identity("alice@example.com", &["incident-responders", "system:authenticated"]);
    server.deny("delete", "", "pods", None);
    server.forbid_only("create", "networking.k8s.io", "networkpolicies");
    let client = client(&server).await;

    let review = |verb: &str, group: &str, resource: &str| SelfSubjectAccessReview {
        spec: SelfSubjectAccessReviewSpec {
            resource_attributes: Some(ResourceAttributes {
                namespace: Some("shop".into()),
                verb: Some(verb.into()),
                group: Some(group.into()),
                resource: Some(resource.into()),
                ..Default::default()
            }),
            ..Default::default()
        },
        ..Default::default()
    };
    let reviews: Api<SelfSubjectAccessReview> = Api::all(client.clone());
    let denied = reviews.create(&PostParams::default(), &review("delete", "", "pods")).await.expect("review");
    let status = denied.status.expect("status");
    assert!(!status.allowed);
    assert!(status.reason.is_some_and(|r| !r.is_empty()));
    let allowed = reviews.create(&PostParams::default(), &review("get", "", "pods")).await.expect("review");
    assert!(allowed.status.expect("status").allowed);
    let preflight = reviews.create(&PostParams::default(), &review("create", "networking.k8s.io", "networkpolicies")).await.expect("review");
    assert!(preflight.status.expect("status").allowed, "forbid_only keeps reviews saying yes");

    let pods: Api<Pod> = Api::namespaced(client.clone(), "shop");
    let status = api_error(pods.delete("cart", &DeleteParams::default()).await.expect_err("forbidden"));
    assert_eq!((status.code, status.reason.as_str()), (403, "Forbidden"));
    assert_eq!(
        status.message,
        "pods \"cart\" is forbidden: User \"alice@example.com\" cannot delete resource \"pods\" in API group \"\" in the namespace \"shop\""
    );
    assert!(server.object("v1/pods", Some("shop"), "cart").is_some());

    let policies: Api<NetworkPolicy> = Api::namespaced(client.clone(), "shop");
    let policy: NetworkPolicy = serde_json::from_value(json!({"metadata": {"name": "deny-all"}, "spec": {"podSelector": {}}})).expect("policy");
    let status = api_error(policies.create(&PostParams::default(), &policy).await.expect_err("forbidden"));
    assert_eq!(status.code, 403);
    assert_eq!(
        status.message,
        "networkpolicies.networking.k8s.io is forbidden: User \"alice@example.com\" cannot create resource \"networkpolicies\" in API group \"networking.k8s.io\" in the namespace \"shop\""
    );

    let whoami: Api<SelfSubjectReview> = Api::all(client);
    let me = whoami.create(&PostParams::default(), &SelfSubjectReview::default()).await.expect("whoami");
    let user = me.status.and_then(|s| s.user_info).expect("user info");
    assert_eq!(user.username.as_deref(), Some("alice@example.com"));
    assert_eq!(user.groups.unwrap_or_default(), ["incident-responders", "system:authenticated"]);
}

#[tokio::test]
async fn wrong_token_is_401_unauthorized() {
    let server = Server::start(shop_cluster());
    let yaml = server.kubeconfig("kordon-test", None).replace(&server.token(), "not-the-token");
    let pods: Api<Pod> = Api::namespaced(client_from_yaml(&yaml).await, "shop");
    let status = api_error(pods.list(&ListParams::default()).await.expect_err("unauthorized"));
    assert_eq!((status.code, status.reason.as_str()), (401, "Unauthorized"));
    assert_eq!(server.requests().len(), 1, "refused requests are recorded too");
}

#[tokio::test]
async fn exec_plugin_kubeconfig_authenticates() {
    let server = Server::start(shop_cluster());
    let script = r#"printf '{"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential","status":{"token":"%s"}}' "$KORDON_TEST_TOKEN""#;
    let yaml = server.kubeconfig_exec("kordon-exec", "sh", &["-c", script]);
    let pods: Api<Pod> = Api::namespaced(client_from_yaml(&yaml).await, "shop");
    assert_eq!(names(&pods.list(&ListParams::default()).await.expect("authenticated").items), ["cart", "cart-2", "payments"]);
}

#[tokio::test]
async fn limit_and_continue_page_through_five_objects() {
    let mut cluster = Cluster::empty();
    for i in 0..5 {
        cluster.add(json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": format!("cm-{i}"), "namespace": "shop"}, "data": {"i": i.to_string()}}));
    }
    let server = Server::start(cluster);
    let maps: Api<ConfigMap> = Api::namespaced(client(&server).await, "shop");

    let mut seen = Vec::new();
    let mut remaining = Vec::new();
    let mut token: Option<String> = None;
    loop {
        let mut lp = ListParams::default().limit(2);
        if let Some(t) = &token {
            lp = lp.continue_token(t);
        }
        let page = maps.list(&lp).await.expect("page");
        assert!(page.items.len() <= 2);
        seen.extend(names(&page.items));
        remaining.push(page.metadata.remaining_item_count);
        token = page.metadata.continue_.filter(|t| !t.is_empty());
        if token.is_none() {
            break;
        }
    }
    assert_eq!(seen, ["cm-0", "cm-1", "cm-2", "cm-3", "cm-4"]);
    assert_eq!(remaining, [Some(3), Some(1), None]);

    server.set_page_size_cap(1);
    let capped = maps.list(&ListParams::default().limit(500)).await.expect("capped page");
    assert_eq!(names(&capped.items), ["cm-0"]);
    assert_eq!(capped.metadata.remaining_item_count, Some(4));
    let everything = maps.list(&ListParams::default()).await.expect("no limit, no paging");
    assert_eq!(everything.items.len(), 5);

    let bad = api_error(maps.list(&ListParams::default().limit(2).continue_token("garbage")).await.expect_err("bad token"));
    assert_eq!(bad.code, 400);
}

#[tokio::test]
async fn drop_after_fails_the_client_but_persists_and_drop_before_persists_nothing() {
    let server = Server::start(shop_cluster());
    let maps: Api<ConfigMap> = Api::namespaced(client(&server).await, "shop");
    let cm = |name: &str| -> ConfigMap { serde_json::from_value(json!({"metadata": {"name": name}, "data": {"k": "v"}})).expect("cm") };

    server.fail_next(Match::new("POST", "/configmaps"), Fault::DropAfter);
    let err = maps.create(&PostParams::default(), &cm("after")).await.expect_err("connection dropped");
    assert!(!matches!(err, kube::Error::Api(_)), "a transport error, not an API answer: {err:?}");
    assert!(server.object("v1/configmaps", Some("shop"), "after").is_some(), "DropAfter persisted");

    server.fail_next(Match::new("POST", "/configmaps"), Fault::DropBefore);
    maps.create(&PostParams::default(), &cm("before")).await.expect_err("connection dropped");
    assert!(server.object("v1/configmaps", Some("shop"), "before").is_none(), "DropBefore persisted nothing");

    server.fail_next(
        Match::new("*", "/configmaps/after"),
        Fault::Status { code: 500, reason: "InternalError".into(), message: "etcdserver: request timed out".into() },
    );
    let status = api_error(maps.get("after").await.expect_err("injected"));
    assert_eq!((status.code, status.reason.as_str(), status.message.as_str()), (500, "InternalError", "etcdserver: request timed out"));
    maps.get("after").await.expect("a fault fires once");
}

#[tokio::test]
async fn pod_logs_honour_container_previous_and_limit_bytes() {
    let server = Server::start(shop_cluster());
    server.set_logs("shop", "cart", "app", false, "line 1\nline 2\nline 3\n");
    server.set_logs("shop", "cart", "app", true, "crashed: segfault\n");
    server.set_logs("shop", "cart-2", "sidecar", false, "sidecar up\n");
    let pods: Api<Pod> = Api::namespaced(client(&server).await, "shop");

    assert_eq!(pods.logs("cart", &LogParams::default()).await.expect("only container"), "line 1\nline 2\nline 3\n");
    assert_eq!(pods.logs("cart", &LogParams { previous: true, ..Default::default() }).await.expect("previous"), "crashed: segfault\n");
    assert_eq!(pods.logs("cart", &LogParams { limit_bytes: Some(4), ..Default::default() }).await.expect("limited"), "line");
    assert_eq!(pods.logs("cart", &LogParams { tail_lines: Some(1), ..Default::default() }).await.expect("tail"), "line 3\n");
    let sidecar = LogParams { container: Some("sidecar".into()), ..Default::default() };
    assert_eq!(pods.logs("cart-2", &sidecar).await.expect("named container"), "sidecar up\n");

    let status = api_error(pods.logs("cart-2", &LogParams::default()).await.expect_err("two containers"));
    assert_eq!((status.code, status.message.as_str()), (400, "a container name must be specified for pod cart-2, choose one of: [app sidecar]"));
    let status = api_error(pods.logs("payments", &LogParams { previous: true, ..Default::default() }).await.expect_err("no previous"));
    assert_eq!((status.code, status.message.as_str()), (400, "previous terminated container \"app\" in pod \"payments\" not found"));
    let status = api_error(pods.logs("ghost", &LogParams::default()).await.expect_err("no pod"));
    assert_eq!(status.code, 404);
    let log_request = server.requests().into_iter().find(|r| r.path.ends_with("/log") && r.param("limitBytes").is_some()).expect("recorded");
    assert_eq!(log_request.param("limitBytes"), Some("4"));
}

#[tokio::test]
async fn scale_subresource_reads_and_patches_replicas() {
    let mut cluster = shop_cluster();
    cluster.add(json!({
        "apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {"name": "cart", "namespace": "shop", "generation": 3},
        "spec": {"replicas": 2, "selector": {"matchLabels": {"app": "cart"}}, "template": {"metadata": {"labels": {"app": "cart"}}, "spec": {"containers": [{"name": "app", "image": "x"}]}}},
        "status": {"replicas": 2},
    }));
    let server = Server::start(cluster);
    let deployments: Api<Deployment> = Api::namespaced(client(&server).await, "shop");

    let scale = deployments.get_scale("cart").await.expect("scale");
    assert_eq!(scale.spec.and_then(|s| s.replicas), Some(2));
    let status = scale.status.expect("status");
    assert_eq!((status.replicas, status.selector.as_deref()), (2, Some("app=cart")));

    let to_zero = json!({"spec": {"replicas": 0}});
    let dry = PatchParams { dry_run: true, ..Default::default() };
    let answer = deployments.patch_scale("cart", &dry, &Patch::Merge(&to_zero)).await.expect("dry run");
    assert_eq!(answer.spec.and_then(|s| s.replicas), Some(0));
    assert_eq!(server.object("apps/v1/deployments", Some("shop"), "cart").expect("kept")["spec"]["replicas"], json!(2));

    let scaled = deployments.patch_scale("cart", &PatchParams::default(), &Patch::Merge(&to_zero)).await.expect("scales");
    assert_eq!(scaled.spec.and_then(|s| s.replicas), Some(0));
    let stored = deployments.get("cart").await.expect("deployment");
    assert_eq!(stored.spec.and_then(|s| s.replicas), Some(0));
    assert_eq!(stored.metadata.generation, Some(4), "a spec change bumps generation");
}

#[tokio::test]
async fn seeds_from_the_demo_snapshot() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../fixtures/demo/src/snapshot.json");
    let bytes = std::fs::read(path).expect("demo snapshot present");
    let server = Server::start(Cluster::from_json(&bytes).expect("snapshot loads"));
    let client = client(&server).await;

    let pods: Api<Pod> = Api::namespaced(client.clone(), "shop");
    let cart = pods.get("cart-7f9c6d8b5-x2k4q").await.expect("seeded pod");
    assert_eq!(cart.metadata.uid.as_deref(), Some("5073bb1d-f9d3-4ee8-9817-7e92b9975677"));

    let all_pods: Api<Pod> = Api::all(client.clone());
    assert_eq!(all_pods.list(&ListParams::default()).await.expect("lists").items.len(), 32);
    let version = client.apiserver_version().await.expect("version");
    assert_eq!((version.major.as_str(), version.minor.as_str(), version.git_version.as_str()), ("1", "31", "v1.31.2"));
    server.set_version("1", "33", "v1.33.1");
    assert_eq!(client.apiserver_version().await.expect("version").git_version, "v1.33.1");
}
