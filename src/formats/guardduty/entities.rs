//! The entities and fields of a finding's `resource` and `service`: the EKS
//! cluster, the Kubernetes user and workload, the container, the node, the
//! runtime process and its lineage, and what the action names (API call,
//! network connection, DNS request).

use super::{object, timestamp, Finding};
use crate::entity;
use crate::formats::envelope::ClusterRef;
use crate::formats::{get_ci, str_of, u64_of};
use crate::model::{EntityKind, EntityRef, NewEvent};
use serde_json::{Map, Value};

type Obj = Map<String, Value>;

fn s<'a>(o: &'a Obj, key: &str) -> Option<&'a str> {
    str_of(get_ci(o, key))
}

fn strings(o: &Obj, key: &str) -> Vec<String> {
    match get_ci(o, key) {
        Some(Value::Array(a)) => a.iter().filter_map(|v| str_of(Some(v))).map(str::to_string).collect(),
        Some(Value::String(one)) if !entity::is_absent(one) => vec![one.clone()],
        _ => Vec::new(),
    }
}

fn array<'a>(o: &'a Obj, key: &str) -> impl Iterator<Item = &'a Obj> {
    let items: &[Value] = match get_ci(o, key) {
        Some(Value::Array(a)) => a,
        _ => &[],
    };
    items.iter().filter_map(Value::as_object)
}

pub(super) fn entities(f: &Finding, ev: &mut NewEvent) {
    let resource = object(f.obj, "resource");
    let service = object(f.obj, "service");
    if let Some(r) = resource {
        ev.field("resource_type", s(r, "resourceType"));
        cluster(f, r, ev);
        // The AWS principal of an AWS API call finding: no ARN to key an
        // identity by, so its facts stay fields.
        if let Some(k) = object(r, "accessKeyDetails") {
            ev.field("aws_user", s(k, "userName"));
            ev.field("aws_user_type", s(k, "userType"));
            ev.field("aws_principal_id", s(k, "principalId"));
            ev.field("access_key_id", s(k, "accessKeyId"));
        }
    }
    let k8s = resource.and_then(|r| object(r, "kubernetesDetails"));
    if let Some(user) = k8s.and_then(|k| object(k, "kubernetesUserDetails")) {
        kubernetes_user(user, ev);
    }
    let api_call = matches!(action_type(service), Some(t) if t.eq_ignore_ascii_case("KUBERNETES_API_CALL"));
    let workload = k8s.and_then(|k| object(k, "kubernetesWorkloadDetails"));
    let mut container_id = None;
    if let Some(w) = workload {
        container_id = kubernetes_workload(w, api_call, ev);
    }
    if let Some(c) = resource.and_then(|r| object(r, "containerDetails")) {
        container_id = container(c, ev, "container").or(container_id);
    }
    let node = resource.and_then(|r| object(r, "instanceDetails")).and_then(|i| instance(i, ev));
    if let Some(id) = &container_id {
        ev.field("container_id", id.as_str());
    }
    if let Some(svc) = service {
        if let Some(action) = object(svc, "action") {
            self::action(action, ev);
        }
        if let Some(rt) = object(svc, "runtimeDetails") {
            let scope = container_id.as_deref().or(node.as_deref()).unwrap_or("host");
            runtime(f, rt, scope, ev);
        }
    }
}

fn action_type(service: Option<&Obj>) -> Option<&str> {
    service.and_then(|s| object(s, "action")).and_then(|a| s(a, "actionType"))
}

fn cluster(f: &Finding, r: &Obj, ev: &mut NewEvent) {
    let Some(c) = object(r, "eksClusterDetails") else { return };
    let Some(name) = s(c, "name") else { return };
    let (created, created_as_given) =
        timestamp(get_ci(c, "createdAt"), f.raw.at(&["resource", "eksClusterDetails", "createdAt"]));
    let account = f.str("accountId");
    let region = f.str("region");
    ev.field("cluster", name);
    ev.field("cluster_arn", s(c, "arn"));
    ev.field("cluster_status", s(c, "status"));
    ev.field("vpc_id", s(c, "vpcId"));
    ev.field("cluster_created_at", created.clone());
    ev.field("cluster_created_at_as_given", created_as_given);
    let mut cluster = ClusterRef::new(name, "eks")
        .attr("arn", s(c, "arn"))
        .attr("region", region)
        .attr("account", account)
        .attr("vpc_id", s(c, "vpcId"))
        .attr("created_at", created.as_deref())
        .into_entity();
    let tags: Map<String, Value> = array(c, "tags")
        .filter_map(|t| Some((s(t, "key")?.to_string(), Value::from(s(t, "value").unwrap_or_default()))))
        .collect();
    if !tags.is_empty() {
        cluster = cluster.attr("tags", Value::Object(tags));
    }
    ev.entity(cluster);
}

fn kubernetes_user(u: &Obj, ev: &mut NewEvent) {
    if let Some(name) = s(u, "username") {
        let groups = strings(u, "groups");
        let sessions = strings(u, "sessionName");
        ev.field("user", name);
        ev.field("user_groups", groups.clone());
        ev.field("user_session", (!sessions.is_empty()).then(|| sessions.join(", ")));
        ev.entity(
            EntityRef::new(EntityKind::Identity, name, "actor")
                .attr("uid", s(u, "uid"))
                .attr("groups", (!groups.is_empty()).then_some(groups))
                .attr("session_name", (!sessions.is_empty()).then_some(sessions)),
        );
        ev.add_search(name);
        // A service account's own namespace.
        if let Some(rest) = name.strip_prefix("system:serviceaccount:") {
            if let Some((ns, _)) = rest.split_once(':') {
                ev.entity(EntityRef::new(EntityKind::Namespace, ns, "namespace"));
            }
        }
    }
    if let Some(imp) = object(u, "impersonatedUser") {
        if let Some(name) = s(imp, "username") {
            ev.field("impersonated_user", name);
            ev.entity(EntityRef::new(EntityKind::Identity, name, "impersonated"));
        }
    }
}

/// The Kubernetes kind of a workload `type` (`pods`, `deployments`, any case,
/// singular or plural).
fn workload_kind(t: &str) -> Option<&'static str> {
    let t = t.trim().to_ascii_lowercase();
    let t = t.strip_suffix('s').unwrap_or(&t);
    Some(match t {
        "pod" => "Pod",
        "deployment" => "Deployment",
        "replicaset" => "ReplicaSet",
        "daemonset" => "DaemonSet",
        "statefulset" => "StatefulSet",
        "job" => "Job",
        "cronjob" => "CronJob",
        "replicationcontroller" => "ReplicationController",
        _ => return None,
    })
}

/// The workload (a pod, or its owner) and its containers; gives the id of
/// the one container, when there is one.
fn kubernetes_workload(w: &Obj, api_call: bool, ev: &mut NewEvent) -> Option<String> {
    let name = s(w, "name");
    let ns = s(w, "namespace");
    let kind = s(w, "type");
    if let Some(ns) = ns {
        ev.field("namespace", ns);
        ev.entity(EntityRef::new(EntityKind::Namespace, ns, "namespace"));
    }
    ev.field("workload", name);
    ev.field("workload_type", kind);
    if let Some(Value::Bool(b)) = get_ci(w, "hostNetwork") {
        ev.field("host_network", *b);
    }
    let role = if api_call { "target" } else { "pod" };
    match (name, kind.and_then(workload_kind)) {
        (Some(name), Some("Pod")) => {
            if let Some(key) = ns.and_then(|ns| entity::pod_key(ns, name)) {
                ev.field("pod", key.as_str());
                ev.entity(
                    EntityRef::new(EntityKind::Pod, key, role)
                        .attr("namespace", ns)
                        .attr("name", name)
                        .attr("uid", s(w, "uid"))
                        .attr("service_account", s(w, "serviceAccountName")),
                );
            }
        }
        (Some(name), Some(kind)) => {
            if let Some(key) = entity::workload_key(ns, kind, name) {
                let role = if api_call { "target" } else { "owner" };
                ev.entity(
                    EntityRef::new(EntityKind::Workload, key, role)
                        .attr("kind", kind)
                        .attr("name", name)
                        .attr("namespace", ns)
                        .attr("uid", s(w, "uid")),
                );
            }
        }
        _ => {}
    }
    if let (Some(ns), Some(sa)) = (ns, s(w, "serviceAccountName")) {
        if let Some(id) = entity::service_account_identity(ns, sa) {
            ev.entity(EntityRef::new(EntityKind::Identity, id, "service-account"));
        }
    }
    let ids: Vec<String> = array(w, "containers").filter_map(|c| container(c, ev, "container")).collect();
    match ids.as_slice() {
        [one] => Some(one.clone()),
        _ => None,
    }
}

/// A container and its image; gives its canonical id.
fn container(c: &Obj, ev: &mut NewEvent, role: &str) -> Option<String> {
    let name = s(c, "name");
    if let Some(image) = s(c, "image") {
        if let Some((reference, digest)) = entity::image(image) {
            ev.field("image", reference.as_str());
            ev.entity(EntityRef::new(EntityKind::Image, reference, "image").attr("digest", digest));
        }
    }
    let raw_id = s(c, "id")?;
    let id = entity::container_id(raw_id)?;
    ev.field("container", name);
    ev.entity(
        EntityRef::new(EntityKind::Container, id.as_str(), role)
            .attr("id", id.as_str())
            .attr("name", name)
            .attr("runtime", s(c, "containerRuntime")),
    );
    if let Some(Value::Object(sc)) = get_ci(c, "securityContext") {
        if let Some(Value::Bool(true)) = get_ci(sc, "privileged") {
            ev.field("privileged", true);
        }
    }
    Some(id)
}

/// The node an EKS finding names through its EC2 instance: Kubernetes names
/// an EKS node by the instance's private DNS name. Gives the node's name.
fn instance(i: &Obj, ev: &mut NewEvent) -> Option<String> {
    let instance_id = s(i, "instanceId");
    let dns = array(i, "networkInterfaces").find_map(|n| s(n, "privateDnsName").map(str::to_string));
    let ip = array(i, "networkInterfaces").find_map(|n| s(n, "privateIpAddress").map(str::to_string));
    ev.field("instance_id", instance_id);
    let node = dns?;
    ev.field("node", node.as_str());
    ev.entity(
        EntityRef::new(EntityKind::Node, node.as_str(), "node")
            .attr("instance_id", instance_id)
            .attr("private_ip", ip)
            .attr("availability_zone", s(i, "availabilityZone")),
    );
    Some(node)
}

/// The remote address of an action, with what GuardDuty knows of it.
fn remote_ip(details: Option<&Obj>, role: &str, ev: &mut NewEvent) -> Option<String> {
    let d = details?;
    let raw = s(d, "ipAddressV4").or_else(|| s(d, "ipAddressV6"))?;
    let ip = entity::ip(raw)?;
    let org = object(d, "organization");
    ev.entity(
        EntityRef::new(EntityKind::Ip, ip.as_str(), role)
            .attr("country", object(d, "country").and_then(|c| s(c, "countryName")))
            .attr("city", object(d, "city").and_then(|c| s(c, "cityName")))
            .attr("asn", org.and_then(|o| s(o, "asn")))
            .attr("asn_org", org.and_then(|o| s(o, "asnOrg")))
            .attr("isp", org.and_then(|o| s(o, "isp"))),
    );
    Some(ip)
}

fn action(a: &Obj, ev: &mut NewEvent) {
    ev.field("action_type", s(a, "actionType"));
    if let Some(k) = object(a, "kubernetesApiCallAction") {
        let verb = s(k, "verb");
        let uri = s(k, "requestUri");
        ev.field("verb", verb);
        ev.field("request_uri", uri);
        ev.field("user_agent", s(k, "userAgent"));
        ev.field("code", u64_of(get_ci(k, "statusCode")));
        ev.field("parameters", s(k, "parameters"));
        ev.field("resource", s(k, "resource"));
        ev.field("subresource", s(k, "subresource"));
        ev.field("resource_name", s(k, "resourceName"));
        if let Some(uri) = uri {
            ev.add_search(uri);
        }
        let remote = remote_ip(object(k, "remoteIpDetails"), "source-ip", ev);
        let mut sources: Vec<String> = strings(k, "sourceIPs").iter().filter_map(|i| entity::ip(i)).collect();
        for ip in &sources {
            ev.entity(EntityRef::new(EntityKind::Ip, ip.as_str(), "source-ip"));
        }
        if let Some(r) = remote {
            if !sources.contains(&r) {
                sources.insert(0, r);
            }
        }
        ev.field("source_ip", sources.first().cloned());
        if let Some(ns) = s(k, "namespace") {
            ev.entity(EntityRef::new(EntityKind::Namespace, ns, "namespace"));
        }
    }
    if let Some(n) = object(a, "networkConnectionAction") {
        let outbound = s(n, "connectionDirection").is_some_and(|d| d.eq_ignore_ascii_case("OUTBOUND"));
        let remote = remote_ip(object(n, "remoteIpDetails"), if outbound { "destination" } else { "source-ip" }, ev);
        let remote_port = object(n, "remotePortDetails").and_then(|p| u64_of(get_ci(p, "port")));
        let local = object(n, "localIpDetails").and_then(|l| s(l, "ipAddressV4").or_else(|| s(l, "ipAddressV6")));
        let local_port = object(n, "localPortDetails").and_then(|p| u64_of(get_ci(p, "port")));
        ev.field("direction", s(n, "connectionDirection"));
        ev.field("protocol", s(n, "protocol"));
        ev.field("remote_ip", remote.clone());
        ev.field("remote_port", remote_port);
        ev.field("local_ip", local.and_then(entity::ip));
        ev.field("local_port", local_port);
        if let Some(Value::Bool(b)) = get_ci(n, "blocked") {
            ev.field("blocked", *b);
        }
        if let (Some(ip), Some(port)) = (&remote, remote_port) {
            ev.add_search(&format!("{}:{}", ip, port));
        }
    }
    if let Some(d) = object(a, "dnsRequestAction") {
        if let Some(domain) = s(d, "domain") {
            let domain = domain.trim().trim_end_matches('.').to_ascii_lowercase();
            ev.field("domain", domain.as_str());
            ev.add_search(&domain);
            ev.entity(EntityRef::new(EntityKind::Domain, domain, "domain"));
        }
        ev.field("protocol", s(d, "protocol"));
        if let Some(Value::Bool(b)) = get_ci(d, "blocked") {
            ev.field("blocked", *b);
        }
    }
    if let Some(c) = object(a, "awsApiCallAction") {
        ev.field("api", s(c, "api"));
        ev.field("service_name", s(c, "serviceName"));
        remote_ip(object(c, "remoteIpDetails"), "source-ip", ev);
    }
}

/// One process of the runtime details: the process itself, an ancestor or
/// the context's modifying or target process.
struct Process<'a> {
    o: &'a Obj,
    /// Its path below the finding, to read its `startTime` as written.
    path: Vec<String>,
}

impl Process<'_> {
    fn pid(&self) -> Option<u64> {
        u64_of(get_ci(self.o, "pid")).or_else(|| u64_of(get_ci(self.o, "ancestorPid")))
    }

    fn exe(&self) -> Option<&str> {
        s(self.o, "executablePath")
    }

    fn name(&self) -> Option<&str> {
        s(self.o, "name").or_else(|| s(self.o, "ancestorName"))
    }

    fn key(&self, scope: &str) -> Option<String> {
        let exe = self.exe().or_else(|| self.name())?;
        Some(entity::process_key(scope, self.pid()?, exe))
    }

    fn entity(&self, f: &Finding, scope: &str, role: &str) -> Option<(EntityRef, Option<String>)> {
        let key = self.key(scope)?;
        let path: Vec<&str> = self.path.iter().map(String::as_str).chain(["startTime"]).collect();
        let (start, start_as_given) = timestamp(get_ci(self.o, "startTime"), f.raw.at(&path));
        let e = EntityRef::new(EntityKind::Process, key, role)
            .attr("pid", self.pid())
            .attr("namespace_pid", u64_of(get_ci(self.o, "namespacePid")))
            .attr("name", self.name())
            .attr("exe", self.exe())
            .attr("sha256", s(self.o, "executableSha256"))
            .attr("user", s(self.o, "user"))
            .attr("uid", u64_of(get_ci(self.o, "userId")))
            .attr("euid", u64_of(get_ci(self.o, "euid")))
            .attr("cwd", s(self.o, "pwd"))
            .attr("uuid", s(self.o, "uuid"))
            .attr("start_time", start);
        Some((e, start_as_given))
    }
}

fn runtime(f: &Finding, rt: &Obj, scope: &str, ev: &mut NewEvent) {
    let base = ["service".to_string(), "runtimeDetails".to_string()];
    if let Some(p) = object(rt, "process") {
        let proc_path: Vec<String> = base.iter().cloned().chain(["process".to_string()]).collect();
        let process = Process { o: p, path: proc_path.clone() };
        if let Some((e, start_as_given)) = process.entity(f, scope, "process") {
            let start = e.attrs.get("start_time").cloned();
            ev.field("process_key", e.key.as_str());
            ev.entity(e);
            ev.field("process_start_time", start);
            ev.field("process_start_time_as_given", start_as_given);
        }
        ev.field("process_name", process.name());
        ev.field("pid", process.pid());
        ev.field("namespace_pid", u64_of(get_ci(p, "namespacePid")));
        ev.field("executable", process.exe());
        ev.field("executable_sha256", s(p, "executableSha256"));
        ev.field("cwd", s(p, "pwd"));
        ev.field("process_user", s(p, "user"));
        if let Some(exe) = process.exe() {
            ev.add_search(exe);
            ev.entity(EntityRef::new(EntityKind::File, exe, "file").attr("sha256", s(p, "executableSha256")));
        }
        // The lineage: the ancestor whose uuid is the parent's is the
        // parent (else the first), the others are ancestors.
        let lineage: Vec<&Obj> = array(p, "lineage").collect();
        let parent_uuid = s(p, "parentUuid");
        let parent_at = lineage
            .iter()
            .position(|a| parent_uuid.is_some() && s(a, "uuid") == parent_uuid)
            .unwrap_or(0);
        let mut ancestors = Vec::new();
        for (i, a) in lineage.iter().enumerate() {
            let path: Vec<String> = proc_path.iter().cloned().chain(["lineage".to_string(), i.to_string()]).collect();
            let ancestor = Process { o: a, path };
            let role = if i == parent_at { "parent-process" } else { "ancestor-process" };
            if let Some((e, _)) = ancestor.entity(f, scope, role) {
                ancestors.push(Value::from(e.key.as_str()));
                if i == parent_at {
                    ev.field("parent_process_key", e.key.as_str());
                }
                ev.entity(e);
            }
        }
        if !ancestors.is_empty() {
            ev.field("lineage", ancestors);
        }
    }
    if let Some(c) = object(rt, "context") {
        let ctx_path: Vec<String> = base.iter().cloned().chain(["context".to_string()]).collect();
        for (key, role) in [("modifyingProcess", "modifying-process"), ("targetProcess", "target-process")] {
            if let Some(p) = object(c, key) {
                let path: Vec<String> = ctx_path.iter().cloned().chain([key.to_string()]).collect();
                if let Some((e, _)) = (Process { o: p, path }).entity(f, scope, role) {
                    ev.field(&format!("{}_key", role.replace('-', "_")), e.key.as_str());
                    ev.entity(e);
                }
            }
        }
        for key in ["threatFilePath", "scriptPath", "libraryPath", "socketPath", "shellHistoryFilePath", "moduleFilePath"] {
            if let Some(path) = s(c, key) {
                ev.entity(EntityRef::new(EntityKind::File, path, "file"));
                ev.add_search(path);
            }
        }
        let context: Map<String, Value> = c
            .iter()
            .filter(|(_, v)| !v.is_object() && !v.is_null())
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        if !context.is_empty() {
            ev.field("runtime_context", Value::Object(context));
        }
    }
}
