//! Recent cases: a small JSON file in the app's data folder, newest first.
//!
//! Only paths and names are kept (never anything from inside a case), and a
//! case file that has since disappeared is dropped when the list is read.

use crate::error::Result;
use crate::time::format_ns;
use serde::{Deserialize, Serialize};
use std::path::Path;

/// How many cases the list remembers.
pub const KEEP: usize = 12;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RecentCase {
    pub path: String,
    pub name: String,
    /// When it was last opened (RFC 3339 UTC).
    pub opened: String,
}

/// The list, newest first; a missing or unreadable file is an empty list.
pub fn load(file: &Path) -> Vec<RecentCase> {
    let Ok(text) = std::fs::read_to_string(file) else { return Vec::new() };
    let list: Vec<RecentCase> = serde_json::from_str(&text).unwrap_or_default();
    list.into_iter().filter(|r| Path::new(&r.path).exists()).collect()
}

/// Puts `case` at the head of the list and saves it.
pub fn touch(file: &Path, case: &Path, now_ns: i64) -> Result<Vec<RecentCase>> {
    let path = case.to_string_lossy().to_string();
    let mut list = load(file);
    list.retain(|r| r.path != path);
    let name = case.file_stem().map(|s| s.to_string_lossy().to_string()).unwrap_or_else(|| path.clone());
    list.insert(0, RecentCase { path, name, opened: format_ns(now_ns) });
    list.truncate(KEEP);
    super::save_json(file, &list)?;
    Ok(list)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn newest_first_without_duplicates_and_without_vanished_cases() {
        let dir = tempfile::tempdir().unwrap();
        let list = dir.path().join("recent.json");
        let a = dir.path().join("a.kordon");
        let b = dir.path().join("b.kordon");
        std::fs::write(&a, b"").unwrap();
        std::fs::write(&b, b"").unwrap();
        touch(&list, &a, 1).unwrap();
        touch(&list, &b, 2).unwrap();
        let l = touch(&list, &a, 3).unwrap();
        assert_eq!(l.iter().map(|r| r.name.as_str()).collect::<Vec<_>>(), ["a", "b"]);
        std::fs::remove_file(&b).unwrap();
        assert_eq!(load(&list).len(), 1);
        std::fs::write(&list, b"not json").unwrap();
        assert!(load(&list).is_empty());
    }
}
