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
    /// For a live-cluster snapshot: caller, capture time, Kordon's version
    /// and, per kind, how many objects or which error.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub capture: Option<serde_json::Value>,
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
    pub capture: Option<serde_json::Value>,
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
        capture: meta.capture.clone(),
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

/// Writes a bundle entry by entry, streaming each file's content, for
/// bundles too large to hold in memory (benchmarks of millions of records).
///
/// Every entry's size and SHA-256 are computed over the bytes as they go
/// into the zip, so the manifest is only known at the end: `manifest.json`
/// is therefore written as the LAST entry (readers look it up by name, and
/// the zip's central directory lists it like any other). [`write_bundle`]
/// writes it first; both are valid bundles. Entry times are fixed, so the
/// output is a pure function of the content.
pub struct BundleWriter<W: Write + Seek> {
    zip: zip::ZipWriter<W>,
    meta: BundleMeta,
    files: Vec<ManifestFile>,
}

/// Counts and hashes what passes through it.
struct HashingWriter<'a, W: Write> {
    inner: &'a mut W,
    hasher: Sha256,
    size: u64,
}

impl<W: Write> Write for HashingWriter<'_, W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.hasher.update(&buf[..n]);
        self.size += n as u64;
        Ok(n)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
}

impl<W: Write + Seek> BundleWriter<W> {
    pub fn new(out: W, meta: BundleMeta) -> BundleWriter<W> {
        BundleWriter {
            zip: zip::ZipWriter::new(out),
            meta,
            files: Vec::new(),
        }
    }

    fn options(method: zip::CompressionMethod) -> zip::write::SimpleFileOptions {
        zip::write::SimpleFileOptions::default()
            .compression_method(method)
            .last_modified_time(zip::DateTime::default())
            // Sizes are unknown when an entry starts; Zip64 records allow
            // entries over 4 GiB.
            .large_file(true)
    }

    /// Adds a file whose content `write` produces. With `gzip`, the content
    /// is gzip-compressed (fast level, no name, zero mtime: deterministic)
    /// and stored as is; otherwise the zip entry is deflated. The manifest
    /// records the entry's bytes (the gzip stream when `gzip`).
    pub fn add_file_streaming<F>(
        &mut self,
        path: &str,
        format: Format,
        gzip: bool,
        write: F,
    ) -> std::io::Result<&ManifestFile>
    where
        F: FnOnce(&mut dyn Write) -> std::io::Result<()>,
    {
        let method = if gzip {
            zip::CompressionMethod::Stored
        } else {
            zip::CompressionMethod::Deflated
        };
        self.zip
            .start_file(path, Self::options(method))
            .map_err(std::io::Error::other)?;
        let mut hw = HashingWriter {
            inner: &mut self.zip,
            hasher: Sha256::new(),
            size: 0,
        };
        if gzip {
            let gz = flate2::GzBuilder::new()
                .mtime(0)
                .write(&mut hw, flate2::Compression::fast());
            let mut buf = std::io::BufWriter::with_capacity(1 << 20, gz);
            write(&mut buf)?;
            let gz = buf.into_inner().map_err(|e| e.into_error())?;
            gz.finish()?;
        } else {
            let mut buf = std::io::BufWriter::with_capacity(1 << 20, &mut hw);
            write(&mut buf)?;
            buf.flush()?;
        }
        let (size, sha) = (hw.size, hex::encode(hw.hasher.finalize()));
        self.files.push(ManifestFile {
            path: path.to_string(),
            format: format.as_str().to_string(),
            size,
            sha256: sha,
        });
        Ok(&self.files[self.files.len() - 1])
    }

    /// Adds a file held in memory (deflated).
    pub fn add_file(&mut self, path: &str, format: Format, bytes: &[u8]) -> std::io::Result<()> {
        self.add_file_streaming(path, format, false, |w| w.write_all(bytes))
            .map(|_| ())
    }

    /// Sets the manifest's capture facts (known only at the end of a snapshot).
    pub fn set_capture(&mut self, capture: serde_json::Value) {
        self.meta.capture = Some(capture);
    }

    /// Writes `manifest.json` (last entry) and the zip's central directory.
    pub fn finish(mut self) -> std::io::Result<(Manifest, W)> {
        let manifest = Manifest {
            kordon_bundle: BUNDLE_FORMAT_VERSION,
            created: self.meta.created.clone(),
            producer: self.meta.producer.clone(),
            cluster: self.meta.cluster.clone(),
            notes: self.meta.notes.clone(),
            capture: self.meta.capture.clone(),
            files: self.files,
        };
        let options = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated)
            .last_modified_time(zip::DateTime::default());
        self.zip
            .start_file(MANIFEST_NAME, options)
            .map_err(std::io::Error::other)?;
        let json = serde_json::to_vec_pretty(&manifest).map_err(std::io::Error::other)?;
        self.zip.write_all(&json)?;
        let out = self.zip.finish().map_err(std::io::Error::other)?;
        Ok((manifest, out))
    }
}

#[cfg(test)]
mod streaming_tests {
    use super::*;
    use std::io::Read;

    #[test]
    fn streamed_bundle_lists_every_file_with_the_hash_of_its_stored_bytes() {
        let meta = BundleMeta {
            created: "2026-11-20T10:12:00Z".into(),
            producer: "test".into(),
            cluster: None,
            notes: None,
            capture: None,
        };
        let mut w = BundleWriter::new(std::io::Cursor::new(Vec::new()), meta);
        w.add_file("a/plain.jsonl", Format::Falco, b"{\"x\":1}\n")
            .unwrap();
        w.add_file_streaming("b/big.log.gz", Format::K8sAudit, true, |out| {
            for i in 0..1000 {
                writeln!(out, "{{\"i\":{}}}", i)?;
            }
            Ok(())
        })
        .unwrap();
        let (manifest, cursor) = w.finish().unwrap();
        assert_eq!(manifest.files.len(), 2);
        let mut zip = zip::ZipArchive::new(std::io::Cursor::new(cursor.into_inner())).unwrap();
        for f in &manifest.files {
            let mut bytes = Vec::new();
            zip.by_name(&f.path)
                .unwrap()
                .read_to_end(&mut bytes)
                .unwrap();
            assert_eq!(bytes.len() as u64, f.size);
            assert_eq!(sha256_hex(&bytes), f.sha256);
        }
        let mut gz = Vec::new();
        zip.by_name("b/big.log.gz")
            .unwrap()
            .read_to_end(&mut gz)
            .unwrap();
        let mut text = String::new();
        flate2::read::GzDecoder::new(&gz[..])
            .read_to_string(&mut text)
            .unwrap();
        assert_eq!(text.lines().count(), 1000);
        let mut m = String::new();
        zip.by_name(MANIFEST_NAME)
            .unwrap()
            .read_to_string(&mut m)
            .unwrap();
        assert_eq!(serde_json::from_str::<Manifest>(&m).unwrap(), manifest);
    }
}
