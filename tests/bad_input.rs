//! Hostile and broken input: each gets a clear error naming the file (and the
//! place), and a refused import leaves the case exactly as it was.

use crate::util::{fixture, TestCase};

/// A case with something already in it, so "unchanged" means something.
fn seeded() -> TestCase {
    let t = TestCase::new();
    t.import(&[&fixture("samples/falco/plain.jsonl")]);
    t
}

fn assert_refused(file: &str, code: &str, extra_args: &[&str], says: &[&str]) {
    let t = seeded();
    let before = t.digest();
    let path = fixture(file).display().to_string();
    let mut args = vec!["import"];
    args.extend_from_slice(extra_args);
    args.push(&path);
    let err = t.refused(&args);
    assert!(err.contains(&format!("error[{}]", code)), "expected code {} for {}, got: {}", code, file, err);
    let name = std::path::Path::new(file).file_name().unwrap().to_str().unwrap();
    assert!(err.contains(name), "the error should name {}: {}", name, err);
    for s in says {
        assert!(err.contains(s), "the error for {} should say {:?}: {}", file, s, err);
    }
    assert_eq!(t.digest(), before, "refusing {} must leave the case unchanged", file);
}

#[test]
fn path_traversal_entries_are_refused() {
    assert_refused("bad/traversal.zip", "unsafe_path", &[], &["../../etc/cron.d/evil.jsonl"]);
}

#[test]
fn absolute_entry_names_are_refused() {
    assert_refused("bad/absolute-path.zip", "unsafe_path", &[], &["/etc/passwd.jsonl"]);
}

#[test]
fn a_zip_bomb_that_declares_its_size_is_refused_before_inflating() {
    assert_refused("bad/zip-bomb.zip", "zip_bomb", &[], &["audit.jsonl", "ratio"]);
}

#[test]
fn a_gzip_bomb_is_stopped_while_inflating() {
    assert_refused("bad/gzip-bomb.jsonl.gz", "zip_bomb", &[], &["ratio over 200:1"]);
}

#[test]
fn the_total_size_cap_is_configurable_and_enforced() {
    let t = seeded();
    let before = t.digest();
    let err = t.refused(&["import", "--max-total-bytes", "100000", &fixture("bad/gzip-bomb.jsonl.gz").display().to_string()]);
    assert!(err.contains("error[zip_bomb]") && err.contains("100000"), "{}", err);
    assert_eq!(t.digest(), before);
}

#[test]
fn encrypted_entries_are_refused() {
    assert_refused("bad/encrypted.zip", "encrypted_entry", &[], &["falco.jsonl"]);
}

#[test]
fn archives_nested_more_than_one_level_are_refused() {
    assert_refused("bad/nested-3-levels.zip", "nested_archive", &[], &["middle.zip!inner.zip"]);
}

#[test]
fn a_corrupt_zip_is_refused() {
    assert_refused("bad/corrupt.zip", "corrupt_archive", &[], &[]);
}

#[test]
fn a_record_longer_than_the_cap_is_refused_with_its_line() {
    assert_refused("bad/long-record.jsonl", "record_too_long", &["--max-record-bytes", "16384"], &["line 2", "16384"]);
}

#[test]
fn a_file_of_no_known_format_is_refused() {
    assert_refused("bad/unknown-format.txt", "unknown_format", &[], &["Notes from the bridge call"]);
}

#[test]
fn binary_data_is_refused() {
    assert_refused("bad/binary.bin", "unknown_format", &[], &["binary data"]);
}

#[test]
fn a_manifest_hash_mismatch_refuses_the_whole_bundle_naming_both_hashes() {
    assert_refused(
        "bad/bundle-hash-mismatch.zip",
        "hash_mismatch",
        &[],
        &["alerts/falco.jsonl", &"0".repeat(64), "a6de2042c6851a18682dac181bfa20f64c401647c2aa99367c6fda176008c73f"],
    );
}

#[test]
fn a_file_missing_from_a_bundle_refuses_it() {
    assert_refused("bad/bundle-missing-file.zip", "missing_file", &[], &["audit/audit.jsonl"]);
}

#[test]
fn an_unknown_bundle_version_is_refused() {
    assert_refused("bad/bundle-unknown-version.zip", "unsupported_bundle_version", &[], &["version 99"]);
}

#[test]
fn a_file_not_in_the_manifest_refuses_the_bundle() {
    assert_refused("bad/bundle-unlisted-file.zip", "unlisted_file", &[], &["extra/notes.jsonl"]);
}

#[test]
fn invalid_utf8_is_kept_verbatim_as_a_parse_error() {
    let t = seeded();
    let summary = t.import(&[&fixture("bad/invalid-utf8.jsonl")]);
    assert_eq!(summary["parse_errors"], 1, "{}", summary);
    assert_eq!(summary["events_new"], 2, "the good lines around it are imported: {}", summary);
    let errors = t.json_lines(&["errors"]);
    assert_eq!(errors.len(), 1);
    assert_eq!(errors[0]["line"], 2);
    assert!(errors[0]["reason"].as_str().unwrap().contains("invalid UTF-8"), "{}", errors[0]);
    // The exact bytes are kept: the hex of the raw record holds the bad bytes.
    assert!(errors[0]["raw_hex"].as_str().unwrap().contains("fffe"), "{}", errors[0]);
}

#[test]
fn invalid_utf8_under_strict_refuses_the_import() {
    assert_refused("bad/invalid-utf8.jsonl", "malformed_record", &["--strict"], &["line 2", "invalid UTF-8"]);
}

#[test]
fn absurdly_deep_json_is_kept_as_a_parse_error_not_a_crash() {
    let t = seeded();
    let summary = t.import(&[&fixture("bad/deep-json.jsonl")]);
    assert_eq!(summary["parse_errors"], 1, "{}", summary);
    let errors = t.json_lines(&["errors"]);
    assert!(errors[0]["reason"].as_str().unwrap().contains("nested too deeply"), "{}", errors[0]);
    assert_eq!(errors[0]["raw"].as_str().unwrap().len(), 200_000, "kept verbatim");
}

#[test]
fn absurdly_deep_json_under_strict_refuses_the_import() {
    assert_refused("bad/deep-json.jsonl", "malformed_record", &["--strict"], &["nested too deeply"]);
}

#[test]
fn a_missing_path_is_refused_before_anything_is_written() {
    let t = seeded();
    let before = t.digest();
    let err = t.refused(&["import", "/nonexistent/evidence.zip"]);
    assert!(err.contains("error[not_found]") && err.contains("/nonexistent/evidence.zip"), "{}", err);
    assert_eq!(t.digest(), before);
}

#[test]
fn usage_errors_exit_with_code_2() {
    let t = TestCase::new();
    assert_eq!(t.run(&["import"]).status.code(), Some(2));
    assert_eq!(t.run(&["no-such-command"]).status.code(), Some(2));
}
