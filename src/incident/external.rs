//! What responders outside Kordon already did to an incident's pods: the
//! `response` events an importer read (Falco Talon's action log and its
//! notifier's Kubernetes Events), shown beside Kordon's own containment
//! records (`cluster::record`) as done outside Kordon.
//!
//! An investigator about to isolate a pod must know it was already
//! isolated, or that an automated terminate failed. These are computed when
//! asked, from the case as it is: a Talon log imported after correlation
//! shows up without re-correlating (responses are never signals, so they
//! neither make nor change incidents).
//!
//! An action belongs to an incident when it acted on one of the pods the
//! incident's signals name, at any time: the pod key (`namespace/name`,
//! with the ReplicaSet hash) names one pod's life, and the response often
//! comes after the last alert. Namespaces and nodes are too wide to say an
//! action was about this incident.

use super::read;
use super::signals::{read_row, EntityCache, Read, Signal, SIGNAL_COLUMNS};
use super::story::source_name;
use crate::error::Result;
use crate::model::EntityKind;
use crate::store::{format_id, Case};
use crate::time::format_ns;
use serde::Serialize;
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};

/// One action a responder outside Kordon took.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct ExternalAction {
    /// The response event's id (`kordon events`).
    pub id: String,
    /// Always true: tells these rows from Kordon's own in one list.
    pub done_outside: bool,
    /// Who did it, in words (`Falco Talon`).
    pub by: String,
    /// The source slug (`falco-talon`).
    pub source: String,
    /// What was done, in words: "Falco Talon failed to terminate pod …".
    pub what: String,
    pub time: Option<String>,
    /// `success`, `failure`, `ignored` as the responder says.
    pub status: Option<String>,
    /// The responder's tool (`kubernetes:terminate`).
    pub actionner: Option<String>,
    /// What it does to the pod: `terminate`, `isolate`, `label` …
    pub effect: Option<String>,
    /// The responder's name for the step (`Terminate the pod`).
    pub action: Option<String>,
    /// The responder's rule that fired.
    pub rule: Option<String>,
    pub result: Option<String>,
    pub error: Option<String>,
    pub output: Option<String>,
    pub trace_id: Option<String>,
    /// The pod acted on (`namespace/name`).
    pub pod: Option<String>,
    /// Every object the responder named (pod, namespace, NetworkPolicy …).
    pub objects: Value,
}

impl ExternalAction {
    fn of(ev: &Signal) -> ExternalAction {
        let s = |k: &str| ev.field_str(k).map(str::to_string);
        ExternalAction {
            id: format_id(ev.key),
            done_outside: true,
            by: s("by").unwrap_or_else(|| source_name(ev.source).to_string()),
            source: ev.source.as_str().to_string(),
            what: ev.title.clone(),
            time: (ev.time_ns != 0).then(|| format_ns(ev.time_ns)),
            status: s("status"),
            actionner: s("actionner"),
            effect: s("effect"),
            action: s("action"),
            rule: ev.rule.clone(),
            result: s("result"),
            error: s("error"),
            output: s("output"),
            trace_id: s("trace_id"),
            pod: ev.entities_of(EntityKind::Pod).next().map(|p| p.key.to_string()),
            objects: ev.fields.get("objects").cloned().unwrap_or(Value::Null),
        }
    }
}

/// The external actions on an incident's pods (`None`: every one in the
/// case), oldest first.
pub fn list(case: &Case, incident: Option<i64>) -> Result<Vec<ExternalAction>> {
    let conn = &case.conn;
    let mut cache = EntityCache::new();
    let mut found: BTreeMap<(i64, i64), Signal> = BTreeMap::new();
    let mut take = |r: &rusqlite::Row, cache: &mut EntityCache| -> Result<()> {
        let ev = read_row(conn, cache, r, Read::Object)?;
        found.insert((ev.time_ns, ev.key), ev);
        Ok(())
    };
    match incident {
        None => {
            let mut st = conn.prepare(&format!("SELECT {} FROM events e WHERE e.kind = 'response'", SIGNAL_COLUMNS))?;
            let mut rows = st.query([])?;
            while let Some(r) = rows.next()? {
                take(r, &mut cache)?;
            }
        }
        Some(id) => {
            let pods: BTreeSet<i64> = read::signals(case, id)?
                .iter()
                .flat_map(|(s, _)| s.entities_of(EntityKind::Pod).map(|e| e.id).collect::<Vec<_>>())
                .collect();
            let mut st = conn.prepare(&format!(
                "SELECT DISTINCT {} FROM event_entities ee JOIN events e ON e.id = ee.event_id
                 WHERE ee.entity_id = ?1 AND e.kind = 'response'",
                SIGNAL_COLUMNS
            ))?;
            for pod in pods {
                let mut rows = st.query([pod])?;
                while let Some(r) = rows.next()? {
                    take(r, &mut cache)?;
                }
            }
        }
    }
    Ok(found.values().map(ExternalAction::of).collect())
}

/// An incident's actions: Kordon's own containment records and, apart,
/// what was done outside Kordon. The app's triage tab shows both.
#[derive(Debug, Clone, Serialize)]
pub struct IncidentActions {
    /// Kordon's own (`kordon isolate`, `kordon terminate` …), oldest first.
    pub actions: Vec<crate::cluster::record::ActionRow>,
    /// Done outside Kordon, oldest first.
    pub external: Vec<ExternalAction>,
}

pub fn of_incident(case: &Case, id: i64) -> Result<IncidentActions> {
    Ok(IncidentActions { actions: crate::cluster::record::list(case, Some(id))?, external: list(case, Some(id))? })
}
