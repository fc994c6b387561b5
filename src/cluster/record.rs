//! Cluster actions in the case: one `actions` row per action, written before
//! the first request ('applying') and updated as it goes, and an activity-log
//! row for every step (who, when, context, server, cluster identity, target
//! UID, dry-run answer, result or error). Captured evidence is stored with
//! its SHA-256, which the log's chain also covers.

use crate::clock::Clock;
use crate::error::{Code, Error, Result};
use crate::incident::format_incident_id;
use crate::store::{activity, Case};
use crate::time::format_ns;
use rusqlite::{params, OptionalExtension};
use serde::Serialize;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

#[derive(Debug, Clone, Serialize)]
pub struct ActionRow {
    pub id: String,
    pub incident: Option<String>,
    pub kind: String,
    pub state: String,
    pub created: String,
    pub updated: String,
    pub actor: String,
    pub cluster_user: Option<String>,
    pub context: String,
    pub server: String,
    pub namespace: String,
    pub pod: String,
    pub pod_uid: String,
    pub reason: String,
    pub details: Value,
}

/// What is known before the first request.
pub struct NewAction<'a> {
    pub id: &'a str,
    pub incident: Option<i64>,
    pub kind: &'a str,
    pub state: &'a str,
    pub cluster_user: &'a str,
    pub context: &'a str,
    pub server: &'a str,
    pub namespace: &'a str,
    pub pod: &'a str,
    pub pod_uid: &'a str,
    pub reason: &'a str,
    pub details: Value,
}

/// An action's details with the playbook's requirements and approvals
/// ([`crate::playbook::gate`]) beside them, when the action went through
/// the playbook.
pub fn with_playbook(details: Value, playbook: Option<&Value>) -> Value {
    match (details, playbook) {
        (Value::Object(mut d), Some(g)) => {
            d.insert("playbook".into(), g.clone());
            Value::Object(d)
        }
        (details, _) => details,
    }
}

/// `act-` and 12 hex digits from the time, the action's kind, its target and
/// how many actions the case holds: the same inputs (an injected clock)
/// give the same id, and two actions never share one.
pub fn next_id(case: &Case, now_ns: i64, kind: &str, target: &str) -> Result<String> {
    let n: i64 = case.conn.query_row("SELECT COUNT(*) FROM actions", [], |r| r.get(0))?;
    let mut h = Sha256::new();
    h.update(format!("{}\n{}\n{}\n{}", now_ns, kind, target, n).as_bytes());
    Ok(format!("act-{}", &hex::encode(h.finalize())[..12]))
}

fn target_of(incident: Option<i64>, id: &str) -> String {
    incident.map(format_incident_id).unwrap_or_else(|| id.to_string())
}

pub fn begin(case: &mut Case, clock: &dyn Clock, actor: &str, a: &NewAction) -> Result<()> {
    if a.reason.trim().is_empty() {
        return Err(Error::input(Code::InvalidArgument, "a cluster action needs a reason"));
    }
    let now = clock.now_ns();
    let tx = case.conn.transaction()?;
    tx.execute(
        "INSERT INTO actions (id, incident_id, kind, state, created_ns, updated_ns, actor, cluster_user, context, server, namespace, pod, pod_uid, reason, details)
         VALUES (?1, ?2, ?3, ?4, ?5, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)",
        params![a.id, a.incident, a.kind, a.state, now, actor, a.cluster_user, a.context, a.server, a.namespace, a.pod, a.pod_uid, a.reason, a.details.to_string()],
    )?;
    activity::append(
        &tx,
        now,
        actor,
        "cluster-action",
        Some(&target_of(a.incident, a.id)),
        &json!({
            "action": a.id, "kind": a.kind, "state": a.state, "pod": format!("{}/{}", a.namespace, a.pod), "pod_uid": a.pod_uid,
            "context": a.context, "server": a.server, "cluster_user": a.cluster_user, "reason": a.reason, "details": a.details,
        }),
    )?;
    tx.commit()?;
    Ok(())
}

/// Moves an action to `state`, merging `details` into what is recorded.
pub fn update(case: &mut Case, clock: &dyn Clock, actor: &str, id: &str, state: &str, details: Value) -> Result<ActionRow> {
    let now = clock.now_ns();
    let tx = case.conn.transaction()?;
    let (incident, recorded): (Option<i64>, String) = tx
        .query_row("SELECT incident_id, details FROM actions WHERE id = ?1", [id], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?
        .ok_or_else(|| Error::input(Code::NotFound, format!("no action {} in this case", id)))?;
    let mut merged: Value = serde_json::from_str(&recorded).unwrap_or_else(|_| json!({}));
    if let (Some(m), Some(d)) = (merged.as_object_mut(), details.as_object()) {
        for (k, v) in d {
            m.insert(k.clone(), v.clone());
        }
    }
    tx.execute("UPDATE actions SET state = ?2, updated_ns = ?3, details = ?4 WHERE id = ?1", params![id, state, now, merged.to_string()])?;
    activity::append(&tx, now, actor, "cluster-action", Some(&target_of(incident, id)), &json!({"action": id, "state": state, "details": details}))?;
    tx.commit()?;
    get(case, id)
}

const COLUMNS: &str = "id, incident_id, kind, state, created_ns, updated_ns, actor, cluster_user, context, server, namespace, pod, pod_uid, reason, details";

fn row(r: &rusqlite::Row) -> rusqlite::Result<ActionRow> {
    let details: String = r.get(14)?;
    Ok(ActionRow {
        id: r.get(0)?,
        incident: r.get::<_, Option<i64>>(1)?.map(format_incident_id),
        kind: r.get(2)?,
        state: r.get(3)?,
        created: format_ns(r.get(4)?),
        updated: format_ns(r.get(5)?),
        actor: r.get(6)?,
        cluster_user: r.get(7)?,
        context: r.get(8)?,
        server: r.get(9)?,
        namespace: r.get(10)?,
        pod: r.get(11)?,
        pod_uid: r.get(12)?,
        reason: r.get(13)?,
        details: serde_json::from_str(&details).unwrap_or(Value::String(details)),
    })
}

pub fn get(case: &Case, id: &str) -> Result<ActionRow> {
    case.conn
        .query_row(&format!("SELECT {} FROM actions WHERE id = ?1", COLUMNS), [id], row)
        .optional()?
        .ok_or_else(|| Error::input(Code::NotFound, format!("no action {} in this case", id)))
}

/// The case's actions (or one incident's), oldest first.
pub fn list(case: &Case, incident: Option<i64>) -> Result<Vec<ActionRow>> {
    let mut st = case.conn.prepare(&format!("SELECT {} FROM actions WHERE ?1 IS NULL OR incident_id = ?1 ORDER BY created_ns, id", COLUMNS))?;
    let rows = st.query_map([incident], row)?.collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(rows)
}

#[derive(Debug, Clone, Serialize)]
pub struct Capture {
    pub name: String,
    pub sha256: String,
    pub size: usize,
}

/// Stores captured evidence with its SHA-256, in one transaction with the
/// log row that lists every capture's digest.
pub fn store_captures(case: &mut Case, clock: &dyn Clock, actor: &str, id: &str, files: &[(String, Vec<u8>)]) -> Result<Vec<Capture>> {
    let now = clock.now_ns();
    let tx = case.conn.transaction()?;
    let incident: Option<i64> = tx
        .query_row("SELECT incident_id FROM actions WHERE id = ?1", [id], |r| r.get(0))
        .optional()?
        .ok_or_else(|| Error::input(Code::NotFound, format!("no action {} in this case", id)))?;
    let mut out = Vec::new();
    for (name, bytes) in files {
        let sha = hex::encode(Sha256::digest(bytes));
        tx.execute(
            "INSERT INTO captures (action_id, name, sha256, size, content) VALUES (?1, ?2, ?3, ?4, ?5)",
            params![id, name, sha, bytes.len() as i64, bytes],
        )?;
        out.push(Capture { name: name.clone(), sha256: sha, size: bytes.len() });
    }
    activity::append(&tx, now, actor, "capture", Some(&target_of(incident, id)), &json!({"action": id, "files": out}))?;
    tx.commit()?;
    Ok(out)
}

/// The captures of an action (without their bytes).
pub fn captures(case: &Case, id: &str) -> Result<Vec<Capture>> {
    let mut st = case.conn.prepare("SELECT name, sha256, size FROM captures WHERE action_id = ?1 ORDER BY id")?;
    let rows = st
        .query_map([id], |r| Ok(Capture { name: r.get(0)?, sha256: r.get(1)?, size: r.get::<_, i64>(2)? as usize }))?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(rows)
}
