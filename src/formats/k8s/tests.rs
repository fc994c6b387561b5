use super::*;

const GET_ALL: &str = include_str!("../../../fixtures/samples/k8s-objects/get-all.json");
const POD_SINGLE: &str = include_str!("../../../fixtures/samples/k8s-objects/pod-single.json");
const PODLIST: &str = include_str!("../../../fixtures/samples/k8s-objects/podlist-typed.json");
const EVENTS_V1: &str = include_str!("../../../fixtures/samples/k8s-objects/events-v1.json");
const DUMP: &str = include_str!("../../../fixtures/samples/k8s-objects/cluster-info-dump.txt");
const AUDIT_WEBHOOK: &str =
    include_str!("../../../fixtures/samples/k8s-audit/webhook-eventlist.json");

const CART_CONTAINER: &str = "fafe8a5067994ee479fb216e00761ddb3d3320dbdf108ceabe721a68953f67da";

/// What the framing layer does: expand a list, hinting typed lists' item kind.
fn expand(text: &str) -> Vec<NewEvent> {
    let list: Value = serde_json::from_str(text).unwrap();
    expand_value(&list)
}

fn expand_value(list: &Value) -> Vec<NewEvent> {
    let hint = list["kind"].as_str().and_then(item_kind_from_list_kind);
    list["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|item| parse_with_kind(item.to_string().as_bytes(), hint).expect("item parses"))
        .collect()
}

fn find<'a>(evs: &'a [NewEvent], kind: &str) -> Vec<&'a NewEvent> {
    evs.iter()
        .filter(|e| e.fields.get("kind").and_then(Value::as_str) == Some(kind))
        .collect()
}

fn ent<'a>(ev: &'a NewEvent, kind: EntityKind, role: &str) -> Vec<&'a EntityRef> {
    ev.entities
        .iter()
        .filter(|e| e.kind == kind && e.role == role)
        .collect()
}

/// Splits a `cluster-info dump` into its JSON documents and the trailing text.
fn split_dump(text: &str) -> (Vec<Value>, &str) {
    let mut stream = serde_json::Deserializer::from_str(text).into_iter::<Value>();
    let mut docs = Vec::new();
    let mut offset = 0;
    while let Some(Ok(v)) = stream.next() {
        docs.push(v);
        offset = stream.byte_offset();
    }
    (docs, &text[offset..])
}

#[test]
fn sniff_accepts_objects_and_rejects_audit_events_and_bare_items() {
    let list: Value = serde_json::from_str(GET_ALL).unwrap();
    for item in list["items"].as_array().unwrap() {
        assert!(sniff(item.as_object().unwrap()), "{}", item["kind"]);
    }
    let audit_line = include_str!("../../../fixtures/samples/k8s-audit/log-backend.jsonl")
        .lines()
        .next()
        .unwrap();
    let audit_obj: Map<String, Value> = serde_json::from_str(audit_line).unwrap();
    assert!(!sniff(&audit_obj));
    let typed: Value = serde_json::from_str(PODLIST).unwrap();
    assert!(
        !sniff(typed["items"][0].as_object().unwrap()),
        "kind-less items need the list's hint"
    );
}

#[test]
fn an_event_without_kind_or_api_version_is_an_event() {
    let text = include_str!("../../../fixtures/samples/k8s-objects/event-without-kind.json");
    let obj: Map<String, Value> = serde_json::from_str(text).unwrap();
    assert!(!obj.contains_key("kind") && !obj.contains_key("apiVersion"));
    assert!(sniff(&obj));
    assert_eq!(crate::formats::detect_record(&obj), Some(crate::formats::Format::K8sObjects));
    let ev = parse(text.as_bytes()).unwrap();
    assert_eq!(ev.kind, EventKind::K8sEvent);
    // A kind-less object that is no Event still needs its list's hint.
    let mut pod = obj.clone();
    pod.remove("involvedObject");
    assert!(!sniff(&pod));
}

#[test]
fn list_kinds_map_to_item_kinds() {
    assert_eq!(item_kind_from_list_kind("PodList"), Some("Pod"));
    assert_eq!(item_kind_from_list_kind("EventList"), Some("Event"));
    assert_eq!(
        item_kind_from_list_kind("ReplicationControllerList"),
        Some("ReplicationController")
    );
    assert_eq!(item_kind_from_list_kind("List"), None);
    assert_eq!(item_kind_from_list_kind("Pod"), None);
    assert_eq!(item_kind_from_list_kind("podList"), None);
}

#[test]
fn pod_snapshot_yields_pod_container_image_identity_owner_and_ips() {
    let ev = parse(POD_SINGLE.as_bytes()).unwrap();
    assert_eq!(ev.title, "Pod shop/cart-7f9c6d8b5-x2k4q (Running)");
    assert_eq!((ev.source, ev.kind), (Source::K8sObject, EventKind::Object));
    assert_eq!(ev.time_ns, parse_rfc3339("2026-11-18T14:22:09Z"));
    assert_eq!(
        ev.dedup_key.as_deref(),
        Some("k8s-object|Pod|5b3f6c1e-8d2a-4f7b-9c4e-2a1d0e9f8b73|48213377")
    );
    let pod = ent(&ev, EntityKind::Pod, "subject")[0];
    assert_eq!(pod.key, "shop/cart-7f9c6d8b5-x2k4q");
    assert_eq!(pod.attrs["uid"], "5b3f6c1e-8d2a-4f7b-9c4e-2a1d0e9f8b73");
    assert_eq!(pod.attrs["phase"], "Running");
    assert_eq!(pod.attrs["pod_ip"], "10.244.1.23");
    assert_eq!(pod.attrs["labels"]["app"], "cart");
    let c = ent(&ev, EntityKind::Container, "container")[0];
    assert_eq!(c.key, CART_CONTAINER);
    assert_eq!(c.attrs["name"], "cart");
    assert_eq!(c.attrs["runtime"], "containerd");
    let img = ent(&ev, EntityKind::Image, "image")[0];
    assert_eq!(img.key, "shopregistry.azurecr.io/shop/cart:2.3.1");
    assert_eq!(
        img.attrs["digest"],
        "sha256:1ca51973d6541032e81695cc73b668e75e0a4126bc9c77d713fbecd2cb3f98ff"
    );
    let sa = ent(&ev, EntityKind::Identity, "service-account")[0];
    assert_eq!(sa.key, "system:serviceaccount:shop:cart");
    assert_eq!(
        sa.attrs["automount"], true,
        "inferred from the injected kube-api-access volume"
    );
    assert_eq!(
        ent(&ev, EntityKind::Workload, "owner")[0].key,
        "shop/ReplicaSet/cart-7f9c6d8b5"
    );
    assert_eq!(
        ent(&ev, EntityKind::Node, "node")[0].key,
        "aks-nodepool1-31415926-vmss000001"
    );
    assert_eq!(ent(&ev, EntityKind::Ip, "pod-ip")[0].key, "10.244.1.23");
    assert_eq!(ent(&ev, EntityKind::Ip, "host-ip")[0].key, "10.224.0.5");
    assert_eq!(ent(&ev, EntityKind::Namespace, "namespace")[0].key, "shop");
    for (k, v) in [
        ("phase", json!("Running")),
        ("node", json!("aks-nodepool1-31415926-vmss000001")),
        ("service_account", json!("cart")),
        ("privileged", json!(false)),
        ("host_network", json!(false)),
        ("host_pid", json!(false)),
        ("host_ipc", json!(false)),
        ("host_path_volumes", json!([])),
        ("automount", json!(true)),
        ("restart_count", json!(0)),
        ("owner_kind", json!("ReplicaSet")),
        ("owner_name", json!("cart-7f9c6d8b5")),
    ] {
        assert_eq!(ev.fields[k], v, "field {}", k);
    }
    assert_eq!(ev.fields["containers"][0]["id"], CART_CONTAINER);
    assert!(ev.search_text.contains(CART_CONTAINER));
}

#[test]
fn get_all_list_items_carry_their_kind_and_each_kind_is_understood() {
    let evs = expand(GET_ALL);
    assert_eq!(evs.len(), 8);
    let pod = find(&evs, "Pod")[0];
    assert_eq!(pod.fields["containers"][0]["ready"], false);

    let rs = find(&evs, "ReplicaSet")[0];
    assert_eq!(rs.title, "ReplicaSet shop/cart-7f9c6d8b5 (3/6 ready)");
    assert_eq!(
        ent(rs, EntityKind::Workload, "subject")[0].key,
        "shop/ReplicaSet/cart-7f9c6d8b5"
    );
    assert_eq!(
        ent(rs, EntityKind::Workload, "owner")[0].key,
        "shop/Deployment/cart"
    );
    assert_eq!(
        ent(rs, EntityKind::Image, "image")[0].key,
        "shopregistry.azurecr.io/shop/cart:2.3.1"
    );
    assert_eq!(
        ent(rs, EntityKind::Identity, "service-account")[0].key,
        "system:serviceaccount:shop:cart"
    );
    assert_eq!(rs.fields["replicas"], 6);
    assert_eq!(rs.fields["ready_replicas"], 3);

    let dep = find(&evs, "Deployment")[0];
    assert_eq!(
        ent(dep, EntityKind::Workload, "subject")[0].key,
        "shop/Deployment/cart"
    );
    assert!(
        ent(dep, EntityKind::Workload, "owner").is_empty(),
        "no ownerReferences, no owner"
    );
    assert_eq!(dep.fields["unavailable_replicas"], 3);

    let svc = find(&evs, "Service")[0];
    assert_eq!(
        svc.title,
        "Service shop/storefront (LoadBalancer 192.0.2.80)"
    );
    assert_eq!(svc.fields["service_type"], "LoadBalancer");
    assert_eq!(svc.fields["exposed"], true);
    assert_eq!(svc.fields["ports"][0]["node_port"], 31380);
    assert_eq!(
        ent(svc, EntityKind::Ip, "load-balancer-ip")[0].key,
        "192.0.2.80"
    );
    assert_eq!(ent(svc, EntityKind::Ip, "cluster-ip")[0].key, "10.0.212.17");

    let rb = find(&evs, "RoleBinding")[0];
    assert_eq!(
        rb.title,
        "RoleBinding shop/cart-secrets-reader (Role cart-secrets-reader)"
    );
    assert_eq!(rb.fields["role_ref"], "cart-secrets-reader");
    assert_eq!(
        ent(rb, EntityKind::Identity, "subject")[0].key,
        "system:serviceaccount:shop:cart"
    );

    let ev = find(&evs, "Event")[0];
    assert_eq!(ev.kind, EventKind::K8sEvent);
}

#[test]
fn network_policies_summarise_selectors_and_rules() {
    let evs = expand(GET_ALL);
    let nps = find(&evs, "NetworkPolicy");
    let prom = nps
        .iter()
        .find(|e| e.fields["name"] == "prometheus")
        .unwrap();
    assert_eq!(
        prom.fields["pod_selector_summary"],
        "app.kubernetes.io/name=prometheus"
    );
    assert_eq!(prom.fields["policy_types"], json!(["Ingress", "Egress"]));
    assert_eq!(
        prom.fields["ingress"],
        json!(["from namespace{kubernetes.io/metadata.name=monitoring} on TCP/9090"])
    );
    assert_eq!(
        prom.fields["egress"],
        json!([
            "to ipBlock 10.0.0.1/32 on TCP/443",
            "to namespace{kubernetes.io/metadata.name=kube-system} pod{k8s-app=kube-dns} on UDP/53,TCP/53"
        ])
    );
    let deny = nps
        .iter()
        .find(|e| e.fields["name"] == "default-deny-ingress")
        .unwrap();
    assert_eq!(
        deny.fields["selects_all_pods"], true,
        "podSelector {{}} selects every pod"
    );
    assert_eq!(deny.fields["denies_all_ingress"], true);
    assert_eq!(deny.fields["denies_all_egress"], false);
    assert_eq!(
        deny.title,
        "NetworkPolicy secops/default-deny-ingress (pods: all; Ingress)"
    );
}

#[test]
fn snapshots_of_one_pod_differ_only_by_resource_version_in_dedup_key() {
    let single = parse(POD_SINGLE.as_bytes()).unwrap();
    let later = find(&expand(GET_ALL), "Pod")[0].clone();
    let a = single.dedup_key.unwrap();
    let b = later.dedup_key.unwrap();
    assert_ne!(a, b);
    assert_eq!(a.rsplit_once('|').unwrap().0, b.rsplit_once('|').unwrap().0);
}

#[test]
fn typed_list_items_without_kind_parse_with_the_list_hint() {
    let list: Value = serde_json::from_str(PODLIST).unwrap();
    assert!(list["items"]
        .as_array()
        .unwrap()
        .iter()
        .all(|i| i.get("kind").is_none()));
    let raw = list["items"][0].to_string();
    assert!(parse(raw.as_bytes())
        .unwrap_err()
        .reason
        .contains("no kind"));
    let evs = expand(PODLIST);
    assert_eq!(evs.len(), 3);
    assert!(evs.iter().all(|e| e.fields["kind"] == "Pod"));
    // Same object, same resource version as in the `get -A` List: same key.
    let from_list = find(&expand(GET_ALL), "Pod")[0].dedup_key.clone();
    assert_eq!(evs[0].dedup_key, from_list);
    assert_eq!(
        ent(&evs[1], EntityKind::Container, "container")[0]
            .key
            .len(),
        64
    );
}

#[test]
fn pending_pod_without_container_statuses_still_parses() {
    let evs = expand(PODLIST);
    let pending = &evs[2];
    assert_eq!(pending.title, "Pod shop/cart-7f9c6d8b5-r9t4d (Pending)");
    assert!(ent(pending, EntityKind::Container, "container").is_empty());
    assert!(ent(pending, EntityKind::Node, "node").is_empty());
    assert_eq!(
        ent(pending, EntityKind::Image, "image")[0].key,
        "shopregistry.azurecr.io/shop/cart:2.3.1"
    );
    assert_eq!(pending.fields["containers"][0]["name"], "cart");
}

#[test]
fn pod_without_status_or_owner_references_parses() {
    let raw = r#"{"apiVersion":"v1","kind":"Pod","metadata":{"name":"debug","namespace":"shop","ownerReferences":null,
        "creationTimestamp":null},"spec":{"containers":[{"name":"sh","image":"busybox:1.36"}],"hostPID":true,
        "automountServiceAccountToken":false,"volumes":[{"name":"root","hostPath":{"path":"/"}}]}}"#;
    let ev = parse(raw.as_bytes()).unwrap();
    assert_eq!(ev.title, "Pod shop/debug");
    assert_eq!(ev.time_ns, None);
    assert_eq!(
        ev.dedup_key, None,
        "no resource version: identified by raw bytes"
    );
    assert!(!ev.fields.contains_key("owner_kind"));
    assert!(!ev.fields.contains_key("restart_count"));
    assert_eq!(ev.fields["host_pid"], true);
    assert_eq!(ev.fields["automount"], false);
    assert_eq!(ev.fields["host_path_volumes"], json!(["/"]));
    assert_eq!(ent(&ev, EntityKind::Image, "image")[0].key, "busybox:1.36");
    // Only metadata: still an object.
    let bare =
        parse(br#"{"apiVersion":"v1","kind":"Pod","metadata":{"name":"x","namespace":"y"}}"#)
            .unwrap();
    assert_eq!(bare.title, "Pod y/x");
}

#[test]
fn container_ids_of_every_runtime_are_canonical() {
    let hex = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789ABCDEF";
    for (prefix, runtime) in [
        ("containerd://", "containerd"),
        ("cri-o://", "cri-o"),
        ("docker://", "docker"),
    ] {
        let raw = json!({"apiVersion":"v1","kind":"Pod","metadata":{"name":"p","namespace":"n"},
            "spec":{"initContainers":[{"name":"init","image":"alpine:3"}],"containers":[{"name":"app","image":"nginx"}]},
            "status":{"phase":"Running",
                "initContainerStatuses":[{"name":"init","containerID":format!("{}{}", prefix, hex.replace('0', "1")),
                    "imageID":"docker-pullable://alpine@sha256:AA","restartCount":0,"state":{"terminated":{"exitCode":0}}}],
                "containerStatuses":[{"name":"app","containerID":format!("{}{}", prefix, hex),"restartCount":"2",
                    "imageID":"docker.io/library/nginx@sha256:bb","state":{"waiting":{"reason":"CrashLoopBackOff"}}}],
                "ephemeralContainerStatuses":[{"name":"debugger-x","containerID":null,"image":"busybox:1.36"}]}});
        let ev = parse(raw.to_string().as_bytes()).unwrap();
        let cs = ent(&ev, EntityKind::Container, "container");
        assert_eq!(cs.len(), 2);
        let app = cs.iter().find(|c| c.attrs["name"] == "app").unwrap();
        assert_eq!(app.key, hex.to_ascii_lowercase());
        assert_eq!(app.attrs["runtime"], runtime);
        assert_eq!(
            ev.fields["restart_count"], 2,
            "restartCount given as a string"
        );
        let images: Vec<&str> = ent(&ev, EntityKind::Image, "image")
            .iter()
            .map(|e| e.key.as_str())
            .collect();
        assert!(
            images.contains(&"alpine:3")
                && images.contains(&"nginx")
                && images.contains(&"busybox:1.36")
        );
        let alpine = ent(&ev, EntityKind::Image, "image")
            .into_iter()
            .find(|e| e.key == "alpine:3")
            .unwrap();
        assert_eq!(alpine.attrs["digest"], "sha256:aa");
        let states: Vec<&Value> = ev.fields["containers"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| &c["state"])
            .collect();
        assert_eq!(
            states,
            vec![&json!("terminated"), &json!("waiting"), &Value::Null]
        );
    }
}

#[test]
fn core_event_takes_last_timestamp_despite_null_event_time() {
    let evs = expand(GET_ALL);
    let ev = find(&evs, "Event")[0];
    assert_eq!(ev.source, Source::K8sEvent);
    assert_eq!(ev.severity, Severity::Low, "Warning");
    assert_eq!(ev.title, "Unhealthy: Pod shop/cart-7f9c6d8b5-x2k4q");
    assert!(ev.message.starts_with("Readiness probe failed"));
    assert_eq!(ev.time_ns, parse_rfc3339("2026-11-20T10:08:40Z"));
    assert_eq!(ev.fields["count"], 14);
    assert_eq!(ev.fields["container"], "cart");
    assert_eq!(
        ev.dedup_key.as_deref(),
        Some("k8s-event|b9e3d1c7-5a2f-4e84-96b0-d7f1a3c5e9b2|48290876")
    );
    let pod = ent(ev, EntityKind::Pod, "subject")[0];
    assert_eq!(pod.key, "shop/cart-7f9c6d8b5-x2k4q");
    assert_eq!(pod.attrs["uid"], "5b3f6c1e-8d2a-4f7b-9c4e-2a1d0e9f8b73");
    assert_eq!(
        ent(ev, EntityKind::Node, "node")[0].key,
        "aks-nodepool1-31415926-vmss000001"
    );
}

#[test]
fn events_v1_hpa_rescale_is_a_workload_event_with_null_event_time() {
    let evs = expand(EVENTS_V1);
    assert_eq!(evs.len(), 2);
    let hpa = &evs[0];
    assert_eq!(
        hpa.title,
        "SuccessfulRescale: HorizontalPodAutoscaler shop/cart"
    );
    assert_eq!(hpa.severity, Severity::Info);
    assert_eq!(
        hpa.time_ns,
        parse_rfc3339("2026-11-20T10:05:02Z"),
        "deprecatedLastTimestamp"
    );
    assert_eq!(hpa.fields["new_size"], 6);
    assert_eq!(hpa.fields["count"], 1);
    assert_eq!(
        hpa.fields["reporting_component"],
        "horizontal-pod-autoscaler"
    );
    let w = ent(hpa, EntityKind::Workload, "subject")[0];
    assert_eq!(w.key, "shop/HorizontalPodAutoscaler/cart");
    assert_eq!(w.attrs["uid"], "71e3c5a9-8b2d-4f40-96c8-d0e2f4a6b8c1");
    assert!(hpa.message.starts_with("New size: 6"));
}

#[test]
fn events_v1_series_last_observed_time_wins_over_null_deprecated_times() {
    let evs = expand(EVENTS_V1);
    let sched = &evs[1];
    assert_eq!(
        sched.title,
        "FailedScheduling: Pod shop/cart-7f9c6d8b5-r9t4d"
    );
    assert_eq!(sched.severity, Severity::Low);
    assert_eq!(sched.time_ns, parse_rfc3339("2026-11-20T10:09:41.552918Z"));
    assert_eq!(sched.fields["count"], 9);
    assert_eq!(sched.fields["action"], "Scheduling");
    assert!(!sched.fields.contains_key("first_timestamp"));
    assert!(
        ent(sched, EntityKind::Node, "node").is_empty(),
        "the scheduler is no node"
    );
    // Without a series the eventTime is the last observation.
    let mut v: Value = serde_json::from_str(EVENTS_V1).unwrap();
    let item = v["items"][1].as_object_mut().unwrap();
    item.remove("series");
    let ev = parse_with_kind(
        Value::Object(item.clone()).to_string().as_bytes(),
        Some("Event"),
    )
    .unwrap();
    assert_eq!(ev.time_ns, parse_rfc3339("2026-11-20T10:05:03.118402Z"));
    // With every time null, the creation time.
    item.insert("eventTime".into(), Value::Null);
    let ev = parse_with_kind(
        Value::Object(item.clone()).to_string().as_bytes(),
        Some("Event"),
    )
    .unwrap();
    assert_eq!(ev.time_ns, parse_rfc3339("2026-11-20T10:05:03Z"));
}

#[test]
fn audit_eventlist_items_with_event_hint_go_to_the_audit_parser() {
    let list: Value = serde_json::from_str(AUDIT_WEBHOOK).unwrap();
    let evs = expand_value(&list);
    assert!(evs.iter().all(|e| e.source == Source::K8sAudit));
}

#[test]
fn cluster_info_dump_lists_and_log_blocks() {
    let (docs, rest) = split_dump(DUMP);
    let kinds: Vec<&str> = docs.iter().map(|d| d["kind"].as_str().unwrap()).collect();
    assert_eq!(
        kinds,
        vec![
            "NodeList",
            "EventList",
            "ReplicationControllerList",
            "PodList"
        ]
    );
    let node = &expand_value(&docs[0])[0];
    assert_eq!(node.title, "Node aks-nodepool1-31415926-vmss000001 (Ready)");
    let n = ent(node, EntityKind::Node, "subject")[0];
    assert_eq!(n.attrs["internal_ip"], "10.224.0.5");
    assert_eq!(n.attrs["kubelet_version"], "v1.30.5");
    assert_eq!(n.attrs["pod_cidr"], "10.244.1.0/24");
    assert_eq!(ent(node, EntityKind::Ip, "node-ip")[0].key, "10.224.0.5");
    assert_eq!(
        node.dedup_key.as_deref(),
        Some("k8s-object|Node|8f2e6d1c-4b7a-49e3-a5d0-6c1b9e8f3a27|48290544")
    );
    assert_eq!(expand_value(&docs[1])[0].kind, EventKind::K8sEvent);
    assert!(expand_value(&docs[2]).is_empty());
    let pods = expand_value(&docs[3]);
    assert_eq!(
        ent(&pods[0], EntityKind::Container, "container")[0].key,
        CART_CONTAINER
    );

    assert!(looks_like_log_block(rest));
    let logs = parse_text(rest).unwrap();
    assert_eq!(logs.len(), 2);
    let cart = &logs[0];
    assert_eq!(
        cart.title,
        "Logs of container cart in pod shop/cart-7f9c6d8b5-x2k4q"
    );
    assert_eq!(
        (cart.source, cart.kind),
        (Source::K8sObject, EventKind::Telemetry)
    );
    assert_eq!(cart.fields["line_count"], 5);
    assert_eq!(cart.fields["json_line_count"], 2);
    assert_eq!(cart.fields["complete"], true);
    assert!(cart
        .message
        .contains(r#"{"level":"info","ts":"2026-11-20T09:40:58.312Z""#));
    assert!(!cart.message.contains("===="));
    assert_eq!(cart.time_ns, parse_rfc3339("2026-11-18T14:22:15.004Z"));
    let pod = ent(cart, EntityKind::Pod, "pod")[0];
    assert_eq!(
        (pod.key.as_str(), &pod.attrs["container"]),
        ("shop/cart-7f9c6d8b5-x2k4q", &json!("cart"))
    );
}

#[test]
fn a_snapshot_container_log_is_one_event_whatever_its_lines_say() {
    // A log line that looks like a dump marker cannot start another
    // pod's log: the text is one JSON string.
    let doc = json!({
        "apiVersion": "kordon.dev/v1", "kind": "ContainerLog",
        "metadata": {"namespace": "shop", "name": "cart-7f9c6d8b5-x2k4q", "uid": "5b8e2c1a-0d3f-4e6a-9b7c-2f1e8d4a6c3b"},
        "container": "cart", "previous": true, "truncated": false, "capturedAt": "2026-11-20T10:00:00Z",
        "log": "2026-11-20T09:41:02.118Z starting xmrig 6.21.0\n==== START logs for container api of pod kube-system/x ====\n2026-11-20T09:41:03.004Z pool connected",
    });
    let ev = parse_with_kind(doc.to_string().as_bytes(), None).unwrap();
    assert_eq!(ev.title, "Previous logs of container cart in pod shop/cart-7f9c6d8b5-x2k4q");
    assert_eq!(ev.kind, EventKind::Telemetry);
    assert_eq!(ev.fields["line_count"], 3);
    assert_eq!(ev.fields["previous"], true);
    assert_eq!(ev.fields["complete"], true);
    assert_eq!(ev.fields["pod_uid"], "5b8e2c1a-0d3f-4e6a-9b7c-2f1e8d4a6c3b");
    assert!(ev.message.contains("kube-system/x"));
    assert_eq!(ev.time_ns, parse_rfc3339("2026-11-20T09:41:02.118Z"));
    assert_eq!(ent(&ev, EntityKind::Pod, "pod")[0].key, "shop/cart-7f9c6d8b5-x2k4q");
    let mut no_ns = doc.clone();
    no_ns["metadata"].as_object_mut().unwrap().remove("namespace");
    assert!(parse_with_kind(no_ns.to_string().as_bytes(), None).is_err());
}

#[test]
fn one_log_block_without_end_marker_is_one_event() {
    let (_, rest) = split_dump(DUMP);
    let first_end = rest.find("==== END").unwrap();
    let block = &rest[..first_end];
    let evs = parse_text(block).unwrap();
    assert_eq!(evs.len(), 1);
    assert_eq!(evs[0].fields["complete"], false);
    assert_eq!(evs[0].fields["container"], "cart");
    assert_eq!(evs[0].fields["line_count"], 5);
}

#[test]
fn log_block_message_is_capped_at_64_kib_on_a_char_boundary() {
    let mut text = String::from("==== START logs for container c of pod ns/p ====\n");
    for i in 0..5000 {
        text.push_str(&format!("é line {} of a chatty container\n", i));
    }
    let ev = &parse_text(&text).unwrap()[0];
    assert!(ev.message.len() <= MAX_LOG_MESSAGE);
    assert_eq!(ev.fields["truncated"], true);
    assert_eq!(ev.fields["line_count"], 5000);
}

#[test]
fn text_that_is_not_a_log_block_is_rejected() {
    assert!(!looks_like_log_block("I1120 09:41:07 starting\n"));
    assert!(parse_text("I1120 09:41:07 starting\n")
        .unwrap_err()
        .reason
        .contains("not a cluster-info dump log block"));
    assert!(parse_text("\n\n").is_err());
    assert!(
        parse_text("==== END logs for container c of pod ns/p ====\n")
            .unwrap_err()
            .reason
            .contains("END")
    );
    assert!(!looks_like_log_block(
        "==== START logs for container c ====\n"
    ));
}

#[test]
fn rbac_roles_and_cluster_bindings() {
    let role = json!({"apiVersion":"rbac.authorization.k8s.io/v1","kind":"Role",
        "metadata":{"name":"cart-secrets-reader","namespace":"shop","uid":"r1","resourceVersion":"5"},
        "rules":[{"apiGroups":[""],"resources":["secrets"],"verbs":["get","list"]}]});
    let ev = parse(role.to_string().as_bytes()).unwrap();
    assert_eq!(ev.fields["rule_summary"], json!(["get,list secrets"]));
    assert_eq!(ev.fields["reads_secrets"], true);
    assert_eq!(ev.fields["wildcard"], false);
    assert_eq!(ev.title, "Role shop/cart-secrets-reader (1 rule)");
    let crb = json!({"apiVersion":"rbac.authorization.k8s.io/v1","kind":"ClusterRoleBinding",
        "metadata":{"name":"oops","uid":"b1","resourceVersion":"6"},
        "roleRef":{"apiGroup":"rbac.authorization.k8s.io","kind":"ClusterRole","name":"cluster-admin"},
        "subjects":[{"kind":"ServiceAccount","name":"deployer","namespace":"ci"},
                    {"kind":"User","apiGroup":"rbac.authorization.k8s.io","name":"alex.kim@contoso.example"},
                    {"kind":"Group","apiGroup":"rbac.authorization.k8s.io","name":"system:masters"}]});
    let ev = parse(crb.to_string().as_bytes()).unwrap();
    assert_eq!(
        ev.title,
        "ClusterRoleBinding oops (ClusterRole cluster-admin)"
    );
    let keys: Vec<&str> = ent(&ev, EntityKind::Identity, "subject")
        .iter()
        .map(|e| e.key.as_str())
        .collect();
    assert_eq!(
        keys,
        vec![
            "system:serviceaccount:ci:deployer",
            "alex.kim@contoso.example",
            "system:masters"
        ]
    );
    assert!(
        ev.entities.iter().all(|e| e.kind != EntityKind::Namespace),
        "cluster scoped"
    );
}

#[test]
fn namespace_service_account_cronjob_and_generic_kinds() {
    let ns = json!({"apiVersion":"v1","kind":"Namespace","metadata":{"name":"falco","uid":"n1","resourceVersion":"7",
        "labels":{"kubernetes.io/metadata.name":"falco","pod-security.kubernetes.io/enforce":"privileged"}},
        "spec":{"finalizers":["kubernetes"]},"status":{"phase":"Active"}});
    let ev = parse(ns.to_string().as_bytes()).unwrap();
    assert_eq!(ev.title, "Namespace falco (Active)");
    assert_eq!(ev.fields["pod_security_enforce"], "privileged");
    assert_eq!(
        ent(&ev, EntityKind::Namespace, "subject")[0].attrs["labels"]
            ["pod-security.kubernetes.io/enforce"],
        "privileged"
    );

    let sa = json!({"apiVersion":"v1","kind":"ServiceAccount","metadata":{"name":"cart","namespace":"shop","uid":"d4a8"},
        "automountServiceAccountToken":true});
    let ev = parse(sa.to_string().as_bytes()).unwrap();
    let id = ent(&ev, EntityKind::Identity, "subject")[0];
    assert_eq!(
        (id.key.as_str(), &id.attrs["automount"]),
        ("system:serviceaccount:shop:cart", &json!(true))
    );

    let cj = json!({"apiVersion":"batch/v1","kind":"CronJob","metadata":{"name":"netscan","namespace":"secops","uid":"c1","resourceVersion":"8"},
        "spec":{"schedule":"0 2 * * *","jobTemplate":{"spec":{"template":{"spec":{"serviceAccountName":"netscan",
        "containers":[{"name":"nmap","image":"secops/netscan:1.4"}],"restartPolicy":"Never"}}}}},
        "status":{"lastScheduleTime":"2026-11-20T02:00:00Z"}});
    let ev = parse(cj.to_string().as_bytes()).unwrap();
    assert_eq!(ev.title, "CronJob secops/netscan (0 2 * * *)");
    assert_eq!(
        ent(&ev, EntityKind::Identity, "service-account")[0].key,
        "system:serviceaccount:secops:netscan"
    );
    assert_eq!(
        ent(&ev, EntityKind::Image, "image")[0].key,
        "secops/netscan:1.4"
    );

    let cm = json!({"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"kube-root-ca.crt","namespace":"shop",
        "uid":"cm1","resourceVersion":"9","creationTimestamp":"2026-03-09T11:00:00Z"},"data":{"ca.crt":"..."}});
    let ev = parse(cm.to_string().as_bytes()).unwrap();
    assert_eq!(ev.title, "ConfigMap shop/kube-root-ca.crt");
    assert_eq!(ev.dedup_key.as_deref(), Some("k8s-object|ConfigMap|cm1|9"));
    assert_eq!(ent(&ev, EntityKind::Namespace, "namespace")[0].key, "shop");
}

#[test]
fn mirror_pod_owned_by_node_gets_a_node_owner() {
    let raw = json!({"apiVersion":"v1","kind":"Pod","metadata":{"name":"kube-proxy-x","namespace":"kube-system",
        "ownerReferences":[{"apiVersion":"v1","kind":"Node","name":"n1","uid":"u","controller":true}]},"spec":{"nodeName":"n1","hostNetwork":true}});
    let ev = parse(raw.to_string().as_bytes()).unwrap();
    assert_eq!(ent(&ev, EntityKind::Node, "owner")[0].key, "n1");
    assert_eq!(ev.fields["host_network"], true);
}

#[test]
fn containers_and_malformed_objects_give_clear_errors() {
    assert!(parse(GET_ALL.as_bytes())
        .unwrap_err()
        .reason
        .contains("container"));
    assert!(parse(PODLIST.as_bytes())
        .unwrap_err()
        .reason
        .contains("container"));
    assert!(parse(b"42")
        .unwrap_err()
        .reason
        .contains("not a JSON object"));
    assert!(parse(br#"{"apiVersion":"v1","kind":"Pod"}"#)
        .unwrap_err()
        .reason
        .contains("no metadata"));
    assert!(parse(b"{").unwrap_err().reason.contains("invalid JSON"));
    // Wrong types never panic.
    let weird = r#"{"apiVersion":"v1","kind":"Pod","metadata":{"name":1,"namespace":[],"labels":"x","ownerReferences":{}},
        "spec":{"containers":"nope","volumes":[1,null]},"status":{"containerStatuses":[null,{"containerID":7}],"podIPs":"x"}}"#;
    assert!(parse(weird.as_bytes()).is_ok());
    let weird_event = r#"{"kind":"Event","metadata":{},"involvedObject":"pod","series":[],"count":"many","type":null}"#;
    assert_eq!(parse(weird_event.as_bytes()).unwrap().title, "Event");
}
