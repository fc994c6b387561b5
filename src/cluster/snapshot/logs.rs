//! Logs of the pods the investigator names (`--logs NS/POD`): every
//! container's current and previous logs, each capped, as `ContainerLog`
//! documents (Kordon's own kind). A JSON string holds the text, so a log
//! line cannot pose as the start of another pod's log the way a marker line
//! in `cluster-info dump` output can.

use super::super::errors::{api_status, cluster_error};
use crate::error::{Code, Error, Result};
use k8s_openapi::api::core::v1::Pod;
use super::super::pod_logs::{self, LOG_CAP_BYTES};
use kube::api::Api;
use kube::Client;
use serde::Serialize;
use serde_json::json;

/// The kind and API version of a captured log document.
pub const LOG_KIND: &str = "ContainerLog";
pub const LOG_API_VERSION: &str = "kordon.dev/v1";

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct LogResult {
    /// `namespace/name`
    pub pod: String,
    pub container: String,
    pub previous: bool,
    pub bytes: usize,
    pub truncated: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub file: Option<String>,
    /// The pod is gone, the caller may not read logs, or (previous) there
    /// was no earlier instance.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// `ns/pod` → (ns, pod), or a clear error.
pub fn parse_pod(s: &str) -> Result<(String, String)> {
    match s.split_once('/') {
        Some((ns, pod)) if !ns.is_empty() && !pod.is_empty() && !pod.contains('/') => Ok((ns.to_string(), pod.to_string())),
        _ => Err(Error::input(Code::InvalidArgument, format!("--logs {:?}: expected NAMESPACE/POD", s))),
    }
}

/// One log, fetched: its result and, when there is text, its document.
pub struct Fetched {
    pub result: LogResult,
    pub document: Option<Vec<u8>>,
}

fn file_name(ns: &str, pod: &str, container: &str, previous: bool) -> String {
    format!("snapshot/logs/{}/{}/{}{}.json", ns, pod, container, if previous { ".previous" } else { "" })
}

/// The containers of `ns/pod` (init and ephemeral ones too: a miner may
/// hide in either), or the pod's error as a single result.
pub async fn containers(client: &Client, ns: &str, pod: &str) -> std::result::Result<(String, Vec<String>), LogResult> {
    let api: Api<Pod> = Api::namespaced(client.clone(), ns);
    match api.get(pod).await {
        Ok(p) => {
            let uid = p.metadata.uid.clone().unwrap_or_default();
            let spec = p.spec.unwrap_or_default();
            let mut names: Vec<String> = spec.init_containers.unwrap_or_default().into_iter().map(|c| c.name).collect();
            names.extend(spec.containers.into_iter().map(|c| c.name));
            names.extend(spec.ephemeral_containers.unwrap_or_default().into_iter().map(|c| c.name));
            Ok((uid, names))
        }
        Err(e) => Err(LogResult {
            pod: format!("{}/{}", ns, pod),
            container: String::new(),
            previous: false,
            bytes: 0,
            truncated: false,
            file: None,
            error: Some(cluster_error(&format!("reading pod {}/{}", ns, pod), e).to_string()),
        }),
    }
}

/// One container's current or previous log, as a `ContainerLog` document.
pub async fn fetch(client: &Client, ns: &str, pod: &str, uid: &str, container: &str, previous: bool, captured_at: &str) -> Fetched {
    let api: Api<Pod> = Api::namespaced(client.clone(), ns);
    let mut result = LogResult { pod: format!("{}/{}", ns, pod), container: container.to_string(), previous, bytes: 0, truncated: false, file: None, error: None };
    match pod_logs::read(&api, pod, container, previous).await {
        Ok(text) => {
            result.bytes = text.len();
            result.truncated = text.len() as i64 >= LOG_CAP_BYTES;
            let name = file_name(ns, pod, container, previous);
            let doc = json!({
                "apiVersion": LOG_API_VERSION, "kind": LOG_KIND,
                "metadata": {"namespace": ns, "name": pod, "uid": uid},
                "container": container, "previous": previous, "truncated": result.truncated,
                "capBytes": LOG_CAP_BYTES, "capturedAt": captured_at, "log": text,
            });
            result.file = Some(name);
            Fetched { result, document: Some(serde_json::to_vec(&doc).unwrap_or_default()) }
        }
        Err(e) => {
            result.error = Some(match (previous, api_status(&e)) {
                // No earlier instance is the usual case, not a failure.
                (true, Some((400, _, m))) => format!("no previous instance ({})", m),
                _ => cluster_error(&format!("reading the logs of {}/{} container {}", ns, pod, container), e).to_string(),
            });
            Fetched { result, document: None }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_pod_is_named_with_its_namespace() {
        assert_eq!(parse_pod("shop/cart-7d9").unwrap(), ("shop".into(), "cart-7d9".into()));
        for bad in ["cart", "/cart", "shop/", "a/b/c"] {
            assert_eq!(parse_pod(bad).unwrap_err().code(), Code::InvalidArgument, "{}", bad);
        }
    }
}
