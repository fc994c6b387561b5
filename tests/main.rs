//! One integration-test binary (compiles once, runs in parallel): each module
//! pins one behaviour of the real `kordon` binary or of the core library.

mod util;

mod aks;
mod archive;
mod attachments;
mod bad_input;
mod case_store;
mod cloud_demo;
mod cloud_identity;
mod cluster;
mod cross_sensor;
mod defender_xdr;
mod detect;
mod eks;
mod exports;
mod gke;
mod guardduty;
mod golden;
mod hardening;
mod hubble;
mod import;
mod listing;
mod playbook;
mod posture;
mod incidents;
mod kubearmor;
mod report;
mod report_figure;
mod report_pdf;
mod scc;
mod sentinel;
mod snapshot;
mod sysdig;
mod talon;
mod terminal;
mod tracee;
mod triage;
mod verify;
