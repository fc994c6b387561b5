//! `kordon export timesketch|stix` on the real binary: the demo case with
//! verdicts set, every Timesketch line checked for the importer's required
//! fields and types, the STIX bundle checked by the OASIS validator, two runs
//! byte-identical, hostile values escaped, and refusals that leave no file.

use crate::util::{demo_incident, TestCase};
use kordon::model::EntityKind;
use serde_json::Value;
use std::path::Path;
use std::process::Command;

/// The demo case, correlated, with the crypto-mining incident's verdicts and
/// classification set; returns the incident's id.
fn demo() -> (TestCase, String) {
    let (t, id) = demo_incident();
    for (entity, verdict) in [
        ("203.0.113.45", "malicious"),
        ("198.51.100.77", "suspicious"),
        ("/tmp/.x/xmrig", "malicious"),
        ("shopregistry.azurecr.io/shop/cart:2.3.1", "suspicious"),
        ("shop/cart-7f9c6d8b5-x2k4q", "malicious"),
        ("10.0.0.1", "clean"),
    ] {
        t.ok(&["verdict", &id, entity, verdict]);
    }
    t.ok(&["triage", &id, "--classify", "true-positive", "--determination", "multistage-attack"]);
    (t, id)
}

fn lines(path: &Path) -> Vec<serde_json::Map<String, Value>> {
    let text = std::fs::read_to_string(path).unwrap();
    assert!(text.ends_with('\n'));
    text.lines()
        .map(|l| match serde_json::from_str::<Value>(l) {
            Ok(Value::Object(o)) => o,
            other => panic!("not a JSON object: {:?} ({:?})", l, other),
        })
        .collect()
}

/// What Timesketch's importer needs of every line, with the right types.
fn assert_timesketch_line(l: &serde_json::Map<String, Value>) {
    let message = l["message"].as_str().expect("message is a string");
    assert!(
        !message.is_empty() && !message.contains(['\n', '\r']),
        "{:?}",
        message
    );
    let datetime = l["datetime"].as_str().expect("datetime is a string");
    let parsed = chrono::DateTime::parse_from_rfc3339(datetime)
        .unwrap_or_else(|e| panic!("{:?}: {}", datetime, e));
    assert_eq!(parsed.offset().local_minus_utc(), 0, "UTC: {}", datetime);
    assert_eq!(
        l["timestamp"].as_i64(),
        Some(parsed.timestamp_micros()),
        "timestamp is the datetime in microseconds"
    );
    assert!(!l["timestamp_desc"]
        .as_str()
        .expect("timestamp_desc is a string")
        .is_empty());
    let tags = l["tag"].as_array().expect("tag is a list");
    assert!(tags.iter().all(Value::is_string));
    for (k, v) in l {
        assert!(
            !k.starts_with('_') && !k.contains('.'),
            "field name {:?}",
            k
        );
        assert!(
            k == "tag" || v.is_string() || v.is_number(),
            "{} is {}",
            k,
            v
        );
    }
}

#[test]
fn every_timesketch_line_has_the_required_fields_and_tags_say_where_it_belongs() {
    let (t, id) = demo();
    let all = t.dir.path().join("case.jsonl");
    let out = t.ok(&[
        "export",
        "timesketch",
        "-o",
        all.to_str().unwrap(),
        "--json",
    ]);
    let summary: Value = serde_json::from_str(&out).unwrap();
    let all = lines(&all);
    assert_eq!(summary["events"].as_u64(), Some(all.len() as u64));
    let timed = t
        .json_lines(&["events"])
        .iter()
        .filter(|e| !e["time"].is_null())
        .count();
    assert_eq!(all.len(), timed, "every event with a time, once");
    for l in &all {
        assert_timesketch_line(l);
    }
    let stamps: Vec<i64> = all
        .iter()
        .map(|l| l["timestamp"].as_i64().unwrap())
        .collect();
    assert!(stamps.windows(2).all(|w| w[0] <= w[1]), "oldest first");
    let tagged = |l: &serde_json::Map<String, Value>, tag: &str| {
        l["tag"].as_array().unwrap().iter().any(|x| x == tag)
    };
    let in_incident: Vec<_> = all.iter().filter(|l| tagged(l, &id)).collect();
    assert!(
        in_incident.iter().all(|l| tagged(l, "true-positive")),
        "the incident's classification rides along"
    );
    assert!(
        all.iter().any(|l| l["tag"].as_array().unwrap().is_empty()),
        "events in no incident are there too, untagged"
    );
    let miner = in_incident
        .iter()
        .find(|l| l["title"] == "Crypto-miner executed")
        .expect("the miner's signal");
    assert!(
        tagged(miner, "Execution") || tagged(miner, "Impact"),
        "{:?}",
        miner["tag"]
    );
    assert_eq!(miner["timestamp_desc"], "Detected Event Time");
    assert_eq!(miner["entity_pod"], "shop/cart-7f9c6d8b5-x2k4q");

    // One incident: exactly the lines of the whole case that carry its tag.
    let one = t.dir.path().join("inc.jsonl");
    t.ok(&["export", "timesketch", &id, "-o", one.to_str().unwrap()]);
    let one = lines(&one);
    assert_eq!(one.len(), in_incident.len());
    for l in &one {
        assert_timesketch_line(l);
        assert!(tagged(l, &id), "{:?}", l["tag"]);
    }
    let audit = one
        .iter()
        .find(|l| l["source"] == "k8s-audit")
        .expect("the incident's audit context");
    assert_eq!(audit["timestamp_desc"], "Request Received");
}

/// The OASIS validator's command, when it is installed: its script, or its
/// module where pip put the script off the PATH (`pip install --user`).
fn stix_validator() -> Option<Command> {
    let works = |mut c: Command| c.arg("-h").output().is_ok_and(|o| o.status.success());
    if works(Command::new("stix2_validator")) {
        return Some(Command::new("stix2_validator"));
    }
    let module = || {
        let mut c = Command::new("python3");
        c.args([
            "-c",
            "import sys; from stix2validator.scripts.stix2_validator import main; sys.exit(main())",
        ]);
        c
    };
    if works(module()) {
        return Some(module());
    }
    if std::env::var("KORDON_REQUIRE_VALIDATORS").as_deref() == Ok("1") {
        panic!("stix2_validator is not installed (pip install stix2-validator) and KORDON_REQUIRE_VALIDATORS=1");
    }
    eprintln!("skipped: stix2_validator is not installed (pip install stix2-validator); the bundle was checked for structure only");
    None
}

/// Runs the validator on the file: every error, and every warning but one,
/// fails. The one: ids of objects other than observables are UUIDv5, not the
/// UUIDv4 the specification recommends, so that the same case gives the
/// same bundle (check 103).
fn validate(path: &Path) {
    let Some(mut v) = stix_validator() else {
        return;
    };
    let out = v
        .args(["--strict", "--disable", "103"])
        .arg(path)
        .output()
        .expect("run stix2_validator");
    assert!(
        out.status.success(),
        "stix2_validator refused {}:\n{}{}",
        path.display(),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

fn bundle(path: &Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// Every reference in the bundle names an object of the bundle.
fn assert_refs_resolve(b: &Value) {
    let objects = b["objects"].as_array().unwrap();
    let ids: std::collections::HashSet<&str> =
        objects.iter().map(|o| o["id"].as_str().unwrap()).collect();
    for o in objects {
        for (k, v) in o.as_object().unwrap() {
            let refs: Vec<&str> = match v {
                Value::String(s) if k.ends_with("_ref") => vec![s],
                Value::Array(a) if k.ends_with("_refs") => {
                    a.iter().map(|x| x.as_str().unwrap()).collect()
                }
                _ => continue,
            };
            for r in refs {
                assert!(
                    ids.contains(r),
                    "{} {} → {} is not in the bundle",
                    o["id"],
                    k,
                    r
                );
            }
        }
    }
}

#[test]
fn the_stix_bundle_is_valid_and_holds_the_verdicts() {
    let (t, id) = demo();
    let path = t.dir.path().join("bundle.json");
    let out = t.ok(&[
        "export",
        "stix",
        &id,
        "-o",
        path.to_str().unwrap(),
        "--json",
    ]);
    let summary: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(summary["indicators"], 4);
    assert_eq!(
        summary["skipped"],
        serde_json::json!(["pod shop/cart-7f9c6d8b5-x2k4q"])
    );
    validate(&path);
    let b = bundle(&path);
    assert_eq!(b["type"], "bundle");
    assert_refs_resolve(&b);
    let objects = b["objects"].as_array().unwrap();
    let of_type = |ty: &str| {
        objects
            .iter()
            .filter(|o| o["type"] == ty)
            .collect::<Vec<_>>()
    };
    let groupings = of_type("grouping");
    assert_eq!(groupings.len(), 1);
    assert_eq!(groupings[0]["context"], "suspicious-activity");
    assert!(groupings[0]["name"].as_str().unwrap().starts_with(&id));
    assert!(groupings[0]["description"]
        .as_str()
        .unwrap()
        .contains("true-positive"));
    let patterns: Vec<&str> = of_type("indicator")
        .iter()
        .map(|i| i["pattern"].as_str().unwrap())
        .collect();
    for p in [
        "[ipv4-addr:value = '203.0.113.45']",
        "[ipv4-addr:value = '198.51.100.77']",
        "[file:name = 'xmrig' AND file:parent_directory_ref.path = '/tmp/.x']",
        "[software:name = 'shopregistry.azurecr.io/shop/cart:2.3.1']",
    ] {
        assert!(patterns.contains(&p), "{} not in {:?}", p, patterns);
    }
    let by_pattern = |p: &str| {
        of_type("indicator")
            .into_iter()
            .find(|i| i["pattern"] == p)
            .unwrap()
            .clone()
    };
    assert_eq!(
        by_pattern("[ipv4-addr:value = '203.0.113.45']")["indicator_types"],
        serde_json::json!(["malicious-activity"])
    );
    assert_eq!(
        by_pattern("[ipv4-addr:value = '198.51.100.77']")["indicator_types"],
        serde_json::json!(["anomalous-activity"])
    );
    assert!(
        !patterns.iter().any(|p| p.contains("10.0.0.1")),
        "a clean verdict is not shared"
    );
    assert_eq!(of_type("relationship").len(), 4);
    assert!(of_type("relationship")
        .iter()
        .all(|r| r["relationship_type"] == "based-on"));
    assert_eq!(of_type("identity").len(), 1);
    for o in objects.iter().filter(|o| o["type"] != "bundle") {
        for k in [
            "created",
            "modified",
            "valid_from",
            "first_observed",
            "last_observed",
        ] {
            if let Some(ts) = o.get(k) {
                let ts = ts.as_str().unwrap();
                assert!(
                    ts.len() == 24 && ts.ends_with('Z') && ts.as_bytes()[19] == b'.',
                    "{} {}",
                    k,
                    ts
                );
            }
        }
    }

    // The whole case: the same incident (the only one with verdicts).
    let all = t.dir.path().join("all.json");
    t.ok(&["export", "stix", "-o", all.to_str().unwrap()]);
    validate(&all);
    assert_eq!(bundle(&all)["objects"], b["objects"]);
}

#[test]
fn two_exports_of_the_same_case_and_clock_are_byte_identical() {
    let (t, id) = demo();
    for (kind, name, args) in [
        ("timesketch", "a.jsonl", vec![]),
        ("timesketch", "b.jsonl", vec![id.as_str()]),
        ("stix", "c.json", vec![id.as_str()]),
        ("stix", "d.json", vec![]),
    ] {
        let one = t.dir.path().join(format!("1-{}", name));
        let two = t.dir.path().join(format!("2-{}", name));
        for out in [&one, &two] {
            let mut a = vec!["export", kind];
            a.extend(&args);
            a.extend(["-o", out.to_str().unwrap()]);
            t.ok(&a);
        }
        assert_eq!(
            std::fs::read(&one).unwrap(),
            std::fs::read(&two).unwrap(),
            "{} {:?}",
            kind,
            args
        );
    }
}

/// Keys an attacker's records could give entities: quotes, backslashes, a
/// line break, control characters, an attempt to close the pattern.
const HOSTILE_DOMAIN: &str = "ev'il\\\"x\n\u{1b}[2J'] OR [ipv4-addr:value = '1.2.3.4.example";
const HOSTILE_ADDRESS: &str = "10.1.2.3' OR '1'='1\\";
const HOSTILE_FILE: &str = "/tmp/it's \"x\"\n\u{1b}[2J\\/ev'il\\'] OR [file:name = 'x";

#[test]
fn hostile_values_are_escaped_in_patterns_and_lines() {
    let (t, id) = demo();
    // Entities as an importer would store them from hostile records.
    let hostile = [
        (EntityKind::Domain, HOSTILE_DOMAIN),
        (EntityKind::Ip, HOSTILE_ADDRESS),
        (EntityKind::File, HOSTILE_FILE),
    ];
    {
        let conn = rusqlite::Connection::open(&t.case).unwrap();
        for (kind, key) in hostile {
            conn.execute(
                "INSERT INTO entities (id, kind, key, first_ns, last_ns) VALUES (?1, ?2, ?3, NULL, NULL)",
                rusqlite::params![kordon::store::writer::entity_id(kind, key), kind.as_str(), key],
            )
            .unwrap();
        }
    }
    for (kind, key) in hostile {
        let eid = kordon::store::format_id(kordon::store::writer::entity_id(kind, key));
        t.ok(&["verdict", &id, &eid, "malicious"]);
    }
    let path = t.dir.path().join("hostile.json");
    let out = t.ok(&[
        "export",
        "stix",
        &id,
        "-o",
        path.to_str().unwrap(),
        "--json",
    ]);
    let summary: Value = serde_json::from_str(&out).unwrap();
    // Neither is a host name or an address, so neither is a valid
    // observable: left out, and said so.
    let skipped: Vec<&str> = summary["skipped"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s.as_str().unwrap())
        .collect();
    assert!(
        skipped.contains(&format!("domain {}", HOSTILE_DOMAIN).as_str()),
        "{:?}",
        skipped
    );
    assert!(
        skipped.contains(&format!("ip {}", HOSTILE_ADDRESS).as_str()),
        "{:?}",
        skipped
    );
    validate(&path);
    let b = bundle(&path);
    let objects = b["objects"].as_array().unwrap();
    let file = objects
        .iter()
        .find(|o| o["type"] == "file" && o["name"] != "xmrig")
        .expect("the hostile file's observable");
    assert_eq!(
        file["name"], "ev'il\\'] OR [file:name = 'x",
        "the value exactly as the evidence gave it"
    );
    let dir = objects
        .iter()
        .find(|o| o["id"] == file["parent_directory_ref"])
        .unwrap();
    assert_eq!(dir["path"], "/tmp/it's \"x\"\n\u{1b}[2J\\");
    let pattern = objects
        .iter()
        .filter(|o| o["type"] == "indicator")
        .map(|o| o["pattern"].as_str().unwrap())
        .find(|p| p.contains("ev\\'il"))
        .unwrap();
    assert_eq!(
        pattern,
        "[file:name = 'ev\\'il\\\\\\'] OR [file:name = \\'x' AND file:parent_directory_ref.path = '/tmp/it\\'s \"x\"\n\u{1b}[2J\\\\']"
    );
    assert!(!objects.iter().any(|o| o["type"] == "domain-name"
        || o["type"] == "ipv4-addr"
            && o["value"] != "203.0.113.45"
            && o["value"] != "198.51.100.77"));

    // A hostile alert on the timeline: one line, its required keys intact.
    let record = serde_json::json!({
        "time": "2026-11-20T09:50:00.000000000Z",
        "rule": "Hostile \"rule\"\nsecond line",
        "priority": "Warning",
        "output": "line one\nline two\r\u{1b}[31m\u{2028}\u{202e} 'q' \\ back",
        "hostname": "node-1",
        "tags": ["mitre_execution"],
        "output_fields": {
            "message": "not the message", "datetime": "yesterday", "timestamp_desc": "never", "timestamp": "0", "tag": "forged",
            "k8s.ns.name": "shop", "k8s.pod.name": "evil\"pod\n"
        }
    });
    let file = t.dir.path().join("hostile-falco.jsonl");
    std::fs::write(&file, format!("{}\n", record)).unwrap();
    t.import(&[&file]);
    let timeline = t.dir.path().join("hostile.jsonl");
    t.ok(&["export", "timesketch", "-o", timeline.to_str().unwrap()]);
    let raw = std::fs::read_to_string(&timeline).unwrap();
    assert!(
        !raw.contains('\u{2028}') && !raw.contains('\u{1b}') && !raw.contains('\u{202e}'),
        "escaped in the file"
    );
    let all = lines(&timeline);
    let l = all
        .iter()
        .find(|l| l["rule"].as_str().is_some_and(|r| r.starts_with("Hostile")))
        .expect("the hostile alert");
    assert_timesketch_line(l);
    assert_eq!(l["datetime"], "2026-11-20T09:50:00.000000+00:00");
    assert!(
        l["message"].as_str().unwrap().contains("line one line two"),
        "{}",
        l["message"]
    );
    assert_eq!(
        l["rule"], "Hostile \"rule\"\nsecond line",
        "attributes keep the exact text"
    );
    assert!(!l["tag"].as_array().unwrap().iter().any(|t| t == "forged"));
}

#[test]
fn an_unknown_incident_or_a_missing_folder_is_refused_and_leaves_no_file() {
    let (t, _) = demo();
    let out = t.dir.path().join("x.jsonl");
    for kind in ["timesketch", "stix"] {
        let err = t.refused(&["export", kind, "INC-0badf00d", "-o", out.to_str().unwrap()]);
        assert!(
            err.contains("error[not_found]") && err.contains("INC-0badf00d"),
            "{}",
            err
        );
        assert!(!out.exists());
        let missing = t.dir.path().join("no-such-folder").join("x.out");
        let err = t.refused(&["export", kind, "-o", missing.to_str().unwrap()]);
        assert!(
            err.contains("error[not_found]") && err.contains("does not exist"),
            "{}",
            err
        );
        assert!(!missing.parent().unwrap().exists());
    }
    // An incident without a verdict to share gives no empty bundle.
    let quiet = t
        .json_lines(&["incidents"])
        .into_iter()
        .find(|i| !i["title"].as_str().unwrap().starts_with("Crypto"))
        .unwrap();
    let b = t.dir.path().join("quiet.json");
    let err = t.refused(&[
        "export",
        "stix",
        quiet["id"].as_str().unwrap(),
        "-o",
        b.to_str().unwrap(),
    ]);
    assert!(
        err.contains("no entity marked malicious or suspicious"),
        "{}",
        err
    );
    assert!(!b.exists());

    // A folder that may not be written (root may write anywhere: skipped).
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        if unsafe { libc::geteuid() } == 0 {
            eprintln!("skipped the read-only folder: running as root, which may write anywhere");
        } else {
            let ro = t.dir.path().join("ro");
            std::fs::create_dir(&ro).unwrap();
            std::fs::set_permissions(&ro, std::fs::Permissions::from_mode(0o555)).unwrap();
            let err = t.refused(&[
                "export",
                "timesketch",
                "-o",
                ro.join("x.jsonl").to_str().unwrap(),
            ]);
            assert!(err.contains("error[read_only]"), "{}", err);
            assert_eq!(std::fs::read_dir(&ro).unwrap().count(), 0);
            std::fs::set_permissions(&ro, std::fs::Permissions::from_mode(0o755)).unwrap();
        }
    }
}
