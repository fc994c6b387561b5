//! `kordon verify`: is the case what Kordon wrote?
//!
//! What it proves, each against the activity log (itself a hash chain):
//! - The log's chain: each row covers the previous row's hash and its own
//!   content, so a row edited, deleted or moved outside Kordon is named.
//! - Against a head kept outside the case (`kordon log --head`, given back
//!   as `--expect-head`): that the log still has that row with that hash.
//!   This is the only check a rewrite of the whole chain (rows changed and
//!   every hash after them recomputed), or the newest rows deleted with
//!   nothing resting on them, cannot pass: an unkeyed chain inside the file
//!   can be rebuilt by whoever can write the file.
//! - Imported files: every file an import recorded is in the case, with the
//!   SHA-256 recorded; every file the case lists was recorded by an import;
//!   each keeps as many raw records as its import stored (a deleted event,
//!   or a file's events deleted, shows as a count that fell), and the very
//!   records: each is decompressed and hashed again, and the file's records
//!   digest ([`RecordsDigest`]) must be the one its import recorded (a raw
//!   record rewritten in place, or swapped with another, shows).
//! - Attachments and captured evidence: their bytes hash to what was recorded.
//! - Triage: the incidents' status, classification, determination, owner,
//!   severity, tags, verdicts, follow-up ticks and comments equal the
//!   replay of the log ([`crate::triage::replay`]).
//! - Derived data: the events' normalized columns (title, message, fields,
//!   severity, entity links …), the entities and their attributes add up
//!   to what the newest log entry that changed them committed to
//!   ([`derived`]), and the index of event–entity links holds exactly the
//!   links the events list. A case begun by an older Kordon is committed to
//!   as found by its next import, which the result says.
//! - References: every foreign key resolves (an import writes them whole by
//!   construction; a row deleted outside Kordon leaves links to nothing).
//!
//! What it does not prove yet is listed in every result ([`LIMITS`]).

use super::raw::Decoder;
use super::derived;
use super::digests::{Digests, RecordsDigest};
use super::{activity, file_label, record_digest, Case};
use crate::error::Result;
use serde::Serialize;
use sha2::Digest;
use std::collections::{BTreeMap, HashMap};

#[derive(Debug, Clone, Serialize)]
pub struct Verification {
    pub ok: bool,
    /// Activity rows whose chain checked out (all of them when `ok`).
    pub activity_rows: usize,
    pub files_checked: usize,
    /// What is wrong, first problem first; empty when `ok`.
    pub problems: Vec<String>,
    /// The log's newest row and its hash: what to keep outside the case.
    pub head: Option<Head>,
    /// Whether the log was checked against a head kept outside the case.
    pub head_checked: bool,
    /// What this verification cannot tell.
    pub limits: Vec<String>,
}

/// What `verify` does not prove (see the module doc).
pub const LIMITS: &[&str] = &[
    "the search index, the signals and how incidents group them are not checked: `detect` and `correlate` derive them again from the events",
];

/// Without a head kept outside the case, this one more.
pub const NO_HEAD: &str = "without --expect-head, a log rewritten whole (hashes recomputed) or cut at its newest rows with no decision resting on them passes: keep `kordon log --head` outside the case";

/// An activity-log row and its hash, `ROW:HASH` as `kordon log --head`
/// prints it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Head {
    pub row: i64,
    pub hash: String,
}

impl std::fmt::Display for Head {
    fn fmt(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        write!(f, "{}:{}", self.row, self.hash)
    }
}

impl std::str::FromStr for Head {
    type Err = crate::error::Error;
    fn from_str(s: &str) -> Result<Head> {
        let bad = || {
            crate::error::Error::input(
                crate::error::Code::InvalidArgument,
                format!("'{}' is no log head: give ROW:HASH as `kordon log --head` prints it", s),
            )
        };
        let (row, hash) = s.trim().split_once(':').ok_or_else(bad)?;
        let row: i64 = row.parse().map_err(|_| bad())?;
        let hash = hash.to_ascii_lowercase();
        if row < 1 || hash.len() != 64 || !hash.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(bad());
        }
        Ok(Head { row, hash })
    }
}

/// The log's newest row and its hash.
pub fn head(case: &Case) -> Result<Option<Head>> {
    use rusqlite::OptionalExtension;
    Ok(case
        .conn
        .query_row("SELECT id, hash FROM activity ORDER BY id DESC LIMIT 1", [], |r| Ok(Head { row: r.get(0)?, hash: r.get(1)? }))
        .optional()?)
}

/// Whether the log still holds the head kept outside the case.
fn check_head(case: &Case, expected: &Head, newest: Option<&Head>) -> Result<Option<String>> {
    use rusqlite::OptionalExtension;
    let hash: Option<String> =
        case.conn.query_row("SELECT hash FROM activity WHERE id = ?1", [expected.row], |r| r.get(0)).optional()?;
    Ok(match hash {
        Some(h) if h == expected.hash => None,
        Some(h) => Some(format!(
            "the activity log was rewritten: row {} hashes to {} but the head kept outside the case says {}",
            expected.row, h, expected.hash
        )),
        None => Some(format!(
            "the activity log lost rows: the head kept outside the case is row {} but the log ends at row {}",
            expected.row,
            newest.map_or(0, |h| h.row)
        )),
    })
}

pub fn verify(case: &Case, expected: Option<&Head>) -> Result<Verification> {
    let mut problems = Vec::new();
    let rows = match activity::verify(&case.conn)? {
        Ok(n) => n,
        Err(e) => {
            problems.push(e);
            0
        }
    };
    let newest = head(case)?;
    if let Some(expected) = expected {
        problems.extend(check_head(case, expected, newest.as_ref())?);
    }
    let log = activity::list(&case.conn)?;
    // What each import and detection run recorded, from the log itself.
    let mut recorded: HashMap<i64, Vec<Recorded>> = HashMap::new();
    let mut detect_sources: Vec<i64> = Vec::new();
    // Evidence captured from a cluster before a destructive action.
    let mut captured: Vec<(String, String, String)> = Vec::new();
    for e in &log {
        match e.action.as_str() {
            "import" => {
                let Some(id) = e.details.get("import_id").and_then(|v| v.as_i64()) else { continue };
                let list = recorded.entry(id).or_default();
                list.extend(e.details.get("files").and_then(|f| f.as_array()).into_iter().flatten().filter_map(Recorded::of));
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
    let kept = records_per_source(case, &mut problems)?;
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
                let mine: Vec<&Recorded> = files.iter().filter(|r| &r.name == name && &r.inner == inner).collect();
                if mine.is_empty() {
                    problems.push(format!("{}: import {} did not record this file", label, import_id));
                } else if let Some(r) = mine.iter().find(|r| &r.sha256 == sha) {
                    let (have, digest) = kept.get(id).cloned().unwrap_or((0, RecordsDigest::default().finish()));
                    if let Some(want) = r.records.filter(|w| *w != have) {
                        problems.push(format!("{}: the case keeps {} raw record(s) of it, its import stored {}", label, have, want));
                    } else if r.records_sha256.as_ref().is_some_and(|want| *want != digest) {
                        problems.push(format!(
                            "{}: its {} raw record(s) are not the ones its import stored: one was rewritten or swapped (records digest {}, recorded {})",
                            label,
                            have,
                            digest,
                            r.records_sha256.as_deref().unwrap_or_default()
                        ));
                    }
                } else {
                    problems.push(format!(
                        "{}: the case lists SHA-256 {} but import {} recorded {}",
                        label, sha, import_id, mine[0].sha256
                    ));
                }
            }
        }
    }
    // Every file an import recorded as imported is still in the case.
    for (import_id, files) in &recorded {
        for r in files.iter().filter(|r| r.imported) {
            let present = sources.iter().any(|(_, i, n, inner, _, sha)| i == import_id && n == &r.name && inner == &r.inner && sha == &r.sha256);
            if !present {
                problems.push(format!(
                    "{}: import {} recorded it (SHA-256 {}), the case no longer has it",
                    file_label(&r.name, r.inner.as_deref()),
                    import_id,
                    r.sha256
                ));
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
    problems.extend(crate::triage::replay::check(&case.conn, &log)?);
    problems.extend(crate::playbook::stored::check(case, &log)?);
    problems.extend(dangling_references(case)?);
    let mut limits: Vec<String> = LIMITS.iter().map(|l| l.to_string()).collect();
    check_derived(case, &log, &mut problems, &mut limits)?;
    problems.extend(link_mismatches(case)?);
    if expected.is_none() {
        limits.push(NO_HEAD.to_string());
    }
    Ok(Verification {
        ok: problems.is_empty(),
        activity_rows: rows,
        files_checked: sources.len() + captures.len(),
        problems,
        head: newest,
        head_checked: expected.is_some(),
        limits,
    })
}

/// The events, entities and attributes add up to what the log committed
/// to last ([`derived`]).
fn check_derived(case: &Case, log: &[activity::Entry], problems: &mut Vec<String>, limits: &mut Vec<String>) -> Result<()> {
    let now = derived::recompute(&case.conn)?;
    let committed = log.iter().rev().find_map(|e| Some((e.id, e.details.get(derived::LOG_KEY)?)));
    match committed {
        None if now.values().any(|s| *s != derived::State::default()) => limits.push(UNCOMMITTED.to_string()),
        None => {}
        Some((row, v)) => match derived::Commitment::from_json(v) {
            None => problems.push(format!("log row {}: what it commits to of the events and entities is unreadable", row)),
            Some(c) => {
                for (table, have) in &now {
                    let want = c.states.get(table).cloned().unwrap_or_default();
                    if *have != want {
                        problems.push(format!(
                            "the {} were changed outside Kordon: their rows no longer add up to what log row {} committed to (state {}, committed {})",
                            table.replace('_', " "),
                            row,
                            have.short(),
                            want.short()
                        ));
                    }
                }
            }
        },
    }
    if let Some(e) = log.iter().find(|e| e.details.get(derived::ADOPTED_KEY).is_some_and(|v| v == true)) {
        limits.push(format!(
            "log row {} committed to the events and entities as it found them (the case was begun by an older Kordon): a change made before it cannot show",
            e.id
        ));
    }
    Ok(())
}

/// Without a commitment in the log, this one more.
pub const UNCOMMITTED: &str = "the events and entities were imported by an older Kordon, whose log does not commit to them: an edit of their normalized fields passes until the next import";

/// Event–entity links that the events' own lists (`entity_refs`, committed
/// with the events) do not have, or that are missing from the index of
/// links: the graph and "everything about this pod" read the index.
///
/// One set difference and two counts: the lists hold each link once
/// (Kordon writes them sorted and without repeats, and the commitment
/// covers them), so an index with no link outside them and as many links
/// holds exactly theirs. The difference the other way would cost as much
/// again (a second pass over every link of the case).
fn link_mismatches(case: &Case) -> Result<Vec<String>> {
    let conn = &case.conn;
    let listed: i64 = conn.query_row("SELECT COALESCE(SUM(json_array_length(entity_refs)), 0) FROM events", [], |r| r.get(0))?;
    let indexed: i64 = conn.query_row("SELECT COUNT(*) FROM event_entities", [], |r| r.get(0))?;
    let unlisted: i64 = conn.query_row(
        "SELECT COUNT(*) FROM (SELECT event_id, entity_id, role FROM event_entities
             EXCEPT SELECT e.id, json_extract(j.value, '$[0]'), json_extract(j.value, '$[1]') FROM events e, json_each(e.entity_refs) j)",
        [],
        |r| r.get(0),
    )?;
    let mut problems = Vec::new();
    if unlisted > 0 {
        problems.push(format!("{} event–entity link(s) were added outside Kordon: the events they join do not list them", unlisted));
    }
    let missing = listed - (indexed - unlisted);
    if missing > 0 {
        problems.push(format!("{} event–entity link(s) the events list are missing from the case's index of links", missing));
    }
    Ok(problems)
}

/// A file as its import's log row recorded it.
struct Recorded {
    name: String,
    inner: Option<String>,
    sha256: String,
    /// Raw records stored, and their digest (imports of this version on);
    /// `None` before.
    records: Option<u64>,
    records_sha256: Option<String>,
    /// Stored in the case (not skipped as a duplicate or empty).
    imported: bool,
}

impl Recorded {
    fn of(f: &serde_json::Value) -> Option<Recorded> {
        Some(Recorded {
            name: f.get("name").and_then(|v| v.as_str()).unwrap_or_default().to_string(),
            inner: f.get("inner_path").and_then(|v| v.as_str()).map(str::to_string),
            sha256: f.get("sha256").and_then(|v| v.as_str())?.to_string(),
            records: f.get("records").and_then(|v| v.as_u64()),
            records_sha256: f.get("records_sha256").and_then(|v| v.as_str()).map(str::to_string),
            imported: f.get("skipped").is_none_or(|s| s.is_null()),
        })
    }
}

/// The raw records the case keeps per file — events' own, their further
/// records, and the records that did not parse — counted and digested as
/// the import did ([`Digests`]), each record decompressed and hashed again.
fn records_per_source(case: &Case, problems: &mut Vec<String>) -> Result<BTreeMap<i64, (u64, String)>> {
    let conn = &case.conn;
    let mut decoder = Decoder::new(conn);
    let mut digests = Digests::default();
    for (table, query) in [
        ("events", "SELECT source_id, offset, raw_dict, raw, rowid FROM events"),
        ("event_records", "SELECT source_id, offset, raw_dict, raw, rowid FROM event_records"),
        ("parse_errors", "SELECT source_id, offset, NULL, raw, rowid FROM parse_errors"),
    ] {
        let mut st = conn.prepare(query)?;
        let mut rows = st.query([])?;
        while let Some(r) = rows.next()? {
            let stored: Vec<u8> = r.get(3)?;
            // A record that no longer decompresses counts as changed: its
            // file's digest cannot match, and the rest is still checked.
            let digest = match decoder.decode(r.get(2)?, &stored) {
                Ok(raw) => record_digest(&raw),
                Err(e) => {
                    problems.push(format!("{} row {}: its stored record does not decompress ({})", table, r.get::<_, i64>(4)?, e));
                    [0u8; 32]
                }
            };
            digests.add(conn, r.get(0)?, r.get(1)?, digest)?;
        }
    }
    digests.finish(conn)
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
