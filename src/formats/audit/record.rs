//! [`Record`]: the parts of an audit event the parser reads, and the reader
//! that fills it from an already decoded object (the `Value` path).

use super::*;

/// A string field as [`str_of`] reads it: `None` for null, `""`, `<NA>`, a
/// value of another type or a missing key.
pub(super) type Str<'a> = Option<Cow<'a, str>>;

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
pub(super) struct Record<'a> {
    pub(super) audit_id: Str<'a>,
    pub(super) verb: Str<'a>,
    pub(super) stage: Str<'a>,
    pub(super) request_uri: Str<'a>,
    pub(super) user_agent: Str<'a>,
    pub(super) request_received_timestamp: Str<'a>,
    pub(super) stage_timestamp: Str<'a>,
    /// v1beta1 only, as is `metadata.creationTimestamp`.
    pub(super) timestamp: Str<'a>,
    pub(super) metadata: Metadata<'a>,
    pub(super) object_ref: ObjectRef<'a>,
    pub(super) status: Status<'a>,
    pub(super) annotations: Annotations<'a>,
    pub(super) user: User<'a>,
    pub(super) impersonated: User<'a>,
    /// Every item of the list, `None` for those that are no string.
    pub(super) source_ips: Vec<Str<'a>>,
    pub(super) request: Body<'a>,
    pub(super) response: Body<'a>,
}

#[derive(Debug, Default)]
pub(super) struct Metadata<'a> {
    pub(super) creation_timestamp: Str<'a>,
}

#[derive(Debug, Default)]
pub(super) struct ObjectRef<'a> {
    pub(super) resource: Str<'a>,
    pub(super) subresource: Str<'a>,
    pub(super) namespace: Str<'a>,
    pub(super) name: Str<'a>,
    pub(super) uid: Str<'a>,
    pub(super) api_group: Str<'a>,
}

#[derive(Debug, Default)]
pub(super) struct Status<'a> {
    pub(super) code: Option<u64>,
    pub(super) status: Str<'a>,
    pub(super) reason: Str<'a>,
    pub(super) message: Str<'a>,
}

#[derive(Debug, Default)]
pub(super) struct Annotations<'a> {
    pub(super) decision: Str<'a>,
    pub(super) reason: Str<'a>,
    pub(super) legacy_token: Str<'a>,
}

/// An audit `UserInfo`.
#[derive(Debug, Default)]
pub(super) struct User<'a> {
    pub(super) username: Str<'a>,
    pub(super) uid: Str<'a>,
    pub(super) groups: Groups,
    pub(super) extra: Extra<'a>,
}

/// `user.groups`, kept verbatim when it is an array.
#[derive(Debug, Default)]
pub(super) struct Groups(pub(super) Option<Value>);

/// The `user.extra` values the parser reads.
#[derive(Debug, Default)]
pub(super) struct Extra<'a> {
    pub(super) pod_name: ExtraValue<'a>,
    pub(super) pod_uid: ExtraValue<'a>,
    pub(super) node_name: ExtraValue<'a>,
    pub(super) node_uid: ExtraValue<'a>,
    pub(super) credential_id: ExtraValue<'a>,
    /// EKS: the IAM session ARN, the role or user ARN, and the session's
    /// name, access key and principal id.
    pub(super) arn: ExtraValue<'a>,
    pub(super) canonical_arn: ExtraValue<'a>,
    pub(super) session_name: ExtraValue<'a>,
    pub(super) access_key_id: ExtraValue<'a>,
    pub(super) principal_id: ExtraValue<'a>,
    /// AKS with Entra ID: the Entra object id.
    pub(super) oid: ExtraValue<'a>,
}

/// The first string of a `user.extra` value (a list of strings in the API;
/// a bare string is tolerated).
#[derive(Debug, Default)]
pub(super) struct ExtraValue<'a>(pub(super) Str<'a>);

/// What the parser reads of a `requestObject` or `responseObject`.
#[derive(Debug, Default)]
pub(super) struct Body<'a> {
    pub(super) spec: Spec<'a>,
    pub(super) role_ref: RoleRef<'a>,
    pub(super) subjects: Vec<Subject<'a>>,
}

#[derive(Debug, Default)]
pub(super) struct RoleRef<'a> {
    pub(super) name: Str<'a>,
    pub(super) kind: Str<'a>,
}

#[derive(Debug, Default)]
pub(super) struct Subject<'a> {
    pub(super) name: Str<'a>,
    pub(super) kind: Str<'a>,
    pub(super) namespace: Str<'a>,
}

/// An object's `spec`, read as a pod spec.
#[derive(Debug, Default)]
pub(super) struct Spec<'a> {
    /// Whether it is a pod spec: it has one of the keys `containers`,
    /// `initContainers`, `ephemeralContainers` or `volumes`.
    pub(super) pod_spec: bool,
    pub(super) containers: Vec<Container<'a>>,
    pub(super) init_containers: Vec<Container<'a>>,
    pub(super) ephemeral_containers: Vec<Container<'a>>,
    pub(super) volumes: Vec<Volume<'a>>,
    pub(super) host_network: bool,
    pub(super) host_pid: bool,
    pub(super) host_ipc: bool,
    /// The pod spec of the workload's pod template (`template.spec`; when
    /// there is no `template` key, a CronJob's
    /// `jobTemplate.spec.template.spec`), when it is a pod spec.
    pub(super) template: PodTemplate<'a>,
}

#[derive(Debug, Default)]
pub(super) struct PodTemplate<'a>(pub(super) Option<Box<Spec<'a>>>);

#[derive(Debug, Default)]
pub(super) struct Template<'a> {
    pub(super) spec: PodTemplate<'a>,
}

#[derive(Debug, Default)]
pub(super) struct JobTemplate<'a> {
    pub(super) spec: JobSpec<'a>,
}

#[derive(Debug, Default)]
pub(super) struct JobSpec<'a> {
    pub(super) template: Template<'a>,
}

#[derive(Debug, Default)]
pub(super) struct Container<'a> {
    pub(super) image: Str<'a>,
    pub(super) security_context: SecurityContext,
}

#[derive(Debug, Default)]
pub(super) struct SecurityContext {
    /// `true` only for the JSON value `true`.
    pub(super) privileged: bool,
}

#[derive(Debug, Default)]
pub(super) struct Volume<'a> {
    pub(super) host_path: HostPath<'a>,
}

#[derive(Debug, Default)]
pub(super) struct HostPath<'a> {
    pub(super) path: Str<'a>,
}

impl<'a> Spec<'a> {
    /// The pod specs of an object's `spec`: itself and its template's.
    pub(super) fn pod_specs(&self) -> impl Iterator<Item = &Spec<'a>> {
        std::iter::once(self)
            .filter(|s| s.pod_spec)
            .chain(self.template.0.as_deref())
    }

    /// Every container of a pod spec (regular, init and ephemeral).
    pub(super) fn all_containers(&self) -> impl Iterator<Item = &Container<'a>> {
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
    pub(super) fn from_object(obj: &'a Map<String, Value>) -> Record<'a> {
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
                arn: extra_value(EXTRA_ARN),
                canonical_arn: extra_value(EXTRA_CANONICAL_ARN),
                session_name: extra_value(EXTRA_SESSION_NAME),
                access_key_id: extra_value(EXTRA_ACCESS_KEY_ID),
                principal_id: extra_value(EXTRA_PRINCIPAL_ID),
                oid: extra_value(EXTRA_OID),
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
