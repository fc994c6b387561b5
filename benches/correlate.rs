//! Correlation benchmark: a generated case of about one million events
//! (audit requests, Tetragon events) and about two thousand Falco signals.
//! Times correlation plus building every incident's graph (context evidence,
//! relations, aggregation) against one sequential scan of the events table
//! in the same run, reading every column of every row.
//!
//! Then builds the graph of an incident with 10,000 raw entities (a process
//! tree fanning out to thousands of addresses) and counts its nodes after
//! aggregation.
//!
//! Targets: (correlation + graphs) ≤ 3 × the scan; ≤ 500 nodes for the
//! 10,000-entity incident. `cargo bench --bench correlate`; `-- --quick`
//! for a small run that only proves the benchmark works.

use kordon::clock::FixedClock;
use kordon::detect::mapping::Mapped;
use kordon::detect::ClusterRanges;
use kordon::incident::evidence::{self, Evidence};
use kordon::incident::signals::{Named, Signal};
use kordon::incident::{self, config, graph};
use kordon::ingest::{self, ImportOptions};
use kordon::model::{EntityKind, Severity, Source};
use kordon::store::{stable_id, Case};
use std::time::{Duration, Instant};

// The allocator the `kordon` binary uses, so that the import and the
// correlation run as they do for users.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    let quick = std::env::args().any(|a| a == "--quick");
    let (audit, falco, tetragon) = if quick { (15_000, 200, 4_800) } else { (780_000, 2_000, 218_000) };
    let dir = tempfile::tempdir().expect("temp dir");
    let bundle = dir.path().join("bench.zip");
    let t = Instant::now();
    kordon::synth::write_large_bundle(&bundle, 7, audit, falco, tetragon).expect("generate bundle");
    eprintln!("generated {} audit requests, {} Falco alerts, {} Tetragon events in {:.1?}", audit, falco, tetragon, t.elapsed());
    let mut case = Case::open(&dir.path().join("case.kordon")).expect("case");
    let t = Instant::now();
    ingest::import(&mut case, &[bundle], &ImportOptions::default(), &mut |_| {}).expect("import");
    eprintln!("imported in {:.1?}", t.elapsed());
    let events: i64 = case.conn.query_row("SELECT COUNT(*) FROM events", [], |r| r.get(0)).unwrap();
    let signals: i64 = case.conn.query_row("SELECT COUNT(*) FROM events WHERE kind = 'alert'", [], |r| r.get(0)).unwrap();

    scan(&case); // warm the page cache for both sides
    let scan_time = scan(&case);

    let t = Instant::now();
    let clock = FixedClock(1_795_200_000_000_000_000);
    let s = incident::correlate(&mut case, &clock, "bench", &incident::Options::default()).expect("correlate");
    let correlate_time = t.elapsed();

    let t = Instant::now();
    let cfg = config::builtin();
    let mut nodes = 0usize;
    let mut context = 0usize;
    for row in incident::read::list(&case).expect("incidents") {
        let ev = evidence::gather(&case, row.raw_id, cfg).expect("evidence");
        context += ev.context.len();
        nodes += graph::build(&ev, cfg, &[]).nodes.len();
    }
    let graph_time = t.elapsed();
    let ratio = (correlate_time + graph_time).as_secs_f64() / scan_time.as_secs_f64();

    let (raw, big_nodes, big_time) = big_graph();

    println!();
    println!("{:>10} {:>8} {:>10} {:>10} {:>12} {:>12} {:>10} {:>7}", "events", "signals", "incidents", "context", "scan s", "correlate s", "graphs s", "ratio");
    println!(
        "{:>10} {:>8} {:>10} {:>10} {:>12.3} {:>12.3} {:>10.3} {:>7.2}",
        events,
        signals,
        s.incidents,
        context,
        scan_time.as_secs_f64(),
        correlate_time.as_secs_f64(),
        graph_time.as_secs_f64(),
        ratio
    );
    println!("graph nodes over all incidents: {}", nodes);
    println!("incident with {} raw entities: {} nodes after aggregation, built in {:.3}s", raw, big_nodes, big_time.as_secs_f64());
    let checks = [
        ("correlation + graphs <= 3 x one scan of the events table", ratio <= 3.0),
        ("10,000-entity incident drawn with <= 500 nodes", big_nodes <= 500 && raw >= 10_000),
    ];
    let mut failed = false;
    for (what, ok) in checks {
        println!("{} {}", if ok { "PASS" } else { "MISS" }, what);
        failed |= !ok;
    }
    if failed && !quick {
        std::process::exit(1);
    }
}

/// Reads every column of every row of `events`, in rowid order.
fn scan(case: &Case) -> Duration {
    let t = Instant::now();
    let mut st = case.conn.prepare("SELECT * FROM events").unwrap();
    let cols = st.column_count();
    let mut rows = st.query([]).unwrap();
    let mut bytes = 0usize;
    while let Some(r) = rows.next().unwrap() {
        for i in 0..cols {
            bytes += match r.get_ref(i).unwrap() {
                rusqlite::types::ValueRef::Text(t) | rusqlite::types::ValueRef::Blob(t) => t.len(),
                _ => 8,
            };
        }
    }
    std::hint::black_box(bytes);
    t.elapsed()
}

fn named(kind: EntityKind, key: &str, role: &str) -> Named {
    Named { id: stable_id(&[kind.as_str().as_bytes(), key.as_bytes()]), kind, key: key.into(), role: role.into() }
}

/// One miner signal, and context in which 1,000 processes each connect to
/// nine addresses: 10,000 raw entities.
fn big_graph() -> (usize, usize, Duration) {
    let base = 1_795_167_000_000_000_000i64;
    let pod = || named(EntityKind::Pod, "shop/cart-7f9c6d8b5-x2k4q", "pod");
    let container = || named(EntityKind::Container, &"ab".repeat(32), "container");
    let signal = Signal {
        event_id: 1,
        key: 1,
        time_ns: base,
        source: Source::Falco,
        rule: Some("Detect crypto miners using the Stratum protocol".into()),
        title: "miner".into(),
        message: String::new(),
        severity: Severity::Critical,
        mapped: Mapped { tactics: vec!["TA0040".into()], ..Mapped::default() },
        fields: Default::default(),
        entities: vec![pod(), container(), named(EntityKind::Process, "abababababab:1:/tmp/xmrig", "process")],
    };
    let mut context = Vec::new();
    let mut key = 10i64;
    for p in 0..1_000u32 {
        let proc_key = format!("abababababab:{}:/usr/bin/worker", 100 + p);
        for a in 0..9u32 {
            key += 1;
            let ip = format!("10.{}.{}.{}", 100 + (p % 50), (p / 50) * 9 + a, 7);
            context.push(Signal {
                event_id: key,
                key,
                time_ns: base + key,
                source: Source::Tetragon,
                rule: Some("tcp_connect".into()),
                title: "connect".into(),
                message: String::new(),
                severity: Severity::Info,
                mapped: Mapped::default(),
                fields: serde_json::json!({"dst_port": 443 + a}).as_object().cloned().unwrap(),
                entities: vec![
                    pod(),
                    container(),
                    named(EntityKind::Process, &proc_key, "process"),
                    named(EntityKind::Process, "abababababab:1:/tmp/xmrig", "parent-process"),
                    named(EntityKind::Ip, &ip, "destination-ip"),
                ],
            });
        }
    }
    let ev = Evidence {
        incident: 1,
        signals: vec![(signal, dummy_row())],
        context,
        facts: Vec::new(),
        first_ns: base,
        last_ns: base + key,
        cluster: ClusterRanges::unknown(),
    };
    let t = Instant::now();
    let g = graph::build(&ev, config::builtin(), &[]);
    (g.raw_entities, g.nodes.len(), t.elapsed())
}

fn dummy_row() -> kordon::incident::SignalRow {
    kordon::incident::SignalRow {
        id: "0000000000000001".into(),
        time: None,
        source: "falco".into(),
        severity: "critical".into(),
        rule: None,
        title: "miner".into(),
        tactics: vec![],
        techniques: vec![],
        ms_matrix: vec![],
        mapping_notes: vec![],
        joined: kordon::incident::read::Joined { how: "first".into(), entity: None, with: None, text: String::new() },
    }
}
