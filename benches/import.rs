//! Import benchmark. First, Kordon's import of one plain Kubernetes audit
//! log (one million generated `Event` lines: the stages of about 450,000
//! requests) against DuckDB's `read_json` of the same file and a lower bound
//! (parse every line, insert it as it is), alternating, all on tmpfs
//! (`baselines/`): wall, CPU, peak RSS and bytes stored for each, Kordon's
//! wall time against DuckDB's, the case's size against the input's, and the
//! import on every core against one (`taskset`). Targets: within 2.5x of
//! DuckDB, the case at most 0.6x the input, 2 cores at least 1.8x one, peak
//! RSS at most 300 MiB.
//!
//! Then the managed-cluster shapes (`envelopes/`): the same audit log as
//! AKS, EKS and GKE export it, each audit event at most 1.3 times the cost
//! of the plain log's.
//!
//! Then the largest sensor exports (`sensors/`): Hubble flows and Defender
//! XDR process events, at least 50,000 records a second each.
//!
//! `cargo bench --bench import` — full run; `-- --quick` — a small run that
//! only proves the benchmark works (targets are reported, not enforced);
//! `-- --events N` to choose the size of the first part; `-- --baselines-only
//! N` for the first part alone; `-- --envelopes-only N` for the
//! managed-cluster shapes alone, at N audit lines (`KORDON_BENCH_KEEP=DIR`
//! keeps their files there, to profile one); `-- --sensors-only N` for the
//! sensor exports alone.

mod baselines;
mod common;
mod envelopes;
mod sensors;

use std::path::Path;

struct Args {
    quick: bool,
    events: usize,
    /// `--envelopes-only N`: only the managed-cluster shapes, at N lines.
    envelopes_only: Option<usize>,
    /// `--sensors-only N`: only the sensor exports, at N records.
    sensors_only: Option<usize>,
    /// `--baselines-only N`: only the comparison with DuckDB, at N lines.
    baselines_only: Option<usize>,
}

fn args() -> Args {
    let mut a = Args { quick: false, events: 1_000_000, envelopes_only: None, sensors_only: None, baselines_only: None };
    let mut it = std::env::args().skip(1);
    while let Some(x) = it.next() {
        match x.as_str() {
            "--quick" => {
                a.quick = true;
                a.events = 20_000;
            }
            "--events" => a.events = it.next().and_then(|n| n.parse().ok()).unwrap_or(a.events),
            "--envelopes-only" => a.envelopes_only = it.next().and_then(|n| n.parse().ok()),
            "--sensors-only" => a.sensors_only = it.next().and_then(|n| n.parse().ok()),
            "--baselines-only" => a.baselines_only = it.next().and_then(|n| n.parse().ok()),
            _ => {} // cargo passes --bench
        }
    }
    a
}

/// Counted rounds of the comparison with DuckDB and the lower bound (after a
/// warm-up): the sides alternate, so a machine that slows down for a while
/// (a shared virtual machine does) slows them alike.
const ROUNDS: usize = 3;
/// Rounds of the managed-cluster shapes: their ratios are read per round,
/// and five give a median that one slow spell does not move.
const ENVELOPE_ROUNDS: usize = 5;
/// Rounds of the sensor exports (Hubble flows, Defender XDR processes).
const SENSOR_ROUNDS: usize = 3;

fn main() {
    if let Ok(spec) = std::env::var(baselines::LOWER_BOUND) {
        baselines::lower_bound(&spec);
        return;
    }
    let args = args();
    let dir = tempfile::tempdir().expect("temp dir");
    if let Some(lines) = args.baselines_only {
        report(&baselines::run(lines, ROUNDS, false));
        return;
    }
    if let Some(lines) = args.envelopes_only {
        report(&envelopes::run(dir.path(), lines, ENVELOPE_ROUNDS));
        return;
    }
    if let Some(records) = args.sensors_only {
        report(&sensors::run(dir.path(), records, SENSOR_ROUNDS));
        return;
    }
    let rounds = |full| if args.quick { 1 } else { full };
    let mut checks = baselines::run(args.events, rounds(ROUNDS), args.quick);
    checks.extend(envelopes::run(dir.path(), if args.quick { 5_000 } else { 200_000 }, rounds(ENVELOPE_ROUNDS)));
    checks.extend(sensors::run(dir.path(), if args.quick { 5_000 } else { 200_000 }, rounds(SENSOR_ROUNDS)));
    if args.quick {
        for (what, ok) in &checks {
            println!("{} {} (quick run: the targets apply to the full run)", if *ok { "pass" } else { "miss" }, what);
        }
        return;
    }
    report(&checks);
}

/// Prints each target as PASS or FAIL; exits 1 when one failed.
fn report(checks: &[(String, bool)]) {
    let mut failed = false;
    for (what, ok) in checks {
        println!("{} {}", if *ok { "PASS" } else { "FAIL" }, what);
        failed |= !ok;
    }
    if failed {
        std::process::exit(1);
    }
}

/// Deletes a case and its WAL files.
fn remove_case(case: &Path) {
    for suffix in ["", "-wal", "-shm"] {
        let mut p = case.as_os_str().to_owned();
        p.push(suffix);
        let _ = std::fs::remove_file(p);
    }
}
