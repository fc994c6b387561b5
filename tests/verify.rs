//! `kordon verify` on the real binary: an untouched case passes; an edit,
//! a deletion or a swap of activity rows made with SQL outside Kordon, or a
//! source file's hash rewritten, fails and names the first bad row or file.

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
    assert!(out.starts_with("OK: the activity log's 3 row(s) chain correctly, the 11 imported file(s)"), "{}", out);
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
    let err = t.refused(&["verify"]);
    assert!(err.contains(&format!("{} event_entities rows refer to events rows that are not in the case", links)), "{}", err);
}
