//! When correlation got it wrong: move a signal to another incident, or
//! split it into an incident of its own. The signal is then pinned — later
//! correlation runs leave it where the investigator put it and do not join
//! anything through it — and both incidents are locked. Headers are
//! recomputed at once by a correlation run inside the same change.

use crate::clock::Clock;
use crate::error::{Code, Error, Result};
use crate::incident::{self, format_incident_id};
use crate::store::{activity, format_id, parse_id, Case};
use rusqlite::{params, OptionalExtension, TransactionBehavior};
use serde_json::json;

/// The signal's row id and current incident, by its public event id.
fn signal(conn: &rusqlite::Connection, event: &str) -> Result<(i64, i64, i64)> {
    let key = parse_id(event).ok_or_else(|| Error::input(Code::InvalidArgument, format!("'{}' is no event id", event)))?;
    conn.query_row(
        "SELECT e.id, e.key, s.incident_id FROM events e JOIN incident_signals s ON s.event_id = e.id WHERE e.key = ?1",
        [key],
        |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
    )
    .optional()?
    .ok_or_else(|| Error::input(Code::NotFound, format!("{} is no signal of any incident (see `kordon show`)", event)))
}

fn place(case: &mut Case, clock: &dyn Clock, actor: &str, event: &str, to: Option<i64>) -> Result<i64> {
    let now = clock.now_ns();
    let tx = case.conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let (row, key, from) = signal(&tx, event)?;
    let target = match to {
        Some(id) => {
            let exists: Option<i64> = tx.query_row("SELECT id FROM incidents WHERE id = ?1", [id], |r| r.get(0)).optional()?;
            exists.ok_or_else(|| Error::input(Code::NotFound, format!("no incident {} in this case", format_incident_id(id))))?;
            if id == from {
                return Err(Error::input(Code::InvalidArgument, format!("{} is already in {}", format_id(key), format_incident_id(id))));
            }
            id
        }
        None => {
            // A new incident anchored on this signal, its id as correlation would give it.
            let mut id = incident::incident_id_for(key);
            while tx.query_row("SELECT 1 FROM incidents WHERE id = ?1", [id], |_| Ok(())).optional()?.is_some() {
                id = incident::next_incident_id(id);
            }
            tx.execute(
                "INSERT INTO incidents (id, created_ns, updated_ns, locked, title, severity, severity_why, tactics, techniques, ms_matrix, signals, key_entities)
                 VALUES (?1, ?2, ?2, 1, 'split', 0, '', '', '', '', 0, '[]')",
                params![id, now],
            )?;
            id
        }
    };
    tx.execute(
        "UPDATE incident_signals SET incident_id = ?2, via_entity = NULL, via_event = NULL, pinned = 1 WHERE event_id = ?1",
        params![row, target],
    )?;
    tx.execute("UPDATE incidents SET locked = 1 WHERE id IN (?1, ?2)", params![from, target])?;
    activity::append(
        &tx,
        now,
        actor,
        if to.is_some() { "move-signal" } else { "split-signal" },
        Some(&format_incident_id(target)),
        &json!({"signal": format_id(key), "from": format_incident_id(from), "to": format_incident_id(target)}),
    )?;
    // Headers of both incidents from their new signals, in the same change.
    incident::correlate_in(&tx, clock, actor, incident::config::builtin())?;
    tx.commit()?;
    Ok(target)
}

/// Moves a signal (its event id) to incident `to`.
pub fn move_signal(case: &mut Case, clock: &dyn Clock, actor: &str, event: &str, to: i64) -> Result<i64> {
    place(case, clock, actor, event, Some(to))
}

/// Splits a signal into an incident of its own; returns that incident.
pub fn split_signal(case: &mut Case, clock: &dyn Clock, actor: &str, event: &str) -> Result<i64> {
    place(case, clock, actor, event, None)
}
