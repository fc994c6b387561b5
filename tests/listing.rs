//! Listings stream: each row is written as it is read, so a listing of a
//! case of any size holds one row at a time. Shown without timing: the last
//! row of each listing is made unreadable, and the rows before it must have
//! been written already when the listing fails on it (a listing that reads
//! everything first prints nothing).

use crate::util::{fixture, TestCase};

/// A case of the Falco sample (7 alerts, some malformed records) whose row
/// picked by `sql` is then made unreadable: a BLOB where text is expected.
fn case_with_a_bad_last_row(sql: &str) -> TestCase {
    let t = TestCase::new();
    t.import(&[&fixture("samples/falco/plain.jsonl"), &fixture("bad/invalid-utf8.jsonl")]);
    let conn = rusqlite::Connection::open(&t.case).unwrap();
    assert_eq!(conn.execute(sql, []).unwrap(), 1, "{}", sql);
    t
}

/// Runs a `--json` listing that must fail on its last row and returns the
/// rows it wrote before.
fn rows_before_failing(t: &TestCase, listing: &str) -> Vec<serde_json::Value> {
    let out = t.run(&[listing, "--json"]);
    assert_eq!(out.status.code(), Some(1), "`{}` reads the bad row and fails", listing);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.starts_with("error[store]"), "{}", stderr);
    String::from_utf8(out.stdout).unwrap().lines().map(|l| serde_json::from_str(l).unwrap()).collect()
}

#[test]
fn events_are_written_as_they_are_read() {
    let t = case_with_a_bad_last_row(
        "UPDATE events SET title = X'00' WHERE id = (SELECT id FROM events ORDER BY time_ns IS NULL, time_ns DESC, key DESC LIMIT 1)",
    );
    let total: i64 = rusqlite::Connection::open(&t.case).unwrap().query_row("SELECT COUNT(*) FROM events", [], |r| r.get(0)).unwrap();
    let rows = rows_before_failing(&t, "events");
    assert_eq!(rows.len() as i64, total - 1, "every event before the unreadable one was written");
}

#[test]
fn entities_are_written_as_they_are_read() {
    // Entities list by kind and key; a BLOB sorts after every text.
    let t = case_with_a_bad_last_row(
        "UPDATE entities SET key = X'00' WHERE id = (SELECT id FROM entities ORDER BY kind DESC, key DESC LIMIT 1)",
    );
    let total: i64 = rusqlite::Connection::open(&t.case).unwrap().query_row("SELECT COUNT(*) FROM entities", [], |r| r.get(0)).unwrap();
    assert!(total > 2);
    assert_eq!(rows_before_failing(&t, "entities").len() as i64, total - 1);
}

#[test]
fn unparsable_records_are_written_as_they_are_read() {
    let t = TestCase::new();
    t.import(&[&fixture("bad/invalid-utf8.jsonl"), &fixture("samples/falco/kubectl-logs-mixed.log")]);
    let conn = rusqlite::Connection::open(&t.case).unwrap();
    let total: i64 = conn.query_row("SELECT COUNT(*) FROM parse_errors", [], |r| r.get(0)).unwrap();
    assert!(total >= 2, "the fixtures give several unparsable records");
    conn.execute("UPDATE parse_errors SET reason = X'00' WHERE id = (SELECT id FROM parse_errors ORDER BY source_id DESC, offset DESC LIMIT 1)", []).unwrap();
    assert_eq!(rows_before_failing(&t, "errors").len() as i64, total - 1);
}
