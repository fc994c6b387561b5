//! Which rule of the playbook each workload an incident affects falls
//! under, from what the case knows of the workload: its namespace, the
//! cluster, the pod's labels and the owner chain (from a snapshot, or from
//! the sensors that name them).
//!
//! A rule is only said to match on facts the case holds. When an earlier
//! rule asks for a fact the case lacks (the pod's labels with no snapshot),
//! the match says so: the team's rule may have been meant for that workload,
//! and an investigator should not take the fallback for a decision.

use super::format::{glob, Playbook, Rule};
use crate::error::Result;
use crate::incident::evidence::Evidence;
use crate::incident::signals::Signal;
use crate::model::EntityKind;
use crate::store::Case;
use serde::Serialize;
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};

/// An affected workload as the case knows it.
#[derive(Debug, Clone, Serialize, PartialEq, Default)]
pub struct Workload {
    /// `namespace/name` of the pod.
    pub pod: String,
    pub namespace: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cluster: Option<String>,
    /// The pod's labels; `None` when the case holds none of them.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub labels: Option<BTreeMap<String, String>>,
    /// Owners, nearest first: `ReplicaSet`, then `Deployment`.
    pub owners: Vec<Owner>,
}

/// A workload that owns a pod (or owns its owner).
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Owner {
    pub kind: String,
    pub name: String,
}

/// The rule a workload falls under.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Match {
    pub workload: Workload,
    /// The rule's id; `None` when no rule matches.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rule: Option<String>,
    /// The facts the rule matched on, in words.
    pub because: Vec<String>,
    /// Facts earlier rules asked for that the case does not hold.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub unknown: Vec<String>,
}

/// Whether a rule takes the workload: `Ok(facts matched)`, or `Err` with
/// the facts the case lacks to tell (empty when a known fact differs).
fn test(rule: &Rule, w: &Workload) -> std::result::Result<Vec<String>, Vec<String>> {
    let s = &rule.selector;
    let mut because = Vec::new();
    let mut unknown = Vec::new();
    let mut differs = false;
    if !s.clusters.is_empty() {
        match &w.cluster {
            Some(c) if s.clusters.iter().any(|p| glob(p, c)) => because.push(format!("cluster {}", c)),
            Some(_) => differs = true,
            None => unknown.push("the cluster".to_string()),
        }
    }
    if !s.namespaces.is_empty() {
        if s.namespaces.iter().any(|p| glob(p, &w.namespace)) {
            because.push(format!("namespace {}", w.namespace));
        } else {
            differs = true;
        }
    }
    if !s.labels.is_empty() {
        match &w.labels {
            Some(labels) => {
                for (k, p) in &s.labels {
                    match labels.get(k) {
                        Some(v) if glob(p, v) => because.push(format!("label {}={}", k, v)),
                        _ => differs = true,
                    }
                }
            }
            None => unknown.push("the pod's labels".to_string()),
        }
    }
    if !s.owner_kinds.is_empty() || !s.owners.is_empty() {
        if w.owners.is_empty() {
            unknown.push("the pod's owner".to_string());
        } else {
            let kind = s.owner_kinds.is_empty()
                || w.owners.iter().any(|o| s.owner_kinds.iter().any(|p| glob(&p.to_ascii_lowercase(), &o.kind.to_ascii_lowercase())));
            let name = s.owners.is_empty() || w.owners.iter().any(|o| s.owners.iter().any(|p| glob(p, &o.name)));
            if kind && name {
                let top = w.owners.last().expect("owners is not empty");
                because.push(format!("owned by {} {}", top.kind, top.name));
            } else {
                differs = true;
            }
        }
    }
    if differs {
        return Err(Vec::new());
    }
    if !unknown.is_empty() {
        return Err(unknown);
    }
    if because.is_empty() {
        because.push("every workload".to_string());
    }
    Ok(because)
}

/// The first rule that takes the workload.
pub fn rule_for(playbook: &Playbook, w: &Workload) -> Match {
    let mut unknown: Vec<String> = Vec::new();
    for rule in &playbook.rules {
        match test(rule, w) {
            Ok(because) => return Match { workload: w.clone(), rule: Some(rule.id.clone()), because, unknown },
            Err(missing) => {
                for m in missing {
                    let m = format!("{} (rule `{}` asks for it)", m, rule.id);
                    if !unknown.contains(&m) {
                        unknown.push(m);
                    }
                }
            }
        }
    }
    Match { workload: w.clone(), rule: None, because: Vec::new(), unknown }
}

/// The workloads an incident affects: every pod its signals name, with
/// what the snapshot and the signals say of it.
pub fn affected(case: &Case, ev: &Evidence) -> Result<Vec<Workload>> {
    let mut pods: BTreeMap<String, (i64, Vec<&Signal>)> = BTreeMap::new();
    for (s, _) in &ev.signals {
        for p in s.entities_of(EntityKind::Pod) {
            pods.entry(p.key.to_string()).or_insert((p.id, Vec::new())).1.push(s);
        }
    }
    let mut out = Vec::new();
    for (pod, (entity, sigs)) in pods {
        let namespace = pod.split_once('/').map(|(ns, _)| ns.to_string()).unwrap_or_default();
        let object = ev.object(EntityKind::Pod, &pod);
        let cluster = object
            .and_then(|o| o.field_str("cluster"))
            .or_else(|| sigs.iter().find_map(|s| s.field_str("cluster")))
            .or_else(|| sigs.iter().find_map(|s| s.entities_of(EntityKind::Cluster).next().map(|c| &*c.key)))
            .map(str::to_string);
        let labels = match object.and_then(|o| o.fields.get("labels")) {
            Some(Value::Object(m)) => Some(string_map(m)),
            _ => entity_labels(case, entity)?,
        };
        out.push(Workload { owners: owners(ev, object, &sigs), pod, namespace, cluster, labels });
    }
    Ok(out)
}

fn string_map(m: &serde_json::Map<String, Value>) -> BTreeMap<String, String> {
    m.iter().filter_map(|(k, v)| Some((k.clone(), v.as_str()?.to_string()))).collect()
}

/// The labels a sensor gave the pod (Hubble's endpoint labels, a
/// snapshot's pod), kept as the entity's attribute.
fn entity_labels(case: &Case, entity: i64) -> Result<Option<BTreeMap<String, String>>> {
    use rusqlite::OptionalExtension;
    let value: Option<String> = case
        .conn
        .query_row("SELECT value FROM entity_attrs WHERE entity_id = ?1 AND name = 'labels'", [entity], |r| r.get(0))
        .optional()?;
    Ok(value.and_then(|v| match serde_json::from_str(&v) {
        Ok(Value::Object(m)) => Some(string_map(&m)),
        _ => None,
    }))
}

/// A workload key, `namespace/Kind/name`, as its owner.
fn owner_of(key: &str) -> Option<Owner> {
    let mut p = key.splitn(3, '/');
    let (_, kind, name) = (p.next()?, p.next()?, p.next()?);
    Some(Owner { kind: kind.to_string(), name: name.to_string() })
}

/// The owner chain: from the snapshot when it has the pod, else the
/// workloads the signals name beside it.
fn owners(ev: &Evidence, object: Option<&Signal>, sigs: &[&Signal]) -> Vec<Owner> {
    let mut chain: Vec<String> = ev.owner_chain(object).into_iter().map(|(k, _)| k).collect();
    if chain.is_empty() {
        let named: BTreeSet<&str> = sigs.iter().flat_map(|s| s.entities_of(EntityKind::Workload)).map(|e| &*e.key).collect();
        chain.extend(named.into_iter().map(str::to_string));
    }
    chain.iter().filter_map(|k| owner_of(k)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const BOOK: &str = "version: 1
name: t
rules:
  - id: by-label
    match: {labels: {app: 'pay*'}, owner_kinds: [deployment]}
    criticality: critical
    containment: {preferred: isolate}
  - id: prod
    match: {clusters: ['*-prod']}
    criticality: high
    containment: {preferred: isolate}
  - id: rest
    criticality: low
    containment: {preferred: terminate}
";

    fn workload(cluster: Option<&str>, labels: Option<&[(&str, &str)]>, owner: Option<(&str, &str)>) -> Workload {
        Workload {
            pod: "pay/ledger-1".into(),
            namespace: "pay".into(),
            cluster: cluster.map(str::to_string),
            labels: labels.map(|l| l.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()),
            owners: owner.into_iter().map(|(k, n)| Owner { kind: k.into(), name: n.into() }).collect(),
        }
    }

    #[test]
    fn the_first_rule_whose_every_condition_holds_takes_the_workload() {
        let book = Playbook::parse("t.yaml", BOOK).unwrap();
        let m = rule_for(&book, &workload(Some("eu-prod"), Some(&[("app", "payments")]), Some(("Deployment", "ledger"))));
        assert_eq!(m.rule.as_deref(), Some("by-label"));
        assert_eq!(m.because, ["label app=payments", "owned by Deployment ledger"]);
        assert!(m.unknown.is_empty());
        // A label that differs: the next rule.
        let m = rule_for(&book, &workload(Some("eu-prod"), Some(&[("app", "cart")]), Some(("Deployment", "cart"))));
        assert_eq!(m.rule.as_deref(), Some("prod"));
        assert!(m.unknown.is_empty(), "a fact that differs is not an unknown one: {:?}", m.unknown);
    }

    #[test]
    fn a_fact_the_case_lacks_is_said_and_never_taken_for_a_match() {
        let book = Playbook::parse("t.yaml", BOOK).unwrap();
        let m = rule_for(&book, &workload(None, None, Some(("Deployment", "ledger"))));
        assert_eq!(m.rule.as_deref(), Some("rest"));
        assert_eq!(
            m.unknown,
            ["the pod's labels (rule `by-label` asks for it)", "the cluster (rule `prod` asks for it)"]
        );
    }
}
