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
use crate::formats::{audit, str_of, strict, u64_of, RecordError};
use crate::model::{EntityKind, EntityRef, EventKind, NewEvent, Severity, Source};
use crate::time::{format_ns, parse_rfc3339};
use serde_json::{json, Map, Value};

mod events;
mod logs;
mod objects;
#[cfg(test)]
mod tests;

pub use logs::{looks_like_log_block, parse_text};
use events::*;
use logs::*;
use objects::*;

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
///
/// A core/v1 or events.k8s.io/v1 `Event` is recognised without `kind` and
/// `apiVersion` too: that is how the items of `kubectl cluster-info dump`
/// and `jq '.items[0]'` print, and an Event's `involvedObject` (or
/// `regarding`) says what it is.
pub fn sniff(obj: &Map<String, Value>) -> bool {
    let typed = str_of(obj.get("apiVersion")).is_some() && str_of(obj.get("kind")).is_some();
    let bare_event = !obj.contains_key("kind")
        && (matches!(obj.get("involvedObject"), Some(Value::Object(_))) || matches!(obj.get("regarding"), Some(Value::Object(_))));
    (typed || bare_event) && matches!(obj.get("metadata"), Some(Value::Object(_))) && !obj.contains_key("auditID")
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
    let value = strict::value(raw)?;
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
