//! Kordon's import against two baselines on the same plain audit log, all on
//! tmpfs (`/dev/shm`) so that the disk is not what is measured:
//!
//! - the **lower bound**: read each line, parse it into serde's `IgnoredAny`,
//!   insert the line as it is into an unindexed table, one transaction;
//! - **DuckDB**: `read_json` of the file into a table, a column per
//!   top-level key (the Python package, which `scripts/setup.sh` installs
//!   from PyPI).
//!
//! Kordon imports the file three times a round: on every core, pinned to
//! one (`taskset -c 0`), which shows how the import scales with cores, and
//! with its parsing pool set to two threads (`--workers 2`). Each
//! side runs in a process of its own (wall, CPU and peak RSS from `wait4`);
//! a round runs them in an order rotated from the round before, after a
//! warm-up round that is not counted, and the medians of the rounds are
//! reported with the bytes each stored.

use super::common;
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

/// The lower bound, re-executed as a child: `LOG:DB`.
pub const LOWER_BOUND: &str = "KORDON_BENCH_LOWER_BOUND";

/// DuckDB's side: the table from the file, then the time of the statement
/// alone on stdout (the process also pays for starting Python). Each
/// top-level key of an audit event becomes a column and what is nested is
/// kept as JSON (`maximum_depth = 1`): the fastest way measured for DuckDB
/// to keep every field, so the comparison does not flatter Kordon. With
/// the default, DuckDB infers a struct for each nested object from the
/// first lines and stops at the first annotation key they did not show
/// (line 83,223 of the million); inferring from every line
/// (`sample_size = -1`) takes three times as long, and
/// `read_json_objects` (a line as one JSON value) twice.
const DUCKDB: &str = r#"
import sys, time, duckdb
log, db = sys.argv[1], sys.argv[2]
con = duckdb.connect(db)
con.execute("SET enable_progress_bar = false")
t = time.perf_counter()
con.execute("CREATE TABLE audit AS SELECT * FROM read_json(?, format = 'newline_delimited', maximum_depth = 1)", [log])
n = con.execute("SELECT count(*) FROM audit").fetchone()[0]
con.close()
print(n, time.perf_counter() - t)
"#;

#[derive(Clone, Copy, PartialEq)]
enum Side {
    Kordon,
    KordonOneCore,
    /// Two parsing threads (`--workers 2`) beside the reading and the writing one.
    KordonTwoWorkers,
    LowerBound,
    DuckDb,
}

impl Side {
    fn name(self) -> &'static str {
        match self {
            Side::Kordon => "Kordon import",
            Side::KordonOneCore => "Kordon import, 1 core",
            Side::KordonTwoWorkers => "Kordon, 2 parsing threads",
            Side::LowerBound => "lower bound",
            Side::DuckDb => "DuckDB read_json",
        }
    }
}

struct Measured {
    wall: Duration,
    cpu: Duration,
    peak_rss_kib: u64,
    stored: u64,
}

/// The plain audit log of about `lines` lines, written as it is inflated
/// (the benchmark process stays small: its peak RSS would pass to the
/// children it spawns).
fn write_log(dir: &Path, lines: usize) -> PathBuf {
    let bundle = dir.join("source.zip");
    let requests = (lines as u64 * 10 / 22).max(1) as usize;
    kordon::synth::write_large_bundle(&bundle, 42, requests, 0, 0).expect("generate bundle");
    let mut zip = zip::ZipArchive::new(std::fs::File::open(&bundle).expect("bundle")).expect("zip");
    let entry = zip.by_name("audit/kube-apiserver-audit.log.gz").expect("audit entry");
    let log = dir.join("audit.log");
    let mut out = std::io::BufWriter::with_capacity(1 << 20, std::fs::File::create(&log).expect("create log"));
    std::io::copy(&mut flate2::read::GzDecoder::new(entry), &mut out).expect("inflate");
    out.flush().expect("flush");
    let _ = std::fs::remove_file(&bundle);
    log
}

/// Bytes of a SQLite or DuckDB file with its journal beside it.
fn stored(db: &Path) -> u64 {
    ["", "-wal", ".wal", "-shm"]
        .iter()
        .map(|s| {
            let mut p = db.as_os_str().to_owned();
            p.push(s);
            std::fs::metadata(p).map(|m| m.len()).unwrap_or(0)
        })
        .sum()
}

fn remove(db: &Path) {
    for s in ["", "-wal", ".wal", "-shm"] {
        let mut p = db.as_os_str().to_owned();
        p.push(s);
        let _ = std::fs::remove_file(p);
    }
}

fn duckdb_installed() -> bool {
    Command::new("python3").args(["-c", "import duckdb"]).output().is_ok_and(|o| o.status.success())
}

fn measure(side: Side, log: &Path, dir: &Path, records: usize) -> Measured {
    let db = dir.join(match side {
        Side::DuckDb => "duck.db",
        Side::LowerBound => "lower-bound.db",
        _ => "case.kordon",
    });
    remove(&db);
    let kordon = env!("CARGO_BIN_EXE_kordon");
    let mut cmd = match side {
        Side::Kordon | Side::KordonTwoWorkers => Command::new(kordon),
        Side::KordonOneCore => {
            let mut c = Command::new("taskset");
            c.args(["-c", "0", kordon]);
            c
        }
        Side::LowerBound => {
            let mut c = Command::new(std::env::current_exe().expect("own path"));
            c.env(LOWER_BOUND, format!("{}:{}", log.display(), db.display()));
            c
        }
        Side::DuckDb => {
            let mut c = Command::new("python3");
            c.args(["-c", DUCKDB]).arg(log).arg(&db);
            c
        }
    };
    if matches!(side, Side::Kordon | Side::KordonOneCore | Side::KordonTwoWorkers) {
        cmd.arg("--case").arg(&db).args(["import", "--json"]);
        if side == Side::KordonTwoWorkers {
            cmd.args(["--workers", "2"]);
        }
        cmd.arg(log);
    }
    let child = common::run(&mut cmd, side.name());
    match side {
        Side::Kordon | Side::KordonOneCore | Side::KordonTwoWorkers => {
            let summary: serde_json::Value = serde_json::from_str(child.stdout.trim()).expect("import summary");
            assert_eq!(summary["records"].as_u64(), Some(records as u64), "Kordon imported every line: {}", summary);
        }
        Side::DuckDb => {
            let last = child.stdout.lines().last().unwrap_or_default();
            let rows: usize = last.split_whitespace().next().and_then(|n| n.parse().ok()).unwrap_or_else(|| panic!("DuckDB's row count: {:?}", child.stdout));
            assert_eq!(rows, records, "DuckDB read every line");
        }
        Side::LowerBound => {}
    }
    let m = Measured { wall: child.elapsed, cpu: child.cpu, peak_rss_kib: child.peak_rss_kib, stored: stored(&db) };
    remove(&db);
    m
}

/// The lower bound's child: each line parsed into `IgnoredAny` and
/// inserted as it is, in one transaction, the way Kordon opens a case
/// (WAL, `synchronous = NORMAL`).
pub fn lower_bound(spec: &str) {
    let (log, db) = spec.split_once(':').expect("LOG:DB");
    let conn = rusqlite::Connection::open(db).expect("open");
    conn.execute_batch("PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; CREATE TABLE t (b BLOB)").expect("schema");
    let tx = conn.unchecked_transaction().expect("tx");
    {
        let mut st = tx.prepare("INSERT INTO t (b) VALUES (?1)").expect("insert");
        let mut r = BufReader::with_capacity(1 << 20, std::fs::File::open(log).expect("log"));
        let mut line = Vec::new();
        while r.read_until(b'\n', &mut line).expect("read") > 0 {
            let l = line.strip_suffix(b"\n").unwrap_or(&line);
            if !l.is_empty() {
                let _: serde::de::IgnoredAny = serde_json::from_slice(l).expect("valid JSON");
                st.execute([l]).expect("insert row");
            }
            line.clear();
        }
    }
    tx.commit().expect("commit");
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

/// Runs the comparison at `lines` audit log lines; the targets as checks.
pub fn run(lines: usize, rounds: usize, quick: bool) -> Vec<(String, bool)> {
    let shm = Path::new("/dev/shm");
    let dir = if shm.is_dir() { tempfile::tempdir_in(shm) } else { tempfile::tempdir() }.expect("temp dir");
    let log = write_log(dir.path(), lines);
    let input = std::fs::metadata(&log).expect("log").len();
    let records = BufReader::new(std::fs::File::open(&log).expect("log")).lines().count();
    let mut sides = vec![Side::Kordon, Side::KordonOneCore, Side::KordonTwoWorkers, Side::LowerBound, Side::DuckDb];
    if !duckdb_installed() {
        assert!(quick, "DuckDB is not installed for python3: scripts/setup.sh installs it (python3 -m pip install duckdb)");
        println!("DuckDB is not installed for python3: its side is left out of this quick run");
        sides.retain(|s| *s != Side::DuckDb);
    }
    eprintln!("{} audit log lines, {} bytes, in {}", records, input, dir.path().display());
    let warm_up = usize::from(!quick);
    let mut got: Vec<Vec<Measured>> = sides.iter().map(|_| Vec::new()).collect();
    for round in 0..warm_up + rounds {
        for k in 0..sides.len() {
            let i = (k + round) % sides.len();
            let m = measure(sides[i], &log, dir.path(), records);
            eprintln!(
                "round {}{}: {} {:.2} s wall, {:.1} s CPU, {:.0} MiB peak, {} bytes stored",
                round,
                if round < warm_up { " (warm-up)" } else { "" },
                sides[i].name(),
                m.wall.as_secs_f64(),
                m.cpu.as_secs_f64(),
                m.peak_rss_kib as f64 / 1024.0,
                m.stored
            );
            if round >= warm_up {
                got[i].push(m);
            }
        }
    }
    let cores = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1);
    println!(
        "\nImport of one plain audit log ({} lines, {:.0} MB) on tmpfs, {} core(s); medians of {} round(s) after {} warm-up, peak RSS the largest",
        records,
        input as f64 / 1e6,
        cores,
        rounds,
        warm_up
    );
    println!("{:<24} {:>8} {:>8} {:>10} {:>10} {:>9}", "", "wall s", "CPU s", "peak RSS", "stored MB", "of input");
    let mut wall = Vec::new();
    let mut peak = Vec::new();
    let mut store = Vec::new();
    for (side, runs) in sides.iter().zip(got) {
        let w = median(runs.iter().map(|m| m.wall).collect());
        let c = median(runs.iter().map(|m| m.cpu).collect());
        let rss = runs.iter().map(|m| m.peak_rss_kib).max().unwrap_or(0);
        let s = runs.iter().map(|m| m.stored).max().unwrap_or(0);
        println!(
            "{:<24} {:>8.2} {:>8.1} {:>7.0}Mi {:>10.0} {:>8.2}x",
            side.name(),
            w.as_secs_f64(),
            c.as_secs_f64(),
            rss as f64 / 1024.0,
            s as f64 / 1e6,
            s as f64 / input as f64
        );
        wall.push((*side, w));
        peak.push((*side, rss));
        store.push((*side, s));
    }
    let of = |v: &[(Side, Duration)], side: Side| v.iter().find(|(s, _)| *s == side).map(|(_, d)| d.as_secs_f64());
    let kordon = of(&wall, Side::Kordon).expect("Kordon's side");
    let one_core = of(&wall, Side::KordonOneCore).expect("the 1-core side");
    let scaling = one_core / kordon;
    let case = store.iter().find(|(s, _)| *s == Side::Kordon).map(|(_, b)| *b as f64 / input as f64).unwrap_or(f64::MAX);
    let rss = peak.iter().find(|(s, _)| *s == Side::Kordon).map(|(_, k)| *k).unwrap_or(u64::MAX);
    println!("Kordon, {} core(s) against 1: {:.3}x the throughput", cores, scaling);
    let mut checks = vec![
        (format!("the case at most 0.6x the input (now {:.2}x)", case), case <= 0.6),
        (format!("peak RSS <= 300 MiB (now {:.0} MiB)", rss as f64 / 1024.0), rss <= 300 * 1024),
    ];
    if cores >= 2 {
        checks.push((format!("{} cores give at least 1.8x the 1-core throughput (now {:.3}x)", cores, scaling), scaling >= 1.8));
    }
    if let Some(duck) = of(&wall, Side::DuckDb) {
        let ratio = kordon / duck;
        println!("Kordon / DuckDB wall time: {:.2}x", ratio);
        checks.insert(0, (format!("Kordon within 2.5x of DuckDB's wall time (now {:.2}x)", ratio), ratio <= 2.5));
    }
    checks
}
