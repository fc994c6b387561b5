//! `kordon-fake-cluster`: runs the test API server as a process, for tests
//! and demos that drive Kordon's binary rather than its library.
//!
//! ```text
//! kordon-fake-cluster --seed FILE.json [--seed FILE2.json]... --kubeconfig OUT.yaml
//!                     [--context NAME] [--namespace NS] [--exit-on-stdin-eof]
//! ```
//! Prints the server URL on stdout once the kubeconfig is written, then
//! serves until killed (or, with `--exit-on-stdin-eof`, until stdin closes).

use std::io::{Read, Write};
use std::process::ExitCode;

use kordon_test_apiserver::{Cluster, Server};

struct Args {
    seeds: Vec<String>,
    kubeconfig: String,
    context: String,
    namespace: Option<String>,
    exit_on_stdin_eof: bool,
}

const USAGE: &str = "usage: kordon-fake-cluster --seed FILE.json [--seed FILE.json]... --kubeconfig OUT.yaml [--context NAME] [--namespace NS] [--exit-on-stdin-eof]";

fn parse_args() -> Result<Args, String> {
    let mut seeds = Vec::new();
    let mut kubeconfig = None;
    let mut context = "kordon-fake".to_string();
    let mut namespace = None;
    let mut exit_on_stdin_eof = false;
    let mut it = std::env::args().skip(1);
    while let Some(arg) = it.next() {
        let (flag, inline) = match arg.split_once('=') {
            Some((f, v)) if f.starts_with("--") => (f.to_string(), Some(v.to_string())),
            _ => (arg.clone(), None),
        };
        let mut value = || inline.clone().or_else(|| it.next()).ok_or_else(|| format!("{flag} needs a value"));
        match flag.as_str() {
            "--seed" => seeds.push(value()?),
            "--kubeconfig" => kubeconfig = Some(value()?),
            "--context" => context = value()?,
            "--namespace" => namespace = Some(value()?),
            "--exit-on-stdin-eof" => exit_on_stdin_eof = true,
            "-h" | "--help" => return Err(USAGE.to_string()),
            other => return Err(format!("unknown argument {other:?}\n{USAGE}")),
        }
    }
    let kubeconfig = kubeconfig.ok_or_else(|| format!("--kubeconfig is required\n{USAGE}"))?;
    Ok(Args { seeds, kubeconfig, context, namespace, exit_on_stdin_eof })
}

fn run() -> Result<(), String> {
    let args = parse_args()?;
    let mut cluster = Cluster::empty();
    for seed in &args.seeds {
        let bytes = std::fs::read(seed).map_err(|e| format!("{seed}: {e}"))?;
        let doc = serde_json::from_slice(&bytes).map_err(|e| format!("{seed}: not JSON: {e}"))?;
        cluster.add_document(doc).map_err(|e| format!("{seed}: {e}"))?;
    }
    let server = Server::try_start(cluster)?;
    std::fs::write(&args.kubeconfig, server.kubeconfig(&args.context, args.namespace.as_deref()))
        .map_err(|e| format!("{}: {e}", args.kubeconfig))?;
    let mut out = std::io::stdout();
    writeln!(out, "{}", server.url()).and_then(|_| out.flush()).map_err(|e| format!("stdout: {e}"))?;
    if args.exit_on_stdin_eof {
        let mut sink = Vec::new();
        let _ = std::io::stdin().read_to_end(&mut sink);
        server.stop();
        return Ok(());
    }
    loop {
        std::thread::park();
    }
}

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("kordon-fake-cluster: {e}");
            ExitCode::from(2)
        }
    }
}
