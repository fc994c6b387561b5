//! Import semantics: idempotence, order independence, atomicity, dedup of
//! records that describe one event, and the queries over what was imported.

use crate::util::{case_digest, fixture, TestCase};
use std::path::PathBuf;

fn samples() -> Vec<PathBuf> {
    let mut files = Vec::new();
    for dir in ["falco", "k8s-audit", "defender", "tetragon", "k8s-objects"] {
        let mut entries: Vec<PathBuf> =
            std::fs::read_dir(fixture(&format!("samples/{}", dir))).unwrap().map(|e| e.unwrap().path()).collect();
        entries.sort();
        files.extend(entries);
    }
    files
}

/// Everything an investigator sees of the imported evidence, independent of
/// when and in which order it was imported.
fn evidence(t: &TestCase) -> String {
    let mut events = t.json_lines(&["events", "--raw"]);
    for e in &mut events {
        // Which of several identical files holds the primary copy is not
        // evidence; the record itself is.
        e.as_object_mut().unwrap().remove("file");
    }
    let entities = t.json_lines(&["entities"]);
    let mut errors = t.json_lines(&["errors"]);
    for e in &mut errors {
        e.as_object_mut().unwrap().remove("id");
    }
    errors.sort_by_key(|e| e.to_string());
    serde_json::to_string_pretty(&serde_json::json!({"events": events, "entities": entities, "errors": errors})).unwrap()
}

#[test]
fn reimporting_the_same_files_adds_nothing_and_says_so() {
    let t = TestCase::new();
    let files = samples();
    let refs: Vec<&std::path::Path> = files.iter().map(|p| p.as_path()).collect();
    let first = t.import(&refs);
    assert!(first["events_new"].as_u64().unwrap() > 0);
    let before = evidence(&t);
    let again = t.import(&refs);
    assert_eq!(again["events_new"], 0, "{}", again);
    assert_eq!(again["files_imported"], 0, "{}", again);
    assert_eq!(again["files_skipped"].as_u64().unwrap(), files.len() as u64);
    for f in again["files"].as_array().unwrap() {
        assert!(f["skipped"].as_str().unwrap().starts_with("already in the case as "), "{}", f);
    }
    assert_eq!(evidence(&t), before);
    let text = t.ok(&["import", &files[0].display().to_string()]);
    assert!(text.contains("already in the case"), "{}", text);
}

#[test]
fn the_same_inputs_in_any_order_give_the_same_events_entities_and_ids() {
    let files = samples();
    let forward = TestCase::new();
    for f in &files {
        forward.import(&[f]);
    }
    let backward = TestCase::new();
    for f in files.iter().rev() {
        backward.import(&[f]);
    }
    let together = TestCase::new();
    let refs: Vec<&std::path::Path> = files.iter().map(|p| p.as_path()).collect();
    together.import(&refs);
    let a = evidence(&forward);
    assert_eq!(a, evidence(&backward), "import order changed the evidence");
    assert_eq!(a, evidence(&together), "one import and many imports differ");
}

/// The records are parsed by a pool of threads, in turn; the answers are
/// taken back in the order the records were read, so one thread and five
/// give the very same case, row for row — with a file of many more records
/// than the pool keeps in flight, whose request stages pair across jobs.
#[test]
fn any_number_of_parsing_threads_gives_the_same_case() {
    let dir = tempfile::tempdir().unwrap();
    let bundle = dir.path().join("many.zip");
    kordon::synth::write_large_bundle(&bundle, 11, 3_000, 200, 2_000).unwrap();
    let mut files = samples();
    files.push(bundle);
    files.push(fixture("demo/kordon-demo.zip"));
    let paths: Vec<String> = files.iter().map(|p| p.display().to_string()).collect();
    let digest = |workers: &str| {
        let t = TestCase::new();
        let mut args = vec!["import", "--json", "--workers", workers];
        args.extend(paths.iter().map(String::as_str));
        let summary: serde_json::Value = serde_json::from_str(&t.ok(&args)).unwrap();
        assert!(summary["events_new"].as_u64().unwrap() > 5_000, "{}", summary);
        t.assert_references_resolve();
        t.digest()
    };
    let one = digest("1");
    assert_eq!(one, digest("5"), "five parsing threads made another case than one");
    assert_eq!(one, digest("2"), "two parsing threads made another case than one");
}

#[test]
fn a_killed_import_leaves_the_case_as_it_was() {
    use std::io::Write;
    let t = TestCase::new();
    t.import(&[&fixture("samples/falco/plain.jsonl")]);
    let before = t.digest();
    // An audit log far longer than the test lets the import run (gzip
    // keeps it small on disk).
    let log = t.dir.path().join("audit.jsonl.gz");
    let mut gz = flate2::write::GzEncoder::new(std::fs::File::create(&log).unwrap(), flate2::Compression::fast());
    for i in 0..400_000u64 {
        let line = format!(
            r#"{{"kind":"Event","apiVersion":"audit.k8s.io/v1","level":"Metadata","auditID":"00000000-0000-4000-8000-{:012}","stage":"ResponseComplete","requestURI":"/api/v1/namespaces/shop/pods","verb":"list","user":{{"username":"system:serviceaccount:monitoring:prometheus"}},"sourceIPs":["10.244.2.17"],"objectRef":{{"resource":"pods","namespace":"shop","apiVersion":"v1"}},"responseStatus":{{"metadata":{{}},"code":200}},"requestReceivedTimestamp":"2026-11-20T09:00:00.000000Z","stageTimestamp":"2026-11-20T09:00:00.004000Z"}}"#,
            i
        );
        gz.write_all(line.as_bytes()).unwrap();
        gz.write_all(b"\n").unwrap();
    }
    gz.finish().unwrap();
    let mut child = t.command(&["import", &log.display().to_string()]).spawn().unwrap();
    // Wait until the import has written uncommitted pages to the WAL (proof
    // that it is mid-transaction), then kill it without warning.
    let wal = PathBuf::from(format!("{}-wal", t.case.display()));
    let wal_before = std::fs::metadata(&wal).map(|m| m.len()).unwrap_or(0);
    let mut grew = false;
    while child.try_wait().unwrap().is_none() {
        if std::fs::metadata(&wal).map(|m| m.len()).unwrap_or(0) > wal_before + (1 << 20) {
            grew = true;
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
    assert!(grew, "the import ended before it wrote to the WAL; the test proves nothing");
    child.kill().unwrap();
    child.wait().unwrap();
    assert_eq!(case_digest(&t.case), before, "a killed import must leave no trace");
    let events = t.json_lines(&["events", "--source", "k8s-audit"]);
    assert!(events.is_empty());
}

#[test]
fn audit_stages_of_one_request_become_one_event_keeping_every_line() {
    let t = TestCase::new();
    t.import(&[&fixture("samples/k8s-audit/log-backend.jsonl")]);
    let events = t.json_lines(&["events"]);
    let text = std::fs::read_to_string(fixture("samples/k8s-audit/log-backend.jsonl")).unwrap();
    let mut ids = std::collections::BTreeSet::new();
    let mut lines = 0;
    for l in text.lines().filter(|l| !l.trim().is_empty()) {
        let v: serde_json::Value = serde_json::from_str(l).unwrap();
        ids.insert(v["auditID"].as_str().unwrap().to_string());
        lines += 1;
    }
    assert!(lines > ids.len(), "the sample must have several stages per request");
    assert_eq!(events.len(), ids.len());
    let records: u64 = events.iter().map(|e| e["records"].as_u64().unwrap()).sum();
    assert_eq!(records as usize, lines, "every stage's line is kept");
}

#[test]
fn a_stage_line_broken_after_its_head_is_a_parse_error_not_a_hidden_record() {
    // The importer pairs the stages of a request by reading only the head of
    // each line (`auditID`, `stage`), and parses only the winning stage. A
    // losing stage broken further on must still be reported, not stored as
    // one of the event's records.
    let t = TestCase::new();
    let head = r#"{"kind":"Event","apiVersion":"audit.k8s.io/v1","level":"Metadata","auditID":"5d0c7e3a-1f2b-4c6d-8e9f-0a1b2c3d4e5f""#;
    // Balanced braces, so that only JSON parsing (not line framing) finds
    // the fault: an unquoted string.
    let broken = format!(r#"{},"stage":"RequestReceived","requestURI":"/api/v1/namespaces/shop/pods","verb":"list","user":{{"username":alice}}}}"#, head);
    let complete = format!(
        r#"{},"stage":"ResponseComplete","requestURI":"/api/v1/namespaces/shop/pods","verb":"list","user":{{"username":"alice"}},"sourceIPs":["10.0.0.7"],"objectRef":{{"resource":"pods","namespace":"shop","apiVersion":"v1"}},"responseStatus":{{"code":200}},"requestReceivedTimestamp":"2026-11-20T09:41:07.000000Z","stageTimestamp":"2026-11-20T09:41:07.010000Z"}}"#,
        head
    );
    let log = t.dir.path().join("audit.log");
    std::fs::write(&log, format!("{}\n{}\n", complete, broken)).unwrap();
    let summary = t.import(&[&log]);
    assert_eq!(summary["parse_errors"], 1, "{}", summary);
    let errors = t.json_lines(&["errors"]);
    assert_eq!(errors.len(), 1);
    assert_eq!(errors[0]["line"], 2);
    assert_eq!(errors[0]["raw"], broken.as_str());
    assert!(errors[0]["reason"].as_str().unwrap().contains("JSON"), "{}", errors[0]);
    let events = t.json_lines(&["events", "--raw"]);
    assert_eq!(events.len(), 1);
    assert_eq!(events[0]["records"], 1, "the broken line is not one of the event's records");
    assert_eq!(events[0]["raw"], complete.as_str());
}

#[test]
fn falcos_short_container_id_joins_the_full_id_from_the_pod_status() {
    let t = TestCase::new();
    t.import(&[&fixture("demo/kordon-demo.zip")]);
    let containers = t.json_lines(&["entities", "--kind", "container"]);
    assert!(containers.iter().all(|c| c["key"].as_str().unwrap().len() == 64 || c["events"].as_u64().unwrap() > 0));
    let falco = t.json_lines(&["events", "--source", "falco", "--pod", "shop/cart-7f9c6d8b5-x2k4q"]);
    assert!(!falco.is_empty());
    let full: Vec<String> = falco
        .iter()
        .flat_map(|e| e["entities"].as_array().unwrap().clone())
        .filter(|x| x["kind"] == "container")
        .map(|x| x["key"].as_str().unwrap().to_string())
        .collect();
    assert!(!full.is_empty() && full.iter().all(|k| k.len() == 64), "Falco's 12-hex id should resolve to the full id: {:?}", full);
}

#[test]
fn events_filter_by_time_namespace_pod_source_and_text() {
    let t = TestCase::new();
    t.import(&[&fixture("demo/kordon-demo.zip")]);
    let all = t.json_lines(&["events"]).len();
    let window = t.json_lines(&["events", "--since", "2026-11-20T09:41:00Z", "--until", "2026-11-20T09:48:00Z"]);
    assert!(!window.is_empty() && window.len() < all);
    for e in &window {
        let time = e["time"].as_str().unwrap();
        assert!(("2026-11-20T09:41:00"..="2026-11-20T09:48:00.000000000Z").contains(&time), "{}", time);
    }
    let xmrig = t.json_lines(&["events", "--search", "xmrig"]);
    assert!(xmrig.iter().any(|e| e["source"] == "falco"));
    assert!(xmrig.iter().any(|e| e["source"] == "tetragon"));
    let pod = t.json_lines(&["events", "--pod", "cart-7f9c6d8b5-x2k4q", "--source", "k8s-audit"]);
    assert!(!pod.is_empty());
    let secops = t.json_lines(&["events", "--namespace", "secops", "--source", "falco"]);
    assert!(secops.iter().all(|e| e["title"].as_str().unwrap().contains("Network Tool") || e["rule"].is_string()));
    let severe = t.json_lines(&["events", "--kind", "alert", "--min-severity", "high"]);
    assert!(!severe.is_empty());
    assert!(severe.iter().all(|e| e["kind"] == "alert" && (e["severity"] == "high" || e["severity"] == "critical")));
    assert!(severe.iter().any(|e| e["rule"] == "Detect crypto miners using the Stratum protocol"));
    let err = t.refused(&["events", "--min-severity", "urgent"]);
    assert!(err.contains("error[invalid_argument]") && err.contains("urgent"), "{}", err);
    let limited = t.json_lines(&["events", "--limit", "3"]);
    assert_eq!(limited.len(), 3);
    let err = t.refused(&["events", "--source", "splunk"]);
    assert!(err.contains("error[invalid_argument]") && err.contains("splunk"), "{}", err);
    let err = t.refused(&["events", "--since", "yesterday"]);
    assert!(err.contains("--since"), "{}", err);
}

#[test]
fn the_demo_bundle_imports_every_format_without_losing_a_record() {
    let t = TestCase::new();
    let s = t.import(&[&fixture("demo/kordon-demo.zip")]);
    let formats: std::collections::BTreeSet<String> =
        s["files"].as_array().unwrap().iter().map(|f| f["format"].as_str().unwrap().to_string()).collect();
    for f in ["falco", "k8s-audit", "defender", "tetragon", "k8s-objects"] {
        assert!(formats.contains(f), "demo lacks {}: {:?}", f, formats);
    }
    let sources = t.json_lines(&["sources"]);
    for src in &sources {
        assert_eq!(src["sha256"].as_str().unwrap().len(), 64);
        assert_eq!(src["bundle"].as_str(), Some(fixture("demo/kordon-demo.zip").display().to_string().as_str()));
    }
    let records = s["records"].as_u64().unwrap();
    let kept = s["events_new"].as_u64().unwrap() + s["events_merged"].as_u64().unwrap() + s["parse_errors"].as_u64().unwrap();
    assert_eq!(records, kept, "every record is an event, a merged record or a kept error");
    // The import itself is in the activity log.
    let conn = rusqlite::Connection::open(&t.case).unwrap();
    let (actor, action): (String, String) =
        conn.query_row("SELECT actor, action FROM activity ORDER BY id DESC LIMIT 1", [], |r| Ok((r.get(0)?, r.get(1)?))).unwrap();
    assert_eq!((actor.as_str(), action.as_str()), ("test-investigator", "import"));
}

#[test]
fn folders_plain_zips_gzip_and_single_files_give_the_same_evidence() {
    use std::io::Write;
    let picks = ["falco/plain.jsonl", "k8s-audit/log-backend.jsonl", "defender/rest-value.json", "k8s-objects/get-all.json"];
    let singles = TestCase::new();
    for p in picks {
        singles.import(&[&fixture(&format!("samples/{}", p))]);
    }
    let expected = evidence(&singles);

    // A folder holding the same exports, one of them gzipped and renamed.
    let folder = TestCase::new();
    let dir = folder.dir.path().join("exports");
    std::fs::create_dir_all(dir.join("nested")).unwrap();
    for (i, p) in picks.iter().enumerate() {
        let bytes = std::fs::read(fixture(&format!("samples/{}", p))).unwrap();
        if i == 1 {
            let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
            gz.write_all(&bytes).unwrap();
            std::fs::write(dir.join("nested").join("apiserver.log.gz"), gz.finish().unwrap()).unwrap();
        } else {
            std::fs::write(dir.join(format!("export-{}.data", i)), bytes).unwrap();
        }
    }
    std::fs::write(dir.join(".DS_Store"), b"\0\0\0\x01Bud1").unwrap();
    let summary = folder.import(&[&dir]);
    assert_eq!(summary["files_imported"], 4, "{}", summary);
    assert!(summary["files"].as_array().unwrap().iter().any(|f| f["skipped"] == "hidden file in a folder"));
    assert!(summary["files"].as_array().unwrap().iter().any(|f| f["compression"] == "gzip"));

    // A plain zip (no manifest) of the same exports.
    let zipped = TestCase::new();
    let zip_path = zipped.dir.path().join("exports.zip");
    let mut zip = zip::ZipWriter::new(std::fs::File::create(&zip_path).unwrap());
    for p in picks {
        zip.start_file(p, zip::write::SimpleFileOptions::default()).unwrap();
        zip.write_all(&std::fs::read(fixture(&format!("samples/{}", p))).unwrap()).unwrap();
    }
    zip.finish().unwrap();
    zipped.import(&[&zip_path]);

    // `evidence` leaves out which file a record was read from.
    assert_eq!(evidence(&folder), expected, "a folder differs from single files");
    assert_eq!(evidence(&zipped), expected, "a plain zip differs from single files");
}

/// Every record of files large enough to get a compression dictionary (an
/// audit log, Falco alerts, Tetragon events) comes back from the case byte
/// for byte: the primary record of each event and every further record.
/// Which thread compressed a record depends on timing, never its bytes.
#[test]
fn every_record_of_a_large_import_comes_back_byte_for_byte() {
    use std::io::Read;
    let t = TestCase::new();
    let bundle = t.dir.path().join("large.zip");
    kordon::synth::write_large_bundle(&bundle, 7, 3000, 400, 2000).unwrap();
    let summary = t.import(&[&bundle]);

    // What went in: every non-empty line of every file of the bundle.
    let mut zip = zip::ZipArchive::new(std::fs::File::open(&bundle).unwrap()).unwrap();
    let mut expected: Vec<Vec<u8>> = Vec::new();
    for i in 0..zip.len() {
        let mut entry = zip.by_index(i).unwrap();
        if entry.name().is_ok_and(|n| n == "manifest.json") {
            continue;
        }
        let mut bytes = Vec::new();
        entry.read_to_end(&mut bytes).unwrap();
        if bytes.starts_with(&[0x1f, 0x8b]) {
            let mut inflated = Vec::new();
            flate2::read::MultiGzDecoder::new(&bytes[..]).read_to_end(&mut inflated).unwrap();
            bytes = inflated;
        }
        expected.extend(bytes.split(|b| *b == b'\n').filter(|l| !l.is_empty()).map(<[u8]>::to_vec));
    }
    assert_eq!(summary["records"].as_u64().unwrap() as usize, expected.len(), "{}", summary);

    // What the case gives back.
    let case = kordon::store::Case::open(&t.case).unwrap();
    let mut decoder = kordon::store::raw::Decoder::new(&case.conn);
    let stored: Vec<(Option<i64>, Vec<u8>)> = case
        .conn
        .prepare("SELECT raw_dict, raw FROM events UNION ALL SELECT raw_dict, raw FROM event_records")
        .unwrap()
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    let compressed = stored.iter().filter(|(dict, _)| dict.is_some()).count();
    assert!(compressed * 10 >= stored.len() * 9, "{} of {} records compressed", compressed, stored.len());
    let mut got: Vec<Vec<u8>> = stored.iter().map(|(dict, raw)| decoder.decode(*dict, raw).unwrap()).collect();
    got.sort();
    expected.sort();
    assert_eq!(got.len(), expected.len());
    assert!(got == expected, "the stored records differ from the bundle's lines");
}
