//! `kordon verify`: is the case what Kordon wrote?
//!
//! Three checks. The activity log's hash chain (each row covers the previous
//! row's hash and its own content), which names the first row edited,
//! deleted or moved outside Kordon. And every imported file's SHA-256 as the
//! case lists it against what its import recorded in that chain, so that a
//! source row rewritten with the sqlite3 shell cannot pass for evidence.
//! The bytes of every attachment the case keeps (a file of an import that
//! is no format Kordon reads) against the SHA-256 its import recorded.
//! And the case's references (SQLite's foreign-key check): an import writes
//! them whole by construction rather than paying a lookup per row, and a row
//! deleted outside Kordon leaves links that point nowhere.

use super::{activity, file_label, Case};
use crate::error::Result;
use serde::Serialize;
use sha2::Digest;
use std::collections::HashMap;

#[derive(Debug, Clone, Serialize)]
pub struct Verification {
    pub ok: bool,
    /// Activity rows whose chain checked out (all of them when `ok`).
    pub activity_rows: usize,
    pub files_checked: usize,
    /// What is wrong, first problem first; empty when `ok`.
    pub problems: Vec<String>,
}

pub fn verify(case: &Case) -> Result<Verification> {
    let mut problems = Vec::new();
    let rows = match activity::verify(&case.conn)? {
        Ok(n) => n,
        Err(e) => {
            problems.push(e);
            0
        }
    };
    // What each import and detection run recorded, from the log itself.
    let mut recorded: HashMap<i64, Vec<(String, Option<String>, String)>> = HashMap::new();
    let mut detect_sources: Vec<i64> = Vec::new();
    // Evidence captured from a cluster before a destructive action.
    let mut captured: Vec<(String, String, String)> = Vec::new();
    for e in activity::list(&case.conn)? {
        match e.action.as_str() {
            "import" => {
                let Some(id) = e.details.get("import_id").and_then(|v| v.as_i64()) else { continue };
                let files = e.details.get("files").and_then(|f| f.as_array()).cloned().unwrap_or_default();
                let list = recorded.entry(id).or_default();
                for f in files {
                    let name = f.get("name").and_then(|v| v.as_str()).unwrap_or_default().to_string();
                    let inner = f.get("inner_path").and_then(|v| v.as_str()).map(str::to_string);
                    if let Some(sha) = f.get("sha256").and_then(|v| v.as_str()) {
                        list.push((name, inner, sha.to_string()));
                    }
                }
            }
            "detect" => detect_sources.extend(e.details.get("source_id").and_then(|v| v.as_i64())),
            "capture" => {
                let action = e.details.get("action").and_then(|v| v.as_str()).unwrap_or_default().to_string();
                for f in e.details.get("files").and_then(|f| f.as_array()).into_iter().flatten() {
                    let name = f.get("name").and_then(|v| v.as_str()).unwrap_or_default().to_string();
                    let sha = f.get("sha256").and_then(|v| v.as_str()).unwrap_or_default().to_string();
                    captured.push((action.clone(), name, sha));
                }
            }
            _ => {}
        }
    }
    let mut st = case.conn.prepare("SELECT id, import_id, name, inner_path, format, sha256 FROM sources ORDER BY id")?;
    let sources: Vec<(i64, i64, String, Option<String>, String, String)> = st
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?)))?
        .collect::<rusqlite::Result<_>>()?;
    for (id, import_id, name, inner, format, sha) in &sources {
        let label = file_label(name, inner.as_deref());
        if format == "kordon" {
            if !detect_sources.contains(id) {
                problems.push(format!("{}: no detection run in the activity log stored these alerts", label));
            }
            continue;
        }
        match recorded.get(import_id) {
            None => problems.push(format!("{}: import {} is not in the activity log", label, import_id)),
            Some(files) => {
                let mine: Vec<&String> =
                    files.iter().filter(|(n, i, _)| n == name && i == inner).map(|(_, _, s)| s).collect();
                if mine.is_empty() {
                    problems.push(format!("{}: import {} did not record this file", label, import_id));
                } else if !mine.contains(&sha) {
                    problems.push(format!(
                        "{}: the case lists SHA-256 {} but import {} recorded {}",
                        label, sha, import_id, mine[0]
                    ));
                }
            }
        }
    }
    let mut st = case.conn.prepare("SELECT action_id, name, sha256, content FROM captures ORDER BY id")?;
    let captures: Vec<(String, String, String, Vec<u8>)> =
        st.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))?.collect::<rusqlite::Result<_>>()?;
    for (action, name, sha, content) in &captures {
        let actual = hex::encode(sha2::Sha256::digest(content));
        if &actual != sha {
            problems.push(format!("capture {} of {}: its content hashes to {}, not the recorded {}", name, action, actual, sha));
        } else if !captured.iter().any(|(a, n, s)| a == action && n == name && s == sha) {
            problems.push(format!("capture {} of {}: the activity log did not record SHA-256 {}", name, action, sha));
        }
    }
    // Attachments: their bytes, where the case keeps them, hash to what the
    // import recorded (the sources row, itself checked above).
    let mut st = case.conn.prepare(
        "SELECT s.name, s.inner_path, s.sha256, a.content FROM sources s JOIN attachment_content a ON a.source_id = s.id ORDER BY s.id",
    )?;
    let kept: Vec<(String, Option<String>, String, Vec<u8>)> =
        st.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))?.collect::<rusqlite::Result<_>>()?;
    for (name, inner, sha, content) in &kept {
        let actual = hex::encode(sha2::Sha256::digest(content));
        if &actual != sha {
            problems.push(format!(
                "attachment {}: its kept bytes hash to {}, not the recorded {}",
                file_label(name, inner.as_deref()),
                actual,
                sha
            ));
        }
    }
    problems.extend(dangling_references(case)?);
    Ok(Verification { ok: problems.is_empty(), activity_rows: rows, files_checked: sources.len() + captures.len(), problems })
}

/// Rows whose foreign keys point at no row, summed up per table and target
/// (a deleted event can leave thousands of links behind); empty when every
/// reference resolves.
pub fn dangling_references(case: &Case) -> Result<Vec<String>> {
    let mut st = case.conn.prepare("PRAGMA foreign_key_check")?;
    let mut counts: std::collections::BTreeMap<(String, String), (u64, Option<i64>)> = Default::default();
    let mut rows = st.query([])?;
    while let Some(r) = rows.next()? {
        let table: String = r.get(0)?;
        let rowid: Option<i64> = r.get(1)?;
        let parent: String = r.get(2)?;
        let entry = counts.entry((table, parent)).or_insert((0, rowid));
        entry.0 += 1;
    }
    Ok(counts
        .into_iter()
        .map(|((table, parent), (n, first))| match first {
            Some(id) if n == 1 => format!("{} row {} refers to a {} row that is not in the case", table, id, parent),
            _ => format!("{} {} rows refer to {} rows that are not in the case", n, table, parent),
        })
        .collect())
}
