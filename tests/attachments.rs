//! Files of a folder or zip that are no format Kordon reads (a README, a
//! screenshot, a PDF) do not stop the rest: each is kept as an attachment
//! with its name, size and SHA-256 (and its bytes, up to a cap), listed by
//! `kordon sources` and covered by `kordon verify`; `--strict` refuses.

use crate::util::{fixture, TestCase};
use std::io::Write;
use std::path::{Path, PathBuf};

const README: &str = "Exported from the shop-prod log group on 2026-11-20 by the on-call engineer.\n";
/// The first bytes of a PNG: binary, no format of Kordon's.
const PNG: &[u8] = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\x06\0\0\0\x1f\x15\xc4\x89";

fn evidence_folder(t: &TestCase) -> PathBuf {
    let dir = t.dir.path().join("evidence");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::copy(fixture("samples/eks/get-log-events.json"), dir.join("get-log-events.json")).unwrap();
    std::fs::write(dir.join("README.md"), README).unwrap();
    std::fs::write(dir.join("screenshot.png"), PNG).unwrap();
    dir
}

/// A case that already holds evidence, which a refused import must keep.
fn seeded() -> TestCase {
    let t = TestCase::new();
    t.import(&[&fixture("samples/eks/logs-insights.json")]);
    t
}

fn sha256(bytes: &[u8]) -> String {
    use sha2::Digest;
    hex::encode(sha2::Sha256::digest(bytes))
}

fn zip_of(path: &Path, files: &[(&str, &[u8])]) {
    let mut z = zip::ZipWriter::new(std::fs::File::create(path).unwrap());
    for (name, bytes) in files {
        z.start_file(*name, zip::write::SimpleFileOptions::default()).unwrap();
        z.write_all(bytes).unwrap();
    }
    z.finish().unwrap();
}

#[test]
fn a_folder_imports_its_exports_and_keeps_the_rest_as_attachments() {
    let t = TestCase::new();
    let dir = evidence_folder(&t);
    let s = t.import(&[&dir]);
    assert_eq!(s["files_imported"], 3);
    assert_eq!(s["attachments"], 2);
    assert_eq!(s["events_new"], 5);
    let readme = s["files"].as_array().unwrap().iter().find(|f| f["name"].as_str().unwrap().ends_with("README.md")).unwrap();
    assert_eq!(readme["format"], "attachment");
    assert_eq!(readme["sha256"], sha256(README.as_bytes()));
    assert_eq!(readme["size"], README.len());
    assert!(readme["shape"].as_str().unwrap().starts_with("Attachment: not a format Kordon knows"), "{}", readme["shape"]);
    let png = s["files"].as_array().unwrap().iter().find(|f| f["name"].as_str().unwrap().ends_with("screenshot.png")).unwrap();
    assert!(png["shape"].as_str().unwrap().contains("binary data"), "{}", png["shape"]);
    // Listed with the sources, verified, and the bytes kept exact.
    let sources = t.json_lines(&["sources"]);
    let attached: Vec<&serde_json::Value> = sources.iter().filter(|s| s["format"] == "attachment").collect();
    assert_eq!(attached.len(), 2);
    assert!(t.ok(&["verify"]).starts_with("OK"));
    let conn = rusqlite::Connection::open(&t.case).unwrap();
    let kept: Vec<u8> = conn
        .query_row(
            "SELECT content FROM attachment_content JOIN sources ON sources.id = source_id WHERE name LIKE '%README.md'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(kept, README.as_bytes());
}

#[test]
fn verify_catches_an_attachment_whose_kept_bytes_changed() {
    let t = TestCase::new();
    t.import(&[&evidence_folder(&t)]);
    let conn = rusqlite::Connection::open(&t.case).unwrap();
    conn.execute("UPDATE attachment_content SET content = X'00' WHERE source_id = (SELECT id FROM sources WHERE name LIKE '%README.md')", [])
        .unwrap();
    let out = t.run(&["verify"]);
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8_lossy(&out.stdout).to_string() + &String::from_utf8_lossy(&out.stderr);
    assert!(text.contains("attachment") && text.contains("README.md") && text.contains(&sha256(README.as_bytes())), "{}", text);
}

#[test]
fn a_plain_zip_keeps_its_readme_as_an_attachment() {
    let t = TestCase::new();
    let zip = t.dir.path().join("export.zip");
    let page = std::fs::read(fixture("samples/eks/get-log-events.json")).unwrap();
    zip_of(&zip, &[("cloudwatch/get-log-events.json", &page), ("NOTES.txt", README.as_bytes())]);
    let s = t.import(&[&zip]);
    assert_eq!(s["attachments"], 1);
    let notes = s["files"].as_array().unwrap().iter().find(|f| f["inner_path"] == "NOTES.txt").unwrap();
    assert_eq!(notes["format"], "attachment");
    assert_eq!(notes["sha256"], sha256(README.as_bytes()));
    // The same README again, in a folder: already in the case.
    let dir = t.dir.path().join("again");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("NOTES.txt"), README).unwrap();
    std::fs::copy(fixture("samples/eks/logs-insights.json"), dir.join("insights.json")).unwrap();
    let s = t.import(&[&dir]);
    let again = s["files"].as_array().unwrap().iter().find(|f| f["name"].as_str().unwrap().ends_with("NOTES.txt")).unwrap();
    assert!(again["skipped"].as_str().unwrap().starts_with("already in the case as "), "{}", again);
    assert!(t.ok(&["verify"]).starts_with("OK"));
}

#[test]
fn strict_refuses_a_folder_with_a_file_it_cannot_read() {
    let t = seeded();
    let dir = evidence_folder(&t);
    let before = t.digest();
    let err = t.refused(&["import", "--strict", dir.to_str().unwrap()]);
    assert!(err.contains("error[unknown_format]"), "{}", err);
    assert!(err.contains("README.md"), "{}", err);
    assert_eq!(t.digest(), before);
}

#[test]
fn a_folder_of_nothing_kordon_reads_is_refused_whole() {
    let t = seeded();
    let dir = t.dir.path().join("wrong");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("README.md"), README).unwrap();
    std::fs::write(dir.join("screenshot.png"), PNG).unwrap();
    let before = t.digest();
    let err = t.refused(&["import", dir.to_str().unwrap()]);
    assert!(err.contains("no file is a format Kordon reads"), "{}", err);
    assert_eq!(t.digest(), before);
    // A single unknown file named directly is refused as before.
    let err = t.refused(&["import", dir.join("README.md").to_str().unwrap()]);
    assert!(err.contains("error[unknown_format]"), "{}", err);
}
