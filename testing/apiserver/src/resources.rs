//! The resource table: which group/version/plural this server serves, the
//! kind behind each, and whether it is namespaced.
//!
//! Everything else (paths, store keys, messages, list kinds) is derived from a
//! `Resource`, so the table is the single place that decides what exists.
//! CustomResourceDefinitions stored in the server add their resources too.

use serde_json::Value;

/// One servable resource.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Resource {
    pub group: String,
    pub version: String,
    pub plural: String,
    pub kind: String,
    pub namespaced: bool,
    /// Has a `status` subresource: writes to the main resource keep the
    /// stored status, writes to `/status` change only the status.
    pub has_status: bool,
    /// Defined by a stored CustomResourceDefinition rather than built in.
    pub custom: bool,
}

/// (group, version, plural, kind, namespaced, has status subresource)
const BUILTIN: &[(&str, &str, &str, &str, bool, bool)] = &[
    ("", "v1", "pods", "Pod", true, true),
    ("", "v1", "services", "Service", true, true),
    ("", "v1", "serviceaccounts", "ServiceAccount", true, false),
    ("", "v1", "events", "Event", true, false),
    ("", "v1", "configmaps", "ConfigMap", true, false),
    ("", "v1", "secrets", "Secret", true, false),
    ("", "v1", "namespaces", "Namespace", false, true),
    ("", "v1", "nodes", "Node", false, true),
    ("apps", "v1", "deployments", "Deployment", true, true),
    ("apps", "v1", "replicasets", "ReplicaSet", true, true),
    ("apps", "v1", "daemonsets", "DaemonSet", true, true),
    ("apps", "v1", "statefulsets", "StatefulSet", true, true),
    ("batch", "v1", "jobs", "Job", true, true),
    ("batch", "v1", "cronjobs", "CronJob", true, true),
    ("networking.k8s.io", "v1", "networkpolicies", "NetworkPolicy", true, false),
    ("events.k8s.io", "v1", "events", "Event", true, false),
    ("rbac.authorization.k8s.io", "v1", "roles", "Role", true, false),
    ("rbac.authorization.k8s.io", "v1", "rolebindings", "RoleBinding", true, false),
    ("rbac.authorization.k8s.io", "v1", "clusterroles", "ClusterRole", false, false),
    ("rbac.authorization.k8s.io", "v1", "clusterrolebindings", "ClusterRoleBinding", false, false),
    ("admissionregistration.k8s.io", "v1", "validatingwebhookconfigurations", "ValidatingWebhookConfiguration", false, false),
    ("admissionregistration.k8s.io", "v1", "mutatingwebhookconfigurations", "MutatingWebhookConfiguration", false, false),
    ("admissionregistration.k8s.io", "v1", "validatingadmissionpolicies", "ValidatingAdmissionPolicy", false, true),
    ("admissionregistration.k8s.io", "v1", "validatingadmissionpolicybindings", "ValidatingAdmissionPolicyBinding", false, false),
    ("apiextensions.k8s.io", "v1", "customresourcedefinitions", "CustomResourceDefinition", false, true),
    ("autoscaling", "v2", "horizontalpodautoscalers", "HorizontalPodAutoscaler", true, true),
];

/// Resources with a `scale` subresource (answered as autoscaling/v1 Scale).
pub(crate) const SCALABLE: &[(&str, &str)] = &[("apps", "deployments"), ("apps", "replicasets"), ("apps", "statefulsets")];

impl Resource {
    fn builtin(row: &(&str, &str, &str, &str, bool, bool)) -> Resource {
        Resource {
            group: row.0.to_string(),
            version: row.1.to_string(),
            plural: row.2.to_string(),
            kind: row.3.to_string(),
            namespaced: row.4,
            has_status: row.5,
            custom: false,
        }
    }

    /// `v1` or `apps/v1`.
    pub(crate) fn api_version(&self) -> String {
        join_group_version(&self.group, &self.version)
    }

    /// `pods` or `deployments.apps`, as messages name a resource.
    pub(crate) fn qualified(&self) -> String {
        if self.group.is_empty() {
            self.plural.clone()
        } else {
            format!("{}.{}", self.plural, self.group)
        }
    }

    /// The etcd key a real server would use; it appears in precondition errors.
    pub(crate) fn storage_key(&self, namespace: &str, name: &str) -> String {
        let prefix = if self.custom { format!("/registry/{}/{}", self.group, self.plural) } else { format!("/registry/{}", self.plural) };
        if self.namespaced {
            format!("{prefix}/{namespace}/{name}")
        } else {
            format!("{prefix}/{name}")
        }
    }

    pub(crate) fn is_scalable(&self) -> bool {
        SCALABLE.iter().any(|(g, p)| *g == self.group && *p == self.plural)
    }
}

pub(crate) fn join_group_version(group: &str, version: &str) -> String {
    if group.is_empty() {
        version.to_string()
    } else {
        format!("{group}/{version}")
    }
}

/// `apps/v1` → ("apps", "v1"); `v1` → ("", "v1").
pub(crate) fn split_api_version(api_version: &str) -> (String, String) {
    match api_version.rsplit_once('/') {
        Some((g, v)) => (g.to_string(), v.to_string()),
        None => (String::new(), api_version.to_string()),
    }
}

/// `networking.k8s.io/v1/networkpolicies` → (group, version, plural).
pub(crate) fn split_gvp(gvp: &str) -> Option<(String, String, String)> {
    let (gv, plural) = gvp.trim_matches('/').rsplit_once('/')?;
    let (group, version) = split_api_version(gv);
    Some((group, version, plural.to_string()))
}

/// All built-in resources, in table order (used by discovery).
pub(crate) fn builtins() -> impl Iterator<Item = Resource> {
    BUILTIN.iter().map(Resource::builtin)
}

/// The resource served at `group/version/plural`, built in or from a CRD.
pub(crate) fn resolve<'a>(group: &str, version: &str, plural: &str, crds: impl Iterator<Item = &'a Value>) -> Option<Resource> {
    if let Some(row) = BUILTIN.iter().find(|r| r.0 == group && r.1 == version && r.2 == plural) {
        return Some(Resource::builtin(row));
    }
    crds.filter_map(|crd| from_crd(crd, Some(version)))
        .find(|r| r.group == group && r.plural == plural)
}

/// The resource an object of this `apiVersion`/`kind` is stored as. Kinds the
/// server does not serve get a guessed lowercase plural so that they can still
/// be held (and read back with `Server::object`).
pub(crate) fn for_kind<'a>(api_version: &str, kind: &str, namespaced_hint: bool, crds: impl Iterator<Item = &'a Value>) -> Resource {
    let (group, version) = split_api_version(api_version);
    if let Some(row) = BUILTIN.iter().find(|r| r.0 == group && r.3 == kind) {
        return Resource::builtin(row);
    }
    if let Some(r) = crds.filter_map(|crd| from_crd(crd, None)).find(|r| r.group == group && r.kind == kind) {
        return Resource { version, ..r };
    }
    Resource {
        group,
        version,
        plural: guess_plural(kind),
        kind: kind.to_string(),
        namespaced: namespaced_hint,
        has_status: false,
        custom: true,
    }
}

/// A resource described by a CustomResourceDefinition, optionally only if it
/// serves `version`.
pub(crate) fn from_crd(crd: &Value, version: Option<&str>) -> Option<Resource> {
    let spec = crd.get("spec")?;
    let group = spec.get("group")?.as_str()?;
    let names = spec.get("names")?;
    let plural = names.get("plural")?.as_str()?;
    let kind = names.get("kind")?.as_str()?;
    let versions = spec.get("versions")?.as_array()?;
    let chosen = match version {
        Some(v) => versions.iter().find(|x| {
            x.get("name").and_then(Value::as_str) == Some(v) && x.get("served").and_then(Value::as_bool).unwrap_or(true)
        })?,
        None => versions
            .iter()
            .find(|x| x.get("storage").and_then(Value::as_bool).unwrap_or(false))
            .or_else(|| versions.first())?,
    };
    Some(Resource {
        group: group.to_string(),
        version: chosen.get("name")?.as_str()?.to_string(),
        plural: plural.to_string(),
        kind: kind.to_string(),
        namespaced: spec.get("scope").and_then(Value::as_str) != Some("Cluster"),
        has_status: chosen.pointer("/subresources/status").is_some(),
        custom: true,
    })
}

fn guess_plural(kind: &str) -> String {
    let lower = kind.to_ascii_lowercase();
    if lower.ends_with('s') || lower.ends_with('x') || lower.ends_with("ch") || lower.ends_with("sh") {
        format!("{lower}es")
    } else if lower.ends_with('y') && !lower.ends_with("ey") && !lower.ends_with("ay") && !lower.ends_with("oy") {
        format!("{}ies", &lower[..lower.len() - 1])
    } else {
        format!("{lower}s")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resolves_builtins_and_qualifies_group_resources() {
        let r = resolve("networking.k8s.io", "v1", "networkpolicies", std::iter::empty()).expect("served");
        assert_eq!(r.kind, "NetworkPolicy");
        assert_eq!(r.qualified(), "networkpolicies.networking.k8s.io");
        assert_eq!(resolve("", "v1", "pods", std::iter::empty()).map(|r| r.qualified()), Some("pods".into()));
        assert!(resolve("apps", "v1beta1", "deployments", std::iter::empty()).is_none());
    }

    #[test]
    fn crds_add_resources() {
        let crd = serde_json::json!({"spec": {"group": "cilium.io", "scope": "Namespaced",
            "names": {"plural": "ciliumnetworkpolicies", "kind": "CiliumNetworkPolicy"},
            "versions": [{"name": "v2", "served": true, "storage": true}]}});
        let r = resolve("cilium.io", "v2", "ciliumnetworkpolicies", std::iter::once(&crd)).expect("from CRD");
        assert!(r.namespaced && r.custom);
        assert_eq!(r.storage_key("a", "b"), "/registry/cilium.io/ciliumnetworkpolicies/a/b");
        assert_eq!(guess_plural("NetworkPolicy"), "networkpolicies");
        assert_eq!(guess_plural("Ingress"), "ingresses");
    }
}
