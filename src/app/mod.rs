//! What a front end needs beyond the CLI's queries, kept in the core so that
//! the desktop app's commands stay a few lines each: recent cases, the
//! investigator's preferences, a case's summary, the whole pipeline an
//! investigator expects from "import" (import → Kordon's detections →
//! correlation) with progress and cancel, the demo case, the log head last
//! seen per case, and the incident page's evidence list, raw records and
//! triage data.

pub mod pipeline;
pub mod prefs;
pub mod recent;
pub mod triage;
pub mod capture;
pub mod heads;
pub mod views;
pub mod export;

pub use pipeline::{analyze_import, open_demo, rebuild_demo, AnalyzeReport, Phase, PipelineProgress};
pub use recent::RecentCase;
pub use views::{case_info, event_raw, incident_evidence, CaseInfo, EvidenceEvent, RawRecord};

/// Writes one of the app's own files (preferences, recent cases, log
/// heads) as pretty JSON: to a temporary file first, then renamed over the
/// old one, so a crash never leaves half a file.
pub(crate) fn save_json(file: &std::path::Path, value: &impl serde::Serialize) -> crate::error::Result<()> {
    use crate::error::Error;
    if let Some(dir) = file.parent() {
        std::fs::create_dir_all(dir).map_err(|e| Error::io(format!("creating {}", dir.display()), e))?;
    }
    let text = serde_json::to_vec_pretty(value).map_err(|e| Error::input(crate::error::Code::InvalidArgument, e.to_string()))?;
    replace_file(file, &text)
}

/// Writes `bytes` beside `file` (its extension + `.tmp`) and renames them
/// into place: a reader, or a crash, never sees half a file.
pub(crate) fn replace_file(file: &std::path::Path, bytes: &[u8]) -> crate::error::Result<()> {
    use std::io::Write;
    replace_file_with(file, |out| out.write_all(bytes).map_err(|e| crate::error::Error::io(format!("writing {}", file.display()), e)))
}

/// [`replace_file`] for what is written as it is produced and too large to
/// hold in memory (an export of a whole case, a case's archive): `write`
/// fills the temporary file, which is renamed into place only when it
/// succeeded and removed when it did not.
pub(crate) fn replace_file_with(
    file: &std::path::Path,
    write: impl FnOnce(&mut std::fs::File) -> crate::error::Result<()>,
) -> crate::error::Result<()> {
    use crate::error::Error;
    let ext = file.extension().map(|e| format!("{}.tmp", e.to_string_lossy())).unwrap_or_else(|| "tmp".into());
    let tmp = file.with_extension(ext);
    let mut out = std::fs::File::create(&tmp).map_err(|e| Error::io(format!("writing {}", tmp.display()), e))?;
    let written = write(&mut out);
    drop(out);
    if let Err(e) = written {
        let _ = std::fs::remove_file(&tmp);
        return Err(e);
    }
    std::fs::rename(&tmp, file).map_err(|e| {
        let _ = std::fs::remove_file(&tmp);
        Error::io(format!("writing {}", file.display()), e)
    })
}
