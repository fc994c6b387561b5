//! "Import" as an investigator means it: the files land in the case, then
//! Kordon's detections run over them, then correlation updates the incidents.
//! Three transactions in a row, each atomic; progress reports which phase is
//! running. Cancelling stops the import (which then rolls back whole); a
//! failure in a later phase leaves the imported files in the case, as the
//! CLI's separate commands would.

use crate::clock::Clock;
use crate::detect::{self, Rules};
use crate::error::Result;
use crate::incident::{self, CorrelateSummary};
use crate::ingest::{self, ImportOptions, ImportSummary};
use crate::store::{query::ErrorRow, Case};
use serde::Serialize;
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Phase {
    Reading,
    Detecting,
    Correlating,
    Done,
}

#[derive(Debug, Clone, Serialize)]
pub struct PipelineProgress {
    pub phase: Phase,
    pub file: Option<String>,
    pub bytes_done: u64,
    pub bytes_total: u64,
    pub records: u64,
}

#[derive(Debug, Clone, Serialize)]
pub struct DetectionCounts {
    pub fired: usize,
    pub new: usize,
}

#[derive(Debug, Clone, Serialize)]
pub struct AnalyzeReport {
    pub import: ImportSummary,
    pub detections: DetectionCounts,
    pub correlation: CorrelateSummary,
    /// The records of this import that could not be parsed, kept verbatim.
    pub errors: Vec<ErrorRow>,
}

/// Imports `paths`, then detects and correlates.
pub fn analyze_import(
    case: &mut Case,
    paths: &[PathBuf],
    opts: &ImportOptions,
    progress: &mut dyn FnMut(&PipelineProgress),
) -> Result<AnalyzeReport> {
    progress(&PipelineProgress { phase: Phase::Reading, file: None, bytes_done: 0, bytes_total: 0, records: 0 });
    let summary = ingest::import(case, paths, opts, &mut |p| {
        progress(&PipelineProgress {
            phase: Phase::Reading,
            file: Some(p.file.clone()),
            bytes_done: p.bytes_done,
            bytes_total: p.bytes_total,
            records: p.records,
        })
    })?;
    let step = |phase| PipelineProgress { phase, file: None, bytes_done: summary.bytes_read, bytes_total: summary.bytes_read, records: summary.records };
    progress(&step(Phase::Detecting));
    let rules = Rules::load_builtin()?;
    let detected = detect::run(case, &rules, opts.clock.as_ref(), &opts.actor)?;
    progress(&step(Phase::Correlating));
    let correlation = incident::correlate(case, opts.clock.as_ref(), &opts.actor, &incident::Options::default())?;
    let errors = crate::store::query::errors_of_import(case, summary.import_id)?;
    progress(&step(Phase::Done));
    Ok(AnalyzeReport {
        detections: DetectionCounts { fired: detected.fired, new: detected.new },
        import: summary,
        correlation,
        errors,
    })
}

/// Opens the demo case in `dir`: the one built before when it holds this
/// very bundle (so an investigator's triage of the demo survives closing and
/// reopening it), or a new one built from the bundle.
pub fn open_demo(dir: &Path, bundle: &[u8], clock: std::sync::Arc<dyn Clock>, actor: &str) -> Result<Case> {
    let path = dir.join("demo.kordon");
    if path.is_file() {
        if let Ok(case) = Case::open(&path) {
            let sha = hex::encode(Sha256::digest(bundle));
            let holds: rusqlite::Result<i64> =
                case.conn.query_row("SELECT COUNT(*) FROM bundles WHERE sha256 = ?1", [&sha], |r| r.get(0));
            if matches!(holds, Ok(n) if n > 0) {
                return Ok(case);
            }
        }
    }
    rebuild_demo(dir, bundle, clock, actor)
}

/// Builds the demo case afresh in `dir` from the bundled demo incident and
/// returns it open: the same bundle always gives the same case.
pub fn rebuild_demo(dir: &Path, bundle: &[u8], clock: std::sync::Arc<dyn Clock>, actor: &str) -> Result<Case> {
    std::fs::create_dir_all(dir).map_err(|e| crate::error::Error::io(format!("creating {}", dir.display()), e))?;
    let zip = dir.join("kordon-demo.zip");
    std::fs::write(&zip, bundle).map_err(|e| crate::error::Error::io(format!("writing {}", zip.display()), e))?;
    let path = dir.join("demo.kordon");
    for suffix in ["", "-wal", "-shm"] {
        let p = PathBuf::from(format!("{}{}", path.display(), suffix));
        if p.exists() {
            std::fs::remove_file(&p).map_err(|e| crate::error::Error::io(format!("removing {}", p.display()), e))?;
        }
    }
    let mut case = Case::open(&path)?;
    let opts = ImportOptions { clock, actor: actor.to_string(), ..ImportOptions::default() };
    analyze_import(&mut case, &[zip], &opts, &mut |_| {})?;
    Ok(case)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_demo_case_is_built_whole_and_the_same_every_time() {
        let dir = tempfile::tempdir().unwrap();
        let bundle = std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/demo/kordon-demo.zip")).unwrap();
        let clock: std::sync::Arc<dyn Clock> = std::sync::Arc::new(crate::clock::FixedClock(1_795_200_000_000_000_000));
        let case = open_demo(dir.path(), &bundle, clock.clone(), "tester").unwrap();
        let first = crate::incident::read::list(&case).unwrap();
        assert!(first.iter().any(|i| i.title.starts_with("Crypto-mining in shop/cart-")));
        drop(case);
        let again = rebuild_demo(dir.path(), &bundle, clock, "tester").unwrap();
        let ids = |l: &[crate::incident::IncidentRow]| l.iter().map(|i| i.id.clone()).collect::<Vec<_>>();
        assert_eq!(ids(&crate::incident::read::list(&again).unwrap()), ids(&first));
    }

    #[test]
    fn reopening_the_demo_keeps_the_investigators_work_and_a_broken_one_is_rebuilt() {
        let dir = tempfile::tempdir().unwrap();
        let bundle = std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/demo/kordon-demo.zip")).unwrap();
        let clock: std::sync::Arc<dyn Clock> = std::sync::Arc::new(crate::clock::FixedClock(1_795_200_000_000_000_000));
        let mut case = open_demo(dir.path(), &bundle, clock.clone(), "tester").unwrap();
        let id = crate::incident::read::list(&case).unwrap()[0].raw_id;
        let change = crate::triage::Change { owner: Some("ada".into()), ..Default::default() };
        crate::triage::apply(&mut case, clock.as_ref(), "ada", id, &change).unwrap();
        drop(case);
        let case = open_demo(dir.path(), &bundle, clock.clone(), "tester").unwrap();
        assert_eq!(crate::triage::read(&case, id).unwrap().owner.as_deref(), Some("ada"));
        drop(case);
        // A demo case that is not what this bundle builds is built afresh.
        std::fs::write(dir.path().join("demo.kordon"), b"not a case").unwrap();
        let case = open_demo(dir.path(), &bundle, clock, "tester").unwrap();
        assert_eq!(crate::triage::read(&case, id).unwrap().owner, None);
    }

    #[test]
    fn phases_are_reported_in_order() {
        let dir = tempfile::tempdir().unwrap();
        let mut case = Case::open(&dir.path().join("c.kordon")).unwrap();
        let sample = PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/samples/falco/plain.jsonl"));
        let mut phases = Vec::new();
        let report = analyze_import(&mut case, &[sample], &ImportOptions::default(), &mut |p| {
            if phases.last() != Some(&p.phase) {
                phases.push(p.phase);
            }
        })
        .unwrap();
        assert_eq!(phases, [Phase::Reading, Phase::Detecting, Phase::Correlating, Phase::Done]);
        assert!(report.correlation.incidents >= 1);
    }
}
