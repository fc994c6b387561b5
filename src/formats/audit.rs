//! Kubernetes API server audit events (`audit.k8s.io/v1`, `v1beta1`).
//!
//! The audit log is the only record of *who* talked to the API server, so it
//! is where a stolen service-account token shows up: a bound token carries in
//! `user.extra` the pod it was minted for, which links an API call made from
//! outside the cluster back to the compromised pod. This parser therefore
//! turns that `user.extra` into entities, not just the acting identity.
//!
//! Traps handled here (see formats.md §2):
//! - The log backend writes one line **per stage** of a request, all sharing
//!   `auditID`. Every stage becomes the same event (`dedup_key`) and `rank`
//!   decides which stage's fields win: the final `ResponseComplete` normally,
//!   but for long-running requests (exec/attach/portforward, watch) the
//!   `ResponseStarted` stage, which is the one carrying the `101 Switching
//!   Protocols` answer.
//! - `kubectl exec` is logged as verb `create` up to kubectl 1.29 (SPDY POST)
//!   and as verb `get` from 1.30 (WebSocket GET): exec is recognised by
//!   `objectRef.subresource`, never by verb. The command itself only exists in
//!   the `requestURI` query (`command=` repeated, percent-encoded).
//! - Webhook batches (`EventList`) carry `kind`/`apiVersion` on the list only,
//!   so their items have no `kind`: [`sniff`] accepts kind-less records that
//!   have the audit-only keys `auditID` and `stage`.
//! - `sourceIPs` lists X-Forwarded-For addresses first and the TCP peer last;
//!   all are kept, in order.
//!
//! Audit records are telemetry (severity info); detections run later on the
//! normalized `fields`.

use crate::entity;
use crate::formats::{str_of, u64_of, RecordError};
use crate::model::{EntityKind, EntityRef, EventKind, NewEvent, Source};
use crate::time::parse_rfc3339;
use serde_json::{Map, Value};

/// `user.extra` keys a bound service-account token adds (Kubernetes ≥1.30 for
/// node and credential ids).
const EXTRA_POD_NAME: &str = "authentication.kubernetes.io/pod-name";
const EXTRA_POD_UID: &str = "authentication.kubernetes.io/pod-uid";
const EXTRA_NODE_NAME: &str = "authentication.kubernetes.io/node-name";
const EXTRA_NODE_UID: &str = "authentication.kubernetes.io/node-uid";
const EXTRA_CREDENTIAL_ID: &str = "authentication.kubernetes.io/credential-id";

/// Subresources whose requests upgrade the connection and stay open.
const STREAMING_SUBRESOURCES: &[&str] = &["exec", "attach", "portforward"];

/// Is this JSON object an audit event?
///
/// `kind: Event` alone is not enough (core/v1 Events share it); an audit event
/// has an `auditID`, a core Event an `involvedObject`/`regarding` instead.
pub fn sniff(obj: &Map<String, Value>) -> bool {
    let has_audit_id = matches!(obj.get("auditID"), Some(Value::String(s)) if !s.trim().is_empty());
    if !has_audit_id || obj.contains_key("involvedObject") || obj.contains_key("regarding") {
        return false;
    }
    let api_version_ok = match obj.get("apiVersion") {
        None | Some(Value::Null) => true,
        Some(Value::String(v)) => v.starts_with("audit.k8s.io/"),
        Some(_) => false,
    };
    match obj.get("kind") {
        Some(Value::String(k)) => k == "Event" && api_version_ok,
        // Items of a webhook `EventList` batch carry no kind of their own.
        None | Some(Value::Null) => api_version_ok && obj.contains_key("stage"),
        Some(_) => false,
    }
}

/// The dedup key and stage rank of a record, read without building the
/// event: the importer pairs the stages of one request first and then parses
/// only the stage whose fields win. Must agree with [`parse`].
pub fn peek(raw: &[u8]) -> Option<(String, i32)> {
    use std::borrow::Cow;
    #[derive(serde::Deserialize)]
    struct ObjectRef<'a> {
        #[serde(borrow, default)]
        subresource: Option<Cow<'a, str>>,
    }
    #[derive(serde::Deserialize)]
    #[allow(non_snake_case)]
    struct Head<'a> {
        #[serde(borrow, default)]
        auditID: Option<Cow<'a, str>>,
        #[serde(borrow, default)]
        stage: Option<Cow<'a, str>>,
        #[serde(borrow, default)]
        verb: Option<Cow<'a, str>>,
        #[serde(borrow, default)]
        objectRef: Option<ObjectRef<'a>>,
    }
    let head: Head = serde_json::from_slice(raw).ok()?;
    let id = head.auditID.filter(|s| !crate::entity::is_absent(s))?;
    let subresource = head.objectRef.and_then(|o| o.subresource);
    let streaming = subresource.as_deref().is_some_and(|s| STREAMING_SUBRESOURCES.contains(&s));
    let long_running = streaming || head.verb.as_deref() == Some("watch");
    let stage = head.stage.as_deref().filter(|s| !crate::entity::is_absent(s));
    Some((format!("k8s-audit|{}", id), stage_rank(stage, long_running)))
}

/// Parses one audit event (one stage of one request).
pub fn parse(raw: &[u8]) -> Result<NewEvent, RecordError> {
    let value: Value = serde_json::from_slice(raw)?;
    let obj = value
        .as_object()
        .ok_or_else(|| RecordError::new("audit event is not a JSON object"))?;
    parse_object(obj)
}

/// The Kubernetes resource names (plural, lower case) of the workload kinds,
/// mapped to the `Kind` used in workload entity keys.
pub fn workload_kind_for_resource(resource: &str) -> Option<&'static str> {
    Some(match resource {
        "deployments" => "Deployment",
        "replicasets" => "ReplicaSet",
        "daemonsets" => "DaemonSet",
        "statefulsets" => "StatefulSet",
        "jobs" => "Job",
        "cronjobs" => "CronJob",
        "replicationcontrollers" => "ReplicationController",
        "horizontalpodautoscalers" => "HorizontalPodAutoscaler",
        _ => return None,
    })
}

/// The rank of one stage among the records of one request: the stage whose
/// fields describe the request best wins.
fn stage_rank(stage: Option<&str>, long_running: bool) -> i32 {
    match stage {
        Some("Panic") => 40,
        // The upgrade answer (101) is only certain at ResponseStarted; the
        // ResponseComplete of a stream comes minutes or hours later.
        Some("ResponseStarted") if long_running => 35,
        Some("ResponseComplete") => 30,
        Some("ResponseStarted") => 20,
        Some("RequestReceived") => 10,
        _ => 0,
    }
}

/// The standard reason phrase of the HTTP status codes the API server returns
/// on failure; the `responseStatus.reason` (`Forbidden`, `NotFound`) is used
/// for the others.
fn http_reason_phrase(code: u64) -> Option<&'static str> {
    Some(match code {
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        406 => "Not Acceptable",
        409 => "Conflict",
        410 => "Gone",
        413 => "Request Entity Too Large",
        415 => "Unsupported Media Type",
        422 => "Unprocessable Entity",
        429 => "Too Many Requests",
        500 => "Internal Server Error",
        501 => "Not Implemented",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        504 => "Gateway Timeout",
        _ => return None,
    })
}

/// Decodes `application/x-www-form-urlencoded` text: `%XX` escapes and `+`
/// for space (Go's `url.Values.Encode`, which kubectl uses, writes both).
/// Invalid escapes are kept literally; invalid UTF-8 is replaced.
fn percent_decode(s: &str) -> String {
    fn hex(b: u8) -> Option<u8> {
        match b {
            b'0'..=b'9' => Some(b - b'0'),
            b'a'..=b'f' => Some(b - b'a' + 10),
            b'A'..=b'F' => Some(b - b'A' + 10),
            _ => None,
        }
    }
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => {
                out.push(b' ');
                i += 1;
            }
            b'%' if i + 2 < bytes.len() => match (hex(bytes[i + 1]), hex(bytes[i + 2])) {
                (Some(h), Some(l)) => {
                    out.push(h * 16 + l);
                    i += 3;
                }
                _ => {
                    out.push(b'%');
                    i += 1;
                }
            },
            b => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// The decoded `(name, value)` pairs of a request URI's query, in order
/// (repeated names kept: `command=` is repeated once per argument).
fn query_params(uri: &str) -> Vec<(String, String)> {
    let query = match uri.split_once('?') {
        Some((_, q)) => q.split('#').next().unwrap_or(""),
        None => return Vec::new(),
    };
    query
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|p| match p.split_once('=') {
            Some((k, v)) => (percent_decode(k), percent_decode(v)),
            None => (percent_decode(p), String::new()),
        })
        .collect()
}

/// The first string of a `user.extra` value (a list of strings in the API;
/// tolerate a bare string).
fn extra_value<'a>(extra: Option<&'a Map<String, Value>>, key: &str) -> Option<&'a str> {
    match extra?.get(key)? {
        Value::Array(items) => items.iter().find_map(|v| str_of(Some(v))),
        v => str_of(Some(v)),
    }
}

/// The namespace of a `system:serviceaccount:<ns>:<sa>` username.
fn service_account_namespace(username: &str) -> Option<&str> {
    let rest = username.strip_prefix("system:serviceaccount:")?;
    let (ns, sa) = rest.split_once(':')?;
    (!ns.is_empty() && !sa.is_empty()).then_some(ns)
}

/// An identity entity for an audit `UserInfo` object.
fn identity_entity(user: &Map<String, Value>, role: &str) -> Option<EntityRef> {
    let username = str_of(user.get("username"))?;
    Some(
        EntityRef::new(EntityKind::Identity, username, role)
            .attr("uid", str_of(user.get("uid")))
            .attr(
                "groups",
                user.get("groups").filter(|g| g.is_array()).cloned(),
            ),
    )
}

/// The entity an `objectRef` names, for the resources that have an entity
/// kind. Secrets, config maps and the like have none: they stay in fields.
fn target_entity(
    resource: &str,
    ns: Option<&str>,
    name: Option<&str>,
    uid: Option<&str>,
) -> Option<EntityRef> {
    let name = name?;
    let e = match resource {
        "pods" => EntityRef::new(EntityKind::Pod, entity::pod_key(ns?, name)?, "target")
            .attr("namespace", ns)
            .attr("name", name),
        "namespaces" => EntityRef::new(EntityKind::Namespace, name, "target"),
        "nodes" => EntityRef::new(EntityKind::Node, name, "target"),
        "serviceaccounts" => EntityRef::new(
            EntityKind::Identity,
            entity::service_account_identity(ns?, name)?,
            "target",
        ),
        r => {
            let kind = workload_kind_for_resource(r)?;
            EntityRef::new(
                EntityKind::Workload,
                entity::workload_key(ns, kind, name)?,
                "target",
            )
        }
    };
    Some(e.attr("uid", uid))
}

/// The pod specs inside a request/response object: a Pod's own spec, or the
/// pod template of a workload (CronJob: the job template's).
fn pod_specs(obj: &Value) -> Vec<&Map<String, Value>> {
    let is_pod_spec = |s: &Map<String, Value>| {
        [
            "containers",
            "initContainers",
            "ephemeralContainers",
            "volumes",
        ]
        .iter()
        .any(|k| s.contains_key(*k))
    };
    let mut out = Vec::new();
    let Some(spec) = obj.get("spec").and_then(Value::as_object) else {
        return out;
    };
    if is_pod_spec(spec) {
        out.push(spec);
    }
    let template = spec.get("template").or_else(|| {
        spec.get("jobTemplate")
            .and_then(|j| j.get("spec"))
            .and_then(|s| s.get("template"))
    });
    if let Some(tspec) = template
        .and_then(|t| t.get("spec"))
        .and_then(Value::as_object)
    {
        if is_pod_spec(tspec) {
            out.push(tspec);
        }
    }
    out
}

/// Every container object of a pod spec (regular, init and ephemeral).
fn spec_containers(spec: &Map<String, Value>) -> impl Iterator<Item = &Map<String, Value>> {
    ["containers", "initContainers", "ephemeralContainers"]
        .into_iter()
        .filter_map(move |k| spec.get(k).and_then(Value::as_array))
        .flatten()
        .filter_map(Value::as_object)
}

fn is_true(v: Option<&Value>) -> bool {
    matches!(v, Some(Value::Bool(true)))
}

/// Parses an already decoded audit event object.
pub(crate) fn parse_object(obj: &Map<String, Value>) -> Result<NewEvent, RecordError> {
    let audit_id =
        str_of(obj.get("auditID")).ok_or_else(|| RecordError::new("audit event has no auditID"))?;
    let empty = Map::new();
    let object_ref = obj
        .get("objectRef")
        .and_then(Value::as_object)
        .unwrap_or(&empty);
    let user = obj.get("user").and_then(Value::as_object);
    let impersonated = obj.get("impersonatedUser").and_then(Value::as_object);
    let status = obj.get("responseStatus").and_then(Value::as_object);
    let annotations = obj.get("annotations").and_then(Value::as_object);

    let verb = str_of(obj.get("verb"));
    let stage = str_of(obj.get("stage"));
    let request_uri = str_of(obj.get("requestURI"));
    let resource = str_of(object_ref.get("resource"));
    let subresource = str_of(object_ref.get("subresource"));
    let namespace = str_of(object_ref.get("namespace"));
    let name = str_of(object_ref.get("name"));
    let object_uid = str_of(object_ref.get("uid"));
    let code = status.and_then(|s| u64_of(s.get("code")));
    let status_reason = status.and_then(|s| str_of(s.get("reason")));
    let status_message = status.and_then(|s| str_of(s.get("message")));
    let username = user.and_then(|u| str_of(u.get("username")));

    let streaming = subresource.is_some_and(|s| STREAMING_SUBRESOURCES.contains(&s));
    let long_running = streaming || verb == Some("watch");

    // Title: `list secrets in kube-system`, `get pods/exec shop/cart-…`.
    let what = match (resource, subresource) {
        (Some(r), Some(s)) => format!("{}/{}", r, s),
        (Some(r), None) => r.to_string(),
        // Non-resource requests (`/healthz`, `/version`): the path.
        (None, _) => request_uri
            .map(|u| u.split('?').next().unwrap_or(u).to_string())
            .unwrap_or_default(),
    };
    // A namespace object's objectRef may repeat its name as namespace.
    let title_ns = namespace.filter(|_| resource != Some("namespaces"));
    let target = match (title_ns, name) {
        (Some(ns), Some(n)) => format!(" {}/{}", ns, n),
        (None, Some(n)) => format!(" {}", n),
        (Some(ns), None) => format!(" in {}", ns),
        (None, None) => String::new(),
    };
    let operation = match verb {
        Some(v) if !what.is_empty() => format!("{} {}", v, what),
        Some(v) => v.to_string(),
        None if !what.is_empty() => what.clone(),
        None => "request".to_string(),
    };
    let mut title = format!("{}{}", operation, target);
    if let Some(c) = code.filter(|c| *c >= 400) {
        match http_reason_phrase(c).or(status_reason) {
            Some(phrase) => title.push_str(&format!(" ({} {})", c, phrase)),
            None => title.push_str(&format!(" ({})", c)),
        }
    }

    let mut ev = NewEvent::new(Source::K8sAudit, EventKind::Telemetry, title);
    ev.rule = Some(operation);
    ev.dedup_key = Some(format!("k8s-audit|{}", audit_id));
    ev.rank = stage_rank(stage, long_running);
    ev.time_ns = ["requestReceivedTimestamp", "stageTimestamp", "timestamp"]
        .iter()
        .find_map(|k| str_of(obj.get(*k)).and_then(parse_rfc3339))
        .or_else(|| {
            str_of(obj.get("metadata").and_then(|m| m.get("creationTimestamp")))
                .and_then(parse_rfc3339)
        });

    ev.field("verb", verb);
    ev.field("resource", resource);
    ev.field("subresource", subresource);
    ev.field("namespace", namespace);
    ev.field("name", name);
    ev.field("api_group", str_of(object_ref.get("apiGroup")));
    ev.field("code", code);
    ev.field("status", status.and_then(|s| str_of(s.get("status"))));
    ev.field("status_reason", status_reason);
    ev.field("status_message", status_message);
    ev.field("stage", stage);
    ev.field("request_uri", request_uri);
    ev.field("user_agent", str_of(obj.get("userAgent")));

    let decision = annotations.and_then(|a| str_of(a.get("authorization.k8s.io/decision")));
    // An empty reason is what RBAC writes when it forbids: keep it absent.
    let authz_reason = annotations.and_then(|a| str_of(a.get("authorization.k8s.io/reason")));
    ev.field("decision", decision);
    ev.field("authz_reason", authz_reason);
    ev.field(
        "legacy_token",
        annotations.and_then(|a| str_of(a.get("authentication.k8s.io/legacy-token"))),
    );

    // Fields hold what detections and views filter on; what the entities
    // carry (uids, groups, the token's node) and the audit id stay in the
    // entities and the raw record, which keeps a million-event case small.

    // The acting identity and whom it impersonates.
    if let Some(u) = user {
        ev.field("user", username);
        if let Some(e) = identity_entity(u, "actor") {
            ev.entity(e);
        }
        // A kubelet acts as its node.
        if let Some(node) = username
            .and_then(|n| n.strip_prefix("system:node:"))
            .filter(|n| !n.is_empty())
        {
            ev.entity(EntityRef::new(EntityKind::Node, node, "actor"));
        }
    }
    if let Some(imp) = impersonated {
        ev.field("impersonated_user", str_of(imp.get("username")));
        if let Some(e) = identity_entity(imp, "impersonated") {
            ev.entity(e);
        }
    }

    // The bound token's pod and node: where the credential was minted.
    let extra = user.and_then(|u| u.get("extra")).and_then(Value::as_object);
    let token_ns = username.and_then(service_account_namespace);
    if let (Some(ns), Some(pod)) = (token_ns, extra_value(extra, EXTRA_POD_NAME)) {
        if let Some(key) = entity::pod_key(ns, pod) {
            ev.field("token_pod", key.as_str());
            ev.entity(
                EntityRef::new(EntityKind::Pod, key, "token-pod")
                    .attr("uid", extra_value(extra, EXTRA_POD_UID))
                    .attr("namespace", ns)
                    .attr("name", pod),
            );
        }
    }
    if let Some(node) = extra_value(extra, EXTRA_NODE_NAME) {
        ev.entity(
            EntityRef::new(EntityKind::Node, node, "token-node")
                .attr("uid", extra_value(extra, EXTRA_NODE_UID)),
        );
    }
    let credential_id = extra_value(extra, EXTRA_CREDENTIAL_ID);
    ev.field("credential_id", credential_id);

    // Source addresses: X-Forwarded-For entries first, the TCP peer last.
    let source_ips: Vec<String> = obj
        .get("sourceIPs")
        .and_then(Value::as_array)
        .map(|ips| {
            ips.iter()
                .filter_map(|v| str_of(Some(v)))
                .filter_map(entity::ip)
                .collect()
        })
        .unwrap_or_default();
    if !source_ips.is_empty() {
        ev.field("source_ips", source_ips.clone());
        ev.field("source_ip", source_ips[0].as_str());
        ev.field("peer_ip", source_ips[source_ips.len() - 1].as_str());
    }
    for ip in &source_ips {
        ev.entity(EntityRef::new(EntityKind::Ip, ip.as_str(), "source-ip"));
    }

    // The object acted on, and its namespace.
    if let Some(e) = resource.and_then(|r| target_entity(r, namespace, name, object_uid)) {
        ev.entity(e);
    }
    if let Some(ns) = namespace.filter(|_| resource != Some("namespaces")) {
        ev.entity(EntityRef::new(EntityKind::Namespace, ns, "namespace"));
    }

    // exec/attach/portforward: what was run, where.
    let mut exec_command = None;
    if streaming {
        let params = request_uri.map(query_params).unwrap_or_default();
        let argv: Vec<String> = params
            .iter()
            .filter(|(k, _)| k == "command")
            .map(|(_, v)| v.clone())
            .collect();
        let param = |name: &str| {
            params
                .iter()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.clone())
        };
        if !argv.is_empty() {
            exec_command = Some(argv.join(" "));
            ev.field("exec_argv", argv);
        }
        ev.field("exec_command", exec_command.clone());
        ev.field("exec_container", param("container"));
        ev.field("exec_tty", param("tty").map(|v| v == "true" || v == "1"));
        ev.field(
            "exec_stdin",
            param("stdin").map(|v| v == "true" || v == "1"),
        );
        let ports: Vec<String> = params
            .iter()
            .filter(|(k, _)| k == "ports")
            .map(|(_, v)| v.clone())
            .collect();
        if !ports.is_empty() {
            ev.field("portforward_ports", ports);
        }
    }

    // Images and risky pod settings from the objects sent or returned.
    let mut images: Vec<String> = Vec::new();
    for body in ["requestObject", "responseObject"]
        .iter()
        .filter_map(|k| obj.get(*k))
    {
        for spec in pod_specs(body) {
            for c in spec_containers(spec) {
                if let Some((reference, digest)) = str_of(c.get("image")).and_then(entity::image) {
                    if !images.contains(&reference) {
                        images.push(reference.clone());
                    }
                    ev.entity(
                        EntityRef::new(EntityKind::Image, reference, "image")
                            .attr("digest", digest),
                    );
                }
            }
        }
    }
    if !images.is_empty() {
        ev.field("images", images);
    }
    if let Some(request) = obj.get("requestObject") {
        let specs = pod_specs(request);
        if !specs.is_empty() {
            let privileged = specs
                .iter()
                .flat_map(|s| spec_containers(s))
                .any(|c| is_true(c.get("securityContext").and_then(|sc| sc.get("privileged"))));
            let host_paths: Vec<String> = specs
                .iter()
                .filter_map(|s| s.get("volumes").and_then(Value::as_array))
                .flatten()
                .filter_map(|v| v.get("hostPath"))
                .filter_map(|h| str_of(h.get("path")).map(str::to_string))
                .collect();
            ev.field("pod_privileged", privileged);
            ev.field("pod_host_path", !host_paths.is_empty());
            ev.field(
                "pod_host_network",
                specs.iter().any(|s| is_true(s.get("hostNetwork"))),
            );
            ev.field(
                "pod_host_pid",
                specs.iter().any(|s| is_true(s.get("hostPID"))),
            );
            ev.field(
                "pod_host_ipc",
                specs.iter().any(|s| is_true(s.get("hostIPC"))),
            );
            if !host_paths.is_empty() {
                ev.field("host_path_volumes", host_paths);
            }
        }
        // Role bindings: which role is granted, and to whom.
        if matches!(resource, Some("rolebindings") | Some("clusterrolebindings")) {
            let role_ref = request.get("roleRef");
            ev.field("role_ref", str_of(role_ref.and_then(|r| r.get("name"))));
            ev.field(
                "role_ref_kind",
                str_of(role_ref.and_then(|r| r.get("kind"))),
            );
            let subjects: Vec<String> = request
                .get("subjects")
                .and_then(Value::as_array)
                .map(|subs| {
                    subs.iter()
                        .filter_map(|s| binding_subject(s, namespace))
                        .collect()
                })
                .unwrap_or_default();
            if !subjects.is_empty() {
                ev.field("subjects", subjects);
            }
        }
    }

    // Message: who, from where, and what the server answered.
    let mut parts = Vec::new();
    if let Some(u) = username {
        let mut who = u.to_string();
        if let Some(imp) = impersonated.and_then(|i| str_of(i.get("username"))) {
            who.push_str(&format!(" as {}", imp));
        }
        if !source_ips.is_empty() {
            who.push_str(&format!(" from {}", source_ips.join(", ")));
        }
        parts.push(who);
    }
    if let Some(cmd) = &exec_command {
        parts.push(format!("command: {}", cmd));
    }
    if let Some(m) = status_message {
        parts.push(m.to_string());
    } else if let Some(r) = authz_reason {
        parts.push(r.to_string());
    }
    ev.message = parts.join("; ");

    for text in [
        username,
        impersonated.and_then(|i| str_of(i.get("username"))),
        request_uri,
    ] {
        ev.add_search(text.unwrap_or(""));
    }
    if let Some(cmd) = &exec_command {
        ev.add_search(cmd);
    }
    ev.add_search(name.unwrap_or(""));
    Ok(ev)
}

/// A binding subject as the identity key the audit log would name it by.
fn binding_subject(subject: &Value, binding_ns: Option<&str>) -> Option<String> {
    let name = str_of(subject.get("name"))?;
    match str_of(subject.get("kind")) {
        Some("ServiceAccount") => {
            let ns = str_of(subject.get("namespace")).or(binding_ns)?;
            entity::service_account_identity(ns, name)
        }
        _ => Some(name.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const LOG: &str = include_str!("../../fixtures/samples/k8s-audit/log-backend.jsonl");
    const WEBHOOK: &str = include_str!("../../fixtures/samples/k8s-audit/webhook-eventlist.json");

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
        assert!(ev.search_text.contains("/bin/sh"));
        assert!(ev.search_text.contains("cart-7f9c6d8b5-x2k4q"));
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
}
