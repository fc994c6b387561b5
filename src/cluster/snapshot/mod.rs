//! A live-cluster snapshot as a Kordon bundle: the kinds an investigation
//! and a hardening review need, listed page by page through the `kube`
//! client, and the logs of the pods the investigator names.
//!
//! Memory stays bounded whatever the cluster's size: a few kinds are listed
//! at once (`CONCURRENCY`), each into a spool file next to the output, one
//! page in memory per kind; the spools are copied into the zip in a fixed
//! order, so the same cluster gives the same bundle layout. Secrets are
//! captured as metadata only — `data`, `stringData` and the
//! `last-applied-configuration` annotation (which holds them in clear) are
//! dropped before anything is written — and ConfigMap data only when asked.
//! A kind the caller may not list is recorded in the manifest with its
//! error; the capture goes on. A failed or cancelled capture leaves no
//! bundle behind.

mod kinds;
pub mod logs;

use super::{connect, ConnectOptions};
use crate::bundle::{BundleMeta, BundleWriter, ClusterInfo};
use crate::clock::Clock;
use crate::error::{Code, Error, Result};
use crate::formats::Format;
use crate::time::format_ns;
use futures::stream::{self, StreamExt};
use kinds::{Listing, KINDS};
use serde::Serialize;
use serde_json::json;
use std::cell::{Cell, RefCell};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};

pub use kinds::redact;
pub use logs::LogResult;

/// Kinds listed (or logs read) at once: enough to hide the round trips,
/// few enough to keep memory and the API server's load small.
pub const CONCURRENCY: usize = 4;

#[derive(Debug, Clone, Default)]
pub struct SnapshotOptions {
    pub connect: ConnectOptions,
    /// Only these namespaces (cluster-scoped kinds are always captured).
    pub namespaces: Vec<String>,
    /// Capture ConfigMap data too (off: metadata only).
    pub configmap_data: bool,
    /// `namespace/pod` whose containers' logs (current and previous) are captured.
    pub logs: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct KindResult {
    pub kind: String,
    pub api_version: String,
    pub items: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub file: Option<String>,
    /// A 403 or another error: recorded, not fatal.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct SnapshotReport {
    pub path: String,
    pub context: String,
    pub server: String,
    pub caller: String,
    pub kubernetes_version: String,
    pub kinds: Vec<KindResult>,
    pub logs: Vec<LogResult>,
    pub objects: usize,
}

/// Where a capture is: the kind being listed (or "logs"), the objects so
/// far, and how many of the kinds are done.
#[derive(Debug, Clone, Serialize)]
pub struct Step<'a> {
    pub kind: &'a str,
    pub objects: usize,
    pub kinds_done: usize,
    pub kinds_total: usize,
}

pub type Progress<'a> = &'a mut dyn FnMut(&Step);

fn cancelled() -> Error {
    Error::input(Code::Cancelled, "snapshot cancelled; no bundle written")
}

/// Captures the cluster into `out` (written next to it, then renamed).
pub fn capture(opts: &SnapshotOptions, out: &Path, clock: &dyn Clock, cancel: &AtomicBool, progress: Progress) -> Result<SnapshotReport> {
    let mut pods: Vec<(String, String)> = opts.logs.iter().map(|p| logs::parse_pod(p)).collect::<Result<_>>()?;
    pods.sort();
    pods.dedup();
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().map_err(|e| Error::io("starting a runtime", e))?;
    let conn = rt.block_on(connect(&opts.connect))?;
    let tmp: PathBuf = out.with_extension("zip.partial");
    let file = std::fs::File::create(&tmp).map_err(|e| Error::io(format!("creating {}", tmp.display()), e))?;
    let spool_dir = match out.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let meta = BundleMeta {
        created: format_ns(clock.now_ns()),
        producer: format!("kordon {} snapshot", env!("CARGO_PKG_VERSION")),
        cluster: Some(ClusterInfo {
            name: Some(conn.context.cluster.clone()),
            server: Some(conn.context.server.clone()),
            context: Some(conn.context.name.clone()),
            kubernetes_version: Some(conn.version.clone()),
        }),
        notes: Some(format!("Live snapshot of context {} taken by Kordon as {}.", conn.context.name, conn.identity.username)),
        capture: None,
    };
    let progress = RefCell::new(progress);
    let objects = Cell::new(0usize);
    let kinds_done = Cell::new(0usize);
    let step = |kind: &str| {
        (progress.borrow_mut())(&Step { kind, objects: objects.get(), kinds_done: kinds_done.get(), kinds_total: KINDS.len() });
    };
    let writing = |name: &str| {
        let name = name.to_string();
        move |e: std::io::Error| Error::io(format!("writing {}", name), e)
    };
    let result = rt.block_on(async {
        let mut w = BundleWriter::new(std::io::BufWriter::new(file), meta);
        let listing = Listing { client: &conn.client, namespaces: &opts.namespaces, configmap_data: opts.configmap_data, spool_dir: &spool_dir, cancel, objects: &objects, on_page: &step };
        let mut listed = stream::iter(KINDS.iter()).map(|k| { let listing = &listing; async move { (k, listing.list(k).await) } }).buffered(CONCURRENCY);
        let mut kinds = Vec::new();
        while let Some((k, r)) = listed.next().await {
            let r = r?;
            let mut result = KindResult { kind: k.kind.to_string(), api_version: k.api_version(), items: r.items, file: None, error: r.error };
            if let Some(spool) = r.spool {
                let name = k.file_name();
                let mut from = spool.reopen().map_err(|e| Error::io("reading a spool file", e))?;
                w.add_file_streaming(&name, Format::K8sObjects, false, |out: &mut dyn Write| std::io::copy(&mut from, out).map(|_| ())).map_err(writing(&name))?;
                result.file = Some(name);
            }
            kinds_done.set(kinds_done.get() + 1);
            step(k.kind);
            kinds.push(result);
        }
        drop(listed);

        let mut log_results = Vec::new();
        let captured_at = format_ns(clock.now_ns());
        let mut wanted = Vec::new();
        for (ns, pod) in &pods {
            if cancel.load(Ordering::SeqCst) {
                return Err(cancelled());
            }
            step("logs");
            match logs::containers(&conn.client, ns, pod).await {
                Ok((uid, names)) => wanted.extend(names.into_iter().flat_map(|c| [(ns, pod, uid.clone(), c.clone(), false), (ns, pod, uid.clone(), c, true)])),
                Err(r) => log_results.push(r),
            }
        }
        let mut fetched = stream::iter(wanted.iter()).map(|(ns, pod, uid, c, prev)| logs::fetch(&conn.client, ns, pod, uid, c, *prev, &captured_at)).buffered(CONCURRENCY);
        while let Some(f) = fetched.next().await {
            if cancel.load(Ordering::SeqCst) {
                return Err(cancelled());
            }
            if let (Some(doc), Some(name)) = (&f.document, &f.result.file) {
                w.add_file_streaming(name, Format::K8sObjects, false, |out: &mut dyn Write| out.write_all(doc)).map_err(writing(name))?;
            }
            log_results.push(f.result);
        }
        drop(fetched);

        let report = SnapshotReport {
            path: out.display().to_string(),
            context: conn.context.name.clone(),
            server: conn.context.server.clone(),
            caller: conn.identity.username.clone(),
            kubernetes_version: conn.version.clone(),
            objects: objects.get(),
            kinds,
            logs: log_results,
        };
        w.set_capture(json!({
            "context": report.context, "server": report.server, "caller": report.caller, "groups": conn.identity.groups,
            "kubernetes_version": report.kubernetes_version, "captured_at": format_ns(clock.now_ns()),
            "kordon": env!("CARGO_PKG_VERSION"), "namespaces": opts.namespaces, "configmap_data": opts.configmap_data,
            "secrets": "metadata only", "kinds": report.kinds, "logs": report.logs,
        }));
        let (_, mut f) = w.finish().map_err(writing(&tmp.display().to_string()))?;
        f.flush().map_err(writing(&tmp.display().to_string()))?;
        Ok(report)
    });
    match result {
        Ok(r) => {
            std::fs::rename(&tmp, out).map_err(|e| Error::io(format!("writing {}", out.display()), e))?;
            Ok(r)
        }
        Err(e) => {
            let _ = std::fs::remove_file(&tmp);
            Err(e)
        }
    }
}
