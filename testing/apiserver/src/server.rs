//! The test-facing `Server`: a synchronous handle on a fake cluster that runs
//! on its own thread with its own tokio runtime, so plain `#[test]` functions
//! (and async tests on any runtime) can start, inspect and steer it.

use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

use serde_json::Value;
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio_rustls::TlsAcceptor;

use crate::access::{Identity, Rule};
use crate::cluster::Cluster;
use crate::kubeconfig;
use crate::resources::{self, Resource};
use crate::state::{State, VersionInfo};
use crate::store::Store;
use crate::tls;
use crate::transport::{self, lock, Shared};
use crate::{Fault, Match, Request};

/// A Kubernetes API server on `127.0.0.1` with TLS and bearer-token auth.
/// Stops when dropped.
pub struct Server {
    url: String,
    ca_pem: String,
    token: String,
    shared: Shared,
    shutdown: watch::Sender<bool>,
    thread: Option<JoinHandle<()>>,
}

fn is_crd(obj: &Value) -> bool {
    obj.get("kind").and_then(Value::as_str) == Some("CustomResourceDefinition")
        && obj.get("apiVersion").and_then(Value::as_str).is_some_and(|v| v.starts_with("apiextensions.k8s.io/"))
}

impl Server {
    /// Binds 127.0.0.1:0 with TLS, seeded with `cluster`. Panics if the
    /// server cannot start (bad seed object, no loopback); see `try_start`.
    pub fn start(cluster: Cluster) -> Server {
        Server::try_start(cluster).unwrap_or_else(|e| panic!("kordon-test-apiserver failed to start: {e}"))
    }

    /// Like `start`, reporting failure instead of panicking.
    pub fn try_start(cluster: Cluster) -> Result<Server, String> {
        let material = tls::generate()?;
        let mut store = Store::new();
        // CRDs first, so custom resources are stored under their plural.
        let (crds, others): (Vec<Value>, Vec<Value>) = cluster.objects.into_iter().partition(is_crd);
        for obj in crds.into_iter().chain(others) {
            store.load(obj, true)?;
        }
        let token = store.ids.token();
        let shared: Shared = Arc::new(Mutex::new(State::new(store, token.clone())));

        let (ready_tx, ready_rx) = std::sync::mpsc::channel();
        let (shutdown, shutdown_rx) = watch::channel(false);
        let acceptor = TlsAcceptor::from(material.config.clone());
        let thread_shared = shared.clone();
        let thread = std::thread::Builder::new()
            .name("kordon-test-apiserver".into())
            .spawn(move || {
                let runtime = match tokio::runtime::Builder::new_multi_thread()
                    .worker_threads(2)
                    .thread_name("kordon-test-apiserver-worker")
                    .enable_all()
                    .build()
                {
                    Ok(rt) => rt,
                    Err(e) => {
                        let _ = ready_tx.send(Err(format!("tokio runtime: {e}")));
                        return;
                    }
                };
                runtime.block_on(async move {
                    let listener = match TcpListener::bind("127.0.0.1:0").await {
                        Ok(l) => l,
                        Err(e) => {
                            let _ = ready_tx.send(Err(format!("bind 127.0.0.1:0: {e}")));
                            return;
                        }
                    };
                    let _ = ready_tx.send(listener.local_addr().map_err(|e| e.to_string()));
                    transport::serve(listener, acceptor, thread_shared, shutdown_rx).await;
                });
                runtime.shutdown_timeout(Duration::from_secs(1));
            })
            .map_err(|e| format!("spawn server thread: {e}"))?;
        let addr = ready_rx.recv().map_err(|_| "server thread exited before binding".to_string())??;
        lock(&shared).address = addr.to_string();
        Ok(Server {
            url: format!("https://{addr}"),
            ca_pem: material.ca_pem,
            token,
            shared,
            shutdown,
            thread: Some(thread),
        })
    }

    /// `https://127.0.0.1:PORT`
    pub fn url(&self) -> String {
        self.url.clone()
    }

    /// The PEM of the CA that signed the server certificate.
    pub fn ca_pem(&self) -> String {
        self.ca_pem.clone()
    }

    /// The bearer token the server accepts.
    pub fn token(&self) -> String {
        self.token.clone()
    }

    /// A kubeconfig with one cluster (this server, its CA), one user with the
    /// token, and one context `context` (namespace `namespace` if given), which
    /// is the current context.
    pub fn kubeconfig(&self, context: &str, namespace: Option<&str>) -> String {
        kubeconfig::with_token(&self.url, &self.ca_pem, &self.token, context, namespace)
    }

    /// Like `kubeconfig`, but the user authenticates with an exec plugin
    /// (`client.authentication.k8s.io/v1`, `interactiveMode: Never`). The
    /// plugin gets the server's token in the environment as
    /// `KORDON_TEST_TOKEN`, so it can print an ExecCredential carrying it.
    pub fn kubeconfig_exec(&self, context: &str, command: &str, args: &[&str]) -> String {
        kubeconfig::with_exec(&self.url, &self.ca_pem, &self.token, context, command, args)
    }

    /// Like `kubeconfig`, but the user is a `gcp` auth provider whose token
    /// comes from running `cmd_path cmd_args` (its standard output).
    pub fn kubeconfig_auth_provider(&self, context: &str, cmd_path: &str, cmd_args: &str) -> String {
        kubeconfig::with_auth_provider(&self.url, &self.ca_pem, context, cmd_path, cmd_args)
    }

    /// Every request received so far, in order (including refused ones).
    pub fn requests(&self) -> Vec<Request> {
        lock(&self.shared).requests.clone()
    }

    pub fn clear_requests(&self) {
        lock(&self.shared).requests.clear();
    }

    /// The resource for `group/version/plural` (e.g. `v1/pods`,
    /// `networking.k8s.io/v1/networkpolicies`); kinds the server does not
    /// serve are found by group and plural alone.
    fn resource(state: &State, gvp: &str, namespace: Option<&str>) -> Resource {
        let (group, version, plural) = resources::split_gvp(gvp).unwrap_or_else(|| panic!("not a group/version/plural: {gvp:?}"));
        state.store.resolve(&group, &version, &plural).unwrap_or(Resource {
            group,
            version,
            plural,
            kind: String::new(),
            namespaced: namespace.is_some(),
            has_status: false,
            custom: true,
        })
    }

    /// One stored object, as stored (with apiVersion and kind).
    pub fn object(&self, group_version_plural: &str, namespace: Option<&str>, name: &str) -> Option<Value> {
        let state = lock(&self.shared);
        let res = Server::resource(&state, group_version_plural, namespace);
        state.store.get(&res, namespace.unwrap_or(""), name).cloned()
    }

    /// Stored objects of one resource in `namespace` (or all namespaces),
    /// sorted by namespace then name.
    pub fn objects(&self, gvp: &str, namespace: Option<&str>) -> Vec<Value> {
        let state = lock(&self.shared);
        let res = Server::resource(&state, gvp, namespace);
        let res = Resource { namespaced: res.namespaced || namespace.is_some(), ..res };
        state.store.list(&res, namespace).into_iter().map(|(_, v)| v.clone()).collect()
    }

    /// Inserts or replaces an object by apiVersion/kind/namespace/name, as an
    /// out-of-band write: it keeps a given uid (or gets one) and gets a new
    /// resourceVersion. Panics if the object lacks apiVersion, kind or name.
    pub fn put(&self, obj: Value) {
        if let Err(e) = lock(&self.shared).store.load(obj, false) {
            panic!("Server::put: {e}");
        }
    }

    /// Removes an object (no finalizers, no dry run), counting as a write.
    pub fn remove(&self, gvp: &str, namespace: Option<&str>, name: &str) {
        let mut state = lock(&self.shared);
        let res = Server::resource(&state, gvp, namespace);
        if state.store.remove(&res, namespace.unwrap_or(""), name).is_some() {
            state.store.next_revision();
        }
    }

    /// What `pods/{pod}/log?container={container}[&previous=true]` returns.
    pub fn set_logs(&self, namespace: &str, pod: &str, container: &str, previous: bool, text: &str) {
        lock(&self.shared)
            .logs
            .insert((namespace.into(), pod.into(), container.into(), previous), text.into());
    }

    /// Who the client is, as SelfSubjectReview reports and 403 messages name.
    pub fn set_identity(&self, username: &str, groups: &[&str]) {
        lock(&self.shared).access.identity = Identity {
            username: username.into(),
            groups: groups.iter().map(|g| g.to_string()).collect(),
        };
    }

    /// Refuses `verb` on `group`/`resource`[/`subresource`]: access reviews say
    /// not allowed and real requests get 403 Forbidden. `"*"` matches any
    /// verb, group or resource; `None` matches only the resource itself.
    pub fn deny(&self, verb: &str, group: &str, resource: &str, subresource: Option<&str>) {
        lock(&self.shared).access.rules.push(Rule {
            verb: verb.into(),
            group: group.into(),
            resource: resource.into(),
            subresource: subresource.map(str::to_string),
            visible_to_reviews: true,
        });
    }

    /// Real requests get 403 while access reviews still say allowed (RBAC
    /// changed between a client's preflight check and its action).
    pub fn forbid_only(&self, verb: &str, group: &str, resource: &str) {
        lock(&self.shared).access.rules.push(Rule {
            verb: verb.into(),
            group: group.into(),
            resource: resource.into(),
            subresource: None,
            visible_to_reviews: false,
        });
    }

    /// Removes every `deny` and `forbid_only` rule.
    pub fn allow_all(&self) {
        lock(&self.shared).access.rules.clear();
    }

    /// Makes the next request matching `m` (after authentication) fail with
    /// `f`. Each call queues one fault; each fault fires once.
    pub fn fail_next(&self, m: Match, f: Fault) {
        lock(&self.shared).faults.push((m, f));
    }

    /// Drops faults queued by `fail_next` that have not fired.
    pub fn clear_faults(&self) {
        lock(&self.shared).faults.clear();
    }

    /// What `GET /version` reports (default 1, 31, v1.31.2).
    pub fn set_version(&self, major: &str, minor: &str, git_version: &str) {
        lock(&self.shared).version = VersionInfo { major: major.into(), minor: minor.into(), git_version: git_version.into() };
    }

    /// Caps list pages at `n` items whenever the client asks for a `limit`,
    /// even a larger one, to exercise the client's `continue` handling.
    pub fn set_page_size_cap(&self, n: usize) {
        lock(&self.shared).page_cap = Some(n.max(1));
    }

    /// The current resourceVersion (of the last persisted write).
    pub fn resource_version(&self) -> u64 {
        lock(&self.shared).store.revision()
    }

    /// Stops serving and waits for the server thread. Dropping does the same.
    pub fn stop(self) {
        drop(self);
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.shutdown.send(true);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}
