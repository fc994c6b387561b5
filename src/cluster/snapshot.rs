//! A live-cluster snapshot as a Kordon bundle: the kinds an investigation
//! and a hardening review need, listed page by page through the `kube`
//! client and streamed into the zip (one page in memory at a time, whatever
//! the cluster's size). Secrets are captured as metadata only — `data`,
//! `stringData` and the `last-applied-configuration` annotation (which holds
//! them in clear) are dropped before anything is written — and ConfigMap
//! data only when asked. A kind the caller may not list is recorded in the
//! manifest with its error; the capture goes on.

use super::errors::cluster_error;
use super::{connect, ConnectOptions};
use crate::bundle::{BundleMeta, BundleWriter, ClusterInfo};
use crate::clock::Clock;
use crate::error::{Code, Error, Result};
use crate::formats::Format;
use crate::time::format_ns;
use kube::api::{Api, ApiResource, DynamicObject, ListParams};
use serde::Serialize;
use serde_json::{json, Value};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};

/// What is captured: (group, version, kind, plural, namespaced).
const KINDS: &[(&str, &str, &str, &str, bool)] = &[
    ("", "v1", "Namespace", "namespaces", false),
    ("", "v1", "Node", "nodes", false),
    ("", "v1", "Pod", "pods", true),
    ("apps", "v1", "Deployment", "deployments", true),
    ("apps", "v1", "ReplicaSet", "replicasets", true),
    ("apps", "v1", "DaemonSet", "daemonsets", true),
    ("apps", "v1", "StatefulSet", "statefulsets", true),
    ("batch", "v1", "Job", "jobs", true),
    ("batch", "v1", "CronJob", "cronjobs", true),
    ("", "v1", "Service", "services", true),
    ("", "v1", "ServiceAccount", "serviceaccounts", true),
    ("", "v1", "Secret", "secrets", true),
    ("", "v1", "ConfigMap", "configmaps", true),
    ("rbac.authorization.k8s.io", "v1", "Role", "roles", true),
    ("rbac.authorization.k8s.io", "v1", "RoleBinding", "rolebindings", true),
    ("rbac.authorization.k8s.io", "v1", "ClusterRole", "clusterroles", false),
    ("rbac.authorization.k8s.io", "v1", "ClusterRoleBinding", "clusterrolebindings", false),
    ("networking.k8s.io", "v1", "NetworkPolicy", "networkpolicies", true),
    ("", "v1", "Event", "events", true),
    ("events.k8s.io", "v1", "Event", "events", true),
    ("admissionregistration.k8s.io", "v1", "ValidatingWebhookConfiguration", "validatingwebhookconfigurations", false),
    ("admissionregistration.k8s.io", "v1", "MutatingWebhookConfiguration", "mutatingwebhookconfigurations", false),
    ("admissionregistration.k8s.io", "v1", "ValidatingAdmissionPolicy", "validatingadmissionpolicies", false),
    ("admissionregistration.k8s.io", "v1", "ValidatingAdmissionPolicyBinding", "validatingadmissionpolicybindings", false),
    ("apiextensions.k8s.io", "v1", "CustomResourceDefinition", "customresourcedefinitions", false),
];

const PAGE: u32 = 500;
const LAST_APPLIED: &str = "kubectl.kubernetes.io/last-applied-configuration";

#[derive(Debug, Clone, Default)]
pub struct SnapshotOptions {
    pub connect: ConnectOptions,
    /// Only these namespaces (cluster-scoped kinds are always captured).
    pub namespaces: Vec<String>,
    /// Capture ConfigMap data too (off: metadata only).
    pub configmap_data: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct KindResult {
    pub kind: String,
    pub api_version: String,
    pub items: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub file: Option<String>,
    /// A 403 or another error: recorded, not fatal.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct SnapshotReport {
    pub path: String,
    pub context: String,
    pub server: String,
    pub caller: String,
    pub kubernetes_version: String,
    pub kinds: Vec<KindResult>,
    pub objects: usize,
}

/// Progress: the kind being listed and the objects captured so far.
pub type Progress<'a> = &'a mut dyn FnMut(&str, usize);

/// Removes what a snapshot must never hold.
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

/// Captures the cluster into `out` (written next to it, then renamed: a
/// failed or cancelled capture leaves no partial bundle).
pub fn capture(opts: &SnapshotOptions, out: &Path, clock: &dyn Clock, cancel: &AtomicBool, progress: Progress) -> Result<SnapshotReport> {
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().map_err(|e| Error::io("starting a runtime", e))?;
    let conn = rt.block_on(connect(&opts.connect))?;
    let tmp: PathBuf = out.with_extension("zip.partial");
    let file = std::fs::File::create(&tmp).map_err(|e| Error::io(format!("creating {}", tmp.display()), e))?;
    let result = (|| -> Result<SnapshotReport> {
        let mut kinds = Vec::new();
        let meta_later = BundleMeta {
            created: format_ns(clock.now_ns()),
            producer: format!("kordon {} snapshot", env!("CARGO_PKG_VERSION")),
            cluster: Some(ClusterInfo {
                name: Some(conn.context.cluster.clone()),
                server: Some(conn.context.server.clone()),
                context: Some(conn.context.name.clone()),
                kubernetes_version: Some(conn.version.clone()),
            }),
            notes: Some(format!("Live snapshot of context {} taken by Kordon as {}.", conn.context.name, conn.identity.username)),
            capture: None,
        };
        let mut w = BundleWriter::new(std::io::BufWriter::new(file), meta_later);
        let mut total = 0usize;
        let scopes: Vec<Option<String>> = if opts.namespaces.is_empty() { vec![None] } else { opts.namespaces.iter().cloned().map(Some).collect() };
        for (group, version, kind, plural, namespaced) in KINDS {
            let api_version = if group.is_empty() { version.to_string() } else { format!("{}/{}", group, version) };
            let ar = ApiResource { group: group.to_string(), version: version.to_string(), api_version: api_version.clone(), kind: kind.to_string(), plural: plural.to_string() };
            let file_name = format!("snapshot/{}{}.json", if group.is_empty() { String::new() } else { format!("{}.", group) }, plural);
            let mut result = KindResult { kind: kind.to_string(), api_version: api_version.clone(), items: 0, file: None, error: None };
            let scopes: Vec<Option<String>> = if *namespaced { scopes.clone() } else { vec![None] };
            // The first page of every scope before the file starts: a kind
            // the caller may not list leaves no empty entry in the zip.
            let mut firsts = Vec::new();
            for scope in &scopes {
                if cancel.load(Ordering::SeqCst) {
                    return Err(Error::input(Code::Cancelled, "snapshot cancelled; no bundle written"));
                }
                progress(kind, total);
                let api: Api<DynamicObject> = match scope {
                    Some(ns) => Api::namespaced_with(conn.client.clone(), ns, &ar),
                    None => Api::all_with(conn.client.clone(), &ar),
                };
                match rt.block_on(api.list(&ListParams::default().limit(PAGE))) {
                    Ok(page) => firsts.push((api, page)),
                    Err(e) => {
                        result.error = Some(cluster_error(&format!("listing {}", plural), e).to_string());
                        break;
                    }
                }
            }
            if result.error.is_some() {
                kinds.push(result);
                continue;
            }
            let mut err: Option<String> = None;
            let mut count = 0usize;
            w.add_file_streaming(&file_name, Format::K8sObjects, false, |out: &mut dyn Write| {
                out.write_all(b"{\"apiVersion\":\"v1\",\"kind\":\"List\",\"items\":[")?;
                let mut first_item = true;
                for (api, page) in firsts {
                    let mut page = page;
                    loop {
                        for item in page.items {
                            let mut v = serde_json::to_value(&item).unwrap_or(Value::Null);
                            if let Some(o) = v.as_object_mut() {
                                o.insert("apiVersion".into(), json!(api_version));
                                o.insert("kind".into(), json!(kind));
                            }
                            redact(kind, &mut v, opts.configmap_data);
                            if !first_item {
                                out.write_all(b",")?;
                            }
                            first_item = false;
                            serde_json::to_writer(&mut *out, &v)?;
                            count += 1;
                        }
                        let Some(token) = page.metadata.continue_.clone().filter(|t| !t.is_empty()) else { break };
                        if cancel.load(Ordering::SeqCst) {
                            return Err(std::io::Error::other("cancelled"));
                        }
                        progress(kind, total + count);
                        match rt.block_on(api.list(&ListParams::default().limit(PAGE).continue_token(&token))) {
                            Ok(p) => page = p,
                            Err(e) => {
                                err = Some(format!("incomplete after {} objects: {}", count, cluster_error(&format!("listing {}", plural), e)));
                                break;
                            }
                        }
                    }
                }
                out.write_all(b"]}")
            })
            .map_err(|e| if cancel.load(Ordering::SeqCst) { Error::input(Code::Cancelled, "snapshot cancelled; no bundle written") } else { Error::io(format!("writing {}", file_name), e) })?;
            total += count;
            result.items = count;
            result.file = Some(file_name);
            result.error = err;
            kinds.push(result);
        }
        let report = SnapshotReport {
            path: out.display().to_string(),
            context: conn.context.name.clone(),
            server: conn.context.server.clone(),
            caller: conn.identity.username.clone(),
            kubernetes_version: conn.version.clone(),
            objects: total,
            kinds,
        };
        w.set_capture(json!({
            "context": report.context, "server": report.server, "caller": report.caller, "groups": conn.identity.groups,
            "kubernetes_version": report.kubernetes_version, "captured_at": format_ns(clock.now_ns()),
            "kordon": env!("CARGO_PKG_VERSION"), "namespaces": opts.namespaces, "configmap_data": opts.configmap_data,
            "secrets": "metadata only", "kinds": report.kinds,
        }));
        let (_, mut f) = w.finish().map_err(|e| Error::io(format!("writing {}", tmp.display()), e))?;
        f.flush().map_err(|e| Error::io(format!("writing {}", tmp.display()), e))?;
        Ok(report)
    })();
    match result {
        Ok(r) => {
            std::fs::rename(&tmp, out).map_err(|e| Error::io(format!("writing {}", out.display()), e))?;
            Ok(r)
        }
        Err(e) => {
            let _ = std::fs::remove_file(&tmp);
            Err(e)
        }
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
}
