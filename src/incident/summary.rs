//! What an incident's header says — title, severity and why, tactics in
//! kill-chain order, key entities — computed from its signals alone, so the
//! same signals always give the same header.

use super::config::Config;
use super::signals::Signal;
use crate::attack;
use crate::detect::ClusterRanges;
use crate::model::{EntityKind, Severity};
use std::collections::{BTreeMap, BTreeSet};

#[derive(Debug, Clone, PartialEq)]
pub struct Summary {
    pub title: String,
    pub severity: Severity,
    pub severity_why: String,
    pub first_ns: i64,
    pub last_ns: i64,
    pub tactics: Vec<String>,
    pub techniques: Vec<String>,
    pub ms_matrix: Vec<String>,
    /// `(kind, key)`, most telling first.
    pub key_entities: Vec<(EntityKind, String)>,
    /// The clusters the signals name, sorted (one, unless a person moved
    /// signals of two clusters together; none for evidence of no named
    /// cluster).
    pub clusters: Vec<String>,
}

fn raise(s: Severity) -> Severity {
    match s {
        Severity::Info => Severity::Low,
        Severity::Low => Severity::Medium,
        Severity::Medium => Severity::High,
        Severity::High | Severity::Critical => Severity::Critical,
    }
}

/// The longest run of tactics whose first appearances follow the kill chain.
pub fn kill_chain_run(members: &[&Signal]) -> Vec<String> {
    let mut first: BTreeMap<&str, (i64, i64)> = BTreeMap::new();
    for s in members {
        for t in &s.mapped.tactics {
            let e = first.entry(t.as_str()).or_insert((s.time_ns, s.key));
            if (s.time_ns, s.key) < *e {
                *e = (s.time_ns, s.key);
            }
        }
    }
    let mut seq: Vec<(&(i64, i64), &str)> = first.iter().map(|(t, at)| (at, *t)).collect();
    seq.sort();
    // Longest strictly increasing subsequence by kill-chain position (n is tiny).
    let pos: Vec<usize> = seq.iter().map(|(_, t)| attack::kill_chain_position(t)).collect();
    let n = pos.len();
    let mut len = vec![1usize; n];
    let mut prev = vec![usize::MAX; n];
    for i in 0..n {
        for j in 0..i {
            if pos[j] < pos[i] && len[j] + 1 > len[i] {
                len[i] = len[j] + 1;
                prev[i] = j;
            }
        }
    }
    let Some(mut at) = (0..n).max_by_key(|&i| (len[i], usize::MAX - i)) else {
        return Vec::new();
    };
    let mut run = Vec::new();
    loop {
        run.push(seq[at].1.to_string());
        if prev[at] == usize::MAX {
            break;
        }
        at = prev[at];
    }
    run.reverse();
    run
}

fn kind_priority(k: EntityKind) -> usize {
    match k {
        EntityKind::Pod => 0,
        EntityKind::Identity => 1,
        EntityKind::Ip => 2,
        EntityKind::Container => 3,
        EntityKind::Process => 4,
        EntityKind::File => 5,
        EntityKind::Workload => 6,
        _ => 9,
    }
}

/// A short human name: the pod's `namespace/name`, a service account's
/// name, a process's path.
pub fn subject_label(kind: EntityKind, key: &str) -> String {
    match kind {
        EntityKind::Identity => match key.strip_prefix("system:serviceaccount:") {
            Some(rest) => match rest.split_once(':') {
                Some((ns, name)) => format!("service account {}/{}", ns, name),
                None => key.to_string(),
            },
            None => key.to_string(),
        },
        EntityKind::Process => key.splitn(3, ':').nth(2).unwrap_or(key).to_string(),
        EntityKind::Container => crate::entity::short_container_id(key).to_string(),
        _ => key.to_string(),
    }
}

pub fn summarize(members: &[&Signal], cfg: &Config, cluster: &ClusterRanges) -> Summary {
    let first_ns = members.iter().map(|s| s.time_ns).min().unwrap_or(0);
    let last_ns = members.iter().map(|s| s.time_ns).max().unwrap_or(0);
    let mut tactics: BTreeSet<(usize, String)> = BTreeSet::new();
    let mut techniques = BTreeSet::new();
    let mut ms = BTreeSet::new();
    for s in members {
        for t in &s.mapped.tactics {
            tactics.insert((attack::kill_chain_position(t), t.clone()));
        }
        techniques.extend(s.mapped.techniques.iter().cloned());
        ms.extend(s.mapped.ms_matrix.iter().cloned());
    }
    // The most severe signal, earliest first among equals.
    let top = members
        .iter()
        .max_by(|a, b| a.severity.cmp(&b.severity).then((b.time_ns, b.key).cmp(&(a.time_ns, a.key))));
    let mut severity = top.map(|s| s.severity).unwrap_or(Severity::Info);
    let mut why = match top {
        Some(s) => format!("highest signal: {} ({})", severity, s.title),
        None => "no signals".to_string(),
    };
    let run = kill_chain_run(members);
    if run.len() >= cfg.multistage_min_tactics {
        let names: Vec<&str> = run.iter().map(|t| attack::tactic_name(t).unwrap_or(t)).collect();
        let raised = raise(severity);
        if raised != severity {
            why.push_str(&format!(
                "; raised from {} to {}: {} tactics in kill-chain order ({})",
                severity,
                raised,
                run.len(),
                names.join(" → ")
            ));
            severity = raised;
        } else {
            why.push_str(&format!("; multi-stage: {} tactics in kill-chain order ({})", run.len(), names.join(" → ")));
        }
    }

    // Key entities: what the signals name most, joining kinds first.
    let mut counts: BTreeMap<(EntityKind, &str), usize> = BTreeMap::new();
    for s in members {
        let mut seen = BTreeSet::new();
        for e in &s.entities {
            let keep = match e.kind {
                EntityKind::Identity => !cfg.is_system_identity(&e.key),
                EntityKind::Ip => e.key.parse().is_ok_and(|ip| cluster.is_outside(ip)),
                k => kind_priority(k) < 9,
            };
            if keep && seen.insert((e.kind, e.key.as_str())) {
                *counts.entry((e.kind, e.key.as_str())).or_default() += 1;
            }
        }
    }
    let mut ranked: Vec<((EntityKind, &str), usize)> = counts.into_iter().collect();
    ranked.sort_by(|a, b| (kind_priority(a.0 .0), std::cmp::Reverse(a.1), a.0).cmp(&(kind_priority(b.0 .0), std::cmp::Reverse(b.1), b.0)));
    let key_entities: Vec<(EntityKind, String)> = ranked.iter().take(10).map(|((k, key), _)| (*k, key.to_string())).collect();

    let subject = ranked
        .iter()
        .find(|((k, _), _)| matches!(k, EntityKind::Pod))
        .or_else(|| ranked.first())
        .map(|((k, key), _)| {
            let connector = match k {
                EntityKind::Identity => "by",
                EntityKind::Ip => "involving",
                _ => "in",
            };
            format!("{} {}", connector, subject_label(*k, key))
        });
    let phrase = cfg.titles.iter().find_map(|rule| {
        let hit = members.iter().any(|s| match (&rule.technique, &rule.tactic) {
            (Some(t), _) => s.mapped.techniques.iter().any(|x| x == t || x.starts_with(&format!("{}.", t))),
            (_, Some(t)) => s.mapped.tactics.iter().any(|x| x == t),
            _ => false,
        });
        hit.then(|| rule.title.clone())
    });
    let title = match (phrase, subject) {
        (Some(p), Some(s)) => format!("{} {}", p, s),
        (Some(p), None) => p,
        (None, Some(s)) => format!("{} {}", top.map(|t| t.title.as_str()).unwrap_or("Signal"), s),
        (None, None) => top.map(|t| t.title.clone()).unwrap_or_else(|| "Incident".into()),
    };
    Summary {
        title,
        severity,
        severity_why: why,
        first_ns,
        last_ns,
        tactics: tactics.into_iter().map(|(_, t)| t).collect(),
        techniques: techniques.into_iter().collect(),
        ms_matrix: ms.into_iter().collect(),
        key_entities,
        clusters: members
            .iter()
            .flat_map(|s| s.entities_of(EntityKind::Cluster).map(|e| e.key.to_string()))
            .collect::<BTreeSet<String>>()
            .into_iter()
            .collect(),
    }
}
