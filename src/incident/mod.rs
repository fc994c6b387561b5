//! Incidents: what an investigator reviews instead of thousands of alerts.
//!
//! A correlation run reads every signal (alert) of the case, groups those
//! that share a pod, a container, a workload's own identity or an address
//! outside the cluster within a window ([`group`]), and stores each group as
//! an incident with the reason each signal joined and a header computed from
//! its signals ([`summary`]). The rest is computed when asked, from the case
//! as it is: the context telemetry ([`evidence`]), the typed relations between
//! entities ([`relations`]), the graph ([`graph`]), and the story with its
//! recommended response ([`story`], [`respond`]).
//!
//! Ids: an incident's id derives from its first signal's stable key, so the
//! same signals give the same ids whatever the import order. Once a person
//! has acted on an incident (`locked`), it keeps its id and its signals even
//! when a later import brings an earlier signal or joins it to another group;
//! new signals then join it. Signals a person placed by hand (`pinned`) are
//! left where they are.

pub mod config;
pub mod detail;
pub mod evidence;
pub mod external;
pub mod graph;
pub mod group;
pub mod read;
pub mod relations;
pub mod respond;
pub mod signals;
pub mod soc;
pub mod story;
pub mod summary;

#[cfg(test)]
mod tests;

pub use config::Config;
pub use read::{IncidentRow, SignalRow};

use crate::clock::Clock;
use crate::detect::ClusterRanges;
use crate::error::{Code, Error, Result};
use crate::store::{activity, stable_id, Case};
use rusqlite::{params, OptionalExtension, TransactionBehavior};
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

/// How incident ids are shown: `INC-` and eight hex digits.
pub fn format_incident_id(id: i64) -> String {
    format!("INC-{:08x}", id as u64)
}

/// `INC-1a2b3c4d` or `1a2b3c4d`, any case.
pub fn parse_incident_id(text: &str) -> Option<i64> {
    let t = text.trim();
    let hex = t.strip_prefix("INC-").or_else(|| t.strip_prefix("inc-")).unwrap_or(t);
    if hex.is_empty() || hex.len() > 8 {
        return None;
    }
    i64::from_str_radix(hex, 16).ok()
}

/// The id an incident anchored on this signal key gets (31 bits, so that it
/// reads as eight hex digits; collisions are resolved by probing upwards in
/// anchor order, which is deterministic).
pub(crate) fn incident_id_for(anchor_key: i64) -> i64 {
    ((stable_id(&[b"incident", &anchor_key.to_be_bytes()]) as u64) >> 33) as i64
}

/// The next id to try when `id` is taken (ids stay within 31 bits).
pub(crate) fn next_incident_id(id: i64) -> i64 {
    (id + 1) & 0x7fff_ffff
}

#[derive(Debug, Clone, Default)]
pub struct Options {
    /// Overrides the configured window.
    pub window_ns: Option<i64>,
}

/// What one correlation run did.
#[derive(Debug, Clone, Serialize)]
pub struct CorrelateSummary {
    pub signals: usize,
    pub incidents: usize,
    pub new: usize,
    /// Incidents that existed and gained or lost signals.
    pub changed: usize,
    pub unchanged: usize,
    /// Incidents of an earlier run that no longer exist (their signals now
    /// belong to another incident, re-keyed from an earlier first signal).
    pub replaced: usize,
    pub window_seconds: i64,
    /// Whether "outside the cluster" used ranges learnt from the snapshot.
    pub cluster_from_snapshot: bool,
}

struct Prior {
    incident: i64,
    pinned: bool,
}

struct PriorIncident {
    locked: bool,
    created_ns: i64,
    updated_ns: i64,
    first_ns: Option<i64>,
}

/// Groups the case's signals into incidents and stores them, in one
/// transaction with its activity-log entry.
pub fn correlate(case: &mut Case, clock: &dyn Clock, actor: &str, opts: &Options) -> Result<CorrelateSummary> {
    let mut cfg = config::builtin().clone();
    if let Some(w) = opts.window_ns {
        if w <= 0 {
            return Err(Error::input(Code::InvalidArgument, "the correlation window must be positive"));
        }
        cfg.window_ns = w;
    }
    let tx = case.conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let summary = correlate_in(&tx, clock, actor, &cfg)?;
    tx.commit()?;
    Ok(summary)
}

/// Correlation inside a transaction the caller commits (a triage move
/// re-correlates within its own change).
pub fn correlate_in(tx: &rusqlite::Transaction, clock: &dyn Clock, actor: &str, cfg: &Config) -> Result<CorrelateSummary> {
    let now = clock.now_ns();
    let cluster = ClusterRanges::learn(tx)?;
    let mut cache = signals::EntityCache::new();
    let sigs = signals::load(tx, &mut cache)?;
    let index: HashMap<i64, usize> = sigs.iter().enumerate().map(|(i, s)| (s.event_id, i)).collect();

    let mut prior: HashMap<usize, Prior> = HashMap::new();
    {
        let mut st = tx.prepare("SELECT event_id, incident_id, pinned FROM incident_signals")?;
        let mut rows = st.query([])?;
        while let Some(r) = rows.next()? {
            if let Some(&i) = index.get(&r.get::<_, i64>(0)?) {
                prior.insert(i, Prior { incident: r.get(1)?, pinned: r.get::<_, i64>(2)? != 0 });
            }
        }
    }
    let mut prior_incidents: BTreeMap<i64, PriorIncident> = BTreeMap::new();
    {
        let mut st = tx.prepare("SELECT id, locked, created_ns, updated_ns, first_ns FROM incidents")?;
        let mut rows = st.query([])?;
        while let Some(r) = rows.next()? {
            prior_incidents.insert(
                r.get(0)?,
                PriorIncident {
                    locked: r.get::<_, i64>(1)? != 0,
                    created_ns: r.get(2)?,
                    updated_ns: r.get(3)?,
                    first_ns: r.get(4)?,
                },
            );
        }
    }
    let mut prior_members: BTreeMap<i64, BTreeSet<usize>> = BTreeMap::new();
    for (&i, p) in &prior {
        prior_members.entry(p.incident).or_default().insert(i);
    }

    // Incidents that stay as they are: locked ones and those holding a
    // signal a person placed.
    let mut kept: BTreeSet<i64> = prior_incidents.iter().filter(|(_, p)| p.locked).map(|(id, _)| *id).collect();
    kept.extend(prior.values().filter(|p| p.pinned).map(|p| p.incident));
    let skip: Vec<bool> = (0..sigs.len()).map(|i| prior.get(&i).is_some_and(|p| p.pinned)).collect();
    let groups = group::group(&sigs, &skip, cfg, &cluster);

    let mut taken: HashSet<i64> = kept.iter().copied().collect();
    // signal index → (incident, why)
    let mut assigned: BTreeMap<usize, (i64, Option<group::Why>)> = BTreeMap::new();
    for g in &groups {
        let sticky_home = g
            .members
            .iter()
            .filter_map(|i| prior.get(i).map(|p| p.incident))
            .filter(|id| kept.contains(id))
            .min_by_key(|id| (prior_incidents.get(id).and_then(|p| p.first_ns), *id));
        let home = match sticky_home {
            Some(id) => id,
            None => {
                let mut id = incident_id_for(sigs[g.members[0]].key);
                while taken.contains(&id) {
                    id = next_incident_id(id);
                }
                taken.insert(id);
                id
            }
        };
        for (pos, &i) in g.members.iter().enumerate() {
            let stays = prior.get(&i).map(|p| p.incident).filter(|id| kept.contains(id));
            assigned.insert(i, (stays.unwrap_or(home), g.why[pos].clone()));
        }
    }
    for (&i, p) in &prior {
        if p.pinned {
            assigned.insert(i, (p.incident, None));
        }
    }

    let mut members: BTreeMap<i64, Vec<usize>> = BTreeMap::new();
    for (&i, (inc, _)) in &assigned {
        members.entry(*inc).or_default().push(i);
    }
    for id in &kept {
        members.entry(*id).or_default();
    }

    tx.execute("DELETE FROM incident_signals WHERE pinned = 0", [])?;
    {
        let mut del = tx.prepare("DELETE FROM incidents WHERE id = ?1")?;
        for id in prior_incidents.keys().filter(|id| !kept.contains(id)) {
            del.execute([id])?;
        }
    }
    let (mut new, mut changed, mut unchanged) = (0usize, 0usize, 0usize);
    {
        let mut upsert = tx.prepare(
            "INSERT INTO incidents (id, created_ns, updated_ns, title, severity, severity_why, first_ns, last_ns,
                                    tactics, techniques, ms_matrix, signals, key_entities, clusters)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)
             ON CONFLICT(id) DO UPDATE SET updated_ns = excluded.updated_ns, title = excluded.title,
                severity = excluded.severity, severity_why = excluded.severity_why, first_ns = excluded.first_ns,
                last_ns = excluded.last_ns, tactics = excluded.tactics, techniques = excluded.techniques,
                ms_matrix = excluded.ms_matrix, signals = excluded.signals, key_entities = excluded.key_entities,
                clusters = excluded.clusters",
        )?;
        let mut link = tx.prepare(
            "INSERT INTO incident_signals (event_id, incident_id, via_entity, via_event, pinned) VALUES (?1, ?2, ?3, ?4, 0)",
        )?;
        for (id, list) in &members {
            let refs: Vec<&signals::Signal> = list.iter().map(|&i| &sigs[i]).collect();
            let s = summary::summarize(&refs, cfg, &cluster);
            let now_set: BTreeSet<usize> = list.iter().copied().collect();
            let before = prior_members.get(id);
            let (created, updated) = match (prior_incidents.get(id), before) {
                (Some(p), Some(b)) if *b == now_set => {
                    unchanged += 1;
                    (p.created_ns, p.updated_ns)
                }
                (Some(p), _) => {
                    changed += 1;
                    (p.created_ns, now)
                }
                (None, _) => {
                    new += 1;
                    (now, now)
                }
            };
            let keys: Vec<(&str, &str)> = s.key_entities.iter().map(|(k, key)| (k.as_str(), key.as_str())).collect();
            upsert.execute(params![
                id,
                created,
                updated,
                s.title,
                crate::store::writer::severity_rank(s.severity),
                s.severity_why,
                (!list.is_empty()).then_some(s.first_ns),
                (!list.is_empty()).then_some(s.last_ns),
                s.tactics.join(" "),
                s.techniques.join(" "),
                s.ms_matrix.join(" "),
                list.len() as i64,
                serde_json::to_string(&keys).unwrap_or_else(|_| "[]".into()),
                serde_json::to_string(&s.clusters).unwrap_or_else(|_| "[]".into()),
            ])?;
            for &i in list {
                let (_, why) = &assigned[&i];
                if prior.get(&i).is_some_and(|p| p.pinned) {
                    continue;
                }
                link.execute(params![
                    sigs[i].event_id,
                    id,
                    why.as_ref().map(|w| w.entity),
                    why.as_ref().map(|w| sigs[w.with].event_id),
                ])?;
            }
        }
    }
    let removed = prior_incidents.keys().filter(|id| !members.contains_key(id)).count();
    let summary = CorrelateSummary {
        replaced: removed,
        signals: sigs.len(),
        incidents: members.len(),
        new,
        changed,
        unchanged,
        window_seconds: cfg.window_ns / 1_000_000_000,
        cluster_from_snapshot: cluster.from_snapshot(),
    };
    if new + changed + removed > 0 {
        activity::append(
            tx,
            now,
            actor,
            "correlate",
            None,
            &serde_json::json!({
                "signals": summary.signals,
                "incidents": summary.incidents,
                "new": new,
                "changed": changed,
                "replaced": removed,
                "window_seconds": summary.window_seconds,
            }),
        )?;
    }
    Ok(summary)
}

/// The incident's id from user text, checked against the case.
pub fn resolve(case: &Case, text: &str) -> Result<i64> {
    let id = parse_incident_id(text).ok_or_else(|| {
        Error::input(Code::InvalidArgument, format!("'{}' is no incident id (they look like INC-1a2b3c4d)", text))
    })?;
    let found: Option<i64> =
        case.conn.query_row("SELECT id FROM incidents WHERE id = ?1", [id], |r| r.get(0)).optional()?;
    found.ok_or_else(|| {
        Error::input(
            Code::NotFound,
            format!("no incident {} in this case (see `kordon incidents`)", format_incident_id(id)),
        )
    })
}
