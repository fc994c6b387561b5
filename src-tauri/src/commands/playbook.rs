//! The response playbook in the app: load the team's playbook into the open
//! case (the file comes from the open dialog of the front end, read here as
//! a regular file), and the hand-off note of an incident, to copy into a
//! ticket or a chat.

use crate::error::ApiResult;
use crate::state::AppState;
use kordon::incident;
use kordon::playbook::{self, Loaded};
use std::path::PathBuf;
use tauri::State;

#[tauri::command(async)]
pub fn playbook_load(state: State<'_, AppState>, path: PathBuf) -> ApiResult<Loaded> {
    let actor = state.actor();
    state.with_case(|case| playbook::stored::load_file(case, state.clock.as_ref(), &actor, &path))
}

#[tauri::command(async)]
pub fn handoff_note(state: State<'_, AppState>, id: String) -> ApiResult<String> {
    state.with_case(|case| playbook::handoff::note(case, incident::resolve(case, &id)?))
}
