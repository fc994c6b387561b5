//! What a CloudTrail call did, in fields, entities and words: the request
//! parameters an investigator needs (cluster, principal, role, session),
//! the links they make (a web identity assumed a role, a session of it was
//! issued, an access entry names a principal), and a title that says it.

use super::identity::{account_of, aws_principal, last_segment, session_parts, Caller};
use crate::formats::envelope::ClusterRef;
use crate::formats::{get_ci, str_of};
use crate::model::{EntityKind, EntityRef, NewEvent};
use serde_json::{Map, Value};

/// One call, as the event describes it.
pub(super) struct Call<'a> {
    /// `eks`, `sts`, `iam` … (`eventSource` without `.amazonaws.com`).
    pub service: &'a str,
    pub name: &'a str,
    pub request: &'a Map<String, Value>,
    pub response: &'a Map<String, Value>,
    pub user_agent: Option<&'a str>,
    pub error_code: Option<&'a str>,
    pub region: Option<&'a str>,
    pub account: Option<&'a str>,
}

impl<'a> Call<'a> {
    fn req(&self, key: &str) -> Option<&'a str> {
        str_of(self.request.get(key))
    }

    fn ok(&self) -> bool {
        self.error_code.is_none()
    }
}

/// Calls that change or reveal who can reach a cluster, with why they
/// matter (the `sensitive` field).
const SENSITIVE: &[(&str, &str, &str)] = &[
    ("eks", "CreateAccessEntry", "gives an IAM principal access to the cluster"),
    ("eks", "UpdateAccessEntry", "changes the Kubernetes groups or username of an access entry"),
    ("eks", "DeleteAccessEntry", "removes an IAM principal's access to the cluster"),
    ("eks", "AssociateAccessPolicy", "grants Kubernetes permissions to an access entry"),
    ("eks", "DisassociateAccessPolicy", "revokes Kubernetes permissions of an access entry"),
    ("eks", "UpdateClusterConfig", "changes endpoint access, logging or the authentication mode"),
    ("eks", "DescribeCluster", "returns the endpoint and CA certificate a kubeconfig needs"),
    ("eks", "CreatePodIdentityAssociation", "lets a service account assume an IAM role"),
    ("eks", "UpdatePodIdentityAssociation", "changes the IAM role a service account assumes"),
    ("eks", "AssociateIdentityProviderConfig", "trusts another OIDC issuer for cluster users"),
    ("eks", "CreateCluster", "creates a cluster"),
    ("eks", "DeleteCluster", "deletes a cluster"),
    ("eks-auth", "AssumeRoleForPodIdentity", "exchanges a pod's service-account token for IAM credentials"),
    ("iam", "CreateOpenIDConnectProvider", "trusts an OIDC issuer (a cluster's, for IRSA)"),
    ("iam", "UpdateAssumeRolePolicy", "changes who may assume a role"),
    ("iam", "AttachRolePolicy", "grants a role more permissions"),
    ("iam", "PutRolePolicy", "grants a role more permissions"),
    ("sts", "AssumeRoleWithWebIdentity", "exchanges a web identity token (a service account's, for IRSA) for IAM credentials"),
];

/// The session tags EKS Pod Identity puts on the sessions it asks for.
const TAG_CLUSTER_NAME: &str = "eks-cluster-name";
const TAG_CLUSTER_ARN: &str = "eks-cluster-arn";
const TAG_NAMESPACE: &str = "kubernetes-namespace";
const TAG_SERVICE_ACCOUNT: &str = "kubernetes-service-account";
const TAG_POD_NAME: &str = "kubernetes-pod-name";
const TAG_POD_UID: &str = "kubernetes-pod-uid";

/// The service principal EKS Pod Identity calls STS as.
const POD_IDENTITY_SERVICE: &str = "pods.eks.amazonaws.com";

/// Puts what the call did on the event; returns the title.
pub(super) fn apply(call: &Call, caller: &Caller, ev: &mut NewEvent) -> String {
    ev.field("role_arn", call.req("roleArn"));
    ev.field("role_session_name", call.req("roleSessionName"));
    ev.field("principal_arn", call.req("principalArn"));
    ev.field("policy_arn", call.req("policyArn"));
    ev.field("role_name", call.req("roleName"));
    ev.field("duration_seconds", call.request.get("durationSeconds").and_then(Value::as_u64));
    if let Some((_, _, why)) = SENSITIVE.iter().find(|(s, n, _)| *s == call.service && *n == call.name) {
        ev.field("sensitive", *why);
    }
    let tags = session_tags(call.request);
    let cluster = cluster(call, &tags, ev);
    let cluster_words = cluster.as_deref().map(|c| format!("cluster {}", c));
    let by = &caller.display;
    let op = format!("{}:{}", call.service, call.name);
    // A refused or failed call did nothing: it is named plainly, the
    // caller's error is appended by the caller of this function.
    let plain = match cluster_words.clone().or_else(|| call.req("roleArn").or(call.req("principalArn")).map(str::to_string)) {
        Some(what) => format!("{} {} by {}", op, what, by),
        None => format!("{} by {}", op, by),
    };

    let words = match (call.service, call.name) {
        ("sts", "AssumeRoleWithWebIdentity") | ("sts", "AssumeRoleWithSAML") => {
            let subject = str_of(call.response.get("subjectFromWebIdentityToken")).or(caller.web_identity.as_deref());
            let provider = str_of(call.response.get("provider")).or(caller.identity_provider.as_deref());
            if let Some(s) = subject {
                ev.entity(
                    EntityRef::new(EntityKind::Identity, s, "web-identity")
                        .attr("identity_provider", provider)
                        .attr("oidc_issuer", provider.and_then(oidc_issuer)),
                );
            }
            ev.field("web_identity_subject", subject);
            ev.field("identity_provider", provider);
            ev.field("oidc_issuer", provider.and_then(oidc_issuer));
            ev.field("audience", str_of(call.response.get("audience")));
            let role = assumed(call, ev);
            format!(
                "{} assumed IAM role {} with a web identity token ({})",
                subject.map(identity_words).unwrap_or_else(|| by.clone()),
                role.map(last_segment).unwrap_or("(unnamed)"),
                op
            )
        }
        ("sts", "AssumeRole") => {
            let role = assumed(call, ev);
            let role_name = role.map(last_segment).unwrap_or("(unnamed)");
            let pod_identity = caller.invoked_by.as_deref() == Some(POD_IDENTITY_SERVICE);
            match pod_identity.then(|| pod_identity_subject(&tags, cluster.as_deref(), ev)).flatten() {
                Some(sa) => format!("EKS Pod Identity: {} assumed IAM role {} ({})", identity_words(&sa), role_name, op),
                // A principal chaining into another role.
                None => format!("{} assumed IAM role {} ({})", by, role_name, op),
            }
        }
        ("eks", "DescribeCluster") => {
            let kubeconfig = call.user_agent.is_some_and(|ua| ua.contains("eks.update-kubeconfig"));
            let c = cluster_words.unwrap_or_else(|| "a cluster".into());
            if kubeconfig {
                ev.field("kubeconfig", true);
                if call.ok() {
                    credentials(&cluster, ev);
                }
                format!("{} fetched the endpoint and CA of {} for a kubeconfig ({}, aws eks update-kubeconfig)", by, c, op)
            } else {
                format!("{} described {} ({})", by, c, op)
            }
        }
        ("eks", "CreateAccessEntry") | ("eks", "UpdateAccessEntry") | ("eks", "DeleteAccessEntry") => {
            let principal = target_principal(call, ev);
            let entry = call.response.get("accessEntry").and_then(Value::as_object);
            ev.field("kubernetes_groups", call.request.get("kubernetesGroups").filter(|g| g.is_array()).cloned());
            ev.field("access_entry_type", call.req("type").or(entry.and_then(|e| str_of(e.get("type")))));
            ev.field("access_entry_username", call.req("username").or(entry.and_then(|e| str_of(e.get("username")))));
            let verb = match call.name {
                "CreateAccessEntry" => "gave",
                "UpdateAccessEntry" => "changed the access of",
                _ => "removed the access of",
            };
            let to = if call.name == "CreateAccessEntry" { "access to" } else { "to" };
            format!(
                "{} {} {} {} {} ({})",
                by,
                verb,
                principal.unwrap_or("a principal"),
                to,
                cluster_words.unwrap_or_else(|| "a cluster".into()),
                op
            )
        }
        ("eks", "AssociateAccessPolicy") | ("eks", "DisassociateAccessPolicy") => {
            let principal = target_principal(call, ev);
            let scope = call.request.get("accessScope").and_then(Value::as_object);
            ev.field("access_scope", call.request.get("accessScope").cloned());
            let policy = call.req("policyArn").map(last_segment).unwrap_or("an access policy");
            let scope_words = match scope.and_then(|s| str_of(s.get("type"))) {
                Some("namespace") => {
                    let namespaces: Vec<&str> = scope
                        .and_then(|s| s.get("namespaces"))
                        .and_then(Value::as_array)
                        .map(|a| a.iter().filter_map(Value::as_str).collect())
                        .unwrap_or_default();
                    format!(" in namespace{} {}", if namespaces.len() == 1 { "" } else { "s" }, namespaces.join(", "))
                }
                Some("cluster") => " cluster-wide".to_string(),
                _ => String::new(),
            };
            let (verb, prep) = if call.name == "AssociateAccessPolicy" { ("granted", "to") } else { ("revoked", "from") };
            format!(
                "{} {} {}{} {} {} on {} ({})",
                by,
                verb,
                policy,
                scope_words,
                prep,
                principal.unwrap_or("a principal"),
                cluster_words.unwrap_or_else(|| "a cluster".into()),
                op
            )
        }
        ("eks", "UpdateClusterConfig") => {
            let what: Vec<&str> = call
                .request
                .keys()
                .map(String::as_str)
                .filter(|k| !matches!(*k, "name" | "clientRequestToken"))
                .collect();
            let update = call.response.get("update").and_then(Value::as_object);
            ev.field("update_type", update.and_then(|u| str_of(u.get("type"))));
            ev.field("update_id", update.and_then(|u| str_of(u.get("id"))));
            ev.field("changed", (!what.is_empty()).then(|| what.join(", ")));
            format!(
                "{} changed the {} of {} ({})",
                by,
                if what.is_empty() { "configuration".to_string() } else { what.join(", ") },
                cluster_words.unwrap_or_else(|| "a cluster".into()),
                op
            )
        }
        ("eks", "CreatePodIdentityAssociation") | ("eks", "UpdatePodIdentityAssociation") => {
            let sa = match (call.req("namespace"), call.req("serviceAccount")) {
                (Some(ns), Some(sa)) => crate::entity::service_account_identity(ns, sa),
                _ => None,
            };
            if let Some(sa) = &sa {
                ev.entity(EntityRef::new(EntityKind::Identity, sa.as_str(), "target").attr("cluster", cluster.as_deref()));
            }
            if let Some(role) = call.req("roleArn") {
                ev.entity(aws_principal(role, "target").attr("type", "Role"));
            }
            ev.field("service_account", sa.as_deref());
            format!(
                "{} let {} assume IAM role {} ({})",
                by,
                sa.as_deref().map(identity_words).unwrap_or_else(|| "a service account".into()),
                call.req("roleArn").map(last_segment).unwrap_or("(unnamed)"),
                op
            )
        }
        ("sts", "GetCallerIdentity") => format!("{} asked STS who it is ({})", by, op),
        _ => plain.clone(),
    };
    if call.ok() {
        words
    } else {
        plain
    }
}

/// The OIDC issuer an IAM OIDC provider trusts (for IRSA, the cluster's:
/// `https://oidc.eks.<region>.amazonaws.com/id/<id>`), from the provider's
/// ARN or its issuer host as STS names it.
pub(super) fn oidc_issuer(provider: &str) -> Option<String> {
    let host = match provider.split_once(":oidc-provider/") {
        Some((_, h)) => h,
        None if provider.starts_with("arn:") => return None,
        None => provider.strip_prefix("https://").unwrap_or(provider),
    };
    (!host.is_empty() && host.contains('.')).then(|| format!("https://{}", host))
}

/// `system:serviceaccount:shop:cart` as "service account shop/cart".
fn identity_words(subject: &str) -> String {
    match subject.strip_prefix("system:serviceaccount:").and_then(|r| r.split_once(':')) {
        Some((ns, sa)) => format!("service account {}/{}", ns, sa),
        None => subject.to_string(),
    }
}

/// The role an `AssumeRole*` call asked for and, when it succeeded, the
/// session it was given. Returns the role's ARN.
fn assumed<'a>(call: &Call<'a>, ev: &mut NewEvent) -> Option<&'a str> {
    let role = call.req("roleArn");
    if let Some(r) = role {
        ev.entity(aws_principal(r, "assumed-role").attr("type", "Role"));
    }
    if !call.ok() {
        return role;
    }
    let user = call.response.get("assumedRoleUser").and_then(Value::as_object);
    let credentials = call.response.get("credentials").and_then(Value::as_object);
    let key = credentials.and_then(|c| str_of(c.get("accessKeyId")));
    if let Some(session) = user.and_then(|u| str_of(u.get("arn"))) {
        ev.entity(
            aws_principal(session, "session")
                .attr("type", "AssumedRole")
                .attr("session_name", session_parts(session).map(|(_, s)| s))
                .attr("access_key_id", key)
                .attr("assumed_role_id", user.and_then(|u| str_of(u.get("assumedRoleId"))))
                .attr("expiration", credentials.and_then(|c| str_of(c.get("expiration")))),
        );
        ev.field("assumed_session_arn", session);
    }
    ev.field("session_access_key_id", key);
    role
}

/// The principal an access-entry call is about, as a `target` identity.
fn target_principal<'a>(call: &Call<'a>, ev: &mut NewEvent) -> Option<&'a str> {
    let p = call.req("principalArn")?;
    ev.entity(aws_principal(p, "target"));
    Some(p)
}

/// The session tags of an STS request (`tags: [{key, value}]`), keys as
/// given.
fn session_tags(request: &Map<String, Value>) -> Vec<(String, String)> {
    request
        .get("tags")
        .and_then(Value::as_array)
        .map(|tags| {
            tags.iter()
                .filter_map(Value::as_object)
                .filter_map(|t| Some((str_of(get_ci(t, "key"))?.to_string(), str_of(get_ci(t, "value"))?.to_string())))
                .collect()
        })
        .unwrap_or_default()
}

fn tag<'t>(tags: &'t [(String, String)], key: &str) -> Option<&'t str> {
    tags.iter().find(|(k, _)| k == key).map(|(_, v)| v.as_str())
}

/// The service account EKS Pod Identity assumed a role for (its session
/// tags), as a `web-identity`, with the pod it was for.
fn pod_identity_subject(tags: &[(String, String)], cluster: Option<&str>, ev: &mut NewEvent) -> Option<String> {
    let ns = tag(tags, TAG_NAMESPACE)?;
    let sa = crate::entity::service_account_identity(ns, tag(tags, TAG_SERVICE_ACCOUNT)?)?;
    ev.entity(
        EntityRef::new(EntityKind::Identity, sa.as_str(), "web-identity")
            .attr("federation", "eks-pod-identity")
            .attr("cluster", cluster),
    );
    ev.field("service_account", sa.as_str());
    if let Some(pod) = tag(tags, TAG_POD_NAME).and_then(|p| crate::entity::pod_key(ns, p)) {
        ev.field("pod", pod.as_str());
        ev.entity(
            EntityRef::new(EntityKind::Pod, pod, "token-pod")
                .attr("uid", tag(tags, TAG_POD_UID))
                .attr("namespace", ns),
        );
    }
    Some(sa)
}

/// The EKS cluster a call names: an `eks` request's `name` or
/// `clusterName`, the cluster in its response, or EKS Pod Identity's
/// session tags. Adds the cluster entity and fields.
fn cluster(call: &Call, tags: &[(String, String)], ev: &mut NewEvent) -> Option<String> {
    let response = call.response.get("cluster").and_then(Value::as_object);
    let name = match call.service {
        "eks" | "eks-auth" => call
            .req("clusterName")
            .or_else(|| call.req("name"))
            .or_else(|| response.and_then(|c| str_of(c.get("name")))),
        "sts" => tag(tags, TAG_CLUSTER_NAME),
        _ => None,
    }?;
    let arn = response.and_then(|c| str_of(c.get("arn"))).or_else(|| tag(tags, TAG_CLUSTER_ARN));
    // `createdAt` is epoch seconds as a float (milliseconds in practice):
    // rounded to the microsecond, as a double holds no more.
    let created = response
        .and_then(|c| c.get("createdAt"))
        .and_then(Value::as_f64)
        .filter(|s| s.is_finite() && *s > 0.0 && *s < 1e11)
        .map(|s| crate::time::format_ns((s * 1e6).round() as i64 * 1_000));
    ev.field("cluster", name);
    ev.field("cluster_arn", arn);
    ev.field("cluster_created_at", created.clone());
    let c = ClusterRef::new(name, "eks")
        .attr("arn", arn)
        .attr("region", call.region)
        .attr("account", call.account.or(arn.and_then(account_of)))
        .attr("created_at", created.as_deref());
    ev.entity(c.entity());
    Some(name.to_string())
}

/// The cluster whose credentials (or connection details) the caller got.
fn credentials(cluster: &Option<String>, ev: &mut NewEvent) {
    if let Some(c) = cluster {
        ev.entity(EntityRef::new(EntityKind::Cluster, c.as_str(), "credentials").attr("provider", "eks"));
    }
}
