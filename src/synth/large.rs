//! A benchmark-sized bundle, streamed to disk.
//!
//! Measuring an importer on a million audit events needs a bundle of a few
//! gigabytes of JSON before compression; building it in memory would measure
//! the generator's memory instead. Each file is generated line by line
//! straight into a gzip stream inside the zip ([`crate::bundle::BundleWriter`]),
//! so memory stays flat whatever the counts.

use super::{audit_lines, falco_lines, tetragon_lines, DAY, STORY_DAY_NS};
use crate::bundle::{BundleMeta, BundleWriter, ClusterInfo, Manifest};
use crate::formats::Format;
use std::io::Write;
use std::path::Path;

/// Writes a bundle of routine records over one day (2026-11-20): `audit_events`
/// audit requests (distinct `auditID`s; about two lines each),
/// `falco_alerts` Falco alerts and `tetragon_events` Tetragon lines. A count
/// of 0 leaves that file out. The same arguments give the same bytes.
pub fn write_large_bundle(
    path: &Path,
    seed: u64,
    audit_events: usize,
    falco_alerts: usize,
    tetragon_events: usize,
) -> std::io::Result<Manifest> {
    let file = std::fs::File::create(path)?;
    let meta = BundleMeta {
        created: "2026-11-21T00:05:00Z".into(),
        producer: "kordon make_bench_bundle".into(),
        cluster: Some(ClusterInfo {
            name: Some(super::cluster::CLUSTER_NAME.into()),
            server: None,
            context: None,
            kubernetes_version: Some("1.30".into()),
        }),
        notes: Some(format!(
            "Synthetic routine records for benchmarks (seed {}): {} audit requests, {} Falco alerts, {} Tetragon events over 2026-11-20.",
            seed, audit_events, falco_alerts, tetragon_events
        )),
        capture: None,
    };
    let mut w = BundleWriter::new(std::io::BufWriter::with_capacity(1 << 20, file), meta);
    let (start, end) = (STORY_DAY_NS, STORY_DAY_NS + DAY);
    if audit_events > 0 {
        w.add_file_streaming(
            "audit/kube-apiserver-audit.log.gz",
            Format::K8sAudit,
            true,
            |out| write_lines(out, audit_lines(seed, start, end, audit_events)),
        )?;
    }
    if falco_alerts > 0 {
        w.add_file_streaming("falco/falco.jsonl.gz", Format::Falco, true, |out| {
            write_lines(out, falco_lines(seed, start, end, falco_alerts))
        })?;
    }
    if tetragon_events > 0 {
        w.add_file_streaming("tetragon/tetragon.log.gz", Format::Tetragon, true, |out| {
            write_lines(out, tetragon_lines(seed, start, end, tetragon_events))
        })?;
    }
    let (manifest, mut out) = w.finish()?;
    out.flush()?;
    Ok(manifest)
}

fn write_lines(out: &mut dyn Write, lines: impl Iterator<Item = String>) -> std::io::Result<()> {
    for l in lines {
        out.write_all(l.as_bytes())?;
        out.write_all(b"\n")?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read;

    #[test]
    fn large_bundle_is_deterministic_and_holds_distinct_audit_ids() {
        let dir = tempfile::tempdir().unwrap();
        let (a, b) = (dir.path().join("a.zip"), dir.path().join("b.zip"));
        let m = write_large_bundle(&a, 42, 2000, 50, 300).unwrap();
        write_large_bundle(&b, 42, 2000, 50, 300).unwrap();
        assert_eq!(std::fs::read(&a).unwrap(), std::fs::read(&b).unwrap());
        assert_eq!(m.files.len(), 3);
        let mut zip = zip::ZipArchive::new(std::fs::File::open(&a).unwrap()).unwrap();
        let mut gz = Vec::new();
        zip.by_name("audit/kube-apiserver-audit.log.gz")
            .unwrap()
            .read_to_end(&mut gz)
            .unwrap();
        let mut text = String::new();
        flate2::read::GzDecoder::new(&gz[..])
            .read_to_string(&mut text)
            .unwrap();
        let ids: std::collections::HashSet<String> = text
            .lines()
            .map(|l| {
                serde_json::from_str::<serde_json::Value>(l).unwrap()["auditID"]
                    .as_str()
                    .unwrap()
                    .to_string()
            })
            .collect();
        assert_eq!(ids.len(), 2000);
    }
}
