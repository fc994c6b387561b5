//! What leaves the app for the review meeting and the next investigator:
//! the incident report (HTML or PDF) and the sealed case archive, and
//! opening such an archive as a new case. Paths to write come from the save
//! dialog opened here (`export::save_target`); the result's folder is shown
//! once it is written.

use super::export::{reveal, save_target};
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use kordon::archive::{self, Progress, UnarchiveOptions};
use kordon::error::Code;
use kordon::report::{self, Format, Which};
use kordon::store::{Access, Case};
use serde::Serialize;
use std::path::PathBuf;
use tauri::ipc::Channel;
use tauri::{AppHandle, State};

/// Writes the report of one incident (or of every incident, without one)
/// where the investigator chooses; `None` when they cancelled.
#[tauri::command(async)]
pub fn export_report(app: AppHandle, state: State<'_, AppState>, incident: Option<String>, format: String) -> ApiResult<Option<report::Written>> {
    let format = Format::parse(&format)?;
    let ext = match format {
        Format::Html => "html",
        Format::Pdf => "pdf",
    };
    let stem = match &incident {
        Some(id) => format!("{}-report", id),
        None => "kordon-report".to_string(),
    };
    let Some(dest) = save_target(&app, "Export the report", &format!("{}.{}", stem, ext), ext) else {
        return Ok(None);
    };
    let written = state.with_case(|case| {
        let which = match &incident {
            Some(id) => Which::One(kordon::incident::resolve(case, id)?),
            None => Which::All,
        };
        report::write(case, which, format, &dest, state.clock.as_ref())
    })?;
    reveal(&written.path);
    Ok(Some(written))
}

/// Seals the open case into a zip where the investigator chooses.
#[tauri::command(async)]
pub fn save_case_archive(app: AppHandle, state: State<'_, AppState>, on_progress: Channel<Progress>) -> ApiResult<Option<archive::Summary>> {
    let name = state.with_case(|case| {
        Ok(case.path.file_stem().map(|s| format!("{}-archive.zip", s.to_string_lossy())).unwrap_or_else(|| "case-archive.zip".into()))
    })?;
    let Some(dest) = save_target(&app, "Save the case archive", &name, "zip") else {
        return Ok(None);
    };
    let summary = state.with_case(|case| archive::write(case, &dest, state.clock.as_ref(), &mut |p| drop(on_progress.send(p))))?;
    reveal(&dest);
    Ok(Some(summary))
}

#[derive(Serialize)]
pub struct OpenedArchive {
    pub info: kordon::app::CaseInfo,
    pub restored: archive::Restored,
}

/// Restores an archive (both paths from the open and save dialogs) as a
/// new case, checked before it exists, and opens it.
#[tauri::command(async)]
pub fn open_case_archive(state: State<'_, AppState>, archive: String, case: String, on_progress: Channel<Progress>) -> ApiResult<OpenedArchive> {
    let dest = PathBuf::from(case);
    if dest.exists() {
        return Err(ApiError::new(Code::InvalidArgument, format!("{} already exists: choose a new file for the restored case", dest.display())));
    }
    let restored = archive::unarchive(&PathBuf::from(archive), &dest, &UnarchiveOptions::default(), &mut |p| drop(on_progress.send(p)))?;
    let info = super::install(&state, Case::open_existing(&dest, Access::Write)?)?;
    Ok(OpenedArchive { info, restored })
}
