//! Tauri commands: parse the arguments, call the core, map the error. Every
//! command that touches a case runs off the UI thread (`async`). Payloads
//! that grow with the case (incident list, graph, evidence, detail, search,
//! raw records) go back as raw UTF-8 JSON bytes (`ipc::Response`), which the
//! webview receives as an ArrayBuffer, instead of through the JSON-serialized
//! invoke path.

pub mod cluster;
pub mod export;
pub mod handoff;
pub mod playbook;
pub mod snapshot;
pub mod triage;

use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use kordon::app::{self, PipelineProgress};
use kordon::error::Code;
use kordon::incident::{self, detail};
use kordon::ingest::ImportOptions;
use kordon::store::{query, Access, Case};
use serde::Serialize;
use std::path::PathBuf;
use tauri::ipc::{Channel, Response};
use tauri::State;

/// The demo incident, built into the app so that it opens offline anywhere.
const DEMO_BUNDLE: &[u8] = include_bytes!("../../../fixtures/demo/kordon-demo.zip");

pub(crate) fn bytes<T: Serialize>(value: &T) -> ApiResult<Response> {
    serde_json::to_vec(value)
        .map(Response::new)
        .map_err(|e| ApiError::new(Code::Store, format!("encoding the answer: {}", e)))
}

#[derive(Serialize)]
pub struct AppInfo {
    version: &'static str,
    recent: Vec<app::RecentCase>,
    /// The demo case, when it was built before.
    demo_case: Option<String>,
    /// Started with `--demo`: the UI opens the demo incident at once.
    start_with_demo: bool,
    /// The case already open (after a reload of the webview).
    current: Option<app::CaseInfo>,
}

#[tauri::command(async)]
pub fn app_info(state: State<'_, AppState>) -> AppInfo {
    let demo = state.data_dir.join("demo").join("demo.kordon");
    let current = state.with_case(|case| app::case_info(case)).ok();
    AppInfo {
        current,
        version: env!("CARGO_PKG_VERSION"),
        recent: app::recent::load(&state.recent_file()),
        demo_case: demo.exists().then(|| demo.to_string_lossy().to_string()),
        start_with_demo: std::env::args().skip(1).any(|a| a == "--demo"),
    }
}

fn install(state: &AppState, case: Case) -> ApiResult<app::CaseInfo> {
    let info = app::case_info(&case)?;
    app::recent::touch(&state.recent_file(), &case.path, state.clock.now_ns())?;
    *state.case.lock().map_err(|_| ApiError::new(Code::Store, "the case lock was poisoned"))? = Some(case);
    Ok(info)
}

#[tauri::command(async)]
pub fn open_case(state: State<'_, AppState>, path: String) -> ApiResult<app::CaseInfo> {
    let path = PathBuf::from(path);
    if !path.is_file() {
        return Err(ApiError::new(Code::NotFound, format!("{}: no such case file", path.display())));
    }
    install(&state, Case::open_existing(&path, Access::Write)?)
}

#[tauri::command(async)]
pub fn create_case(state: State<'_, AppState>, path: String) -> ApiResult<app::CaseInfo> {
    let path = PathBuf::from(path);
    if path.exists() {
        return Err(ApiError::new(
            Code::InvalidArgument,
            format!("{} already exists: open it instead", path.display()),
        ));
    }
    install(&state, Case::open(&path)?)
}

#[tauri::command(async)]
pub fn open_demo(state: State<'_, AppState>) -> ApiResult<app::CaseInfo> {
    *state.case.lock().map_err(|_| ApiError::new(Code::Store, "the case lock was poisoned"))? = None;
    let case = app::open_demo(&state.data_dir.join("demo"), DEMO_BUNDLE, state.clock.clone(), &state.actor())?;
    install(&state, case)
}

#[tauri::command(async)]
pub fn close_case(state: State<'_, AppState>) -> ApiResult<()> {
    *state.case.lock().map_err(|_| ApiError::new(Code::Store, "the case lock was poisoned"))? = None;
    Ok(())
}

#[tauri::command(async)]
pub fn import_paths(
    state: State<'_, AppState>,
    paths: Vec<String>,
    on_progress: Channel<PipelineProgress>,
) -> ApiResult<app::AnalyzeReport> {
    let cancel = state.begin_job("importing")?;
    let opts = ImportOptions { cancel, clock: state.clock.clone(), actor: state.actor(), ..ImportOptions::default() };
    let paths: Vec<PathBuf> = paths.into_iter().map(PathBuf::from).collect();
    // Progress at most every 100 ms, and every phase change.
    let mut last = std::time::Instant::now() - std::time::Duration::from_secs(1);
    let mut last_phase = None;
    let result = state.with_case(|case| {
        app::analyze_import(case, &paths, &opts, &mut |p| {
            if last_phase != Some(p.phase) || last.elapsed() >= std::time::Duration::from_millis(100) {
                last = std::time::Instant::now();
                last_phase = Some(p.phase);
                let _ = on_progress.send(p.clone());
            }
        })
    });
    state.end_job();
    result
}

#[tauri::command]
pub fn cancel_import(state: State<'_, AppState>) {
    state.cancel_job();
}

#[tauri::command(async)]
pub fn case_info(state: State<'_, AppState>) -> ApiResult<app::CaseInfo> {
    state.with_case(|case| app::case_info(case))
}

#[tauri::command(async)]
pub fn list_incidents(state: State<'_, AppState>) -> ApiResult<Response> {
    let rows = state.with_case(|case| incident::read::list(case))?;
    bytes(&rows)
}

#[tauri::command(async)]
pub fn incident_detail(state: State<'_, AppState>, id: String) -> ApiResult<Response> {
    let d = state.with_case(|case| detail::detail(case, incident::resolve(case, &id)?))?;
    bytes(&d)
}

#[tauri::command(async)]
pub fn incident_graph(state: State<'_, AppState>, id: String, expand: Vec<String>) -> ApiResult<Response> {
    let g = state.with_case(|case| app::views::incident_graph(case, incident::resolve(case, &id)?, &expand))?;
    bytes(&g)
}

#[tauri::command(async)]
pub fn incident_evidence(state: State<'_, AppState>, id: String) -> ApiResult<Response> {
    let rows = state.with_case(|case| app::incident_evidence(case, incident::resolve(case, &id)?))?;
    bytes(&rows)
}

#[tauri::command(async)]
pub fn event_raw(state: State<'_, AppState>, id: String) -> ApiResult<Response> {
    // A raw record may be megabytes (the record cap is 16 MiB).
    let raw = state.with_case(|case| app::event_raw(case, &id))?;
    bytes(&raw)
}

#[tauri::command(async)]
pub fn entity(state: State<'_, AppState>, id: String) -> ApiResult<query::EntityRow> {
    let key = kordon::store::parse_id(&id)
        .ok_or_else(|| ApiError::new(Code::InvalidArgument, format!("'{}' is no entity id", id)))?;
    state.with_case(|case| query::entity(case, key))
}

#[tauri::command(async)]
pub fn search(state: State<'_, AppState>, text: String, limit: Option<usize>) -> ApiResult<Response> {
    let rows = state.with_case(|case| {
        query::events(case, &query::EventFilter { search: Some(text), limit: Some(limit.unwrap_or(200).min(2000)), ..Default::default() })
    })?;
    bytes(&rows)
}
