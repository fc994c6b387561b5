//! The case's playbook: loaded byte-exact with its SHA-256 and a log
//! entry, the newest load in force; Kordon's default until one is loaded.

use super::format::Playbook;
use crate::clock::Clock;
use crate::error::{Code, Error, Result};
use crate::store::{activity, Case};
use rusqlite::OptionalExtension;
use serde::Serialize;

/// Kordon's default playbook, in force until a case loads its own.
pub const DEFAULT_YAML: &str = include_str!("../../data/playbook.yaml");

/// A playbook larger than this is not a playbook.
pub const MAX_BYTES: u64 = 1 << 20;

/// Where the playbook in force comes from.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Origin {
    /// `default` (Kordon's own), or `loaded`.
    pub kind: String,
    /// The file it was loaded from (for the default, `data/playbook.yaml`).
    pub file: String,
    pub sha256: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub loaded_at: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub loaded_by: Option<String>,
    /// The activity log entry of the load.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub log_entry: Option<i64>,
}

/// The playbook in force and where it comes from.
#[derive(Debug, Clone, Serialize)]
pub struct InForce {
    pub origin: Origin,
    pub playbook: Playbook,
    /// The file as written (comments included).
    #[serde(skip)]
    pub text: String,
}

/// Kordon's default playbook.
pub fn default_playbook() -> InForce {
    InForce {
        origin: Origin {
            kind: "default".into(),
            file: "data/playbook.yaml".into(),
            sha256: crate::bundle::sha256_hex(DEFAULT_YAML.as_bytes()),
            loaded_at: None,
            loaded_by: None,
            log_entry: None,
        },
        playbook: Playbook::parse("data/playbook.yaml", DEFAULT_YAML).expect("the default playbook is valid (pinned by tests)"),
        text: DEFAULT_YAML.to_string(),
    }
}

/// The newest playbook row, with the log entry of its load.
struct Row {
    file: String,
    content: Vec<u8>,
    sha256: String,
    loaded_ns: i64,
    author: String,
    log_entry: Option<i64>,
}

/// The playbook in force in the case.
pub fn in_force(case: &Case) -> Result<InForce> {
    let row = case
        .conn
        .query_row(
            "SELECT p.file_name, p.content, p.sha256, p.loaded_ns, p.author,
                    (SELECT a.id FROM activity a WHERE a.action = 'playbook-load' AND a.target = 'playbook ' || p.id)
             FROM playbooks p ORDER BY p.id DESC LIMIT 1",
            [],
            |r| {
                Ok(Row {
                    file: r.get(0)?,
                    content: r.get(1)?,
                    sha256: r.get(2)?,
                    loaded_ns: r.get(3)?,
                    author: r.get(4)?,
                    log_entry: r.get(5)?,
                })
            },
        )
        .optional()?;
    let Some(row) = row else { return Ok(default_playbook()) };
    let text = std::str::from_utf8(&row.content)
        .map_err(|_| Error::input(Code::BadCase, format!("the case's playbook {} is not UTF-8 text", row.file)))?;
    Ok(InForce {
        playbook: Playbook::parse(&row.file, text)?,
        text: text.to_string(),
        origin: Origin {
            kind: "loaded".into(),
            sha256: row.sha256,
            loaded_at: Some(crate::time::format_ns(row.loaded_ns)),
            loaded_by: Some(row.author),
            log_entry: row.log_entry,
            file: row.file,
        },
    })
}

/// What a load did.
#[derive(Debug, Clone, Serialize)]
pub struct Loaded {
    pub name: String,
    pub file: String,
    pub sha256: String,
    pub rules: usize,
    /// The same bytes were in force already: nothing was stored.
    pub unchanged: bool,
}

/// Stores a playbook in the case, in force from now, with a log entry;
/// refuses one that does not validate, leaving the case as it was.
pub fn load(case: &mut Case, clock: &dyn Clock, actor: &str, file: &str, bytes: &[u8]) -> Result<Loaded> {
    if bytes.len() as u64 > MAX_BYTES {
        return Err(Error::input(Code::InvalidPlaybook, format!("{}: over {} bytes, not a playbook", file, MAX_BYTES)));
    }
    let text = std::str::from_utf8(bytes).map_err(|e| {
        let at = e.valid_up_to();
        let line = bytes[..at].iter().filter(|b| **b == b'\n').count() + 1;
        Error::input(Code::InvalidPlaybook, format!("{}: line {}: not UTF-8 text (byte {})", file, line, at))
    })?;
    let playbook = Playbook::parse(file, text)?;
    let sha256 = crate::bundle::sha256_hex(bytes);
    let loaded = Loaded { name: playbook.name.clone(), file: file.to_string(), sha256: sha256.clone(), rules: playbook.rules.len(), unchanged: false };
    let tx = case.conn.transaction()?;
    let current: Option<String> =
        tx.query_row("SELECT sha256 FROM playbooks ORDER BY id DESC LIMIT 1", [], |r| r.get(0)).optional()?;
    if current.as_deref() == Some(sha256.as_str()) {
        return Ok(Loaded { unchanged: true, ..loaded });
    }
    let now = clock.now_ns();
    tx.execute(
        "INSERT INTO playbooks (name, file_name, sha256, content, loaded_ns, author) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        rusqlite::params![playbook.name, file, sha256, bytes, now, actor],
    )?;
    let id = tx.last_insert_rowid();
    let details = serde_json::json!({
        "name": playbook.name,
        "file": file,
        "sha256": sha256,
        "rules": playbook.rules.iter().map(|r| r.id.as_str()).collect::<Vec<_>>(),
    });
    activity::append(&tx, now, actor, "playbook-load", Some(&format!("playbook {}", id)), &details)?;
    tx.commit()?;
    Ok(loaded)
}

/// [`load`] from a file: a regular file only (a FIFO or a device would
/// block or never end), no larger than [`MAX_BYTES`], named in the case by
/// its file name.
pub fn load_file(case: &mut Case, clock: &dyn Clock, actor: &str, path: &std::path::Path) -> Result<Loaded> {
    let bytes = crate::ingest::input::read_regular(path, MAX_BYTES)?;
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_else(|| "playbook".into());
    load(case, clock, actor, &name, &bytes)
}

/// What `verify` finds wrong with the case's playbooks: bytes that no
/// longer hash to their SHA-256, a playbook the log did not record loading
/// (or recorded with other bytes), a load whose playbook is gone.
pub fn check(case: &Case, log: &[activity::Entry]) -> Result<Vec<String>> {
    use sha2::Digest;
    let mut problems = Vec::new();
    let mut st = case.conn.prepare("SELECT id, file_name, sha256, content FROM playbooks ORDER BY id")?;
    let rows: Vec<(i64, String, String, Vec<u8>)> =
        st.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))?.collect::<rusqlite::Result<_>>()?;
    let loads: Vec<(&str, &str)> = log
        .iter()
        .filter(|e| e.action == "playbook-load")
        .map(|e| (e.target.as_deref().unwrap_or_default(), e.details.get("sha256").and_then(|v| v.as_str()).unwrap_or_default()))
        .collect();
    for (id, file, sha, content) in &rows {
        let target = format!("playbook {}", id);
        let actual = hex::encode(sha2::Sha256::digest(content));
        if &actual != sha {
            problems.push(format!("playbook {} ({}): its bytes hash to {}, not the recorded {}", id, file, actual, sha));
        }
        match loads.iter().find(|(t, _)| *t == target) {
            None => problems.push(format!("playbook {} ({}): the activity log did not record loading it", id, file)),
            Some((_, logged)) if logged != sha => {
                problems.push(format!("playbook {} ({}): the activity log recorded SHA-256 {}, the case holds {}", id, file, logged, sha))
            }
            Some(_) => {}
        }
    }
    for (target, sha) in &loads {
        if !rows.iter().any(|(id, ..)| format!("playbook {}", id) == *target) {
            problems.push(format!("{} (SHA-256 {}): the activity log records loading it, the case no longer has it", target, sha));
        }
    }
    Ok(problems)
}
