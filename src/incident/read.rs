//! Reading incidents back: the queue's rows and an incident's signals with
//! the reason each joined. Field names are the `--json` contract documented
//! in the README.

use super::signals::{self, EntityCache, Signal};
use super::{format_incident_id, summary::subject_label};
use crate::attack;
use crate::error::Result;
use crate::model::{EntityKind, Severity};
use crate::store::{format_id, Case};
use crate::time::format_ns;
use serde::Serialize;

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct KeyEntity {
    pub kind: String,
    pub key: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct IncidentRow {
    pub id: String,
    pub title: String,
    pub severity: String,
    /// How the severity was reached (highest signal, multi-stage raise).
    pub severity_why: String,
    pub status: String,
    /// Triage (data/triage.yaml ids); null until an investigator sets them.
    pub classification: Option<String>,
    pub determination: Option<String>,
    pub owner: Option<String>,
    pub tags: Vec<String>,
    /// The severity correlation computed (`severity` is the investigator's
    /// override when one is set).
    pub computed_severity: String,
    pub first_activity: Option<String>,
    pub last_activity: Option<String>,
    /// ATT&CK tactic ids in kill-chain order.
    pub tactics: Vec<String>,
    pub tactic_names: Vec<String>,
    pub techniques: Vec<String>,
    pub ms_matrix: Vec<String>,
    pub signals: i64,
    pub key_entities: Vec<KeyEntity>,
    /// The clusters its signals name (from a managed cluster's export, a
    /// Defender alert, `--cluster`); empty when none does.
    pub clusters: Vec<String>,
    #[serde(skip)]
    pub raw_id: i64,
    #[serde(skip)]
    pub first_ns: Option<i64>,
    #[serde(skip)]
    pub last_ns: Option<i64>,
    #[serde(skip)]
    pub severity_level: Severity,
}

fn words(s: &str) -> Vec<String> {
    s.split_whitespace().map(str::to_string).collect()
}

const COLUMNS: &str = "id, title, severity, severity_why, status, first_ns, last_ns, tactics, techniques, ms_matrix, signals, key_entities,
     classification, determination, owner, severity_override,
     (SELECT group_concat(tag, char(10)) FROM (SELECT tag FROM incident_tags t WHERE t.incident_id = incidents.id ORDER BY tag)),
     clusters";

fn row(r: &rusqlite::Row) -> rusqlite::Result<IncidentRow> {
    let id: i64 = r.get(0)?;
    let sev: i64 = r.get(2)?;
    let tactics = words(&r.get::<_, String>(7)?);
    let keys: String = r.get(11)?;
    let keys: Vec<(String, String)> = serde_json::from_str(&keys).unwrap_or_default();
    let first_ns: Option<i64> = r.get(5)?;
    let last_ns: Option<i64> = r.get(6)?;
    let computed = crate::store::writer::severity_of_rank(sev);
    let over: Option<i64> = r.get(15)?;
    let severity = over.map(crate::store::writer::severity_of_rank).unwrap_or(computed);
    let tags: Option<String> = r.get(16)?;
    Ok(IncidentRow {
        id: format_incident_id(id),
        title: r.get(1)?,
        severity: severity.as_str().to_string(),
        computed_severity: computed.as_str().to_string(),
        classification: r.get(12)?,
        determination: r.get(13)?,
        owner: r.get(14)?,
        tags: tags.map(|t| t.split('\n').map(str::to_string).collect()).unwrap_or_default(),
        severity_why: r.get(3)?,
        status: r.get(4)?,
        first_activity: first_ns.map(format_ns),
        last_activity: last_ns.map(format_ns),
        tactic_names: tactics.iter().map(|t| attack::tactic_name(t).unwrap_or(t).to_string()).collect(),
        tactics,
        techniques: words(&r.get::<_, String>(8)?),
        ms_matrix: words(&r.get::<_, String>(9)?),
        signals: r.get(10)?,
        key_entities: keys.into_iter().map(|(kind, key)| KeyEntity { kind, key }).collect(),
        clusters: serde_json::from_str(&r.get::<_, String>(17)?).unwrap_or_default(),
        raw_id: id,
        first_ns,
        last_ns,
        severity_level: severity,
    })
}

/// Every incident: most severe first, then by first activity.
pub fn list(case: &Case) -> Result<Vec<IncidentRow>> {
    let sql = format!(
        "SELECT {} FROM incidents ORDER BY COALESCE(severity_override, severity) DESC, first_ns IS NULL, first_ns, id",
        COLUMNS
    );
    let mut st = case.conn.prepare(&sql)?;
    let rows = st.query_map([], row)?.collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(rows)
}

pub fn get(case: &Case, id: i64) -> Result<IncidentRow> {
    let sql = format!("SELECT {} FROM incidents WHERE id = ?1", COLUMNS);
    Ok(case.conn.query_row(&sql, [id], row)?)
}

/// Why a signal is in its incident, for people.
#[derive(Debug, Clone, Serialize)]
pub struct Joined {
    /// `first` (the incident's first signal), `shares` or `placed` (a person
    /// put it there).
    pub how: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub entity: Option<KeyEntity>,
    /// The signal it shares the entity with.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub with: Option<String>,
    pub text: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct SignalRow {
    pub id: String,
    pub time: Option<String>,
    pub source: String,
    pub severity: String,
    pub rule: Option<String>,
    pub title: String,
    /// Kordon's reading (mapping table applied).
    pub tactics: Vec<String>,
    pub techniques: Vec<String>,
    pub ms_matrix: Vec<String>,
    /// Where the reading differs from the source's own tags, and why.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub mapping_notes: Vec<String>,
    pub joined: Joined,
}

/// An incident's signals in time order, with the reason each joined.
pub fn signals(case: &Case, id: i64) -> Result<Vec<(Signal, SignalRow)>> {
    let sql = format!(
        "SELECT {}, s.via_entity, s.via_event, s.pinned, (SELECT key FROM events v WHERE v.id = s.via_event),
                (SELECT time_ns FROM events v WHERE v.id = s.via_event), (SELECT title FROM events v WHERE v.id = s.via_event)
         FROM incident_signals s JOIN events e ON e.id = s.event_id
         WHERE s.incident_id = ?1 ORDER BY e.time_ns IS NULL, e.time_ns, e.key",
        signals::SIGNAL_COLUMNS
    );
    let mut st = case.conn.prepare(&sql)?;
    let mut rows = st.query([id])?;
    let mut cache = EntityCache::new();
    let mut out = Vec::new();
    while let Some(r) = rows.next()? {
        let sig = signals::from_row(&case.conn, &mut cache, r)?;
        let via_entity: Option<i64> = r.get(12)?;
        let pinned: i64 = r.get(14)?;
        let with_key: Option<i64> = r.get(15)?;
        let with_time: Option<i64> = r.get(16)?;
        let with_title: Option<String> = r.get(17)?;
        let entity = match via_entity {
            Some(e) => cache.get(&case.conn, e)?,
            None => None,
        };
        let joined = if pinned != 0 {
            Joined { how: "placed".into(), entity: None, with: None, text: "placed here by an investigator".into() }
        } else if let (Some((kind, key)), Some(wk)) = (entity, with_key) {
            let what = match kind {
                EntityKind::Ip => "address".to_string(),
                k => k.as_str().to_string(),
            };
            let text = format!(
                "shares {} {} with “{}” ({}, {})",
                what,
                subject_label(kind, &key),
                with_title.unwrap_or_default(),
                with_time.map(format_ns).unwrap_or_default(),
                format_id(wk),
            );
            Joined {
                how: "shares".into(),
                entity: Some(KeyEntity { kind: kind.as_str().into(), key: key.to_string() }),
                with: Some(format_id(wk)),
                text,
            }
        } else {
            Joined { how: "first".into(), entity: None, with: None, text: "the incident's first signal".into() }
        };
        let row = SignalRow {
            id: format_id(sig.key),
            time: (sig.time_ns != 0).then(|| format_ns(sig.time_ns)),
            source: sig.source.as_str().into(),
            severity: sig.severity.as_str().into(),
            rule: sig.rule.clone(),
            title: sig.title.clone(),
            tactics: sig.mapped.tactics.clone(),
            techniques: sig.mapped.techniques.clone(),
            ms_matrix: sig.mapped.ms_matrix.clone(),
            mapping_notes: sig.mapped.notes.clone(),
            joined,
        };
        out.push((sig, row));
    }
    Ok(out)
}
