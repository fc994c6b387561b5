//! Snapshot benchmark: `kordon snapshot` (the real binary, in a child
//! process so that its peak RSS is its own) captures a generated cluster of
//! 5,000 pods (with their Deployments, ReplicaSets, Services and events)
//! from the loopback Kubernetes API server, in pages of 500. The same
//! capture of a cluster ten times smaller, in the same run, is the baseline:
//! memory must not grow with the cluster (streamed into the zip), time
//! roughly linearly. `cargo bench --bench snapshot`; `-- --quick` for a
//! small run that only proves the benchmark works.
//!
//! The API server runs in a process of its own (this binary again, in
//! serving mode), not in the benchmark's: Linux hands a child the parent's
//! peak RSS at exec (`ru_maxrss` after a vfork/fork + exec includes the
//! memory of the process it was spawned from), so a parent holding a
//! generated cluster of 20,000 pods made the snapshot look 300 MiB big.

mod common;

use kordon_test_apiserver::{Cluster, Server};
use serde_json::json;
use std::io::{BufRead, BufReader, Read, Write};
use std::process::{Command, Stdio};
use std::time::Duration;

fn cluster(pods: usize) -> Cluster {
    let mut c = Cluster::empty();
    let namespaces = (pods / 100).max(1);
    for n in 0..namespaces {
        c.add(json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": format!("team-{:03}", n)}}));
    }
    let per_deploy = 10;
    for d in 0..pods / per_deploy {
        let ns = format!("team-{:03}", d % namespaces);
        let app = format!("svc-{:04}", d);
        c.add(json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": app, "namespace": ns, "labels": {"app": app}},
            "spec": {"replicas": per_deploy, "selector": {"matchLabels": {"app": app}}, "template": {"metadata": {"labels": {"app": app}},
            "spec": {"serviceAccountName": app, "containers": [{"name": "app", "image": format!("registry.example/{}:1.{}", app, d % 7)}]}}}}));
        c.add(json!({"apiVersion": "apps/v1", "kind": "ReplicaSet", "metadata": {"name": format!("{}-5d8f7c9b4", app), "namespace": ns, "labels": {"app": app},
            "ownerReferences": [{"apiVersion": "apps/v1", "kind": "Deployment", "name": app, "uid": format!("00000000-0000-4000-8000-{:012}", d), "controller": true}]},
            "spec": {"replicas": per_deploy, "selector": {"matchLabels": {"app": app}}}}));
        c.add(json!({"apiVersion": "v1", "kind": "Service", "metadata": {"name": app, "namespace": ns}, "spec": {"selector": {"app": app}, "ports": [{"port": 8080}]}}));
        c.add(json!({"apiVersion": "v1", "kind": "ServiceAccount", "metadata": {"name": app, "namespace": ns}}));
        for r in 0..per_deploy {
            let name = format!("{}-5d8f7c9b4-{:05}", app, r);
            c.add(json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name, "namespace": ns, "labels": {"app": app, "pod-template-hash": "5d8f7c9b4"},
                "ownerReferences": [{"apiVersion": "apps/v1", "kind": "ReplicaSet", "name": format!("{}-5d8f7c9b4", app), "uid": format!("10000000-0000-4000-8000-{:012}", d), "controller": true}]},
                "spec": {"nodeName": format!("node-{:02}", r), "serviceAccountName": app, "containers": [{"name": "app", "image": format!("registry.example/{}:1.{}", app, d % 7),
                    "resources": {"limits": {"cpu": "500m", "memory": "256Mi"}}, "env": [{"name": "LOG_LEVEL", "value": "info"}]}]},
                "status": {"phase": "Running", "podIP": format!("10.{}.{}.{}", 1 + d / 250, d % 250, r), "hostIP": "10.224.0.4", "startTime": "2026-11-20T08:00:00Z",
                    "containerStatuses": [{"name": "app", "ready": true, "restartCount": 0, "image": format!("registry.example/{}:1.{}", app, d % 7),
                    "containerID": format!("containerd://{:064x}", d * per_deploy + r), "state": {"running": {"startedAt": "2026-11-20T08:00:05Z"}}}]}}));
            c.add(json!({"apiVersion": "v1", "kind": "Event", "metadata": {"name": format!("{}.1", name), "namespace": ns},
                "involvedObject": {"kind": "Pod", "name": name, "namespace": ns}, "reason": "Started", "message": "Started container app", "type": "Normal",
                "firstTimestamp": "2026-11-20T08:00:05Z", "lastTimestamp": "2026-11-20T08:00:05Z", "count": 1}));
        }
    }
    c
}

struct Run {
    elapsed: Duration,
    cpu: Duration,
    peak_rss_kib: u64,
    objects: u64,
    pods: u64,
}

/// Serving mode: holds the generated cluster, writes the kubeconfig, says
/// "ready" and serves until its stdin closes.
const SERVE: &str = "KORDON_BENCH_SERVE";

fn serve(pods: usize, kubeconfig: &str) {
    let server = Server::start(cluster(pods));
    std::fs::write(kubeconfig, server.kubeconfig("bench", None)).expect("kubeconfig");
    println!("ready");
    std::io::stdout().flush().expect("stdout");
    let mut sink = Vec::new();
    let _ = std::io::stdin().read_to_end(&mut sink);
    server.stop();
}

fn snapshot(pods: usize) -> Run {
    let dir = tempfile::tempdir().expect("temp dir");
    let kc = dir.path().join("kubeconfig.yaml");
    let mut server = Command::new(std::env::current_exe().expect("own path"))
        .env(SERVE, format!("{}:{}", pods, kc.display()))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("start the API server process");
    let mut line = String::new();
    BufReader::new(server.stdout.take().expect("stdout")).read_line(&mut line).expect("server says ready");
    assert_eq!(line.trim(), "ready", "API server process");
    let out = dir.path().join("snap.zip");
    let child = common::run(
        Command::new(env!("CARGO_BIN_EXE_kordon")).args(["snapshot", "--json", "--kubeconfig"]).arg(&kc).arg("-o").arg(&out),
        "kordon snapshot",
    );
    drop(server.stdin.take());
    server.wait().expect("API server process ends");
    let report: serde_json::Value = serde_json::from_str(child.stdout.trim()).expect("report");
    let pods_captured = report["kinds"].as_array().unwrap().iter().find(|k| k["kind"] == "Pod").map(|k| k["items"].as_u64().unwrap_or(0)).unwrap_or(0);
    Run { elapsed: child.elapsed, cpu: child.cpu, peak_rss_kib: child.peak_rss_kib, objects: report["objects"].as_u64().unwrap_or(0), pods: pods_captured }
}

fn main() {
    if let Ok(v) = std::env::var(SERVE) {
        let (pods, kc) = v.split_once(':').expect("pods:kubeconfig");
        return serve(pods.parse().expect("pods"), kc);
    }
    let quick = std::env::args().any(|a| a == "--quick");
    let large_env = std::env::var("KORDON_SNAPSHOT_PODS").ok().and_then(|v| v.parse().ok());
    let (small, large) = if quick { (100, 500) } else { (500, large_env.unwrap_or(5_000)) };
    let base = snapshot(small);
    let run = snapshot(large);
    assert_eq!(run.pods, large as u64, "every pod captured");
    let mib = |k: u64| k as f64 / 1024.0;
    for r in [&base, &run] {
        println!(
            "snapshot of {} pods ({} objects): {:.2} s ({:.2} s CPU), peak RSS {:.1} MiB",
            r.pods,
            r.objects,
            r.elapsed.as_secs_f64(),
            r.cpu.as_secs_f64(),
            mib(r.peak_rss_kib)
        );
    }
    let mem_ratio = run.peak_rss_kib as f64 / base.peak_rss_kib.max(1) as f64;
    println!(
        "{}× the cluster: {:.2}× the time, {:.2}× the peak memory (bounded: target ≤ 1.5×: {})",
        large / small,
        run.elapsed.as_secs_f64() / base.elapsed.as_secs_f64().max(1e-9),
        mem_ratio,
        if mem_ratio <= 1.5 { "met" } else { "MISSED" }
    );
}
