//! One normalizer per object kind: the entities and fields each kind of
//! object gives the investigator (pods, workloads, services, service
//! accounts, RBAC, network policies, namespaces, nodes).

use super::*;

pub(super) fn pod(ev: &mut NewEvent, obj: &Map<String, Value>, meta: &Map<String, Value>) {
    let ns = str_of(meta.get("namespace"));
    let name = str_of(meta.get("name"));
    let spec = obj.get("spec").and_then(Value::as_object);
    let status = obj.get("status").and_then(Value::as_object);
    let phase = status.and_then(|s| str_of(s.get("phase")));
    let node = spec.and_then(|s| str_of(s.get("nodeName")));
    let pod_ip = status
        .and_then(|s| str_of(s.get("podIP")))
        .and_then(entity::ip);
    let host_ip = status
        .and_then(|s| str_of(s.get("hostIP")))
        .and_then(entity::ip);
    let pod_key = ns.zip(name).and_then(|(ns, n)| entity::pod_key(ns, n));

    if let Some(p) = phase {
        ev.title = format!("{} ({})", ev.title, p);
    }
    ev.field("phase", phase);
    ev.field(
        "status_reason",
        status.and_then(|s| str_of(s.get("reason"))),
    );
    ev.field("node", node);
    ev.field("pod_ip", pod_ip.as_deref());
    ev.field("host_ip", host_ip.as_deref());
    ev.field(
        "start_time",
        status.and_then(|s| str_of(s.get("startTime"))),
    );
    ev.field("qos_class", status.and_then(|s| str_of(s.get("qosClass"))));

    if let Some(key) = &pod_key {
        ev.entity(
            EntityRef::new(EntityKind::Pod, key.as_str(), "subject")
                .attr("uid", str_of(meta.get("uid")))
                .attr("namespace", ns)
                .attr("name", name)
                .attr(
                    "labels",
                    meta.get("labels").filter(|l| l.is_object()).cloned(),
                )
                .attr("phase", phase)
                .attr("node", node)
                .attr("pod_ip", pod_ip.as_deref()),
        );
    }
    if let Some(n) = node {
        ev.entity(EntityRef::new(EntityKind::Node, n, "node"));
    }
    // Every pod IP (dual stack lists both), then the node's.
    let mut pod_ips: Vec<String> = pod_ip.iter().cloned().collect();
    for ip in arr(status.and_then(|s| s.get("podIPs"))) {
        if let Some(ip) = str_of(ip.get("ip")).and_then(entity::ip) {
            if !pod_ips.contains(&ip) {
                pod_ips.push(ip);
            }
        }
    }
    if pod_ips.len() > 1 {
        ev.field("pod_ips", pod_ips.clone());
    }
    for ip in &pod_ips {
        ev.entity(
            EntityRef::new(EntityKind::Ip, ip.as_str(), "pod-ip").attr("pod", pod_key.as_deref()),
        );
    }
    if let Some(ip) = &host_ip {
        ev.entity(EntityRef::new(EntityKind::Ip, ip.as_str(), "host-ip").attr("node", node));
    }
    owner(ev, meta);

    let auto = spec.and_then(automount);
    if let Some(spec) = spec {
        service_account_entity(ev, ns, spec, auto);
        ev.field("automount", auto);
        pod_spec_fields(ev, spec);
    }

    // Containers: full ids from the status, images from spec and status.
    let mut summary = Vec::new();
    let mut restarts: u64 = 0;
    for c in containers(spec, status) {
        let spec_image = c.spec.and_then(|s| str_of(s.get("image")));
        let status_image = c.status.and_then(|s| str_of(s.get("image")));
        let image_id = c.status.and_then(|s| str_of(s.get("imageID")));
        let raw_id = c.status.and_then(|s| str_of(s.get("containerID")));
        let id = raw_id.and_then(entity::container_id);
        let runtime = raw_id.and_then(|r| r.split_once("://")).map(|(rt, _)| rt);
        let restart_count = c.status.and_then(|s| u64_of(s.get("restartCount")));
        restarts = restarts.saturating_add(restart_count.unwrap_or(0));
        let state = c
            .status
            .and_then(|s| s.get("state"))
            .and_then(Value::as_object)
            .and_then(|st| {
                st.iter()
                    .find(|(_, v)| v.is_object())
                    .map(|(k, _)| k.as_str())
            });
        let privileged = c
            .spec
            .and_then(|s| s.get("securityContext"))
            .and_then(|sc| bool_of(sc.get("privileged")));

        let image = image_entity(spec_image, status_image, image_id);
        let image_ref = image.as_ref().map(|e| e.key.clone());
        let digest = image.as_ref().and_then(|e| e.attrs.get("digest")).cloned();
        if let Some(img) = image {
            ev.entity(img);
        }
        if let Some(id) = &id {
            ev.entity(
                EntityRef::new(EntityKind::Container, id.as_str(), "container")
                    .attr("name", c.name)
                    .attr("id", id.as_str())
                    .attr("runtime", runtime)
                    .attr("image", image_ref.as_deref())
                    .attr("pod", pod_key.as_deref())
                    .attr("type", c.kind),
            );
        }
        let mut item = Map::new();
        let mut put = |k: &str, v: Value| {
            if !v.is_null() {
                item.insert(k.to_string(), v);
            }
        };
        put("name", c.name.into());
        put("type", c.kind.into());
        put("image", image_ref.as_deref().into());
        put("image_digest", digest.unwrap_or(Value::Null));
        put("id", id.as_deref().into());
        put("runtime", runtime.into());
        put(
            "ready",
            c.status.and_then(|s| bool_of(s.get("ready"))).into(),
        );
        put("restart_count", restart_count.into());
        put("state", state.into());
        put("privileged", privileged.into());
        summary.push(Value::Object(item));
    }
    if !summary.is_empty() {
        for c in &summary {
            for k in ["name", "image", "id"] {
                if let Some(s) = c.get(k).and_then(Value::as_str) {
                    ev.add_search(s);
                }
            }
        }
        ev.field("containers", summary);
    }
    if status.is_some() {
        ev.field("restart_count", restarts);
    }
}

pub(super) fn workload(ev: &mut NewEvent, obj: &Map<String, Value>, meta: &Map<String, Value>, kind: &str) {
    let ns = str_of(meta.get("namespace"));
    let name = str_of(meta.get("name"));
    let spec = obj.get("spec").and_then(Value::as_object);
    let status = obj.get("status").and_then(Value::as_object);
    if let Some(key) = name.and_then(|n| entity::workload_key(ns, kind, n)) {
        ev.entity(
            EntityRef::new(EntityKind::Workload, key, "subject")
                .attr("uid", str_of(meta.get("uid")))
                .attr("kind", kind)
                .attr("namespace", ns)
                .attr("name", name)
                .attr(
                    "labels",
                    meta.get("labels").filter(|l| l.is_object()).cloned(),
                ),
        );
    }
    owner(ev, meta);

    let spec_num = |k: &str| spec.and_then(|s| u64_of(s.get(k)));
    let status_num = |k: &str| status.and_then(|s| u64_of(s.get(k)));
    ev.field("replicas", spec_num("replicas"));
    ev.field("status_replicas", status_num("replicas"));
    ev.field("ready_replicas", status_num("readyReplicas"));
    ev.field("available_replicas", status_num("availableReplicas"));
    ev.field("updated_replicas", status_num("updatedReplicas"));
    ev.field("unavailable_replicas", status_num("unavailableReplicas"));
    match kind {
        "DaemonSet" => {
            ev.field("desired_scheduled", status_num("desiredNumberScheduled"));
            ev.field("current_scheduled", status_num("currentNumberScheduled"));
            ev.field("number_ready", status_num("numberReady"));
            ev.field("number_available", status_num("numberAvailable"));
        }
        "Job" => {
            ev.field("completions", spec_num("completions"));
            ev.field("parallelism", spec_num("parallelism"));
            ev.field("active", status_num("active"));
            ev.field("succeeded", status_num("succeeded"));
            ev.field("failed", status_num("failed"));
        }
        "CronJob" => {
            ev.field("schedule", spec.and_then(|s| str_of(s.get("schedule"))));
            ev.field("suspend", spec.and_then(|s| bool_of(s.get("suspend"))));
            ev.field(
                "last_schedule_time",
                status.and_then(|s| str_of(s.get("lastScheduleTime"))),
            );
            ev.field(
                "active_jobs",
                status
                    .and_then(|s| s.get("active"))
                    .and_then(Value::as_array)
                    .map(Vec::len),
            );
        }
        _ => {}
    }

    // Title: replica state, or the schedule of a CronJob.
    let desired = spec_num("replicas").or(status_num("desiredNumberScheduled"));
    let ready = status_num("readyReplicas").or(status_num("numberReady"));
    if kind == "CronJob" {
        if let Some(s) = spec.and_then(|s| str_of(s.get("schedule"))) {
            ev.title = format!("{} ({})", ev.title, s);
        }
    } else if let Some(d) = desired {
        ev.title = format!("{} ({}/{} ready)", ev.title, ready.unwrap_or(0), d);
    }

    // The pod template: images, service account, risky settings.
    let template = if kind == "CronJob" {
        obj_at(
            obj.get("spec"),
            &["jobTemplate", "spec", "template", "spec"],
        )
    } else {
        obj_at(obj.get("spec"), &["template", "spec"])
    };
    if let Some(tspec) = template {
        let mut list = Vec::new();
        for c in containers(Some(tspec), None) {
            let image = image_entity(c.spec.and_then(|s| str_of(s.get("image"))), None, None);
            list.push(json!({"name": c.name, "type": c.kind, "image": image.as_ref().map(|e| e.key.clone())}));
            if let Some(img) = image {
                ev.add_search(&img.key);
                ev.entity(img);
            }
        }
        if !list.is_empty() {
            ev.field("containers", list);
        }
        let auto = automount_template(tspec);
        service_account_entity(ev, ns, tspec, auto);
        ev.field("automount", auto);
        pod_spec_fields(ev, tspec);
    }
}

/// A template has no injected token volume yet: only the explicit setting.
fn automount_template(spec: &Map<String, Value>) -> Option<bool> {
    bool_of(spec.get("automountServiceAccountToken"))
}

pub(super) fn service(ev: &mut NewEvent, obj: &Map<String, Value>) {
    let spec = obj.get("spec").and_then(Value::as_object);
    let svc_type = spec
        .and_then(|s| str_of(s.get("type")))
        .unwrap_or("ClusterIP");
    let cluster_ip = spec.and_then(|s| str_of(s.get("clusterIP")));
    let lb: Vec<&Map<String, Value>> = arr(obj
        .get("status")
        .and_then(|s| s.get("loadBalancer"))
        .and_then(|l| l.get("ingress")))
    .iter()
    .filter_map(Value::as_object)
    .collect();
    let lb_ips: Vec<String> = lb
        .iter()
        .filter_map(|i| str_of(i.get("ip")).and_then(entity::ip))
        .collect();
    let lb_hosts: Vec<String> = lb
        .iter()
        .filter_map(|i| str_of(i.get("hostname")).map(str::to_string))
        .collect();
    let external_ips: Vec<String> = arr(spec.and_then(|s| s.get("externalIPs")))
        .iter()
        .filter_map(|v| str_of(Some(v)).and_then(entity::ip))
        .collect();
    let ports: Vec<Value> = arr(spec.and_then(|s| s.get("ports")))
        .iter()
        .filter_map(Value::as_object)
        .map(|p| {
            json!({
                "name": str_of(p.get("name")),
                "port": u64_of(p.get("port")),
                "protocol": str_of(p.get("protocol")).unwrap_or("TCP"),
                "target_port": p.get("targetPort").cloned().unwrap_or(Value::Null),
                "node_port": u64_of(p.get("nodePort")),
            })
        })
        .collect();

    ev.field("service_type", svc_type);
    ev.field("cluster_ip", cluster_ip);
    ev.field(
        "external_name",
        spec.and_then(|s| str_of(s.get("externalName"))),
    );
    ev.field(
        "selector",
        spec.and_then(|s| s.get("selector"))
            .filter(|s| s.is_object())
            .cloned(),
    );
    ev.field("ports", ports);
    if !lb_ips.is_empty() {
        ev.field("load_balancer_ips", lb_ips.clone());
    }
    if !lb_hosts.is_empty() {
        ev.field("load_balancer_hostnames", lb_hosts.clone());
    }
    if !external_ips.is_empty() {
        ev.field("external_ips", external_ips.clone());
    }
    ev.field(
        "exposed",
        matches!(svc_type, "LoadBalancer" | "NodePort") || !external_ips.is_empty(),
    );

    if let Some(ip) = cluster_ip.and_then(entity::ip) {
        ev.entity(EntityRef::new(EntityKind::Ip, ip, "cluster-ip"));
    }
    for ip in &lb_ips {
        ev.entity(EntityRef::new(
            EntityKind::Ip,
            ip.as_str(),
            "load-balancer-ip",
        ));
    }
    for ip in &external_ips {
        ev.entity(EntityRef::new(EntityKind::Ip, ip.as_str(), "external-ip"));
    }
    for host in &lb_hosts {
        ev.entity(EntityRef::new(
            EntityKind::Domain,
            host.as_str(),
            "load-balancer-host",
        ));
    }
    let shown = lb_ips
        .first()
        .or(lb_hosts.first())
        .map(String::as_str)
        .or(cluster_ip);
    ev.title = match shown {
        Some(addr) => format!("{} ({} {})", ev.title, svc_type, addr),
        None => format!("{} ({})", ev.title, svc_type),
    };
}

pub(super) fn service_account(ev: &mut NewEvent, obj: &Map<String, Value>, meta: &Map<String, Value>) {
    let ns = str_of(meta.get("namespace"));
    let name = str_of(meta.get("name"));
    let auto = bool_of(obj.get("automountServiceAccountToken"));
    let key = ns
        .zip(name)
        .and_then(|(ns, n)| entity::service_account_identity(ns, n));
    ev.field("service_account", key.as_deref());
    ev.field("automount", auto);
    let names = |k: &str| -> Vec<String> {
        arr(obj.get(k))
            .iter()
            .filter_map(|s| str_of(s.get("name")).map(str::to_string))
            .collect()
    };
    let secrets = names("secrets");
    if !secrets.is_empty() {
        ev.field("secrets", secrets);
    }
    let pull = names("imagePullSecrets");
    if !pull.is_empty() {
        ev.field("image_pull_secrets", pull);
    }
    if let Some(key) = key {
        ev.entity(
            EntityRef::new(EntityKind::Identity, key, "subject")
                .attr("uid", str_of(meta.get("uid")))
                .attr("automount", auto),
        );
    }
}

fn join_strs(v: Option<&Value>) -> String {
    arr(v)
        .iter()
        .filter_map(|s| s.as_str())
        .collect::<Vec<_>>()
        .join(",")
}

/// `get,list secrets`, `* *`, `get /healthz`: one line per rule.
fn rule_summary(rule: &Map<String, Value>) -> String {
    let verbs = join_strs(rule.get("verbs"));
    let mut s = if rule.contains_key("nonResourceURLs") && !rule.contains_key("resources") {
        format!("{} {}", verbs, join_strs(rule.get("nonResourceURLs")))
    } else {
        format!("{} {}", verbs, join_strs(rule.get("resources")))
    };
    let names = join_strs(rule.get("resourceNames"));
    if !names.is_empty() {
        s.push_str(&format!(" names={}", names));
    }
    let groups: Vec<&str> = arr(rule.get("apiGroups"))
        .iter()
        .filter_map(|g| g.as_str())
        .filter(|g| !g.is_empty())
        .collect();
    if !groups.is_empty() {
        s.push_str(&format!(" (apiGroups {})", groups.join(",")));
    }
    s
}

pub(super) fn role(ev: &mut NewEvent, obj: &Map<String, Value>) {
    let rules: Vec<&Map<String, Value>> = arr(obj.get("rules"))
        .iter()
        .filter_map(Value::as_object)
        .collect();
    let summaries: Vec<String> = rules.iter().map(|r| rule_summary(r)).collect();
    let has = |r: &Map<String, Value>, k: &str, what: &str| {
        arr(r.get(k)).iter().any(|v| v.as_str() == Some(what))
    };
    let wildcard = rules
        .iter()
        .any(|r| has(r, "verbs", "*") || has(r, "resources", "*"));
    let secrets = rules.iter().any(|r| {
        (has(r, "resources", "secrets") || has(r, "resources", "*"))
            && ["get", "list", "watch", "*"]
                .iter()
                .any(|v| has(r, "verbs", v))
    });
    let exec = rules
        .iter()
        .any(|r| has(r, "resources", "pods/exec") || has(r, "resources", "*"));
    ev.field("rules", obj.get("rules").filter(|r| r.is_array()).cloned());
    ev.field("rule_summary", summaries.clone());
    ev.field("wildcard", wildcard);
    ev.field("reads_secrets", secrets);
    ev.field("allows_exec", exec);
    ev.field(
        "aggregated",
        obj.get("aggregationRule").is_some_and(|a| a.is_object()),
    );
    ev.title = format!(
        "{} ({} rule{})",
        ev.title,
        rules.len(),
        if rules.len() == 1 { "" } else { "s" }
    );
    for s in &summaries {
        ev.add_search(s);
    }
}

pub(super) fn role_binding(ev: &mut NewEvent, obj: &Map<String, Value>, meta: &Map<String, Value>) {
    let ns = str_of(meta.get("namespace"));
    let role_ref = obj.get("roleRef").and_then(Value::as_object);
    let ref_kind = role_ref.and_then(|r| str_of(r.get("kind")));
    let ref_name = role_ref.and_then(|r| str_of(r.get("name")));
    ev.field("role_ref", ref_name);
    ev.field("role_ref_kind", ref_kind);
    let mut subjects = Vec::new();
    for s in arr(obj.get("subjects")).iter().filter_map(Value::as_object) {
        let Some(name) = str_of(s.get("name")) else {
            continue;
        };
        let kind = str_of(s.get("kind")).unwrap_or("User");
        let key = if kind == "ServiceAccount" {
            // A RoleBinding's subject without namespace means the binding's.
            str_of(s.get("namespace"))
                .or(ns)
                .and_then(|n| entity::service_account_identity(n, name))
        } else {
            Some(name.to_string())
        };
        if let Some(key) = key {
            subjects.push(key.clone());
            ev.entity(
                EntityRef::new(EntityKind::Identity, key, "subject").attr("subject_kind", kind),
            );
        }
    }
    for s in &subjects {
        ev.add_search(s);
    }
    ev.field("subjects", subjects);
    if let (Some(k), Some(n)) = (ref_kind, ref_name) {
        ev.title = format!("{} ({} {})", ev.title, k, n);
        ev.add_search(n);
    }
}

/// `app=cart,tier In (web,api)`, or `all` for the empty selector.
fn selector_summary(sel: Option<&Value>) -> String {
    let Some(sel) = sel.and_then(Value::as_object) else {
        return "all".to_string();
    };
    let mut parts: Vec<String> = sel
        .get("matchLabels")
        .and_then(Value::as_object)
        .map(|m| {
            m.iter()
                .map(|(k, v)| format!("{}={}", k, v.as_str().unwrap_or_default()))
                .collect()
        })
        .unwrap_or_default();
    for e in arr(sel.get("matchExpressions"))
        .iter()
        .filter_map(Value::as_object)
    {
        let key = str_of(e.get("key")).unwrap_or("?");
        let op = str_of(e.get("operator")).unwrap_or("?");
        let values = join_strs(e.get("values"));
        parts.push(if values.is_empty() {
            format!("{} {}", key, op)
        } else {
            format!("{} {} ({})", key, op, values)
        });
    }
    if parts.is_empty() {
        "all".to_string()
    } else {
        parts.join(",")
    }
}

/// One network policy rule: `from namespace{…} pod{…} | ipBlock … on TCP/443`.
fn np_rule_summary(rule: &Map<String, Value>, peers_key: &str, word: &str) -> String {
    let peers: Vec<String> = arr(rule.get(peers_key))
        .iter()
        .filter_map(Value::as_object)
        .map(|p| {
            if let Some(block) = p.get("ipBlock").and_then(Value::as_object) {
                let cidr = str_of(block.get("cidr")).unwrap_or("?");
                let except = join_strs(block.get("except"));
                return if except.is_empty() {
                    format!("ipBlock {}", cidr)
                } else {
                    format!("ipBlock {} except {}", cidr, except)
                };
            }
            let mut s = Vec::new();
            if p.contains_key("namespaceSelector") {
                s.push(format!(
                    "namespace{{{}}}",
                    selector_summary(p.get("namespaceSelector"))
                ));
            }
            if p.contains_key("podSelector") {
                s.push(format!("pod{{{}}}", selector_summary(p.get("podSelector"))));
            }
            if s.is_empty() {
                "?".to_string()
            } else {
                s.join(" ")
            }
        })
        .collect();
    let peers = if peers.is_empty() {
        "anywhere".to_string()
    } else {
        peers.join(" | ")
    };
    let ports: Vec<String> = arr(rule.get("ports"))
        .iter()
        .filter_map(Value::as_object)
        .map(|p| {
            let proto = str_of(p.get("protocol")).unwrap_or("TCP");
            let port = match p.get("port") {
                Some(Value::Number(n)) => n.to_string(),
                Some(Value::String(s)) => s.clone(),
                _ => "*".to_string(),
            };
            match u64_of(p.get("endPort")) {
                Some(end) => format!("{}/{}-{}", proto, port, end),
                None => format!("{}/{}", proto, port),
            }
        })
        .collect();
    let ports = if ports.is_empty() {
        "all ports".to_string()
    } else {
        ports.join(",")
    };
    format!("{} {} on {}", word, peers, ports)
}

pub(super) fn network_policy(ev: &mut NewEvent, obj: &Map<String, Value>) {
    let spec = obj.get("spec").and_then(Value::as_object);
    let pod_selector = spec.and_then(|s| s.get("podSelector"));
    let ingress: Vec<&Map<String, Value>> = arr(spec.and_then(|s| s.get("ingress")))
        .iter()
        .filter_map(Value::as_object)
        .collect();
    let egress: Vec<&Map<String, Value>> = arr(spec.and_then(|s| s.get("egress")))
        .iter()
        .filter_map(Value::as_object)
        .collect();
    // Absent policyTypes: Ingress always, Egress when egress rules exist.
    let mut types: Vec<String> = arr(spec.and_then(|s| s.get("policyTypes")))
        .iter()
        .filter_map(|t| t.as_str().map(str::to_string))
        .collect();
    if types.is_empty() {
        types.push("Ingress".to_string());
        if spec.is_some_and(|s| s.contains_key("egress")) {
            types.push("Egress".to_string());
        }
    }
    let selector = selector_summary(pod_selector);
    ev.field(
        "pod_selector",
        pod_selector.cloned().unwrap_or_else(|| json!({})),
    );
    ev.field("pod_selector_summary", selector.as_str());
    ev.field("selects_all_pods", selector == "all");
    ev.field("policy_types", types.clone());
    ev.field(
        "ingress",
        ingress
            .iter()
            .map(|r| np_rule_summary(r, "from", "from"))
            .collect::<Vec<_>>(),
    );
    ev.field(
        "egress",
        egress
            .iter()
            .map(|r| np_rule_summary(r, "to", "to"))
            .collect::<Vec<_>>(),
    );
    ev.field(
        "denies_all_ingress",
        types.iter().any(|t| t == "Ingress") && ingress.is_empty(),
    );
    ev.field(
        "denies_all_egress",
        types.iter().any(|t| t == "Egress") && egress.is_empty(),
    );
    ev.title = format!("{} (pods: {}; {})", ev.title, selector, types.join("+"));
}

pub(super) fn namespace(ev: &mut NewEvent, obj: &Map<String, Value>, meta: &Map<String, Value>) {
    let name = str_of(meta.get("name"));
    let labels = meta.get("labels").and_then(Value::as_object);
    let phase = obj.get("status").and_then(|s| str_of(s.get("phase")));
    ev.field("phase", phase);
    for mode in ["enforce", "audit", "warn"] {
        let label = |suffix: &str| {
            labels.and_then(|l| str_of(l.get(&format!("pod-security.kubernetes.io/{}", suffix))))
        };
        ev.field(&format!("pod_security_{}", mode), label(mode));
        ev.field(
            &format!("pod_security_{}_version", mode),
            label(&format!("{}-version", mode)),
        );
    }
    if let Some(n) = name {
        ev.entity(
            EntityRef::new(EntityKind::Namespace, n, "subject")
                .attr("uid", str_of(meta.get("uid")))
                .attr("labels", labels.cloned().map(Value::Object)),
        );
    }
    if let Some(p) = phase {
        ev.title = format!("{} ({})", ev.title, p);
    }
}

pub(super) fn node(ev: &mut NewEvent, obj: &Map<String, Value>, meta: &Map<String, Value>) {
    let name = str_of(meta.get("name"));
    let spec = obj.get("spec").and_then(Value::as_object);
    let status = obj.get("status").and_then(Value::as_object);
    let info = status
        .and_then(|s| s.get("nodeInfo"))
        .and_then(Value::as_object);
    let address = |t: &str| {
        arr(status.and_then(|s| s.get("addresses")))
            .iter()
            .find(|a| str_of(a.get("type")) == Some(t))
            .and_then(|a| str_of(a.get("address")))
    };
    let internal_ip = address("InternalIP").and_then(entity::ip);
    let external_ip = address("ExternalIP").and_then(entity::ip);
    let ready = arr(status.and_then(|s| s.get("conditions")))
        .iter()
        .find(|c| str_of(c.get("type")) == Some("Ready"))
        .and_then(|c| str_of(c.get("status")))
        .map(|s| s == "True");
    let info_str = |k: &str| info.and_then(|i| str_of(i.get(k)));
    let pod_cidr = spec.and_then(|s| str_of(s.get("podCIDR")));
    let taints: Vec<String> = arr(spec.and_then(|s| s.get("taints")))
        .iter()
        .filter_map(|t| {
            let key = str_of(t.get("key"))?;
            let effect = str_of(t.get("effect")).unwrap_or("");
            Some(match str_of(t.get("value")) {
                Some(v) => format!("{}={}:{}", key, v, effect),
                None => format!("{}:{}", key, effect),
            })
        })
        .collect();

    ev.field("internal_ip", internal_ip.as_deref());
    ev.field("external_ip", external_ip.as_deref());
    ev.field("hostname", address("Hostname"));
    ev.field("pod_cidr", pod_cidr);
    ev.field(
        "pod_cidrs",
        spec.and_then(|s| s.get("podCIDRs"))
            .filter(|v| v.is_array())
            .cloned(),
    );
    ev.field(
        "provider_id",
        spec.and_then(|s| str_of(s.get("providerID"))),
    );
    ev.field(
        "unschedulable",
        spec.and_then(|s| bool_of(s.get("unschedulable")))
            .unwrap_or(false),
    );
    if !taints.is_empty() {
        ev.field("taints", taints);
    }
    ev.field("ready", ready);
    ev.field("kubelet_version", info_str("kubeletVersion"));
    ev.field("container_runtime", info_str("containerRuntimeVersion"));
    ev.field("kernel_version", info_str("kernelVersion"));
    ev.field("os_image", info_str("osImage"));
    ev.field("architecture", info_str("architecture"));

    if let Some(n) = name {
        ev.entity(
            EntityRef::new(EntityKind::Node, n, "subject")
                .attr("uid", str_of(meta.get("uid")))
                .attr("internal_ip", internal_ip.as_deref())
                .attr("external_ip", external_ip.as_deref())
                .attr("kubelet_version", info_str("kubeletVersion"))
                .attr("pod_cidr", pod_cidr)
                .attr("os_image", info_str("osImage"))
                .attr("container_runtime", info_str("containerRuntimeVersion")),
        );
    }
    if let Some(ip) = &internal_ip {
        ev.entity(EntityRef::new(EntityKind::Ip, ip.as_str(), "node-ip").attr("node", name));
    }
    if let Some(ip) = &external_ip {
        ev.entity(EntityRef::new(EntityKind::Ip, ip.as_str(), "node-ip").attr("node", name));
    }
    match ready {
        Some(true) => ev.title = format!("{} (Ready)", ev.title),
        Some(false) => ev.title = format!("{} (NotReady)", ev.title),
        None => {}
    }
}
