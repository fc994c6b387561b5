//! `/version` and the discovery documents (`/api`, `/apis`, group and
//! group-version resource lists), derived from the resource table so that a
//! client discovering resources sees exactly what the server serves.

use serde_json::{json, Value};

use crate::resources::{self, Resource};
use crate::state::State;

/// Create-only review endpoints: (group, versions, plural, kind).
pub(crate) const REVIEWS: &[(&str, &[&str], &str, &str)] = &[
    ("authorization.k8s.io", &["v1"], "selfsubjectaccessreviews", "SelfSubjectAccessReview"),
    ("authorization.k8s.io", &["v1"], "selfsubjectrulesreviews", "SelfSubjectRulesReview"),
    ("authentication.k8s.io", &["v1", "v1beta1", "v1alpha1"], "selfsubjectreviews", "SelfSubjectReview"),
];

pub(crate) fn version(state: &State) -> Value {
    json!({
        "major": state.version.major,
        "minor": state.version.minor,
        "gitVersion": state.version.git_version,
        "gitCommit": "0000000000000000000000000000000000000000",
        "gitTreeState": "clean",
        "buildDate": "2024-10-22T20:28:14Z",
        "goVersion": "go1.22.8",
        "compiler": "gc",
        "platform": "linux/amd64",
    })
}

pub(crate) fn api_versions(state: &State) -> Value {
    json!({
        "kind": "APIVersions",
        "versions": ["v1"],
        "serverAddressByClientCIDRs": [{"clientCIDR": "0.0.0.0/0", "serverAddress": state.address}],
    })
}

/// All served resources: built-ins plus those from stored CRDs.
fn served(state: &State) -> Vec<Resource> {
    let mut all: Vec<Resource> = resources::builtins().collect();
    for crd in state.store.crds() {
        if let Some(versions) = crd.pointer("/spec/versions").and_then(Value::as_array) {
            for v in versions {
                if let Some(r) = v.get("name").and_then(Value::as_str).and_then(|name| resources::from_crd(crd, Some(name))) {
                    all.push(r);
                }
            }
        }
    }
    all
}

/// (group, versions) in first-seen order, core group excluded.
fn groups(state: &State) -> Vec<(String, Vec<String>)> {
    let mut out: Vec<(String, Vec<String>)> = Vec::new();
    let mut add = |g: &str, v: &str| {
        if g.is_empty() {
            return;
        }
        match out.iter_mut().find(|(name, _)| name == g) {
            Some((_, vs)) if !vs.iter().any(|x| x == v) => vs.push(v.to_string()),
            Some(_) => {}
            None => out.push((g.to_string(), vec![v.to_string()])),
        }
    };
    for r in served(state) {
        add(&r.group, &r.version);
    }
    for (g, versions, _, _) in REVIEWS {
        for v in *versions {
            add(g, v);
        }
    }
    out
}

fn group_json(name: &str, versions: &[String]) -> Value {
    let gvs: Vec<Value> = versions.iter().map(|v| json!({"groupVersion": format!("{name}/{v}"), "version": v})).collect();
    json!({"name": name, "versions": gvs, "preferredVersion": gvs[0]})
}

pub(crate) fn group_list(state: &State) -> Value {
    let groups: Vec<Value> = groups(state).iter().map(|(g, vs)| group_json(g, vs)).collect();
    json!({"kind": "APIGroupList", "apiVersion": "v1", "groups": groups})
}

pub(crate) fn group(state: &State, name: &str) -> Option<Value> {
    let (g, vs) = groups(state).into_iter().find(|(g, _)| g == name)?;
    let mut v = group_json(&g, &vs);
    v["kind"] = json!("APIGroup");
    v["apiVersion"] = json!("v1");
    Some(v)
}

pub(crate) fn resource_list(state: &State, group: &str, version: &str) -> Option<Value> {
    let main_verbs = json!(["create", "delete", "deletecollection", "get", "list", "patch", "update"]);
    let mut list = Vec::new();
    for r in served(state).into_iter().filter(|r| r.group == group && r.version == version) {
        list.push(json!({
            "name": r.plural, "singularName": r.kind.to_lowercase(), "namespaced": r.namespaced,
            "kind": r.kind, "verbs": main_verbs,
        }));
        let sub = |name: &str, kind: &str, verbs: Value| json!({
            "name": format!("{}/{name}", r.plural), "singularName": "", "namespaced": r.namespaced,
            "kind": kind, "verbs": verbs,
        });
        if r.has_status {
            list.push(sub("status", &r.kind, json!(["get", "patch", "update"])));
        }
        if r.is_scalable() {
            let mut s = sub("scale", "Scale", json!(["get", "patch", "update"]));
            s["group"] = json!("autoscaling");
            s["version"] = json!("v1");
            list.push(s);
        }
        if r.group.is_empty() && r.plural == "pods" {
            list.push(sub("log", "Pod", json!(["get"])));
            let mut e = sub("eviction", "Eviction", json!(["create"]));
            e["group"] = json!("policy");
            e["version"] = json!("v1");
            list.push(e);
        }
    }
    for (g, versions, plural, kind) in REVIEWS {
        if *g == group && versions.contains(&version) {
            list.push(json!({"name": plural, "singularName": kind.to_lowercase(), "namespaced": false, "kind": kind, "verbs": ["create"]}));
        }
    }
    if list.is_empty() {
        return None;
    }
    Some(json!({
        "kind": "APIResourceList",
        "apiVersion": "v1",
        "groupVersion": resources::join_group_version(group, version),
        "resources": list,
    }))
}
