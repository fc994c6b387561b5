//! The investigator's preferences, kept in the app's data folder: the name
//! the activity log records for their changes, and how they arranged the
//! incident page's drawers. Without a name the OS user name stands in (the
//! `KORDON_ACTOR` environment variable first, so scripted runs and tests can
//! name themselves).

use crate::error::{Code, Error, Result};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::Path;

/// The drawers of the incident page: the story, the graph's node list and its
/// side panel.
pub const DRAWERS: [&str; 3] = ["story", "nodes", "side"];
/// Narrowest and widest a drawer may be set (CSS pixels).
pub const DRAWER_WIDTH: (u32, u32) = (160, 1200);

/// One drawer as the investigator left it.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
pub struct Drawer {
    pub open: bool,
    pub width: u32,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
#[serde(default)]
pub struct Preferences {
    /// The investigator's name for the activity log; `None` = the OS user.
    pub investigator: Option<String>,
    /// By drawer name (`DRAWERS`); a drawer not listed has the app's default.
    pub drawers: BTreeMap<String, Drawer>,
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

/// Checks drawer settings from the app: known names only, widths clamped.
pub fn clean_drawers(drawers: BTreeMap<String, Drawer>) -> Result<BTreeMap<String, Drawer>> {
    drawers
        .into_iter()
        .map(|(name, d)| {
            if !DRAWERS.contains(&name.as_str()) {
                return Err(Error::input(Code::InvalidArgument, format!("no drawer is called '{}'", name)));
            }
            Ok((name, Drawer { open: d.open, width: d.width.clamp(DRAWER_WIDTH.0, DRAWER_WIDTH.1) }))
        })
        .collect()
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
        let prefs = Preferences { investigator: clean_name("  Ada Lovelace ").unwrap(), ..Default::default() };
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
        assert_eq!(view(&Preferences { investigator: Some("Ada".into()), ..Default::default() }).investigator_in_effect, "Ada");
    }

    #[test]
    fn drawers_are_checked_and_kept_beside_the_name() {
        let mut d = BTreeMap::new();
        d.insert("story".to_string(), Drawer { open: false, width: 20 });
        d.insert("side".to_string(), Drawer { open: true, width: 5000 });
        let clean = clean_drawers(d.clone()).unwrap();
        assert_eq!(clean["story"], Drawer { open: false, width: DRAWER_WIDTH.0 });
        assert_eq!(clean["side"].width, DRAWER_WIDTH.1);
        d.insert("sidebar".to_string(), Drawer { open: true, width: 300 });
        assert!(clean_drawers(d).unwrap_err().to_string().contains("'sidebar'"));
        // A file from before drawers existed still loads, with its name.
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("preferences.json");
        std::fs::write(&p, br#"{"investigator":"Ada"}"#).unwrap();
        assert_eq!(load(&p).investigator.as_deref(), Some("Ada"));
        assert!(load(&p).drawers.is_empty());
    }
}
