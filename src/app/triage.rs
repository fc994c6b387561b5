//! The incident page's triage data in one answer (the triage state and the
//! incident's slice of the activity log), and the vocabulary the pickers
//! offer, so the app never hard-codes which determinations a classification
//! allows.

use crate::error::Result;
use crate::incident::format_incident_id;
use crate::store::Case;
use crate::time::format_ns;
use crate::triage::{self, Triage, Vocabulary};
use serde::Serialize;

/// One activity-log row as the app shows it.
#[derive(Debug, Clone, Serialize)]
pub struct LogEntry {
    pub id: i64,
    pub time: String,
    pub actor: String,
    pub action: String,
    pub target: Option<String>,
    pub details: serde_json::Value,
    pub hash: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct IncidentTriage {
    #[serde(flatten)]
    pub triage: Triage,
    /// Every activity-log row about this incident, oldest first.
    pub log: Vec<LogEntry>,
}

/// The activity-log rows whose target is the incident, oldest first.
pub fn incident_log(case: &Case, id: i64) -> Result<Vec<LogEntry>> {
    let mut st = case
        .conn
        .prepare("SELECT id, at_ns, actor, action, target, details, hash FROM activity WHERE target = ?1 ORDER BY id")?;
    let rows = st
        .query_map([format_incident_id(id)], |r| {
            let details: String = r.get(5)?;
            Ok(LogEntry {
                id: r.get(0)?,
                time: format_ns(r.get(1)?),
                actor: r.get(2)?,
                action: r.get(3)?,
                target: r.get(4)?,
                details: serde_json::from_str(&details).unwrap_or(serde_json::Value::String(details)),
                hash: r.get(6)?,
            })
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(rows)
}

pub fn incident_triage(case: &Case, id: i64) -> Result<IncidentTriage> {
    Ok(IncidentTriage { triage: triage::read(case, id)?, log: incident_log(case, id)? })
}

pub fn vocabulary() -> &'static Vocabulary {
    triage::vocabulary()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock::FixedClock;
    use crate::triage::Change;

    fn demo() -> (tempfile::TempDir, Case, i64) {
        let dir = tempfile::tempdir().unwrap();
        let bundle = std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/demo/kordon-demo.zip")).unwrap();
        let clock: std::sync::Arc<dyn crate::clock::Clock> = std::sync::Arc::new(FixedClock(1_795_200_000_000_000_000));
        let case = crate::app::open_demo(dir.path(), &bundle, clock, "tester").unwrap();
        let id = crate::incident::read::list(&case).unwrap()[0].raw_id;
        (dir, case, id)
    }

    #[test]
    fn the_incident_log_holds_only_that_incidents_rows_in_order() {
        let (_dir, mut case, id) = demo();
        let clock = FixedClock(1_795_200_100_000_000_000);
        let change = Change { owner: Some("ada".into()), comment: Some("looking".into()), ..Change::default() };
        triage::apply(&mut case, &clock, "ada", id, &change).unwrap();
        let t = incident_triage(&case, id).unwrap();
        assert_eq!(t.triage.owner.as_deref(), Some("ada"));
        let actions: Vec<&str> = t.log.iter().map(|e| e.action.as_str()).collect();
        assert_eq!(actions, ["triage", "comment"]);
        assert!(t.log.iter().all(|e| e.target.as_deref() == Some(format_incident_id(id).as_str())));
        assert!(t.log.windows(2).all(|w| w[0].id < w[1].id));
    }

    #[test]
    fn a_bulk_change_applies_to_all_or_none() {
        let (_dir, mut case, _) = demo();
        let ids: Vec<i64> = crate::incident::read::list(&case).unwrap().iter().map(|r| r.raw_id).collect();
        assert!(ids.len() >= 2, "the demo has several incidents");
        let clock = FixedClock(1_795_200_100_000_000_000);
        let before = crate::store::activity::list(&case.conn).unwrap().len();
        // Resolving without a classification is refused for the first one: nothing changes anywhere.
        let resolve = Change { status: Some("resolved".into()), comment: Some("done".into()), ..Change::default() };
        assert!(triage::apply_many(&mut case, &clock, "ada", &ids, &resolve).is_err());
        assert_eq!(crate::store::activity::list(&case.conn).unwrap().len(), before);
        assert!(ids.iter().all(|&id| triage::read(&case, id).unwrap().status == "new"));
        let own = Change { owner: Some("tier-2".into()), status: Some("in-progress".into()), ..Change::default() };
        let out = triage::apply_many(&mut case, &clock, "ada", &ids, &own).unwrap();
        assert!(out.iter().all(|t| t.owner.as_deref() == Some("tier-2") && t.status == "in-progress"));
    }
}
