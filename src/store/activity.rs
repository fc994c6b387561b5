//! The activity log: append-only, hash-chained.
//!
//! Each row's hash is SHA-256 over the previous row's hash and the row's own
//! id and content, so editing, deleting or reordering rows outside Kordon
//! breaks the chain at the first tampered row.

use crate::error::Result;
use rusqlite::{params, Connection, OptionalExtension};
use serde::Serialize;
use sha2::{Digest, Sha256};

pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

#[derive(Debug, Clone, Serialize)]
pub struct Entry {
    pub id: i64,
    pub at_ns: i64,
    pub actor: String,
    pub action: String,
    pub target: Option<String>,
    pub details: serde_json::Value,
    pub prev_hash: String,
    pub hash: String,
}

fn row_hash(prev: &str, id: i64, at_ns: i64, actor: &str, action: &str, target: Option<&str>, details: &str) -> String {
    let mut h = Sha256::new();
    for part in [prev.as_bytes(), id.to_string().as_bytes(), at_ns.to_string().as_bytes(), actor.as_bytes(), action.as_bytes(), target.unwrap_or("").as_bytes(), details.as_bytes()] {
        h.update((part.len() as u64).to_be_bytes());
        h.update(part);
    }
    hex::encode(h.finalize())
}

/// Appends one entry; call inside the transaction that makes the change, so
/// the change and its record commit together.
pub fn append(
    conn: &Connection,
    at_ns: i64,
    actor: &str,
    action: &str,
    target: Option<&str>,
    details: &serde_json::Value,
) -> Result<i64> {
    let last: Option<(i64, String)> = conn
        .query_row("SELECT id, hash FROM activity ORDER BY id DESC LIMIT 1", [], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?;
    let (id, prev) = match last {
        Some((id, hash)) => (id + 1, hash),
        None => (1, GENESIS.to_string()),
    };
    // The entry that ends a change of the derived tables commits to them.
    let details = match super::derived::commit_pending(conn)? {
        None => serde_json::to_string(details),
        Some((states, adopted)) => {
            let mut details = match details {
                serde_json::Value::Object(map) => map.clone(),
                other => serde_json::Map::from_iter([("value".to_string(), other.clone())]),
            };
            details.insert(super::derived::LOG_KEY.into(), states);
            if adopted {
                details.insert(super::derived::ADOPTED_KEY.into(), true.into());
            }
            serde_json::to_string(&details)
        }
    }
    .unwrap_or_else(|_| "{}".into());
    let hash = row_hash(&prev, id, at_ns, actor, action, target, &details);
    conn.execute(
        "INSERT INTO activity (id, at_ns, actor, action, target, details, prev_hash, hash) VALUES (?1,?2,?3,?4,?5,?6,?7,?8)",
        params![id, at_ns, actor, action, target, details, prev, hash],
    )?;
    Ok(id)
}

/// Checks the whole chain; `Err(message)` names the first bad row.
pub fn verify(conn: &Connection) -> Result<std::result::Result<usize, String>> {
    let mut st = conn.prepare("SELECT id, at_ns, actor, action, target, details, prev_hash, hash FROM activity ORDER BY id")?;
    let mut rows = st.query([])?;
    let mut prev = GENESIS.to_string();
    let mut expected_id = 1i64;
    let mut n = 0usize;
    while let Some(r) = rows.next()? {
        let id: i64 = r.get(0)?;
        let at_ns: i64 = r.get(1)?;
        let actor: String = r.get(2)?;
        let action: String = r.get(3)?;
        let target: Option<String> = r.get(4)?;
        let details: String = r.get(5)?;
        let prev_hash: String = r.get(6)?;
        let hash: String = r.get(7)?;
        if id != expected_id {
            return Ok(Err(format!("activity row {} is missing (found row {} next)", expected_id, id)));
        }
        if prev_hash != prev {
            return Ok(Err(format!("activity row {} does not follow row {} (chain broken)", id, id - 1)));
        }
        if row_hash(&prev, id, at_ns, &actor, &action, target.as_deref(), &details) != hash {
            return Ok(Err(format!("activity row {} was changed after it was written", id)));
        }
        prev = hash;
        expected_id += 1;
        n += 1;
    }
    Ok(Ok(n))
}

pub fn list(conn: &Connection) -> Result<Vec<Entry>> {
    let mut st = conn.prepare("SELECT id, at_ns, actor, action, target, details, prev_hash, hash FROM activity ORDER BY id")?;
    let rows = st
        .query_map([], |r| {
            let details: String = r.get(5)?;
            Ok(Entry {
                id: r.get(0)?,
                at_ns: r.get(1)?,
                actor: r.get(2)?,
                action: r.get(3)?,
                target: r.get(4)?,
                details: serde_json::from_str(&details).unwrap_or(serde_json::Value::String(details)),
                prev_hash: r.get(6)?,
                hash: r.get(7)?,
            })
        })?
        .collect::<rusqlite::Result<_>>()?;
    Ok(rows)
}
