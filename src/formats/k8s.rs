//! Kubernetes objects and events as `kubectl` and the API server print them.
//!
//! A snapshot of the cluster (`kubectl get … -A -o json`, typed lists from the
//! API, `kubectl cluster-info dump`) is the investigator's map: which pod runs
//! which container id and image on which node, under which service account,
//! owned by which workload, exposed by which service, limited by which network
//! policy. Each object becomes one `object` event whose entities carry those
//! facts (pod UID, full container ids, image digests, IPs), so that runtime
//! alerts that only know a 12-hex container id or an IP join the right pod.
//! Kubernetes `Event`s (core/v1 and events.k8s.io/v1) become `k8s-event`
//! events; the log blocks of `cluster-info dump` become telemetry.
//!
//! Traps handled here (see formats.md §5):
//! - Items of a typed list (`PodList`, `EventList` from the API or from
//!   `cluster-info dump`) carry no `kind`/`apiVersion`; the framing layer
//!   passes the list's item kind ([`item_kind_from_list_kind`]) to
//!   [`parse_with_kind`].
//! - `null` is everywhere: `eventTime`, `firstTimestamp`, `deprecated*`,
//!   `lastProbeTime`; `ownerReferences` and `status` may be absent.
//! - Container ids come as `containerd://`, `cri-o://` or `docker://` + 64 hex
//!   and are canonicalized by [`entity::container_id`].
//! - An audit `EventList`'s kind-less items reach this module with the hint
//!   `Event`; they are recognised by `auditID` and handed to the audit parser.

use crate::entity;
use crate::formats::{audit, str_of, u64_of, RecordError};
use crate::model::{EntityKind, EntityRef, EventKind, NewEvent, Severity, Source};
use crate::time::{format_ns, parse_rfc3339};
use serde_json::{json, Map, Value};

/// Largest log text kept in an event's message; the raw block stays in the
/// store in full.
const MAX_LOG_MESSAGE: usize = 64 * 1024;

const LOG_START: &str = "==== START logs for container ";
const LOG_END: &str = "==== END logs for container ";

/// Workload kinds: they get a workload entity keyed `ns/Kind/name`.
const WORKLOAD_KINDS: &[&str] = &[
    "Deployment",
    "ReplicaSet",
    "DaemonSet",
    "StatefulSet",
    "Job",
    "CronJob",
    "ReplicationController",
];

/// Is this JSON object a Kubernetes object (not an audit event)?
pub fn sniff(obj: &Map<String, Value>) -> bool {
    str_of(obj.get("apiVersion")).is_some()
        && str_of(obj.get("kind")).is_some()
        && matches!(obj.get("metadata"), Some(Value::Object(_)))
        && !obj.contains_key("auditID")
}

/// The kind of the items of a typed list: `PodList` → `Pod`. `None` for the
/// generic `List` (its items carry their own kind) and for non-list kinds.
pub fn item_kind_from_list_kind(list_kind: &str) -> Option<&str> {
    let item = list_kind.strip_suffix("List")?;
    let first = item.chars().next()?;
    (first.is_ascii_uppercase() && item.chars().all(|c| c.is_ascii_alphanumeric())).then_some(item)
}

/// Parses one object that carries its own `kind`.
pub fn parse(raw: &[u8]) -> Result<NewEvent, RecordError> {
    parse_with_kind(raw, None)
}

/// Parses one object; `kind_hint` is the item kind of the typed list it came
/// from, used when the object has no `kind` of its own.
pub fn parse_with_kind(raw: &[u8], kind_hint: Option<&str>) -> Result<NewEvent, RecordError> {
    let value: Value = serde_json::from_slice(raw)?;
    let obj = value
        .as_object()
        .ok_or_else(|| RecordError::new("Kubernetes object is not a JSON object"))?;
    // Webhook audit batches are `EventList`s too; their items are audit events.
    if obj.contains_key("auditID")
        && !obj.contains_key("involvedObject")
        && !obj.contains_key("regarding")
    {
        return audit::parse_object(obj);
    }
    let kind = str_of(obj.get("kind"))
        .or(kind_hint.filter(|k| !entity::is_absent(k)))
        .or_else(|| {
            (obj.contains_key("involvedObject") || obj.contains_key("regarding")).then_some("Event")
        })
        .ok_or_else(|| {
            RecordError::new("Kubernetes object has no kind (and no list kind to infer it from)")
        })?;
    if kind == "List" || (item_kind_from_list_kind(kind).is_some() && obj.contains_key("items")) {
        return Err(RecordError::new(format!(
            "{} is a container: its items must be parsed one by one",
            kind
        )));
    }
    let meta = obj
        .get("metadata")
        .and_then(Value::as_object)
        .ok_or_else(|| RecordError::new(format!("{} has no metadata object", kind)))?;
    if kind == "Event" {
        return Ok(parse_event(obj, meta));
    }
    if kind == "ContainerLog" && str_of(obj.get("apiVersion")) == Some("kordon.dev/v1") {
        return container_log(obj, meta);
    }
    let mut ev = base_object(obj, meta, kind);
    match kind {
        "Pod" => pod(&mut ev, obj, meta),
        k if WORKLOAD_KINDS.contains(&k) => workload(&mut ev, obj, meta, k),
        "Service" => service(&mut ev, obj),
        "ServiceAccount" => service_account(&mut ev, obj, meta),
        "Role" | "ClusterRole" => role(&mut ev, obj),
        "RoleBinding" | "ClusterRoleBinding" => role_binding(&mut ev, obj, meta),
        "NetworkPolicy" => network_policy(&mut ev, obj),
        "Namespace" => namespace(&mut ev, obj, meta),
        "Node" => node(&mut ev, obj, meta),
        _ => {}
    }
    Ok(ev)
}

// ---------------------------------------------------------------------------
// Shared helpers

fn obj_at<'a>(v: Option<&'a Value>, path: &[&str]) -> Option<&'a Map<String, Value>> {
    let mut cur = v?;
    for p in path {
        cur = cur.get(*p)?;
    }
    cur.as_object()
}

fn arr(v: Option<&Value>) -> &[Value] {
    v.and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or(&[])
}

fn bool_of(v: Option<&Value>) -> Option<bool> {
    v.and_then(Value::as_bool)
}

/// `ns/name` for namespaced objects, `name` for cluster-scoped ones.
fn display_name(ns: Option<&str>, name: Option<&str>) -> String {
    match (ns, name) {
        (Some(ns), Some(n)) => format!("{}/{}", ns, n),
        (None, Some(n)) => n.to_string(),
        (Some(ns), None) => format!("{}/?", ns),
        (None, None) => "(unnamed)".to_string(),
    }
}

/// The identity part of a dedup key: the UID, else `ns/name`.
fn object_identity(meta: &Map<String, Value>) -> Option<String> {
    let name = str_of(meta.get("name"));
    str_of(meta.get("uid"))
        .map(str::to_string)
        .or_else(|| name.map(|n| display_name(str_of(meta.get("namespace")), Some(n))))
}

/// The event and the fields every object shares: kind, name, namespace, UID,
/// resource version, labels, creation time, namespace entity.
fn base_object(obj: &Map<String, Value>, meta: &Map<String, Value>, kind: &str) -> NewEvent {
    let ns = str_of(meta.get("namespace"));
    let name = str_of(meta.get("name"));
    let rv = str_of(meta.get("resourceVersion"));
    let mut ev = NewEvent::new(
        Source::K8sObject,
        EventKind::Object,
        format!("{} {}", kind, display_name(ns, name)),
    );
    ev.rule = Some(kind.to_string());
    ev.time_ns = str_of(meta.get("creationTimestamp")).and_then(parse_rfc3339);
    // Without a resource version two snapshots of one object cannot be told
    // apart by key: let the raw bytes identify the record instead.
    if let (Some(id), Some(rv)) = (object_identity(meta), rv) {
        ev.dedup_key = Some(format!("k8s-object|{}|{}|{}", kind, id, rv));
    }
    ev.field("kind", kind);
    ev.field("api_version", str_of(obj.get("apiVersion")));
    ev.field("name", name);
    ev.field("namespace", ns);
    ev.field("uid", str_of(meta.get("uid")));
    ev.field("resource_version", rv);
    ev.field("created", str_of(meta.get("creationTimestamp")));
    ev.field(
        "labels",
        meta.get("labels").filter(|l| l.is_object()).cloned(),
    );
    if let Some(ns) = ns {
        ev.entity(EntityRef::new(EntityKind::Namespace, ns, "namespace"));
    }
    ev.add_search(&display_name(ns, name));
    ev.add_search(str_of(meta.get("uid")).unwrap_or(""));
    ev
}

/// The controlling owner reference (or the first one), as an entity: a
/// workload, or the node of a static (mirror) pod.
fn owner(ev: &mut NewEvent, meta: &Map<String, Value>) {
    let refs = arr(meta.get("ownerReferences"));
    let Some(owner) = refs
        .iter()
        .find(|r| bool_of(r.get("controller")) == Some(true))
        .or_else(|| refs.first())
        .and_then(Value::as_object)
    else {
        return;
    };
    let (Some(kind), Some(name)) = (str_of(owner.get("kind")), str_of(owner.get("name"))) else {
        return;
    };
    ev.field("owner_kind", kind);
    ev.field("owner_name", name);
    ev.field("owner_uid", str_of(owner.get("uid")));
    let ns = str_of(meta.get("namespace"));
    let e = if kind == "Node" {
        Some(EntityRef::new(EntityKind::Node, name, "owner"))
    } else {
        entity::workload_key(ns, kind, name)
            .map(|k| EntityRef::new(EntityKind::Workload, k, "owner"))
    };
    if let Some(e) = e {
        ev.entity(e.attr("uid", str_of(owner.get("uid"))));
    }
}

/// One container of a pod spec merged with its status.
struct ContainerInfo<'a> {
    name: Option<&'a str>,
    kind: &'static str,
    spec: Option<&'a Map<String, Value>>,
    status: Option<&'a Map<String, Value>>,
}

/// The containers of a pod spec and status, regular, init and ephemeral;
/// statuses without a spec entry are kept too.
fn containers<'a>(
    spec: Option<&'a Map<String, Value>>,
    status: Option<&'a Map<String, Value>>,
) -> Vec<ContainerInfo<'a>> {
    let mut out = Vec::new();
    for (spec_key, status_key, kind) in [
        ("initContainers", "initContainerStatuses", "init"),
        ("containers", "containerStatuses", "container"),
        (
            "ephemeralContainers",
            "ephemeralContainerStatuses",
            "ephemeral",
        ),
    ] {
        let statuses: Vec<&Map<String, Value>> = arr(status.and_then(|s| s.get(status_key)))
            .iter()
            .filter_map(Value::as_object)
            .collect();
        let specs: Vec<&Map<String, Value>> = arr(spec.and_then(|s| s.get(spec_key)))
            .iter()
            .filter_map(Value::as_object)
            .collect();
        for c in &specs {
            let name = str_of(c.get("name"));
            let st = statuses
                .iter()
                .copied()
                .find(|s| name.is_some() && str_of(s.get("name")) == name);
            out.push(ContainerInfo {
                name,
                kind,
                spec: Some(c),
                status: st,
            });
        }
        for s in statuses {
            let name = str_of(s.get("name"));
            if !specs
                .iter()
                .any(|c| name.is_some() && str_of(c.get("name")) == name)
            {
                out.push(ContainerInfo {
                    name,
                    kind,
                    spec: None,
                    status: Some(s),
                });
            }
        }
    }
    out
}

/// Image entity and reference for a container: the spec's reference, the
/// digest from the status `imageID` when the spec names no digest.
fn image_entity(
    spec_image: Option<&str>,
    status_image: Option<&str>,
    image_id: Option<&str>,
) -> Option<EntityRef> {
    let (reference, digest) = spec_image.or(status_image).and_then(entity::image)?;
    let digest = digest.or_else(|| image_id.and_then(entity::image).and_then(|(_, d)| d));
    Some(EntityRef::new(EntityKind::Image, reference, "image").attr("digest", digest))
}

/// Risky settings of a pod spec (a pod's or a template's), as fields.
fn pod_spec_fields(ev: &mut NewEvent, spec: &Map<String, Value>) {
    let all: Vec<&Map<String, Value>> = ["containers", "initContainers", "ephemeralContainers"]
        .iter()
        .flat_map(|k| arr(spec.get(*k)))
        .filter_map(Value::as_object)
        .collect();
    let sc =
        |c: &Map<String, Value>, k: &str| c.get("securityContext").and_then(|s| s.get(k)).cloned();
    let privileged = all
        .iter()
        .any(|c| sc(c, "privileged") == Some(Value::Bool(true)));
    let mut caps: Vec<String> = Vec::new();
    for c in &all {
        for cap in arr(c
            .get("securityContext")
            .and_then(|s| s.get("capabilities"))
            .and_then(|c| c.get("add")))
        {
            if let Some(cap) = str_of(Some(cap)) {
                if !caps.iter().any(|x| x == cap) {
                    caps.push(cap.to_string());
                }
            }
        }
    }
    let host_paths: Vec<String> = arr(spec.get("volumes"))
        .iter()
        .filter_map(|v| v.get("hostPath"))
        .filter_map(|h| str_of(h.get("path")).map(str::to_string))
        .collect();
    ev.field("privileged", privileged);
    ev.field(
        "host_network",
        bool_of(spec.get("hostNetwork")).unwrap_or(false),
    );
    ev.field("host_pid", bool_of(spec.get("hostPID")).unwrap_or(false));
    ev.field("host_ipc", bool_of(spec.get("hostIPC")).unwrap_or(false));
    ev.field("host_path_volumes", host_paths);
    if !caps.is_empty() {
        ev.field("capabilities_add", caps);
    }
    // What a miner exploits and what a breakout needs: containers (not
    // ephemeral debug ones) without a CPU limit, and those that run as
    // root or may (neither runAsNonRoot nor a non-zero runAsUser, at the
    // container's level or the pod's; the image's USER is not known here).
    let pod_sc = |k: &str| spec.get("securityContext").and_then(|s| s.get(k)).cloned();
    let mut no_cpu_limit = Vec::new();
    let mut as_root = Vec::new();
    for key in ["initContainers", "containers"] {
        for c in arr(spec.get(key)).iter().filter_map(Value::as_object) {
            let name = str_of(c.get("name")).unwrap_or("").to_string();
            if c.get("resources").and_then(|r| r.get("limits")).and_then(|l| l.get("cpu")).is_none() {
                no_cpu_limit.push(name.clone());
            }
            let user = sc(c, "runAsUser").or_else(|| pod_sc("runAsUser")).and_then(|v| v.as_i64());
            let non_root = sc(c, "runAsNonRoot").or_else(|| pod_sc("runAsNonRoot")) == Some(Value::Bool(true));
            match user {
                Some(0) => as_root.push(json!({"container": name, "how": "runAsUser: 0"})),
                Some(_) => {}
                None if !non_root => as_root.push(json!({"container": name, "how": "neither runAsNonRoot nor runAsUser set"})),
                None => {}
            }
        }
    }
    if !no_cpu_limit.is_empty() {
        ev.field("no_cpu_limit", no_cpu_limit);
    }
    if !as_root.is_empty() {
        ev.field("root_containers", as_root);
    }
}

/// Whether the pod gets an API token: the explicit setting, else the
/// presence of the token volume the admission plugin injects.
fn automount(spec: &Map<String, Value>) -> Option<bool> {
    if let Some(b) = bool_of(spec.get("automountServiceAccountToken")) {
        return Some(b);
    }
    let injected = arr(spec.get("volumes")).iter().any(|v| {
        str_of(v.get("name")).is_some_and(|n| n.starts_with("kube-api-access-"))
            || arr(v.get("projected").and_then(|p| p.get("sources")))
                .iter()
                .any(|s| s.get("serviceAccountToken").is_some())
    });
    injected.then_some(true)
}

fn service_account_entity(
    ev: &mut NewEvent,
    ns: Option<&str>,
    spec: &Map<String, Value>,
    auto: Option<bool>,
) {
    let sa = str_of(spec.get("serviceAccountName")).or_else(|| str_of(spec.get("serviceAccount")));
    ev.field("service_account", sa);
    if let Some(key) = ns
        .zip(sa)
        .and_then(|(ns, sa)| entity::service_account_identity(ns, sa))
    {
        ev.entity(
            EntityRef::new(EntityKind::Identity, key, "service-account").attr("automount", auto),
        );
    }
}

// ---------------------------------------------------------------------------
// Kinds

fn pod(ev: &mut NewEvent, obj: &Map<String, Value>, meta: &Map<String, Value>) {
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

fn workload(ev: &mut NewEvent, obj: &Map<String, Value>, meta: &Map<String, Value>, kind: &str) {
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

fn service(ev: &mut NewEvent, obj: &Map<String, Value>) {
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

fn service_account(ev: &mut NewEvent, obj: &Map<String, Value>, meta: &Map<String, Value>) {
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

fn role(ev: &mut NewEvent, obj: &Map<String, Value>) {
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

fn role_binding(ev: &mut NewEvent, obj: &Map<String, Value>, meta: &Map<String, Value>) {
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

fn network_policy(ev: &mut NewEvent, obj: &Map<String, Value>) {
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

fn namespace(ev: &mut NewEvent, obj: &Map<String, Value>, meta: &Map<String, Value>) {
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

fn node(ev: &mut NewEvent, obj: &Map<String, Value>, meta: &Map<String, Value>) {
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

// ---------------------------------------------------------------------------
// Kubernetes Events (core/v1 and events.k8s.io/v1)

/// The entity of an event's involved (`regarding`) object.
fn involved_entity(
    kind: &str,
    ns: Option<&str>,
    name: &str,
    uid: Option<&str>,
) -> Option<EntityRef> {
    let e = match kind {
        "Pod" => EntityRef::new(EntityKind::Pod, entity::pod_key(ns?, name)?, "subject")
            .attr("namespace", ns)
            .attr("name", name),
        "Node" => EntityRef::new(EntityKind::Node, name, "subject"),
        "Namespace" => EntityRef::new(EntityKind::Namespace, name, "subject"),
        "ServiceAccount" => EntityRef::new(
            EntityKind::Identity,
            entity::service_account_identity(ns?, name)?,
            "subject",
        ),
        k if WORKLOAD_KINDS.contains(&k) || k == "HorizontalPodAutoscaler" => EntityRef::new(
            EntityKind::Workload,
            entity::workload_key(ns, k, name)?,
            "subject",
        ),
        _ => return None,
    };
    Some(e.attr("uid", uid))
}

/// `spec.containers{cart}` → `cart`.
fn container_from_field_path(path: &str) -> Option<&str> {
    let (_, rest) = path.split_once('{')?;
    let (name, _) = rest.split_once('}')?;
    (!name.is_empty()).then_some(name)
}

fn parse_event(obj: &Map<String, Value>, meta: &Map<String, Value>) -> NewEvent {
    // events.k8s.io/v1 renames most fields; read both spellings.
    let pick = |a: &str, b: &str| str_of(obj.get(a)).or_else(|| str_of(obj.get(b)));
    let involved = obj
        .get("involvedObject")
        .or_else(|| obj.get("regarding"))
        .and_then(Value::as_object);
    let inv = |k: &str| involved.and_then(|i| str_of(i.get(k)));
    let source = obj
        .get("source")
        .or_else(|| obj.get("deprecatedSource"))
        .and_then(Value::as_object);
    let series = obj.get("series").and_then(Value::as_object);
    let reason = str_of(obj.get("reason"));
    let message = pick("message", "note").unwrap_or("");
    let event_type = str_of(obj.get("type"));
    let inv_kind = inv("kind");
    let inv_name = inv("name");
    let inv_ns = inv("namespace").or_else(|| str_of(meta.get("namespace")));
    let inv_uid = inv("uid");
    let reporting_component = pick("reportingComponent", "reportingController");
    let reporting_instance = str_of(obj.get("reportingInstance"));
    let source_component = source.and_then(|s| str_of(s.get("component")));
    let first = pick("firstTimestamp", "deprecatedFirstTimestamp");
    let last = pick("lastTimestamp", "deprecatedLastTimestamp");
    let event_time = str_of(obj.get("eventTime"));
    let series_last = series.and_then(|s| str_of(s.get("lastObservedTime")));
    let count = series
        .and_then(|s| u64_of(s.get("count")))
        .or_else(|| u64_of(obj.get("count")))
        .or_else(|| u64_of(obj.get("deprecatedCount")));

    let what = match (inv_kind, inv_name) {
        (Some(k), Some(_)) => format!("{} {}", k, display_name(inv_ns, inv_name)),
        (None, Some(_)) => display_name(inv_ns, inv_name),
        _ => String::new(),
    };
    let title = match (reason, what.is_empty()) {
        (Some(r), false) => format!("{}: {}", r, what),
        (Some(r), true) => r.to_string(),
        (None, false) => format!("Event: {}", what),
        (None, true) => "Event".to_string(),
    };
    let mut ev = NewEvent::new(Source::K8sEvent, EventKind::K8sEvent, title);
    ev.severity = if event_type == Some("Warning") {
        Severity::Low
    } else {
        Severity::Info
    };
    ev.rule = reason.map(str::to_string);
    ev.message = message.to_string();
    // The latest moment the event was observed, whatever the API version.
    ev.time_ns = [
        series_last,
        last,
        event_time,
        first,
        str_of(meta.get("creationTimestamp")),
    ]
    .into_iter()
    .flatten()
    .find_map(parse_rfc3339);
    if let (Some(id), Some(rv)) = (object_identity(meta), str_of(meta.get("resourceVersion"))) {
        ev.dedup_key = Some(format!("k8s-event|{}|{}", id, rv));
    }

    ev.field("kind", "Event");
    ev.field("api_version", str_of(obj.get("apiVersion")));
    ev.field("name", str_of(meta.get("name")));
    ev.field("namespace", str_of(meta.get("namespace")));
    ev.field("uid", str_of(meta.get("uid")));
    ev.field("reason", reason);
    ev.field("type", event_type);
    ev.field("action", str_of(obj.get("action")));
    ev.field("count", count);
    ev.field("involved_kind", inv_kind);
    ev.field("involved_name", inv_name);
    ev.field("involved_namespace", inv_ns);
    ev.field("involved_uid", inv_uid);
    let field_path = inv("fieldPath");
    ev.field("field_path", field_path);
    ev.field("container", field_path.and_then(container_from_field_path));
    ev.field("reporting_component", reporting_component);
    ev.field("reporting_instance", reporting_instance);
    ev.field("source_component", source_component);
    ev.field("first_timestamp", first);
    ev.field("last_timestamp", last);
    ev.field("event_time", event_time);
    ev.field("series_last_observed", series_last);
    if let Some(t) = ev.time_ns {
        ev.field("observed", format_ns(t));
    }
    // HPA rescales: `New size: 6; reason: …`.
    if reason == Some("SuccessfulRescale") {
        let size = message
            .strip_prefix("New size: ")
            .and_then(|r| r.split(|c: char| !c.is_ascii_digit()).next())
            .and_then(|n| n.parse::<u64>().ok());
        ev.field("new_size", size);
    }

    if let (Some(k), Some(n)) = (inv_kind, inv_name) {
        if let Some(e) = involved_entity(k, inv_ns, n, inv_uid) {
            ev.entity(e);
        }
    }
    if let Some(ns) = inv_ns.filter(|_| inv_kind != Some("Namespace")) {
        ev.entity(EntityRef::new(EntityKind::Namespace, ns, "namespace"));
    }
    // The node that reported it: the source host, or a kubelet's instance.
    let host = source.and_then(|s| str_of(s.get("host"))).or_else(|| {
        (reporting_component == Some("kubelet") || source_component == Some("kubelet"))
            .then_some(reporting_instance)
            .flatten()
    });
    ev.field("source_host", host);
    if let Some(h) = host {
        ev.entity(EntityRef::new(EntityKind::Node, h, "node"));
    }

    ev.add_search(reason.unwrap_or(""));
    ev.add_search(&what);
    ev.add_search(message);
    ev
}

// ---------------------------------------------------------------------------
// `cluster-info dump` log blocks

/// `(container, namespace, pod)` of a START/END marker line.
fn log_marker<'a>(line: &'a str, prefix: &str) -> Option<(&'a str, &'a str, &'a str)> {
    let rest = line.trim().strip_prefix(prefix)?.strip_suffix(" ====")?;
    let (container, target) = rest.split_once(" of pod ")?;
    let (ns, pod) = target.split_once('/')?;
    (!container.is_empty() && !ns.is_empty() && !pod.is_empty()).then_some((container, ns, pod))
}

/// Does this text start (after blank lines) with a `cluster-info dump` log
/// block marker?
pub fn looks_like_log_block(text: &str) -> bool {
    text.lines()
        .find(|l| !l.trim().is_empty())
        .is_some_and(|l| log_marker(l, LOG_START).is_some())
}

/// The time a log line starts with: `kubectl logs --timestamps` style RFC 3339
/// prefix, or the `ts`/`time`/`timestamp` of a JSON log line.
fn log_line_time(line: &str) -> Option<i64> {
    let t = line.trim_start();
    if t.starts_with('{') {
        let v: Value = serde_json::from_str(t).ok()?;
        for k in ["ts", "time", "timestamp", "@timestamp"] {
            match v.get(k) {
                Some(Value::String(s)) => {
                    if let Some(ns) = parse_rfc3339(s) {
                        return Some(ns);
                    }
                }
                // zap writes epoch seconds as a float.
                Some(Value::Number(n)) => {
                    if let Some(secs) = n.as_f64().filter(|s| (1e9..1e10).contains(s)) {
                        return Some((secs * 1e9) as i64);
                    }
                }
                _ => {}
            }
        }
        return None;
    }
    t.split_whitespace().next().and_then(|w| {
        if w.contains('T') {
            parse_rfc3339(w)
        } else {
            None
        }
    })
}

struct LogBlock<'a> {
    container: &'a str,
    namespace: &'a str,
    pod: &'a str,
    lines: Vec<&'a str>,
    /// The logs of the container's previous instance (a `kordon snapshot`
    /// `ContainerLog`; `cluster-info dump` has only current logs).
    previous: bool,
}

/// A `ContainerLog` of `kordon snapshot --logs`: one container's current
/// or previous log, the text in one JSON string.
fn container_log(obj: &Map<String, Value>, meta: &Map<String, Value>) -> Result<NewEvent, RecordError> {
    let field = |k: &str| str_of(obj.get(k)).filter(|v| !v.is_empty());
    let namespace = str_of(meta.get("namespace")).ok_or_else(|| RecordError::new("ContainerLog has no metadata.namespace"))?;
    let pod = str_of(meta.get("name")).ok_or_else(|| RecordError::new("ContainerLog has no metadata.name"))?;
    let container = field("container").ok_or_else(|| RecordError::new("ContainerLog has no container"))?;
    let text = str_of(obj.get("log")).unwrap_or("");
    let block = LogBlock {
        container,
        namespace,
        pod,
        lines: text.lines().collect(),
        previous: obj.get("previous").and_then(Value::as_bool).unwrap_or(false),
    };
    let cut_at_capture = obj.get("truncated").and_then(Value::as_bool).unwrap_or(false);
    let mut ev = block.into_event(!cut_at_capture);
    if let Some(uid) = str_of(meta.get("uid")).filter(|u| !u.is_empty()) {
        ev.field("pod_uid", uid);
    }
    if let Some(at) = field("capturedAt") {
        ev.field("captured_at", at);
    }
    Ok(ev)
}

impl LogBlock<'_> {
    fn into_event(self, complete: bool) -> NewEvent {
        let pod_ref = format!("{}/{}", self.namespace, self.pod);
        let what = if self.previous { "Previous logs" } else { "Logs" };
        let mut ev = NewEvent::new(
            Source::K8sObject,
            EventKind::Telemetry,
            format!("{} of container {} in pod {}", what, self.container, pod_ref),
        );
        let text = self.lines.join("\n");
        let truncated = text.len() > MAX_LOG_MESSAGE;
        ev.message = if truncated {
            let mut cut = MAX_LOG_MESSAGE;
            while !text.is_char_boundary(cut) {
                cut -= 1;
            }
            text[..cut].to_string()
        } else {
            text
        };
        let times: Vec<i64> = self.lines.iter().filter_map(|l| log_line_time(l)).collect();
        ev.time_ns = times.first().copied();
        ev.field("container", self.container);
        ev.field("namespace", self.namespace);
        ev.field("pod", self.pod);
        ev.field("line_count", self.lines.len());
        ev.field(
            "json_line_count",
            self.lines
                .iter()
                .filter(|l| l.trim_start().starts_with('{'))
                .count(),
        );
        ev.field("truncated", truncated);
        ev.field("complete", complete);
        ev.field("previous", self.previous);
        if let Some(last) = times.iter().max() {
            ev.field("last_log_time", format_ns(*last));
        }
        if let Some(key) = entity::pod_key(self.namespace, self.pod) {
            ev.entity(
                EntityRef::new(EntityKind::Pod, key, "pod").attr("container", self.container),
            );
        }
        ev.entity(EntityRef::new(
            EntityKind::Namespace,
            self.namespace,
            "namespace",
        ));
        ev.add_search(&pod_ref);
        ev.add_search(self.container);
        ev
    }
}

/// Parses the log blocks of `kubectl cluster-info dump`: one telemetry event
/// per `==== START logs for container … ====` block (normally one per call;
/// consecutive blocks are split here too).
pub fn parse_text(text: &str) -> Result<Vec<NewEvent>, RecordError> {
    let mut events = Vec::new();
    let mut current: Option<LogBlock> = None;
    for line in text.lines() {
        if let Some((container, namespace, pod)) = log_marker(line, LOG_START) {
            if let Some(block) = current.take() {
                events.push(block.into_event(false));
            }
            current = Some(LogBlock {
                container,
                namespace,
                pod,
                lines: Vec::new(),
                previous: false,
            });
            continue;
        }
        if log_marker(line, LOG_END).is_some() {
            match current.take() {
                Some(block) => events.push(block.into_event(true)),
                None => {
                    return Err(RecordError::new(
                        "log block END marker without a START marker",
                    ))
                }
            }
            continue;
        }
        match current.as_mut() {
            Some(block) => block.lines.push(line),
            None if line.trim().is_empty() => {}
            None => {
                return Err(RecordError::new(
                    "not a cluster-info dump log block: text does not start with \"==== START logs for container … of pod ns/pod ====\"",
                ))
            }
        }
    }
    if let Some(block) = current {
        events.push(block.into_event(false));
    }
    if events.is_empty() {
        return Err(RecordError::new("no cluster-info dump log block in text"));
    }
    Ok(events)
}

#[cfg(test)]
mod tests {
    use super::*;

    const GET_ALL: &str = include_str!("../../fixtures/samples/k8s-objects/get-all.json");
    const POD_SINGLE: &str = include_str!("../../fixtures/samples/k8s-objects/pod-single.json");
    const PODLIST: &str = include_str!("../../fixtures/samples/k8s-objects/podlist-typed.json");
    const EVENTS_V1: &str = include_str!("../../fixtures/samples/k8s-objects/events-v1.json");
    const DUMP: &str = include_str!("../../fixtures/samples/k8s-objects/cluster-info-dump.txt");
    const AUDIT_WEBHOOK: &str =
        include_str!("../../fixtures/samples/k8s-audit/webhook-eventlist.json");

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
        let audit_line = include_str!("../../fixtures/samples/k8s-audit/log-backend.jsonl")
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
}
