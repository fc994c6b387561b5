//! Building the normalized event from a [`Record`]: title and message,
//! entities (identity, bound-token pod, target objects), fields.

use super::*;

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
        pub(super) const FIELD_NAMES: &[&str] = &[$($name),+];
    };
}

// In the order of the names, which is the order of the map: building it from
// sorted entries costs no sorting.
event_fields! {
    ApiGroup: "api_group",
    AuthzReason: "authz_reason",
    CloudPrincipal: "cloud_principal",
    Cluster: "cluster",
    Code: "code",
    CredentialId: "credential_id",
    Decision: "decision",
    Envelope: "envelope",
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
pub(super) enum FieldsAs {
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

/// Builds the event of one record, read bare or from a cloud envelope.
pub(super) fn build(mut rec: Record<'_>, fields_as: FieldsAs, envelope: Option<Envelope>) -> Result<NewEvent, RecordError> {
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
    ev.rank = stage_rank(stage, long_running) + envelope.as_ref().map_or(0, Envelope::rank_bonus);
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

    // The cloud principal behind the user. A kubelet's is its node's
    // instance role, shared by every request of every node: the node
    // entity says more, and the role would join unrelated incidents.
    if !username.is_some_and(|u| u.starts_with("system:node:")) {
        if let Some(principal) = cloud_principal(extra) {
            fields.set(Field::CloudPrincipal, principal.key.as_str());
            ev.entity(principal);
            if let Some(session) = cloud_session(extra) {
                ev.entity(session);
            }
        }
    }

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
    if let Some(env) = envelope {
        ev.shape = Some(env.shape);
        let (field, cluster) = env.into_parts();
        fields.set(Field::Envelope, field);
        if let Some(c) = cluster {
            fields.set(Field::Cluster, c.name.as_str());
            ev.entity(c.into_entity());
        }
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

/// The IAM role or user an EKS user authenticated as (`canonicalArn`,
/// else `arn`), or the Entra object id an AKS user authenticated as.
fn cloud_principal(extra: &Extra<'_>) -> Option<EntityRef> {
    if let Some(arn) = extra.canonical_arn.0.as_deref().or(extra.arn.0.as_deref()) {
        return Some(
            EntityRef::new(EntityKind::Identity, arn, "cloud-principal")
                .attr("provider", "aws")
                .attr("account", arn.split(':').nth(4).filter(|a| !a.is_empty()))
                .attr("principal_id", extra.principal_id.0.as_deref())
                .attr("session_name", extra.session_name.0.as_deref())
                .attr("access_key_id", extra.access_key_id.0.as_deref()),
        );
    }
    let oid = extra.oid.0.as_deref()?.trim().to_ascii_lowercase();
    Some(EntityRef::new(EntityKind::Identity, oid, "cloud-principal").attr("provider", "azure"))
}

/// The IAM session an EKS user authenticated with, when it is not the
/// principal itself (an assumed role's session, not an IAM user): the key
/// CloudTrail names the session's calls by.
fn cloud_session(extra: &Extra<'_>) -> Option<EntityRef> {
    let arn = extra.arn.0.as_deref()?;
    let canonical = extra.canonical_arn.0.as_deref()?;
    (arn != canonical).then(|| {
        EntityRef::new(EntityKind::Identity, arn, "cloud-session")
            .attr("provider", "aws")
            .attr("account", arn.split(':').nth(4).filter(|a| !a.is_empty()))
            .attr("session_name", extra.session_name.0.as_deref())
            .attr("access_key_id", extra.access_key_id.0.as_deref())
    })
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
