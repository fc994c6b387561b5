//! The investigator's preferences, kept in the app's data folder: for now
//! the name the activity log records for their changes. Without one the OS
//! user name stands in (the `KORDON_ACTOR` environment variable first, so
//! scripted runs and tests can name themselves).

use crate::error::{Code, Error, Result};
use serde::{Deserialize, Serialize};
use std::path::Path;

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
#[serde(default)]
pub struct Preferences {
    /// The investigator's name for the activity log; `None` = the OS user.
    pub investigator: Option<String>,
}

/// What the app shows: the stored preferences and the name in effect.
#[derive(Debug, Clone, Serialize)]
pub struct PreferencesView {
    #[serde(flatten)]
    pub prefs: Preferences,
    pub investigator_in_effect: String,
    pub os_user: String,
}

/// A missing or unreadable file gives the defaults: preferences must never
/// keep the app from starting.
pub fn load(path: &Path) -> Preferences {
    std::fs::read(path).ok().and_then(|b| serde_json::from_slice(&b).ok()).unwrap_or_default()
}

pub fn save(path: &Path, prefs: &Preferences) -> Result<()> {
    super::save_json(path, prefs)
}

/// Checks a name typed by the investigator: trimmed, 1 to 100 printable
/// characters; an empty one means "use the OS user".
pub fn clean_name(name: &str) -> Result<Option<String>> {
    let n = name.trim();
    if n.is_empty() {
        return Ok(None);
    }
    if n.chars().count() > 100 || n.chars().any(char::is_control) {
        return Err(Error::input(Code::InvalidArgument, "a name is 1 to 100 printable characters"));
    }
    Ok(Some(n.to_string()))
}

pub fn os_user() -> String {
    ["KORDON_ACTOR", "USER", "USERNAME"]
        .iter()
        .find_map(|k| std::env::var(k).ok().filter(|v| !v.trim().is_empty()))
        .unwrap_or_else(|| "investigator".into())
}

pub fn view(prefs: &Preferences) -> PreferencesView {
    let os = os_user();
    PreferencesView { investigator_in_effect: prefs.investigator.clone().unwrap_or_else(|| os.clone()), os_user: os, prefs: prefs.clone() }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn preferences_round_trip_and_a_bad_file_gives_defaults() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("sub").join("preferences.json");
        assert_eq!(load(&p), Preferences::default());
        let prefs = Preferences { investigator: clean_name("  Ada Lovelace ").unwrap() };
        save(&p, &prefs).unwrap();
        assert_eq!(load(&p).investigator.as_deref(), Some("Ada Lovelace"));
        std::fs::write(&p, b"{not json").unwrap();
        assert_eq!(load(&p), Preferences::default());
    }

    #[test]
    fn names_are_checked() {
        assert_eq!(clean_name("   ").unwrap(), None);
        assert!(clean_name("a\u{7}b").is_err());
        assert!(clean_name(&"x".repeat(101)).is_err());
        assert_eq!(view(&Preferences { investigator: Some("Ada".into()) }).investigator_in_effect, "Ada");
    }
}
