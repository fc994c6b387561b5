//! What Kordon's fuzz targets run: each target in `fuzz/` is one call of
//! [`run`], so the same function replays the committed corpora as an
//! ordinary test on the stable toolchain (`tests/replay.rs`) and explores
//! new input under libFuzzer on nightly (`cargo fuzz run TARGET`).
//!
//! A target does more than wait for a panic: each checks what Kordon
//! promises of hostile input, and panics when the promise breaks.
//! - [`record`]: one record for one format's parser, with the context the
//!   framing gives it. The shortcut the import takes with a cloud
//!   envelope (the peek's decoded event handed to the parse) must give the
//!   same event as a parse without it.
//! - [`file`]: a file imported into a new case, then detection and
//!   correlation. Whatever the bytes, the import either commits or leaves
//!   the case empty, and `verify` passes either way.
//! - [`bundle`]: a zip built from the input's entries (names and contents
//!   are the fuzzer's; the zip itself is well formed, so the manifest and
//!   the entries are what is explored, not only the zip's headers, which
//!   the `file` target mutates), imported like a file.
//! - [`kubeconfig`]: a kubeconfig read as `kordon cluster` and the app read
//!   it. A credential in it never shows in an error, and a context whose
//!   credentials come from a command is never accepted untrusted.

pub mod bundle;
pub mod file;
pub mod kubeconfig;
pub mod record;

/// Every target, by the name of its file in `fuzz/fuzz_targets/` and its
/// corpus folder in `fuzz/corpus/`.
pub const TARGETS: &[&str] = &["record", "file", "bundle", "kubeconfig"];

/// Runs one target on one input; panics where Kordon breaks a promise.
pub fn run(target: &str, data: &[u8]) {
    match target {
        "record" => record::run(data),
        "file" => file::run(data),
        "bundle" => bundle::run(data),
        "kubeconfig" => kubeconfig::run(data),
        other => panic!("no fuzz target named {other}"),
    }
}

/// A scratch folder per thread for the targets that need files (the
/// importer and the kubeconfig reader take paths): made once, as libFuzzer
/// runs millions of inputs.
pub(crate) fn scratch() -> std::path::PathBuf {
    thread_local! {
        static DIR: tempfile::TempDir = tempfile::Builder::new().prefix("kordon-fuzz-").tempdir().expect("a scratch folder");
    }
    DIR.with(|d| d.path().to_path_buf())
}
