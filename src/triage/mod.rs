//! Triage: what investigators decide about an incident — status, owner,
//! tags, severity, classification and determination, comments, and verdicts
//! on its entities.
//!
//! Every change is validated first (status moves, classification and
//! determination pairs from `data/triage.yaml`, resolving needs a
//! classification and a comment), then applied in one transaction with one
//! activity-log row per changed field, so a refused change leaves the case
//! exactly as it was and an accepted one is always in the log. Touching an
//! incident locks it: later correlation runs keep its id and signals.

pub mod moves;
pub mod replay;
pub mod vocabulary;

use crate::clock::Clock;
use crate::error::{Code, Error, Result};
use crate::incident::format_incident_id;
use crate::model::Severity;
use crate::store::{activity, Case};
use crate::time::format_ns;
use rusqlite::{params, OptionalExtension, TransactionBehavior};
use serde::Serialize;
use serde_json::json;

pub use moves::{move_signal, split_signal};
pub use vocabulary::{builtin as vocabulary, Spelling, Vocabulary};

/// A requested change; `None` leaves a field as it is.
#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Change {
    pub status: Option<String>,
    pub classification: Option<String>,
    pub determination: Option<String>,
    /// `Some("")` clears the owner.
    pub owner: Option<String>,
    pub add_tags: Vec<String>,
    pub remove_tags: Vec<String>,
    /// A severity, or `computed` to drop an override.
    pub severity: Option<String>,
    /// Added with the change (counts for resolving).
    pub comment: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Comment {
    pub id: i64,
    pub time: String,
    pub author: String,
    /// Markdown as written; render it safely.
    pub body: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct Verdict {
    pub entity_kind: String,
    pub entity_key: String,
    pub verdict: String,
    pub time: String,
    pub author: String,
}

/// A follow-up item ticked off (or unticked again).
#[derive(Debug, Clone, Serialize)]
pub struct FollowUpTick {
    pub item: String,
    pub done: bool,
    pub time: String,
    pub author: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct Triage {
    pub incident: String,
    pub status: String,
    pub classification: Option<String>,
    pub determination: Option<String>,
    pub owner: Option<String>,
    pub tags: Vec<String>,
    /// The investigator's severity, when set.
    pub severity_override: Option<String>,
    pub comments: Vec<Comment>,
    pub verdicts: Vec<Verdict>,
    /// The follow-up checklist's ticks (items never ticked are absent).
    pub follow_up: Vec<FollowUpTick>,
}

struct Current {
    status: String,
    classification: Option<String>,
    determination: Option<String>,
    owner: Option<String>,
    severity_override: Option<i64>,
}

fn current(conn: &rusqlite::Connection, id: i64) -> Result<Current> {
    conn.query_row(
        "SELECT status, classification, determination, owner, severity_override FROM incidents WHERE id = ?1",
        [id],
        |r| Ok(Current { status: r.get(0)?, classification: r.get(1)?, determination: r.get(2)?, owner: r.get(3)?, severity_override: r.get(4)? }),
    )
    .optional()?
    .ok_or_else(|| Error::input(Code::NotFound, format!("no incident {} in this case", format_incident_id(id))))
}

fn clean_tag(t: &str) -> Result<String> {
    let t = t.trim();
    if t.is_empty() || t.chars().count() > 64 || t.chars().any(char::is_control) {
        return Err(Error::input(Code::InvalidArgument, format!("'{}' is no tag (1 to 64 printable characters)", t)));
    }
    Ok(t.to_string())
}

fn severity_rank(text: &str) -> Result<Option<i64>> {
    if text == "computed" {
        return Ok(None);
    }
    let s = Severity::parse(text).ok_or_else(|| {
        Error::input(Code::InvalidArgument, format!("unknown severity '{}' (one of: info, low, medium, high, critical, computed)", text))
    })?;
    Ok(Some(crate::store::writer::severity_rank(s)))
}

fn severity_name(rank: Option<i64>) -> Option<String> {
    rank.map(|r| crate::store::writer::severity_of_rank(r).as_str().to_string())
}

/// Applies `change` to incident `id`, or refuses it whole.
pub fn apply(case: &mut Case, clock: &dyn Clock, actor: &str, id: i64, change: &Change) -> Result<Triage> {
    let tx = case.conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    apply_in(&tx, clock.now_ns(), actor, id, change)?;
    tx.commit()?;
    read(case, id)
}

/// Applies one change to several incidents (the queue's bulk edit): all of
/// them or, when any one refuses it, none.
pub fn apply_many(case: &mut Case, clock: &dyn Clock, actor: &str, ids: &[i64], change: &Change) -> Result<Vec<Triage>> {
    if ids.is_empty() {
        return Err(Error::input(Code::InvalidArgument, "no incident selected"));
    }
    let tx = case.conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let now = clock.now_ns();
    for &id in ids {
        apply_in(&tx, now, actor, id, change)?;
    }
    tx.commit()?;
    ids.iter().map(|&id| read(case, id)).collect()
}

/// Validates and writes one incident's change inside the caller's transaction.
fn apply_in(tx: &rusqlite::Connection, now: i64, actor: &str, id: i64, change: &Change) -> Result<()> {
    let v = vocabulary();
    let cur = current(tx, id)?;
    let target = format_incident_id(id);

    // Validate everything before writing anything.
    let (classification, determination) = match (&change.classification, &change.determination) {
        (Some(c), Some(d)) => {
            v.determination(c, d)?;
            (Some(c.clone()), Some(d.clone()))
        }
        (Some(c), None) => {
            let cl = v.classification(c)?;
            return Err(Error::input(
                Code::InvalidArgument,
                format!("classifying as {} needs a determination (one of: {})", cl.name, cl.determinations.iter().map(|d| d.id.as_str()).collect::<Vec<_>>().join(", ")),
            ));
        }
        (None, Some(d)) => {
            let c = cur.classification.clone().ok_or_else(|| {
                Error::input(Code::InvalidArgument, "a determination needs a classification (--classify)")
            })?;
            v.determination(&c, d)?;
            (Some(c), Some(d.clone()))
        }
        (None, None) => (cur.classification.clone(), cur.determination.clone()),
    };
    if let Some(s) = &change.status {
        v.status(s)?;
        if !v.can_move(&cur.status, s) {
            return Err(Error::input(
                Code::InvalidArgument,
                format!("{} cannot move from {} to {} (allowed: {})", target, cur.status, s, v.transitions.get(&cur.status).map(|t| t.join(", ")).unwrap_or_default()),
            ));
        }
        if s == "resolved" && cur.status != "resolved" {
            if classification.is_none() {
                return Err(Error::input(Code::InvalidArgument, format!("resolving {} needs a classification and a determination", target)));
            }
            let comments: i64 = tx.query_row("SELECT COUNT(*) FROM comments WHERE incident_id = ?1", [id], |r| r.get(0))?;
            if comments == 0 && change.comment.as_deref().is_none_or(|c| c.trim().is_empty()) {
                return Err(Error::input(Code::InvalidArgument, format!("resolving {} needs a comment saying why", target)));
            }
        }
    }
    let severity = match &change.severity {
        Some(s) => Some(severity_rank(s)?),
        None => None,
    };
    let add: Vec<String> = change.add_tags.iter().map(|t| clean_tag(t)).collect::<Result<_>>()?;
    let remove: Vec<String> = change.remove_tags.iter().map(|t| t.trim().to_string()).collect();
    if let Some(c) = &change.comment {
        if c.trim().is_empty() {
            return Err(Error::input(Code::InvalidArgument, "a comment needs some text"));
        }
    }

    let mut changed = false;
    let log = |field: &str, from: serde_json::Value, to: serde_json::Value| -> Result<bool> {
        if from == to {
            return Ok(false);
        }
        activity::append(tx, now, actor, "triage", Some(&target), &json!({"field": field, "from": from, "to": to}))?;
        Ok(true)
    };
    if classification != cur.classification || determination != cur.determination {
        changed |= log("classification", json!(cur.classification), json!(classification))?;
        changed |= log("determination", json!(cur.determination), json!(determination))?;
        tx.execute("UPDATE incidents SET classification = ?2, determination = ?3 WHERE id = ?1", params![id, classification, determination])?;
    }
    if let Some(owner) = &change.owner {
        let owner = Some(owner.trim().to_string()).filter(|o| !o.is_empty());
        changed |= log("owner", json!(cur.owner), json!(owner))?;
        tx.execute("UPDATE incidents SET owner = ?2 WHERE id = ?1", params![id, owner])?;
    }
    if let Some(sev) = severity {
        changed |= log("severity", json!(severity_name(cur.severity_override)), json!(severity_name(sev)))?;
        tx.execute("UPDATE incidents SET severity_override = ?2 WHERE id = ?1", params![id, sev])?;
    }
    for t in &add {
        if tx.execute("INSERT OR IGNORE INTO incident_tags (incident_id, tag) VALUES (?1, ?2)", params![id, t])? > 0 {
            changed |= log("tag", json!(null), json!(t))?;
        }
    }
    for t in &remove {
        if tx.execute("DELETE FROM incident_tags WHERE incident_id = ?1 AND tag = ?2", params![id, t])? > 0 {
            changed |= log("tag", json!(t), json!(null))?;
        }
    }
    if let Some(c) = &change.comment {
        tx.execute("INSERT INTO comments (incident_id, at_ns, author, body) VALUES (?1, ?2, ?3, ?4)", params![id, now, actor, c])?;
        let cid = tx.last_insert_rowid();
        activity::append(tx, now, actor, "comment", Some(&target), &json!({"comment": cid, "body": c}))?;
        changed = true;
    }
    if let Some(s) = &change.status {
        changed |= log("status", json!(cur.status), json!(s))?;
        tx.execute("UPDATE incidents SET status = ?2 WHERE id = ?1", params![id, s])?;
    }
    if changed {
        tx.execute("UPDATE incidents SET locked = 1 WHERE id = ?1", [id])?;
    }
    Ok(())
}

/// Sets an investigator's verdict on one of the incident's entities.
pub fn set_verdict(case: &mut Case, clock: &dyn Clock, actor: &str, id: i64, entity: &str, verdict: &str) -> Result<Triage> {
    vocabulary().verdict(verdict)?;
    let tx = case.conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    current(&tx, id)?;
    // By id (16 hex) or by key (`shop/cart-…`, an address …).
    let found: Option<(i64, String, String)> = match crate::store::parse_id(entity) {
        Some(eid) => tx.query_row("SELECT id, kind, key FROM entities WHERE id = ?1", [eid], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?))).optional()?,
        None => {
            let mut st = tx.prepare("SELECT id, kind, key FROM entities WHERE key = ?1 ORDER BY kind")?;
            let all: Vec<(i64, String, String)> = st.query_map([entity], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?.collect::<rusqlite::Result<_>>()?;
            if all.len() > 1 {
                return Err(Error::input(
                    Code::InvalidArgument,
                    format!("'{}' names {} entities ({}); give the entity id instead", entity, all.len(), all.iter().map(|e| e.1.as_str()).collect::<Vec<_>>().join(", ")),
                ));
            }
            all.into_iter().next()
        }
    };
    let (eid, kind, key) = found.ok_or_else(|| Error::input(Code::NotFound, format!("no entity '{}' in this case", entity)))?;
    let target = format_incident_id(id);
    let before: Option<String> = tx
        .query_row("SELECT verdict FROM entity_verdicts WHERE incident_id = ?1 AND entity_id = ?2", params![id, eid], |r| r.get(0))
        .optional()?;
    let now = clock.now_ns();
    if before.as_deref() != Some(verdict) {
        tx.execute(
            "INSERT INTO entity_verdicts (incident_id, entity_id, verdict, at_ns, author) VALUES (?1, ?2, ?3, ?4, ?5)
             ON CONFLICT(incident_id, entity_id) DO UPDATE SET verdict = excluded.verdict, at_ns = excluded.at_ns, author = excluded.author",
            params![id, eid, verdict, now, actor],
        )?;
        activity::append(&tx, now, actor, "verdict", Some(&target), &json!({"entity": {"kind": kind, "key": key}, "from": before, "to": verdict}))?;
        tx.execute("UPDATE incidents SET locked = 1 WHERE id = ?1", [id])?;
    }
    tx.commit()?;
    read(case, id)
}

/// Ticks a follow-up item of the incident's recommended response off, or
/// (`done: false`) unticks it; logged like every decision.
pub fn set_follow_up(case: &mut Case, clock: &dyn Clock, actor: &str, id: i64, item: &str, done: bool) -> Result<Triage> {
    let well_formed = !item.is_empty() && item.len() <= 120 && item.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == ':');
    if !well_formed {
        return Err(Error::input(Code::InvalidArgument, format!("'{}' is no follow-up item (as `kordon show --json` names them: rotate-credentials, hardening:token-automounted …)", item)));
    }
    let tx = case.conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    current(&tx, id)?;
    let before: bool = tx
        .query_row("SELECT done FROM follow_up_ticks WHERE incident_id = ?1 AND item = ?2", params![id, item], |r| r.get::<_, i64>(0))
        .optional()?
        .is_some_and(|d| d != 0);
    if before != done {
        let now = clock.now_ns();
        tx.execute(
            "INSERT INTO follow_up_ticks (incident_id, item, done, at_ns, author) VALUES (?1, ?2, ?3, ?4, ?5)
             ON CONFLICT(incident_id, item) DO UPDATE SET done = excluded.done, at_ns = excluded.at_ns, author = excluded.author",
            params![id, item, done as i64, now, actor],
        )?;
        activity::append(&tx, now, actor, "follow-up", Some(&format_incident_id(id)), &json!({"item": item, "done": done}))?;
        tx.execute("UPDATE incidents SET locked = 1 WHERE id = ?1", [id])?;
    }
    tx.commit()?;
    read(case, id)
}

/// The incident's triage state.
pub fn read(case: &Case, id: i64) -> Result<Triage> {
    let cur = current(&case.conn, id)?;
    let mut st = case.conn.prepare("SELECT tag FROM incident_tags WHERE incident_id = ?1 ORDER BY tag")?;
    let tags = st.query_map([id], |r| r.get(0))?.collect::<rusqlite::Result<Vec<String>>>()?;
    let mut st = case.conn.prepare("SELECT id, at_ns, author, body FROM comments WHERE incident_id = ?1 ORDER BY id")?;
    let comments = st
        .query_map([id], |r| Ok(Comment { id: r.get(0)?, time: format_ns(r.get(1)?), author: r.get(2)?, body: r.get(3)? }))?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    let mut st = case.conn.prepare(
        "SELECT e.kind, e.key, v.verdict, v.at_ns, v.author FROM entity_verdicts v JOIN entities e ON e.id = v.entity_id
         WHERE v.incident_id = ?1 ORDER BY e.kind, e.key",
    )?;
    let verdicts = st
        .query_map([id], |r| {
            Ok(Verdict { entity_kind: r.get(0)?, entity_key: r.get(1)?, verdict: r.get(2)?, time: format_ns(r.get(3)?), author: r.get(4)? })
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    let mut st = case.conn.prepare("SELECT item, done, at_ns, author FROM follow_up_ticks WHERE incident_id = ?1 ORDER BY item")?;
    let follow_up = st
        .query_map([id], |r| Ok(FollowUpTick { item: r.get(0)?, done: r.get::<_, i64>(1)? != 0, time: format_ns(r.get(2)?), author: r.get(3)? }))?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(Triage {
        incident: format_incident_id(id),
        status: cur.status,
        classification: cur.classification,
        determination: cur.determination,
        owner: cur.owner,
        tags,
        severity_override: severity_name(cur.severity_override),
        comments,
        verdicts,
        follow_up,
    })
}
