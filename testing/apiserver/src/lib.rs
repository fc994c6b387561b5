//! A Kubernetes API server on loopback for Kordon's integration tests.
//!
//! Kordon talks to clusters through the real `kube` client; its tests must
//! exercise that client (TLS, kubeconfig auth, error decoding, paging) against
//! something that answers as Kubernetes does, without a cluster. This crate
//! is that something: an in-memory API server with TLS from a throwaway CA,
//! bearer-token or exec-plugin auth, `Status` errors worded like the real
//! ones, dry run, UID/resourceVersion preconditions, label and field
//! selectors, paging, the log/scale/status/eviction subresources, access
//! reviews, and injected faults (error answers and dropped connections).
//!
//! ```no_run
//! use kordon_test_apiserver::{Cluster, Server};
//! let server = Server::start(Cluster::empty());
//! let kubeconfig_yaml = server.kubeconfig("test", Some("shop"));
//! # drop(kubeconfig_yaml);
//! ```
//!
//! Not modelled: watches (answered 405), garbage collection of dependents,
//! admission beyond namespace existence, and schema validation of objects.

mod access;
mod cluster;
mod crud;
mod discovery;
mod gate;
mod ids;
mod kubeconfig;
mod meta;
mod patch;
mod resources;
mod routes;
mod selectors;
mod server;
mod state;
mod status;
mod store;
mod subresources;
mod tls;
mod transport;
mod validation;

pub use cluster::Cluster;
pub use server::Server;

/// One request as the server received it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request {
    pub method: String,
    /// The path without the query string, as sent (not percent-decoded).
    pub path: String,
    /// Query pairs, decoded, in order.
    pub query: Vec<(String, String)>,
    /// The body as UTF-8 (lossy).
    pub body: String,
    /// The media type without parameters, e.g. `application/merge-patch+json`.
    pub content_type: Option<String>,
}

impl Request {
    /// The first value of query parameter `key`.
    pub fn param(&self, key: &str) -> Option<&str> {
        self.query.iter().find(|(k, _)| k == key).map(|(_, v)| v.as_str())
    }
}

/// Which request a fault applies to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Match {
    /// `GET`, `POST`, `PUT`, `PATCH`, `DELETE`, or `*` for any.
    pub method: &'static str,
    /// A substring of the request path (the query string is not searched).
    pub path_contains: String,
    /// `Some(false)`: only requests without `dryRun` (the real write after
    /// its dry run); `Some(true)`: only dry runs; `None`: either.
    pub dry_run: Option<bool>,
}

impl Match {
    pub fn new(method: &'static str, path_contains: impl Into<String>) -> Match {
        Match { method, path_contains: path_contains.into(), dry_run: None }
    }

    /// Matches only the real write, not its dry run.
    pub fn not_dry_run(mut self) -> Match {
        self.dry_run = Some(false);
        self
    }

    pub(crate) fn matches(&self, method: &str, path: &str, query: &[(String, String)]) -> bool {
        let dry = query.iter().any(|(k, v)| k == "dryRun" && v == "All");
        (self.method == "*" || self.method.eq_ignore_ascii_case(method))
            && path.contains(&self.path_contains)
            && self.dry_run.is_none_or(|d| d == dry)
    }
}

/// A one-shot failure injected with `Server::fail_next`.
///
/// kube's default client retries 429, 503 and 504 answers by itself, so a
/// single `Status` fault with one of those codes is invisible to it; queue
/// several, or use another code (e.g. 500 `InternalError`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fault {
    /// Answer with this `Status` error instead, persisting nothing.
    Status { code: u16, reason: String, message: String },
    /// Close the connection without answering, persisting nothing.
    DropBefore,
    /// Apply the request (persist), then close the connection without answering.
    DropAfter,
}
