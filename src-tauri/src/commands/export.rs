//! *Export SVG* and *Export PNG* of the incident graph. The save dialog is
//! opened here, not by the webview, so that the webview never names a path
//! to write: it hands over the picture, the investigator picks the file.
//! `KORDON_EXPORT_DIR` writes into that folder without asking (scripted
//! runs and the end-to-end test, which cannot drive a native dialog).

use crate::error::ApiResult;
use kordon::app::export::{self, ImageFormat};
use tauri::AppHandle;
use tauri_plugin_dialog::DialogExt;

/// Saves the picture; `None` when the investigator cancelled the dialog.
#[tauri::command(async)]
pub fn export_graph(app: AppHandle, format: String, name: String, data: String) -> ApiResult<Option<String>> {
    let format = ImageFormat::parse(&format)?;
    // Only a plain file name is suggested: no folder from the webview.
    let name = std::path::Path::new(&name).file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_else(|| "graph".into());
    let path = match std::env::var_os("KORDON_EXPORT_DIR") {
        Some(dir) => Some(std::path::PathBuf::from(dir).join(&name)),
        None => app
            .dialog()
            .file()
            .set_title("Export the graph")
            .set_file_name(&name)
            .add_filter(format.extension().to_uppercase(), &[format.extension()])
            .blocking_save_file()
            .and_then(|p| p.into_path().ok()),
    };
    match path {
        None => Ok(None),
        Some(p) => Ok(Some(export::write(&p, format, &data)?.to_string_lossy().into_owned())),
    }
}
