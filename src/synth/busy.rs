//! One incident buried in context: three Falco shell alerts on pod
//! `shop/big-pod` over 100 minutes and 10,000 audit requests about that pod
//! between them. What a report or a view of one incident must stay fast and
//! readable with (`benches/report.rs`, `tests/report.rs`).

use std::io;
use std::path::{Path, PathBuf};

/// Writes `falco.jsonl` and `audit.jsonl` into `dir`; returns their paths.
pub fn write_busy_incident(dir: &Path) -> io::Result<[PathBuf; 2]> {
    let base: i64 = 1_795_150_000; // 2026-11-20T03:26:40Z
    let time = |secs: i64| crate::time::format_ns(secs * 1_000_000_000)[..19].to_string();
    let mut falco = String::new();
    for (n, secs) in [0i64, 3_000, 6_000].iter().enumerate() {
        falco.push_str(
            &serde_json::json!({
                "hostname": "node-1", "output": "Terminal shell in container", "priority": "Notice", "rule": "Terminal shell in container",
                "source": "syscall", "tags": ["T1059", "container", "mitre_execution"], "time": format!("{}.000000000Z", time(base + secs)),
                "output_fields": {"container.id": "abcdef123456", "container.name": "web", "evt.time": (base + secs) * 1_000_000_000,
                    "k8s.ns.name": "shop", "k8s.pod.name": "big-pod", "proc.cmdline": format!("sh -c id{}", n), "proc.exepath": "/bin/sh",
                    "proc.name": "sh", "proc.pid": 100 + n, "user.name": "root"}
            })
            .to_string(),
        );
        falco.push('\n');
    }
    let mut audit = String::new();
    for i in 0..10_000i64 {
        let at = time(base + 1 + i * 5999 / 10_000);
        audit.push_str(
            &serde_json::json!({
                "kind": "Event", "apiVersion": "audit.k8s.io/v1", "level": "Metadata", "auditID": format!("00000000-0000-4000-8000-{:012}", i),
                "stage": "ResponseComplete", "requestURI": "/api/v1/namespaces/shop/pods/big-pod", "verb": "get",
                "user": {"username": "system:serviceaccount:shop:watcher", "groups": ["system:serviceaccounts", "system:authenticated"]},
                "sourceIPs": ["10.244.1.7"], "userAgent": "watcher/1.0",
                "objectRef": {"resource": "pods", "namespace": "shop", "name": "big-pod", "apiVersion": "v1"},
                "responseStatus": {"metadata": {}, "code": 200},
                "requestReceivedTimestamp": format!("{}.000000Z", at), "stageTimestamp": format!("{}.000100Z", at),
                "annotations": {"authorization.k8s.io/decision": "allow", "authorization.k8s.io/reason": ""}
            })
            .to_string(),
        );
        audit.push('\n');
    }
    let (f, a) = (dir.join("falco.jsonl"), dir.join("audit.jsonl"));
    std::fs::write(&f, falco)?;
    std::fs::write(&a, audit)?;
    Ok([f, a])
}
