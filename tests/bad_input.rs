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

/// Runs `kordon import` on `paths` and fails the test, instead of hanging
/// it, when the import has not ended within a minute.
fn import_within_a_minute(t: &TestCase, paths: &[&std::path::Path]) -> std::process::Output {
    let mut args = vec!["import".to_string(), "--json".to_string()];
    args.extend(paths.iter().map(|p| p.display().to_string()));
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let mut child = t
        .command(&args)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let started = std::time::Instant::now();
    while child.try_wait().unwrap().is_none() {
        if started.elapsed() > std::time::Duration::from_secs(60) {
            child.kill().unwrap();
            child.wait().unwrap();
            panic!("the import of {:?} hung", paths);
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    child.wait_with_output().unwrap()
}

fn mkfifo(path: &std::path::Path) {
    assert!(std::process::Command::new("mkfifo").arg(path).status().unwrap().success());
}

/// The summary entry of the file at `path`.
fn file_entry<'a>(summary: &'a serde_json::Value, path: &std::path::Path) -> &'a serde_json::Value {
    let name = path.display().to_string();
    summary["files"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["name"] == name.as_str())
        .unwrap_or_else(|| panic!("{} is not in the summary: {}", name, summary))
}

#[test]
fn links_in_a_folder_are_listed_as_skipped_never_followed() {
    let t = TestCase::new();
    let outside = t.dir.path().join("outside");
    std::fs::create_dir_all(&outside).unwrap();
    // A secret beside the evidence, and evidence-looking lines outside it.
    std::fs::write(outside.join("secret.txt"), "db-password=hunter2\n").unwrap();
    std::fs::copy(fixture("samples/k8s-audit/log-backend.jsonl"), outside.join("audit.jsonl")).unwrap();
    let dir = t.dir.path().join("evidence");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::copy(fixture("samples/falco/plain.jsonl"), dir.join("falco.jsonl")).unwrap();
    let links = [
        (dir.join("notes.txt"), outside.join("secret.txt")),
        (dir.join("audit.jsonl"), outside.join("audit.jsonl")),
        (dir.join("more"), outside.clone()),
    ];
    for (link, target) in &links {
        std::os::unix::fs::symlink(target, link).unwrap();
    }
    let summary = t.import(&[&dir]);
    assert_eq!(summary["files_imported"], 1, "only the regular file is read: {}", summary);
    assert_eq!(summary["files_skipped"], 3, "{}", summary);
    assert_eq!(summary["parse_errors"], 0, "{}", summary);
    for (link, _) in &links {
        let f = file_entry(&summary, link);
        assert_eq!(f["skipped"], "a symbolic link in a folder: not followed", "{}", f);
        assert_eq!(f["size"], 0, "nothing is read of the target, not even its size: {}", f);
    }
    assert!(t.json_lines(&["events", "--source", "k8s-audit"]).is_empty());
    assert!(!t.ok(&["errors"]).contains("hunter2"));
}

#[test]
fn a_link_named_on_the_command_line_is_read() {
    let t = TestCase::new();
    let link = t.dir.path().join("alerts.jsonl");
    std::os::unix::fs::symlink(fixture("samples/falco/plain.jsonl"), &link).unwrap();
    let summary = t.import(&[&link]);
    assert_eq!(summary["files_imported"], 1, "{}", summary);
    assert!(summary["events_new"].as_u64().unwrap() > 0, "{}", summary);
}

#[test]
fn a_named_pipe_in_a_folder_is_listed_as_skipped_and_never_opened() {
    let t = TestCase::new();
    let dir = t.dir.path().join("evidence");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::copy(fixture("samples/falco/plain.jsonl"), dir.join("falco.jsonl")).unwrap();
    mkfifo(&dir.join("audit.pipe"));
    let out = import_within_a_minute(&t, &[&dir]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let summary: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(summary["files_imported"], 1, "{}", summary);
    let f = file_entry(&summary, &dir.join("audit.pipe"));
    assert_eq!(f["skipped"], "a named pipe in a folder: only regular files are read", "{}", f);
}

#[test]
fn a_named_pipe_named_on_the_command_line_is_refused_without_waiting_for_a_writer() {
    let t = seeded();
    let before = t.digest();
    let pipe = t.dir.path().join("audit.pipe");
    mkfifo(&pipe);
    let out = import_within_a_minute(&t, &[&pipe]);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("error[invalid_argument]") && err.contains("audit.pipe"), "{}", err);
    assert!(err.contains("a named pipe, not a regular file"), "{}", err);
    assert_eq!(t.digest(), before);
}

/// A zip of `entries` (name, bytes), in order, with every `rename` (from,
/// to) then applied to the names in its headers: zip writers refuse to
/// write two entries of one name, hostile archives have them anyway.
fn crafted_zip(path: &std::path::Path, entries: &[(&str, &[u8])], rename: (&str, &str)) {
    use std::io::Write;
    assert_eq!(rename.0.len(), rename.1.len(), "a rename keeps the headers' lengths");
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    for (name, bytes) in entries {
        zip.start_file(*name, zip::write::SimpleFileOptions::default()).unwrap();
        zip.write_all(bytes).unwrap();
    }
    let bytes = zip.finish().unwrap().into_inner();
    let (from, to) = (rename.0.as_bytes(), rename.1.as_bytes());
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if !from.is_empty() && bytes[i..].starts_with(from) {
            out.extend_from_slice(to);
            i += from.len();
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    std::fs::write(path, out).unwrap();
}

fn falco_line(rule: &str, priority: &str) -> String {
    format!(
        r#"{{"hostname":"node-1","output":"{rule}","priority":"{priority}","rule":"{rule}","source":"syscall","time":"2026-11-20T09:41:07.000000000Z","output_fields":{{"k8s.ns.name":"shop","k8s.pod.name":"cart-7d9f","container.id":"3f2a9c1b7d4e"}}}}"#
    ) + "\n"
}

#[test]
fn a_zip_with_two_entries_of_one_name_is_refused_naming_it() {
    let t = seeded();
    let before = t.digest();
    let zip = t.dir.path().join("exports.zip");
    let first = falco_line("Terminal shell in container", "Notice");
    let second = falco_line("Drop and execute new binary in container", "Critical");
    crafted_zip(&zip, &[("alerts-1.jsonl", first.as_bytes()), ("alerts-2.jsonl", second.as_bytes())], ("alerts-2", "alerts-1"));
    let err = t.refused(&["import", &zip.display().to_string()]);
    assert!(err.contains("error[duplicate_entry]"), "{}", err);
    assert!(err.contains("exports.zip") && err.contains("'alerts-1.jsonl'"), "{}", err);
    assert_eq!(t.digest(), before);
}

#[test]
fn a_bundle_entry_hidden_behind_another_of_its_name_is_refused() {
    let t = seeded();
    let before = t.digest();
    let benign = falco_line("Terminal shell in container", "Notice");
    let hidden = falco_line("Drop and execute new binary in container", "Critical");
    let manifest = serde_json::json!({
        "kordon_bundle": 1, "created": "2026-11-20T10:12:00Z", "producer": "test",
        "files": [{"path": "alerts/a.jsonl", "format": "falco", "size": benign.len(),
                   "sha256": kordon::bundle::sha256_hex(benign.as_bytes())}],
    })
    .to_string();
    let bundle = t.dir.path().join("bundle.zip");
    crafted_zip(
        &bundle,
        &[("manifest.json", manifest.as_bytes()), ("alerts/a.jsonl", hidden.as_bytes()), ("alerts/x.jsonl", benign.as_bytes())],
        ("alerts/x", "alerts/a"),
    );
    let err = t.refused(&["import", &bundle.display().to_string()]);
    assert!(err.contains("error[duplicate_entry]") && err.contains("'alerts/a.jsonl'"), "{}", err);
    assert_eq!(t.digest(), before);
}

#[test]
fn a_manifest_that_lists_a_file_twice_is_refused() {
    let t = seeded();
    let before = t.digest();
    let alert = falco_line("Terminal shell in container", "Notice");
    let listed = serde_json::json!({"path": "alerts/a.jsonl", "format": "falco", "size": alert.len(),
                                    "sha256": kordon::bundle::sha256_hex(alert.as_bytes())});
    let manifest = serde_json::json!({
        "kordon_bundle": 1, "created": "2026-11-20T10:12:00Z", "producer": "test", "files": [listed, listed],
    })
    .to_string();
    let bundle = t.dir.path().join("bundle.zip");
    crafted_zip(&bundle, &[("manifest.json", manifest.as_bytes()), ("alerts/a.jsonl", alert.as_bytes())], ("", ""));
    let err = t.refused(&["import", &bundle.display().to_string()]);
    assert!(err.contains("error[bad_manifest]") && err.contains("'alerts/a.jsonl' twice"), "{}", err);
    assert_eq!(t.digest(), before);
}

#[test]
fn a_file_that_is_one_long_json_line_is_refused_at_the_record_cap() {
    let t = seeded();
    let before = t.digest();
    // One Falco alert of 2 MB, no newline: read as a document, not a line.
    let alert = falco_line(&"x".repeat(2 << 20), "Notice");
    let path = t.dir.path().join("one-line.json");
    std::fs::write(&path, alert.trim_end()).unwrap();
    let err = t.refused(&["import", "--max-record-bytes", "65536", &path.display().to_string()]);
    assert!(err.contains("error[record_too_long]") && err.contains("one-line.json"), "{}", err);
    assert!(err.contains("the record at byte 0 is longer than the 65536-byte record cap"), "{}", err);
    assert_eq!(t.digest(), before);
}

/// The parse errors of a case: (line, reason).
fn parse_errors(t: &TestCase) -> Vec<(u64, String)> {
    let mut errors: Vec<(u64, String)> = t
        .json_lines(&["errors"])
        .iter()
        .map(|e| (e["line"].as_u64().unwrap(), e["reason"].as_str().unwrap().to_string()))
        .collect();
    errors.sort();
    errors
}

#[test]
fn a_falco_alert_with_a_key_twice_is_kept_as_a_parse_error_not_read_as_either() {
    let t = TestCase::new();
    let critical = falco_line("Drop and execute new binary in container", "Critical");
    // The same alert, given a benign rule and priority after its own.
    let twice = critical.trim_end().replacen('{', r#"{"rule":"Terminal shell in container","priority":"Notice","#, 1);
    let path = t.dir.path().join("falco.jsonl");
    std::fs::write(&path, format!("{}{}\n", falco_line("Terminal shell in container", "Notice"), twice)).unwrap();
    let summary = t.import(&[&path]);
    assert_eq!((summary["events_new"].as_u64(), summary["parse_errors"].as_u64()), (Some(1), Some(1)), "{}", summary);
    let errors = parse_errors(&t);
    assert_eq!(errors.len(), 1);
    assert_eq!(errors[0].0, 2);
    // The first key met twice: the alert gives `priority` before `rule`.
    assert!(errors[0].1.contains(r#"duplicate key "priority" in an object at line 1 column"#), "{}", errors[0].1);
    assert!(t.refused(&["import", "--strict", &path.display().to_string()]).contains("duplicate key"));
}

#[test]
fn an_audit_record_with_a_second_audit_id_joins_no_request() {
    let t = TestCase::new();
    let stage = |id: &str, stage: &str, tail: &str| {
        format!(
            r#"{{"kind":"Event","apiVersion":"audit.k8s.io/v1","level":"Metadata","auditID":"{id}","stage":"{stage}","requestURI":"/api/v1/namespaces/shop/secrets","verb":"list","user":{{"username":"alice"}},"sourceIPs":["10.0.0.7"],"objectRef":{{"resource":"secrets","namespace":"shop","apiVersion":"v1"}},"responseStatus":{{"code":200}},"requestReceivedTimestamp":"2026-11-20T09:41:07.000000Z","stageTimestamp":"2026-11-20T09:41:07.010000Z"{tail}}}"#
        )
    };
    let a = "5d0c7e3a-1f2b-4c6d-8e9f-0a1b2c3d4e5f";
    let b = "9a8b7c6d-1f2b-4c6d-8e9f-0a1b2c3d4e5f";
    let lines = [
        stage(a, "RequestReceived", ""),
        stage(a, "ResponseComplete", ""),
        // Pairs with request a by its head, loses to its final stage, and
        // names request b further on.
        stage(a, "RequestReceived", &format!(r#","auditID":"{b}""#)),
        // Would win request b's pairing and be parsed as request a.
        stage(b, "ResponseComplete", &format!(r#","auditID":"{a}""#)),
    ];
    let log = t.dir.path().join("audit.log");
    std::fs::write(&log, lines.join("\n") + "\n").unwrap();
    let summary = t.import(&[&log]);
    assert_eq!(summary["parse_errors"], 2, "{}", summary);
    let errors = parse_errors(&t);
    assert_eq!(errors.iter().map(|e| e.0).collect::<Vec<_>>(), [3, 4]);
    assert!(errors.iter().all(|e| e.1.contains(r#"duplicate key "auditID""#)), "{:?}", errors);
    let events = t.json_lines(&["events"]);
    assert_eq!(events.len(), 1, "{:?}", events);
    assert_eq!(events[0]["records"], 2, "only request a's own stages: {}", events[0]);
}
