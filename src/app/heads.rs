//! The activity log's head as the app last saw it, per case: the anchor
//! outside the case that `kordon verify --expect-head` takes from the
//! investigator's ticket, kept for them by the app.
//!
//! A hash chain inside the case file cannot show that its newest rows were
//! cut off, or that the whole chain was rebuilt: whoever can write the file
//! can recompute it. The app's data folder is outside the case, so each
//! verification checks the case against the head seen last time and then
//! remembers the new one. A case that lost rows since (or was swapped for
//! an older copy) fails verification, saying so. Only paths and heads are
//! kept here, never anything else from inside a case.

use crate::error::Result;
use crate::store::verify::{self, Head, Verification};
use crate::store::Case;
use std::collections::BTreeMap;
use std::path::Path;

/// Case path → the head last seen.
type Seen = BTreeMap<String, Head>;

fn load(file: &Path) -> Seen {
    let Ok(text) = std::fs::read_to_string(file) else { return Seen::new() };
    let raw: BTreeMap<String, String> = serde_json::from_str(&text).unwrap_or_default();
    raw.into_iter().filter_map(|(path, head)| Some((path, head.parse().ok()?))).collect()
}

fn save(file: &Path, seen: &Seen) -> Result<()> {
    let raw: BTreeMap<&String, String> = seen.iter().map(|(p, h)| (p, h.to_string())).collect();
    super::save_json(file, &raw)
}

fn key(case: &Case) -> String {
    std::fs::canonicalize(&case.path).unwrap_or_else(|_| case.path.clone()).to_string_lossy().to_string()
}

/// Verifies the case against the head seen last (kept in `file`), and
/// remembers its head when it passes. A failed case keeps the old anchor:
/// the problem stays visible until someone looks into it.
pub fn verify_remembering(case: &Case, file: &Path) -> Result<Verification> {
    let mut seen = load(file);
    let path = key(case);
    let v = verify::verify(case, seen.get(&path))?;
    if v.ok {
        if let Some(head) = &v.head {
            if seen.get(&path) != Some(head) {
                seen.insert(path, head.clone());
                save(file, &seen)?;
            }
        }
    }
    Ok(v)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::activity;

    #[test]
    fn a_case_that_lost_rows_since_it_was_last_seen_fails() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("heads.json");
        let case = Case::open(&dir.path().join("c.kordon")).unwrap();
        for i in 0..3 {
            activity::append(&case.conn, i, "ada", "note", None, &serde_json::json!({ "i": i })).unwrap();
        }
        let first = verify_remembering(&case, &file).unwrap();
        assert!(first.ok && !first.head_checked, "{:?}", first);
        // Seen now: the next check is against row 3.
        let again = verify_remembering(&case, &file).unwrap();
        assert!(again.ok && again.head_checked);
        case.conn.execute("DELETE FROM activity WHERE id = 3", []).unwrap();
        let cut = verify_remembering(&case, &file).unwrap();
        assert!(!cut.ok);
        assert!(cut.problems[0].contains("lost rows"), "{:?}", cut.problems);
        // The anchor is kept until the case is looked into.
        assert!(!verify_remembering(&case, &file).unwrap().ok);
        assert_eq!(load(&file).values().next().unwrap().row, 3);
    }
}
