//! `kordon verify` on the real binary: an untouched case passes; an edit,
//! a deletion or a swap of activity rows made with SQL outside Kordon, a
//! source file's hash rewritten, a file or an event deleted, a triage state
//! or a comment changed, or the log rewritten whole against the head kept
//! outside the case, an event, an entity or a link edited, fails and names
//! what changed.

use crate::util::{fixture, TestCase};

fn demo_case() -> TestCase {
    let t = TestCase::new();
    t.import(&[&fixture("demo/kordon-demo.zip")]);
    t.ok(&["detect"]);
    t.ok(&["correlate"]);
    t
}

fn sql(t: &TestCase, statement: &str) {
    let conn = rusqlite::Connection::open(&t.case).unwrap();
    conn.execute_batch(statement).unwrap();
}

fn verify_json(t: &TestCase) -> serde_json::Value {
    let out = t.run(&["verify", "--json"]);
    serde_json::from_slice(&out.stdout).expect("verify JSON")
}

#[test]
fn an_untouched_case_verifies() {
    let t = demo_case();
    let out = t.ok(&["verify"]);
    assert!(out.starts_with("OK: the activity log's 3 row(s) chain correctly; the 11 imported file(s)"), "{}", out);
    // It says what it cannot prove.
    assert!(out.contains("Not proven: without --expect-head"), "{}", out);
    let v = verify_json(&t);
    assert_eq!(v["ok"], true);
    let log = t.json_lines(&["log"]);
    let actions: Vec<&str> = log.iter().map(|e| e["action"].as_str().unwrap()).collect();
    assert_eq!(actions, ["import", "detect", "correlate"]);
    assert_eq!(log[0]["actor"], "test-investigator");
}

#[test]
fn an_edited_activity_row_is_named() {
    let t = demo_case();
    sql(&t, "UPDATE activity SET actor = 'mallory' WHERE id = 2");
    let err = t.refused(&["verify"]);
    assert!(err.contains("activity row 2 was changed after it was written"), "{}", err);
    assert_eq!(verify_json(&t)["ok"], false);
}

#[test]
fn a_deleted_activity_row_is_named() {
    let t = demo_case();
    sql(&t, "DELETE FROM activity WHERE id = 2");
    let err = t.refused(&["verify"]);
    assert!(err.contains("activity row 2 is missing"), "{}", err);
}

#[test]
fn swapped_activity_rows_are_named() {
    let t = demo_case();
    sql(
        &t,
        "UPDATE activity SET id = -1 WHERE id = 2; UPDATE activity SET id = 2 WHERE id = 3; UPDATE activity SET id = 3 WHERE id = -1;",
    );
    let err = t.refused(&["verify"]);
    assert!(err.contains("activity row 2"), "{}", err);
}

#[test]
fn a_rewritten_file_hash_is_named_with_both_hashes() {
    let t = demo_case();
    sql(&t, "UPDATE sources SET sha256 = 'aaaa' || substr(sha256, 5) WHERE inner_path = 'defender/alerts.json'");
    let err = t.refused(&["verify"]);
    assert!(err.contains("defender/alerts.json: the case lists SHA-256 aaaa"), "{}", err);
    assert!(err.contains("but import 1 recorded"), "{}", err);
}

#[test]
fn links_to_a_deleted_event_are_counted() {
    let t = demo_case();
    let conn = rusqlite::Connection::open(&t.case).unwrap();
    let (event, links): (i64, i64) = conn
        .query_row(
            "SELECT event_id, COUNT(*) FROM event_entities GROUP BY event_id HAVING COUNT(*) > 1 ORDER BY event_id LIMIT 1",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    drop(conn);
    sql(&t, &format!("PRAGMA foreign_keys = OFF; DELETE FROM event_records WHERE event_id = {0}; DELETE FROM events WHERE id = {0}", event));
    t.refused(&["verify"]);
    let p = problems(&t);
    assert!(p.contains(&format!("{} event_entities rows refer to events rows that are not in the case", links)), "{}", p);
}

/// The demo case with its incident triaged, resolved with a comment.
fn triaged_case() -> (TestCase, String) {
    let t = demo_case();
    let id = t.json_lines(&["incidents"]).remove(0)["id"].as_str().unwrap().to_string();
    t.ok(&["triage", &id, "--status", "in-progress", "--owner", "blue team", "--tag", "crypto-mining"]);
    t.ok(&[
        "triage", &id, "--classify", "true-positive", "--determination", "multistage-attack", "--status", "resolved",
        "--comment", "Miner from a stolen cart token; pod isolated.",
    ]);
    assert_eq!(verify_json(&t)["ok"], true);
    (t, id)
}

fn problems(t: &TestCase) -> String {
    let v = verify_json(t);
    assert_eq!(v["ok"], false, "verify passed: {}", v);
    v["problems"].as_array().unwrap().iter().map(|p| p.as_str().unwrap().to_string()).collect::<Vec<_>>().join("\n")
}

#[test]
fn deleting_the_newest_log_rows_leaves_a_state_the_log_does_not_explain() {
    let (t, id) = triaged_case();
    // The rows that resolved the incident go; the chain that is left is whole.
    sql(&t, "DELETE FROM activity WHERE id > 6");
    let p = problems(&t);
    assert!(p.contains(&format!("{}: its status is \"resolved\" but the activity log makes it \"in-progress\"", id)), "{}", p);
    assert!(p.contains("recorded in the activity log") || p.contains("the activity log did not record it"), "{}", p);
}

#[test]
fn a_triage_state_changed_in_the_file_is_named() {
    let (t, id) = triaged_case();
    sql(&t, "UPDATE incidents SET classification = 'benign-positive', owner = 'nobody'");
    let p = problems(&t);
    assert!(p.contains(&format!("{}: its classification is \"benign-positive\" but the activity log makes it \"true-positive\"", id)), "{}", p);
    assert!(p.contains("its owner is \"nobody\""), "{}", p);
    let (t, id) = triaged_case();
    sql(&t, "DELETE FROM incident_tags");
    assert!(problems(&t).contains(&format!("{}: its tags are {{}}", id)));
}

#[test]
fn a_changed_comment_is_named() {
    let (t, id) = triaged_case();
    sql(&t, "UPDATE comments SET body = 'Benign: a load test.'");
    let p = problems(&t);
    assert!(p.contains(&format!("comment 1 on {}: it differs from what the activity log recorded", id)), "{}", p);
}

/// Deletes the events `select` picks (a query of their ids) with their
/// further records, links and signals, as someone covering their tracks
/// would: no reference is left dangling.
fn delete_events(t: &TestCase, select: &str) {
    sql(
        t,
        &format!(
            "PRAGMA foreign_keys = OFF;
             CREATE TEMP TABLE gone AS {};
             DELETE FROM incident_signals WHERE event_id IN (SELECT id FROM gone);
             DELETE FROM event_entities WHERE event_id IN (SELECT id FROM gone);
             DELETE FROM event_records WHERE event_id IN (SELECT id FROM gone);
             DELETE FROM events WHERE id IN (SELECT id FROM gone);",
            select
        ),
    );
}

#[test]
fn a_file_deleted_with_its_events_is_named() {
    let t = demo_case();
    // Everything of one file: only the log remembers it.
    let file = "falco/aks-nodepool1-31415926-vmss000001.jsonl";
    delete_events(&t, &format!("SELECT e.id FROM events e JOIN sources s ON s.id = e.source_id WHERE s.inner_path = '{}'", file));
    sql(
        &t,
        &format!(
            "PRAGMA foreign_keys = OFF;
             DELETE FROM event_records WHERE source_id IN (SELECT id FROM sources WHERE inner_path = '{0}');
             DELETE FROM parse_errors WHERE source_id IN (SELECT id FROM sources WHERE inner_path = '{0}');
             DELETE FROM sources WHERE inner_path = '{0}';",
            file
        ),
    );
    let p = problems(&t);
    assert!(p.contains(&format!("{}: import 1 recorded it", file)), "{}", p);
    assert!(p.contains("the case no longer has it"), "{}", p);
}

#[test]
fn an_event_deleted_with_its_links_is_named() {
    let t = demo_case();
    delete_events(
        &t,
        "SELECT e.id FROM events e JOIN sources s ON s.id = e.source_id
             WHERE s.inner_path = 'audit/kube-apiserver-audit.log.gz' AND e.kind = 'telemetry' ORDER BY e.id LIMIT 1",
    );
    let p = problems(&t);
    assert!(p.contains("kube-apiserver-audit.log.gz: the case keeps"), "{}", p);
    assert!(p.contains("raw record(s) of it, its import stored"), "{}", p);
}

/// An activity row: id, time, actor, action, target, details, previous hash.
type Row = (i64, i64, String, String, Option<String>, String, String);

/// Rewrites the log from row `from` on as someone who knows the hash
/// function would: every hash recomputed, the chain whole again.
fn rechain(t: &TestCase, from: i64) {
    use sha2::Digest;
    let conn = rusqlite::Connection::open(&t.case).unwrap();
    let rows: Vec<Row> = conn
        .prepare("SELECT id, at_ns, actor, action, target, details, prev_hash FROM activity ORDER BY id")
        .unwrap()
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?, r.get(6)?)))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    let mut prev = String::new();
    for (id, at, actor, action, target, details, prev_hash) in rows {
        if id < from {
            prev = conn.query_row("SELECT hash FROM activity WHERE id = ?1", [id], |r| r.get(0)).unwrap();
            continue;
        }
        let prev_here = if id == from { prev_hash } else { prev.clone() };
        let mut h = sha2::Sha256::new();
        for part in [prev_here.as_bytes(), id.to_string().as_bytes(), at.to_string().as_bytes(), actor.as_bytes(), action.as_bytes(), target.as_deref().unwrap_or("").as_bytes(), details.as_bytes()] {
            h.update((part.len() as u64).to_be_bytes());
            h.update(part);
        }
        let hash = hex::encode(h.finalize());
        conn.execute("UPDATE activity SET prev_hash = ?2, hash = ?3 WHERE id = ?1", rusqlite::params![id, prev_here, hash]).unwrap();
        prev = hash;
    }
}

#[test]
fn a_log_rewritten_whole_is_caught_only_against_the_head_kept_outside() {
    let t = demo_case();
    let head = t.ok(&["log", "--head"]).trim().to_string();
    assert!(head.starts_with("3:") && head.len() == 66, "{}", head);
    let json: serde_json::Value = serde_json::from_str(&t.ok(&["log", "--head", "--json"])).unwrap();
    assert_eq!(format!("{}:{}", json["row"], json["hash"].as_str().unwrap()), head);
    assert!(t.ok(&["verify", "--expect-head", &head]).contains("still hold the head kept outside the case"));

    sql(&t, "UPDATE activity SET actor = 'mallory' WHERE id = 1");
    rechain(&t, 1);
    // The chain alone cannot tell, and says so.
    let out = t.ok(&["verify"]);
    assert!(out.contains("Not proven: without --expect-head, a log rewritten whole"), "{}", out);
    let err = t.refused(&["verify", "--expect-head", &head]);
    assert!(err.contains("the activity log was rewritten: row 3 hashes to"), "{}", err);

    // Cut at its newest row: the kept head is no longer there.
    let t = demo_case();
    let head = t.ok(&["log", "--head"]).trim().to_string();
    sql(&t, "DELETE FROM activity WHERE id = 3");
    t.ok(&["verify"]);
    let err = t.refused(&["verify", "--expect-head", &head]);
    assert!(err.contains("the activity log lost rows: the head kept outside the case is row 3 but the log ends at row 2"), "{}", err);
    // A head that is no head is refused as such.
    let bad = t.run(&["verify", "--expect-head", "3:xyz"]);
    assert!(!bad.status.success() && String::from_utf8_lossy(&bad.stderr).contains("is no log head"));
}

#[test]
fn a_raw_record_rewritten_or_swapped_in_place_is_named() {
    // One record of a Falco file stored as is: its text edited.
    let t = demo_case();
    sql(
        &t,
        "UPDATE events SET raw = CAST(replace(CAST(raw AS TEXT), '\"priority\":\"Critical\"', '\"priority\":\"Notice\"') AS BLOB)
         WHERE id = (SELECT e.id FROM events e JOIN sources s ON s.id = e.source_id
                     WHERE s.format = 'falco' AND e.raw_dict IS NULL AND CAST(e.raw AS TEXT) LIKE '%\"priority\":\"Critical\"%' LIMIT 1)",
    );
    let p = problems(&t);
    assert!(p.contains("raw record(s) are not the ones its import stored: one was rewritten or swapped"), "{}", p);

    // Two records of the audit log (compressed) trading places: the same
    // bytes in the case, each at the other's offset.
    let t = demo_case();
    sql(
        &t,
        "CREATE TEMP TABLE two AS SELECT e.id, e.raw FROM events e JOIN sources s ON s.id = e.source_id
             WHERE s.inner_path = 'audit/kube-apiserver-audit.log.gz' ORDER BY e.id LIMIT 2;
         UPDATE events SET raw = (SELECT raw FROM two WHERE two.id <> events.id) WHERE id IN (SELECT id FROM two);",
    );
    let p = problems(&t);
    assert!(p.contains("kube-apiserver-audit.log.gz: its"), "{}", p);

    // A compressed record cut short: named, and the rest still checked.
    let t = demo_case();
    sql(&t, "UPDATE events SET raw = substr(raw, 1, 12) WHERE id = (SELECT id FROM events WHERE raw_dict IS NOT NULL ORDER BY id LIMIT 1)");
    let p = problems(&t);
    assert!(p.contains("its stored record does not decompress"), "{}", p);
    assert!(p.contains("raw record(s) are not the ones its import stored"), "{}", p);
}

#[test]
fn an_edited_event_entity_or_attribute_is_named() {
    let edits = [
        ("UPDATE events SET title = 'Routine API call' WHERE id = (SELECT MIN(id) FROM events WHERE kind = 'alert')", "the events were changed outside Kordon"),
        ("UPDATE events SET severity = 0 WHERE id = (SELECT MIN(id) FROM events WHERE severity > 2)", "the events were changed outside Kordon"),
        ("UPDATE events SET fields = json_set(fields, '$.verb', 'get') WHERE id = (SELECT MIN(id) FROM events WHERE json_extract(fields, '$.verb') = 'create')", "the events were changed outside Kordon"),
        ("UPDATE entities SET key = 'shop/decoy' WHERE id = (SELECT MIN(id) FROM entities WHERE kind = 'pod')", "the entities were changed outside Kordon"),
        ("UPDATE entity_attrs SET value = '\"10.0.0.9\"' WHERE (entity_id, name) IN (SELECT entity_id, name FROM entity_attrs LIMIT 1)", "the entity attrs were changed outside Kordon"),
        // A link the events do not list, and one they list taken away.
        ("INSERT INTO event_entities SELECT (SELECT MIN(id) FROM entities), MIN(id), 'subject' FROM events", "link(s) were added outside Kordon"),
        ("DELETE FROM event_entities WHERE (entity_id, event_id, role) IN (SELECT entity_id, event_id, role FROM event_entities LIMIT 3)", "3 event–entity link(s) the events list are missing"),
    ];
    for (edit, named) in edits {
        let t = demo_case();
        sql(&t, edit);
        let p = problems(&t);
        assert!(p.contains(named), "{}: {}", edit, p);
        assert!(p.contains("committed to") || p.contains("link(s)"), "{}", p);
    }
}

/// The demo's attack requests as two files: the stages received first,
/// and the completed stages (which outrank them) in a second file.
fn audit_in_two_files(t: &TestCase) -> (std::path::PathBuf, std::path::PathBuf) {
    let text = std::fs::read_to_string(fixture("demo/src/audit-attack.jsonl")).unwrap();
    let (first, second): (Vec<&str>, Vec<&str>) = text.lines().partition(|l| l.contains("\"stage\":\"RequestReceived\""));
    assert!(!first.is_empty() && !second.is_empty());
    let (a, b) = (t.dir.path().join("received.jsonl"), t.dir.path().join("completed.jsonl"));
    std::fs::write(&a, first.join("\n") + "\n").unwrap();
    std::fs::write(&b, second.join("\n") + "\n").unwrap();
    (a, b)
}

#[test]
fn imports_that_rewrite_earlier_events_keep_the_commitment_and_an_earlier_edit_still_shows() {
    let t = TestCase::new();
    let (a, b) = audit_in_two_files(&t);
    t.import(&[&a]);
    let before: String = rusqlite::Connection::open(&t.case).unwrap().query_row("SELECT fields FROM events ORDER BY id LIMIT 1", [], |r| r.get(0)).unwrap();
    let second = t.import(&[&b]);
    assert!(second["events_merged"].as_u64().unwrap() > 0, "{}", second);
    let after: String = rusqlite::Connection::open(&t.case).unwrap().query_row("SELECT fields FROM events ORDER BY id LIMIT 1", [], |r| r.get(0)).unwrap();
    assert_ne!(before, after, "the second import rewrote the events of the first");
    t.ok(&["detect"]);
    t.ok(&["correlate"]);
    assert_eq!(verify_json(&t)["ok"], true);

    // An edit before an import is not absorbed by it.
    let t = TestCase::new();
    let (a, b) = audit_in_two_files(&t);
    t.import(&[&a]);
    sql(&t, "UPDATE events SET message = 'nothing happened' WHERE id = (SELECT MIN(id) FROM events)");
    t.import(&[&b]);
    let p = problems(&t);
    assert!(p.contains("the events were changed outside Kordon: their rows no longer add up to what log row 2 committed to"), "{}", p);
}

#[test]
fn a_case_from_before_the_commitment_is_taken_as_found_and_says_so() {
    let t = demo_case();
    // As an older Kordon wrote it: no commitment in the log.
    sql(&t, "UPDATE activity SET details = json_remove(details, '$.derived')");
    rechain(&t, 1);
    let v = verify_json(&t);
    assert_eq!(v["ok"], true, "{}", v);
    let limits = v["limits"].to_string();
    assert!(limits.contains("imported by an older Kordon, whose log does not commit to them"), "{}", limits);

    // Its next import commits to everything as found, and says so.
    t.import(&[&fixture("samples/falco/plain.jsonl")]);
    let v = verify_json(&t);
    assert_eq!(v["ok"], true, "{}", v);
    let limits = v["limits"].to_string();
    assert!(limits.contains("log row 4 committed to the events and entities as it found them"), "{}", limits);
    sql(&t, "UPDATE events SET title = 'x' WHERE id = (SELECT MIN(id) FROM events)");
    assert!(problems(&t).contains("the events were changed outside Kordon"));
}
