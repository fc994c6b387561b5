//! Triage as the activity log tells it, against triage as the case holds it.
//!
//! Every decision is one log row written in the transaction that makes it
//! (see the module above), so replaying the log from the first row gives
//! each incident's status, classification, determination, owner, severity,
//! tags, verdicts, follow-up ticks and comments. `kordon verify` compares
//! that replay with the tables: a state changed directly in the file, or a
//! log that lost the rows behind a state (the newest rows deleted, say: an
//! incident still resolved with no row resolving it), shows as a difference
//! named by incident and field. Each row's `from` must also be the state the
//! replay had reached, so a row taken out of the middle shows too.

use crate::error::Result;
use crate::incident::{format_incident_id, parse_incident_id};
use crate::store::activity::Entry;
use rusqlite::Connection;
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};

/// One incident's decisions, as replayed or as stored.
#[derive(Debug, Clone, PartialEq, Default)]
struct State {
    fields: BTreeMap<&'static str, Value>,
    tags: BTreeSet<String>,
    /// (entity kind, entity key) → verdict.
    verdicts: BTreeMap<(String, String), String>,
    /// Follow-up item → ticked.
    ticks: BTreeMap<String, bool>,
}

/// The fields a `triage` row names, and their value before any decision.
const FIELDS: [(&str, &str); 5] =
    [("status", "new"), ("classification", ""), ("determination", ""), ("owner", ""), ("severity", "")];

fn initial() -> State {
    let mut s = State::default();
    for (field, start) in FIELDS {
        s.fields.insert(field, if start.is_empty() { Value::Null } else { Value::String(start.into()) });
    }
    s
}

/// A comment as the log recorded it.
#[derive(Debug, PartialEq)]
struct LoggedComment {
    incident: i64,
    at_ns: i64,
    author: String,
    body: String,
}

/// What differs between the log's replay and the case; empty when nothing.
pub fn check(conn: &Connection, log: &[Entry]) -> Result<Vec<String>> {
    let mut problems = Vec::new();
    let mut replayed: BTreeMap<i64, State> = BTreeMap::new();
    let mut comments: BTreeMap<i64, LoggedComment> = BTreeMap::new();
    for e in log {
        let Some(id) = e.target.as_deref().and_then(parse_incident_id) else { continue };
        let state = replayed.entry(id).or_insert_with(initial);
        match e.action.as_str() {
            "triage" => replay_field(state, e, &mut problems),
            "verdict" => {
                let kind = text(&e.details["entity"]["kind"]);
                let key = text(&e.details["entity"]["key"]);
                match e.details["to"].as_str() {
                    Some(v) => state.verdicts.insert((kind, key), v.to_string()),
                    None => state.verdicts.remove(&(kind, key)),
                };
            }
            "follow-up" => {
                state.ticks.insert(text(&e.details["item"]), e.details["done"].as_bool().unwrap_or(false));
            }
            "comment" => {
                if let Some(cid) = e.details["comment"].as_i64() {
                    let body = text(&e.details["body"]);
                    comments.insert(cid, LoggedComment { incident: id, at_ns: e.at_ns, author: e.actor.clone(), body });
                }
            }
            _ => {}
        }
    }
    let stored = stored_states(conn)?;
    for (id, state) in &replayed {
        let here = stored.get(id);
        let inc = format_incident_id(*id);
        match here {
            None if *state != initial() => problems.push(format!("{}: the activity log has decisions on it, but the case has no such incident", inc)),
            None => {}
            Some(here) => problems.extend(differences(&inc, state, here)),
        }
    }
    for (id, here) in &stored {
        if !replayed.contains_key(id) && *here != initial() {
            problems.extend(differences(&format_incident_id(*id), &initial(), here));
        }
    }
    problems.extend(check_comments(conn, &comments)?);
    Ok(problems)
}

fn text(v: &Value) -> String {
    v.as_str().unwrap_or_default().to_string()
}

/// Applies one `triage` row; a `from` that is not the replay's state says a
/// row before it is missing or was changed.
fn replay_field(state: &mut State, e: &Entry, problems: &mut Vec<String>) {
    let field = e.details["field"].as_str().unwrap_or_default();
    let (from, to) = (&e.details["from"], &e.details["to"]);
    if field == "tag" {
        let ok = match (from.as_str(), to.as_str()) {
            (None, Some(added)) => state.tags.insert(added.to_string()),
            (Some(removed), None) => state.tags.remove(removed),
            _ => false,
        };
        if !ok {
            problems.push(format!("activity row {}: a tag change that does not follow from the rows before it", e.id));
        }
        return;
    }
    let Some((name, _)) = FIELDS.iter().find(|(f, _)| *f == field) else { return };
    let before = state.fields.insert(name, to.clone()).unwrap_or(Value::Null);
    if &before != from {
        problems.push(format!(
            "activity row {}: {} changed from {} but the rows before it leave it {} (a row is missing or was changed)",
            e.id, field, from, before
        ));
    }
}

/// Each incident's decisions as the tables hold them.
fn stored_states(conn: &Connection) -> Result<BTreeMap<i64, State>> {
    let mut out = BTreeMap::new();
    let mut st = conn.prepare("SELECT id, status, classification, determination, owner, severity_override FROM incidents")?;
    let mut rows = st.query([])?;
    while let Some(r) = rows.next()? {
        let mut s = State::default();
        let opt = |v: Option<String>| v.map_or(Value::Null, Value::String);
        s.fields.insert("status", Value::String(r.get(1)?));
        s.fields.insert("classification", opt(r.get(2)?));
        s.fields.insert("determination", opt(r.get(3)?));
        s.fields.insert("owner", opt(r.get(4)?));
        s.fields.insert("severity", opt(super::severity_name(r.get(5)?)));
        out.insert(r.get::<_, i64>(0)?, s);
    }
    let mut st = conn.prepare("SELECT incident_id, tag FROM incident_tags")?;
    for row in st.query_map([], |r| Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?)))? {
        let (id, tag) = row?;
        out.entry(id).or_insert_with(State::default).tags.insert(tag);
    }
    let mut st = conn.prepare("SELECT v.incident_id, e.kind, e.key, v.verdict FROM entity_verdicts v LEFT JOIN entities e ON e.id = v.entity_id")?;
    for row in st.query_map([], |r| {
        Ok((r.get::<_, i64>(0)?, r.get::<_, Option<String>>(1)?.unwrap_or_default(), r.get::<_, Option<String>>(2)?.unwrap_or_default(), r.get::<_, String>(3)?))
    })? {
        let (id, kind, key, verdict) = row?;
        out.entry(id).or_insert_with(State::default).verdicts.insert((kind, key), verdict);
    }
    let mut st = conn.prepare("SELECT incident_id, item, done FROM follow_up_ticks")?;
    for row in st.query_map([], |r| Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?, r.get::<_, i64>(2)? != 0)))? {
        let (id, item, done) = row?;
        out.entry(id).or_insert_with(State::default).ticks.insert(item, done);
    }
    Ok(out)
}

/// What an incident's stored decisions say that the log's do not.
fn differences(inc: &str, logged: &State, stored: &State) -> Vec<String> {
    let mut out = Vec::new();
    for (field, want) in &logged.fields {
        let have = stored.fields.get(field).unwrap_or(&Value::Null);
        if have != want {
            out.push(format!("{}: its {} is {} but the activity log makes it {}", inc, field, have, want));
        }
    }
    if logged.tags != stored.tags {
        out.push(format!("{}: its tags are {:?} but the activity log makes them {:?}", inc, stored.tags, logged.tags));
    }
    if logged.verdicts != stored.verdicts {
        out.push(format!("{}: its entity verdicts differ from what the activity log records", inc));
    }
    // A tick row never deleted: an unticked item stays as `false`.
    let ticked = |s: &State| s.ticks.iter().filter(|(_, d)| **d).map(|(i, _)| i.clone()).collect::<BTreeSet<_>>();
    if ticked(logged) != ticked(stored) {
        out.push(format!("{}: its ticked follow-up items are {:?} but the activity log makes them {:?}", inc, ticked(stored), ticked(logged)));
    }
    out
}

/// Every comment is the one its log row recorded (incident, time, author,
/// text), and every logged comment is still there.
fn check_comments(conn: &Connection, logged: &BTreeMap<i64, LoggedComment>) -> Result<Vec<String>> {
    let mut out = Vec::new();
    let mut st = conn.prepare("SELECT id, incident_id, at_ns, author, body FROM comments ORDER BY id")?;
    let stored: BTreeMap<i64, LoggedComment> = st
        .query_map([], |r| {
            Ok((r.get(0)?, LoggedComment { incident: r.get(1)?, at_ns: r.get(2)?, author: r.get(3)?, body: r.get(4)? }))
        })?
        .collect::<rusqlite::Result<_>>()?;
    for (id, c) in &stored {
        match logged.get(id) {
            None => out.push(format!("comment {} on {}: the activity log did not record it", id, format_incident_id(c.incident))),
            Some(l) if l != c => out.push(format!(
                "comment {} on {}: it differs from what the activity log recorded (incident, time, author or text)",
                id,
                format_incident_id(c.incident)
            )),
            Some(_) => {}
        }
    }
    for (id, l) in logged {
        if !stored.contains_key(id) {
            out.push(format!("comment {} on {}: recorded in the activity log, missing from the case", id, format_incident_id(l.incident)));
        }
    }
    Ok(out)
}
