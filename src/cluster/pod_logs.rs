//! Reading a container's logs, the one way Kordon does it: capped, with
//! timestamps, current or previous instance. Terminate's evidence capture
//! and the snapshot's `--logs` both read through here.

use k8s_openapi::api::core::v1::Pod;
use kube::api::{Api, LogParams};

/// Per container and instance: what a miner prints in an hour fits, a
/// flood does not fill the bundle or the case.
pub const LOG_CAP_BYTES: i64 = 4 * 1024 * 1024;

/// The logs of `container` in `pod` (its previous instance when asked).
pub async fn read(pods: &Api<Pod>, pod: &str, container: &str, previous: bool) -> kube::Result<String> {
    let lp = LogParams { container: Some(container.to_string()), previous, limit_bytes: Some(LOG_CAP_BYTES), timestamps: true, ..Default::default() };
    pods.logs(pod, &lp).await
}
