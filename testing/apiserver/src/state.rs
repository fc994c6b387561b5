//! Everything one fake cluster holds, behind the one mutex the HTTP side and
//! the test-facing `Server` methods share.
//!
//! Requests are handled synchronously under the lock, so each request sees
//! and leaves a consistent cluster, as etcd transactions would give.

use std::collections::HashMap;

use crate::access::Access;
use crate::store::Store;
use crate::{Fault, Match, Request};

/// What `GET /version` reports.
#[derive(Debug, Clone)]
pub(crate) struct VersionInfo {
    pub major: String,
    pub minor: String,
    pub git_version: String,
}

impl Default for VersionInfo {
    fn default() -> VersionInfo {
        VersionInfo { major: "1".into(), minor: "31".into(), git_version: "v1.31.2".into() }
    }
}

/// (namespace, pod, container, previous)
pub(crate) type LogKey = (String, String, String, bool);

#[derive(Debug)]
pub(crate) struct State {
    pub store: Store,
    pub access: Access,
    pub logs: HashMap<LogKey, String>,
    pub faults: Vec<(Match, Fault)>,
    pub requests: Vec<Request>,
    pub version: VersionInfo,
    pub page_cap: Option<usize>,
    pub token: String,
    /// `127.0.0.1:PORT`, for discovery's serverAddressByClientCIDRs.
    pub address: String,
}

impl State {
    pub(crate) fn new(store: Store, token: String) -> State {
        State {
            store,
            access: Access::default(),
            logs: HashMap::new(),
            faults: Vec::new(),
            requests: Vec::new(),
            version: VersionInfo::default(),
            page_cap: None,
            token,
            address: String::new(),
        }
    }
}
