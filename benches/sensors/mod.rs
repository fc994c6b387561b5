//! The import benchmark's largest sensor exports: Cilium Hubble flows
//! (`hubble observe -o json`) and Defender XDR `CloudProcessEvents`
//! streaming records, each generated at volume and imported through the
//! real binary into a fresh case. The target is absolute — at least 50,000
//! records a second on this machine — and each is also put beside the plain
//! audit log's import of the same number of lines in the same round (the
//! files alternate round by round, so a slow spell of a shared machine
//! falls on all of them): a flow costs more than an audit line (it names
//! two endpoints and their workloads), and the ratio says how much more.
//!
//! The files are gzip JSON Lines on tmpfs when the machine has one: what is
//! measured is parsing and storing, not the disk.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

/// Records a second every sensor shape must reach.
const TARGET: f64 = 50_000.0;

struct Shape {
    name: &'static str,
    path: PathBuf,
    records: usize,
}

/// The checks of this phase: (what, passed).
pub fn run(disk: &Path, records: usize, rounds: usize) -> Vec<(String, bool)> {
    let tmpfs = Path::new("/dev/shm");
    let scratch = tmpfs.is_dir().then(|| tempfile::tempdir_in(tmpfs).ok()).flatten();
    // KORDON_BENCH_KEEP=DIR keeps the files there, to profile one.
    let keep = std::env::var_os("KORDON_BENCH_KEEP").map(PathBuf::from);
    let dir = keep.as_deref().or(scratch.as_ref().map(|d| d.path())).unwrap_or(disk);
    let shapes = [
        write(dir, "plain audit.log", "audit.log.gz", records, &|w, n| {
            for l in super::envelopes::generate_lines(dir, n) {
                writeln!(w, "{}", l).expect("write");
            }
        }),
        write(dir, "Hubble flows", "hubble-flows.json.gz", records, &|w, n| {
            for i in 0..n {
                writeln!(w, "{}", flow(i)).expect("write");
            }
        }),
        write(dir, "Defender XDR processes", "xdr-process-events.json.gz", records, &|w, n| {
            for i in 0..n {
                writeln!(w, "{}", process_event(i)).expect("write");
            }
        }),
    ];
    // shape → per-round (elapsed, records)
    let mut times: Vec<Vec<(Duration, u64)>> = vec![Vec::new(); shapes.len()];
    for r in 0..rounds {
        let order: Vec<usize> = if r % 2 == 0 { (0..shapes.len()).collect() } else { (0..shapes.len()).rev().collect() };
        for i in order {
            let case = dir.join(format!("sensor-{}-{}.kordon", i, r));
            let child = super::common::run(
                Command::new(env!("CARGO_BIN_EXE_kordon")).arg("--case").arg(&case).args(["import", "--json"]).arg(&shapes[i].path),
                "kordon import",
            );
            let summary: serde_json::Value = serde_json::from_str(child.stdout.trim()).expect("summary");
            assert_eq!(summary["parse_errors"], 0, "{}: {}", shapes[i].name, summary);
            times[i].push((child.elapsed, summary["records"].as_u64().unwrap_or(shapes[i].records as u64)));
            super::remove_case(&case);
        }
    }
    let per_record = |(t, n): (Duration, u64)| t.as_secs_f64() / n.max(1) as f64;
    println!("\nSensor exports: {} records each, median of {} round(s)", records, rounds);
    println!("{:>24} {:>10} {:>9} {:>11} {:>12} {:>17}", "shape", "records", "import s", "records/s", "µs/record", "× audit line cost");
    let mut checks = Vec::new();
    for (i, (shape, t)) in shapes.iter().zip(&times).enumerate() {
        let mut sorted = t.clone();
        sorted.sort_by_key(|x| x.0);
        let (elapsed, n) = sorted[sorted.len() / 2];
        let rate = n as f64 / elapsed.as_secs_f64();
        let mut ratios: Vec<f64> = t.iter().zip(&times[0]).map(|(s, b)| per_record(*s) / per_record(*b)).collect();
        ratios.sort_by(f64::total_cmp);
        println!(
            "{:>24} {:>10} {:>9.2} {:>11.0} {:>12.2} {:>17.2}",
            shape.name,
            n,
            elapsed.as_secs_f64(),
            rate,
            per_record((elapsed, n)) * 1e6,
            ratios[ratios.len() / 2]
        );
        if i > 0 {
            checks.push((format!("{}: records/s >= 50,000", shape.name), rate >= TARGET));
        }
    }
    checks
}

fn write(dir: &Path, name: &'static str, file: &str, records: usize, body: &dyn Fn(&mut dyn Write, usize)) -> Shape {
    let path = dir.join(file);
    let mut w = super::envelopes::gz(&path);
    body(&mut w, records);
    super::envelopes::finish(w);
    Shape { name, path, records }
}

/// The cluster's pods the generated traffic moves between: a shop of a few
/// dozen replicas, as a real flow log names the same pods over and over.
fn pod(i: usize) -> (&'static str, String, &'static str) {
    const APPS: [(&str, &str, &str); 6] = [
        ("shop", "cart", "7f9c6d8b5"),
        ("shop", "catalog", "6d5f8b7c9"),
        ("shop", "checkout", "5c8d7f6b4"),
        ("shop", "storefront", "8b6c5d9f7"),
        ("monitoring", "prometheus", "74d9c8b6f"),
        ("kube-system", "coredns", "6f4b9d8c7"),
    ];
    let (ns, app, hash) = APPS[i % APPS.len()];
    (ns, format!("{}-{}-{:05x}", app, hash, (i / APPS.len()) % 8 * 7919), app)
}

fn endpoint(i: usize, cluster: &str) -> serde_json::Value {
    let (ns, name, app) = pod(i);
    serde_json::json!({
        "ID": 1000 + i % 97, "identity": 30000 + i % 41, "cluster_name": cluster, "namespace": ns,
        "labels": [format!("k8s:app={}", app), format!("k8s:io.kubernetes.pod.namespace={}", ns)],
        "pod_name": name, "workloads": [{"name": app, "kind": "Deployment"}],
    })
}

/// One `hubble observe -o json` line: pod to pod mostly, every tenth to an
/// address outside the cluster, one in fifty dropped by policy.
fn flow(i: usize) -> serde_json::Value {
    let cluster = "aks-shop-prod";
    let ns = 1_700_000_000_000_000_000u64 + i as u64 * 1_000_000;
    let time = kordon::time::format_ns(ns as i64);
    let world = i % 10 == 9;
    let dropped = i % 50 == 7;
    let src = endpoint(i * 7, cluster);
    let dst = if world {
        serde_json::json!({"identity": 2, "labels": ["reserved:world"]})
    } else {
        endpoint(i * 7 + 3, cluster)
    };
    let dst_ip = if world { format!("198.51.100.{}", i % 250 + 1) } else { format!("10.244.{}.{}", i % 3, i % 200 + 2) };
    let port = [6379, 443, 8080, 53, 5432][i % 5];
    let mut flow = serde_json::json!({
        "time": time, "uuid": format!("{:08x}-{:04x}-4{:03x}-8{:03x}-{:012x}", i, i % 65536, i % 4096, (i / 7) % 4096, i * 31),
        "verdict": if dropped { "DROPPED" } else { "FORWARDED" },
        "IP": {"source": format!("10.244.{}.{}", i % 3, i % 200 + 10), "destination": dst_ip, "ipVersion": "IPv4"},
        "l4": {"TCP": {"source_port": 32768 + i % 28000, "destination_port": port, "flags": {"SYN": true}}},
        "source": src, "destination": dst, "Type": "L3_L4",
        "node_name": format!("{}/aks-nodepool1-31415926-vmss00000{}", cluster, i % 3),
        "event_type": {"type": if dropped { 1 } else { 4 }, "sub_type": if dropped { 133 } else { 4 }},
        "traffic_direction": "EGRESS", "is_reply": false, "Summary": "TCP Flags: SYN",
    });
    if dropped {
        flow["drop_reason"] = 133.into();
        flow["drop_reason_desc"] = "POLICY_DENIED".into();
    }
    serde_json::json!({"flow": flow, "node_name": flow["node_name"], "time": time})
}

/// A pod's one container, as a 64-hex runtime id (the same for every
/// process the pod runs).
fn container_id(pod: &str) -> String {
    let h = pod.bytes().fold(0xcbf2_9ce4_8422_2325u64, |h, b| (h ^ b as u64).wrapping_mul(0x100_0000_01b3));
    format!("{:016x}", h).repeat(4)
}

/// One Defender XDR streaming-API record of `CloudProcessEvents`, as a
/// storage account holds them (one JSON object per line).
fn process_event(i: usize) -> serde_json::Value {
    let ns = 1_700_000_000_000_000_000u64 + i as u64 * 1_000_000;
    let time = kordon::time::format_ns(ns as i64);
    let (namespace, pod_name, app) = pod(i);
    let (file, folder, cmd) = [
        ("sh", "/bin/sh", "sh -c 'wget -qO- http://localhost:8080/healthz'"),
        ("python3", "/usr/bin/python3", "python3 /app/worker.py --queue cart"),
        ("curl", "/usr/bin/curl", "curl -s http://catalog.shop.svc:8080/items"),
        ("node", "/usr/local/bin/node", "node /app/server.js"),
    ][i % 4];
    serde_json::json!({
        "time": time, "tenantId": "0f4c2a9e-7b1d-4e3a-9c58-2d6b8e1f4a73", "operationName": "Publish",
        "category": "AdvancedHunting-CloudProcessEvents", "_TimeReceivedBySvc": time,
        "properties": {
            "Timestamp": time,
            "AzureResourceId": "/subscriptions/54d48471-7e44-4d95-ab1c-e684b446f762/resourceGroups/rg-shop-prod/providers/Microsoft.ContainerService/managedClusters/aks-shop-prod",
            "AwsResourceName": "", "GcpFullResourceName": "",
            "ContainerImageName": format!("shopregistry.azurecr.io/shop/{}:2.3.1", app),
            "KubernetesNamespace": namespace, "KubernetesPodName": pod_name,
            "KubernetesResource": format!("{}/deployment/{}", namespace, app),
            "ContainerName": app, "ContainerId": format!("containerd://{}", container_id(&pod_name)),
            "ActionType": "ProcessCreated", "FileName": file, "FolderPath": folder,
            "ProcessId": 100_000 + i % 900_000, "ProcessName": file, "ParentProcessName": "containerd-shim",
            "ParentProcessId": 4000 + i % 50, "ProcessCommandLine": cmd, "ProcessCreationTime": time,
            "ProcessCurrentWorkingDirectory": "/app", "AccountName": "root", "LogonId": 0,
            "InitiatingProcessId": 4000 + i % 50, "AdditionalFields": "{\"ProcessPosixSessionId\":1}",
        },
    })
}
