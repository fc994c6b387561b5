//! What a front end needs beyond the CLI's queries, kept in the core so that
//! the desktop app's commands stay a few lines each: recent cases, the
//! investigator's preferences, a case's summary, the whole pipeline an
//! investigator expects from "import" (import → Kordon's detections →
//! correlation) with progress and cancel, the demo case, and the incident
//! page's evidence list, raw records and triage data.

pub mod pipeline;
pub mod prefs;
pub mod recent;
pub mod triage;
pub mod capture;
pub mod views;

pub use pipeline::{analyze_import, open_demo, rebuild_demo, AnalyzeReport, Phase, PipelineProgress};
pub use recent::RecentCase;
pub use views::{case_info, event_raw, incident_evidence, CaseInfo, EvidenceEvent, RawRecord};
