//! Replays every fuzz target's corpus (`fuzz/corpus/TARGET`) and the inputs
//! of every crash found so far (`fuzz/regressions/TARGET`) on the stable
//! toolchain, as `cargo fuzz run` would run them: what the fuzzer learned
//! stays checked on every change, without nightly or libFuzzer.

use std::path::{Path, PathBuf};

fn inputs(dir: &Path) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(dir) else { return Vec::new() };
    let mut found: Vec<PathBuf> = entries.map(|e| e.expect("a corpus entry").path()).filter(|p| p.is_file()).collect();
    found.sort();
    found
}

fn replay(target: &str) {
    let fuzz = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fuzz");
    let corpus = inputs(&fuzz.join("corpus").join(target));
    assert!(!corpus.is_empty(), "fuzz/corpus/{target} is empty: seed it (see fuzz/README.md)");
    let regressions = inputs(&fuzz.join("regressions").join(target));
    let mut failed = Vec::new();
    for path in corpus.iter().chain(&regressions) {
        let data = std::fs::read(path).expect("a corpus input");
        if std::panic::catch_unwind(|| kordon_fuzzing::run(target, &data)).is_err() {
            failed.push(path.display().to_string());
        }
    }
    assert!(failed.is_empty(), "{target}: {} of {} inputs fail: {failed:#?}", failed.len(), corpus.len() + regressions.len());
}

/// Every target's corpus, each target a thread: the import targets take
/// most of the time.
#[test]
fn every_corpus_replays() {
    let threads: Vec<_> = kordon_fuzzing::TARGETS.iter().map(|t| std::thread::spawn(move || replay(t))).collect();
    let failed: Vec<&str> =
        threads.into_iter().zip(kordon_fuzzing::TARGETS).filter_map(|(t, name)| t.join().is_err().then_some(*name)).collect();
    assert!(failed.is_empty(), "targets whose replay fails: {failed:?}");
}

#[test]
fn every_target_has_a_fuzz_target() {
    let fuzz = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fuzz");
    for target in kordon_fuzzing::TARGETS {
        assert!(fuzz.join("fuzz_targets").join(format!("{target}.rs")).is_file(), "fuzz/fuzz_targets/{target}.rs is missing");
    }
}
