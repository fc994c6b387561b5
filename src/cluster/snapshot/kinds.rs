//! The kinds a snapshot lists, what is removed from them before anything is
//! written, and the listing of one kind into a spool file — page by page,
//! so that memory holds one page per kind in flight whatever the cluster's
//! size.

use super::super::errors::cluster_error;
use crate::error::{Code, Error, Result};
use kube::api::{Api, ApiResource, DynamicObject, ListParams};
use kube::Client;
use serde_json::{json, Value};
use std::cell::Cell;
use std::io::Write;
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};

/// One kind to capture.
pub struct Kind {
    pub group: &'static str,
    pub version: &'static str,
    pub kind: &'static str,
    pub plural: &'static str,
    pub namespaced: bool,
}

const fn k(group: &'static str, version: &'static str, kind: &'static str, plural: &'static str, namespaced: bool) -> Kind {
    Kind { group, version, kind, plural, namespaced }
}

/// What is captured, in the order it is written to the bundle.
pub const KINDS: &[Kind] = &[
    k("", "v1", "Namespace", "namespaces", false),
    k("", "v1", "Node", "nodes", false),
    k("", "v1", "Pod", "pods", true),
    k("apps", "v1", "Deployment", "deployments", true),
    k("apps", "v1", "ReplicaSet", "replicasets", true),
    k("apps", "v1", "DaemonSet", "daemonsets", true),
    k("apps", "v1", "StatefulSet", "statefulsets", true),
    k("batch", "v1", "Job", "jobs", true),
    k("batch", "v1", "CronJob", "cronjobs", true),
    k("", "v1", "Service", "services", true),
    k("", "v1", "ServiceAccount", "serviceaccounts", true),
    k("", "v1", "Secret", "secrets", true),
    k("", "v1", "ConfigMap", "configmaps", true),
    k("rbac.authorization.k8s.io", "v1", "Role", "roles", true),
    k("rbac.authorization.k8s.io", "v1", "RoleBinding", "rolebindings", true),
    k("rbac.authorization.k8s.io", "v1", "ClusterRole", "clusterroles", false),
    k("rbac.authorization.k8s.io", "v1", "ClusterRoleBinding", "clusterrolebindings", false),
    k("networking.k8s.io", "v1", "NetworkPolicy", "networkpolicies", true),
    k("", "v1", "Event", "events", true),
    k("events.k8s.io", "v1", "Event", "events", true),
    k("admissionregistration.k8s.io", "v1", "ValidatingWebhookConfiguration", "validatingwebhookconfigurations", false),
    k("admissionregistration.k8s.io", "v1", "MutatingWebhookConfiguration", "mutatingwebhookconfigurations", false),
    k("admissionregistration.k8s.io", "v1", "ValidatingAdmissionPolicy", "validatingadmissionpolicies", false),
    k("admissionregistration.k8s.io", "v1", "ValidatingAdmissionPolicyBinding", "validatingadmissionpolicybindings", false),
    k("apiextensions.k8s.io", "v1", "CustomResourceDefinition", "customresourcedefinitions", false),
];

pub const PAGE: u32 = 500;
const LAST_APPLIED: &str = "kubectl.kubernetes.io/last-applied-configuration";

impl Kind {
    pub fn api_version(&self) -> String {
        if self.group.is_empty() {
            self.version.to_string()
        } else {
            format!("{}/{}", self.group, self.version)
        }
    }

    /// Its file in the bundle: `snapshot/apps.deployments.json`.
    pub fn file_name(&self) -> String {
        if self.group.is_empty() {
            format!("snapshot/{}.json", self.plural)
        } else {
            format!("snapshot/{}.{}.json", self.group, self.plural)
        }
    }

    fn resource(&self) -> ApiResource {
        ApiResource {
            group: self.group.to_string(),
            version: self.version.to_string(),
            api_version: self.api_version(),
            kind: self.kind.to_string(),
            plural: self.plural.to_string(),
        }
    }
}

/// Removes what a snapshot must never hold, and what only makes it big.
pub fn redact(kind: &str, obj: &mut Value, configmap_data: bool) {
    let strip = match kind {
        "Secret" => true,
        "ConfigMap" => !configmap_data,
        _ => false,
    };
    if strip {
        if let Some(o) = obj.as_object_mut() {
            for k in ["data", "stringData", "binaryData"] {
                o.remove(k);
            }
        }
        if let Some(a) = obj.pointer_mut("/metadata/annotations").and_then(|a| a.as_object_mut()) {
            a.remove(LAST_APPLIED);
        }
    }
    match kind {
        // Image lists make node objects huge and say nothing about the incident.
        "Node" => {
            if let Some(st) = obj.get_mut("status").and_then(|s| s.as_object_mut()) {
                st.remove("images");
            }
        }
        // Schemas make CRDs huge; their names and groups are what matters.
        "CustomResourceDefinition" => {
            if let Some(vs) = obj.pointer_mut("/spec/versions").and_then(|v| v.as_array_mut()) {
                for v in vs {
                    if let Some(o) = v.as_object_mut() {
                        o.remove("schema");
                    }
                }
            }
        }
        _ => {}
    }
}

/// A kind listed into a spool file (a `List` document), or why it could not be.
pub struct Listed {
    pub items: usize,
    /// The spooled `List`; `None` when the first page was refused (no file).
    pub spool: Option<tempfile::NamedTempFile>,
    /// A refusal, or a failure after some pages (the file then holds what came).
    pub error: Option<String>,
}

/// Shared by the kinds listed at once: the objects so far and the cancel flag.
pub struct Listing<'a> {
    pub client: &'a Client,
    pub namespaces: &'a [String],
    pub configmap_data: bool,
    pub spool_dir: &'a Path,
    pub cancel: &'a AtomicBool,
    pub objects: &'a Cell<usize>,
    /// Called after each page, with the kind's name.
    pub on_page: &'a dyn Fn(&str),
}

fn cancelled() -> Error {
    Error::input(Code::Cancelled, "snapshot cancelled; no bundle written")
}

impl Listing<'_> {
    fn check(&self) -> Result<()> {
        if self.cancel.load(Ordering::SeqCst) {
            Err(cancelled())
        } else {
            Ok(())
        }
    }

    /// Lists `kind` in every scope, page by page, into a spool file. The
    /// first page of every scope comes before the file is written: a kind
    /// the caller may not list leaves no empty entry in the bundle.
    pub async fn list(&self, kind: &Kind) -> Result<Listed> {
        let ar = kind.resource();
        let scopes: Vec<Option<&str>> =
            if kind.namespaced && !self.namespaces.is_empty() { self.namespaces.iter().map(|n| Some(n.as_str())).collect() } else { vec![None] };
        let mut firsts = Vec::new();
        for scope in scopes {
            self.check()?;
            let api: Api<DynamicObject> = match scope {
                Some(ns) => Api::namespaced_with(self.client.clone(), ns, &ar),
                None => Api::all_with(self.client.clone(), &ar),
            };
            match api.list(&ListParams::default().limit(PAGE)).await {
                Ok(page) => firsts.push((api, page)),
                Err(e) => {
                    let error = Some(cluster_error(&format!("listing {}", kind.plural), e).to_string());
                    return Ok(Listed { items: 0, spool: None, error });
                }
            }
        }
        let spool = tempfile::NamedTempFile::new_in(self.spool_dir).map_err(|e| Error::io("creating a spool file", e))?;
        let io = |e: std::io::Error| Error::io(format!("spooling {}", kind.plural), e);
        let mut out = std::io::BufWriter::new(spool.as_file());
        out.write_all(b"{\"apiVersion\":\"v1\",\"kind\":\"List\",\"items\":[").map_err(io)?;
        let api_version = json!(kind.api_version());
        let (mut items, mut error) = (0usize, None);
        'scopes: for (api, first) in firsts {
            let mut page = first;
            loop {
                for item in page.items {
                    let mut v = serde_json::to_value(&item).unwrap_or(Value::Null);
                    if let Some(o) = v.as_object_mut() {
                        o.insert("apiVersion".into(), api_version.clone());
                        o.insert("kind".into(), json!(kind.kind));
                    }
                    redact(kind.kind, &mut v, self.configmap_data);
                    if items > 0 {
                        out.write_all(b",").map_err(io)?;
                    }
                    serde_json::to_writer(&mut out, &v).map_err(|e| io(e.into()))?;
                    items += 1;
                    self.objects.set(self.objects.get() + 1);
                }
                (self.on_page)(kind.kind);
                let Some(token) = page.metadata.continue_.clone().filter(|t| !t.is_empty()) else { break };
                self.check()?;
                match api.list(&ListParams::default().limit(PAGE).continue_token(&token)).await {
                    Ok(p) => page = p,
                    Err(e) => {
                        error = Some(format!("incomplete after {} objects: {}", items, cluster_error(&format!("listing {}", kind.plural), e)));
                        break 'scopes;
                    }
                }
            }
        }
        out.write_all(b"]}").map_err(io)?;
        out.flush().map_err(io)?;
        drop(out);
        Ok(Listed { items, spool: Some(spool), error })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_keep_their_metadata_only() {
        let mut s = json!({"kind": "Secret", "metadata": {"name": "db", "annotations": {LAST_APPLIED: "{\"data\":{\"password\":\"aHVudGVyMg==\"}}", "team": "shop"}},
            "data": {"password": "aHVudGVyMg=="}, "stringData": {"x": "y"}, "type": "Opaque"});
        redact("Secret", &mut s, true);
        let text = s.to_string();
        assert!(!text.contains("aHVudGVyMg") && !text.contains("stringData"), "{}", text);
        assert_eq!(s["metadata"]["annotations"]["team"], "shop");
        assert_eq!(s["type"], "Opaque");
        let mut cm = json!({"kind": "ConfigMap", "data": {"a": "b"}});
        redact("ConfigMap", &mut cm, false);
        assert!(cm.get("data").is_none());
        let mut cm = json!({"kind": "ConfigMap", "data": {"a": "b"}});
        redact("ConfigMap", &mut cm, true);
        assert_eq!(cm["data"]["a"], "b");
    }

    #[test]
    fn every_kind_has_its_own_file() {
        let mut names: Vec<String> = KINDS.iter().map(|k| k.file_name()).collect();
        names.sort();
        names.dedup();
        assert_eq!(names.len(), KINDS.len());
        assert!(names.contains(&"snapshot/events.k8s.io.events.json".to_string()));
    }
}
