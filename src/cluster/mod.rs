//! Containment through a kubeconfig: connect (showing an exec plugin's
//! command before it runs), look the chosen pod up live, check permissions
//! and the network-policy engine, then isolate, release or terminate exactly
//! that pod — dry run first, a reason and a confirmation required, the
//! result verified by reading back, and everything recorded in the case.
//!
//! Network calls are async (the `kube` client); the case is written in
//! short synchronous steps between them (`record`), so a front end never
//! holds the case while waiting on the cluster, and an action is on record
//! ('applying') before the first change is sent — a dropped connection
//! leaves something to reconcile, never nothing.

pub mod connect;
pub mod errors;
pub mod isolate;
pub mod kubeconfig;
pub mod pod_logs;
pub mod preflight;
pub mod record;
pub mod redact;
pub mod selectors;
pub mod snapshot;
pub mod target;
pub mod terminate;

pub use connect::{connect, ConnectOptions, Connection};
pub use kubeconfig::{contexts, ContextInfo};
pub use target::{LiveTarget, PodRef};

/// The label Kordon puts on an isolated pod; its value is the action id, so
/// the NetworkPolicy of one isolation can select that pod and no other.
pub const ISOLATION_LABEL: &str = "kordon.io/isolation";
pub const ANNOTATION_INCIDENT: &str = "kordon.io/incident";
pub const ANNOTATION_REASON: &str = "kordon.io/reason";
pub const ANNOTATION_ACTION: &str = "kordon.io/action";

/// The Kordon isolation (its action id) an object is labelled with, if any.
pub fn isolation_of(meta: &k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta) -> Option<&str> {
    meta.labels.as_ref()?.get(ISOLATION_LABEL).map(String::as_str)
}

/// A runtime for front ends that are not async (the CLI).
pub fn block_on<F: std::future::Future>(f: F) -> F::Output {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("a tokio runtime")
        .block_on(f)
}
