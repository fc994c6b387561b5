//! Triage commands: the incident's triage state and log, changes to one or
//! several incidents, comments, entity verdicts, the vocabulary the pickers
//! offer, the integrity check, and the investigator's name.

use super::bytes;
use crate::error::ApiResult;
use crate::state::AppState;
use kordon::app::{prefs, triage as app_triage};
use kordon::incident;
use kordon::store::verify;
use kordon::triage::{self, Change, Vocabulary};
use tauri::ipc::Response;
use tauri::State;

#[tauri::command]
pub fn triage_vocabulary() -> &'static Vocabulary {
    app_triage::vocabulary()
}

#[tauri::command(async)]
pub fn incident_triage(state: State<'_, AppState>, id: String) -> ApiResult<Response> {
    let t = state.with_case(|case| app_triage::incident_triage(case, incident::resolve(case, &id)?))?;
    bytes(&t)
}

#[tauri::command(async)]
pub fn triage_apply(state: State<'_, AppState>, id: String, change: Change) -> ApiResult<Response> {
    let actor = state.actor();
    let t = state.with_case(|case| {
        let id = incident::resolve(case, &id)?;
        triage::apply(case, state.clock.as_ref(), &actor, id, &change)?;
        app_triage::incident_triage(case, id)
    })?;
    bytes(&t)
}

/// The queue's bulk edit: all the selected incidents change, or none.
#[tauri::command(async)]
pub fn triage_bulk(state: State<'_, AppState>, ids: Vec<String>, change: Change) -> ApiResult<usize> {
    let actor = state.actor();
    state.with_case(|case| {
        let ids = ids.iter().map(|i| incident::resolve(case, i)).collect::<kordon::error::Result<Vec<_>>>()?;
        Ok(triage::apply_many(case, state.clock.as_ref(), &actor, &ids, &change)?.len())
    })
}

#[tauri::command(async)]
pub fn set_verdict(state: State<'_, AppState>, id: String, entity: String, verdict: String) -> ApiResult<Response> {
    let actor = state.actor();
    let t = state.with_case(|case| {
        let id = incident::resolve(case, &id)?;
        triage::set_verdict(case, state.clock.as_ref(), &actor, id, &entity, &verdict)?;
        app_triage::incident_triage(case, id)
    })?;
    bytes(&t)
}

#[tauri::command(async)]
pub fn set_follow_up(state: State<'_, AppState>, id: String, item: String, done: bool) -> ApiResult<Response> {
    let actor = state.actor();
    let t = state.with_case(|case| {
        let id = incident::resolve(case, &id)?;
        triage::set_follow_up(case, state.clock.as_ref(), &actor, id, &item, done)?;
        app_triage::incident_triage(case, id)
    })?;
    bytes(&t)
}

#[tauri::command(async)]
pub fn verify_case(state: State<'_, AppState>) -> ApiResult<verify::Verification> {
    let seen = state.heads_file();
    state.with_case(|case| kordon::app::heads::verify_remembering(case, &seen))
}

#[tauri::command]
pub fn preferences(state: State<'_, AppState>) -> prefs::PreferencesView {
    prefs::view(&state.prefs())
}

#[tauri::command]
pub fn set_investigator(state: State<'_, AppState>, name: String) -> ApiResult<prefs::PreferencesView> {
    let p = prefs::Preferences { investigator: prefs::clean_name(&name)?, ..state.prefs() };
    state.set_prefs(p.clone())?;
    Ok(prefs::view(&p))
}

#[tauri::command]
pub fn set_drawers(
    state: State<'_, AppState>,
    drawers: std::collections::BTreeMap<String, prefs::Drawer>,
) -> ApiResult<prefs::PreferencesView> {
    let p = prefs::Preferences { drawers: prefs::clean_drawers(drawers)?, ..state.prefs() };
    state.set_prefs(p.clone())?;
    Ok(prefs::view(&p))
}
