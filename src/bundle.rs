//! The Kordon incident bundle: a zip with `manifest.json` and raw exports.
//!
//! Documented in `docs/bundle-format.md`. The manifest lets an investigator
//! prove that what was imported is exactly what was collected: every file is
//! listed with its size and SHA-256, and a mismatch refuses the import.

use crate::formats::Format;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::io::{Seek, Write};

/// The manifest format version this build reads and writes.
pub const BUNDLE_FORMAT_VERSION: u32 = 1;
pub const MANIFEST_NAME: &str = "manifest.json";

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct ClusterInfo {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub server: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub context: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kubernetes_version: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ManifestFile {
    /// Path inside the zip, `/`-separated, relative.
    pub path: String,
    /// A [`Format`] slug (`falco`, `k8s-audit`, …).
    pub format: String,
    pub size: u64,
    /// Lower-case hex SHA-256 of the file's bytes as stored in the zip
    /// (before any gzip inside it is inflated).
    pub sha256: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Manifest {
    pub kordon_bundle: u32,
    /// RFC 3339 UTC.
    pub created: String,
    pub producer: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cluster: Option<ClusterInfo>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub notes: Option<String>,
    pub files: Vec<ManifestFile>,
}

pub fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// What a bundle says about itself, apart from its files.
#[derive(Clone, Debug)]
pub struct BundleMeta {
    pub created: String,
    pub producer: String,
    pub cluster: Option<ClusterInfo>,
    pub notes: Option<String>,
}

/// Writes a bundle whose bytes depend only on its inputs (fixed entry times,
/// the given order), so a bundle rebuilt from the same sources is identical.
pub fn write_bundle<W: Write + Seek>(
    out: W,
    meta: &BundleMeta,
    files: &[(String, Format, Vec<u8>)],
) -> std::io::Result<Manifest> {
    use zip::write::SimpleFileOptions;
    let manifest = Manifest {
        kordon_bundle: BUNDLE_FORMAT_VERSION,
        created: meta.created.clone(),
        producer: meta.producer.clone(),
        cluster: meta.cluster.clone(),
        notes: meta.notes.clone(),
        files: files
            .iter()
            .map(|(path, format, bytes)| ManifestFile {
                path: path.clone(),
                format: format.as_str().to_string(),
                size: bytes.len() as u64,
                sha256: sha256_hex(bytes),
            })
            .collect(),
    };
    let options = SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .last_modified_time(zip::DateTime::default());
    let mut zip = zip::ZipWriter::new(out);
    zip.start_file(MANIFEST_NAME, options).map_err(std::io::Error::other)?;
    let json = serde_json::to_vec_pretty(&manifest).map_err(std::io::Error::other)?;
    zip.write_all(&json)?;
    for (path, _, bytes) in files {
        zip.start_file(path.as_str(), options).map_err(std::io::Error::other)?;
        zip.write_all(bytes)?;
    }
    zip.finish().map_err(std::io::Error::other)?;
    Ok(manifest)
}
