//! Import benchmark: one million generated Kubernetes audit events (audit
//! `Event` records, one log line each: the stages of about 450,000 requests)
//! into a fresh case through the real `kordon import` binary, against a lower
//! bound measured in the same run on the same files:
//!
//!   read + inflate every entry, split lines          (I/O and zlib)
//! + parse each record with serde_json into IgnoredAny (JSON)
//! + insert one row per record, as wide as what Kordon stores for it (its
//!   share of the stored raw bytes — compressed — and of the normalized
//!   columns, measured from the case), into an unindexed table in one
//!   transaction                                       (SQLite)
//!
//! Prints events/s, MB/s, peak RSS and `ratio = lower bound / import time`,
//! and checks the targets: ratio ≥ 0.5, ≥ 50,000 events/s, peak RSS ≤ 300 MiB
//! and flat (within 25 %) between 100k and 1M events.
//!
//! `cargo bench --bench import` — full run; `-- --quick` — a small run that
//! only proves the benchmark works (targets are reported, not enforced);
//! `-- --events N` to choose the size.

mod common;

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

struct Args {
    quick: bool,
    events: usize,
}

fn args() -> Args {
    let mut a = Args { quick: false, events: 1_000_000 };
    let mut it = std::env::args().skip(1);
    while let Some(x) = it.next() {
        match x.as_str() {
            "--quick" => {
                a.quick = true;
                a.events = 20_000;
            }
            "--events" => a.events = it.next().and_then(|n| n.parse().ok()).unwrap_or(a.events),
            _ => {} // cargo passes --bench
        }
    }
    a
}

fn main() {
    let args = args();
    let dir = tempfile::tempdir().expect("temp dir");
    let sizes: Vec<usize> = if args.quick { vec![args.events] } else { vec![args.events / 10, args.events] };
    let mut results = Vec::new();
    for &n in &sizes {
        let bundle = dir.path().join(format!("bench-{}.zip", n));
        let t = Instant::now();
        // The generator counts requests; each writes about 2.2 stage lines.
        let requests = (n as u64 * 10 / 22).max(1) as usize;
        kordon::synth::write_large_bundle(&bundle, 42, requests, 0, 0).expect("generate bundle");
        eprintln!("generated {} audit requests in {:.1?} ({} bytes zipped)", requests, t.elapsed(), file_len(&bundle));
        let case = dir.path().join(format!("case-{}.kordon", n));
        let run = import(&bundle, &case);
        let lb = lower_bound(&bundle, stored_bytes(&case));
        let _ = std::fs::remove_file(&case);
        results.push((lb.records, lb, run));
    }
    println!("\nKordon import benchmark ({} core(s))", std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1));
    println!(
        "{:>10} {:>10} {:>12} {:>9} {:>10} {:>12} {:>7}",
        "events", "import s", "events/s", "MB/s", "peak RSS", "lower bnd s", "ratio"
    );
    println!("{:>10} (audit Event records = log lines; see the comment at the top)", "");
    for (n, lb, run) in &results {
        println!(
            "{:>10} {:>10.2} {:>12.0} {:>9.1} {:>8.1}Mi {:>12.2} {:>7.2}",
            n,
            run.elapsed.as_secs_f64(),
            *n as f64 / run.elapsed.as_secs_f64(),
            lb.bytes as f64 / 1e6 / run.elapsed.as_secs_f64(),
            run.peak_rss_kib as f64 / 1024.0,
            lb.total().as_secs_f64(),
            lb.total().as_secs_f64() / run.elapsed.as_secs_f64()
        );
        println!(
            "{:>10} lower bound parts: read+inflate {:.2}s, parse {:.2}s, insert {:.2}s; {} bytes of records, {} stored",
            "",
            lb.read.as_secs_f64(),
            lb.parse.as_secs_f64(),
            lb.insert.as_secs_f64(),
            lb.bytes,
            lb.stored
        );
    }
    let (n, lb, run) = results.last().expect("one run");
    let ratio = lb.total().as_secs_f64() / run.elapsed.as_secs_f64();
    let eps = *n as f64 / run.elapsed.as_secs_f64();
    let mut checks = vec![
        ("ratio to lower bound >= 0.50", ratio >= 0.5),
        ("events/s >= 50,000", eps >= 50_000.0),
        ("peak RSS <= 300 MiB", run.peak_rss_kib <= 300 * 1024),
    ];
    if results.len() > 1 {
        let small = results[0].2.peak_rss_kib as f64;
        checks.push(("peak RSS flat from 10% to 100% of the size (within 25%)", run.peak_rss_kib as f64 <= small * 1.25));
    }
    if args.quick {
        println!("quick run: the targets apply to the full run (cargo bench --bench import)");
        return;
    }
    let mut failed = false;
    for (what, ok) in &checks {
        println!("{} {}", if *ok { "PASS" } else { "FAIL" }, what);
        failed |= !ok;
    }
    if failed {
        std::process::exit(1);
    }
}

fn file_len(p: &Path) -> u64 {
    std::fs::metadata(p).map(|m| m.len()).unwrap_or(0)
}

struct LowerBound {
    read: Duration,
    parse: Duration,
    insert: Duration,
    bytes: u64,
    records: usize,
    stored: u64,
}

impl LowerBound {
    fn total(&self) -> Duration {
        self.read + self.parse + self.insert
    }
}

/// Bytes Kordon stored for the records: raw (as stored) and normalized.
fn stored_bytes(case: &Path) -> u64 {
    let conn = rusqlite::Connection::open(case).expect("open case");
    let events: i64 = conn
        .query_row(
            "SELECT SUM(length(raw) + length(fields) + length(title) + length(message) + COALESCE(length(rule), 0)
                        + length(tactics) + length(techniques) + length(source) + length(kind) + length(entity_refs))
             FROM events",
            [],
            |r| r.get(0),
        )
        .expect("sum");
    let records: i64 =
        conn.query_row("SELECT COALESCE(SUM(length(raw)), 0) FROM event_records", [], |r| r.get(0)).expect("sum");
    (events + records) as u64
}

/// The three unavoidable costs, each measured alone on the same data.
fn lower_bound(bundle: &Path, stored: u64) -> LowerBound {
    // 1. Read and inflate every record entry, splitting lines; keep the
    //    lines for the next steps (outside the timing).
    let t = Instant::now();
    let mut zip = zip::ZipArchive::new(std::fs::File::open(bundle).unwrap()).unwrap();
    let mut lines: Vec<Vec<u8>> = Vec::new();
    let mut bytes = 0u64;
    for i in 0..zip.len() {
        let entry = zip.by_index(i).unwrap();
        if entry.name().is_ok_and(|n| n == "manifest.json") {
            continue;
        }
        let mut head = [0u8; 2];
        let mut r = BufReader::new(entry);
        let peeked = r.fill_buf().unwrap();
        head.copy_from_slice(&peeked[..2]);
        let mut reader: Box<dyn BufRead> = if head == [0x1f, 0x8b] {
            Box::new(BufReader::new(flate2::read::MultiGzDecoder::new(r)))
        } else {
            Box::new(r)
        };
        let mut line = Vec::new();
        loop {
            line.clear();
            if reader.read_until(b'\n', &mut line).unwrap() == 0 {
                break;
            }
            bytes += line.len() as u64;
            while line.last().is_some_and(|b| *b == b'\n' || *b == b'\r') {
                line.pop();
            }
            if !line.is_empty() {
                lines.push(line.clone());
            }
        }
    }
    let read = t.elapsed();

    // 2. Parse each record into IgnoredAny.
    let t = Instant::now();
    for l in &lines {
        let _: serde::de::IgnoredAny = serde_json::from_slice(l).expect("valid JSON");
    }
    let parse = t.elapsed();

    // 3. Insert one row per record, of the same width as what Kordon stores
    //    for it (the record plus its share of the normalized text).
    let dir = tempfile::tempdir().unwrap();
    let conn = rusqlite::Connection::open(dir.path().join("lb.db")).unwrap();
    conn.execute_batch("PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; CREATE TABLE t (b BLOB)").unwrap();
    let t = Instant::now();
    {
        let tx = conn.unchecked_transaction().unwrap();
        let mut st = tx.prepare("INSERT INTO t (b) VALUES (?1)").unwrap();
        let width = (stored / lines.len().max(1) as u64) as usize;
        let mut row = Vec::with_capacity(width);
        for l in &lines {
            // The record's own bytes, cut or repeated to the stored width.
            row.clear();
            while row.len() < width {
                let take = (width - row.len()).min(l.len().max(1));
                row.extend_from_slice(&l[..take.min(l.len())]);
                if l.is_empty() {
                    row.resize(width, b' ');
                }
            }
            st.execute(rusqlite::params![row]).unwrap();
        }
        drop(st);
        tx.commit().unwrap();
    }
    let insert = t.elapsed();
    LowerBound { read, parse, insert, bytes, records: lines.len(), stored }
}

struct Run {
    elapsed: Duration,
    peak_rss_kib: u64,
}

/// The real binary in a child process, so its peak RSS is its own.
fn import(bundle: &Path, case: &Path) -> Run {
    let child = common::run(
        Command::new(env!("CARGO_BIN_EXE_kordon")).arg("--case").arg(case).args(["import", "--json"]).arg(bundle),
        "kordon import",
    );
    let summary: serde_json::Value = serde_json::from_str(child.stdout.trim()).expect("summary");
    eprintln!(
        "import: {} records, {} requests (events after stage merging), {} errors",
        summary["records"], summary["events_new"], summary["parse_errors"]
    );
    Run { elapsed: child.elapsed, peak_rss_kib: child.peak_rss_kib }
}
