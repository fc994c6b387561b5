//! An incident's evidence beyond its signals.
//!
//! * Context: telemetry (audit requests, Tetragon events, Kubernetes events)
//!   naming one of the incident's joining entities within its time span —
//!   the nmap scan's hundreds of connections, the stolen token's requests.
//! * Facts: the snapshot's objects about the incident's pods, their owners
//!   (up the chain: ReplicaSet → Deployment, Job → CronJob) and identities,
//!   whenever the snapshot was taken. They say what the pod is, who owns it,
//!   which node runs it, what the identity may do.
//!
//! Both are computed when asked, from the case as it is, so a later import
//! of more telemetry shows up without re-correlating.

use super::config::Config;
use super::group::joining;
use super::read::{self, SignalRow};
use super::signals::{read_row, EntityCache, Read, Signal, SIGNAL_COLUMNS};
use crate::detect::ClusterRanges;
use crate::error::Result;
use crate::model::EntityKind;
use crate::store::Case;
use std::collections::{BTreeMap, BTreeSet, HashSet};

pub struct Evidence {
    pub incident: i64,
    pub signals: Vec<(Signal, SignalRow)>,
    pub context: Vec<Signal>,
    pub facts: Vec<Signal>,
    pub first_ns: i64,
    pub last_ns: i64,
    pub cluster: ClusterRanges,
}

/// Owner chains are short (Pod → ReplicaSet → Deployment, Pod → Job →
/// CronJob); the bound stops a malformed snapshot from looping.
const OWNER_DEPTH: usize = 4;

impl Evidence {
    /// The snapshot's object for an entity (the newest).
    pub fn object(&self, kind: EntityKind, key: &str) -> Option<&Signal> {
        self.facts.iter().rev().find(|f| f.entities.iter().any(|e| e.kind == kind && e.role == "subject" && e.key == key))
    }

    /// The owners of a snapshot object, nearest first, by workload key,
    /// each with its own object when the snapshot has it.
    pub fn owner_chain<'a>(&'a self, object: Option<&'a Signal>) -> Vec<(String, Option<&'a Signal>)> {
        let mut owners: Vec<(String, Option<&Signal>)> = Vec::new();
        let mut current = object;
        while let Some(obj) = current {
            let Some(owner) = obj.entities.iter().find(|e| e.kind == EntityKind::Workload && e.role == "owner") else { break };
            if owners.iter().any(|(k, _)| owner.key == *k) || owners.len() > OWNER_DEPTH {
                break;
            }
            let next = self.object(EntityKind::Workload, &owner.key);
            owners.push((owner.key.to_string(), next));
            current = next;
        }
        owners
    }
}

pub fn gather(case: &Case, id: i64, cfg: &Config) -> Result<Evidence> {
    let signals = read::signals(case, id)?;
    let cluster = ClusterRanges::learn(&case.conn)?;
    let first_ns = signals.iter().map(|(s, _)| s.time_ns).min().unwrap_or(0);
    let last_ns = signals.iter().map(|(s, _)| s.time_ns).max().unwrap_or(0);
    let conn = &case.conn;
    let mut cache = EntityCache::new();

    let mut keys: BTreeSet<i64> = BTreeSet::new();
    let mut pods: BTreeSet<i64> = BTreeSet::new();
    let mut identities: BTreeSet<i64> = BTreeSet::new();
    for (s, _) in &signals {
        for e in joining(s, cfg, &cluster) {
            keys.insert(e.id);
            match e.kind {
                EntityKind::Pod => {
                    pods.insert(e.id);
                }
                EntityKind::Identity => {
                    identities.insert(e.id);
                }
                _ => {}
            }
        }
    }
    let signal_ids: HashSet<i64> = signals.iter().map(|(s, _)| s.event_id).collect();

    let mut context: BTreeMap<(i64, i64), Signal> = BTreeMap::new();
    {
        let sql = format!(
            "SELECT {} FROM event_entities ee JOIN events e ON e.id = ee.event_id
             WHERE ee.entity_id = ?1 AND e.kind IN ('telemetry', 'k8s-event') AND e.time_ns BETWEEN ?2 AND ?3",
            SIGNAL_COLUMNS
        );
        let mut st = conn.prepare(&sql)?;
        let mut seen: HashSet<i64> = HashSet::new();
        for entity in &keys {
            let mut rows = st.query(rusqlite::params![entity, first_ns, last_ns])?;
            while let Some(r) = rows.next()? {
                let event_id: i64 = r.get(0)?;
                if signal_ids.contains(&event_id) || !seen.insert(event_id) {
                    continue;
                }
                let ev = read_row(conn, &mut cache, r, Read::Telemetry)?;
                context.insert((ev.time_ns, ev.key), ev);
            }
        }
    }

    // Facts: objects about the pods, their owner chain, and the identities.
    let mut facts: BTreeMap<(i64, i64), Signal> = BTreeMap::new();
    {
        let sql = format!(
            "SELECT {} FROM event_entities ee JOIN events e ON e.id = ee.event_id
             WHERE ee.entity_id = ?1 AND e.kind = 'object' AND ee.role = ?2",
            SIGNAL_COLUMNS
        );
        let mut st = conn.prepare(&sql)?;
        let mut seen: HashSet<i64> = HashSet::new();
        let mut frontier: Vec<(i64, &str)> = pods.iter().map(|p| (*p, "subject")).collect();
        // RoleBindings and ServiceAccounts name the identity as their subject.
        frontier.extend(identities.iter().map(|i| (*i, "subject")));
        frontier.extend(identities.iter().map(|i| (*i, "service-account")));
        let mut visited: HashSet<i64> = HashSet::new();
        for _ in 0..=OWNER_DEPTH {
            let mut next = Vec::new();
            for (entity, role) in frontier.drain(..) {
                let mut rows = st.query(rusqlite::params![entity, role])?;
                while let Some(r) = rows.next()? {
                    let event_id: i64 = r.get(0)?;
                    if !seen.insert(event_id) {
                        continue;
                    }
                    let ev = read_row(conn, &mut cache, r, Read::Object)?;
                    for owner in ev.entities.iter().filter(|e| e.kind == EntityKind::Workload && e.role == "owner") {
                        if visited.insert(owner.id) {
                            next.push((owner.id, "subject"));
                        }
                    }
                    facts.insert((ev.time_ns, ev.key), ev);
                }
            }
            if next.is_empty() {
                break;
            }
            frontier = next;
        }
    }

    Ok(Evidence {
        incident: id,
        signals,
        context: context.into_values().collect(),
        facts: facts.into_values().collect(),
        first_ns,
        last_ns,
        cluster,
    })
}

impl Evidence {
    /// Every event of the incident: signals, then context, then facts.
    pub fn all(&self) -> impl Iterator<Item = &Signal> {
        self.signals.iter().map(|(s, _)| s).chain(self.context.iter()).chain(self.facts.iter())
    }
}
