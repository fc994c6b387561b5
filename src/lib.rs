//! Kordon's core: the case store, importers, and everything the CLI and the
//! desktop app share. No UI or Tauri dependency lives here.

pub mod app;
pub mod archive;
pub mod attack;
pub mod entity;
pub mod formats;
pub mod model;
pub mod playbook;
pub mod time;
pub mod triage;
pub mod bundle;
pub mod clock;
pub mod cluster;
pub mod detect;
pub mod error;
pub mod exports;
pub mod hardening;
pub mod report;
pub mod store;
pub mod incident;
pub mod ingest;
pub mod synth;
pub mod text;
