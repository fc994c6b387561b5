//! Kordon's desktop app: a thin shell over the `kordon` core. State is
//! registered once; each command parses its arguments, calls the core and
//! maps the error to `{code, message}` (see `commands`). The web UI in `ui/`
//! is built into `ui/dist` and embedded; nothing is loaded from the network.

mod commands;
mod error;
mod state;

use tauri::Manager;

pub fn run() {
    tauri::Builder::default()
        .plugin(tauri_plugin_dialog::init())
        .setup(|app| {
            let data_dir = match std::env::var_os("KORDON_DATA_DIR") {
                Some(d) => std::path::PathBuf::from(d),
                None => app.path().app_data_dir()?,
            };
            app.manage(state::AppState::new(data_dir));
            Ok(())
        })
        .invoke_handler(tauri::generate_handler![
            commands::app_info,
            commands::open_case,
            commands::create_case,
            commands::open_demo,
            commands::close_case,
            commands::import_paths,
            commands::cancel_import,
            commands::case_info,
            commands::list_incidents,
            commands::incident_detail,
            commands::incident_graph,
            commands::incident_evidence,
            commands::event_raw,
            commands::entity,
            commands::search,
            commands::triage::triage_vocabulary,
            commands::triage::incident_triage,
            commands::triage::triage_apply,
            commands::triage::triage_bulk,
            commands::triage::set_verdict,
            commands::triage::set_follow_up,
            commands::triage::verify_case,
            commands::triage::preferences,
            commands::triage::set_drawers,
            commands::export::export_graph,
            commands::handoff::export_report,
            commands::handoff::save_case_archive,
            commands::handoff::open_case_archive,
            commands::triage::set_investigator,
            commands::playbook::playbook_load,
            commands::playbook::handoff_note,
            commands::cluster::cluster_contexts,
            commands::cluster::containment_gate,
            commands::cluster::cluster_prepare,
            commands::cluster::cluster_apply,
            commands::cluster::cluster_release,
            commands::cluster::incident_actions,
            commands::snapshot::capture_snapshot,
            commands::snapshot::cancel_capture,
            commands::snapshot::hardening_findings,
        ])
        .run(tauri::generate_context!())
        .expect("Kordon could not start its window");
}
