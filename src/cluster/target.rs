//! The pod the investigator chose, looked up live: Kordon acts on that pod
//! (by UID) or on nothing. A pod recreated under the same name, or gone, is
//! said so; a substitute is used only when the investigator names its UID.

use super::errors::{cluster_error, is_not_found};
use super::selectors;
use super::{Connection, ISOLATION_LABEL};
use crate::error::{Code, Error, Result};
use k8s_openapi::api::apps::v1::ReplicaSet;
use k8s_openapi::api::batch::v1::Job;
use k8s_openapi::api::core::v1::{Pod, Service};
use k8s_openapi::api::networking::v1::NetworkPolicy;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{LabelSelector, OwnerReference};
use kube::api::{Api, ListParams};
use serde::Serialize;
use serde_json::Value;
use std::collections::BTreeMap;

/// The pod as the evidence names it.
#[derive(Debug, Clone, Serialize)]
pub struct PodRef {
    pub namespace: String,
    pub name: String,
    /// From the evidence, when it has one.
    pub uid: Option<String>,
}

impl PodRef {
    /// `namespace/name`.
    pub fn parse(text: &str, uid: Option<String>) -> Result<PodRef> {
        match text.split_once('/') {
            Some((ns, name)) if !ns.is_empty() && !name.is_empty() && !name.contains('/') => {
                Ok(PodRef { namespace: ns.into(), name: name.into(), uid })
            }
            _ => Err(Error::input(Code::InvalidArgument, format!("'{}' is no pod: give it as NAMESPACE/NAME", text))),
        }
    }

    pub fn label(&self) -> String {
        format!("{}/{}", self.namespace, self.name)
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct Owner {
    pub kind: String,
    pub name: String,
    pub uid: String,
}

/// A NetworkPolicy that selects the pod, and what it still allows.
#[derive(Debug, Clone, Serialize)]
pub struct PolicySummary {
    pub name: String,
    pub uid: String,
    pub policy_types: Vec<String>,
    pub selector: String,
    /// Each allow rule in words; policies are additive, so these stay allowed
    /// whatever a deny-all policy says.
    pub allows: Vec<String>,
    /// Created by a Kordon isolation (its action id).
    pub kordon_action: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct LiveTarget {
    pub namespace: String,
    pub name: String,
    pub uid: String,
    pub evidence_uid: Option<String>,
    pub node: Option<String>,
    pub phase: Option<String>,
    pub labels: BTreeMap<String, String>,
    pub containers: Vec<String>,
    /// Controller chain, nearest first: ReplicaSet, then Deployment …
    pub owners: Vec<Owner>,
    pub services: Vec<String>,
    pub policies: Vec<PolicySummary>,
    /// The Kordon isolation already on the pod, if any.
    pub isolated_by: Option<String>,
    #[serde(skip)]
    pub pod: Pod,
}

impl LiveTarget {
    pub fn label(&self) -> String {
        format!("{}/{}", self.namespace, self.name)
    }
}

/// Looks the pod up. `accept_uid`: the investigator explicitly chose the
/// live pod whose UID differs from the evidence.
pub async fn look_up(conn: &Connection, pod: &PodRef, accept_uid: Option<&str>) -> Result<LiveTarget> {
    let pods: Api<Pod> = Api::namespaced(conn.client.clone(), &pod.namespace);
    let live = match pods.get(&pod.name).await {
        Ok(p) => p,
        Err(e) if is_not_found(&e) => {
            return Err(Error::input(
                Code::NotFound,
                format!("pod {} is gone from the cluster: nothing to act on (it may have been deleted or replaced under another name)", pod.label()),
            ))
        }
        Err(e) => return Err(cluster_error(&format!("reading pod {}", pod.label()), e)),
    };
    let uid = live.metadata.uid.clone().unwrap_or_default();
    if let Some(expected) = &pod.uid {
        if *expected != uid && accept_uid != Some(uid.as_str()) {
            return Err(Error::input(
                Code::TargetChanged,
                format!(
                    "pod {} was recreated: the evidence names UID {}, the live pod is UID {}. Kordon acts only on the pod in the evidence; to act on the new pod, choose it explicitly (--accept-uid {})",
                    pod.label(),
                    expected,
                    uid,
                    uid
                ),
            ));
        }
    }
    let labels = live.metadata.labels.clone().unwrap_or_default();
    let owners = owner_chain(conn, &pod.namespace, live.metadata.owner_references.as_deref().unwrap_or(&[])).await?;
    let services: Api<Service> = Api::namespaced(conn.client.clone(), &pod.namespace);
    let services = match services.list(&ListParams::default()).await {
        Ok(list) => list
            .items
            .into_iter()
            .filter(|s| selectors::service_selects(s.spec.as_ref().and_then(|x| x.selector.as_ref()), &labels))
            .filter_map(|s| s.metadata.name)
            .collect(),
        // Context only: not being allowed to list Services does not stop an action.
        Err(_) => Vec::new(),
    };
    let policies = selecting_policies(conn, &pod.namespace, &labels).await?;
    let spec = live.spec.clone().unwrap_or_default();
    Ok(LiveTarget {
        namespace: pod.namespace.clone(),
        name: pod.name.clone(),
        evidence_uid: pod.uid.clone(),
        node: spec.node_name.clone(),
        phase: live.status.as_ref().and_then(|s| s.phase.clone()),
        containers: spec.containers.iter().map(|c| c.name.clone()).collect(),
        isolated_by: labels.get(ISOLATION_LABEL).cloned(),
        labels,
        owners,
        services,
        policies,
        uid,
        pod: live,
    })
}

fn controller(refs: &[OwnerReference]) -> Option<&OwnerReference> {
    refs.iter().find(|r| r.controller == Some(true)).or(refs.first())
}

/// Two steps up: Pod → ReplicaSet → Deployment, Pod → Job → CronJob; other
/// controllers (StatefulSet, DaemonSet) are the top already.
async fn owner_chain(conn: &Connection, ns: &str, refs: &[OwnerReference]) -> Result<Vec<Owner>> {
    let mut out = Vec::new();
    let Some(first) = controller(refs) else { return Ok(out) };
    out.push(Owner { kind: first.kind.clone(), name: first.name.clone(), uid: first.uid.clone() });
    let next: Option<Vec<OwnerReference>> = match first.kind.as_str() {
        "ReplicaSet" => {
            let api: Api<ReplicaSet> = Api::namespaced(conn.client.clone(), ns);
            api.get_opt(&first.name).await.map_err(|e| cluster_error(&format!("reading ReplicaSet {}/{}", ns, first.name), e))?.and_then(|r| r.metadata.owner_references)
        }
        "Job" => {
            let api: Api<Job> = Api::namespaced(conn.client.clone(), ns);
            api.get_opt(&first.name).await.map_err(|e| cluster_error(&format!("reading Job {}/{}", ns, first.name), e))?.and_then(|r| r.metadata.owner_references)
        }
        _ => None,
    };
    if let Some(o) = next.as_deref().and_then(controller) {
        out.push(Owner { kind: o.kind.clone(), name: o.name.clone(), uid: o.uid.clone() });
    }
    Ok(out)
}

/// The namespace's NetworkPolicies that select a pod with these labels.
pub async fn selecting_policies(conn: &Connection, ns: &str, labels: &BTreeMap<String, String>) -> Result<Vec<PolicySummary>> {
    let api: Api<NetworkPolicy> = Api::namespaced(conn.client.clone(), ns);
    let list = api.list(&ListParams::default()).await.map_err(|e| cluster_error(&format!("listing NetworkPolicies in {}", ns), e))?;
    let mut out = Vec::new();
    for np in list.items {
        let v = serde_json::to_value(&np).unwrap_or(Value::Null);
        let selector: LabelSelector = serde_json::from_value(v["spec"]["podSelector"].clone()).unwrap_or_default();
        if !selectors::matches(&selector, labels) {
            continue;
        }
        out.push(summarize(&v, &selector));
    }
    Ok(out)
}

fn peers(list: &Value) -> String {
    let Some(peers) = list.as_array().filter(|a| !a.is_empty()) else { return "anywhere".into() };
    peers
        .iter()
        .map(|p| {
            if let Some(cidr) = p["ipBlock"]["cidr"].as_str() {
                let except: Vec<&str> = p["ipBlock"]["except"].as_array().into_iter().flatten().filter_map(|x| x.as_str()).collect();
                return if except.is_empty() { cidr.to_string() } else { format!("{} except {}", cidr, except.join(", ")) };
            }
            let sel = |k: &str| -> Option<String> {
                let s: LabelSelector = serde_json::from_value(p[k].clone()).ok()?;
                p.get(k).map(|_| selectors::describe(&s))
            };
            match (sel("podSelector"), sel("namespaceSelector")) {
                (Some(pods), Some(nss)) => format!("pods {} in namespaces {}", pods, nss),
                (Some(pods), None) => format!("pods {} in this namespace", pods),
                (None, Some(nss)) => format!("every pod in namespaces {}", nss),
                (None, None) => "anywhere".into(),
            }
        })
        .collect::<Vec<_>>()
        .join("; ")
}

fn ports(list: &Value) -> String {
    let Some(ports) = list.as_array().filter(|a| !a.is_empty()) else { return "all ports".into() };
    ports
        .iter()
        .map(|p| {
            let proto = p["protocol"].as_str().unwrap_or("TCP");
            match (&p["port"], p["endPort"].as_i64()) {
                (Value::Null, _) => format!("{} any port", proto),
                (port, Some(end)) => format!("{} {}-{}", proto, port.to_string().trim_matches('"'), end),
                (port, None) => format!("{} {}", proto, port.to_string().trim_matches('"')),
            }
        })
        .collect::<Vec<_>>()
        .join(", ")
}

fn summarize(np: &Value, selector: &LabelSelector) -> PolicySummary {
    let spec = &np["spec"];
    let mut types: Vec<String> = spec["policyTypes"].as_array().into_iter().flatten().filter_map(|t| t.as_str().map(str::to_string)).collect();
    if types.is_empty() {
        // The server's default: Ingress, plus Egress when egress rules exist.
        types.push("Ingress".into());
        if spec.get("egress").is_some() {
            types.push("Egress".into());
        }
    }
    let mut allows = Vec::new();
    for r in spec["ingress"].as_array().into_iter().flatten() {
        allows.push(format!("ingress from {} on {}", peers(&r["from"]), ports(&r["ports"])));
    }
    for r in spec["egress"].as_array().into_iter().flatten() {
        allows.push(format!("egress to {} on {}", peers(&r["to"]), ports(&r["ports"])));
    }
    PolicySummary {
        name: np["metadata"]["name"].as_str().unwrap_or_default().to_string(),
        uid: np["metadata"]["uid"].as_str().unwrap_or_default().to_string(),
        policy_types: types,
        selector: selectors::describe(selector),
        allows,
        kordon_action: np["metadata"]["labels"][ISOLATION_LABEL].as_str().map(str::to_string),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_policy_is_summarized_with_what_it_still_allows() {
        let np = json!({"metadata": {"name": "allow-frontend", "uid": "u1"}, "spec": {
            "podSelector": {"matchLabels": {"app": "cart"}},
            "ingress": [{"from": [{"podSelector": {"matchLabels": {"app": "frontend"}}}], "ports": [{"protocol": "TCP", "port": 8080}]}],
            "egress": [{"to": [{"ipBlock": {"cidr": "0.0.0.0/0", "except": ["10.0.0.0/8"]}}]}]
        }});
        let sel: LabelSelector = serde_json::from_value(np["spec"]["podSelector"].clone()).unwrap();
        let s = summarize(&np, &sel);
        assert_eq!(s.policy_types, ["Ingress", "Egress"]);
        assert_eq!(s.allows, ["ingress from pods app=frontend in this namespace on TCP 8080", "egress to 0.0.0.0/0 except 10.0.0.0/8 on all ports"]);
        assert_eq!(s.selector, "app=cart");
    }

    #[test]
    fn pods_are_named_namespace_slash_name() {
        assert_eq!(PodRef::parse("shop/cart-1", None).unwrap().label(), "shop/cart-1");
        for bad in ["cart", "/cart", "shop/", "a/b/c"] {
            assert_eq!(PodRef::parse(bad, None).unwrap_err().code(), Code::InvalidArgument, "{}", bad);
        }
    }
}
