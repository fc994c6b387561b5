//! *Export SVG* and *Export PNG* of the incident graph, and the save dialog
//! every file the app makes goes through (the report, the case archive). The
//! dialog is opened here, not by the webview, so that the webview never
//! names a path to write: the investigator picks the file.
//! `KORDON_EXPORT_DIR` writes into that folder without asking (scripted
//! runs and the end-to-end test, which cannot drive a native dialog).

use crate::error::ApiResult;
use kordon::app::export::{self, ImageFormat};
use std::path::{Path, PathBuf};
use tauri::AppHandle;
use tauri_plugin_dialog::DialogExt;

/// Where to save a file the app makes: the investigator's choice in a save
/// dialog suggesting `name` (a plain file name: never a folder from the
/// webview), or `KORDON_EXPORT_DIR`/`name` without asking. `None` when the
/// dialog was cancelled.
pub fn save_target(app: &AppHandle, title: &str, name: &str, extension: &str) -> Option<PathBuf> {
    let name = Path::new(name).file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_else(|| format!("kordon.{}", extension));
    match std::env::var_os("KORDON_EXPORT_DIR") {
        Some(dir) => Some(PathBuf::from(dir).join(&name)),
        None => app
            .dialog()
            .file()
            .set_title(title)
            .set_file_name(&name)
            .add_filter(extension.to_uppercase(), &[extension])
            .blocking_save_file()
            .and_then(|p| p.into_path().ok()),
    }
}

/// Shows a file the app saved in the system's file manager — unless the
/// export folder was fixed (scripted runs, tests: nobody is looking).
pub fn reveal(path: &Path) {
    if std::env::var_os("KORDON_EXPORT_DIR").is_none() {
        // Best effort: a desktop without a file manager still has the file.
        let _ = tauri_plugin_opener::reveal_item_in_dir(path);
    }
}

/// Saves the picture; `None` when the investigator cancelled the dialog.
#[tauri::command(async)]
pub fn export_graph(app: AppHandle, format: String, name: String, data: String) -> ApiResult<Option<String>> {
    let format = ImageFormat::parse(&format)?;
    match save_target(&app, "Export the graph", &name, format.extension()) {
        None => Ok(None),
        Some(p) => Ok(Some(export::write(&p, format, &data)?.to_string_lossy().into_owned())),
    }
}
