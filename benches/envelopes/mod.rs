//! The import benchmark's managed-cluster shapes: the same generated audit
//! log imported bare and as AKS, EKS and GKE export it at volume (storage
//! blobs, Event Hub messages, `filter-log-events` pages, Firehose objects, a
//! Cloud Logging sink), each through the real binary into a fresh case.
//! Unwrapping must not make an import slow: an audit event (a request, the
//! unit all shapes share) imported through a cloud envelope may cost at most
//! 1.3 times what it costs from the plain log, measured in the same run:
//! the shapes alternate round by round, each round's ratios are taken
//! against that round's plain import (a slow spell of the machine falls on
//! both), and the median round's ratio is the figure.
//!
//! Every file is gzip, as the real exports are (an `audit.log.gz`, S3
//! objects of Firehose, blobs and sinks downloaded compressed), so each
//! side pays the same inflating. The Log Analytics and Logs Insights
//! downloads are left out: both services cap a download at tens of
//! thousands of rows, so they are never the bulk of an import.

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

/// One way of writing the log, and where it went.
struct Shape {
    name: &'static str,
    path: PathBuf,
}

/// The checks of this phase: (what, passed). The files and cases go to
/// tmpfs when the machine has one: what is measured is unwrapping, not the
/// disk, whose speed on a shared machine varies more than the difference.
pub fn run(disk: &Path, lines: usize, runs: usize) -> Vec<(String, bool)> {
    let tmpfs = Path::new("/dev/shm");
    let scratch = tmpfs.is_dir().then(|| tempfile::tempdir_in(tmpfs).ok()).flatten();
    // KORDON_BENCH_KEEP=DIR keeps the shapes' files there, to profile one.
    let keep = std::env::var_os("KORDON_BENCH_KEEP").map(PathBuf::from);
    let dir = keep.as_deref().or(scratch.as_ref().map(|d| d.path())).unwrap_or(disk);
    let audit = generate_lines(dir, lines);
    let shapes = write_shapes(dir, &audit);
    drop(audit);
    // shape → per-run (elapsed, events)
    let mut times: Vec<Vec<(Duration, u64, Duration)>> = vec![Vec::new(); shapes.len()];
    for r in 0..runs {
        // Alternate the order run by run, so a slow spell does not fall on
        // one shape only.
        let order: Vec<usize> = if r % 2 == 0 { (0..shapes.len()).collect() } else { (0..shapes.len()).rev().collect() };
        for i in order {
            let case = dir.join(format!("envelope-{}-{}.kordon", shapes[i].name, r));
            let child = super::common::run(
                Command::new(env!("CARGO_BIN_EXE_kordon")).arg("--case").arg(&case).args(["import", "--json"]).arg(&shapes[i].path),
                "kordon import",
            );
            let summary: serde_json::Value = serde_json::from_str(child.stdout.trim()).expect("summary");
            assert_eq!(summary["parse_errors"], 0, "{}: {}", shapes[i].name, summary);
            let events = summary["events_new"].as_u64().unwrap_or(0);
            times[i].push((child.elapsed, events, child.cpu));
            super::remove_case(&case);
        }
    }
    let median = |v: &[(Duration, u64, Duration)]| {
        let mut v = v.to_vec();
        v.sort_by_key(|x| x.0);
        v[v.len() / 2]
    };
    let per_event = |(t, events, _): (Duration, u64, Duration)| t.as_secs_f64() / events.max(1) as f64;
    let base_events = median(&times[0]).1;
    println!("\nManaged-cluster shapes: the same audit log, per audit event (request), {} round(s)", runs);
    println!("{:>26} {:>10} {:>9} {:>8} {:>12} {:>7} {:>12}", "shape", "events", "import s", "CPU s", "µs/event", "ratio", "ratio range");
    let mut checks = Vec::new();
    for (shape, t) in shapes.iter().zip(&times) {
        let (elapsed, events, cpu) = median(t);
        let per = elapsed.as_secs_f64() / events.max(1) as f64;
        // Each round's ratio against the plain import of the same round.
        let mut ratios: Vec<f64> = t.iter().zip(&times[0]).map(|(s, b)| per_event(*s) / per_event(*b)).collect();
        ratios.sort_by(f64::total_cmp);
        let ratio = ratios[ratios.len() / 2];
        println!(
            "{:>26} {:>10} {:>9.2} {:>8.1} {:>12.2} {:>7.2} {:>5.2}–{:<5.2}",
            shape.name,
            events,
            elapsed.as_secs_f64(),
            cpu.as_secs_f64(),
            per * 1e6,
            ratio,
            ratios[0],
            ratios[ratios.len() - 1]
        );
        assert_eq!(events, base_events, "{} imports as many audit events as the plain log", shape.name);
        if shape.name != "plain audit.log" {
            checks.push((format!("{}: an audit event costs <= 1.3x the plain log's", shape.name), ratio <= 1.3));
        }
    }
    checks
}

/// The audit log lines of a generated bundle of about `lines` lines.
pub fn generate_lines(dir: &Path, lines: usize) -> Vec<String> {
    let bundle = dir.join("envelopes-source.zip");
    let requests = (lines as u64 * 10 / 22).max(1) as usize;
    kordon::synth::write_large_bundle(&bundle, 7, requests, 0, 0).expect("generate bundle");
    let mut zip = zip::ZipArchive::new(std::fs::File::open(&bundle).expect("bundle")).expect("zip");
    let entry = zip.by_name("audit/kube-apiserver-audit.log.gz").expect("audit entry");
    let out: Vec<String> = BufReader::new(flate2::read::GzDecoder::new(entry)).lines().map(|l| l.expect("line")).collect();
    let _ = std::fs::remove_file(&bundle);
    out
}

pub fn gz(path: &Path) -> flate2::write::GzEncoder<std::io::BufWriter<std::fs::File>> {
    let f = std::fs::File::create(path).expect("create");
    flate2::write::GzEncoder::new(std::io::BufWriter::with_capacity(1 << 20, f), flate2::Compression::fast())
}

pub fn finish(w: flate2::write::GzEncoder<std::io::BufWriter<std::fs::File>>) {
    w.finish().expect("gzip").flush().expect("flush");
}

const AKS_ID: &str = "/SUBSCRIPTIONS/54D48471-7E44-4D95-AB1C-E684B446F762/RESOURCEGROUPS/RG-SHOP-PROD/PROVIDERS/MICROSOFT.CONTAINERSERVICE/MANAGEDCLUSTERS/AKS-SHOP-PROD";

/// An AKS resource-log record of one audit line.
fn aks_record(line: &str, time: &str) -> serde_json::Value {
    serde_json::json!({
        "operationName": "Microsoft.ContainerService/managedClusters/diagnosticLogs/Read",
        "category": "kube-audit",
        "ccpNamespace": "6560f1e7c3a8a90001d4b2f9",
        "resourceId": AKS_ID,
        "properties": {"log": format!("{}\n", line), "stream": "stdout", "pod": "kube-apiserver-6b9c8f7d4-w4k7p"},
        "time": time,
        "Cloud": "AzureCloud",
        "Environment": "prod",
        "UnderlayClass": "hcp-underlay",
        "UnderlayName": "hcp-underlay-westeurope-cx-412",
    })
}

/// The parts of an audit line the envelopes repeat.
fn stage_time(line: &str) -> (String, i64) {
    let v: serde_json::Value = serde_json::from_str(line).expect("audit line");
    let t = v["stageTimestamp"].as_str().unwrap_or("2026-11-20T00:00:00.000000Z").to_string();
    let ns = kordon::time::parse_rfc3339(&t).unwrap_or(0);
    (t, ns / 1_000_000)
}

fn write_shapes(dir: &Path, lines: &[String]) -> Vec<Shape> {
    let mut shapes = Vec::new();
    let mut add = |name: &'static str, file: &str, write: &dyn Fn(&mut dyn Write)| {
        let path = dir.join(file);
        let mut w = gz(&path);
        write(&mut w);
        finish(w);
        shapes.push(Shape { name, path });
    };
    add("plain audit.log", "audit.log.gz", &|w| {
        for l in lines {
            writeln!(w, "{}", l).expect("write");
        }
    });
    add("AKS storage blob", "PT1H.json.gz", &|w| {
        for l in lines {
            let (t, _) = stage_time(l);
            writeln!(w, "{}", aks_record(l, &t)).expect("write");
        }
    });
    add("AKS Event Hub messages", "event-hub.json.gz", &|w| {
        for chunk in lines.chunks(500) {
            let records: Vec<serde_json::Value> = chunk.iter().map(|l| aks_record(l, &stage_time(l).0)).collect();
            writeln!(w, "{}", serde_json::json!({ "records": records })).expect("write");
        }
    });
    add("EKS filter-log-events", "filter-log-events.json.gz", &|w| {
        for (p, chunk) in lines.chunks(10_000).enumerate() {
            let events: Vec<serde_json::Value> = chunk
                .iter()
                .enumerate()
                .map(|(i, l)| {
                    let ms = stage_time(l).1;
                    serde_json::json!({
                        "logStreamName": "kube-apiserver-audit-8d1c6e2b4f7a49d3a2c5e9b1f0d7a6c3",
                        "timestamp": ms, "message": l, "ingestionTime": ms + 1187,
                        "eventId": format!("3794{:022}{:030}", ms, p * 10_000 + i),
                    })
                })
                .collect();
            let page = serde_json::json!({"events": events, "searchedLogStreams": [], "nextToken": format!("page-{}", p + 1)});
            writeln!(w, "{}", serde_json::to_string_pretty(&page).expect("json")).expect("write");
        }
    });
    add("EKS Firehose objects", "firehose.gz", &|w| {
        for (p, chunk) in lines.chunks(500).enumerate() {
            let events: Vec<serde_json::Value> = chunk
                .iter()
                .enumerate()
                .map(|(i, l)| serde_json::json!({"id": format!("3794{:052}", p * 500 + i), "timestamp": stage_time(l).1, "message": l}))
                .collect();
            write!(
                w,
                "{}",
                serde_json::json!({
                    "messageType": "DATA_MESSAGE", "owner": "111122223333", "logGroup": "/aws/eks/eks-shop-prod/cluster",
                    "logStream": "kube-apiserver-audit-8d1c6e2b4f7a49d3a2c5e9b1f0d7a6c3",
                    "subscriptionFilters": ["kordon-audit-to-firehose"], "logEvents": events,
                })
            )
            .expect("write");
        }
    });
    add("GKE Cloud Logging sink", "gke-sink.json.gz", &|w| {
        for entry in gke_entries(lines) {
            writeln!(w, "{}", entry).expect("write");
        }
    });
    shapes
}

/// One `LogEntry` per request, from its final stage, as GKE writes it.
fn gke_entries(lines: &[String]) -> Vec<serde_json::Value> {
    let mut best: std::collections::HashMap<String, (i32, serde_json::Value)> = Default::default();
    let mut order = Vec::new();
    for l in lines {
        let ev: serde_json::Value = serde_json::from_str(l).expect("audit line");
        let id = ev["auditID"].as_str().unwrap_or_default().to_string();
        let sub = ev["objectRef"]["subresource"].as_str();
        let long = ev["verb"] == "watch" || matches!(sub, Some("exec" | "attach" | "portforward"));
        let rank = match ev["stage"].as_str() {
            Some("ResponseStarted") if long => 35,
            Some("ResponseComplete") => 30,
            Some("ResponseStarted") => 20,
            _ => 10,
        };
        match best.get(&id) {
            Some((r, _)) if *r >= rank => {}
            None => {
                order.push(id.clone());
                best.insert(id, (rank, ev));
            }
            Some(_) => {
                best.insert(id, (rank, ev));
            }
        }
    }
    order.into_iter().map(|id| gke_entry(&best[&id].1)).collect()
}

fn gke_entry(ev: &serde_json::Value) -> serde_json::Value {
    let r = &ev["objectRef"];
    let s = |v: &serde_json::Value| v.as_str().unwrap_or_default().to_string();
    let group = r["apiGroup"].as_str().filter(|g| !g.is_empty()).unwrap_or("core");
    let version = r["apiVersion"].as_str().unwrap_or("v1");
    let verb = s(&ev["verb"]);
    let (method, resource) = if r.is_object() {
        let mut m = format!("io.k8s.{}.{}.{}", group, version, s(&r["resource"]));
        let mut res = format!("{}/{}", group, version);
        if let Some(ns) = r["namespace"].as_str().filter(|_| r["resource"] != "namespaces") {
            res.push_str(&format!("/namespaces/{}", ns));
        }
        res.push_str(&format!("/{}", s(&r["resource"])));
        if let Some(n) = r["name"].as_str() {
            res.push_str(&format!("/{}", n));
        }
        if let Some(sub) = r["subresource"].as_str() {
            m.push_str(&format!(".{}", sub));
            res.push_str(&format!("/{}", sub));
        }
        (format!("{}.{}", m, verb), res)
    } else {
        (format!("io.k8s.{}", verb), s(&ev["requestURI"]).split('?').next().unwrap_or("").trim_start_matches('/').to_string())
    };
    let code = ev["responseStatus"]["code"].as_u64().unwrap_or(200);
    let mut payload = serde_json::json!({
        "@type": "type.googleapis.com/google.cloud.audit.AuditLog",
        "authenticationInfo": {"principalEmail": s(&ev["user"]["username"])},
        "authorizationInfo": [{"granted": code != 403, "permission": method, "resource": resource}],
        "methodName": method,
        "requestMetadata": {"callerIp": ev["sourceIPs"][0].as_str().unwrap_or("gce-internal-ip"), "callerSuppliedUserAgent": s(&ev["userAgent"])},
        "resourceName": resource,
        "serviceName": "k8s.io",
        "status": {},
    });
    if code >= 400 {
        payload["status"] = serde_json::json!({"code": if code == 403 { 7 } else if code == 404 { 5 } else { 2 }, "message": "error"});
        payload["response"] = serde_json::json!({"@type": "core.k8s.io/v1.Status", "apiVersion": "v1", "kind": "Status", "code": code, "status": "Failure", "metadata": {}});
    }
    let log = if matches!(verb.as_str(), "get" | "list" | "watch") { "data_access" } else { "activity" };
    let mut entry = serde_json::json!({
        "insertId": s(&ev["auditID"]),
        "labels": ev["annotations"],
        "logName": format!("projects/shop-prod-4821/logs/cloudaudit.googleapis.com%2F{}", log),
        "operation": {"first": true, "id": s(&ev["auditID"]), "last": true, "producer": "k8s.io"},
        "protoPayload": payload,
        "receiveTimestamp": s(&ev["stageTimestamp"]),
        "resource": {"labels": {"cluster_name": "gke-shop-prod", "location": "europe-west1", "project_id": "shop-prod-4821"}, "type": "k8s_cluster"},
        "timestamp": s(&ev["requestReceivedTimestamp"]),
    });
    if entry["labels"].is_null() {
        entry.as_object_mut().expect("an entry").remove("labels");
    }
    entry
}
