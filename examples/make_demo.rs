//! Builds the demo bundle `fixtures/demo/kordon-demo.zip` from the
//! hand-authored records in `fixtures/demo/src/` and seeded routine noise.
//!
//! ```text
//! cargo run --example make_demo [-- OUT.zip]
//! ```
//!
//! The attack (and the nightly secops scan) are authored by hand in the real
//! export formats; what a real cluster adds around them — thousands of
//! routine audit requests, Prometheus tripping Falco all day, exec probes and
//! service traffic in Tetragon, the scan's few hundred `tcp_connect`s — comes
//! from `kordon::synth` with a fixed seed. Files are merged in time order,
//! split per node where the tool runs per node, and written with
//! `bundle::write_bundle`: the same sources give a byte-identical bundle.

use kordon::bundle::{write_bundle, BundleMeta, ClusterInfo};
use kordon::formats::Format;
use kordon::synth::{self, cluster, SynthLine, STORY_DAY_NS};
use kordon::time::parse_rfc3339;
use rand::{Rng, SeedableRng};
use serde::Deserialize;
use serde_json::value::RawValue;
use std::io::Write;
use std::path::{Path, PathBuf};

const SEED: u64 = 20_261_120;
const SEC: i64 = 1_000_000_000;
/// The collection window: 2026-11-20 00:00 to the snapshot at 10:10.
const END: i64 = STORY_DAY_NS + (10 * 3600 + 10 * 60) * SEC;
const ROUTINE_AUDIT_REQUESTS: usize = 9_000;
const ROUTINE_FALCO_ALERTS: usize = 150;
const ROUTINE_TETRAGON_EVENTS: usize = 2_400;
/// The scan's `tcp_connect`s Tetragon records before its rate limit
/// (`process_throttle`) cuts in: 100 hosts × 3 ports.
const SCAN_HOSTS: u32 = 100;

fn main() {
    if let Err(e) = run() {
        eprintln!("make_demo: {}", e);
        std::process::exit(1);
    }
}

type Res<T> = Result<T, String>;

fn run() -> Res<()> {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("fixtures/demo");
    let out = std::env::args()
        .nth(1)
        .map(PathBuf::from)
        .unwrap_or_else(|| root.join("kordon-demo.zip"));
    let src = root.join("src");
    let mut files: Vec<(String, Format, Vec<u8>)> = Vec::new();

    // Kubernetes audit log: routine requests with the attacker's interleaved.
    let attack = timed_lines(&src.join("audit-attack.jsonl"), "stageTimestamp")?;
    let routine = synth::audit::AuditGen::new(SEED, STORY_DAY_NS, END, ROUTINE_AUDIT_REQUESTS);
    let audit = merge(routine.collect(), attack);
    files.push((
        "audit/kube-apiserver-audit.log.gz".into(),
        Format::K8sAudit,
        gzip(&join(&audit))?,
    ));

    // Falco: one file per node (`kubectl logs` of each DaemonSet pod).
    let falco_attack = node_lines(&src.join("falco.jsonl"), "time", "hostname")?;
    let falco_routine: Vec<SynthLine> =
        synth::falco::falco_alerts(SEED, STORY_DAY_NS, END, ROUTINE_FALCO_ALERTS).collect();
    let falco = merge(falco_routine, falco_attack);

    // Tetragon: authored processes, the scan's connects, routine events.
    let mut tet_attack = node_lines(&src.join("tetragon.jsonl"), "time", "node_name")?;
    tet_attack.extend(scan_connects(&src.join("tetragon.jsonl"))?);
    tet_attack.sort_by_key(|l| l.time_ns);
    let tet_routine: Vec<SynthLine> =
        synth::tetragon::tetragon_events(SEED, STORY_DAY_NS, END, ROUTINE_TETRAGON_EVENTS)
            .collect();
    let tetragon = merge(tet_routine, tet_attack);

    for (i, node) in cluster::NODES.iter().enumerate() {
        let f: Vec<SynthLine> = falco.iter().filter(|l| l.node == i).cloned().collect();
        files.push((
            format!("falco/{}.jsonl", node.name),
            Format::Falco,
            join(&f),
        ));
    }
    for (i, node) in cluster::NODES.iter().enumerate() {
        let t: Vec<SynthLine> = tetragon.iter().filter(|l| l.node == i).cloned().collect();
        files.push((
            format!("tetragon/{}/tetragon.log", node.name),
            Format::Tetragon,
            join(&t),
        ));
    }
    files.push((
        "defender/alerts.json".into(),
        Format::Defender,
        read(&src.join("defender-alerts.json"))?,
    ));
    files.push((
        "kubernetes/events.json".into(),
        Format::K8sObjects,
        read(&src.join("k8s-events.json"))?,
    ));
    files.push((
        "kubernetes/snapshot-20261120T1010Z.json".into(),
        Format::K8sObjects,
        read(&src.join("snapshot.json"))?,
    ));

    let meta = BundleMeta {
        created: "2026-11-20T10:12:00Z".into(),
        producer: "kordon make_demo".into(),
        cluster: Some(ClusterInfo {
            name: Some(cluster::CLUSTER_NAME.into()),
            server: Some("https://aks-shop-prod-dns-4f2a1c9e.hcp.westeurope.azmk8s.io:443".into()),
            context: Some("aks-shop-prod".into()),
            kubernetes_version: Some("1.30".into()),
        }),
        notes: Some(
            "Demo incident: crypto-miner in shop/cart-7f9c6d8b5-x2k4q on 2026-11-20 (stolen service-account token \
             used from 203.0.113.45 at 09:41, exec 09:43, scan 09:44, xmrig to 198.51.100.77:4444 at 09:47). \
             Collected 00:00-10:10 UTC: API server audit log, Falco and Tetragon logs per node, Defender for Cloud \
             alerts, Kubernetes events and a kubectl snapshot at 10:10. Also contains the nightly secops/netscan job \
             (02:00) and the 08:30 CI release: expected activity."
                .into(),
        ),
        capture: None,
    };
    let mut buf = std::io::Cursor::new(Vec::new());
    let manifest = write_bundle(&mut buf, &meta, &files).map_err(|e| e.to_string())?;
    std::fs::write(&out, buf.get_ref()).map_err(|e| format!("{}: {}", out.display(), e))?;
    println!("{} ({} bytes)", out.display(), buf.get_ref().len());
    for f in &manifest.files {
        let lines = files
            .iter()
            .find(|x| x.0 == f.path)
            .map(|x| count_lines(&x.2))
            .unwrap_or(0);
        println!(
            "  {:<58} {:<12} {:>9} bytes {:>6} lines",
            f.path, f.format, f.size, lines
        );
    }
    println!(
        "  audit: {} lines ({} routine requests + authored); falco: {} alerts; tetragon: {} events",
        audit.len(),
        ROUTINE_AUDIT_REQUESTS,
        falco.len(),
        tetragon.len()
    );
    Ok(())
}

fn read(p: &Path) -> Res<Vec<u8>> {
    std::fs::read(p).map_err(|e| format!("{}: {}", p.display(), e))
}

fn count_lines(bytes: &[u8]) -> usize {
    if bytes.starts_with(&[0x1f, 0x8b]) {
        let mut s = String::new();
        let _ = std::io::Read::read_to_string(&mut flate2::read::GzDecoder::new(bytes), &mut s);
        return s.lines().count();
    }
    bytes.iter().filter(|&&b| b == b'\n').count()
}

/// The JSON lines of an authored file with the time at `time_key` (node 0).
fn timed_lines(p: &Path, time_key: &str) -> Res<Vec<SynthLine>> {
    node_lines_with(p, time_key, None)
}

/// The JSON lines of an authored file with their time and node (by name at `node_key`).
fn node_lines(p: &Path, time_key: &str, node_key: &str) -> Res<Vec<SynthLine>> {
    node_lines_with(p, time_key, Some(node_key))
}

fn node_lines_with(p: &Path, time_key: &str, node_key: Option<&str>) -> Res<Vec<SynthLine>> {
    let text = String::from_utf8(read(p)?).map_err(|e| format!("{}: {}", p.display(), e))?;
    let mut out = Vec::new();
    for (n, line) in text
        .lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
    {
        let v: serde_json::Value = serde_json::from_str(line)
            .map_err(|e| format!("{}:{}: invalid JSON: {}", p.display(), n + 1, e))?;
        let time_ns = v[time_key]
            .as_str()
            .and_then(parse_rfc3339)
            .ok_or_else(|| format!("{}:{}: no time in {}", p.display(), n + 1, time_key))?;
        let node = match node_key {
            None => 0,
            Some(k) => {
                let name = v[k].as_str().unwrap_or("");
                cluster::NODES
                    .iter()
                    .position(|nd| nd.name == name)
                    .ok_or_else(|| format!("{}:{}: unknown node {:?}", p.display(), n + 1, name))?
            }
        };
        out.push(SynthLine {
            time_ns,
            node,
            line: line.to_string(),
        });
    }
    out.sort_by_key(|l| l.time_ns);
    Ok(out)
}

/// Merges two time-ordered streams (routine first on ties).
fn merge(a: Vec<SynthLine>, b: Vec<SynthLine>) -> Vec<SynthLine> {
    let mut out = Vec::with_capacity(a.len() + b.len());
    let (mut a, mut b) = (a.into_iter().peekable(), b.into_iter().peekable());
    loop {
        let take_a = match (a.peek(), b.peek()) {
            (Some(x), Some(y)) => x.time_ns <= y.time_ns,
            (Some(_), None) => true,
            (None, Some(_)) => false,
            (None, None) => return out,
        };
        out.extend(if take_a { a.next() } else { b.next() });
    }
}

fn join(lines: &[SynthLine]) -> Vec<u8> {
    let mut out = Vec::new();
    for l in lines {
        out.extend_from_slice(l.line.as_bytes());
        out.push(b'\n');
    }
    out
}

/// Gzip with no name and a zero mtime, so the bytes depend on content only.
fn gzip(bytes: &[u8]) -> Res<Vec<u8>> {
    let mut gz = flate2::GzBuilder::new()
        .mtime(0)
        .write(Vec::new(), flate2::Compression::best());
    gz.write_all(bytes).map_err(|e| e.to_string())?;
    gz.finish().map_err(|e| e.to_string())
}

#[derive(Deserialize)]
struct ExecLine<'a> {
    #[serde(borrow)]
    process_exec: Option<ExecBody<'a>>,
    #[serde(borrow)]
    process_throttle: Option<&'a RawValue>,
    time: String,
}

#[derive(Deserialize)]
struct ExecBody<'a> {
    #[serde(borrow)]
    process: &'a RawValue,
    #[serde(borrow)]
    parent: &'a RawValue,
}

/// The `tcp_connect` kprobes of the attacker's `nmap -sT` from the
/// authored exec record until Tetragon's rate limit starts (the authored
/// `THROTTLE_START`): hosts of 10.244.0.0/16 in order, ports in nmap's
/// random order, ephemeral source ports.
fn scan_connects(p: &Path) -> Res<Vec<SynthLine>> {
    let text = String::from_utf8(read(p)?).map_err(|e| e.to_string())?;
    let mut nmap: Option<(i64, &RawValue, &RawValue)> = None;
    let mut throttle: Option<i64> = None;
    for line in text.lines() {
        let l: ExecLine =
            serde_json::from_str(line).map_err(|e| format!("{}: {}", p.display(), e))?;
        if let Some(e) = l.process_exec {
            let proc: serde_json::Value =
                serde_json::from_str(e.process.get()).map_err(|e| e.to_string())?;
            if proc["binary"] == "/usr/bin/nmap"
                && proc["arguments"]
                    .as_str()
                    .is_some_and(|a| a.starts_with("-sT"))
            {
                nmap = Some((parse_rfc3339(&l.time).unwrap_or(0), e.process, e.parent));
            }
        }
        if l.process_throttle
            .is_some_and(|t| t.get().contains("THROTTLE_START"))
        {
            throttle = parse_rfc3339(&l.time);
        }
    }
    let (start, process, parent) = nmap.ok_or("tetragon.jsonl: no process_exec of nmap -sT")?;
    let stop = throttle.ok_or("tetragon.jsonl: no THROTTLE_START")?;
    let victim =
        cluster::pod("shop", "cart-7f9c6d8b5-x2k4q").ok_or("no victim pod in the cluster table")?;
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(SEED ^ 0x5ca9);
    let n = SCAN_HOSTS as i64 * 3;
    let step = (stop - start - 40_000_000) / n;
    let mut t = start + 31_000_000;
    let mut sport: u16 = rng.random_range(33000..40000);
    let mut out = Vec::new();
    for h in 0..SCAN_HOSTS {
        let mut ports = [6379u16, 2375, 10250];
        for i in (1..3).rev() {
            ports.swap(i, rng.random_range(0..=i));
        }
        for port in ports {
            t += rng.random_range(step / 2..step * 3 / 2);
            sport = sport.wrapping_add(rng.random_range(1..4));
            let daddr = format!("10.244.{}.{}", h / 256, h % 256);
            let cookie: u64 = rng.random_range(18_446_600_000_000_000_000..u64::MAX);
            let line = synth::tetragon::tcp_connect_line(
                victim.node,
                t,
                process,
                parent,
                victim.ip,
                sport,
                &daddr,
                port,
                cookie,
            );
            out.push(SynthLine {
                time_ns: t,
                node: victim.node,
                line,
            });
        }
    }
    Ok(out)
}
