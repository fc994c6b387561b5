//! A file imported into a new case, then detection and correlation.
//!
//! Input: a byte of flags (bits 0–2 name the file, [`NAMES`]; bit 3 sets
//! `--cluster`; bit 4 imports `--strict`), then the file's bytes. The
//! importer chooses framing and format by content, but a storage-blob path
//! names the cluster and an extension is what an investigator's file has.

use kordon::clock::FixedClock;
use kordon::ingest::{self, ImportOptions, Limits};
use kordon::store::{verify, Case};
use std::sync::Arc;

/// The file's name by bits 0–2 of the flags.
pub const NAMES: [&str; 8] = [
    "evidence",
    "evidence.json",
    "evidence.jsonl",
    "evidence.csv",
    "evidence.yaml",
    "evidence.gz",
    "evidence.zip",
    crate::record::BLOB_PATH,
];

pub fn run(data: &[u8]) {
    let [flags, bytes @ ..] = data else { return };
    let name = NAMES[(flags & 7) as usize];
    let path = crate::scratch().join("file").join(name);
    std::fs::create_dir_all(path.parent().expect("a folder")).expect("the scratch folder");
    std::fs::write(&path, bytes).expect("the input written");
    let opts = options(flags & 8 != 0, flags & 16 != 0);
    let mut case = Case::in_memory().expect("a case in memory");
    import_checked(&mut case, &path, &opts);
    std::fs::remove_file(&path).expect("the input removed");
}

/// Import options for fuzzing: the default caps, but a total the fuzzer's
/// memory limit allows (a bomb is refused by the ratio or the total).
pub fn options(cluster: bool, strict: bool) -> ImportOptions {
    ImportOptions {
        limits: Limits { max_total_bytes: 256 << 20, ..Limits::default() },
        strict,
        clock: Arc::new(FixedClock(1_795_000_000_000_000_000)),
        actor: "fuzz".into(),
        cluster: cluster.then(|| "fuzz-cluster".into()),
        ..ImportOptions::default()
    }
}

/// Imports `path` into `case` (new and empty), detects and correlates, and
/// checks what must hold whatever the bytes: a refused import leaves the
/// case empty, and `verify` passes on what was committed.
pub fn import_checked(case: &mut Case, path: &std::path::Path, opts: &ImportOptions) {
    match ingest::import(case, &[path.to_path_buf()], opts, &mut |_| {}) {
        Ok(_) => {
            let rules = kordon::detect::Rules::load_builtin().expect("the built-in rules");
            kordon::detect::run(case, &rules, opts.clock.as_ref(), "fuzz").expect("detection on an imported case");
            kordon::incident::correlate(case, opts.clock.as_ref(), "fuzz", &Default::default())
                .expect("correlation on an imported case");
        }
        Err(e) => {
            for table in ["imports", "sources", "events", "event_records", "entities", "parse_errors", "activity"] {
                assert_eq!(case.count(table).expect("a count"), 0, "a refused import ({e}) left rows in {table}");
            }
        }
    }
    let v = verify::verify(case, None).expect("verify runs");
    assert!(v.ok, "verify fails on what the import committed: {:?}", v.problems);
}
