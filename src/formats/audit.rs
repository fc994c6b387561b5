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
//!
//! Speed: the audit log is by far the largest input, so [`parse`] reads a
//! record's bytes straight into a [`Record`] (borrowed strings, the few keys
//! the event needs, everything else skipped without being stored) instead of
//! building a `serde_json::Value` tree first. Skipped values are still fully
//! parsed, so a record is accepted or refused exactly as the `Value` parser
//! would; a record the direct reader refuses goes through the `Value` path,
//! which is also the reference the tests compare the direct reader against.
//! Before that, [`peek`] reads only the head of each line (`auditID`,
//! `stage`) to pair the stages of a request; the importer parses the winning
//! stage and only [`validate`]s the others.

use crate::entity;
use crate::formats::{str_of, u64_of, RecordError};
use crate::model::{EntityKind, EntityRef, EventKind, NewEvent, Source};
use crate::time::parse_rfc3339;
use serde::de::{self, Deserialize, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Value};
use std::borrow::Cow;
use std::fmt::{self, Write as _};
use std::marker::PhantomData;

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
/// only the stage whose fields win. Agrees with [`parse`] on every record
/// `parse` accepts.
///
/// It reads only the head of the record: the API server writes `auditID` and
/// `stage` among the first keys, and the rest of the line (most of it) is
/// needed only for a `ResponseStarted` stage, whose rank depends on the verb
/// and subresource. So `Some` does not mean the record is valid JSON: the
/// importer validates every record it does not parse ([`validate`]).
pub fn peek(raw: &[u8]) -> Option<(String, i32)> {
    let mut head = Head::default();
    let mut de = serde_json::Deserializer::from_slice(raw);
    match HeadSeed(&mut head).deserialize(&mut de) {
        Ok(()) => de.end().ok()?,
        // Stopped on purpose once the head was complete (see `Head::known`).
        Err(_) if head.known() => {}
        Err(_) => return None,
    }
    let id = head.audit_id?;
    let long_running = head.verb.as_deref() == Some("watch")
        || head.subresource.as_deref().is_some_and(|s| STREAMING_SUBRESOURCES.contains(&s));
    let mut key = String::with_capacity(DEDUP_PREFIX.len() + id.len());
    key.push_str(DEDUP_PREFIX);
    key.push_str(&id);
    Some((key, stage_rank(head.stage.as_deref(), long_running)))
}

/// Whether a record [`peek`] read the head of is valid JSON and UTF-8 as a
/// whole: what the `Value` parser demands of it. A record that fails is
/// parsed on its own, which reports why.
pub fn validate(raw: &[u8]) -> bool {
    std::str::from_utf8(raw).is_ok_and(|text| serde_json::from_str::<de::IgnoredAny>(text).is_ok())
}

/// What [`peek`] reads, as [`parse`] reads it (absent markers and values of
/// another type count as missing).
#[derive(Default)]
struct Head<'a> {
    audit_id: Str<'a>,
    stage: Str<'a>,
    seen_stage: bool,
    verb: Str<'a>,
    seen_verb: bool,
    subresource: Str<'a>,
    seen_object_ref: bool,
}

impl Head<'_> {
    /// Enough is known to rank the record: the rest of it cannot change
    /// the answer (unless a key repeats, which the importer catches when
    /// the winner's full parse disagrees).
    fn known(&self) -> bool {
        self.audit_id.is_some()
            && self.seen_stage
            && (self.stage.as_deref() != Some("ResponseStarted") || (self.seen_verb && self.seen_object_ref))
    }
}

/// Reads a record's head into a [`Head`], stopping with an error as soon as
/// it is [`Head::known`].
struct HeadSeed<'h, 'a>(&'h mut Head<'a>);

impl<'de, 'h> DeserializeSeed<'de> for HeadSeed<'h, 'de> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_map(self)
    }
}

impl<'de, 'h> Visitor<'de> for HeadSeed<'h, 'de> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an audit event object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        enum K {
            AuditId,
            Stage,
            Verb,
            ObjectRef,
        }
        let key = |k: &str| match k {
            "auditID" => Some(K::AuditId),
            "stage" => Some(K::Stage),
            "verb" => Some(K::Verb),
            "objectRef" => Some(K::ObjectRef),
            _ => None,
        };
        let head = self.0;
        while let Some(k) = map.next_key_seed(KeySeed(key))? {
            match k {
                Key::Wanted(K::AuditId) => head.audit_id = value(&mut map)?,
                Key::Wanted(K::Stage) => {
                    head.stage = value(&mut map)?;
                    head.seen_stage = true;
                }
                Key::Wanted(K::Verb) => {
                    head.verb = value(&mut map)?;
                    head.seen_verb = true;
                }
                Key::Wanted(K::ObjectRef) => {
                    head.subresource = value::<SubresourceOf, _>(&mut map)?.0;
                    head.seen_object_ref = true;
                }
                Key::Marker | Key::Other => {
                    map.next_value::<de::IgnoredAny>()?;
                }
            }
            if head.known() {
                return Err(de::Error::custom("head read"));
            }
        }
        Ok(())
    }
}

/// `objectRef.subresource`, the only part of `objectRef` [`peek`] needs.
#[derive(Default)]
struct SubresourceOf<'a>(Str<'a>);

impl<'de> Tolerant<'de> for SubresourceOf<'de> {
    fn from_map<A: MapAccess<'de>>(map: A) -> Result<Self, A::Error> {
        let mut out = SubresourceOf(None);
        entries(map, |k| (k == "subresource").then_some(()), |(), m: &mut A| {
            out.0 = value(m)?;
            Ok(())
        })?;
        Ok(out)
    }
}

/// The prefix of the dedup key of every audit event (then the `auditID`).
const DEDUP_PREFIX: &str = "k8s-audit|";

/// Parses one audit event (one stage of one request).
pub fn parse(raw: &[u8]) -> Result<NewEvent, RecordError> {
    parse_as(raw, FieldsAs::Map)
}

/// As [`parse`], with the fields written straight to the JSON the case
/// stores ([`NewEvent::fields_json`]).
pub fn parse_for_import(raw: &[u8]) -> Result<NewEvent, RecordError> {
    parse_as(raw, FieldsAs::Json)
}

fn parse_as(raw: &[u8], fields_as: FieldsAs) -> Result<NewEvent, RecordError> {
    match read_record(raw) {
        Some(record) => build(record, fields_as),
        None => parse_via_value(raw),
    }
}

/// The reference path: the record decoded into a `Value` tree first. Gives
/// the error of a record that is not valid JSON or not an object.
fn parse_via_value(raw: &[u8]) -> Result<NewEvent, RecordError> {
    let value: Value = serde_json::from_slice(raw)?;
    let obj = value
        .as_object()
        .ok_or_else(|| RecordError::new("audit event is not a JSON object"))?;
    parse_object(obj)
}

/// Parses an already decoded audit event object.
pub(crate) fn parse_object(obj: &Map<String, Value>) -> Result<NewEvent, RecordError> {
    build(Record::from_object(obj), FieldsAs::Map)
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

/// The namespace of a `system:serviceaccount:<ns>:<sa>` username.
fn service_account_namespace(username: &str) -> Option<&str> {
    let rest = username.strip_prefix("system:serviceaccount:")?;
    let (ns, sa) = rest.split_once(':')?;
    (!ns.is_empty() && !sa.is_empty()).then_some(ns)
}

/// A string field as [`str_of`] reads it: `None` for null, `""`, `<NA>`, a
/// value of another type or a missing key.
type Str<'a> = Option<Cow<'a, str>>;

/// What an audit event is built from: the parts of a record [`build`] reads,
/// each already read the way the parser reads it (strings by [`str_of`],
/// numbers by [`u64_of`]). A key that is missing, `null` or of the wrong
/// type (a string where an object is expected) reads as the default, exactly
/// as a missing key: the event built is the same either way.
///
/// Filled in by one of two readers that must agree on every input: directly
/// from the JSON text ([`read_record`], the fast path) or from a decoded
/// object ([`Record::from_object`]).
#[derive(Debug, Default)]
struct Record<'a> {
    audit_id: Str<'a>,
    verb: Str<'a>,
    stage: Str<'a>,
    request_uri: Str<'a>,
    user_agent: Str<'a>,
    request_received_timestamp: Str<'a>,
    stage_timestamp: Str<'a>,
    /// v1beta1 only, as is `metadata.creationTimestamp`.
    timestamp: Str<'a>,
    metadata: Metadata<'a>,
    object_ref: ObjectRef<'a>,
    status: Status<'a>,
    annotations: Annotations<'a>,
    user: User<'a>,
    impersonated: User<'a>,
    /// Every item of the list, `None` for those that are no string.
    source_ips: Vec<Str<'a>>,
    request: Body<'a>,
    response: Body<'a>,
}

#[derive(Debug, Default)]
struct Metadata<'a> {
    creation_timestamp: Str<'a>,
}

#[derive(Debug, Default)]
struct ObjectRef<'a> {
    resource: Str<'a>,
    subresource: Str<'a>,
    namespace: Str<'a>,
    name: Str<'a>,
    uid: Str<'a>,
    api_group: Str<'a>,
}

#[derive(Debug, Default)]
struct Status<'a> {
    code: Option<u64>,
    status: Str<'a>,
    reason: Str<'a>,
    message: Str<'a>,
}

#[derive(Debug, Default)]
struct Annotations<'a> {
    decision: Str<'a>,
    reason: Str<'a>,
    legacy_token: Str<'a>,
}

/// An audit `UserInfo`.
#[derive(Debug, Default)]
struct User<'a> {
    username: Str<'a>,
    uid: Str<'a>,
    groups: Groups,
    extra: Extra<'a>,
}

/// `user.groups`, kept verbatim when it is an array.
#[derive(Debug, Default)]
struct Groups(Option<Value>);

/// The `user.extra` values the parser reads.
#[derive(Debug, Default)]
struct Extra<'a> {
    pod_name: ExtraValue<'a>,
    pod_uid: ExtraValue<'a>,
    node_name: ExtraValue<'a>,
    node_uid: ExtraValue<'a>,
    credential_id: ExtraValue<'a>,
}

/// The first string of a `user.extra` value (a list of strings in the API;
/// a bare string is tolerated).
#[derive(Debug, Default)]
struct ExtraValue<'a>(Str<'a>);

/// What the parser reads of a `requestObject` or `responseObject`.
#[derive(Debug, Default)]
struct Body<'a> {
    spec: Spec<'a>,
    role_ref: RoleRef<'a>,
    subjects: Vec<Subject<'a>>,
}

#[derive(Debug, Default)]
struct RoleRef<'a> {
    name: Str<'a>,
    kind: Str<'a>,
}

#[derive(Debug, Default)]
struct Subject<'a> {
    name: Str<'a>,
    kind: Str<'a>,
    namespace: Str<'a>,
}

/// An object's `spec`, read as a pod spec.
#[derive(Debug, Default)]
struct Spec<'a> {
    /// Whether it is a pod spec: it has one of the keys `containers`,
    /// `initContainers`, `ephemeralContainers` or `volumes`.
    pod_spec: bool,
    containers: Vec<Container<'a>>,
    init_containers: Vec<Container<'a>>,
    ephemeral_containers: Vec<Container<'a>>,
    volumes: Vec<Volume<'a>>,
    host_network: bool,
    host_pid: bool,
    host_ipc: bool,
    /// The pod spec of the workload's pod template (`template.spec`; when
    /// there is no `template` key, a CronJob's
    /// `jobTemplate.spec.template.spec`), when it is a pod spec.
    template: PodTemplate<'a>,
}

#[derive(Debug, Default)]
struct PodTemplate<'a>(Option<Box<Spec<'a>>>);

#[derive(Debug, Default)]
struct Template<'a> {
    spec: PodTemplate<'a>,
}

#[derive(Debug, Default)]
struct JobTemplate<'a> {
    spec: JobSpec<'a>,
}

#[derive(Debug, Default)]
struct JobSpec<'a> {
    template: Template<'a>,
}

#[derive(Debug, Default)]
struct Container<'a> {
    image: Str<'a>,
    security_context: SecurityContext,
}

#[derive(Debug, Default)]
struct SecurityContext {
    /// `true` only for the JSON value `true`.
    privileged: bool,
}

#[derive(Debug, Default)]
struct Volume<'a> {
    host_path: HostPath<'a>,
}

#[derive(Debug, Default)]
struct HostPath<'a> {
    path: Str<'a>,
}

impl<'a> Spec<'a> {
    /// The pod specs of an object's `spec`: itself and its template's.
    fn pod_specs(&self) -> impl Iterator<Item = &Spec<'a>> {
        std::iter::once(self)
            .filter(|s| s.pod_spec)
            .chain(self.template.0.as_deref())
    }

    /// Every container of a pod spec (regular, init and ephemeral).
    fn all_containers(&self) -> impl Iterator<Item = &Container<'a>> {
        self.containers
            .iter()
            .chain(&self.init_containers)
            .chain(&self.ephemeral_containers)
    }
}

// --- The reader of decoded objects -----------------------------------------

fn str_value(v: Option<&Value>) -> Str<'_> {
    str_of(v).map(Cow::Borrowed)
}

fn object(v: Option<&Value>) -> Option<&Map<String, Value>> {
    v.and_then(Value::as_object)
}

/// The value of `key` in `obj` when `obj` is an object.
fn member<'a>(obj: Option<&'a Map<String, Value>>, key: &str) -> Option<&'a Value> {
    obj.and_then(|o| o.get(key))
}

/// The items of an array, none for any other value.
fn items(v: Option<&Value>) -> impl Iterator<Item = &Value> {
    v.and_then(Value::as_array).into_iter().flatten()
}

impl<'a> Record<'a> {
    fn from_object(obj: &'a Map<String, Value>) -> Record<'a> {
        let get = |key: &str| obj.get(key);
        let object_ref = object(get("objectRef"));
        let status = object(get("responseStatus"));
        let annotations = object(get("annotations"));
        Record {
            audit_id: str_value(get("auditID")),
            verb: str_value(get("verb")),
            stage: str_value(get("stage")),
            request_uri: str_value(get("requestURI")),
            user_agent: str_value(get("userAgent")),
            request_received_timestamp: str_value(get("requestReceivedTimestamp")),
            stage_timestamp: str_value(get("stageTimestamp")),
            timestamp: str_value(get("timestamp")),
            metadata: Metadata {
                creation_timestamp: str_value(member(object(get("metadata")), "creationTimestamp")),
            },
            object_ref: ObjectRef {
                resource: str_value(member(object_ref, "resource")),
                subresource: str_value(member(object_ref, "subresource")),
                namespace: str_value(member(object_ref, "namespace")),
                name: str_value(member(object_ref, "name")),
                uid: str_value(member(object_ref, "uid")),
                api_group: str_value(member(object_ref, "apiGroup")),
            },
            status: Status {
                code: u64_of(member(status, "code")),
                status: str_value(member(status, "status")),
                reason: str_value(member(status, "reason")),
                message: str_value(member(status, "message")),
            },
            annotations: Annotations {
                decision: str_value(member(annotations, "authorization.k8s.io/decision")),
                reason: str_value(member(annotations, "authorization.k8s.io/reason")),
                legacy_token: str_value(member(annotations, "authentication.k8s.io/legacy-token")),
            },
            user: User::from_value(get("user")),
            impersonated: User::from_value(get("impersonatedUser")),
            source_ips: items(get("sourceIPs"))
                .map(|v| str_value(Some(v)))
                .collect(),
            request: Body::from_value(get("requestObject")),
            response: Body::from_value(get("responseObject")),
        }
    }
}

impl<'a> User<'a> {
    fn from_value(v: Option<&'a Value>) -> User<'a> {
        let user = object(v);
        let extra = object(member(user, "extra"));
        let extra_value = |key: &str| {
            ExtraValue(match member(extra, key) {
                Some(Value::Array(items)) => items.iter().find_map(|v| str_value(Some(v))),
                v => str_value(v),
            })
        };
        User {
            username: str_value(member(user, "username")),
            uid: str_value(member(user, "uid")),
            groups: Groups(member(user, "groups").filter(|g| g.is_array()).cloned()),
            extra: Extra {
                pod_name: extra_value(EXTRA_POD_NAME),
                pod_uid: extra_value(EXTRA_POD_UID),
                node_name: extra_value(EXTRA_NODE_NAME),
                node_uid: extra_value(EXTRA_NODE_UID),
                credential_id: extra_value(EXTRA_CREDENTIAL_ID),
            },
        }
    }
}

impl<'a> Body<'a> {
    fn from_value(v: Option<&'a Value>) -> Body<'a> {
        let body = object(v);
        let role_ref = object(member(body, "roleRef"));
        Body {
            spec: Spec::from_value(member(body, "spec")),
            role_ref: RoleRef {
                name: str_value(member(role_ref, "name")),
                kind: str_value(member(role_ref, "kind")),
            },
            subjects: items(member(body, "subjects"))
                .map(|s| {
                    let s = s.as_object();
                    Subject {
                        name: str_value(member(s, "name")),
                        kind: str_value(member(s, "kind")),
                        namespace: str_value(member(s, "namespace")),
                    }
                })
                .collect(),
        }
    }
}

impl<'a> Spec<'a> {
    fn from_value(v: Option<&'a Value>) -> Spec<'a> {
        let Some(spec) = object(v) else {
            return Spec::default();
        };
        let containers = |key: &str| {
            items(spec.get(key))
                .map(|c| {
                    let c = c.as_object();
                    Container {
                        image: str_value(member(c, "image")),
                        security_context: SecurityContext {
                            privileged: is_true(member(
                                object(member(c, "securityContext")),
                                "privileged",
                            )),
                        },
                    }
                })
                .collect()
        };
        // A `template` key wins even when its value is no object.
        let template = spec.get("template").or_else(|| {
            let job_spec = member(object(spec.get("jobTemplate")), "spec");
            member(object(job_spec), "template")
        });
        let template = Spec::from_value(member(object(template), "spec"));
        Spec {
            pod_spec: [
                "containers",
                "initContainers",
                "ephemeralContainers",
                "volumes",
            ]
            .iter()
            .any(|k| spec.contains_key(*k)),
            containers: containers("containers"),
            init_containers: containers("initContainers"),
            ephemeral_containers: containers("ephemeralContainers"),
            volumes: items(spec.get("volumes"))
                .map(|v| Volume {
                    host_path: HostPath {
                        path: str_value(member(object(member(v.as_object(), "hostPath")), "path")),
                    },
                })
                .collect(),
            host_network: is_true(spec.get("hostNetwork")),
            host_pid: is_true(spec.get("hostPID")),
            host_ipc: is_true(spec.get("hostIPC")),
            template: PodTemplate(template.pod_spec.then(|| Box::new(template))),
        }
    }
}

fn is_true(v: Option<&Value>) -> bool {
    matches!(v, Some(Value::Bool(true)))
}

// --- The direct reader of JSON text ----------------------------------------
//
// Every value goes through serde_json's `deserialize_any`, as when it builds
// a `Value`: strings are checked for UTF-8 and escapes, numbers are parsed,
// nesting counts against the recursion limit, duplicate keys let the last one
// win. Values the event does not need are parsed and dropped (never through
// `IgnoredAny`, which skips them unchecked). So the direct reader accepts
// exactly the records the `Value` parser accepts and reads each value as the
// `Value` path reads it; what it cannot mirror (serde_json's private marker
// keys) makes it give up, and the record takes the `Value` path.

/// Reads a record from JSON text; `None` sends it to the `Value` path (not
/// an object, invalid JSON, a marker key).
fn read_record(raw: &[u8]) -> Option<Record<'_>> {
    // Checking UTF-8 once for the whole record lets serde_json skip the check
    // string by string; invalid UTF-8 anywhere is invalid JSON for the
    // `Value` parser too.
    let text = std::str::from_utf8(raw).ok()?;
    let first = text
        .bytes()
        .find(|b| !matches!(b, b' ' | b'\t' | b'\n' | b'\r'))?;
    if first != b'{' {
        return None;
    }
    serde_json::from_str::<Lenient<Record>>(text)
        .ok()
        .map(|r| r.0)
}

/// A type read from any JSON value: the value of the expected type gives the
/// result, any other value gives `Self::default()`, as a missing key would.
trait Tolerant<'de>: Default {
    fn from_bool(_: bool) -> Self {
        Self::default()
    }
    fn from_u64(_: u64) -> Self {
        Self::default()
    }
    /// Only negative integers arrive here.
    fn from_i64(_: i64) -> Self {
        Self::default()
    }
    fn from_str(_: &str) -> Self {
        Self::default()
    }
    fn from_borrowed_str(s: &'de str) -> Self {
        Self::from_str(s)
    }
    fn from_seq<A: SeqAccess<'de>>(mut seq: A) -> Result<Self, A::Error> {
        while seq.next_element::<Lenient<Ignored>>()?.is_some() {}
        Ok(Self::default())
    }
    fn from_map<A: MapAccess<'de>>(map: A) -> Result<Self, A::Error> {
        entries(map, |_| None, |(), _: &mut A| Ok(()))?;
        Ok(Self::default())
    }
}

/// `T` as a `Deserialize` type.
struct Lenient<T>(T);

impl<'de, T: Tolerant<'de>> Deserialize<'de> for Lenient<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(LenientVisitor(PhantomData))
    }
}

struct LenientVisitor<T>(PhantomData<T>);

impl<'de, T: Tolerant<'de>> Visitor<'de> for LenientVisitor<T> {
    type Value = Lenient<T>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("any JSON value")
    }
    fn visit_bool<E>(self, v: bool) -> Result<Self::Value, E> {
        Ok(Lenient(T::from_bool(v)))
    }
    fn visit_i64<E>(self, v: i64) -> Result<Self::Value, E> {
        Ok(Lenient(T::from_i64(v)))
    }
    fn visit_u64<E>(self, v: u64) -> Result<Self::Value, E> {
        Ok(Lenient(T::from_u64(v)))
    }
    fn visit_f64<E>(self, _: f64) -> Result<Self::Value, E> {
        Ok(Lenient(T::default()))
    }
    fn visit_str<E>(self, v: &str) -> Result<Self::Value, E> {
        Ok(Lenient(T::from_str(v)))
    }
    fn visit_borrowed_str<E>(self, v: &'de str) -> Result<Self::Value, E> {
        Ok(Lenient(T::from_borrowed_str(v)))
    }
    fn visit_string<E>(self, v: String) -> Result<Self::Value, E> {
        Ok(Lenient(T::from_str(&v)))
    }
    fn visit_unit<E>(self) -> Result<Self::Value, E> {
        Ok(Lenient(T::default()))
    }
    fn visit_none<E>(self) -> Result<Self::Value, E> {
        Ok(Lenient(T::default()))
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        Lenient::deserialize(d)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Self::Value, A::Error> {
        T::from_seq(seq).map(Lenient)
    }
    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
        T::from_map(map).map(Lenient)
    }
}

/// A value parsed and dropped.
#[derive(Default)]
struct Ignored;

impl<'de> Tolerant<'de> for Ignored {}

/// Object keys that serde_json's `Value` parser treats specially when they
/// come first in an object (an embedded raw value or number).
const SERDE_JSON_MARKER: &str = "$serde_json::private::";

/// One object key: a wanted key, or another key.
enum Key<K> {
    Wanted(K),
    Marker,
    Other,
}

/// Reads an object key with `F`, which names the wanted keys.
struct KeySeed<F>(F);

impl<'de, K, F: Fn(&str) -> Option<K>> DeserializeSeed<'de> for KeySeed<F> {
    type Value = Key<K>;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Key<K>, D::Error> {
        deserializer.deserialize_str(self)
    }
}

impl<'de, K, F: Fn(&str) -> Option<K>> Visitor<'de> for KeySeed<F> {
    type Value = Key<K>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an object key")
    }
    fn visit_str<E>(self, key: &str) -> Result<Key<K>, E> {
        Ok(match (self.0)(key) {
            Some(k) => Key::Wanted(k),
            None if key.starts_with(SERDE_JSON_MARKER) => Key::Marker,
            None => Key::Other,
        })
    }
}

/// Walks an object's entries: `wanted(k, map)` reads the value of a key for
/// which `key` gives `Some(k)`; the values of other keys are parsed and
/// dropped. A repeated key is read again, so the last one wins, as in a
/// `Value`.
fn entries<'de, A: MapAccess<'de>, K>(
    mut map: A,
    key: impl Fn(&str) -> Option<K> + Copy,
    mut wanted: impl FnMut(K, &mut A) -> Result<(), A::Error>,
) -> Result<(), A::Error> {
    let mut first = true;
    while let Some(k) = map.next_key_seed(KeySeed(key))? {
        match k {
            Key::Marker if first => return Err(de::Error::custom("serde_json marker key")),
            Key::Wanted(k) => wanted(k, &mut map)?,
            Key::Marker | Key::Other => {
                map.next_value::<Lenient<Ignored>>()?;
            }
        }
        first = false;
    }
    Ok(())
}

fn value<'de, T: Tolerant<'de>, A: MapAccess<'de>>(map: &mut A) -> Result<T, A::Error> {
    Ok(map.next_value::<Lenient<T>>()?.0)
}

/// [`str_of`]: a string that is not an absent marker.
impl<'de> Tolerant<'de> for Str<'de> {
    fn from_str(s: &str) -> Self {
        (!entity::is_absent(s)).then(|| Cow::Owned(s.to_owned()))
    }
    fn from_borrowed_str(s: &'de str) -> Self {
        (!entity::is_absent(s)).then_some(Cow::Borrowed(s))
    }
}

/// [`u64_of`]: a non-negative integer, or a string holding one.
impl<'de> Tolerant<'de> for Option<u64> {
    fn from_u64(n: u64) -> Self {
        Some(n)
    }
    fn from_i64(n: i64) -> Self {
        u64::try_from(n).ok()
    }
    fn from_str(s: &str) -> Self {
        s.trim().parse().ok()
    }
}

/// `true` only for the JSON value `true`.
impl<'de> Tolerant<'de> for bool {
    fn from_bool(b: bool) -> Self {
        b
    }
}

/// The items of an array; no items for any other value.
impl<'de, T: Tolerant<'de>> Tolerant<'de> for Vec<T> {
    fn from_seq<A: SeqAccess<'de>>(mut seq: A) -> Result<Self, A::Error> {
        let mut out = Vec::new();
        while let Some(Lenient(item)) = seq.next_element::<Lenient<T>>()? {
            out.push(item);
        }
        Ok(out)
    }
}

impl<'de> Tolerant<'de> for Groups {
    fn from_seq<A: SeqAccess<'de>>(mut seq: A) -> Result<Self, A::Error> {
        let mut items = Vec::new();
        while let Some(item) = seq.next_element::<Value>()? {
            items.push(item);
        }
        Ok(Groups(Some(Value::Array(items))))
    }
}

impl<'de> Tolerant<'de> for ExtraValue<'de> {
    fn from_str(s: &str) -> Self {
        ExtraValue(Str::from_str(s))
    }
    fn from_borrowed_str(s: &'de str) -> Self {
        ExtraValue(Str::from_borrowed_str(s))
    }
    fn from_seq<A: SeqAccess<'de>>(mut seq: A) -> Result<Self, A::Error> {
        let mut first = None;
        loop {
            if first.is_some() {
                if seq.next_element::<Lenient<Ignored>>()?.is_none() {
                    break;
                }
            } else {
                match seq.next_element::<Lenient<Str>>()? {
                    Some(Lenient(s)) => first = s,
                    None => break,
                }
            }
        }
        Ok(ExtraValue(first))
    }
}

impl<'de> Tolerant<'de> for Spec<'de> {
    fn from_map<A: MapAccess<'de>>(map: A) -> Result<Self, A::Error> {
        enum K {
            Containers,
            InitContainers,
            EphemeralContainers,
            Volumes,
            HostNetwork,
            HostPid,
            HostIpc,
            Template,
            JobTemplate,
        }
        let key = |k: &str| {
            Some(match k {
                "containers" => K::Containers,
                "initContainers" => K::InitContainers,
                "ephemeralContainers" => K::EphemeralContainers,
                "volumes" => K::Volumes,
                "hostNetwork" => K::HostNetwork,
                "hostPID" => K::HostPid,
                "hostIPC" => K::HostIpc,
                "template" => K::Template,
                "jobTemplate" => K::JobTemplate,
                _ => return None,
            })
        };
        let mut spec = Spec::default();
        // A `template` key wins even when its value is no object.
        let mut template: Option<Template> = None;
        let mut job_template = JobTemplate::default();
        entries(map, key, |k, m| {
            match k {
                K::Containers => spec.containers = value(m)?,
                K::InitContainers => spec.init_containers = value(m)?,
                K::EphemeralContainers => spec.ephemeral_containers = value(m)?,
                K::Volumes => spec.volumes = value(m)?,
                K::HostNetwork => spec.host_network = value(m)?,
                K::HostPid => spec.host_pid = value(m)?,
                K::HostIpc => spec.host_ipc = value(m)?,
                K::Template => template = Some(value(m)?),
                K::JobTemplate => job_template = value(m)?,
            }
            spec.pod_spec |= matches!(
                k,
                K::Containers | K::InitContainers | K::EphemeralContainers | K::Volumes
            );
            Ok(())
        })?;
        spec.template = match template {
            Some(t) => t.spec,
            None => job_template.spec.template.spec,
        };
        Ok(spec)
    }
}

/// A template's `spec`, kept when it is a pod spec.
impl<'de> Tolerant<'de> for PodTemplate<'de> {
    fn from_map<A: MapAccess<'de>>(map: A) -> Result<Self, A::Error> {
        let spec = Spec::from_map(map)?;
        Ok(PodTemplate(spec.pod_spec.then(|| Box::new(spec))))
    }
}

/// Objects read key by key: `tolerant_object!(<'de> Type { field: "key", … })`
/// reads each listed key into its field with the field type's reader.
macro_rules! tolerant_object {
    ($(<$de:lifetime> $ty:ty { $($field:ident: $key:literal),+ $(,)? })+) => {$(
        impl<$de> Tolerant<$de> for $ty {
            fn from_map<A: MapAccess<$de>>(map: A) -> Result<Self, A::Error> {
                #[allow(non_camel_case_types)]
                enum Wanted {
                    $($field),+
                }
                let key = |k: &str| match k {
                    $($key => Some(Wanted::$field),)+
                    _ => None,
                };
                let mut out = Self::default();
                entries(map, key, |wanted, m| {
                    match wanted {
                        $(Wanted::$field => out.$field = value(m)?,)+
                    }
                    Ok(())
                })?;
                Ok(out)
            }
        }
    )+};
}

tolerant_object! {
    <'de> Record<'de> {
        audit_id: "auditID",
        verb: "verb",
        stage: "stage",
        request_uri: "requestURI",
        user_agent: "userAgent",
        request_received_timestamp: "requestReceivedTimestamp",
        stage_timestamp: "stageTimestamp",
        timestamp: "timestamp",
        metadata: "metadata",
        object_ref: "objectRef",
        status: "responseStatus",
        annotations: "annotations",
        user: "user",
        impersonated: "impersonatedUser",
        source_ips: "sourceIPs",
        request: "requestObject",
        response: "responseObject",
    }
    <'de> Metadata<'de> { creation_timestamp: "creationTimestamp" }
    <'de> ObjectRef<'de> {
        resource: "resource",
        subresource: "subresource",
        namespace: "namespace",
        name: "name",
        uid: "uid",
        api_group: "apiGroup",
    }
    <'de> Status<'de> {
        code: "code",
        status: "status",
        reason: "reason",
        message: "message",
    }
    <'de> Annotations<'de> {
        decision: "authorization.k8s.io/decision",
        reason: "authorization.k8s.io/reason",
        legacy_token: "authentication.k8s.io/legacy-token",
    }
    <'de> User<'de> {
        username: "username",
        uid: "uid",
        groups: "groups",
        extra: "extra",
    }
    <'de> Extra<'de> {
        pod_name: "authentication.kubernetes.io/pod-name",
        pod_uid: "authentication.kubernetes.io/pod-uid",
        node_name: "authentication.kubernetes.io/node-name",
        node_uid: "authentication.kubernetes.io/node-uid",
        credential_id: "authentication.kubernetes.io/credential-id",
    }
    <'de> Body<'de> { spec: "spec", role_ref: "roleRef", subjects: "subjects" }
    <'de> RoleRef<'de> { name: "name", kind: "kind" }
    <'de> Subject<'de> { name: "name", kind: "kind", namespace: "namespace" }
    <'de> Template<'de> { spec: "spec" }
    <'de> JobTemplate<'de> { spec: "spec" }
    <'de> JobSpec<'de> { template: "template" }
    <'de> Container<'de> { image: "image", security_context: "securityContext" }
    <'de> SecurityContext { privileged: "privileged" }
    <'de> Volume<'de> { host_path: "hostPath" }
    <'de> HostPath<'de> { path: "path" }
}

// --- The event --------------------------------------------------------------

/// An identity entity for an audit `UserInfo` object, with its groups.
fn identity_entity(user: &User<'_>, groups: Option<Value>, role: &str) -> Option<EntityRef> {
    let username = user.username.as_deref()?;
    Some(
        EntityRef::new(EntityKind::Identity, username, role)
            .attr("uid", user.uid.as_deref())
            .attr("groups", groups),
    )
}

/// Declares [`Field`], the fields an audit event can have, and their names.
macro_rules! event_fields {
    ($($field:ident: $name:literal),+ $(,)?) => {
        #[derive(Clone, Copy)]
        enum Field {
            $($field),+
        }
        const FIELD_NAMES: &[&str] = &[$($name),+];
    };
}

// In the order of the names, which is the order of the map: building it from
// sorted entries costs no sorting.
event_fields! {
    ApiGroup: "api_group",
    AuthzReason: "authz_reason",
    Code: "code",
    CredentialId: "credential_id",
    Decision: "decision",
    ExecArgv: "exec_argv",
    ExecCommand: "exec_command",
    ExecContainer: "exec_container",
    ExecStdin: "exec_stdin",
    ExecTty: "exec_tty",
    HostPathVolumes: "host_path_volumes",
    Images: "images",
    ImpersonatedUser: "impersonated_user",
    LegacyToken: "legacy_token",
    Name: "name",
    Namespace: "namespace",
    PeerIp: "peer_ip",
    PodHostIpc: "pod_host_ipc",
    PodHostNetwork: "pod_host_network",
    PodHostPath: "pod_host_path",
    PodHostPid: "pod_host_pid",
    PodPrivileged: "pod_privileged",
    PortforwardPorts: "portforward_ports",
    RequestUri: "request_uri",
    Resource: "resource",
    RoleRef: "role_ref",
    RoleRefKind: "role_ref_kind",
    SourceIp: "source_ip",
    SourceIps: "source_ips",
    Stage: "stage",
    Status: "status",
    StatusMessage: "status_message",
    StatusReason: "status_reason",
    Subjects: "subjects",
    Subresource: "subresource",
    TokenPod: "token_pod",
    User: "user",
    UserAgent: "user_agent",
    Verb: "verb",
}

/// An event's `fields`, gathered first and then built into the map in one
/// go. As [`NewEvent::field`]: a null value is no field.
struct Fields([Option<Value>; FIELD_NAMES.len()]);

/// How [`build`] gives the fields: as the event's map, or as the JSON the
/// case stores.
#[derive(Clone, Copy)]
enum FieldsAs {
    Map,
    Json,
}

impl serde::Serialize for Fields {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut map = s.serialize_map(None)?;
        for (name, value) in FIELD_NAMES.iter().zip(&self.0) {
            if let Some(value) = value {
                map.serialize_entry(name, value)?;
            }
        }
        map.end()
    }
}

impl Fields {
    fn new() -> Fields {
        Fields(std::array::from_fn(|_| None))
    }

    fn set(&mut self, field: Field, value: impl Into<Value>) {
        let value = value.into();
        if !value.is_null() {
            self.0[field as usize] = Some(value);
        }
    }

    /// The JSON of [`Fields::into_map`]'s map, written directly: the names
    /// are sorted (tested), as the map's keys are.
    fn to_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_else(|_| "{}".into())
    }

    fn into_map(mut self) -> Map<String, Value> {
        let mut entries = Vec::with_capacity(FIELD_NAMES.len());
        for (name, value) in FIELD_NAMES.iter().zip(&mut self.0) {
            if let Some(value) = value.take() {
                entries.push((name.to_string(), value));
            }
        }
        entries.into_iter().collect()
    }
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

/// Builds the event of one record.
fn build(mut rec: Record<'_>, fields_as: FieldsAs) -> Result<NewEvent, RecordError> {
    let audit_id = rec
        .audit_id
        .as_deref()
        .ok_or_else(|| RecordError::new("audit event has no auditID"))?;
    let user_groups = rec.user.groups.0.take();
    let impersonated_groups = rec.impersonated.groups.0.take();
    let object_ref = &rec.object_ref;
    let status = &rec.status;
    let annotations = &rec.annotations;
    let extra = &rec.user.extra;

    let verb = rec.verb.as_deref();
    let stage = rec.stage.as_deref();
    let request_uri = rec.request_uri.as_deref();
    let resource = object_ref.resource.as_deref();
    let subresource = object_ref.subresource.as_deref();
    let namespace = object_ref.namespace.as_deref();
    let name = object_ref.name.as_deref();
    let object_uid = object_ref.uid.as_deref();
    let code = status.code;
    let status_reason = status.reason.as_deref();
    let status_message = status.message.as_deref();
    let username = rec.user.username.as_deref();
    let impersonated_username = rec.impersonated.username.as_deref();

    let streaming = subresource.is_some_and(|s| STREAMING_SUBRESOURCES.contains(&s));
    let long_running = streaming || verb == Some("watch");

    // Title: `list secrets in kube-system`, `get pods/exec shop/cart-…`.
    let what: Cow<str> = match (resource, subresource) {
        (Some(r), Some(s)) => Cow::Owned(format!("{}/{}", r, s)),
        (Some(r), None) => Cow::Borrowed(r),
        // Non-resource requests (`/healthz`, `/version`): the path.
        (None, _) => Cow::Borrowed(
            request_uri
                .map(|u| u.split('?').next().unwrap_or(u))
                .unwrap_or(""),
        ),
    };
    let operation = match verb {
        Some(v) if !what.is_empty() => format!("{} {}", v, what),
        Some(v) => v.to_string(),
        None if !what.is_empty() => what.into_owned(),
        None => "request".to_string(),
    };
    let mut title = String::with_capacity(operation.len() + 96);
    title.push_str(&operation);
    // A namespace object's objectRef may repeat its name as namespace.
    let title_ns = namespace.filter(|_| resource != Some("namespaces"));
    match (title_ns, name) {
        (Some(ns), Some(n)) => {
            let _ = write!(title, " {}/{}", ns, n);
        }
        (None, Some(n)) => {
            let _ = write!(title, " {}", n);
        }
        (Some(ns), None) => {
            let _ = write!(title, " in {}", ns);
        }
        (None, None) => {}
    }
    if let Some(c) = code.filter(|c| *c >= 400) {
        let _ = match http_reason_phrase(c).or(status_reason) {
            Some(phrase) => write!(title, " ({} {})", c, phrase),
            None => write!(title, " ({})", c),
        };
    }

    let mut ev = NewEvent::new(Source::K8sAudit, EventKind::Telemetry, title);
    ev.rule = Some(operation);
    let mut dedup_key = String::with_capacity(DEDUP_PREFIX.len() + audit_id.len());
    dedup_key.push_str(DEDUP_PREFIX);
    dedup_key.push_str(audit_id);
    ev.dedup_key = Some(dedup_key);
    ev.rank = stage_rank(stage, long_running);
    ev.time_ns = [
        &rec.request_received_timestamp,
        &rec.stage_timestamp,
        &rec.timestamp,
        &rec.metadata.creation_timestamp,
    ]
    .into_iter()
    .find_map(|t| t.as_deref().and_then(parse_rfc3339));

    let mut fields = Fields::new();
    fields.set(Field::Verb, verb);
    fields.set(Field::Resource, resource);
    fields.set(Field::Subresource, subresource);
    fields.set(Field::Namespace, namespace);
    fields.set(Field::Name, name);
    fields.set(Field::ApiGroup, object_ref.api_group.as_deref());
    fields.set(Field::Code, code);
    fields.set(Field::Status, status.status.as_deref());
    fields.set(Field::StatusReason, status_reason);
    fields.set(Field::StatusMessage, status_message);
    fields.set(Field::Stage, stage);
    fields.set(Field::RequestUri, request_uri);
    fields.set(Field::UserAgent, rec.user_agent.as_deref());

    let decision = annotations.decision.as_deref();
    // An empty reason is what RBAC writes when it forbids: keep it absent.
    let authz_reason = annotations.reason.as_deref();
    fields.set(Field::Decision, decision);
    fields.set(Field::AuthzReason, authz_reason);
    fields.set(Field::LegacyToken, annotations.legacy_token.as_deref());

    // Fields hold what detections and views filter on; what the entities
    // carry (uids, groups, the token's node) and the audit id stay in the
    // entities and the raw record, which keeps a million-event case small.

    // The acting identity and whom it impersonates.
    fields.set(Field::User, username);
    if let Some(e) = identity_entity(&rec.user, user_groups, "actor") {
        ev.entity(e);
    }
    // A kubelet acts as its node.
    if let Some(node) = username
        .and_then(|n| n.strip_prefix("system:node:"))
        .filter(|n| !n.is_empty())
    {
        ev.entity(EntityRef::new(EntityKind::Node, node, "actor"));
    }
    fields.set(Field::ImpersonatedUser, impersonated_username);
    if let Some(e) = identity_entity(&rec.impersonated, impersonated_groups, "impersonated") {
        ev.entity(e);
    }

    // The bound token's pod and node: where the credential was minted.
    let token_ns = username.and_then(service_account_namespace);
    if let (Some(ns), Some(pod)) = (token_ns, extra.pod_name.0.as_deref()) {
        if let Some(key) = entity::pod_key(ns, pod) {
            fields.set(Field::TokenPod, key.as_str());
            ev.entity(
                EntityRef::new(EntityKind::Pod, key, "token-pod")
                    .attr("uid", extra.pod_uid.0.as_deref())
                    .attr("namespace", ns)
                    .attr("name", pod),
            );
        }
    }
    if let Some(node) = extra.node_name.0.as_deref() {
        ev.entity(
            EntityRef::new(EntityKind::Node, node, "token-node")
                .attr("uid", extra.node_uid.0.as_deref()),
        );
    }
    let credential_id = extra.credential_id.0.as_deref();
    fields.set(Field::CredentialId, credential_id);

    // Source addresses: X-Forwarded-For entries first, the TCP peer last.
    let source_ips: Vec<String> = rec
        .source_ips
        .iter()
        .filter_map(|ip| ip.as_deref())
        .filter_map(entity::ip)
        .collect();
    if let (Some(first), Some(last)) = (source_ips.first(), source_ips.last()) {
        fields.set(Field::SourceIp, first.as_str());
        fields.set(Field::PeerIp, last.as_str());
    }
    for ip in &source_ips {
        ev.entity(EntityRef::new(EntityKind::Ip, ip.as_str(), "source-ip"));
    }

    // The object acted on, and its namespace.
    if let Some(e) = resource.and_then(|r| target_entity(r, namespace, name, object_uid)) {
        ev.entity(e);
    }
    if let Some(ns) = title_ns {
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
            fields.set(Field::ExecArgv, argv);
        }
        fields.set(Field::ExecCommand, exec_command.clone());
        fields.set(Field::ExecContainer, param("container"));
        fields.set(
            Field::ExecTty,
            param("tty").map(|v| v == "true" || v == "1"),
        );
        fields.set(
            Field::ExecStdin,
            param("stdin").map(|v| v == "true" || v == "1"),
        );
        let ports: Vec<String> = params
            .iter()
            .filter(|(k, _)| k == "ports")
            .map(|(_, v)| v.clone())
            .collect();
        if !ports.is_empty() {
            fields.set(Field::PortforwardPorts, ports);
        }
    }

    // Images and risky pod settings from the objects sent or returned.
    let mut images: Vec<String> = Vec::new();
    for body in [&rec.request, &rec.response] {
        for spec in body.spec.pod_specs() {
            for c in spec.all_containers() {
                if let Some((reference, digest)) = c.image.as_deref().and_then(entity::image) {
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
        fields.set(Field::Images, images);
    }
    let request = &rec.request;
    let specs: Vec<&Spec> = request.spec.pod_specs().collect();
    if !specs.is_empty() {
        let privileged = specs
            .iter()
            .flat_map(|s| s.all_containers())
            .any(|c| c.security_context.privileged);
        let host_paths: Vec<String> = specs
            .iter()
            .flat_map(|s| &s.volumes)
            .filter_map(|v| v.host_path.path.as_deref().map(str::to_string))
            .collect();
        fields.set(Field::PodPrivileged, privileged);
        fields.set(Field::PodHostPath, !host_paths.is_empty());
        fields.set(Field::PodHostNetwork, specs.iter().any(|s| s.host_network));
        fields.set(Field::PodHostPid, specs.iter().any(|s| s.host_pid));
        fields.set(Field::PodHostIpc, specs.iter().any(|s| s.host_ipc));
        if !host_paths.is_empty() {
            fields.set(Field::HostPathVolumes, host_paths);
        }
    }
    // Role bindings: which role is granted, and to whom.
    if matches!(resource, Some("rolebindings") | Some("clusterrolebindings")) {
        fields.set(Field::RoleRef, request.role_ref.name.as_deref());
        fields.set(Field::RoleRefKind, request.role_ref.kind.as_deref());
        let subjects: Vec<String> = request
            .subjects
            .iter()
            .filter_map(|s| binding_subject(s, namespace))
            .collect();
        if !subjects.is_empty() {
            fields.set(Field::Subjects, subjects);
        }
    }

    // Message: who, from where, and what the server answered.
    let mut message = String::new();
    if let Some(u) = username {
        message.push_str(u);
        if let Some(imp) = impersonated_username {
            message.push_str(" as ");
            message.push_str(imp);
        }
        for (i, ip) in source_ips.iter().enumerate() {
            message.push_str(if i == 0 { " from " } else { ", " });
            message.push_str(ip);
        }
    }
    let mut part = |text: &str| {
        if !message.is_empty() {
            message.push_str("; ");
        }
        message.push_str(text);
    };
    if let Some(cmd) = &exec_command {
        part(&format!("command: {}", cmd));
    }
    if let Some(m) = status_message.or(authz_reason) {
        part(m);
    }
    ev.message = message;

    if !source_ips.is_empty() {
        fields.set(Field::SourceIps, source_ips);
    }
    match fields_as {
        FieldsAs::Map => ev.fields = fields.into_map(),
        FieldsAs::Json => ev.fields_json = Some(fields.to_json()),
    }

    // The title already holds the object's name and the message the user,
    // the impersonated user and the exec command; only the URI is left to
    // index (each token indexed once keeps a million-event import fast).
    if let Some(uri) = request_uri {
        ev.add_search(uri);
    }
    Ok(ev)
}

/// A binding subject as the identity key the audit log would name it by.
fn binding_subject(subject: &Subject<'_>, binding_ns: Option<&str>) -> Option<String> {
    let name = subject.name.as_deref()?;
    match subject.kind.as_deref() {
        Some("ServiceAccount") => {
            let ns = subject.namespace.as_deref().or(binding_ns)?;
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

    // --- The direct reader against the `Value` path -----------------------

    const DEMO: &str = include_str!("../../fixtures/demo/src/audit-attack.jsonl");

    /// `parse` (the direct reader) and the `Value` path give the same result.
    fn assert_readers_agree(raw: &[u8]) {
        assert_eq!(
            parse(raw),
            parse_via_value(raw),
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
            // The last of repeated keys wins.
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
        // The cases the direct reader cannot mirror did reach the `Value` path.
        let marker = at_end(r#""verb":{"$serde_json::private::RawValue":"\"watch\""}"#);
        assert_readers_agree(marker.as_bytes());
        assert!(read_record(marker.as_bytes()).is_none());
        assert_eq!(parse(marker.as_bytes()).unwrap().fields["verb"], "watch");
    }

    #[test]
    fn field_names_are_sorted_and_distinct() {
        assert!(FIELD_NAMES.windows(2).all(|w| w[0] < w[1]));
    }
}
