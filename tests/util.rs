//! Helpers: a temporary case, running the real CLI against it, and a digest
//! of everything in a case to prove that a refused import changed nothing.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

pub fn fixture(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures").join(rel)
}

/// The demo case, detected and correlated, with its most severe incident
/// (the crypto-mining attack) first in the queue.
pub fn demo_incident() -> (TestCase, String) {
    let t = TestCase::new();
    t.import(&[&fixture("demo/kordon-demo.zip")]);
    t.ok(&["detect"]);
    t.ok(&["correlate"]);
    let first = t.json_lines(&["incidents"]).remove(0);
    let id = first["id"].as_str().unwrap().to_string();
    assert!(first["title"].as_str().unwrap().starts_with("Crypto-mining"), "{}", first);
    (t, id)
}

pub struct TestCase {
    pub dir: tempfile::TempDir,
    pub case: PathBuf,
}

impl TestCase {
    pub fn new() -> TestCase {
        let dir = tempfile::tempdir().expect("temp dir");
        let case = dir.path().join("case.kordon");
        TestCase { dir, case }
    }

    pub fn command(&self, args: &[&str]) -> Command {
        let mut c = Command::new(env!("CARGO_BIN_EXE_kordon"));
        c.arg("--case").arg(&self.case).args(args);
        c.env("KORDON_NOW", "2026-11-21T08:00:00Z").env("KORDON_ACTOR", "test-investigator");
        c
    }

    pub fn run(&self, args: &[&str]) -> Output {
        self.command(args).output().expect("run kordon")
    }

    /// Runs and insists on success; returns stdout.
    pub fn ok(&self, args: &[&str]) -> String {
        let out = self.run(args);
        assert!(
            out.status.success(),
            "kordon {:?} failed ({:?}):\n{}",
            args,
            out.status.code(),
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).expect("utf-8 stdout")
    }

    /// Runs and insists on exit code 1; returns stderr.
    pub fn refused(&self, args: &[&str]) -> String {
        let out = self.run(args);
        assert_eq!(
            out.status.code(),
            Some(1),
            "kordon {:?} should have been refused; stdout:\n{}\nstderr:\n{}",
            args,
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stderr).expect("utf-8 stderr")
    }

    pub fn json_lines(&self, args: &[&str]) -> Vec<serde_json::Value> {
        let mut a = args.to_vec();
        a.push("--json");
        self.ok(&a)
            .lines()
            .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("bad JSON line {:?}: {}", l, e)))
            .collect()
    }

    pub fn import(&self, paths: &[&Path]) -> serde_json::Value {
        let mut args = vec!["import", "--json"];
        let owned: Vec<String> = paths.iter().map(|p| p.display().to_string()).collect();
        args.extend(owned.iter().map(String::as_str));
        let summary = serde_json::from_str(&self.ok(&args)).expect("import summary JSON");
        self.assert_references_resolve();
        summary
    }

    /// Every foreign key of the case points at a row: imports write their
    /// references without SQLite's per-row check, so every test import
    /// checks them all.
    pub fn assert_references_resolve(&self) {
        let case = kordon::store::Case::open(&self.case).unwrap();
        let dangling = kordon::store::verify::dangling_references(&case).unwrap();
        assert!(dangling.is_empty(), "{:?}", dangling);
    }

    /// A digest of every row of every table: equal digests mean an
    /// unchanged case.
    pub fn digest(&self) -> String {
        case_digest(&self.case)
    }
}

/// A digest of every row of every table but the search index's (counted)
/// and the migrations' times.
pub fn case_digest(path: &Path) -> String {
    use sha2::{Digest, Sha256};
    let conn = rusqlite::Connection::open(path).expect("open case");
    let mut h = Sha256::new();
    let tables: Vec<String> = conn
        .prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'events_fts%' AND name NOT LIKE 'sqlite_%' ORDER BY name")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    for t in tables {
        h.update(t.as_bytes());
        // When a migration ran is the machine's time, not the case's
        // content: two cases made from the same input compare equal.
        let columns = if t == "schema_migrations" { "version, name" } else { "*" };
        let mut st = conn.prepare(&format!("SELECT {} FROM {} ORDER BY 1, 2", columns, t)).unwrap();
        let n = st.column_count();
        let mut rows = st.query([]).unwrap();
        while let Some(r) = rows.next().unwrap() {
            for i in 0..n {
                let v: rusqlite::types::Value = r.get(i).unwrap();
                h.update(format!("{:?}|", v).as_bytes());
            }
            h.update(b"\n");
        }
    }
    let fts: i64 = conn.query_row("SELECT count(*) FROM events_fts", [], |r| r.get(0)).unwrap();
    h.update(fts.to_string().as_bytes());
    hex::encode(h.finalize())
}

/// Compares `actual` with the golden JSON file at `path`; `KORDON_BLESS=1`
/// rewrites the file instead (review the diff before committing it).
pub fn golden_json(path: &Path, actual: &serde_json::Value, what: &str) {
    let text = serde_json::to_string_pretty(actual).unwrap() + "\n";
    if std::env::var_os("KORDON_BLESS").is_some() {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, &text).unwrap();
        return;
    }
    let expected = std::fs::read_to_string(path)
        .unwrap_or_else(|_| panic!("no golden file {}; run with KORDON_BLESS=1 and review it", path.display()));
    if expected != text {
        let at = expected.lines().zip(text.lines()).position(|(a, b)| a != b).unwrap_or(0);
        panic!(
            "{} differs from {} at line {}:\n  golden: {}\n  actual: {}",
            what,
            path.display(),
            at + 1,
            expected.lines().nth(at).unwrap_or("<end>"),
            text.lines().nth(at).unwrap_or("<end>")
        );
    }
}

/// The event of `kordon events --json` whose rule is `rule`.
pub fn by_rule<'a>(events: &'a [serde_json::Value], rule: &str) -> &'a serde_json::Value {
    events.iter().find(|e| e["rule"] == rule).unwrap_or_else(|| panic!("no event {:?}", rule))
}

/// The sorted keys of an event's entities of this kind in this role.
pub fn entity_keys(ev: &serde_json::Value, kind: &str, role: &str) -> Vec<String> {
    let mut k: Vec<String> = ev["entities"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["kind"] == kind && e["role"] == role)
        .map(|e| e["key"].as_str().unwrap().to_string())
        .collect();
    k.sort();
    k
}

/// Each signal of `kordon show --json` as (rule, tactics, techniques).
pub fn signal_readings(show: &serde_json::Value) -> Vec<(String, Vec<String>, Vec<String>)> {
    let ids = |s: &serde_json::Value, k: &str| -> Vec<String> {
        s[k].as_array().unwrap().iter().map(|x| x.as_str().unwrap().to_string()).collect()
    };
    show["signals"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| (s["rule"].as_str().unwrap().to_string(), ids(s, "tactics"), ids(s, "techniques")))
        .collect()
}
