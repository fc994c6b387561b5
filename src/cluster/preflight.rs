//! Before acting: a SelfSubjectAccessReview for every verb the action needs
//! (a checklist naming what is missing), and for isolation whether anything
//! in the cluster enforces NetworkPolicies, the Kubernetes version, and the
//! policies that already select the pod and will still allow traffic.

use super::errors::cluster_error;
use super::target::LiveTarget;
use super::Connection;
use crate::error::Result;
use k8s_openapi::api::apps::v1::DaemonSet;
use k8s_openapi::api::authorization::v1::{ResourceAttributes, SelfSubjectAccessReview, SelfSubjectAccessReviewSpec};
use kube::api::{Api, ListParams, PostParams};
use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ActionKind {
    Isolate,
    Release,
    Terminate,
    /// Terminate and scale the owner to zero.
    TerminateAndScale,
}

#[derive(Debug, Clone, Serialize)]
pub struct Check {
    pub verb: String,
    pub group: String,
    pub resource: String,
    pub subresource: Option<String>,
    pub namespace: Option<String>,
    /// Why Kordon needs it.
    pub why: String,
    pub allowed: bool,
    pub reason: Option<String>,
}

impl Check {
    /// `delete pods in shop`, `get pods/log in shop`.
    pub fn permission(&self) -> String {
        let res = match &self.subresource {
            Some(s) => format!("{}/{}", self.resource, s),
            None => self.resource.clone(),
        };
        let res = if self.group.is_empty() { res } else { format!("{}.{}", res, self.group) };
        match &self.namespace {
            Some(ns) => format!("{} {} in {}", self.verb, res, ns),
            None => format!("{} {} (cluster-wide)", self.verb, res),
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct Preflight {
    pub action: ActionKind,
    pub checks: Vec<Check>,
    /// Permissions the action needs and the caller lacks, in words.
    pub missing: Vec<String>,
    /// Network-policy engines found (isolation only).
    pub engines: Vec<String>,
    pub version: String,
    /// Warnings that do not stop the action but the investigator must read.
    pub warnings: Vec<String>,
    /// Every needed permission is there.
    pub ok: bool,
}

fn needs(action: ActionKind, ns: &str, scale_plural: Option<&'static str>) -> Vec<(&'static str, &'static str, &'static str, Option<&'static str>, String)> {
    let mut v = vec![("get", "", "pods", None, "read the pod and verify the result".to_string())];
    match action {
        ActionKind::Isolate => {
            v.push(("patch", "", "pods", None, "label and annotate the pod".into()));
            v.push(("create", "networking.k8s.io", "networkpolicies", None, format!("create the deny-all NetworkPolicy in {}", ns)));
            v.push(("list", "networking.k8s.io", "networkpolicies", None, "find the policies that already select the pod".into()));
            v.push(("delete", "networking.k8s.io", "networkpolicies", None, "release the isolation, or roll it back".into()));
        }
        ActionKind::Release => {
            v.push(("patch", "", "pods", None, "remove the isolation label".into()));
            v.push(("delete", "networking.k8s.io", "networkpolicies", None, "delete the isolation's NetworkPolicy".into()));
        }
        ActionKind::Terminate | ActionKind::TerminateAndScale => {
            v.push(("list", "", "events", None, "capture the pod's events first".into()));
            v.push(("get", "", "pods", Some("log"), "capture the containers' logs first".into()));
            v.push(("delete", "", "pods", None, "delete the pod".into()));
        }
    }
    if action == ActionKind::TerminateAndScale {
        if let Some(plural) = scale_plural {
            v.push(("get", "apps", plural, Some("scale"), "read the owner's replica count".into()));
            v.push(("patch", "apps", plural, Some("scale"), "scale the owner to zero (and back)".into()));
        }
    }
    v
}

/// The `apps/v1` resource of a controller that has a `scale` subresource.
pub fn scale_plural(kind: &str) -> Option<&'static str> {
    match kind {
        "Deployment" => Some("deployments"),
        "StatefulSet" => Some("statefulsets"),
        "ReplicaSet" => Some("replicasets"),
        _ => None,
    }
}

/// The owner a scale-to-zero acts on: the top of the chain when it scales.
pub fn scalable_owner(t: &LiveTarget) -> Option<(&str, &'static str, &str)> {
    let top = t.owners.last()?;
    Some((top.kind.as_str(), scale_plural(&top.kind)?, top.name.as_str()))
}

async fn review(conn: &Connection, verb: &str, group: &str, resource: &str, sub: Option<&str>, ns: &str, name: Option<&str>) -> Result<(bool, Option<String>)> {
    let api: Api<SelfSubjectAccessReview> = Api::all(conn.client.clone());
    let ssar = SelfSubjectAccessReview {
        spec: SelfSubjectAccessReviewSpec {
            resource_attributes: Some(ResourceAttributes {
                verb: Some(verb.into()),
                group: Some(group.into()),
                resource: Some(resource.into()),
                subresource: sub.map(str::to_string),
                namespace: Some(ns.into()),
                name: name.map(str::to_string),
                ..Default::default()
            }),
            ..Default::default()
        },
        ..Default::default()
    };
    let out = api
        .create(&PostParams::default(), &ssar)
        .await
        .map_err(|e| cluster_error("checking permissions (SelfSubjectAccessReview)", e))?;
    let st = out.status.unwrap_or_default();
    Ok((st.allowed, st.reason.filter(|r| !r.is_empty())))
}

/// Known enforcing engines, by DaemonSet or container name.
const ENGINES: &[(&str, &str)] = &[
    ("calico-node", "Calico"),
    ("cilium", "Cilium"),
    ("azure-npm", "Azure NPM"),
    ("aws-network-policy-agent", "AWS VPC CNI network-policy agent"),
    ("antrea-agent", "Antrea"),
    ("kube-router", "kube-router"),
    ("weave-net", "Weave Net"),
    ("canal", "Canal (Calico)"),
];

async fn engines(conn: &Connection) -> std::result::Result<Vec<String>, String> {
    let api: Api<DaemonSet> = Api::all(conn.client.clone());
    let list = api.list(&ListParams::default()).await.map_err(|e| cluster_error("listing DaemonSets", e).to_string())?;
    let mut found: Vec<String> = Vec::new();
    for ds in list.items {
        let mut names = vec![ds.metadata.name.clone().unwrap_or_default()];
        if let Some(spec) = ds.spec.as_ref().and_then(|s| s.template.spec.as_ref()) {
            names.extend(spec.containers.iter().map(|c| c.name.clone()));
        }
        for (needle, engine) in ENGINES {
            if names.iter().any(|n| n == needle || n.starts_with(&format!("{}-", needle))) && !found.iter().any(|f| f == engine) {
                found.push(engine.to_string());
            }
        }
    }
    Ok(found)
}

pub async fn run(conn: &Connection, action: ActionKind, target: &LiveTarget) -> Result<Preflight> {
    let scale = scalable_owner(target).map(|(_, plural, _)| plural);
    let mut checks = Vec::new();
    for (verb, group, resource, sub, why) in needs(action, &target.namespace, scale) {
        let (allowed, reason) = review(conn, verb, group, resource, sub, &target.namespace, None).await?;
        checks.push(Check {
            verb: verb.into(),
            group: group.into(),
            resource: resource.into(),
            subresource: sub.map(str::to_string),
            namespace: Some(target.namespace.clone()),
            why,
            allowed,
            reason,
        });
    }
    let missing: Vec<String> = checks.iter().filter(|c| !c.allowed).map(|c| format!("{} (to {})", c.permission(), c.why)).collect();
    let mut warnings = Vec::new();
    let mut found = Vec::new();
    if action == ActionKind::Isolate {
        match engines(conn).await {
            Ok(e) if e.is_empty() => warnings.push(
                "no NetworkPolicy engine found (Calico, Cilium, Azure NPM, the AWS network-policy agent, Antrea …): the policy will be created, but nothing may enforce it"
                    .into(),
            ),
            Ok(e) => found = e,
            Err(e) => warnings.push(format!("could not check for a NetworkPolicy engine: {}", e)),
        }
        if conn.minor > 0 && conn.minor < 27 {
            warnings.push(format!("Kubernetes {} is older than 1.27, which Defender for Cloud requires for isolation", conn.version));
        }
        for p in target.policies.iter().filter(|p| p.kordon_action.is_none()) {
            for a in &p.allows {
                warnings.push(format!("NetworkPolicy {} also selects this pod and will still allow {} (policies add up: a deny-all does not override it)", p.name, a));
            }
        }
    }
    if matches!(action, ActionKind::Terminate | ActionKind::TerminateAndScale) && !target.owners.is_empty() {
        let top = target.owners.last().map(|o| format!("{} {}", o.kind, o.name)).unwrap_or_default();
        warnings.push(format!("the pod is managed by {}: deleting it makes the controller start a replacement from the same image", top));
    }
    if action == ActionKind::TerminateAndScale && scale.is_none() {
        warnings.push("the pod has no Deployment, StatefulSet or ReplicaSet to scale to zero".into());
    }
    Ok(Preflight { action, ok: missing.is_empty(), checks, missing, engines: found, version: conn.version.clone(), warnings })
}
