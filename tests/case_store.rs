//! The case file itself: migrations, WAL, the activity chain.

use kordon::store::{activity, Case};

#[test]
fn a_new_case_has_every_migration_applied_once() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("c.kordon");
    let case = Case::open(&path).unwrap();
    let applied = case.migrations().unwrap();
    assert_eq!(applied.last().unwrap().0, kordon::store::schema_version());
    drop(case);
    // Opening again applies nothing twice.
    let case = Case::open(&path).unwrap();
    assert_eq!(case.migrations().unwrap(), applied);
    let mode: String = case.conn.query_row("PRAGMA journal_mode", [], |r| r.get(0)).unwrap();
    assert_eq!(mode, "wal");
}

#[test]
fn a_case_from_a_newer_kordon_is_refused_not_damaged() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("c.kordon");
    drop(Case::open(&path).unwrap());
    let conn = rusqlite::Connection::open(&path).unwrap();
    conn.execute("INSERT INTO schema_migrations (version, name, applied_ns) VALUES (999, 'future', 0)", []).unwrap();
    drop(conn);
    let err = Case::open(&path).err().expect("refused");
    assert_eq!(err.code().as_str(), "bad_case");
    assert!(err.to_string().contains("newer Kordon"), "{}", err);
}

#[test]
fn a_file_that_is_not_a_case_is_refused_with_its_name() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("notes.kordon");
    std::fs::write(&path, b"this is not sqlite, just notes from the call ........................................").unwrap();
    let err = Case::open(&path).err().expect("refused");
    assert_eq!(err.code().as_str(), "bad_case");
    assert!(err.to_string().contains("notes.kordon"), "{}", err);
}

#[test]
fn the_activity_chain_detects_edits_deletions_and_swaps() {
    let case = Case::in_memory().unwrap();
    for i in 0..4 {
        activity::append(&case.conn, 1_000 + i, "ana", "comment", Some("inc-1"), &serde_json::json!({"n": i})).unwrap();
    }
    assert_eq!(activity::verify(&case.conn).unwrap(), Ok(4));

    case.conn.execute("UPDATE activity SET details = '{\"n\":9}' WHERE id = 3", []).unwrap();
    let err = activity::verify(&case.conn).unwrap().unwrap_err();
    assert!(err.contains("row 3"), "{}", err);
    case.conn.execute("UPDATE activity SET details = '{\"n\":2}' WHERE id = 3", []).unwrap();
    assert_eq!(activity::verify(&case.conn).unwrap(), Ok(4));

    case.conn.execute("DELETE FROM activity WHERE id = 2", []).unwrap();
    let err = activity::verify(&case.conn).unwrap().unwrap_err();
    assert!(err.contains("row 2"), "{}", err);
}

#[test]
fn a_cancelled_import_leaves_the_case_unchanged() {
    use std::sync::atomic::Ordering;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("c.kordon");
    let mut case = Case::open(&path).unwrap();
    let opts = kordon::ingest::ImportOptions::default();
    kordon::ingest::import(&mut case, &[crate::util::fixture("samples/falco/plain.jsonl")], &opts, &mut |_| {}).unwrap();
    let before = crate::util::case_digest(&path);
    // Cancel from the progress callback, as the app's Cancel button does,
    // once the import is under way.
    let opts = kordon::ingest::ImportOptions::default();
    let cancel = opts.cancel.clone();
    let mut calls = 0;
    let err = kordon::ingest::import(&mut case, &[crate::util::fixture("demo/kordon-demo.zip")], &opts, &mut |p| {
        calls += 1;
        assert!(p.records > 0);
        cancel.store(true, Ordering::SeqCst);
    })
    .expect_err("cancelled");
    assert!(calls >= 1, "progress was reported before the cancel");
    assert_eq!(err.code().as_str(), "cancelled", "{}", err);
    drop(case);
    assert_eq!(crate::util::case_digest(&path), before);
}
