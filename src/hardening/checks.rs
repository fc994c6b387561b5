//! One function per check id of `data/hardening.yaml`.

use super::objects::{Obj, Objects};
use super::rbac::{bindings_of, sa_parts, strings};
use super::{Content, Raw, Scope};
use crate::cluster::selectors;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::LabelSelector;
use serde_json::Value;

#[cfg(test)]
pub const IDS: &[&str] = &[
    "identity-can",
    "cluster-admin-binding",
    "token-automounted",
    "shared-identity",
    "no-admission-engine",
    "no-pod-security-labels",
    "privileged-admitted",
    "image-by-tag",
    "registry-not-allowed",
    "node-without-sensor",
    "no-runtime-sensor",
    "namespace-without-netpol",
    "egress-open",
    "host-level-pod",
    "capabilities-added",
    "runs-as-root",
    "no-cpu-limit",
];

const SYSTEM_NAMESPACES: &[&str] = &["kube-system", "kube-public", "kube-node-lease"];

pub fn run(o: &Objects, s: &Scope, c: &Content) -> Vec<Raw> {
    let mut out = Vec::new();
    identity_can(o, s, &mut out);
    cluster_admin(o, &mut out);
    token_automounted(o, s, &mut out);
    shared_identity(o, s, &mut out);
    admission(o, s, &mut out);
    images(o, s, c, &mut out);
    sensors(o, &mut out);
    network(o, s, &mut out);
    host_level_pods(o, s, &mut out);
    pod_privileges(o, s, &mut out);
    out
}

fn raw(check: &'static str, vars: Vec<(&'static str, String)>, evidence: Vec<String>, objects: Vec<i64>) -> Raw {
    Raw { check, vars, evidence, objects }
}

fn subject_of(identity: &str) -> String {
    match sa_parts(identity) {
        Some((ns, name)) => format!("service account {}/{}", ns, name),
        None => identity.to_string(),
    }
}

/// Dangerous things a role's rules allow, in words.
fn powers(rules: &Value) -> Vec<String> {
    let mut out = Vec::new();
    for r in rules.as_array().into_iter().flatten() {
        let res = strings(r.get("resources"));
        let verbs = strings(r.get("verbs"));
        let has_res = |x: &str| res.iter().any(|r| r == x || r == "*");
        let has_verb = |x: &[&str]| verbs.iter().any(|v| v == "*" || x.contains(&v.as_str()));
        let vlist = |x: &[&str]| verbs.iter().filter(|v| *v == "*" || x.contains(&v.as_str())).cloned().collect::<Vec<_>>().join(",");
        if verbs.iter().any(|v| v == "*") && res.iter().any(|r| r == "*") {
            out.push("do anything to any resource".to_string());
            continue;
        }
        if has_res("secrets") && has_verb(&["get", "list", "watch"]) {
            out.push(format!("{} secrets", vlist(&["get", "list", "watch"])));
        }
        if has_res("pods") && has_verb(&["create"]) {
            out.push("create pods".into());
        }
        if has_res("pods/exec") && has_verb(&["create", "get"]) {
            out.push("exec into pods".into());
        }
        if (has_res("roles") || has_res("clusterroles") || has_res("rolebindings") || has_res("clusterrolebindings")) && has_verb(&["bind", "escalate", "create", "update", "patch"]) {
            out.push("grant itself more rights (bind, escalate or write roles)".into());
        }
        if has_verb(&["impersonate"]) {
            out.push("impersonate other identities".into());
        }
    }
    out.dedup();
    out
}

fn identity_can(o: &Objects, s: &Scope, out: &mut Vec<Raw>) {
    for identity in &s.identities {
        for b in bindings_of(o, identity) {
            for what in powers(b.role.f.get("rules").unwrap_or(&Value::Null)) {
                out.push(raw(
                    "identity-can",
                    vec![("subject", subject_of(identity)), ("what", what.clone()), ("scope", b.scope()), ("binding", b.binding.label()), ("role", b.role.label())],
                    vec![
                        format!("{} binds {} to {}", b.binding.label(), strings(b.binding.f.get("subjects")).join(", "), b.role.label()),
                        format!("{} allows: {}", b.role.label(), strings(b.role.f.get("rule_summary")).join("; ")),
                    ],
                    vec![b.binding.id, b.role.id],
                ));
            }
        }
    }
}

fn cluster_admin(o: &Objects, out: &mut Vec<Raw>) {
    for b in o.of("ClusterRoleBinding") {
        if b.str("role_ref") != Some("cluster-admin") {
            continue;
        }
        for subject in strings(b.f.get("subjects")) {
            if subject.starts_with("system:masters") || subject == "system:masters" {
                continue;
            }
            out.push(raw("cluster-admin-binding", vec![("subject", subject_of(&subject)), ("binding", b.label())], vec![format!("{} → ClusterRole cluster-admin", b.label())], vec![b.id]));
        }
    }
}

fn pods_in_scope<'a>(o: &'a Objects, s: &'a Scope) -> impl Iterator<Item = &'a Obj> + 'a {
    o.of("Pod").filter(move |p| s.pods.iter().any(|k| *k == format!("{}/{}", p.namespace.as_deref().unwrap_or_default(), p.name)))
}

fn identity_of(p: &Obj) -> String {
    format!("system:serviceaccount:{}:{}", p.namespace.as_deref().unwrap_or_default(), p.str("service_account").unwrap_or("default"))
}

fn token_automounted(o: &Objects, s: &Scope, out: &mut Vec<Raw>) {
    for identity in &s.identities {
        let pods: Vec<&Obj> = pods_in_scope(o, s).filter(|p| identity_of(p) == *identity && p.flag("automount")).collect();
        if pods.is_empty() {
            continue;
        }
        out.push(raw(
            "token-automounted",
            vec![("subject", subject_of(identity)), ("pods", pods.iter().map(|p| p.label()).collect::<Vec<_>>().join(", "))],
            pods.iter().map(|p| format!("{}: automountServiceAccountToken is not false (serviceAccount {})", p.label(), p.str("service_account").unwrap_or("default"))).collect(),
            pods.iter().map(|p| p.id).collect(),
        ));
    }
}

pub(super) fn workload_of(p: &Obj) -> String {
    match (p.str("owner_kind"), p.str("owner_name")) {
        (Some("ReplicaSet"), Some(rs)) => match rs.rsplit_once('-') {
            Some((dep, _)) => format!("Deployment {}/{}", p.namespace.as_deref().unwrap_or_default(), dep),
            None => format!("ReplicaSet {}/{}", p.namespace.as_deref().unwrap_or_default(), rs),
        },
        (Some(k), Some(n)) => format!("{} {}/{}", k, p.namespace.as_deref().unwrap_or_default(), n),
        _ => p.label(),
    }
}

fn shared_identity(o: &Objects, s: &Scope, out: &mut Vec<Raw>) {
    for identity in &s.identities {
        let mine: Vec<String> = pods_in_scope(o, s).filter(|p| identity_of(p) == *identity).map(workload_of).collect();
        let mut others: Vec<(String, i64)> = o.of("Pod").filter(|p| identity_of(p) == *identity).map(|p| (workload_of(p), p.id)).filter(|(w, _)| !mine.contains(w)).collect();
        others.sort();
        others.dedup_by(|a, b| a.0 == b.0);
        if others.is_empty() {
            continue;
        }
        out.push(raw(
            "shared-identity",
            vec![("subject", subject_of(identity)), ("others", others.iter().map(|x| x.0.clone()).collect::<Vec<_>>().join(", "))],
            others.iter().map(|x| format!("{} runs as {}", x.0, subject_of(identity))).collect(),
            others.iter().map(|x| x.1).collect(),
        ));
    }
}

fn admission(o: &Objects, s: &Scope, out: &mut Vec<Raw>) {
    let vaps = o.of("ValidatingAdmissionPolicy").count();
    let engine_crds = o.of("CustomResourceDefinition").filter(|c| c.name.ends_with("kyverno.io") || c.name.ends_with("gatekeeper.sh")).count();
    let engine_hooks = o
        .of("ValidatingWebhookConfiguration")
        .chain(o.of("MutatingWebhookConfiguration"))
        .filter(|w| w.name.contains("kyverno") || w.name.contains("gatekeeper"))
        .count();
    if vaps == 0 && engine_crds == 0 && engine_hooks == 0 {
        out.push(raw(
            "no-admission-engine",
            vec![],
            vec![format!(
                "the snapshot's {} objects hold no ValidatingAdmissionPolicy, no Kyverno or Gatekeeper CustomResourceDefinition and no Kyverno or Gatekeeper webhook",
                o.len()
            )],
            vec![],
        ));
    }
    for ns in o.of("Namespace") {
        if SYSTEM_NAMESPACES.contains(&ns.name.as_str()) || !(s.whole_case || s.namespaces.contains(&ns.name)) {
            continue;
        }
        if !ns.labels().contains_key("pod-security.kubernetes.io/enforce") {
            out.push(raw("no-pod-security-labels", vec![("namespace", ns.name.clone())], vec![format!("{} has no pod-security.kubernetes.io/enforce label", ns.label())], vec![ns.id]));
        }
    }
    let privileged: Vec<&Obj> = o.of("Pod").filter(|p| host_level(p).is_some() && !SYSTEM_NAMESPACES.contains(&p.namespace.as_deref().unwrap_or_default())).collect();
    if !privileged.is_empty() {
        out.push(raw(
            "privileged-admitted",
            vec![("pods", privileged.iter().map(|p| p.label()).collect::<Vec<_>>().join(", "))],
            privileged.iter().map(|p| format!("{}: {}", p.label(), host_level(p).unwrap_or_default())).collect(),
            privileged.iter().map(|p| p.id).collect(),
        ));
    }
}

fn images(o: &Objects, s: &Scope, c: &Content, out: &mut Vec<Raw>) {
    for p in pods_in_scope(o, s) {
        for ct in p.f.get("containers").and_then(|v| v.as_array()).into_iter().flatten() {
            let Some(image) = ct.get("image").and_then(|v| v.as_str()) else { continue };
            if !image.contains("@sha256:") {
                let digest = ct.get("image_digest").and_then(|v| v.as_str()).map(|d| format!(" (it resolved to {} when the pod started)", d)).unwrap_or_default();
                out.push(raw("image-by-tag", vec![("workload", workload_of(p)), ("image", image.to_string())], vec![format!("{} container {}: image {}{}", p.label(), ct.get("name").and_then(|v| v.as_str()).unwrap_or("?"), image, digest)], vec![p.id]));
            }
            if !c.allowed_registries.is_empty() {
                let registry = image.split('/').next().unwrap_or_default();
                if !c.allowed_registries.iter().any(|r| r == registry) {
                    out.push(raw("registry-not-allowed", vec![("image", image.to_string()), ("allowed", c.allowed_registries.join(", "))], vec![format!("{} pulls {}", p.label(), image)], vec![p.id]));
                }
            }
        }
    }
}

const SENSORS: &[&str] = &["falco", "tetragon", "microsoft-defender", "defender"];

fn sensors(o: &Objects, out: &mut Vec<Raw>) {
    let sensor_sets: Vec<&Obj> = o.of("DaemonSet").filter(|d| SENSORS.iter().any(|s| d.name.contains(s))).collect();
    if sensor_sets.is_empty() {
        out.push(raw("no-runtime-sensor", vec![], vec![format!("none of the snapshot's {} DaemonSets is Falco, Tetragon or a Defender sensor", o.of("DaemonSet").count())], vec![]));
        return;
    }
    for node in o.of("Node") {
        let covered = o.of("Pod").any(|p| {
            p.str("node") == Some(node.name.as_str()) && p.str("owner_kind") == Some("DaemonSet") && sensor_sets.iter().any(|d| Some(d.name.as_str()) == p.str("owner_name"))
        });
        if !covered {
            out.push(raw(
                "node-without-sensor",
                vec![("node", node.name.clone())],
                vec![format!("no pod of {} runs on {}", sensor_sets.iter().map(|d| d.label()).collect::<Vec<_>>().join(", "), node.label())],
                vec![node.id],
            ));
        }
    }
}

fn selects(policy: &Obj, pod: &Obj) -> bool {
    if policy.namespace != pod.namespace {
        return false;
    }
    let sel: LabelSelector = policy.f.get("pod_selector").and_then(|v| serde_json::from_value(v.clone()).ok()).unwrap_or_default();
    selectors::matches(&sel, &pod.labels())
}

fn network(o: &Objects, s: &Scope, out: &mut Vec<Raw>) {
    for ns in &s.namespaces {
        if SYSTEM_NAMESPACES.contains(&ns.as_str()) {
            continue;
        }
        if o.of("NetworkPolicy").all(|p| p.namespace.as_deref() != Some(ns.as_str())) {
            let ids: Vec<i64> = o.find("Namespace", None, ns).map(|n| vec![n.id]).unwrap_or_default();
            out.push(raw("namespace-without-netpol", vec![("namespace", ns.clone())], vec![format!("the snapshot holds {} NetworkPolicies, none in {}", o.of("NetworkPolicy").count(), ns)], ids));
        }
    }
    for p in pods_in_scope(o, s) {
        let limiting: Vec<&Obj> = o
            .of("NetworkPolicy")
            .filter(|np| selects(np, p) && (np.flag("denies_all_egress") || np.f.get("egress").and_then(|e| e.as_array()).is_some_and(|a| !a.is_empty())))
            .collect();
        if limiting.is_empty() {
            out.push(raw(
                "egress-open",
                vec![("pod", format!("{}/{}", p.namespace.as_deref().unwrap_or_default(), p.name))],
                vec![format!("no NetworkPolicy restricts the egress of {}", p.label())],
                vec![p.id],
            ));
        }
    }
}

/// What makes a pod host-level, in words; None when nothing does.
fn host_level(p: &Obj) -> Option<String> {
    let mut what = Vec::new();
    if p.flag("privileged") {
        what.push("privileged containers".to_string());
    }
    for (k, w) in [("host_network", "the host's network"), ("host_pid", "the host's PID namespace"), ("host_ipc", "the host's IPC namespace")] {
        if p.flag(k) {
            what.push(w.to_string());
        }
    }
    let paths = strings(p.f.get("host_path_volumes"));
    if !paths.is_empty() {
        what.push(format!("hostPath {}", paths.join(", ")));
    }
    (!what.is_empty()).then(|| what.join(", "))
}

fn host_level_pods(o: &Objects, s: &Scope, out: &mut Vec<Raw>) {
    for p in pods_in_scope(o, s) {
        if let Some(what) = host_level(p) {
            out.push(raw("host-level-pod", vec![("pod", p.label()), ("what", what.clone())], vec![format!("{} runs with {}", p.label(), what)], vec![p.id]));
        }
    }
}

/// Added capabilities, root users and missing CPU limits of the pods in scope.
fn pod_privileges(o: &Objects, s: &Scope, out: &mut Vec<Raw>) {
    for p in pods_in_scope(o, s) {
        let caps = strings(p.f.get("capabilities_add"));
        if !caps.is_empty() {
            let list = caps.join(", ");
            out.push(raw("capabilities-added", vec![("pod", p.label()), ("caps", list.clone())], vec![format!("{} adds the capabilities {}", p.label(), list)], vec![p.id]));
        }
        let roots: Vec<(String, String)> = p
            .f
            .get("root_containers")
            .and_then(|v| v.as_array())
            .into_iter()
            .flatten()
            .map(|c| (c["container"].as_str().unwrap_or_default().to_string(), c["how"].as_str().unwrap_or_default().to_string()))
            .collect();
        if !roots.is_empty() {
            let names = roots.iter().map(|r| r.0.clone()).collect::<Vec<_>>().join(", ");
            let evidence = roots.iter().map(|(c, how)| format!("{} container {}: {}", p.label(), c, how)).collect();
            out.push(raw("runs-as-root", vec![("pod", p.label()), ("containers", names)], evidence, vec![p.id]));
        }
        let unlimited = strings(p.f.get("no_cpu_limit"));
        if !unlimited.is_empty() {
            let names = unlimited.join(", ");
            out.push(raw(
                "no-cpu-limit",
                vec![("pod", p.label()), ("containers", names.clone()), ("namespace", p.namespace.clone().unwrap_or_default())],
                vec![format!("{} container(s) {} have no resources.limits.cpu", p.label(), names)],
                vec![p.id],
            ));
        }
    }
}
