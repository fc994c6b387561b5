use super::*;

const LOG: &str = include_str!("../../../fixtures/samples/k8s-audit/log-backend.jsonl");
const WEBHOOK: &str = include_str!("../../../fixtures/samples/k8s-audit/webhook-eventlist.json");
const EKS: &str = include_str!("../../../fixtures/samples/k8s-audit/eks-iam-principals.jsonl");
const AKS: &str = include_str!("../../../fixtures/samples/k8s-audit/aks-entra-oid.jsonl");

fn records() -> Vec<(Map<String, Value>, NewEvent)> {
    LOG.lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            let obj: Map<String, Value> = serde_json::from_str(l).expect("sample line is JSON");
            assert!(sniff(&obj), "sniff accepts {}", l);
            let ev = parse(l.as_bytes()).expect("sample line parses");
            (obj, ev)
        })
        .collect()
}

/// The record that would be kept for an auditID: the highest rank.
fn best(audit_id: &str) -> NewEvent {
    let key = format!("k8s-audit|{}", audit_id);
    records()
        .into_iter()
        .map(|(_, e)| e)
        .filter(|e| e.dedup_key.as_deref() == Some(key.as_str()))
        .max_by_key(|e| e.rank)
        .expect("auditID present")
}

fn role_keys(ev: &NewEvent, kind: EntityKind, role: &str) -> Vec<String> {
    ev.entities
        .iter()
        .filter(|e| e.kind == kind && e.role == role)
        .map(|e| e.key.clone())
        .collect()
}

#[test]
fn sniff_claims_audit_events_but_not_core_events() {
    let audit: Map<String, Value> = serde_json::from_str(LOG.lines().next().unwrap()).unwrap();
    assert!(sniff(&audit));
    let core: Map<String, Value> = serde_json::from_str(
        r#"{"apiVersion":"v1","kind":"Event","metadata":{"name":"x","namespace":"shop"},
            "involvedObject":{"kind":"Pod","name":"p"},"reason":"Pulled"}"#,
    )
    .unwrap();
    assert!(!sniff(&core));
    let list: Map<String, Value> = serde_json::from_str(WEBHOOK).unwrap();
    assert!(
        !sniff(&list),
        "the EventList container itself is not an event"
    );
}

#[test]
fn stages_share_a_dedup_key_and_response_complete_outranks_request_received() {
    let stages: Vec<NewEvent> = records()
        .into_iter()
        .map(|(_, e)| e)
        .filter(|e| {
            e.dedup_key.as_deref() == Some("k8s-audit|0a6f3c2e-8b1d-4d57-9e24-6f1b7c3a9d05")
        })
        .collect();
    assert_eq!(stages.len(), 2);
    let received = stages
        .iter()
        .find(|e| e.fields["stage"] == "RequestReceived")
        .unwrap();
    let complete = stages
        .iter()
        .find(|e| e.fields["stage"] == "ResponseComplete")
        .unwrap();
    assert!(complete.rank > received.rank);
    assert_eq!(
        received.time_ns, complete.time_ns,
        "both stages take the request's received time"
    );
    assert!(!received.fields.contains_key("code"));
    assert_eq!(complete.fields["code"], 200);
}

#[test]
fn stolen_token_list_pods_names_the_token_pod_node_and_source() {
    let ev = best("0a6f3c2e-8b1d-4d57-9e24-6f1b7c3a9d05");
    assert_eq!(ev.title, "list pods in shop");
    assert_eq!(ev.source, Source::K8sAudit);
    assert_eq!(ev.kind, EventKind::Telemetry);
    assert_eq!(ev.time_ns, parse_rfc3339("2026-11-20T09:41:07.482133Z"));
    assert_eq!(
        role_keys(&ev, EntityKind::Identity, "actor"),
        vec!["system:serviceaccount:shop:cart"]
    );
    let pod = ev
        .entities
        .iter()
        .find(|e| e.role == "token-pod")
        .expect("token pod");
    assert_eq!(pod.kind, EntityKind::Pod);
    assert_eq!(pod.key, "shop/cart-7f9c6d8b5-x2k4q");
    assert_eq!(pod.attrs["uid"], "5b3f6c1e-8d2a-4f7b-9c4e-2a1d0e9f8b73");
    assert_eq!(
        role_keys(&ev, EntityKind::Node, "token-node"),
        vec!["aks-nodepool1-31415926-vmss000001"]
    );
    assert_eq!(
        role_keys(&ev, EntityKind::Ip, "source-ip"),
        vec!["203.0.113.45"]
    );
    assert_eq!(
        role_keys(&ev, EntityKind::Namespace, "namespace"),
        vec!["shop"]
    );
    assert_eq!(
        ev.fields["credential_id"],
        "JTI=7c2e9b14-5d3a-4f86-a0e1-b9c84d2f6e17"
    );
    assert_eq!(ev.fields["token_pod"], "shop/cart-7f9c6d8b5-x2k4q");
    assert_eq!(
        ev.fields["user_agent"],
        "kubectl/v1.30.2 (linux/amd64) kubernetes/3968350"
    );
    assert_eq!(ev.fields["decision"], "allow");
    let identity = ev.entities.iter().find(|e| e.role == "actor").unwrap();
    assert_eq!(
        identity.attrs["uid"],
        "d4a8e3f1-62b7-4c95-8e1a-3f7b2c6d9a58"
    );
    assert!(identity.attrs["groups"]
        .as_array()
        .unwrap()
        .iter()
        .any(|g| g == "system:serviceaccounts:shop"));
}

#[test]
fn forbidden_list_secrets_gets_code_in_title_and_reason_fields() {
    let ev = best("4c9e1a7b-2d3f-4a85-b6c0-8e7d5f3a1b29");
    assert_eq!(ev.title, "list secrets in kube-system (403 Forbidden)");
    assert_eq!(ev.fields["code"], 403);
    assert_eq!(ev.fields["status_reason"], "Forbidden");
    assert_eq!(ev.fields["decision"], "forbid");
    assert!(
        !ev.fields.contains_key("authz_reason"),
        "RBAC's empty reason is absent, not \"\""
    );
    assert_eq!(ev.fields["resource"], "secrets");
    assert!(ev.message.contains("cannot list resource \"secrets\""));
    // Secrets have no entity kind: only the namespace and the actor.
    assert!(ev.entities.iter().all(|e| e.role != "target"));
}

#[test]
fn allowed_list_secrets_keeps_the_rbac_reason() {
    let ev = best("e8d7c6b5-a4f3-4e2d-9c1b-0a9f8e7d6c5b");
    assert_eq!(ev.title, "list secrets in shop");
    assert!(ev.fields["authz_reason"]
        .as_str()
        .unwrap()
        .contains("RoleBinding \"cart-secrets-reader/shop\""));
}

#[test]
fn cluster_scoped_create_has_a_bare_title() {
    let ev = best("71b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d");
    assert_eq!(ev.title, "create selfsubjectrulesreviews");
    assert_eq!(ev.fields["api_group"], "authorization.k8s.io");
    assert_eq!(ev.rule.as_deref(), Some("create selfsubjectrulesreviews"));
}

#[test]
fn exec_with_verb_get_is_recognised_and_response_started_wins() {
    let stages: Vec<NewEvent> = records()
        .into_iter()
        .map(|(_, e)| e)
        .filter(|e| {
            e.dedup_key.as_deref() == Some("k8s-audit|b3f1e2d4-6a7c-4b8e-9f0a-1c2d3e4f5a6b")
        })
        .collect();
    assert_eq!(stages.len(), 3);
    let ev = stages.iter().max_by_key(|e| e.rank).unwrap();
    assert_eq!(
        ev.fields["stage"], "ResponseStarted",
        "the 101 upgrade answer beats the late ResponseComplete"
    );
    assert_eq!(ev.title, "get pods/exec shop/cart-7f9c6d8b5-x2k4q");
    assert_eq!(ev.fields["verb"], "get");
    assert_eq!(ev.fields["subresource"], "exec");
    assert_eq!(ev.fields["code"], 101);
    assert_eq!(ev.fields["exec_command"], "/bin/sh");
    assert_eq!(ev.fields["exec_container"], "cart");
    assert_eq!(ev.fields["exec_tty"], true);
    let target = ev.entities.iter().find(|e| e.role == "target").unwrap();
    assert_eq!(
        (target.kind, target.key.as_str()),
        (EntityKind::Pod, "shop/cart-7f9c6d8b5-x2k4q")
    );
    // What the full-text index sees: title, message and search text.
    let indexed = format!("{} {} {}", ev.title, ev.message, ev.search_text);
    assert!(indexed.contains("/bin/sh"));
    assert!(indexed.contains("cart-7f9c6d8b5-x2k4q"));
}

#[test]
fn exec_with_verb_create_from_old_kubectl_decodes_repeated_command_params() {
    let ev = best("5d4c3b2a-1f0e-4d9c-8b7a-6f5e4d3c2b1a");
    assert_eq!(ev.fields["verb"], "create");
    assert_eq!(ev.fields["subresource"], "exec");
    assert_eq!(ev.fields["stage"], "ResponseStarted");
    assert_eq!(ev.fields["exec_command"], "cat /etc/resolv.conf");
    assert_eq!(
        ev.fields["exec_argv"],
        serde_json::json!(["cat", "/etc/resolv.conf"])
    );
    assert_eq!(ev.fields["exec_container"], "storefront");
    assert_eq!(ev.title, "create pods/exec shop/storefront-5d8c7b9f4-qw8zr");
}

#[test]
fn source_ips_keep_forwarded_for_first_and_peer_last() {
    let ev = best("5d4c3b2a-1f0e-4d9c-8b7a-6f5e4d3c2b1a");
    assert_eq!(
        ev.fields["source_ips"],
        serde_json::json!(["198.18.42.7", "10.224.0.100"])
    );
    assert_eq!(ev.fields["source_ip"], "198.18.42.7");
    assert_eq!(ev.fields["peer_ip"], "10.224.0.100");
    assert_eq!(
        role_keys(&ev, EntityKind::Ip, "source-ip"),
        vec!["198.18.42.7", "10.224.0.100"]
    );
}

#[test]
fn privileged_host_path_pod_create_yields_flags_and_images() {
    let ev = best("c7a1d3e5-2b4f-4a6c-8e0d-f1a3c5e7b9d2");
    assert_eq!(ev.title, "create pods in falco");
    assert_eq!(ev.fields["pod_privileged"], true);
    assert_eq!(ev.fields["pod_host_path"], true);
    assert_eq!(ev.fields["pod_host_network"], false);
    assert_eq!(ev.fields["pod_host_pid"], false);
    assert_eq!(
        ev.fields["host_path_volumes"],
        serde_json::json!(["/proc", "/run/containerd", "/etc"])
    );
    let mut images = role_keys(&ev, EntityKind::Image, "image");
    images.sort();
    assert_eq!(
        images,
        vec![
            "falcosecurity/falco-driver-loader:0.41.3",
            "falcosecurity/falco:0.41.3"
        ]
    );
}

#[test]
fn rolebinding_create_records_role_ref_and_subjects() {
    let ev = best("9b8c7d6e-5f4a-4b3c-8d2e-1f0a9b8c7d6e");
    assert_eq!(ev.fields["role_ref"], "cart-secrets-reader");
    assert_eq!(ev.fields["role_ref_kind"], "Role");
    assert_eq!(
        ev.fields["subjects"],
        serde_json::json!(["system:serviceaccount:shop:cart"])
    );
    assert!(
        !ev.fields.contains_key("pod_privileged"),
        "no pod spec, no pod flags"
    );
}

#[test]
fn workload_patch_targets_the_deployment_entity() {
    let ev = best("3e1f2a4b-6c7d-4e8f-9a0b-1c2d3e4f5a6b");
    assert_eq!(ev.title, "patch deployments shop/cart");
    assert_eq!(
        role_keys(&ev, EntityKind::Workload, "target"),
        vec!["shop/Deployment/cart"]
    );
    // The deployer's own bound token names its runner pod.
    assert_eq!(
        role_keys(&ev, EntityKind::Pod, "token-pod"),
        vec!["ci/release-runner-6c9d8f7b5-tz4wq"]
    );
}

#[test]
fn webhook_batch_items_without_kind_are_audit_events() {
    let list: Value = serde_json::from_str(WEBHOOK).unwrap();
    let items = list["items"].as_array().unwrap();
    assert_eq!(items.len(), 3);
    for item in items {
        let obj = item.as_object().unwrap();
        assert!(!obj.contains_key("kind"));
        assert!(sniff(obj));
        let ev = parse(serde_json::to_string(item).unwrap().as_bytes()).unwrap();
        assert!(ev.dedup_key.unwrap().starts_with("k8s-audit|"));
    }
    let lease = parse(serde_json::to_string(&items[0]).unwrap().as_bytes()).unwrap();
    assert_eq!(
        lease.title,
        "update leases kube-node-lease/aks-nodepool1-31415926-vmss000001"
    );
    assert_eq!(
        role_keys(&lease, EntityKind::Node, "actor"),
        vec!["aks-nodepool1-31415926-vmss000001"]
    );
}

#[test]
fn watch_response_started_outranks_response_complete() {
    let list: Value = serde_json::from_str(WEBHOOK).unwrap();
    let started = list["items"][1].clone();
    let mut complete = started.clone();
    complete["stage"] = "ResponseComplete".into();
    let s = parse(started.to_string().as_bytes()).unwrap();
    let c = parse(complete.to_string().as_bytes()).unwrap();
    assert_eq!(s.fields["verb"], "watch");
    assert_eq!(s.title, "watch pods");
    assert!(s.rank > c.rank);
    // An ordinary request keeps ResponseComplete on top.
    let mut get = started.clone();
    get["verb"] = "get".into();
    let mut get_started = get.clone();
    get["stage"] = "ResponseComplete".into();
    get_started["stage"] = "ResponseStarted".into();
    assert!(
        parse(get.to_string().as_bytes()).unwrap().rank
            > parse(get_started.to_string().as_bytes()).unwrap().rank
    );
}

#[test]
fn panic_stage_ranks_highest() {
    let mut v: Value = serde_json::from_str(LOG.lines().next().unwrap()).unwrap();
    v["stage"] = "Panic".into();
    v["responseStatus"] = serde_json::json!({"metadata":{},"status":"Failure","reason":"InternalError","code":500});
    let panic = parse(v.to_string().as_bytes()).unwrap();
    assert_eq!(panic.rank, 40);
    assert!(panic.title.ends_with("(500 Internal Server Error)"));
}

#[test]
fn v1beta1_event_falls_back_to_stage_then_timestamp() {
    let raw = r#"{"kind":"Event","apiVersion":"audit.k8s.io/v1beta1","metadata":{"creationTimestamp":"2026-11-20T09:41:08Z"},
        "level":"Metadata","timestamp":"2026-11-20T09:41:07Z","auditID":"a-1","stage":"ResponseComplete",
        "requestURI":"/api/v1/nodes/n1","verb":"get","user":{"username":"system:node:n1"},"sourceIPs":["10.224.0.4"],
        "objectRef":{"resource":"nodes","name":"n1","apiVersion":"v1"},"responseStatus":{"metadata":{},"code":200}}"#;
    let obj: Map<String, Value> = serde_json::from_str(raw).unwrap();
    assert!(sniff(&obj));
    let ev = parse(raw.as_bytes()).unwrap();
    assert_eq!(ev.time_ns, parse_rfc3339("2026-11-20T09:41:07Z"));
    assert_eq!(role_keys(&ev, EntityKind::Node, "target"), vec!["n1"]);
    let mut v: Value = serde_json::from_str(raw).unwrap();
    v["stageTimestamp"] = "2026-11-20T09:41:07.250000Z".into();
    assert_eq!(
        parse(v.to_string().as_bytes()).unwrap().time_ns,
        parse_rfc3339("2026-11-20T09:41:07.25Z")
    );
}

#[test]
fn impersonation_and_null_fields_are_tolerated() {
    let raw = r#"{"kind":"Event","apiVersion":"audit.k8s.io/v1","level":"Metadata","auditID":"b-2","stage":"ResponseComplete",
        "requestURI":"/api/v1/namespaces/shop/pods/cart-1/portforward?ports=6379","verb":"create",
        "user":{"username":"alex.kim@contoso.example","groups":null,"extra":null},
        "impersonatedUser":{"username":"system:serviceaccount:shop:cart"},
        "sourceIPs":null,"userAgent":null,"objectRef":{"resource":"pods","namespace":"shop","name":"cart-1","subresource":"portforward"},
        "responseStatus":null,"requestReceivedTimestamp":null,"stageTimestamp":"2026-11-20T09:41:07.000001Z"}"#;
    let ev = parse(raw.as_bytes()).unwrap();
    assert_eq!(ev.time_ns, parse_rfc3339("2026-11-20T09:41:07.000001Z"));
    assert_eq!(
        role_keys(&ev, EntityKind::Identity, "impersonated"),
        vec!["system:serviceaccount:shop:cart"]
    );
    assert_eq!(ev.fields["portforward_ports"], serde_json::json!(["6379"]));
    assert!(!ev.fields.contains_key("source_ips"));
    assert!(ev.message.contains("as system:serviceaccount:shop:cart"));
    // A username that is not a service account never yields a token pod.
    assert!(ev.entities.iter().all(|e| e.role != "token-pod"));
}

#[test]
fn percent_decoding_handles_plus_utf8_and_broken_escapes() {
    assert_eq!(
        percent_decode("sh+-c+%22curl%20x%7Csh%22"),
        "sh -c \"curl x|sh\""
    );
    assert_eq!(percent_decode("caf%C3%A9"), "café");
    assert_eq!(percent_decode("100%"), "100%");
    assert_eq!(percent_decode("%zz%4"), "%zz%4");
    let p = query_params("/x/exec?command=sh&command=-c&command=echo+a%26b&container=c");
    assert_eq!(
        p.iter()
            .filter(|(k, _)| k == "command")
            .map(|(_, v)| v.as_str())
            .collect::<Vec<_>>(),
        vec!["sh", "-c", "echo a&b"]
    );
}

#[test]
fn malformed_records_give_clear_errors() {
    assert!(parse(b"[1,2]")
        .unwrap_err()
        .reason
        .contains("not a JSON object"));
    assert!(parse(br#"{"kind":"Event","stage":"RequestReceived"}"#)
        .unwrap_err()
        .reason
        .contains("auditID"));
    assert!(parse(b"{not json")
        .unwrap_err()
        .reason
        .contains("invalid JSON"));
    // Wrong types never panic.
    let weird = r#"{"auditID":"x","verb":5,"objectRef":"pods","user":[],"sourceIPs":"1.2.3.4","responseStatus":{"code":"403"}}"#;
    let ev = parse(weird.as_bytes()).unwrap();
    assert_eq!(ev.fields["code"], 403);
    assert_eq!(ev.title, "request (403 Forbidden)");
}

// --- Cloud principals behind the user (EKS, AKS with Entra ID) ---------

/// The event of the line of `text` whose auditID is `id`, ResponseComplete.
fn event_of(text: &str, id: &str) -> NewEvent {
    let line = text
        .lines()
        .find(|l| l.contains(id) && l.contains("ResponseComplete"))
        .expect("sample line");
    let ev = parse(line.as_bytes()).expect("sample parses");
    assert_eq!(parse_via_value(line.as_bytes(), None).unwrap(), ev);
    ev
}

#[test]
fn an_eks_user_names_its_iam_role_and_session_as_cloud_identities() {
    let ev = event_of(EKS, "0f6b2c1e-7a9d-4e38-b5c2-1d8e9f3a6b47");
    let session = "arn:aws:sts::111122223333:assumed-role/PlatformAdmin/jane.doe";
    let role = "arn:aws:iam::111122223333:role/PlatformAdmin";
    assert_eq!(role_keys(&ev, EntityKind::Identity, "actor"), [session]);
    assert_eq!(role_keys(&ev, EntityKind::Identity, "cloud-principal"), [role]);
    assert_eq!(role_keys(&ev, EntityKind::Identity, "cloud-session"), [session]);
    assert_eq!(ev.fields["cloud_principal"], role);
    let p = ev
        .entities
        .iter()
        .find(|e| e.role == "cloud-principal")
        .unwrap();
    assert_eq!(p.attrs["provider"], "aws");
    assert_eq!(p.attrs["account"], "111122223333");
    assert_eq!(p.attrs["session_name"], "jane.doe");
    assert_eq!(p.attrs["access_key_id"], "ASIA4SLQK7TBXJANE2QW");
    assert_eq!(p.attrs["principal_id"], "AROA4SLQK7TBXPLATADM1");
    let s = ev.entities.iter().find(|e| e.role == "cloud-session").unwrap();
    assert_eq!(s.attrs["access_key_id"], "ASIA4SLQK7TBXJANE2QW");
}

#[test]
fn an_iam_user_is_its_own_cloud_principal_and_has_no_session() {
    let ev = event_of(EKS, "8a3f5c7e-2d1b-4e9a-b6c4-0f7d3e2a1b95");
    let user = "arn:aws:iam::111122223333:user/breakglass";
    assert_eq!(role_keys(&ev, EntityKind::Identity, "cloud-principal"), [user]);
    assert!(role_keys(&ev, EntityKind::Identity, "cloud-session").is_empty());
    let p = ev.entities.iter().find(|e| e.role == "cloud-principal").unwrap();
    // EKS writes `sessionName: [""]` for IAM users.
    assert!(!p.attrs.contains_key("session_name"));
    assert_eq!(p.attrs["access_key_id"], "AKIA4SLQK7TBXBRK4GL8");
}

#[test]
fn a_kubelet_names_no_cloud_principal() {
    let ev = event_of(EKS, "c41e7d2b-9f3a-4b68-a0d5-7e2c1f9b8a36");
    assert!(ev.entities.iter().all(|e| !e.role.starts_with("cloud-")), "{:?}", ev.entities);
    assert!(!ev.fields.contains_key("cloud_principal"));
}

#[test]
fn an_aks_entra_user_names_its_object_id() {
    let ev = event_of(AKS, "e2b7c9d4-3f1a-4d86-9b5e-6c0a8f2d7e13");
    assert_eq!(role_keys(&ev, EntityKind::Identity, "actor"), ["alice.martin@shopcorp.example"]);
    assert_eq!(role_keys(&ev, EntityKind::Identity, "cloud-principal"), ["7c2e9a41-5d8b-4f3e-a1c6-0b9d4e7f2a58"]);
    let p = ev.entities.iter().find(|e| e.role == "cloud-principal").unwrap();
    assert_eq!(p.attrs["provider"], "azure");
    // Upper case or a bare string (tolerated) read the same.
    let line = AKS.lines().next().unwrap().replace(
        r#""oid":["7c2e9a41-5d8b-4f3e-a1c6-0b9d4e7f2a58"]"#,
        r#""oid":"7C2E9A41-5D8B-4F3E-A1C6-0B9D4E7F2A58""#,
    );
    assert_readers_agree(line.as_bytes());
    let ev = parse(line.as_bytes()).unwrap();
    assert_eq!(role_keys(&ev, EntityKind::Identity, "cloud-principal"), ["7c2e9a41-5d8b-4f3e-a1c6-0b9d4e7f2a58"]);
}

#[test]
fn service_account_tokens_name_no_cloud_principal_and_entra_users_do() {
    for line in DEMO.lines().filter(|l| !l.trim().is_empty()) {
        let ev = parse(line.as_bytes()).unwrap();
        assert!(ev.entities.iter().all(|e| !e.role.starts_with("cloud-")), "{}", line);
    }
    // The log backend's exec by an Entra user (AKS) names its object id.
    let ev = best("5d4c3b2a-1f0e-4d9c-8b7a-6f5e4d3c2b1a");
    assert_eq!(role_keys(&ev, EntityKind::Identity, "cloud-principal"), ["2e7d9c4b-1a3f-4e58-b6d0-9c8a7f6e5d43"]);
}

// --- The direct reader against the `Value` path -----------------------

const DEMO: &str = include_str!("../../../fixtures/demo/src/audit-attack.jsonl");

/// `parse` (the direct reader) and the `Value` path give the same result.
fn assert_readers_agree(raw: &[u8]) {
    assert_eq!(
        parse(raw),
        parse_via_value(raw, None),
        "readers disagree on {}",
        String::from_utf8_lossy(raw)
    );
}

/// As [`assert_readers_agree`], for a record the direct reader must read
/// itself rather than hand to the `Value` path.
fn assert_read_directly(raw: &[u8]) {
    assert!(
        read_record(raw).is_some(),
        "direct reader gave up on {}",
        String::from_utf8_lossy(raw)
    );
    assert_readers_agree(raw);
}

/// Every record of the samples and of the demo's attack, as values.
fn sample_records() -> Vec<Value> {
    let list: Value = serde_json::from_str(WEBHOOK).unwrap();
    LOG.lines()
        .chain(DEMO.lines())
        .chain(EKS.lines())
        .chain(AKS.lines())
        .filter(|l| !l.trim().is_empty())
        .map(|l| serde_json::from_str(l).unwrap())
        .chain(list["items"].as_array().unwrap().iter().cloned())
        .collect()
}

/// The record with one value (an object member or an array item, at any
/// depth) replaced by each of a set of values of every JSON type, or
/// removed.
fn mutations(record: &Value) -> Vec<Value> {
    fn paths(v: &Value, path: &mut Vec<Value>, out: &mut Vec<Vec<Value>>) {
        let children: Vec<(Value, &Value)> = match v {
            Value::Object(m) => m
                .iter()
                .map(|(k, c)| (Value::from(k.as_str()), c))
                .collect(),
            Value::Array(a) => a
                .iter()
                .enumerate()
                .map(|(i, c)| (Value::from(i), c))
                .collect(),
            _ => Vec::new(),
        };
        for (step, child) in children {
            path.push(step);
            out.push(path.clone());
            paths(child, path, out);
            path.pop();
        }
    }
    fn replace(v: &mut Value, path: &[Value], new: Option<&Value>) {
        let (last, parents) = path.split_last().unwrap();
        let parent = parents.iter().fold(v, |v, step| match step {
            Value::String(k) => &mut v[k.as_str()],
            _ => &mut v[step.as_u64().unwrap() as usize],
        });
        match (last, new, parent) {
            (Value::String(k), Some(n), p) => p[k.as_str()] = n.clone(),
            (Value::String(k), None, Value::Object(m)) => {
                m.remove(k);
            }
            (i, Some(n), p) => p[i.as_u64().unwrap() as usize] = n.clone(),
            (i, None, Value::Array(a)) => {
                a.remove(i.as_u64().unwrap() as usize);
            }
            _ => unreachable!(),
        }
    }
    let replacements = [
        Value::Null,
        json!(403),
        json!(-1),
        json!(1.5),
        json!("403"),
        json!(""),
        json!("<NA>"),
        json!("x"),
        json!(true),
        json!([]),
        json!([null, "x"]),
        json!({}),
        json!({"x": 1}),
    ];
    let mut all = Vec::new();
    paths(record, &mut Vec::new(), &mut all);
    let mut out = Vec::new();
    for path in &all {
        for new in replacements.iter().map(Some).chain([None]) {
            let mut m = record.clone();
            replace(&mut m, path, new);
            out.push(m);
        }
    }
    out
}

use serde_json::json;

#[test]
fn direct_reader_agrees_with_the_value_path_on_samples_and_generated_lines() {
    for record in sample_records() {
        assert_read_directly(record.to_string().as_bytes());
        assert_read_directly(serde_json::to_string_pretty(&record).unwrap().as_bytes());
    }
    let start = crate::synth::STORY_DAY_NS;
    for line in crate::synth::audit_lines(3, start, start + crate::synth::DAY, 1_000) {
        assert_read_directly(line.as_bytes());
    }
}

/// What the importer pairs stages by must be what `parse` gives.
fn assert_peek_agrees(raw: &[u8]) {
    let peeked = peek(raw);
    let Ok(ev) = parse(raw) else { return };
    let want = ev.dedup_key.map(|k| (k, ev.rank));
    assert_eq!(peeked, want, "{}", String::from_utf8_lossy(raw));
    assert!(validate(raw));
}

/// The importer's parse stores exactly the fields `parse` gives.
fn assert_import_parse_agrees(raw: &[u8]) {
    match (parse(raw), parse_for_import(raw)) {
        (Ok(want), Ok(mut got)) => {
            if let Some(json) = got.fields_json.take() {
                assert!(got.fields.is_empty());
                assert_eq!(json, serde_json::to_string(&want.fields).unwrap());
                got.fields = serde_json::from_str(&json).unwrap();
            }
            assert_eq!(got, want);
        }
        (Err(want), Err(got)) => assert_eq!(got.reason, want.reason),
        (want, got) => panic!("parse {:?} but parse_for_import {:?}", want.is_ok(), got.is_ok()),
    }
}

#[test]
fn import_parse_writes_the_same_fields_as_parse() {
    let start = crate::synth::STORY_DAY_NS;
    let lines: Vec<String> = crate::synth::audit_lines(7, start, start + crate::synth::DAY, 2_000).collect();
    assert!(lines.iter().any(|l| parse_for_import(l.as_bytes()).unwrap().fields_json.is_some()));
    for line in lines {
        assert_import_parse_agrees(line.as_bytes());
    }
    for record in sample_records() {
        assert_import_parse_agrees(record.to_string().as_bytes());
        for m in mutations(&record) {
            assert_import_parse_agrees(m.to_string().as_bytes());
        }
    }
}

#[test]
fn peek_agrees_with_parse_on_samples_generated_lines_and_mistyped_values() {
    let start = crate::synth::STORY_DAY_NS;
    for line in crate::synth::audit_lines(5, start, start + crate::synth::DAY, 2_000) {
        assert_peek_agrees(line.as_bytes());
    }
    for record in sample_records() {
        assert_peek_agrees(record.to_string().as_bytes());
        assert_peek_agrees(serde_json::to_string_pretty(&record).unwrap().as_bytes());
        for m in mutations(&record) {
            assert_peek_agrees(m.to_string().as_bytes());
        }
    }
}

#[test]
fn peek_reads_only_the_head_and_validate_checks_the_rest() {
    let line = LOG.lines().next().unwrap();
    let cut = &line[..line.len() - 40];
    assert!(peek(cut.as_bytes()).is_some(), "the head is enough to rank a stage");
    assert!(!validate(cut.as_bytes()));
    assert!(validate(line.as_bytes()));
    let bad_utf8 = [line.as_bytes(), b"\xff"].concat();
    assert!(!validate(&bad_utf8));
    // A ResponseStarted stage is ranked by its verb and subresource, so
    // its head runs up to `objectRef`.
    let open = r#"{"auditID":"a","stage":"ResponseStarted","verb":"get","objectRef":{"resource":"pods","subresource":"exec""#;
    assert_eq!(peek(open.as_bytes()), None, "cut before its objectRef ends");
    let exec = format!("{}}}}}", open);
    assert_eq!(peek(exec.as_bytes()), Some(("k8s-audit|a".to_string(), 35)));
    let watch = exec.replace(r#""get""#, r#""watch""#).replace("exec", "log");
    assert_eq!(peek(watch.as_bytes()), Some(("k8s-audit|a".to_string(), 35)));
    let list = watch.replace(r#""watch""#, r#""list""#);
    assert_eq!(peek(list.as_bytes()), Some(("k8s-audit|a".to_string(), 20)));
    assert_eq!(peek(br#"{"stage":"ResponseComplete"}"#), None, "no auditID, no pairing");
}

#[test]
fn direct_reader_agrees_with_the_value_path_on_mistyped_and_missing_values() {
    for record in sample_records() {
        for m in mutations(&record) {
            assert_read_directly(m.to_string().as_bytes());
        }
    }
}

#[test]
fn direct_reader_agrees_with_the_value_path_on_odd_json() {
    let line = LOG.lines().next().unwrap();
    let at_start = |s: &str| line.replacen('{', &format!("{{{},", s), 1);
    let at_end = |s: &str| format!("{},{}}}", &line[..line.len() - 1], s);
    let deep = |n: usize| format!("\"zz\":{}{}", "[".repeat(n), "]".repeat(n));
    let mut cases = vec![
        // A key twice (refused by both: see the end of the test).
        at_start(r#""verb":"watch""#),
        at_end(r#""verb":null"#),
        at_end(r#""auditID":null"#),
        at_end(r#""user":5"#),
        at_end(r#""objectRef":{"resource":"pods"}"#),
        line.replacen(r#""user":{"#, r#""user":{"username":"x","#, 1),
        // Keys and strings spelt with escapes.
        line.replacen(r#""auditID""#, r#""aud\u0069tID""#, 1),
        line.replacen(r#""verb":""#, r#""verb":"\u0020"#, 1),
        line.replacen(r#""verb":""#, r#""verb":"w\u0061"#, 1),
        at_start(r#""zz":"\ud83d\ude00""#),
        // What the `Value` parser refuses: lone surrogates, control
        // characters, numbers out of range, nesting too deep.
        at_start(r#""zz":"\ud800""#),
        at_start(r#""z\udc00":1"#),
        at_start("\"zz\":\"a\tb\""),
        at_start(r#""zz":1e400"#),
        at_start(r#""zz":-1e400"#),
        at_start(r#""zz":1e-400"#),
        at_start(r#""zz":123456789012345678901234567890"#),
        at_start(r#""zz":-0"#),
        at_start(r#""zz":01"#),
        // serde_json's private marker keys, which its `Value` parser
        // reads as embedded JSON text.
        at_start(r#""$serde_json::private::RawValue":"{\"auditID\":\"q\"}""#),
        line.replacen(
            '{',
            r#"{"$serde_json::private::RawValue":"{\"auditID\":\"q\"}"}"#,
            1,
        ),
        line.replacen(
            r#""user":{"#,
            r#""user":{"$serde_json::private::RawValue":"{\"username\":\"u\"}"}, "zz":{"#,
            1,
        ),
        at_start(r#""verb":{"$serde_json::private::RawValue":"\"get\""}"#),
        at_start(r#""zz":{"a":1,"$serde_json::private::RawValue":"1"}"#),
        at_start(r#""zz":{"$serde_json::private::Number":"1"}"#),
        // Not one JSON object.
        format!(" \n\t{} \r\n", line),
        format!("\u{feff}{}", line),
        format!("{} x", line),
        format!("{}}}", line),
        line[..line.len() - 1].to_string(),
        String::new(),
        "null".into(),
        "[1,2]".into(),
        "\"x\"".into(),
        "{}".into(),
        r#"{"auditID":" "}"#.into(),
        r#"{"auditID":7}"#.into(),
    ];
    for n in 124..=129 {
        cases.push(at_start(&deep(n)));
        cases.push(line.replacen(
            r#""groups":["#,
            &format!("\"groups\":[{},", &deep(n)[5..]),
            1,
        ));
    }
    let mut cases: Vec<Vec<u8>> = cases.into_iter().map(String::into_bytes).collect();
    // Invalid UTF-8 in a string that is read and in one that is not.
    let mut bad = line.as_bytes().to_vec();
    let at = line.find(r#""verb":""#).unwrap() + 8;
    bad[at] = 0xff;
    cases.push(bad);
    let mut bad = at_start(r#""zz":"ab""#).into_bytes();
    bad[7] = 0xc3;
    cases.push(bad);
    for raw in &cases {
        assert_readers_agree(raw);
    }
    // The cases the direct reader cannot mirror did reach the `Value` path,
    // which reads a marker key as the object it is.
    let marker = line.replacen(r#""verb":""#, r#""verb":{"$serde_json::private::RawValue":"\"watch\""},"zverb":""#, 1);
    assert_readers_agree(marker.as_bytes());
    assert!(read_record(marker.as_bytes()).is_none());
    assert_eq!(parse(marker.as_bytes()).unwrap().fields.get("verb"), None);
    // A key twice, read or not, is refused by the direct reader itself.
    for twice in [at_start(r#""verb":"watch""#), at_end(r#""auditID":"other""#), at_start(r#""zz":{"a":1,"b":{"c":1,"c":2}}"#)] {
        assert!(read_record(twice.as_bytes()).is_none(), "{}", twice);
        assert!(parse(twice.as_bytes()).unwrap_err().reason.contains("duplicate key"), "{}", twice);
        assert!(!validate(twice.as_bytes()), "{}", twice);
    }
}

#[test]
fn field_names_are_sorted_and_distinct() {
    assert!(FIELD_NAMES.windows(2).all(|w| w[0] < w[1]));
}
