//! `kordon archive` and `kordon unarchive` on the real binary: the demo case
//! sealed and restored is the very file, verifies and lists the same; an
//! archive made twice at one instant is the same bytes; an archive altered
//! or damaged in any way is refused before the new case exists, with its
//! code and the entry named; an existing case is never overwritten.

use crate::util::{fixture, TestCase};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

/// What the tests share: the demo case's archive (made twice, at one
/// instant), and its listings, from one import of the demo.
struct Demo {
    zip: Vec<u8>,
    again: Vec<u8>,
    listings: Vec<String>,
    head: String,
}

const LISTINGS: &[&[&str]] =
    &[&["sources", "--json"], &["events", "--json"], &["entities", "--json"], &["incidents", "--json"], &["log", "--json"]];

fn demo() -> &'static Demo {
    static DEMO: OnceLock<Demo> = OnceLock::new();
    DEMO.get_or_init(|| {
        let t = TestCase::new();
        t.import(&[&fixture("demo/kordon-demo.zip")]);
        t.ok(&["detect"]);
        t.ok(&["correlate"]);
        let (first, second) = (t.dir.path().join("first.zip"), t.dir.path().join("second.zip"));
        t.ok(&["archive", "-o", &first.display().to_string()]);
        t.ok(&["archive", "-o", &second.display().to_string()]);
        Demo {
            zip: std::fs::read(&first).unwrap(),
            again: std::fs::read(&second).unwrap(),
            listings: LISTINGS.iter().map(|args| t.ok(args)).collect(),
            head: t.ok(&["log", "--head"]).trim().to_string(),
        }
    })
}

/// A folder holding one archive, and the case it would restore to.
struct Handoff {
    t: TestCase,
    zip: PathBuf,
}

impl Handoff {
    fn with(bytes: &[u8]) -> Handoff {
        let mut t = TestCase::new();
        t.case = t.dir.path().join("restored.kordon");
        let zip = t.dir.path().join("handoff.zip");
        std::fs::write(&zip, bytes).unwrap();
        Handoff { t, zip }
    }

    fn unarchive(&self) -> std::process::Output {
        self.t.run(&["unarchive", &self.zip.display().to_string()])
    }

    /// Refused with `code`; returns the message. Nothing but the archive is
    /// left in the folder: no case, no temporary file.
    fn refused(&self, code: &str) -> String {
        let err = self.t.refused(&["unarchive", &self.zip.display().to_string()]);
        assert!(err.contains(&format!("error[{}]", code)), "expected {}: {}", code, err);
        assert!(err.contains("handoff.zip"), "{}", err);
        assert_eq!(files_in(self.t.dir.path()), ["handoff.zip"]);
        err
    }
}

fn files_in(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
    names.sort();
    names
}

/// The archive's entries, in order.
fn entries(zip: &[u8]) -> Vec<(String, Vec<u8>)> {
    let mut z = zip::ZipArchive::new(std::io::Cursor::new(zip)).unwrap();
    (0..z.len())
        .map(|i| {
            let mut e = z.by_index(i).unwrap();
            let mut bytes = Vec::new();
            e.read_to_end(&mut bytes).unwrap();
            (e.name().unwrap().to_string(), bytes)
        })
        .collect()
}

fn options() -> zip::write::SimpleFileOptions {
    zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .last_modified_time(zip::DateTime::default())
}

fn build(entries: &[(&str, &[u8])]) -> Vec<u8> {
    let mut z = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    for (name, bytes) in entries {
        z.start_file(*name, options()).unwrap();
        z.write_all(bytes).unwrap();
    }
    z.finish().unwrap().into_inner()
}

/// The demo archive's manifest and case.
fn parts() -> (serde_json::Value, Vec<u8>) {
    let e = entries(&demo().zip);
    assert_eq!(e.iter().map(|(n, _)| n.as_str()).collect::<Vec<_>>(), ["manifest.json", "case.kordon"]);
    (serde_json::from_slice(&e[0].1).unwrap(), e[1].1.clone())
}

fn rebuilt(manifest: &serde_json::Value, case: &[u8]) -> Vec<u8> {
    build(&[("manifest.json", manifest.to_string().as_bytes()), ("case.kordon", case)])
}

/// Every occurrence of `from` (entry names in the zip's headers) made `to`.
fn replaced(bytes: &[u8], from: &[u8], to: &[u8]) -> Vec<u8> {
    assert_eq!(from.len(), to.len());
    let mut out = bytes.to_vec();
    let mut found = 0;
    for i in 0..out.len().saturating_sub(from.len()) {
        if &out[i..i + from.len()] == from {
            out[i..i + from.len()].copy_from_slice(to);
            found += 1;
        }
    }
    assert!(found >= 2, "a name is in a local header and the central directory");
    out
}

#[test]
fn the_demo_case_restored_is_the_very_file_verifies_and_lists_the_same() {
    let d = demo();
    let h = Handoff::with(&d.zip);
    let out = h.t.ok(&["unarchive", &h.zip.display().to_string()]);
    assert!(out.contains("passes `kordon verify`"), "{}", out);
    assert!(out.contains(&format!("the manifest's head {}", d.head)), "{}", out);
    assert!(out.contains("Not proven: the archive is checked for integrity, not authenticity"), "{}", out);
    let (manifest, case) = parts();
    assert_eq!(std::fs::read(&h.t.case).unwrap(), case);
    assert_eq!(manifest["activity_head"], d.head.as_str());
    assert_eq!(manifest["schema_version"], kordon::store::schema_version());
    assert_eq!(manifest["created"], "2026-11-21T08:00:00.000000000Z");
    assert_eq!(manifest["kordon_version"], env!("CARGO_PKG_VERSION"));
    assert_eq!(manifest["counts"]["incidents"], 5);
    assert_eq!(manifest["files"][0]["sha256"], kordon::bundle::sha256_hex(&case));
    h.t.ok(&["verify", "--expect-head", &d.head]);
    let listings: Vec<String> = LISTINGS.iter().map(|args| h.t.ok(args)).collect();
    assert_eq!(listings, d.listings);
    assert_eq!(files_in(h.t.dir.path()), ["handoff.zip", "restored.kordon"]);
}

#[test]
fn an_unchanged_case_archived_twice_at_one_instant_is_the_same_zip() {
    let d = demo();
    assert_eq!(kordon::bundle::sha256_hex(&d.zip), kordon::bundle::sha256_hex(&d.again));
}

#[test]
fn the_expected_sha256_is_checked() {
    let d = demo();
    let h = Handoff::with(&d.zip);
    let zip = h.zip.display().to_string();
    let err = h.t.refused(&["unarchive", &zip, "--expect-sha256", &"0".repeat(64)]);
    assert!(err.contains("error[hash_mismatch]") && err.contains("not the archive that was made"), "{}", err);
    assert!(!h.t.case.exists());
    let out = h.t.ok(&["unarchive", &zip, "--expect-sha256", &kordon::bundle::sha256_hex(&d.zip)]);
    assert!(out.contains("Authentic:"), "{}", out);
    assert!(!out.contains("integrity, not authenticity"), "{}", out);
}

#[test]
fn a_flipped_byte_in_the_case_is_refused_naming_the_entry() {
    let (manifest, mut case) = parts();
    let middle = case.len() / 2;
    case[middle] ^= 1;
    let err = Handoff::with(&rebuilt(&manifest, &case)).refused("hash_mismatch");
    assert!(err.contains("entry 'case.kordon'"), "{}", err);
}

#[test]
fn a_flipped_byte_in_the_zip_is_refused() {
    let mut zip = demo().zip.clone();
    let at = zip.len() / 2;
    zip[at] ^= 0x40;
    let h = Handoff::with(&zip);
    let out = h.unarchive();
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("error[corrupt_archive]") || err.contains("error[hash_mismatch]"), "{}", err);
    assert!(err.contains("'case.kordon'"), "{}", err);
    assert_eq!(files_in(h.t.dir.path()), ["handoff.zip"]);
}

#[test]
fn an_edited_manifest_is_refused() {
    let (manifest, case) = parts();
    let mut counts = manifest.clone();
    counts["counts"]["incidents"] = 4.into();
    let err = Handoff::with(&rebuilt(&counts, &case)).refused("bad_manifest");
    assert!(err.contains("it counts 4 incidents but the case holds 5"), "{}", err);

    let mut hash = manifest.clone();
    hash["files"][0]["sha256"] = "0".repeat(64).into();
    Handoff::with(&rebuilt(&hash, &case)).refused("hash_mismatch");

    let mut size = manifest.clone();
    size["files"][0]["size"] = 1.into();
    let err = Handoff::with(&rebuilt(&size, &case)).refused("hash_mismatch");
    assert!(err.contains("entry 'case.kordon' declares"), "{}", err);

    let mut head = manifest.clone();
    head["activity_head"] = format!("2:{}", "a".repeat(64)).into();
    let err = Handoff::with(&rebuilt(&head, &case)).refused("hash_mismatch");
    assert!(err.contains("the manifest says the activity log ends at 2:"), "{}", err);

    let mut schema = manifest.clone();
    schema["schema_version"] = 5.into();
    Handoff::with(&rebuilt(&schema, &case)).refused("bad_manifest");

    let mut unknown = manifest.clone();
    unknown["signature"] = "trust me".into();
    Handoff::with(&rebuilt(&unknown, &case)).refused("bad_manifest");

    Handoff::with(&build(&[("manifest.json", b"{not json"), ("case.kordon", &case)])).refused("bad_manifest");
}

#[test]
fn an_extra_entry_is_refused_naming_it() {
    let (manifest, case) = parts();
    let zip = build(&[("manifest.json", manifest.to_string().as_bytes()), ("case.kordon", &case), ("notes.txt", b"hello")]);
    let err = Handoff::with(&zip).refused("unlisted_file");
    assert!(err.contains("'notes.txt'"), "{}", err);
}

#[test]
fn a_folder_entry_is_refused() {
    let (manifest, case) = parts();
    let mut z = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    z.start_file("manifest.json", options()).unwrap();
    z.write_all(manifest.to_string().as_bytes()).unwrap();
    z.start_file("case.kordon", options()).unwrap();
    z.write_all(&case).unwrap();
    z.add_directory("evidence/", options()).unwrap();
    let err = Handoff::with(&z.finish().unwrap().into_inner()).refused("unlisted_file");
    assert!(err.contains("'evidence/' is a folder"), "{}", err);
}

#[test]
fn a_missing_entry_is_refused_naming_it() {
    let (manifest, _) = parts();
    let err = Handoff::with(&build(&[("manifest.json", manifest.to_string().as_bytes())])).refused("missing_file");
    assert!(err.contains("lists 'case.kordon' but the archive does not contain it"), "{}", err);
    let (_, case) = parts();
    Handoff::with(&build(&[("case.kordon", &case)])).refused("missing_file");
}

#[test]
fn two_entries_of_one_name_are_refused_naming_it() {
    let (manifest, case) = parts();
    let mut hidden = case.clone();
    hidden[100] ^= 1;
    // The hidden case first, then the listed one under a name made alike.
    let zip = build(&[("manifest.json", manifest.to_string().as_bytes()), ("case.kordon", &hidden), ("case.kordoX", &case)]);
    let err = Handoff::with(&replaced(&zip, b"case.kordoX", b"case.kordon")).refused("duplicate_entry");
    assert!(err.contains("'case.kordon'"), "{}", err);
}

#[test]
fn a_parent_directory_entry_is_refused() {
    let (manifest, case) = parts();
    let zip = build(&[("manifest.json", manifest.to_string().as_bytes()), ("case.kordon", &case), ("xx/evil.kordon", b"x")]);
    let err = Handoff::with(&replaced(&zip, b"xx/evil.kordon", b"../evil.kordon")).refused("unsafe_path");
    assert!(err.contains("'../evil.kordon'"), "{}", err);
}

#[test]
fn a_symbolic_link_entry_is_refused() {
    let (manifest, _) = parts();
    let mut z = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    z.start_file("manifest.json", options()).unwrap();
    z.write_all(manifest.to_string().as_bytes()).unwrap();
    z.add_symlink("case.kordon", "/etc/passwd", options()).unwrap();
    let err = Handoff::with(&z.finish().unwrap().into_inner()).refused("unsafe_path");
    assert!(err.contains("'case.kordon' is a symbolic link"), "{}", err);
}

#[test]
fn a_truncated_zip_is_refused() {
    let zip = &demo().zip;
    let err = Handoff::with(&zip[..zip.len() / 2]).refused("corrupt_archive");
    assert!(err.contains("not a readable zip archive"), "{}", err);
}

#[test]
fn an_entry_that_inflates_far_beyond_its_compressed_size_is_refused() {
    let (mut manifest, _) = parts();
    let zeros = vec![0u8; 16 << 20];
    manifest["files"][0]["size"] = zeros.len().into();
    manifest["files"][0]["sha256"] = kordon::bundle::sha256_hex(&zeros).into();
    let zip = rebuilt(&manifest, &zeros);
    let err = Handoff::with(&zip).refused("zip_bomb");
    assert!(err.contains("'case.kordon'"), "{}", err);
}

#[test]
fn an_existing_case_is_never_overwritten() {
    let d = demo();
    let h = Handoff::with(&d.zip);
    std::fs::write(&h.t.case, b"precious").unwrap();
    let err = h.t.refused(&["unarchive", &h.zip.display().to_string()]);
    assert!(err.contains("error[invalid_argument]") && err.contains("already exists"), "{}", err);
    assert_eq!(std::fs::read(&h.t.case).unwrap(), b"precious");
    assert_eq!(files_in(h.t.dir.path()), ["handoff.zip", "restored.kordon"]);
}

#[test]
fn a_missing_destination_folder_is_named_and_nothing_is_written() {
    let d = demo();
    let h = Handoff::with(&d.zip);
    // Unarchive into a folder that is not there.
    let missing = h.t.dir.path().join("no-such-folder");
    let mut t = TestCase::new();
    t.case = missing.join("restored.kordon");
    let err = t.refused(&["unarchive", &h.zip.display().to_string()]);
    assert!(err.contains("error[not_found]") && err.contains("no-such-folder") && err.contains("does not exist"), "{}", err);
    assert!(!missing.exists());
    // Archive into one: restore a case first, then archive it.
    h.t.ok(&["unarchive", &h.zip.display().to_string()]);
    let err = h.t.refused(&["archive", "-o", &missing.join("again.zip").display().to_string()]);
    assert!(err.contains("error[not_found]") && err.contains("does not exist"), "{}", err);
    assert!(!missing.exists());
    assert_eq!(files_in(h.t.dir.path()), ["handoff.zip", "restored.kordon"]);
    // Nor over a file that is not an archive.
    let notes = h.t.dir.path().join("notes.txt");
    std::fs::write(&notes, b"mine").unwrap();
    let err = h.t.refused(&["archive", "-o", &notes.display().to_string()]);
    assert!(err.contains("error[invalid_argument]") && err.contains("not a zip archive"), "{}", err);
    assert_eq!(std::fs::read(&notes).unwrap(), b"mine");
}
