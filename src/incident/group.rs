//! Which signals belong together, and why: the pure half of correlation.
//!
//! Two signals are linked when they name the same joining entity (a pod, a
//! container, a workload's own identity, an address outside the cluster) and
//! lie within the window of each other; incidents are the connected groups.
//! Links are only made between neighbours in time on each entity, which is
//! enough for connectivity (a chain within the window) and keeps the work
//! O(n log n) for thousands of signals. Everything is ordered by time and
//! stable key, never by row id, so import order cannot change the result.
//!
//! Evidence from two clusters never joins: a signal that names a cluster
//! (an audit event from a managed cluster's log export, a Defender alert)
//! joins only signals of the same cluster or of none named (a Falco alert
//! knows no cluster), and a group takes the cluster of its first signal
//! that names one. Links are tried in a fixed order, so which group a
//! cluster-less signal joins, when it could join two, never depends on
//! import order.

use super::config::Config;
use super::signals::{Named, Signal};
use crate::detect::ClusterRanges;
use crate::model::EntityKind;
use std::collections::{BTreeMap, HashMap};

/// Why a signal is in its group: it shares `entity` with signal `with`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Why {
    pub entity: i64,
    pub kind: EntityKind,
    pub key: String,
    /// Index into the signals slice.
    pub with: usize,
}

#[derive(Debug, Clone)]
pub struct Group {
    /// Indices into the signals slice, in time order; the first is the
    /// group's anchor.
    pub members: Vec<usize>,
    /// Parallel to `members`; `None` for the anchor (and a lone signal).
    pub why: Vec<Option<Why>>,
}

/// The entities through which a signal may join others.
pub fn joining<'a>(s: &'a Signal, cfg: &Config, cluster: &ClusterRanges) -> Vec<&'a Named> {
    let mut out: Vec<&Named> = s
        .entities
        .iter()
        .filter(|e| cfg.join_kinds.contains(&e.kind))
        .filter(|e| match e.kind {
            EntityKind::Identity => !cfg.is_system_identity(&e.key),
            EntityKind::Ip => e.key.parse().is_ok_and(|ip| cluster.is_outside(ip)),
            _ => true,
        })
        .collect();
    out.sort_by_key(|e| e.id);
    out.dedup_by_key(|e| e.id);
    out
}

/// Disjoint sets of signals, each set with the cluster its signals name
/// (`None`: none named yet).
struct Dsu {
    parent: Vec<usize>,
    cluster: Vec<Option<i64>>,
}

impl Dsu {
    fn find(&mut self, mut x: usize) -> usize {
        while self.parent[x] != x {
            self.parent[x] = self.parent[self.parent[x]];
            x = self.parent[x];
        }
        x
    }

    /// Joins the sets of `a` and `b` unless they name different clusters;
    /// whether the two are now in one set.
    fn union(&mut self, a: usize, b: usize) -> bool {
        let (ra, rb) = (self.find(a), self.find(b));
        if ra == rb {
            return true;
        }
        let (ca, cb) = (self.cluster[ra], self.cluster[rb]);
        if ca.is_some() && cb.is_some() && ca != cb {
            return false;
        }
        // The earlier signal's root wins: roots are anchors.
        let (lo, hi) = if ra < rb { (ra, rb) } else { (rb, ra) };
        self.parent[hi] = lo;
        self.cluster[lo] = ca.or(cb);
        true
    }
}

/// The cluster a signal names: the first cluster entity (by id; a signal
/// naming two is read as of the first).
fn cluster_of(s: &Signal) -> Option<i64> {
    s.entities.iter().filter(|e| e.kind == EntityKind::Cluster).map(|e| e.id).min()
}

/// The pairs of signals (in time order) to try linking on one entity: each
/// signal with the nearest one before it that its cluster allows — of the
/// same cluster or of none named. Without clusters in conflict these are
/// plain neighbours; with them, plain neighbours would alternate between
/// clusters and no two signals of one cluster would ever meet.
fn neighbours(list: &[usize], clusters: &[Option<i64>]) -> Vec<(usize, usize)> {
    // The latest position in `list` seen of each cluster, and of any.
    let mut last: HashMap<Option<i64>, usize> = HashMap::new();
    let mut last_any: Option<usize> = None;
    let mut out = Vec::with_capacity(list.len());
    for (pos, &b) in list.iter().enumerate() {
        let c = clusters[b];
        let partner = match c {
            Some(_) => [last.get(&c), last.get(&None)].into_iter().flatten().max().copied(),
            None => last_any,
        };
        if let Some(p) = partner {
            out.push((list[p], b));
        }
        last.insert(c, pos);
        last_any = Some(pos);
    }
    out
}

/// Groups `signals` (sorted by time, then key). `skip[i]` leaves signal i
/// out entirely (signals a person placed by hand).
pub fn group(signals: &[Signal], skip: &[bool], cfg: &Config, cluster: &ClusterRanges) -> Vec<Group> {
    let n = signals.len();
    let mut dsu = Dsu { parent: (0..n).collect(), cluster: signals.iter().map(cluster_of).collect() };
    // entity id → signals naming it, in time order (BTreeMap: deterministic).
    let mut by_entity: BTreeMap<i64, (EntityKind, &str, Vec<usize>)> = BTreeMap::new();
    for (i, s) in signals.iter().enumerate() {
        if skip.get(i).copied().unwrap_or(false) {
            continue;
        }
        for e in joining(s, cfg, cluster) {
            by_entity.entry(e.id).or_insert_with(|| (e.kind, e.key.as_str(), Vec::new())).2.push(i);
        }
    }
    // Candidate explanations per signal: (earlier?, kind rank, distance, entity, other).
    let rank = |k: EntityKind| cfg.why_order.iter().position(|x| *x == k).unwrap_or(usize::MAX);
    let mut best: HashMap<usize, (bool, usize, i64, i64, usize)> = HashMap::new();
    let mut offer = |at: usize, cand: (bool, usize, i64, i64, usize)| {
        let e = best.entry(at).or_insert(cand);
        // Earlier partners explain better than later ones; then the kind's
        // rank; then the nearest in time; then ids, for determinism.
        let better = |a: &(bool, usize, i64, i64, usize), b: &(bool, usize, i64, i64, usize)| {
            (!a.0, a.1, a.2, a.3, a.4) < (!b.0, b.1, b.2, b.3, b.4)
        };
        if better(&cand, e) {
            *e = cand;
        }
    };
    let clusters: Vec<Option<i64>> = dsu.cluster.clone();
    for (&entity, (kind, _, list)) in &by_entity {
        for (a, b) in neighbours(list, &clusters) {
            let gap = signals[b].time_ns.saturating_sub(signals[a].time_ns);
            if gap <= cfg.window_ns && dsu.union(a, b) {
                offer(b, (true, rank(*kind), gap, entity, a));
                offer(a, (false, rank(*kind), gap, entity, b));
            }
        }
    }
    // The same rule again on the same pod or container: no window.
    let mut recurring: BTreeMap<(i64, &str, &str), Vec<usize>> = BTreeMap::new();
    for (&entity, (kind, _, list)) in &by_entity {
        if !cfg.recurring_joins.contains(kind) {
            continue;
        }
        for &i in list {
            let s = &signals[i];
            recurring.entry((entity, s.source.as_str(), s.rule.as_deref().unwrap_or(&s.title))).or_default().push(i);
        }
    }
    for ((entity, _, _), list) in &recurring {
        let kind = by_entity[entity].0;
        for (a, b) in neighbours(list, &clusters) {
            let gap = signals[b].time_ns.saturating_sub(signals[a].time_ns);
            if dsu.union(a, b) {
                offer(b, (true, rank(kind), gap, *entity, a));
                offer(a, (false, rank(kind), gap, *entity, b));
            }
        }
    }
    let mut groups: BTreeMap<usize, Vec<usize>> = BTreeMap::new();
    for i in 0..n {
        if skip.get(i).copied().unwrap_or(false) {
            continue;
        }
        let r = dsu.find(i);
        groups.entry(r).or_default().push(i);
    }
    groups
        .into_values()
        .map(|members| {
            let why = members
                .iter()
                .enumerate()
                .map(|(pos, i)| {
                    if pos == 0 {
                        return None;
                    }
                    best.get(i).map(|&(_, _, _, entity, with)| {
                        let (kind, key, _) = &by_entity[&entity];
                        Why { entity, kind: *kind, key: key.to_string(), with }
                    })
                })
                .collect();
            Group { members, why }
        })
        .collect()
}
