//! Routine Falco alerts (`json_output: true`), the benign noise that every
//! Falco deployment on Kubernetes produces.
//!
//! The loudest is "Contact K8S API Server From Container" (Notice): any
//! in-cluster client of the API server trips it — Prometheus' service
//! discovery, kube-state-metrics, Grafana's dashboard sidecar — all day long.
//! An investigator must see these as their own low-value cluster of alerts,
//! not as part of an attack that also contacts the API server, so they are
//! generated with the exact shape real ones have: keys in Falco's (sorted)
//! order, `time` with nine fraction digits, `output` text with the date-less
//! `HH:MM:SS.nnnnnnnnn: Priority` prefix and the appended
//! `suggested_output` fields, `output_fields` with integer `evt.time`
//! nanoseconds, 12-hex `container.id`, `proc.name` cut to the kernel's 15
//! characters, and `null` for values Falco could not resolve (shown `<NA>`
//! in the text). The story's Falco is configured to append `proc_pid=%proc.pid`
//! (`append_output`), so that its alerts can be joined with Tetragon's
//! processes by host pid.

use super::cluster::{Container, Pod, API_SERVICE_IP, PODS};
use super::{fmt_clock, fmt_nanos, rng, Slots, SynthLine};
use rand::Rng;
use rand_chacha::ChaCha8Rng;
use serde::Serialize;
use serde_json::Value;
use std::collections::BTreeMap;

const STREAM: u64 = 2;

/// Routine Falco alert lines (one alert per line) spread over
/// `[start_ns, end_ns)`, in time order.
pub fn falco_lines(
    seed: u64,
    start_ns: i64,
    end_ns: i64,
    count: usize,
) -> impl Iterator<Item = String> {
    falco_alerts(seed, start_ns, end_ns, count).map(|l| l.line)
}

/// As [`falco_lines`], with each alert's time and node (Falco's `hostname`).
pub fn falco_alerts(
    seed: u64,
    start_ns: i64,
    end_ns: i64,
    count: usize,
) -> impl Iterator<Item = SynthLine> {
    let mut r = rng(seed, STREAM);
    let mut slots = Slots::new(start_ns, end_ns, count);
    std::iter::from_fn(move || {
        let t = slots.peek(&mut r)?;
        slots.consume();
        Some(routine_alert(&mut r, t))
    })
}

/// One Falco JSON alert, keys in the order Falco writes them (sorted).
#[derive(Serialize)]
pub(crate) struct AlertOut<'a> {
    pub hostname: &'a str,
    pub output: String,
    pub output_fields: BTreeMap<&'static str, Value>,
    pub priority: &'static str,
    pub rule: &'static str,
    pub source: &'static str,
    pub tags: &'static [&'static str],
    pub time: String,
}

/// Falco's `proc.name`: the kernel `comm`, at most 15 bytes.
pub(crate) fn comm(binary: &str) -> String {
    let base = binary.rsplit('/').next().unwrap_or(binary);
    base.chars().take(15).collect()
}

fn text(v: &Value) -> String {
    match v {
        Value::Null => "<NA>".to_string(),
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// Splits `repo:tag` as Falco's container plugin reports it.
fn repo_tag(image: &str) -> (&str, &str) {
    match image.rsplit_once(':') {
        Some((r, t)) if !t.contains('/') => (r, t),
        _ => (image, ""),
    }
}

/// "Contact K8S API Server From Container" for a container's main process.
fn contact_api_server(
    r: &mut ChaCha8Rng,
    t: i64,
    pod: &Pod,
    c: &Container,
    user_name: Option<&str>,
) -> SynthLine {
    let lport: u16 = r.random_range(32768..61000);
    let name = comm(c.binary);
    let cmdline = if c.args.is_empty() {
        name.clone()
    } else {
        format!("{} {}", name, c.args)
    };
    let (repo, tag) = repo_tag(c.image);
    let mut f: BTreeMap<&'static str, Value> = BTreeMap::new();
    f.insert("container.id", Value::from(&c.id[..12]));
    f.insert("container.image.repository", Value::from(repo));
    f.insert("container.image.tag", Value::from(tag));
    f.insert("container.name", Value::from(c.name));
    f.insert("evt.time", Value::from(t));
    f.insert("evt.type", Value::from("connect"));
    f.insert("fd.l4proto", Value::from("tcp"));
    f.insert("fd.lport", Value::from(lport));
    f.insert(
        "fd.name",
        Value::from(format!("{}:{}->{}:443", pod.ip, lport, API_SERVICE_IP)),
    );
    f.insert("fd.rport", Value::from(443));
    f.insert("fd.type", Value::from("ipv4"));
    f.insert("k8s.ns.name", Value::from(pod.namespace));
    f.insert("k8s.pod.name", Value::from(pod.name));
    f.insert("proc.cmdline", Value::from(cmdline));
    f.insert("proc.exepath", Value::from(c.binary));
    f.insert("proc.name", Value::from(name));
    f.insert("proc.pname", Value::from("containerd-shim"));
    f.insert("proc.pid", Value::from(c.pid));
    f.insert("proc.tty", Value::from(0));
    f.insert("user.loginuid", Value::from(-1));
    f.insert(
        "user.name",
        user_name.map(Value::from).unwrap_or(Value::Null),
    );
    f.insert("user.uid", Value::from(c.uid));
    let g = |k: &str| text(&f[k]);
    let output = format!(
        "{}: Notice Unexpected connection to K8s API Server from container | connection={} lport={} rport={} fd_type={} fd_proto={} evt_type={} user={} user_uid={} user_loginuid={} process={} proc_exepath={} parent={} command={} terminal={} container_id={} container_name={} container_image_repository={} container_image_tag={} k8s_pod_name={} k8s_ns_name={} proc_pid={}",
        fmt_clock(t),
        g("fd.name"),
        g("fd.lport"),
        g("fd.rport"),
        g("fd.type"),
        g("fd.l4proto"),
        g("evt.type"),
        g("user.name"),
        g("user.uid"),
        g("user.loginuid"),
        g("proc.name"),
        g("proc.exepath"),
        g("proc.pname"),
        g("proc.cmdline"),
        g("proc.tty"),
        g("container.id"),
        g("container.name"),
        g("container.image.repository"),
        g("container.image.tag"),
        g("k8s.pod.name"),
        g("k8s.ns.name"),
        g("proc.pid"),
    );
    let alert = AlertOut {
        hostname: pod.node().name,
        output,
        output_fields: f,
        priority: "Notice",
        rule: "Contact K8S API Server From Container",
        source: "syscall",
        tags: &[
            "T1565",
            "container",
            "k8s",
            "maturity_stable",
            "mitre_discovery",
            "network",
        ],
        time: fmt_nanos(t),
    };
    SynthLine {
        time_ns: t,
        node: pod.node,
        line: serde_json::to_string(&alert).unwrap_or_default(),
    }
}

fn routine_alert(r: &mut ChaCha8Rng, t: i64) -> SynthLine {
    let roll = r.random_range(0..100);
    let (ns, prefix, container, user) = match roll {
        0..=59 => ("monitoring", "prometheus-server-", 0, Some("nobody")),
        60..=84 => ("monitoring", "kube-state-metrics-", 0, Some("nobody")),
        // The dashboard sidecar runs as a uid its image does not name.
        _ => ("monitoring", "grafana-", 0, None),
    };
    let pod = PODS
        .iter()
        .find(|p| p.namespace == ns && p.name.starts_with(prefix))
        .unwrap_or(&PODS[0]);
    let c = &pod.containers[container.min(pod.containers.len() - 1)];
    contact_api_server(r, t, pod, c, user)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    const START: i64 = super::super::STORY_DAY_NS;

    #[test]
    fn falco_alerts_are_deterministic_valid_and_shaped_like_falco() {
        let end = START + 3600 * 1_000_000_000;
        let a: Vec<String> = falco_lines(3, START, end, 200).collect();
        assert_eq!(a, falco_lines(3, START, end, 200).collect::<Vec<_>>());
        assert_eq!(a.len(), 200);
        let mut pods = HashSet::new();
        for line in &a {
            let v: Value = serde_json::from_str(line).unwrap();
            assert_eq!(v["rule"], "Contact K8S API Server From Container");
            assert_eq!(v["priority"], "Notice");
            let of = &v["output_fields"];
            assert_eq!(of["container.id"].as_str().unwrap().len(), 12);
            let ns = of["evt.time"].as_i64().unwrap();
            assert_eq!(
                crate::time::parse_rfc3339(v["time"].as_str().unwrap()),
                Some(ns)
            );
            assert!(v["output"]
                .as_str()
                .unwrap()
                .contains("k8s_ns_name=monitoring"));
            pods.insert(of["k8s.pod.name"].as_str().unwrap().to_string());
        }
        assert!(pods.contains("prometheus-server-7c9d8f6b5-q7wmn"));
        // Keys come in Falco's sorted order.
        assert!(a[0].starts_with("{\"hostname\":\"aks-nodepool1-31415926-vmss00000"));
    }

    #[test]
    fn unresolved_user_is_null_in_fields_and_na_in_text() {
        let lines: Vec<Value> = falco_lines(5, START, START + 1_000_000_000_000, 300)
            .map(|l| serde_json::from_str(&l).unwrap())
            .collect();
        let sidecar = lines
            .iter()
            .find(|v| v["output_fields"]["user.name"].is_null())
            .expect("a sidecar alert");
        assert!(sidecar["output"].as_str().unwrap().contains(" user=<NA> "));
        assert_eq!(comm("/kube-state-metrics"), "kube-state-metr");
    }
}
