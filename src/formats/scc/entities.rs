//! The entities and fields of a finding: the cluster and the Kubernetes
//! object its `resourceName` names, `kubernetes` (pods, containers, nodes,
//! node pools, bindings, objects), the top-level `containers`, the
//! `processes`, `access` (who called, from where) and `indicator`
//! (addresses and domains the detection matched). Older Container Threat
//! Detection findings say the pod and container only in
//! `sourceProperties` (`Pod_Namespace`, `Pod_Name`, `Container_Name`,
//! `Container_Image_Uri`, `VM_Instance_Name`): they are read when the
//! structured members are missing.

use super::Obj;
use crate::entity;
use crate::formats::envelope::ClusterRef;
use crate::formats::{str_of, u64_of};
use crate::model::{EntityKind, EntityRef, NewEvent};
use serde_json::Value;

fn s<'a>(o: &'a Obj, key: &str) -> Option<&'a str> {
    str_of(o.get(key))
}

fn object<'a>(o: &'a Obj, key: &str) -> Option<&'a Obj> {
    o.get(key).and_then(Value::as_object)
}

fn array<'a>(o: &'a Obj, key: &str) -> impl Iterator<Item = &'a Obj> {
    o.get(key).and_then(Value::as_array).into_iter().flatten().filter_map(Value::as_object)
}

fn strings<'a>(o: &'a Obj, key: &str) -> Vec<&'a str> {
    o.get(key).and_then(Value::as_array).into_iter().flatten().filter_map(|v| str_of(Some(v))).collect()
}

/// `[{name, value}]` labels as an object.
fn labels(o: &Obj) -> Option<Value> {
    let m: serde_json::Map<String, Value> =
        array(o, "labels").filter_map(|l| Some((s(l, "name")?.to_string(), Value::from(s(l, "value").unwrap_or_default())))).collect();
    (!m.is_empty()).then_some(Value::Object(m))
}

/// What the hardening view needs of a posture finding: the namespace and
/// the object it is about.
#[derive(Debug, Default)]
pub(super) struct Seen {
    pub namespace: Option<String>,
    pub object: Option<(String, String)>,
}

/// What a GKE full resource name says: `//container.googleapis.com/projects/
/// <p>/(locations|zones)/<l>/clusters/<c>[/k8s/namespaces/<ns>[/<kind>/<name>]]`,
/// or a Compute Engine instance (a node).
#[derive(Debug, Default, PartialEq)]
pub(super) struct ResourceName<'a> {
    pub project: Option<&'a str>,
    pub location: Option<&'a str>,
    pub cluster: Option<&'a str>,
    pub namespace: Option<&'a str>,
    /// The Kubernetes resource (`pods`, `deployments` …) and its name.
    pub object: Option<(&'a str, &'a str)>,
    /// A Compute Engine instance: a GKE node.
    pub instance: Option<&'a str>,
}

impl<'a> ResourceName<'a> {
    pub(super) fn parse(full: &'a str) -> ResourceName<'a> {
        let path = full.trim().trim_start_matches("//");
        let path = path.split_once('/').map_or("", |(_, p)| p);
        let parts: Vec<&str> = path.split('/').filter(|p| !p.is_empty()).collect();
        let mut r = ResourceName::default();
        let mut i = 0;
        while i + 1 < parts.len() {
            let (k, v) = (parts[i], parts[i + 1]);
            match k {
                "projects" if r.project.is_none() => r.project = Some(v),
                "locations" | "zones" | "regions" if r.location.is_none() => r.location = Some(v),
                "clusters" => r.cluster = Some(v),
                "instances" => r.instance = Some(v),
                "namespaces" => r.namespace = Some(v),
                "k8s" => {
                    i += 1;
                    continue;
                }
                _ if r.namespace.is_some() || r.cluster.is_some() => r.object = Some((k, v)),
                _ => {}
            }
            i += 2;
        }
        r
    }
}

/// The Kubernetes kind of a resource's plural (`pods` → `Pod`): the
/// workload kinds as the audit log reads them, and the others SCC names.
fn kind_of(plural: &str) -> Option<&'static str> {
    let p = plural.to_ascii_lowercase();
    crate::formats::audit::workload_kind_for_resource(&p).or(Some(match p.as_str() {
        "pods" => "Pod",
        "services" => "Service",
        "serviceaccounts" => "ServiceAccount",
        "roles" => "Role",
        "rolebindings" => "RoleBinding",
        "clusterroles" => "ClusterRole",
        "clusterrolebindings" => "ClusterRoleBinding",
        _ => return None,
    }))
}

pub(super) fn entities(f: &Obj, resource: Option<&Obj>, ev: &mut NewEvent) -> Seen {
    let mut seen = Seen::default();
    let full = s(f, "resourceName").or_else(|| resource.and_then(|r| s(r, "name"))).unwrap_or_default();
    let rn = ResourceName::parse(full);
    // Container Threat Detection names the project by number; the GKE
    // audit log, and the cluster entity, by its id (the resource's
    // `projectDisplayName`).
    let number = rn.project.filter(|p| p.bytes().all(|b| b.is_ascii_digit()));
    let project = resource.and_then(|r| s(r, "projectDisplayName")).or(rn.project.filter(|_| number.is_none()));
    if let Some(c) = rn.cluster {
        ev.field("cluster", c);
        ev.field("project", project);
        ev.field("project_number", number);
        ev.field("location", rn.location);
        let cluster = ClusterRef::new(c, "gke").attr("project", project).attr("project_number", number).attr("location", rn.location);
        ev.entity(cluster.into_entity());
    }
    if let Some(vm) = rn.instance {
        node(vm, ev);
    }
    if let Some(ns) = rn.namespace {
        namespace(ns, ev, &mut seen);
    }
    if let Some((plural, name)) = rn.object {
        k8s_object(rn.namespace, plural, name, ev, &mut seen);
    }
    let sp = object(f, "sourceProperties");
    let k8s = object(f, "kubernetes");
    let pods: Vec<&Obj> = k8s.map(|k| array(k, "pods").collect()).unwrap_or_default();
    for p in &pods {
        if let (Some(ns), Some(name)) = (s(p, "ns"), s(p, "name")) {
            namespace(ns, ev, &mut seen);
            pod(ns, name, labels(p), ev, &mut seen);
        }
        for c in array(p, "containers") {
            container(c, ev);
        }
    }
    if pods.is_empty() {
        if let Some((ns, name)) = sp.and_then(|p| Some((s(p, "Pod_Namespace")?, s(p, "Pod_Name")?))) {
            namespace(ns, ev, &mut seen);
            pod(ns, name, None, ev, &mut seen);
        }
    }
    for c in array(f, "containers") {
        container(c, ev);
    }
    if !ev.fields.contains_key("container_name") {
        ev.field("container_name", sp.and_then(|p| s(p, "Container_Name")));
        if let Some(uri) = sp.and_then(|p| s(p, "Container_Image_Uri")) {
            image(uri, None, ev);
        }
    }
    if let Some(k) = k8s {
        kubernetes(k, ev, &mut seen);
    }
    if !ev.fields.contains_key("node") {
        if let Some(vm) = sp.and_then(|p| s(p, "VM_Instance_Name")) {
            node(vm, ev);
        }
    }
    let processes: Vec<&Obj> = array(f, "processes").collect();
    if let Some(p) = processes.first() {
        process(p, ev);
    }
    if processes.len() > 1 {
        let rest: Vec<Value> = processes[1..].iter().map(|p| process_summary(p)).collect();
        ev.field("other_processes", rest);
    }
    if let Some(a) = object(f, "access") {
        access(a, ev);
    }
    if let Some(i) = object(f, "indicator") {
        indicator(i, ev);
    }
    seen
}

fn namespace(ns: &str, ev: &mut NewEvent, seen: &mut Seen) {
    if entity::is_absent(ns) {
        return;
    }
    ev.field("namespace", ns);
    seen.namespace.get_or_insert_with(|| ns.to_string());
    ev.entity(EntityRef::new(EntityKind::Namespace, ns, "namespace"));
}

fn pod(ns: &str, name: &str, labels: Option<Value>, ev: &mut NewEvent, seen: &mut Seen) {
    let Some(key) = entity::pod_key(ns, name) else { return };
    ev.field("pod", key.as_str());
    ev.add_search(&key);
    seen.object.get_or_insert_with(|| ("Pod".to_string(), name.to_string()));
    ev.entity(EntityRef::new(EntityKind::Pod, key, "pod").attr("namespace", ns).attr("name", name).attr("labels", labels));
}

/// A Kubernetes object the resource name or `kubernetes.objects` names.
fn k8s_object(ns: Option<&str>, plural_or_kind: &str, name: &str, ev: &mut NewEvent, seen: &mut Seen) {
    let kind = kind_of(plural_or_kind).unwrap_or(plural_or_kind);
    match (kind, ns) {
        ("Pod", Some(ns)) => pod(ns, name, None, ev, seen),
        ("Deployment" | "ReplicaSet" | "DaemonSet" | "StatefulSet" | "Job" | "CronJob", _) => {
            if let Some(key) = entity::workload_key(ns, kind, name) {
                seen.object.get_or_insert_with(|| (kind.to_string(), name.to_string()));
                ev.field("workload", key.as_str());
                ev.entity(
                    EntityRef::new(EntityKind::Workload, key, "owner").attr("kind", kind).attr("name", name).attr("namespace", ns),
                );
            }
        }
        _ => {
            seen.object.get_or_insert_with(|| (kind.to_string(), name.to_string()));
        }
    }
}

/// A container: its name and image (SCC names no container id).
fn container(c: &Obj, ev: &mut NewEvent) {
    if let Some(name) = s(c, "name") {
        ev.field("container_name", name);
    }
    if let Some(uri) = s(c, "uri") {
        image(uri, s(c, "imageId"), ev);
    }
}

/// The image of a container `uri`, with the digest its `imageId` gives
/// (`sha256:…`, or a reference ending `@sha256:…`).
fn image(uri: &str, image_id: Option<&str>, ev: &mut NewEvent) {
    let Some((reference, digest)) = entity::image(uri) else { return };
    let digest = digest.or_else(|| {
        let id = image_id?.trim();
        let d = id.rsplit_once('@').map_or(id, |(_, d)| d);
        d.starts_with("sha256:").then(|| d.to_ascii_lowercase())
    });
    ev.field("image", reference.as_str());
    ev.field("image_digest", digest.clone());
    ev.entity(EntityRef::new(EntityKind::Image, reference, "image").attr("digest", digest));
}

/// A node, named by its VM's full resource name or by its own name: a GKE
/// node is named after its Compute Engine instance.
fn node(name: &str, ev: &mut NewEvent) {
    let vm = name.trim().rsplit('/').next().unwrap_or_default();
    if entity::is_absent(vm) || ev.fields.contains_key("node") {
        return;
    }
    ev.field("node", vm);
    ev.entity(EntityRef::new(EntityKind::Node, vm, "node").attr("resource_name", name.contains('/').then_some(name)));
}

fn kubernetes(k: &Obj, ev: &mut NewEvent, seen: &mut Seen) {
    for n in array(k, "nodes") {
        if let Some(name) = s(n, "name") {
            node(name, ev);
        }
    }
    let pools: Vec<&str> = array(k, "nodePools").filter_map(|p| s(p, "name")).collect();
    for p in array(k, "nodePools") {
        for n in array(p, "nodes") {
            if let Some(name) = s(n, "name") {
                node(name, ev);
            }
        }
    }
    if !pools.is_empty() {
        ev.field("node_pools", pools);
    }
    for o in array(k, "objects") {
        if let (Some(kind), Some(name)) = (s(o, "kind"), s(o, "name")) {
            if let Some(ns) = s(o, "ns") {
                namespace(ns, ev, seen);
            }
            k8s_object(s(o, "ns"), kind, name, ev, seen);
        }
        for c in array(o, "containers") {
            container(c, ev);
        }
    }
    // Roles, bindings and access reviews say what was granted or asked:
    // kept as given, with the service accounts a binding names.
    for (name, key) in [("k8s_roles", "roles"), ("k8s_bindings", "bindings"), ("access_reviews", "accessReviews")] {
        if let Some(Value::Array(a)) = k.get(key) {
            if !a.is_empty() {
                ev.field(name, Value::Array(a.clone()));
            }
        }
    }
    for b in array(k, "bindings") {
        for subject in array(b, "subjects") {
            let is_sa = s(subject, "kind").is_some_and(|k| k.eq_ignore_ascii_case("SERVICEACCOUNT"));
            if let (true, Some(ns), Some(name)) = (is_sa, s(subject, "ns"), s(subject, "name")) {
                if let Some(id) = entity::service_account_identity(ns, name) {
                    ev.entity(EntityRef::new(EntityKind::Identity, id, "subject"));
                }
            }
        }
    }
}

/// A file member (`binary`, `script`, a library): its path and hash.
fn file(o: Option<&Obj>, role: &str, ev: &mut NewEvent) -> Option<String> {
    let o = o?;
    let path = s(o, "path")?;
    ev.add_search(path);
    ev.entity(
        EntityRef::new(EntityKind::File, path, "file")
            .attr("sha256", s(o, "sha256").map(str::to_ascii_lowercase))
            .attr("size", u64_of(o.get("size")))
            .attr("seen_as", role),
    );
    Some(path.to_string())
}

/// The process of the finding. Its `pid` is what the detector saw, not the
/// host's (Container Threat Detection reads it in the container's pid
/// namespace): no process entity is keyed from it.
fn process(p: &Obj, ev: &mut NewEvent) {
    let exe = file(object(p, "binary"), "binary", ev);
    let script = file(object(p, "script"), "script", ev);
    let libraries: Vec<String> = array(p, "libraries").filter_map(|l| file(Some(l), "library", ev)).collect();
    let args = strings(p, "args");
    let cmdline = (!args.is_empty()).then(|| args.join(" "));
    ev.field("process_name", s(p, "name"));
    ev.field("exe", exe);
    ev.field("exe_sha256", object(p, "binary").and_then(|b| s(b, "sha256")));
    ev.field("script", script);
    ev.field("script_sha256", object(p, "script").and_then(|b| s(b, "sha256")));
    // The first bytes of the script, as the detector read them.
    ev.field("script_contents", object(p, "script").and_then(|b| s(b, "contents")));
    if !libraries.is_empty() {
        ev.field("libraries", libraries);
    }
    if let Some(c) = &cmdline {
        ev.add_search(c);
    }
    ev.field("cmdline", cmdline);
    if let Some(Value::Bool(true)) = p.get("argumentsTruncated") {
        ev.field("args_truncated", true);
    }
    ev.field("pid", u64_of(p.get("pid")));
    ev.field("parent_pid", u64_of(p.get("parentPid")));
    let env: Vec<Value> = array(p, "envVariables")
        .filter_map(|e| Some(Value::from(format!("{}={}", s(e, "name")?, s(e, "val").unwrap_or_default()))))
        .collect();
    if !env.is_empty() {
        ev.field("env", env);
    }
}

fn process_summary(p: &Obj) -> Value {
    let mut m = serde_json::Map::new();
    for (name, v) in [
        ("name", s(p, "name").map(Value::from)),
        ("exe", object(p, "binary").and_then(|b| s(b, "path")).map(Value::from)),
        ("cmdline", Some(strings(p, "args").join(" ")).filter(|c| !c.is_empty()).map(Value::from)),
        ("pid", u64_of(p.get("pid")).map(Value::from)),
        ("parent_pid", u64_of(p.get("parentPid")).map(Value::from)),
    ] {
        if let Some(v) = v {
            m.insert(name.to_string(), v);
        }
    }
    Value::Object(m)
}

/// Who made the call a finding is about (Event Threat Detection's findings
/// on GKE audit logs), keyed as the GKE audit log keys its principal.
fn access(a: &Obj, ev: &mut NewEvent) {
    let principal = s(a, "principalEmail").or_else(|| s(a, "principalSubject"));
    if let Some(p) = principal {
        ev.field("user", p);
        ev.add_search(p);
        let gcp = !p.starts_with("system:");
        ev.entity(EntityRef::new(EntityKind::Identity, p, "actor").attr("provider", gcp.then_some("gcp")));
    }
    let ip = s(a, "callerIp").and_then(entity::ip);
    if let Some(ip) = &ip {
        ev.field("source_ip", ip.as_str());
        let region = object(a, "callerIpGeo").and_then(|g| s(g, "regionCode"));
        ev.entity(EntityRef::new(EntityKind::Ip, ip.as_str(), "source-ip").attr("country", region));
    }
    for (name, key) in [
        ("service", "serviceName"),
        ("method", "methodName"),
        ("user_agent", "userAgent"),
        ("user_agent_family", "userAgentFamily"),
        ("principal_subject", "principalSubject"),
    ] {
        ev.field(name, s(a, key));
    }
}

/// What the detection matched: the addresses and domains the workload
/// reached (a miner's pool, a reverse shell's listener).
fn indicator(i: &Obj, ev: &mut NewEvent) {
    let ips: Vec<String> = strings(i, "ipAddresses").into_iter().filter_map(entity::ip).collect();
    for ip in &ips {
        ev.entity(EntityRef::new(EntityKind::Ip, ip.as_str(), "destination-ip"));
        ev.add_search(ip);
    }
    if let Some(first) = ips.first() {
        ev.field("dst_ip", first.as_str());
    }
    if ips.len() > 1 {
        ev.field("indicator_ips", ips.clone());
    }
    let domains: Vec<String> =
        strings(i, "domains").into_iter().map(|d| d.trim().trim_end_matches('.').to_ascii_lowercase()).filter(|d| !d.is_empty()).collect();
    for d in &domains {
        ev.entity(EntityRef::new(EntityKind::Domain, d.as_str(), "destination"));
        ev.add_search(d);
    }
    if !domains.is_empty() {
        ev.field("domains", domains);
    }
    let uris = strings(i, "uris");
    if !uris.is_empty() {
        ev.field("indicator_uris", uris);
    }
}
