//! "Capture from cluster" in the app: a live snapshot written beside the
//! case (kept: it is the evidence the case was built from, with its hashes
//! in the manifest) and then imported, detected and correlated like any
//! bundle. The capture runs without the case; only the import takes it, so
//! the investigator can keep reading while the cluster is listed.

use super::pipeline::{analyze_import, AnalyzeReport, PipelineProgress};
use crate::cluster::isolate::CaseAccess;
use crate::cluster::snapshot::{self, SnapshotOptions, SnapshotReport};
use crate::error::{Error, Result};
use crate::ingest::ImportOptions;
use serde::Serialize;
use std::path::{Path, PathBuf};

/// Where a capture is, for the progress line.
#[derive(Debug, Clone, Serialize)]
#[serde(tag = "phase", rename_all = "snake_case")]
pub enum CaptureProgress {
    Capture { kind: String, objects: usize, kinds_done: usize, kinds_total: usize },
    Import { progress: PipelineProgress },
}

#[derive(Debug, Clone, Serialize)]
pub struct CaptureResult {
    pub snapshot: SnapshotReport,
    pub import: AnalyzeReport,
}

/// `<case folder>/<case name>.snapshots/snapshot-20261120T094100Z.zip`
/// (`-2`, `-3`… when two captures share a second).
pub fn snapshot_path(case_path: &Path, now_ns: i64) -> PathBuf {
    let stem = case_path.file_stem().map(|s| s.to_string_lossy().to_string()).unwrap_or_else(|| "case".into());
    let dir = case_path.parent().unwrap_or(Path::new(".")).join(format!("{}.snapshots", stem));
    let stamp = chrono::DateTime::from_timestamp(now_ns.div_euclid(1_000_000_000), 0).map(|t| t.format("%Y%m%dT%H%M%SZ").to_string()).unwrap_or_default();
    let mut path = dir.join(format!("snapshot-{}.zip", stamp));
    let mut n = 2;
    while path.exists() {
        path = dir.join(format!("snapshot-{}-{}.zip", stamp, n));
        n += 1;
    }
    path
}

/// Captures the cluster beside the case at `case_path`, then imports it
/// into the case `access` lends. `import.cancel` stops either step.
pub fn capture_and_import(
    access: &dyn CaseAccess,
    case_path: &Path,
    opts: &SnapshotOptions,
    import: &ImportOptions,
    progress: &mut dyn FnMut(CaptureProgress),
) -> Result<CaptureResult> {
    let out = snapshot_path(case_path, import.clock.now_ns());
    if let Some(dir) = out.parent() {
        std::fs::create_dir_all(dir).map_err(|e| Error::io(format!("creating {}", dir.display()), e))?;
    }
    let report = snapshot::capture(opts, &out, import.clock.as_ref(), &import.cancel, &mut |s| {
        progress(CaptureProgress::Capture { kind: s.kind.to_string(), objects: s.objects, kinds_done: s.kinds_done, kinds_total: s.kinds_total })
    })?;
    let mut imported = None;
    access.run(&mut |case| {
        imported = Some(analyze_import(case, std::slice::from_ref(&out), import, &mut |p| progress(CaptureProgress::Import { progress: p.clone() }))?);
        Ok(())
    })?;
    Ok(CaptureResult { snapshot: report, import: imported.expect("set by a successful import") })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn snapshots_go_beside_the_case_named_by_their_time() {
        let dir = tempfile::tempdir().unwrap();
        let case = dir.path().join("incident-42.kordon");
        let ns = 1_795_167_660_000_000_000; // 2026-11-20T09:41:00Z
        let p = snapshot_path(&case, ns);
        assert_eq!(p, dir.path().join("incident-42.snapshots").join("snapshot-20261120T094100Z.zip"));
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(&p, b"x").unwrap();
        assert_eq!(snapshot_path(&case, ns).file_name().unwrap(), "snapshot-20261120T094100Z-2.zip");
    }
}
