//! A `k8s.io` entry mapped back onto the audit `Event` GKE made it from.
//!
//! | audit `Event` | from the `LogEntry` |
//! |---|---|
//! | `auditID` | `insertId` |
//! | `verb` | the last dot-segment of `protoPayload.methodName` |
//! | `objectRef` | `protoPayload.resourceName`, split on `/` (group `core` → `""`) |
//! | `requestURI` | `"/" + resourceName` (+ the options of an exec request, when logged) |
//! | `user.username` | `authenticationInfo.principalEmail` |
//! | `sourceIPs` | `[requestMetadata.callerIp]` |
//! | `userAgent` | `requestMetadata.callerSuppliedUserAgent` |
//! | `annotations` | the entry's `labels` |
//! | `responseStatus` | `response` when it is a `Status`, else from the gRPC `status` |
//! | `requestObject` / `responseObject` | `request` / `response` less `@type` |
//! | `stage` | `ResponseStarted` for exec/attach/portforward, else `ResponseComplete` |
//! | `requestReceivedTimestamp`, `stageTimestamp` | `timestamp` |

use super::entry::{object, wrong_type};

use super::*;

/// The verbs an audit event can have: the API's request verbs, and the
/// lower-cased HTTP methods of non-resource requests.
const VERBS: &[&str] = &[
    "get",
    "list",
    "watch",
    "create",
    "update",
    "patch",
    "delete",
    "deletecollection",
    "proxy",
    "post",
    "put",
    "head",
    "options",
];

/// Subresources whose requests upgrade the connection and stay open.
pub(super) const STREAMING: &[&str] = &["exec", "attach", "portforward"];

/// Namespace subresources: `core/v1/namespaces/<ns>/finalize` is the
/// namespace's, not a resource `finalize` in it.
const NAMESPACE_SUBRESOURCES: &[&str] = &["status", "finalize"];

/// What `methodName` says: the verb, and whether the request names a
/// resource (`io.k8s.core.v1.pods.list`) or a path (`io.k8s.get`).
#[derive(Debug, PartialEq)]
pub(super) struct Method<'a> {
    pub(super) verb: &'a str,
    pub(super) resource: bool,
}

pub(super) fn method(name: &str) -> Result<Method<'_>, RecordError> {
    let unexpected = |why: &str| {
        RecordError::new(format!(
            "methodName {:?} is not io.k8s.<group>.<version>.<resource>[.<subresource>].<verb> or io.k8s.<verb>: {}",
            name, why
        ))
    };
    let rest = name.strip_prefix("io.k8s.").ok_or_else(|| unexpected("no io.k8s. prefix"))?;
    let segments: Vec<&str> = rest.split('.').collect();
    if segments.iter().any(|s| s.is_empty()) {
        return Err(unexpected("an empty segment"));
    }
    let verb = segments.last().copied().unwrap_or_default();
    if !VERBS.contains(&verb) {
        return Err(unexpected(&format!("{:?} is no Kubernetes verb", verb)));
    }
    match segments.len() {
        1 => Ok(Method { verb, resource: false }),
        2 | 3 => Err(unexpected("too few segments for a resource")),
        _ => Ok(Method { verb, resource: true }),
    }
}

/// An audit `objectRef`, from a resource name.
#[derive(Debug, Default, PartialEq)]
pub(super) struct ObjectRef<'a> {
    pub(super) api_group: &'a str,
    pub(super) api_version: &'a str,
    pub(super) resource: &'a str,
    pub(super) namespace: Option<&'a str>,
    pub(super) name: Option<&'a str>,
    pub(super) subresource: Option<&'a str>,
}

/// `<group>/<version>/namespaces/<ns>/<resource>[/<name>[/<subresource>]]`
/// or `<group>/<version>/<resource>[/<name>[/<subresource>]]`. Anything
/// after the subresource (a proxied path) is not part of the reference.
pub(super) fn object_ref(resource_name: &str) -> Result<ObjectRef<'_>, RecordError> {
    let parts: Vec<&str> = resource_name.split('/').collect();
    let [group, version, rest @ ..] = parts.as_slice() else {
        return Err(not_a_resource(resource_name));
    };
    if group.is_empty() || version.is_empty() || rest.first().is_none_or(|r| r.is_empty()) {
        return Err(not_a_resource(resource_name));
    }
    let part = |i: usize| rest.get(i).copied().filter(|p| !p.is_empty());
    let api_group = if *group == "core" { "" } else { group };
    let namespaced =
        rest[0] == "namespaces" && rest.len() >= 3 && !(rest.len() == 3 && NAMESPACE_SUBRESOURCES.contains(&rest[2]));
    let reference = if namespaced {
        let resource = part(2).ok_or_else(|| not_a_resource(resource_name))?;
        ObjectRef { api_group, api_version: version, resource, namespace: part(1), name: part(3), subresource: part(4) }
    } else {
        let name = part(1);
        ObjectRef {
            api_group,
            api_version: version,
            resource: rest[0],
            // The API server names a namespace's own namespace as it.
            namespace: if rest[0] == "namespaces" { name } else { None },
            name,
            subresource: part(2),
        }
    };
    Ok(reference)
}

fn not_a_resource(resource_name: &str) -> RecordError {
    RecordError::new(format!("resourceName {:?} names no Kubernetes resource (<group>/<version>/…)", resource_name))
}

/// An audit event made from a `k8s.io` entry.
pub(super) struct Mapped {
    pub(super) event: Map<String, Value>,
    /// The HTTP code was inferred from the gRPC status: no `Status` was logged.
    pub(super) code_inferred: bool,
}

/// The audit event of a `k8s.io` entry.
pub(super) fn audit_event(entry: &Entry) -> Result<Mapped, RecordError> {
    let audit_id = entry
        .insert_id
        .ok_or_else(|| RecordError::new("a k8s.io audit log entry without insertId: its auditID is unknown"))?;
    let method = method(entry.method)?;
    let resource_name = entry.resource_name.unwrap_or("");
    let target = if method.resource { Some(object_ref(resource_name)?) } else { None };
    let subresource = target.as_ref().and_then(|o| o.subresource);
    let streaming = subresource.is_some_and(|s| STREAMING.contains(&s));
    let request = object(entry.payload, "request", "protoPayload.request")?;
    let response = object(entry.payload, "response", "protoPayload.response")?;

    let mut uri = format!("/{}", resource_name.trim_start_matches('/'));
    if streaming {
        if let Some(query) = request.and_then(connect_query) {
            uri.push('?');
            uri.push_str(&query);
        }
    }

    let mut ev = Map::new();
    ev.insert("kind".into(), "Event".into());
    ev.insert("apiVersion".into(), "audit.k8s.io/v1".into());
    let level = match (request, response) {
        (_, Some(_)) => "RequestResponse",
        (Some(_), None) => "Request",
        (None, None) => "Metadata",
    };
    ev.insert("level".into(), level.into());
    ev.insert("auditID".into(), audit_id.into());
    ev.insert("stage".into(), if streaming { "ResponseStarted" } else { "ResponseComplete" }.into());
    ev.insert("requestURI".into(), uri.into());
    ev.insert("verb".into(), method.verb.into());
    if let Some(user) = entry.principal {
        ev.insert("user".into(), serde_json::json!({ "username": user }));
    }
    if let Some(ip) = entry.caller_ip {
        ev.insert("sourceIPs".into(), serde_json::json!([ip]));
    }
    if let Some(ua) = entry.user_agent {
        ev.insert("userAgent".into(), ua.into());
    }
    if let Some(o) = &target {
        let mut r = Map::new();
        r.insert("resource".into(), o.resource.into());
        for (key, value) in [
            ("namespace", o.namespace),
            ("name", o.name),
            ("subresource", o.subresource),
            ("apiVersion", Some(o.api_version)),
        ] {
            if let Some(v) = value {
                r.insert(key.into(), v.into());
            }
        }
        if !o.api_group.is_empty() {
            r.insert("apiGroup".into(), o.api_group.into());
        }
        ev.insert("objectRef".into(), Value::Object(r));
    }
    let (status, code_inferred) = response_status(entry, response, method.verb, streaming)?;
    ev.insert("responseStatus".into(), Value::Object(status));
    if let Some(r) = request {
        ev.insert("requestObject".into(), Value::Object(without_type(r)));
    }
    if let Some(r) = response {
        ev.insert("responseObject".into(), Value::Object(without_type(r)));
    }
    if let Some(t) = entry.timestamp {
        ev.insert("requestReceivedTimestamp".into(), t.into());
        ev.insert("stageTimestamp".into(), t.into());
    }
    if let Some(labels) = entry.labels {
        ev.insert("annotations".into(), Value::Object(labels.clone()));
    }
    Ok(Mapped { event: ev, code_inferred })
}

/// An object as GKE logs it, less the `@type` GKE adds.
fn without_type(obj: &Map<String, Value>) -> Map<String, Value> {
    let mut out = obj.clone();
    out.remove("@type");
    out
}

fn is_status(obj: &Map<String, Value>) -> bool {
    obj.get("kind").and_then(Value::as_str) == Some("Status")
        || obj.get("@type").and_then(Value::as_str).is_some_and(|t| t.ends_with(".Status"))
}

/// The answer: the `Status` the API server returned, when GKE logged it
/// (its `code` is the HTTP code); else what the gRPC status stands for,
/// with the success code the request's kind implies (then `true`: the
/// code is inferred).
fn response_status(
    entry: &Entry,
    response: Option<&Map<String, Value>>,
    verb: &str,
    streaming: bool,
) -> Result<(Map<String, Value>, bool), RecordError> {
    if let Some(status) = response.filter(|r| is_status(r)) {
        if let Some(code) = status.get("code") {
            if crate::formats::u64_of(Some(code)).is_none() {
                return Err(wrong_type("protoPayload.response.code", code, "an HTTP code (a number)"));
            }
            let mut out = without_type(status);
            out.remove("apiVersion");
            out.remove("kind");
            return Ok((out, false));
        }
    }
    let (code, message) = entry.status()?;
    let mut out = Map::new();
    if code == 0 {
        let http = if streaming {
            101
        } else if verb == "create" {
            201
        } else {
            200
        };
        out.insert("code".into(), http.into());
    } else {
        let known = grpc::code(code);
        out.insert("code".into(), known.map_or(500, |c| c.http).into());
        out.insert("status".into(), "Failure".into());
        if let Some(reason) = known.and_then(|c| c.reason) {
            out.insert("reason".into(), reason.into());
        }
        if let Some(m) = message {
            out.insert("message".into(), m.into());
        }
    }
    Ok((out, true))
}

/// The query an exec, attach or port-forward request was made with, from
/// its options object, when GKE logged one (`PodExecOptions`): the API
/// server's own audit log has it only in the request URI.
fn connect_query(request: &Map<String, Value>) -> Option<String> {
    let kind = request
        .get("kind")
        .and_then(Value::as_str)
        .or_else(|| request.get("@type").and_then(Value::as_str).and_then(|t| t.rsplit('.').next()))?;
    if !matches!(kind, "PodExecOptions" | "PodAttachOptions" | "PodPortForwardOptions") {
        return None;
    }
    let mut pairs: Vec<(&str, String)> = Vec::new();
    for key in ["command", "ports"] {
        for item in request.get(key).and_then(Value::as_array).into_iter().flatten() {
            match item {
                Value::String(s) => pairs.push((key, s.clone())),
                Value::Number(n) => pairs.push((key, n.to_string())),
                _ => {}
            }
        }
    }
    if let Some(c) = request.get("container").and_then(Value::as_str) {
        pairs.push(("container", c.to_string()));
    }
    for key in ["stdin", "stdout", "stderr", "tty"] {
        if let Some(b) = request.get(key).and_then(Value::as_bool) {
            pairs.push((key, b.to_string()));
        }
    }
    if pairs.is_empty() {
        return None;
    }
    let encoded: Vec<String> = pairs.iter().map(|(k, v)| format!("{}={}", k, percent_encode(v))).collect();
    Some(encoded.join("&"))
}

/// Percent-encodes a query value (all but unreserved characters).
fn percent_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{:02X}", b));
        }
    }
    out
}
