//! Writes a large synthetic Kordon bundle for import benchmarks.
//!
//! ```text
//! cargo run --release --example make_bench_bundle -- OUT.zip --audit 1000000 --seed 42
//!     [--falco 20000] [--tetragon 200000]
//! ```
//!
//! The records are routine cluster noise from `kordon::synth` (seeded, so
//! the same arguments give a byte-identical bundle); "1000000 audit events"
//! means one million distinct `auditID`s (about two log lines each).

use std::path::PathBuf;
use std::time::Instant;

fn main() {
    if let Err(e) = run() {
        eprintln!("make_bench_bundle: {}", e);
        std::process::exit(2);
    }
}

fn run() -> Result<(), String> {
    let mut out: Option<PathBuf> = None;
    let (mut audit, mut falco, mut tetragon, mut seed) =
        (1_000_000usize, 20_000usize, 200_000usize, 42u64);
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        let mut num = |name: &str| -> Result<u64, String> {
            let v = args
                .next()
                .ok_or_else(|| format!("{} needs a value", name))?;
            v.replace('_', "")
                .parse::<u64>()
                .map_err(|_| format!("{}: not a number: {}", name, v))
        };
        match a.as_str() {
            "--audit" => audit = num("--audit")? as usize,
            "--falco" => falco = num("--falco")? as usize,
            "--tetragon" => tetragon = num("--tetragon")? as usize,
            "--seed" => seed = num("--seed")?,
            "-h" | "--help" => {
                println!("usage: make_bench_bundle OUT.zip [--audit N] [--falco N] [--tetragon N] [--seed S]");
                return Ok(());
            }
            s if s.starts_with('-') => return Err(format!("unknown option {}", s)),
            s => out = Some(PathBuf::from(s)),
        }
    }
    let out = out.ok_or(
        "usage: make_bench_bundle OUT.zip [--audit N] [--falco N] [--tetragon N] [--seed S]",
    )?;
    let started = Instant::now();
    let manifest = kordon::synth::write_large_bundle(&out, seed, audit, falco, tetragon)
        .map_err(|e| e.to_string())?;
    let size = std::fs::metadata(&out).map(|m| m.len()).unwrap_or(0);
    println!(
        "{}: {} audit requests, {} Falco alerts, {} Tetragon events (seed {}), {} files, {:.1} MB, {:.1} s",
        out.display(),
        audit,
        falco,
        tetragon,
        seed,
        manifest.files.len(),
        size as f64 / 1e6,
        started.elapsed().as_secs_f64()
    );
    Ok(())
}
