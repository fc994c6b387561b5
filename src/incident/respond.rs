//! The recommended response — isolate or terminate the incident's pod — and
//! the follow-up checklist, each reason drawn from a fact in the case.
//!
//! The weighing follows what responders argue about: deleting a pod that a
//! controller owns only replaces it with a fresh one from the same image;
//! deleting it also destroys what lives only in the running container
//! (processes, files written at run time); isolation by NetworkPolicy only
//! works where an engine enforces it; and neither action revokes a stolen
//! credential used from outside. Engines and writable paths are data
//! (`data/response.yaml`).

use crate::text::and_list;
use super::evidence::Evidence;
use super::signals::Signal;
use super::summary::subject_label;
use crate::error::Result;
use crate::model::EntityKind;
use crate::store::{format_id, Case};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use std::collections::{BTreeMap, BTreeSet};
use std::sync::OnceLock;

pub const RESPONSE_YAML: &str = include_str!("../../data/response.yaml");

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Engine {
    pub name: String,
    pub workloads: Vec<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ResponseData {
    version: u32,
    pub network_policy_engines: Vec<Engine>,
    pub writable_paths: Vec<String>,
}

pub fn data() -> &'static ResponseData {
    static D: OnceLock<ResponseData> = OnceLock::new();
    D.get_or_init(|| {
        let d: ResponseData = serde_yaml_ng::from_str(RESPONSE_YAML).expect("data/response.yaml is valid (pinned by tests)");
        assert_eq!(d.version, 1, "data/response.yaml version");
        d
    })
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Target {
    /// `namespace/name`.
    pub pod: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub uid: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub node: Option<String>,
    /// Owner chain, nearest first: `ReplicaSet shop/cart-7f9c6d8b5`, `Deployment shop/cart`.
    pub owners: Vec<String>,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Reason {
    /// `isolate`, `terminate` or `both`.
    pub favours: String,
    pub text: String,
    /// Event ids of the facts behind it.
    pub evidence: Vec<String>,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct FollowUp {
    /// `rotate-credentials`, `reduce-rbac`, `image-provenance`, `network-policy`,
    /// `admission-control`, `hardening:<check>` for a hardening finding's own
    /// item, or `playbook:<step>` for a step of the playbook's rule.
    pub item: String,
    pub text: String,
    /// The hardening findings behind this item (from the case's snapshot).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub findings: Vec<FindingRef>,
}

/// A hardening finding as the follow-up checklist names it.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct FindingRef {
    pub check: String,
    pub severity: String,
    pub title: String,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Recommendation {
    /// `isolate`, `terminate`, or `none` when the incident names no pod.
    pub action: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub target: Option<Target>,
    pub headline: String,
    pub reasons: Vec<Reason>,
    pub follow_up: Vec<FollowUp>,
    /// The playbook rule the pod falls under, and where it and the facts
    /// disagree (set by the incident's detail).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub playbook: Option<crate::playbook::Citation>,
}

fn str_field<'a>(f: &'a Map<String, Value>, name: &str) -> Option<&'a str> {
    f.get(name).and_then(Value::as_str).filter(|s| !s.is_empty())
}

fn ids<'a>(evs: impl IntoIterator<Item = &'a Signal>) -> Vec<String> {
    let set: BTreeSet<i64> = evs.into_iter().map(|e| e.key).collect();
    set.into_iter().map(format_id).collect()
}


fn workload_label(key: &str) -> String {
    let mut p = key.splitn(3, '/');
    let (ns, kind, name) = (p.next().unwrap_or(""), p.next().unwrap_or(""), p.next().unwrap_or(key));
    if ns == "-" {
        format!("{} {}", kind, name)
    } else {
        format!("{} {}/{}", kind, ns, name)
    }
}

/// Engines running in the cluster, by their DaemonSets or pods in the snapshot.
fn engines_seen(case: &Case) -> Result<Vec<(String, Signal)>> {
    let mut st = case.conn.prepare(&format!(
        "SELECT {} FROM events e WHERE e.kind = 'object' AND e.rule IN ('DaemonSet', 'Pod') ORDER BY e.key",
        super::signals::SIGNAL_COLUMNS
    ))?;
    let mut rows = st.query([])?;
    let mut cache = super::signals::EntityCache::new();
    let mut out: BTreeMap<String, Signal> = BTreeMap::new();
    while let Some(r) = rows.next()? {
        let ev = super::signals::read_row(&case.conn, &mut cache, r, super::signals::Read::Object)?;
        let rule = ev.rule.clone().unwrap_or_default();
        // A pod counts by its owning DaemonSet's name; a DaemonSet by its own.
        let name = if rule == "DaemonSet" {
            str_field(&ev.fields, "name").map(str::to_string)
        } else {
            (str_field(&ev.fields, "owner_kind") == Some("DaemonSet")).then(|| str_field(&ev.fields, "owner_name").map(str::to_string)).flatten()
        };
        let Some(name) = name else { continue };
        for engine in &data().network_policy_engines {
            if engine.workloads.iter().any(|w| w == &name) && !out.contains_key(&engine.name) {
                out.insert(engine.name.clone(), ev.clone());
            }
        }
    }
    Ok(out.into_iter().collect())
}

fn network_policies_in(case: &Case, namespace: &str) -> Result<Vec<String>> {
    let mut st = case.conn.prepare(
        "SELECT DISTINCT json_extract(fields, '$.name') FROM events
         WHERE kind = 'object' AND rule = 'NetworkPolicy' AND json_extract(fields, '$.namespace') = ?1 ORDER BY 1",
    )?;
    let names = st.query_map([namespace], |r| r.get::<_, Option<String>>(0))?.collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(names.into_iter().flatten().collect())
}

pub fn recommend(case: &Case, ev: &Evidence) -> Result<Recommendation> {
    let sigs: Vec<&Signal> = ev.signals.iter().map(|(s, _)| s).collect();
    // The pod most signals name.
    let mut pods: BTreeMap<&str, usize> = BTreeMap::new();
    for s in &sigs {
        let named: BTreeSet<&str> = s.entities_of(EntityKind::Pod).map(|e| e.key.as_str()).collect();
        for p in named {
            *pods.entry(p).or_default() += 1;
        }
    }
    let pod = pods.iter().max_by_key(|(k, n)| (**n, std::cmp::Reverse(**k))).map(|(k, _)| k.to_string());
    let mut reasons = Vec::new();
    let mut follow_up = Vec::new();

    // Credentials: a workload identity used from outside, secrets read.
    let mut outside: BTreeMap<String, (BTreeSet<String>, Vec<&Signal>)> = BTreeMap::new();
    for s in &sigs {
        let Some(id) = s.entity(EntityKind::Identity, "actor") else { continue };
        for ip in s.entities.iter().filter(|e| e.kind == EntityKind::Ip && e.role == "source-ip") {
            if ip.key.parse().is_ok_and(|a| ev.cluster.is_outside(a)) {
                let e = outside.entry(id.key.to_string()).or_default();
                e.0.insert(ip.key.to_string());
                e.1.push(s);
            }
        }
    }
    let secrets: Vec<&Signal> = sigs.iter().copied().filter(|s| s.mapped.techniques.iter().any(|t| t.starts_with("T1552"))).collect();
    let bindings: Vec<&Signal> = ev
        .facts
        .iter()
        .filter(|f| matches!(f.rule.as_deref(), Some("RoleBinding") | Some("ClusterRoleBinding")))
        .filter(|f| f.entities.iter().any(|e| e.kind == EntityKind::Identity && e.role == "subject" && outside.contains_key(e.key.as_str())))
        .collect();

    let Some(pod) = pod else {
        return Ok(Recommendation {
            action: "none".into(),
            target: None,
            headline: "No pod to contain: the incident's signals name no pod. Review the identities and addresses instead.".into(),
            reasons,
            follow_up,
            playbook: None,
        });
    };
    let namespace = pod.split('/').next().unwrap_or("").to_string();
    let pod_obj = ev.object(EntityKind::Pod, &pod);
    let uid = pod_obj.and_then(|o| str_field(&o.fields, "uid")).map(str::to_string);
    let node = pod_obj.and_then(|o| str_field(&o.fields, "node")).map(str::to_string);

    // Owner chain, from the snapshot.
    let owners = ev.owner_chain(pod_obj);
    let image = pod_obj.and_then(|o| o.entities_of(EntityKind::Image).next()).map(|e| e.key.clone());
    if let Some((top, top_obj)) = owners.last() {
        let replicas = top_obj.and_then(|o| o.fields.get("replicas")).and_then(Value::as_i64);
        let chain: Vec<String> = owners.iter().map(|(k, _)| workload_label(k)).collect();
        let mut text = format!(
            "Terminating `{}` does not end the attack: {} will start a new pod{} in its place",
            pod,
            and_list(&chain),
            image.as_ref().map(|i| format!(" from the same image `{}`", i)).unwrap_or_default()
        );
        if let Some(n) = replicas {
            text.push_str(&format!(" ({} wants {} replica{})", workload_label(top), n, if n == 1 { "" } else { "s" }));
        }
        text.push_str(", and whatever let the attacker in is still there.");
        let mut evs: Vec<&Signal> = owners.iter().filter_map(|(_, o)| *o).collect();
        evs.extend(pod_obj);
        reasons.push(Reason { favours: "isolate".into(), text, evidence: ids(evs) });
    }

    // What termination destroys: processes and files only the running container holds.
    let writable = &data().writable_paths;
    let mut running: BTreeSet<String> = BTreeSet::new();
    let mut written: BTreeSet<String> = BTreeSet::new();
    let mut volatile_ev: Vec<&Signal> = Vec::new();
    for s in &sigs {
        if !s.entities_of(EntityKind::Pod).any(|p| p.key == pod) {
            continue;
        }
        for p in s.entities.iter().filter(|e| e.kind == EntityKind::Process && e.role == "process") {
            let path = subject_label(p.kind, &p.key);
            running.insert(path.clone());
            if writable.iter().any(|w| path.starts_with(w.as_str())) {
                written.insert(path);
                volatile_ev.push(s);
            }
        }
        for f in s.entities_of(EntityKind::File) {
            if writable.iter().any(|w| f.key.starts_with(w.as_str())) {
                written.insert(f.key.to_string());
                volatile_ev.push(s);
            }
        }
    }
    if !running.is_empty() || !written.is_empty() {
        let mut text = String::from("Terminating destroys evidence that lives only in the running container:");
        if !running.is_empty() {
            text.push_str(&format!(" the processes {}", and_list(&running.iter().map(|p| format!("`{}`", p)).collect::<Vec<_>>())));
        }
        if !written.is_empty() {
            text.push_str(&format!(
                "{} the files written at run time {}",
                if running.is_empty() { "" } else { " and" },
                and_list(&written.iter().map(|p| format!("`{}`", p)).collect::<Vec<_>>())
            ));
        }
        text.push_str(". Isolation keeps them for capture (memory, file system, `kubectl cp`).");
        reasons.push(Reason { favours: "isolate".into(), text, evidence: ids(volatile_ev) });
    }

    // Network policy enforcement.
    let engines = engines_seen(case)?;
    let enforced = !engines.is_empty();
    if enforced {
        let names: Vec<String> = engines.iter().map(|(n, _)| n.clone()).collect();
        let conns: BTreeSet<String> = sigs
            .iter()
            .filter(|s| s.entities_of(EntityKind::Pod).any(|p| p.key == pod))
            .flat_map(|s| s.entities.iter().filter(|e| e.kind == EntityKind::Ip && e.role == "destination-ip"))
            .filter(|e| e.key.parse().is_ok_and(|a| ev.cluster.is_outside(a)))
            .map(|e| e.key.to_string())
            .collect();
        let mut text = format!(
            "{} enforces NetworkPolicy in this cluster (seen in the snapshot), so a deny-all policy on this pod alone cuts it off in both directions",
            and_list(&names)
        );
        if !conns.is_empty() {
            text.push_str(&format!(", including from {}", and_list(&conns.into_iter().collect::<Vec<_>>())));
        }
        text.push('.');
        reasons.push(Reason { favours: "isolate".into(), text, evidence: ids(engines.iter().map(|(_, e)| e)) });
    } else {
        reasons.push(Reason {
            favours: "terminate".into(),
            text: "No network-policy engine (Calico, Cilium, Azure NPM, the AWS network-policy agent, Antrea …) was seen in the snapshot: a NetworkPolicy may not be enforced, so isolation may not cut the pod off. Check before relying on it.".into(),
            evidence: Vec::new(),
        });
    }
    let policies = network_policies_in(case, &namespace)?;
    if policies.is_empty() {
        follow_up.push(FollowUp {
            item: "network-policy".into(),
            text: format!("Add NetworkPolicy to `{}`: none exists, so every pod may reach the internet and the cluster; a default-deny egress policy would have stopped the outbound connections.", namespace),
            findings: Vec::new(),
        });
    } else {
        reasons.push(Reason {
            favours: "both".into(),
            text: format!(
                "NetworkPolicies already exist in `{}` ({}). Policies add up: whatever one of them allows this pod stays allowed after isolation; the containment preflight lists exactly what.",
                namespace,
                policies.join(", ")
            ),
            evidence: Vec::new(),
        });
    }

    // Stolen credentials: neither action revokes them by itself.
    for (identity, (ips, evs)) in &outside {
        let who = subject_label(EntityKind::Identity, identity);
        reasons.push(Reason {
            favours: "both".into(),
            text: format!(
                "The {}'s token was used from {}, outside the cluster. Isolation does not stop that: the attacker talks to the API server, not to the pod, and the token stays valid while the pod exists. Deleting the pod invalidates a token bound to it, but anything the token read is already out.",
                who,
                and_list(&ips.iter().cloned().collect::<Vec<_>>())
            ),
            evidence: ids(evs.iter().copied()),
        });
        let mut text = format!("Rotate the credentials: the {}'s tokens", who);
        if !secrets.is_empty() {
            text.push_str(" and every secret it listed or read");
        }
        text.push('.');
        follow_up.push(FollowUp { item: "rotate-credentials".into(), text, findings: Vec::new() });
    }
    if !bindings.is_empty() {
        let names: Vec<String> = bindings
            .iter()
            .map(|b| {
                let kind = b.rule.as_deref().unwrap_or("RoleBinding");
                let ns = str_field(&b.fields, "namespace").map(|n| format!("{}/", n)).unwrap_or_default();
                let role = str_field(&b.fields, "role_ref").unwrap_or("?");
                format!("{} `{}{}` (→ {})", kind, ns, str_field(&b.fields, "name").unwrap_or("?"), role)
            })
            .collect();
        follow_up.push(FollowUp {
            item: "reduce-rbac".into(),
            text: format!("Reduce the identity's RBAC to what the application needs: it is bound by {}.", and_list(&names)),
            findings: Vec::new(),
        });
    }
    if let Some(img) = &image {
        let text = if img.contains("@sha256:") {
            format!("Check the image's provenance: `{}` is pinned by digest; verify its signature and build.", img)
        } else {
            format!("Check the image's provenance: `{}` is referenced by tag, not digest; find which digest ran, scan it, and pin images by digest.", img)
        };
        follow_up.push(FollowUp { item: "image-provenance".into(), text, findings: Vec::new() });
    }
    follow_up.push(FollowUp {
        item: "admission-control".into(),
        text: "Add admission control: enforce Pod Security `restricted` and a read-only root file system where possible (a ValidatingAdmissionPolicy, Kyverno or Gatekeeper), so that binaries written at run time cannot execute and privileged pods are refused.".into(),
        findings: Vec::new(),
    });

    let isolate = enforced;
    let (action, headline) = if isolate {
        (
            "isolate",
            format!(
                "Isolate `{}` first: it cuts the pod off the network in both directions and keeps its processes and files as evidence. Terminate it once the evidence is captured and the credentials are rotated.",
                pod
            ),
        )
    } else {
        (
            "terminate",
            format!(
                "Terminate `{}` after capturing what you need from it: without an enforcing network-policy engine, isolation may not hold.",
                pod
            ),
        )
    };
    Ok(Recommendation {
        action: action.into(),
        target: Some(Target {
            pod,
            uid,
            node,
            owners: owners.iter().map(|(k, _)| workload_label(k)).collect(),
        }),
        headline,
        reasons,
        follow_up,
        playbook: None,
    })
}
