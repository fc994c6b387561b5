//! Capture from cluster, and the hardening findings it feeds: the capture
//! runs without holding the case (the investigator keeps reading), its
//! import takes it like any import; one long job at a time, cancellable.

use super::cluster::Connect;
use crate::error::{ApiError, ApiResult};
use crate::state::{AppState, OpenCase};
use kordon::app::capture::{self, CaptureProgress, CaptureResult};
use kordon::cluster::snapshot::SnapshotOptions;
use kordon::error::Code;
use kordon::hardening::{self, Finding, Scope};
use kordon::incident;
use kordon::ingest::ImportOptions;
use serde::Deserialize;
use tauri::ipc::Channel;
use tauri::State;

#[derive(Debug, Clone, Deserialize)]
pub struct CaptureRequest {
    #[serde(flatten)]
    pub connect: Connect,
    #[serde(default)]
    pub namespaces: Vec<String>,
    #[serde(default)]
    pub logs: Vec<String>,
    #[serde(default)]
    pub configmap_data: bool,
}

#[tauri::command(async)]
pub fn capture_snapshot(state: State<'_, AppState>, request: CaptureRequest, on_progress: Channel<CaptureProgress>) -> ApiResult<CaptureResult> {
    let case_path = state.with_case(|case| Ok(case.path.clone()))?;
    let cancel = state.begin_job("capturing")?;
    let opts = SnapshotOptions { connect: request.connect.options(), namespaces: request.namespaces, logs: request.logs, configmap_data: request.configmap_data };
    let import = ImportOptions { cancel, clock: state.clock.clone(), actor: state.actor(), ..ImportOptions::default() };
    let access = OpenCase(&state.case);
    // The capture runs its own runtime; Tauri's command threads are inside
    // one already, so it gets a thread of its own.
    let result = std::thread::scope(|scope| {
        scope
            .spawn(move || {
                // Progress at most every 100 ms, and every change of step.
                let mut last = std::time::Instant::now() - std::time::Duration::from_secs(1);
                let mut last_step = String::new();
                capture::capture_and_import(&access, &case_path, &opts, &import, &mut |p| {
                    let step = match &p {
                        CaptureProgress::Capture { kind, kinds_done, .. } => format!("{}:{}", kind, kinds_done),
                        CaptureProgress::Import { progress } => format!("{:?}", progress.phase),
                    };
                    if step != last_step || last.elapsed() >= std::time::Duration::from_millis(100) {
                        last = std::time::Instant::now();
                        last_step = step;
                        let _ = on_progress.send(p);
                    }
                })
            })
            .join()
    });
    state.end_job();
    Ok(result.map_err(|_| ApiError::new(Code::Store, "the capture stopped unexpectedly; nothing was added to the case"))??)
}

#[tauri::command]
pub fn cancel_capture(state: State<'_, AppState>) {
    state.cancel_job();
}

/// An incident's findings, or (`incident: null`) the whole case's.
#[tauri::command(async)]
pub fn hardening_findings(state: State<'_, AppState>, incident: Option<String>) -> ApiResult<Vec<Finding>> {
    state.with_case(|case| {
        let scope = match &incident {
            Some(id) => hardening::scope_of_incident(case, incident::resolve(case, id)?)?,
            None => Scope { whole_case: true, ..Scope::default() },
        };
        hardening::findings(case, &scope)
    })
}
