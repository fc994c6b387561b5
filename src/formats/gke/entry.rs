//! The `LogEntry` around every audit payload: its parts checked for type,
//! the export shape it came in, and the envelope (project, location,
//! cluster, log, insert id) it gives the event.

use super::*;
use crate::formats::envelope::ClusterRef;

/// A `LogEntry` whose payload is an `AuditLog`, its parts read and checked.
pub(super) struct Entry<'a> {
    pub(super) payload: &'a Map<String, Value>,
    /// `protoPayload.serviceName`: `k8s.io`, `container.googleapis.com` …
    pub(super) service: &'a str,
    /// `protoPayload.methodName`.
    pub(super) method: &'a str,
    pub(super) resource_name: Option<&'a str>,
    pub(super) insert_id: Option<&'a str>,
    /// The event time, as written (0 to 9 fraction digits).
    pub(super) timestamp: Option<&'a str>,
    /// `logName` as written (`projects/p/logs/cloudaudit.googleapis.com%2Factivity`).
    pub(super) log_name: Option<&'a str>,
    pub(super) severity: Option<&'a str>,
    /// The entry's `labels` (for `k8s.io`: the audit event's annotations).
    pub(super) labels: Option<&'a Map<String, Value>>,
    /// Who made the call: the principal's email, or the federated subject
    /// (Workload Identity) when there is no email.
    pub(super) principal: Option<&'a str>,
    /// The caller's address as written: an IP, or a placeholder such as
    /// `gce-internal-ip` (then also the envelope fact `caller_ip`).
    pub(super) caller_ip: Option<&'a str>,
    pub(super) user_agent: Option<&'a str>,
    pub(super) envelope: Envelope,
}

pub(super) use crate::formats::type_name;


/// A string member: absent and `null` are `None`, another type an error
/// naming `path`.
pub(super) fn string<'a>(obj: &'a Map<String, Value>, key: &str, path: &str) -> Result<Option<&'a str>, RecordError> {
    match obj.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.as_str()).filter(|s| !s.is_empty())),
        Some(other) => Err(wrong_type(path, other, "a string")),
    }
}

/// An object member, as [`string`].
pub(super) fn object<'a>(
    obj: &'a Map<String, Value>,
    key: &str,
    path: &str,
) -> Result<Option<&'a Map<String, Value>>, RecordError> {
    match obj.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Object(o)) => Ok(Some(o)),
        Some(other) => Err(wrong_type(path, other, "an object")),
    }
}

pub(super) fn wrong_type(path: &str, v: &Value, expected: &str) -> RecordError {
    let hint = if expected == "a string" && v.is_number() { " (a YAML file written without quotes?)" } else { "" };
    RecordError::new(format!("LogEntry field {} is {}, not {}{}", path, type_name(v), expected, hint))
}

/// A string map (`labels`, `resource.labels`): every value a string.
fn string_map<'a>(
    obj: &'a Map<String, Value>,
    key: &str,
    path: &str,
) -> Result<Option<&'a Map<String, Value>>, RecordError> {
    let Some(map) = object(obj, key, path)? else { return Ok(None) };
    for (k, v) in map {
        if !v.is_string() {
            return Err(wrong_type(&format!("{}.{}", path, k), v, "a string"));
        }
    }
    Ok(Some(map))
}

impl<'a> Entry<'a> {
    /// Reads an entry; refuses what is no audit entry or has a part of
    /// the wrong type.
    pub(super) fn read(obj: &'a Map<String, Value>, raw: &[u8], ctx: &Context) -> Result<Entry<'a>, RecordError> {
        let payload = match obj.get("protoPayload") {
            Some(Value::Object(p)) => p,
            Some(other) => return Err(wrong_type("protoPayload", other, "an object")),
            None => {
                let other = ["textPayload", "jsonPayload"].into_iter().find(|k| obj.contains_key(*k));
                return Err(RecordError::new(match other {
                    Some(k) => format!("a LogEntry without protoPayload (it has {}): not an audit log entry", k),
                    None => "a record without protoPayload: not a Cloud Audit Logs entry".to_string(),
                }));
            }
        };
        match string(payload, "@type", "protoPayload.@type")? {
            Some(t) if t.ends_with(AUDIT_LOG_TYPE) => {}
            Some(t) => return Err(RecordError::new(format!("protoPayload is a {}, not a {}", t, AUDIT_LOG_TYPE))),
            None => return Err(RecordError::new("protoPayload has no @type: not a Cloud Audit Logs entry")),
        }
        let service = string(payload, "serviceName", "protoPayload.serviceName")?
            .ok_or_else(|| RecordError::new("an audit log entry without protoPayload.serviceName"))?;
        let method = string(payload, "methodName", "protoPayload.methodName")?.ok_or_else(|| {
            RecordError::new(format!("a {} audit log entry without protoPayload.methodName", service))
        })?;
        let resource_name = string(payload, "resourceName", "protoPayload.resourceName")?;
        let insert_id = string(obj, "insertId", "insertId")?;
        let timestamp = string(obj, "timestamp", "timestamp")?;
        let receive_timestamp = string(obj, "receiveTimestamp", "receiveTimestamp")?;
        let log_name = string(obj, "logName", "logName")?;
        let severity = string(obj, "severity", "severity")?;
        let labels = string_map(obj, "labels", "labels")?;
        let resource = object(obj, "resource", "resource")?;
        let resource_type = match resource {
            Some(r) => string(r, "type", "resource.type")?,
            None => None,
        };
        let resource_labels = match resource {
            Some(r) => string_map(r, "labels", "resource.labels")?,
            None => None,
        };
        let operation = object(obj, "operation", "operation")?;
        let operation_id = match operation {
            Some(o) => string(o, "id", "operation.id")?,
            None => None,
        };
        let authentication = object(payload, "authenticationInfo", "protoPayload.authenticationInfo")?;
        let principal = match authentication {
            Some(a) => string(a, "principalEmail", "protoPayload.authenticationInfo.principalEmail")?.or(string(
                a,
                "principalSubject",
                "protoPayload.authenticationInfo.principalSubject",
            )?),
            None => None,
        };
        let (caller_ip, user_agent) = match object(payload, "requestMetadata", "protoPayload.requestMetadata")? {
            Some(m) => (
                string(m, "callerIp", "protoPayload.requestMetadata.callerIp")?,
                string(m, "callerSuppliedUserAgent", "protoPayload.requestMetadata.callerSuppliedUserAgent")?,
            ),
            None => (None, None),
        };
        // Checked here so that both kinds of entry refuse the same types.
        object(payload, "status", "protoPayload.status")?;
        if let Some(t) = timestamp {
            if crate::time::parse_rfc3339(t).is_none() {
                return Err(RecordError::new(format!("LogEntry timestamp {:?} is not an RFC 3339 time", t)));
            }
        }

        let label =
            |key: &str| resource_labels.and_then(|l| l.get(key)).and_then(Value::as_str).filter(|s| !s.is_empty());
        let decoded_log = log_name.map(decode_log_name);
        let mut env = Envelope::new(shape(raw, ctx));
        env.fact("project_id", label("project_id"));
        env.fact("location", label("location"));
        env.fact("cluster_name", label("cluster_name"));
        env.fact("node_pool", label("nodepool_name"));
        env.fact("resource_type", resource_type);
        env.fact("log_name", decoded_log.as_ref().map(|(_, id)| id.clone()));
        if let (Some((parent, _)), Some(project)) = (&decoded_log, label("project_id")) {
            if *parent != format!("projects/{}", project) {
                env.fact("log_parent", parent.clone());
            }
        }
        env.fact("insert_id", insert_id);
        env.fact("receive_timestamp", receive_timestamp);
        env.fact("operation_id", operation_id);
        env.fact("severity", severity);
        env.fact("caller_ip", caller_ip.filter(|ip| crate::entity::ip(ip).is_none()));

        let from_path = resource_name.and_then(cluster_path);
        let cluster_name = label("cluster_name").or(from_path.map(|p| p.cluster));
        let project = label("project_id").or(from_path.map(|p| p.project));
        let location = label("location").filter(|l| *l != "-").or(from_path.map(|p| p.location));
        env.cluster = match (cluster_name, ctx.cluster) {
            (Some(name), _) => Some(ClusterRef::new(name, "gke").attr("project", project).attr("location", location)),
            (None, Some(name)) if service == K8S_SERVICE => {
                Some(ClusterRef::new(name, "gke").attr("named_by", Some("import")).attr("project", project))
            }
            _ => None,
        };
        Ok(Entry {
            payload,
            service,
            method,
            resource_name,
            insert_id,
            timestamp,
            log_name,
            severity,
            labels,
            principal,
            caller_ip,
            user_agent,
            envelope: env,
        })
    }

    /// `protoPayload.<key>` as an object (its type was checked by [`Entry::read`]).
    pub(super) fn payload_object(&self, key: &str) -> Option<&'a Map<String, Value>> {
        self.payload.get(key).and_then(Value::as_object)
    }

    /// The gRPC `status`: its code (0 when absent, as protobuf JSON omits
    /// it) and message.
    pub(super) fn status(&self) -> Result<(u64, Option<&'a str>), RecordError> {
        let Some(status) = self.payload_object("status") else { return Ok((0, None)) };
        let code = match status.get("code") {
            None | Some(Value::Null) => 0,
            Some(v) => crate::formats::u64_of(Some(v))
                .ok_or_else(|| wrong_type("protoPayload.status.code", v, "a gRPC code (a number)"))?,
        };
        Ok((code, string(status, "message", "protoPayload.status.message")?))
    }
}

/// The project, location and cluster a GKE resource name names:
/// `projects/<p>/locations/<l>/clusters/<c>[/nodePools/<n>]`, or `zones/<z>`
/// for zonal clusters.
#[derive(Clone, Copy)]
pub(crate) struct ClusterPath<'a> {
    pub(crate) project: &'a str,
    pub(crate) location: &'a str,
    pub(crate) cluster: &'a str,
}

pub(crate) fn cluster_path(name: &str) -> Option<ClusterPath<'_>> {
    let parts: Vec<&str> = name.trim_start_matches('/').split('/').collect();
    match parts.as_slice() {
        ["projects", project, "locations" | "zones", location, "clusters", cluster, ..]
            if !project.is_empty() && !location.is_empty() && !cluster.is_empty() && *location != "-" =>
        {
            Some(ClusterPath { project, location, cluster })
        }
        _ => None,
    }
}

/// `projects/<p>/logs/<encoded id>` → (`projects/<p>`, decoded id). A name
/// of another form is kept whole as the id.
fn decode_log_name(name: &str) -> (String, String) {
    match name.split_once("/logs/") {
        Some((parent, id)) => (parent.to_string(), url_decode(id)),
        None => (String::new(), url_decode(name)),
    }
}

/// Decodes `%XX` escapes (a log id's `%2F`); invalid escapes stay as written.
pub(super) fn url_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| (b as char).to_digit(16).map(|d| d as u8);
        match (bytes[i], bytes.get(i + 1).copied().and_then(hex), bytes.get(i + 2).copied().and_then(hex)) {
            (b'%', Some(h), Some(l)) => {
                out.push(h * 16 + l);
                i += 3;
            }
            (b, _, _) => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// The export shape of a record, from its container and its bytes.
fn shape(raw: &[u8], ctx: &Context) -> &'static str {
    match ctx.hint.container.as_deref().map(|c| c.key) {
        Some("---") => "gcloud-yaml",
        // gcloud sorts every object's keys (`insertId` comes first); the
        // console writes the payload first and names its downloads.
        Some(_) if is_console_download(ctx.path) || first_key(raw) == Some("protoPayload") => "logs-explorer-json",
        Some(_) => "gcloud-json",
        // One object per line is a sink's; a pretty one was copied or
        // downloaded from the console.
        None if raw.contains(&b'\n') => "logs-explorer-json",
        None => "sink-jsonl",
    }
}

fn is_console_download(path: &str) -> bool {
    path.rsplit(['/', '\\']).next().is_some_and(|name| name.starts_with("downloaded-logs-"))
}

/// The first key of a JSON object's text, when it has no escapes.
fn first_key(raw: &[u8]) -> Option<&str> {
    let text = std::str::from_utf8(raw).ok()?.trim_start().strip_prefix('{')?.trim_start();
    let rest = text.strip_prefix('"')?;
    let end = rest.find('"')?;
    let key = &rest[..end];
    (!key.contains('\\')).then_some(key)
}
