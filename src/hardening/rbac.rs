//! What an identity may do by RBAC, read from the snapshot's roles and
//! bindings: the bindings that name it (directly, or through the
//! `system:serviceaccounts[:ns]` groups), and the grants they add up to —
//! verbs per resource and namespace. The findings pick the dangerous ones;
//! the incident graph draws all of them as the identity's blast radius.

use super::objects::{Obj, Objects};
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};

/// `system:serviceaccount:shop:cart` → ("shop", "cart").
pub fn sa_parts(identity: &str) -> Option<(&str, &str)> {
    identity.strip_prefix("system:serviceaccount:")?.split_once(':')
}

pub fn strings(v: Option<&Value>) -> Vec<String> {
    v.and_then(|x| x.as_array()).into_iter().flatten().filter_map(|x| x.as_str().map(str::to_string)).collect()
}

/// Whether a binding subject names this identity (itself, its namespace's
/// service accounts, or all service accounts).
pub fn names(subject: &str, identity: &str) -> bool {
    let Some((ns, _)) = sa_parts(identity) else { return subject == identity };
    subject == identity || subject == format!("system:serviceaccounts:{}", ns) || subject == "system:serviceaccounts"
}

/// A binding that names the identity, with its role and where it applies.
pub struct Binding<'a> {
    pub binding: &'a Obj,
    pub role: &'a Obj,
    /// The namespace of a RoleBinding; `None`: every namespace.
    pub namespace: Option<String>,
}

impl Binding<'_> {
    pub fn scope(&self) -> String {
        self.namespace.clone().unwrap_or_else(|| "every namespace".into())
    }
}

/// The bindings naming `identity` whose role is in the snapshot, in
/// snapshot order.
pub fn bindings_of<'a>(o: &'a Objects, identity: &str) -> Vec<Binding<'a>> {
    let mut out = Vec::new();
    for b in o.of("RoleBinding").chain(o.of("ClusterRoleBinding")) {
        if !strings(b.f.get("subjects")).iter().any(|x| names(x, identity)) {
            continue;
        }
        let role_kind = b.str("role_ref_kind").unwrap_or("ClusterRole");
        let role_name = b.str("role_ref").unwrap_or_default();
        let role = if role_kind == "Role" { o.find("Role", b.namespace.as_deref(), role_name) } else { o.find("ClusterRole", None, role_name) };
        let Some(role) = role else { continue };
        let namespace = match (&b.kind[..], &b.namespace) {
            ("RoleBinding", Some(ns)) => Some(ns.clone()),
            _ => None,
        };
        out.push(Binding { binding: b, role, namespace });
    }
    out
}

/// Verbs on one resource in one namespace (or cluster-wide), and what grants them.
#[derive(Debug, Clone, PartialEq)]
pub struct Grant {
    /// `secrets`, `pods/exec`, `*`; with `(a, b)` when the rule names resources.
    pub resource: String,
    pub namespace: Option<String>,
    pub verbs: BTreeSet<String>,
    /// "RoleBinding shop/cart-secrets-reader → Role shop/secrets-reader"
    pub via: BTreeSet<String>,
    /// Event ids of the bindings and roles.
    pub objects: BTreeSet<i64>,
}

impl Grant {
    /// "secrets in shop", "pods cluster-wide", "anything in shop".
    pub fn label(&self) -> String {
        let what = if self.resource == "*" { "anything".to_string() } else { self.resource.clone() };
        match &self.namespace {
            Some(ns) => format!("{} in {}", what, ns),
            None => format!("{} cluster-wide", what),
        }
    }

    /// "can get, list, watch", "can do anything to".
    pub fn verbs_label(&self) -> String {
        if self.verbs.contains("*") {
            "can do anything to".into()
        } else {
            format!("can {}", self.verbs.iter().cloned().collect::<Vec<_>>().join(", "))
        }
    }

    /// How much an attacker wants it: sorts the blast radius worst first.
    pub fn weight(&self) -> u32 {
        let r = self.resource.split(' ').next().unwrap_or_default();
        let writes = self.verbs.iter().any(|v| ["*", "create", "update", "patch", "delete", "deletecollection", "bind", "escalate", "impersonate"].contains(&v.as_str()));
        let base = match r {
            "*" => 100,
            "secrets" => 90,
            "pods/exec" | "pods/attach" | "nodes/proxy" => 80,
            "roles" | "clusterroles" | "rolebindings" | "clusterrolebindings" | "serviceaccounts/token" => 70,
            "pods" | "deployments" | "daemonsets" | "statefulsets" | "jobs" | "cronjobs" | "replicasets" => 50,
            "configmaps" | "serviceaccounts" | "nodes" => 30,
            _ => 10,
        };
        base + if writes { 5 } else { 0 } + if self.namespace.is_none() { 2 } else { 0 }
    }
}

/// Everything `identity` may do, merged per (resource, namespace), worst first.
pub fn grants(o: &Objects, identity: &str) -> Vec<Grant> {
    let mut by: BTreeMap<(String, Option<String>), Grant> = BTreeMap::new();
    for b in bindings_of(o, identity) {
        let via = format!("{} → {}", b.binding.label(), b.role.label());
        for rule in b.role.f.get("rules").and_then(|r| r.as_array()).into_iter().flatten() {
            let verbs = strings(rule.get("verbs"));
            let named = strings(rule.get("resourceNames"));
            for res in strings(rule.get("resources")) {
                let resource = if named.is_empty() { res } else { format!("{} ({})", res, named.join(", ")) };
                let g = by.entry((resource.clone(), b.namespace.clone())).or_insert_with(|| Grant {
                    resource,
                    namespace: b.namespace.clone(),
                    verbs: BTreeSet::new(),
                    via: BTreeSet::new(),
                    objects: BTreeSet::new(),
                });
                g.verbs.extend(verbs.iter().cloned());
                g.via.insert(via.clone());
                g.objects.insert(b.binding.id);
                g.objects.insert(b.role.id);
            }
        }
    }
    let mut out: Vec<Grant> = by.into_values().filter(|g| !g.verbs.is_empty()).collect();
    out.sort_by(|a, b| b.weight().cmp(&a.weight()).then(a.label().cmp(&b.label())));
    out
}
