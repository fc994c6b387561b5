//! Routine Tetragon events (`tetragon.log` / `export-stdout` JSON lines).
//!
//! Tetragon records every exec in every container, so its log of a quiet
//! cluster is mostly kubelet exec probes (`calico-node -felix-live`,
//! `grpc_health_probe`) started through `runc exec`, plus the `tcp_connect`
//! kprobes of ordinary service-to-service traffic when a connect-tracing
//! policy is loaded. The generator writes those with Tetragon's quirks:
//! protobuf-JSON field order, zero values omitted, 64-bit integers (socket
//! `cookie`) as strings, `exec_id` as base64 of `node:ktime:pid` (kernel time
//! since the node booted), `containerd://`+64-hex container ids next to a
//! 31-hex `docker` prefix, `maybe_exec_probe` on probe processes, and host
//! processes (runc, containerd-shim) without a `pod`.
//!
//! Routine pids are even; the hand-authored attack processes of the demo use
//! odd pids, so that the two can never collide on a node.

use super::cluster::{Container, Pod, NODES, PODS, SERVICES};
use super::{fmt_nanos, fmt_secs, random_hex, rng, Reorder, Slots, SynthLine, DAY};
use base64_lite::encode as b64;
use rand::Rng;
use rand_chacha::ChaCha8Rng;
use serde::Serialize;
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;

const STREAM: u64 = 3;
const MS: i64 = 1_000_000;

/// Routine Tetragon lines (exactly `count`) over `[start_ns, end_ns)`, in time order.
pub fn tetragon_lines(
    seed: u64,
    start_ns: i64,
    end_ns: i64,
    count: usize,
) -> impl Iterator<Item = String> {
    tetragon_events(seed, start_ns, end_ns, count).map(|l| l.line)
}

/// As [`tetragon_lines`], with each event's time and node.
pub fn tetragon_events(
    seed: u64,
    start_ns: i64,
    end_ns: i64,
    count: usize,
) -> impl Iterator<Item = SynthLine> {
    let mut g = TetragonGen {
        rng: rng(seed, STREAM),
        slots: Slots::new(start_ns, end_ns, count),
        pending: Reorder::new(),
    };
    std::iter::from_fn(move || g.next_line())
}

/// Minimal standard base64, to avoid a dependency for one encoding.
mod base64_lite {
    const A: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

    pub fn encode(input: &[u8]) -> String {
        let mut out = String::with_capacity(input.len().div_ceil(3) * 4);
        for chunk in input.chunks(3) {
            let b = [
                chunk[0],
                *chunk.get(1).unwrap_or(&0),
                *chunk.get(2).unwrap_or(&0),
            ];
            let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
            out.push(A[(n >> 18) as usize & 63] as char);
            out.push(A[(n >> 12) as usize & 63] as char);
            out.push(if chunk.len() > 1 {
                A[(n >> 6) as usize & 63] as char
            } else {
                '='
            });
            out.push(if chunk.len() > 2 {
                A[n as usize & 63] as char
            } else {
                '='
            });
        }
        out
    }
}

/// Tetragon's cluster-unique process id: base64 of `node:ktime:pid`.
pub fn exec_id(node: usize, start_ns: i64, pid: u32) -> String {
    let ktime = start_ns - super::cluster::node_boot_ns(node);
    b64(format!("{}:{}:{}", NODES[node].name, ktime, pid).as_bytes())
}

/// The exec id of a node's pid 1, the parent of daemonized shims.
fn init_exec_id(node: usize) -> String {
    b64(format!("{}:{}:{}", NODES[node].name, 80_000_000, 1).as_bytes())
}

/// The pod sandbox id of a pod (the `-id` of its containerd shim).
pub fn sandbox_id(pod: &Pod) -> String {
    hex::encode(Sha256::digest(format!("sandbox:{}", pod.uid)))
}

#[derive(Serialize)]
struct ImageOut<'a> {
    id: &'a str,
    name: &'a str,
}

#[derive(Serialize)]
struct ContainerOut<'a> {
    id: String,
    name: &'a str,
    image: ImageOut<'a>,
    start_time: &'a str,
    pid: u32,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    maybe_exec_probe: bool,
}

#[derive(Serialize)]
struct PodOut<'a> {
    namespace: &'a str,
    name: &'a str,
    uid: &'a str,
    container: ContainerOut<'a>,
    pod_labels: BTreeMap<&'a str, &'a str>,
    workload: &'a str,
    workload_kind: &'a str,
}

/// Tetragon's `Process` message, fields in protobuf order.
#[derive(Serialize)]
pub(crate) struct ProcessOut<'a> {
    exec_id: String,
    pid: u32,
    uid: u32,
    cwd: &'a str,
    binary: &'a str,
    #[serde(skip_serializing_if = "str::is_empty")]
    arguments: &'a str,
    flags: &'static str,
    start_time: String,
    auid: u32,
    #[serde(skip_serializing_if = "Option::is_none")]
    pod: Option<PodOut<'a>>,
    #[serde(skip_serializing_if = "str::is_empty")]
    docker: &'a str,
    parent_exec_id: String,
    tid: u32,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    in_init_tree: bool,
}

const NO_AUID: u32 = 4_294_967_295;

fn pod_out<'a>(
    pod: &'a Pod,
    c: &'a Container,
    started: &'a str,
    container_pid: u32,
    probe: bool,
) -> PodOut<'a> {
    let (kind, workload) = pod.workload();
    PodOut {
        namespace: pod.namespace,
        name: pod.name,
        uid: pod.uid,
        container: ContainerOut {
            id: format!("containerd://{}", c.id),
            name: c.name,
            image: ImageOut {
                id: c.image_id,
                name: c.image,
            },
            start_time: started,
            pid: container_pid,
            maybe_exec_probe: probe,
        },
        pod_labels: pod.labels.iter().copied().collect(),
        workload,
        workload_kind: kind,
    }
}

/// Start time of a container's main process: the container's start plus a
/// fraction derived from its pid (stable for every reference).
fn main_start_ns(c: &Container) -> i64 {
    crate::time::parse_rfc3339(c.started).unwrap_or(0) + i64::from(c.pid % 1000) * 1_000_017
}

/// The containerd shim of a pod (host process, parent of its containers).
fn shim<'a>(pod: &'a Pod, c: &Container, args: &'a str) -> ProcessOut<'a> {
    let start = main_start_ns(c) - 1_200 * MS;
    let pid = c.pid - 23;
    ProcessOut {
        exec_id: exec_id(pod.node, start, pid),
        pid,
        uid: 0,
        cwd: "/",
        binary: "/usr/bin/containerd-shim-runc-v2",
        arguments: args,
        flags: "execve clone",
        start_time: fmt_nanos(start),
        auid: NO_AUID,
        pod: None,
        docker: "",
        parent_exec_id: init_exec_id(pod.node),
        tid: pid,
        in_init_tree: false,
    }
}

/// A container's main process (pid 1 in the container).
fn main_process<'a>(pod: &'a Pod, c: &'a Container, started: &'a str) -> ProcessOut<'a> {
    let start = main_start_ns(c);
    ProcessOut {
        exec_id: exec_id(pod.node, start, c.pid),
        pid: c.pid,
        uid: c.uid,
        cwd: c.cwd,
        binary: c.binary,
        arguments: c.args,
        flags: "execve rootcwd clone",
        start_time: fmt_nanos(start),
        auid: NO_AUID,
        pod: Some(pod_out(pod, c, started, 1, false)),
        docker: &c.id[..31],
        parent_exec_id: exec_id(pod.node, start - 1_200 * MS, c.pid - 23),
        tid: c.pid,
        in_init_tree: true,
    }
}

#[derive(Serialize)]
struct ExecOut<'a> {
    process: ProcessOut<'a>,
    parent: ProcessOut<'a>,
}

#[derive(Serialize)]
struct ExitOut<'a> {
    process: ProcessOut<'a>,
    parent: ProcessOut<'a>,
    time: String,
}

#[derive(Serialize)]
struct SockArg<'a> {
    family: &'static str,
    #[serde(rename = "type")]
    kind: &'static str,
    protocol: &'static str,
    saddr: &'a str,
    daddr: &'a str,
    sport: u16,
    dport: u16,
    /// uint64: protobuf JSON writes it as a string.
    cookie: String,
    state: &'static str,
}

#[derive(Serialize)]
struct KprobeArg<'a> {
    sock_arg: SockArg<'a>,
}

#[derive(Serialize)]
struct KprobeOut<'a> {
    process: ProcessOut<'a>,
    parent: ProcessOut<'a>,
    function_name: &'static str,
    args: [KprobeArg<'a>; 1],
    action: &'static str,
    policy_name: &'static str,
    return_action: &'static str,
}

#[derive(Serialize)]
struct Envelope<T: Serialize> {
    #[serde(skip_serializing_if = "Option::is_none")]
    process_exec: Option<T>,
    #[serde(skip_serializing_if = "Option::is_none")]
    process_exit: Option<T>,
    #[serde(skip_serializing_if = "Option::is_none")]
    process_kprobe: Option<T>,
    node_name: &'static str,
    time: String,
}

fn envelope_line<T: Serialize>(kind: &str, body: T, node: usize, t: i64) -> String {
    let (mut exec, mut exit, mut kprobe) = (None, None, None);
    match kind {
        "exec" => exec = Some(body),
        "exit" => exit = Some(body),
        _ => kprobe = Some(body),
    }
    let e = Envelope {
        process_exec: exec,
        process_exit: exit,
        process_kprobe: kprobe,
        node_name: NODES[node].name,
        time: fmt_nanos(t),
    };
    serde_json::to_string(&e).unwrap_or_default()
}

/// A `tcp_connect` kprobe line for a process, given as its JSON `process`
/// and `parent` blocks (raw text, kept byte-exact), from `saddr:sport` to
/// `daddr:dport`. Used for the demo's scan, whose process is hand-authored.
#[allow(clippy::too_many_arguments)]
pub fn tcp_connect_line(
    node: usize,
    t: i64,
    process_json: &serde_json::value::RawValue,
    parent_json: &serde_json::value::RawValue,
    saddr: &str,
    sport: u16,
    daddr: &str,
    dport: u16,
    cookie: u64,
) -> String {
    #[derive(Serialize)]
    struct RawKprobe<'a> {
        process: &'a serde_json::value::RawValue,
        parent: &'a serde_json::value::RawValue,
        function_name: &'static str,
        args: [KprobeArg<'a>; 1],
        action: &'static str,
        policy_name: &'static str,
        return_action: &'static str,
    }
    let body = RawKprobe {
        process: process_json,
        parent: parent_json,
        function_name: "tcp_connect",
        args: [KprobeArg {
            sock_arg: sock(saddr, sport, daddr, dport, cookie),
        }],
        action: "KPROBE_ACTION_POST",
        policy_name: POLICY,
        return_action: "KPROBE_ACTION_POST",
    };
    envelope_line("kprobe", body, node, t)
}

/// The TracingPolicy that hooks `tcp_connect` in the story's cluster.
pub const POLICY: &str = "monitor-tcp-connect";

fn sock<'a>(saddr: &'a str, sport: u16, daddr: &'a str, dport: u16, cookie: u64) -> SockArg<'a> {
    SockArg {
        family: "AF_INET",
        kind: "SOCK_STREAM",
        protocol: "IPPROTO_TCP",
        saddr,
        daddr,
        sport,
        dport,
        cookie: cookie.to_string(),
        state: "TCP_SYN_SENT",
    }
}

struct TetragonGen {
    rng: ChaCha8Rng,
    slots: Slots,
    pending: Reorder,
}

/// Kubelet exec probes of the story's workloads: (namespace, pod prefix, binary, arguments).
const PROBES: &[(&str, &str, &str, &str)] = &[
    (
        "calico-system",
        "calico-node-",
        "/bin/calico-node",
        "-felix-live -bird-live",
    ),
    (
        "calico-system",
        "calico-node-",
        "/bin/calico-node",
        "-felix-ready -bird-ready",
    ),
    ("shop", "checkout-", "/bin/grpc_health_probe", "-addr=:5050"),
    ("shop", "catalog-", "/bin/grpc_health_probe", "-addr=:50051"),
];

fn service(ns: &str, name: &str) -> (&'static str, u16) {
    SERVICES
        .iter()
        .find(|s| s.0 == ns && s.1 == name)
        .map(|s| (s.2, s.3))
        .unwrap_or(("10.0.0.1", 443))
}

impl TetragonGen {
    fn next_line(&mut self) -> Option<SynthLine> {
        loop {
            match self.slots.peek(&mut self.rng) {
                Some(f) => {
                    if let Some(l) = self.pending.pop_until(f) {
                        return Some(l);
                    }
                    self.produce(f);
                }
                None => return self.pending.pop(),
            }
        }
    }

    /// An even pid that grows with the time of day, as a node's pids do.
    fn pid(&mut self, t: i64) -> u32 {
        let sod = (t.rem_euclid(DAY) / 1_000_000_000) as u32;
        2_011_000 + sod * 8 + 2 * self.rng.random_range(0..4u32)
    }

    fn alive(&mut self, ns: &str, prefix: &str, t: i64) -> Option<&'static Pod> {
        let c: Vec<&'static Pod> = PODS
            .iter()
            .filter(|p| p.namespace == ns && p.name.starts_with(prefix) && p.alive_at(t))
            .collect();
        if c.is_empty() {
            None
        } else {
            Some(c[self.rng.random_range(0..c.len())])
        }
    }

    fn produce(&mut self, t: i64) {
        self.slots.consume();
        // A probe writes two lines (exec, exit): it needs a second slot.
        if self.rng.random_range(0..100) < 55 && self.slots.remaining() > 0 {
            let (ns, prefix, binary, args) = PROBES[self.rng.random_range(0..PROBES.len())];
            if let Some(pod) = self.alive(ns, prefix, t) {
                self.slots.consume();
                self.probe(t, pod, binary, args);
                return;
            }
        }
        self.connect(t);
    }

    fn probe(&mut self, t: i64, pod: &'static Pod, binary: &str, args: &str) {
        let c = &pod.containers[0];
        let pid = self.pid(t);
        let runc_pid = pid - 6;
        let runc_start = t - self.rng.random_range(6..14) * MS;
        let cid = c.id;
        let task = format!(
            "/run/containerd/io.containerd.runtime.v2.task/k8s.io/{}",
            cid
        );
        let runc_args = format!(
            "--root /run/containerd/runc/k8s.io --log {task}/log.json --log-format json exec --process /tmp/runc-process{} --detach --pid-file {task}/{}.pid {cid}",
            self.rng.random_range(100_000_000u32..4_000_000_000),
            random_hex(&mut self.rng, 32),
            task = task,
            cid = cid
        );
        let shim_args = format!(
            "-namespace k8s.io -id {} -address /run/containerd/containerd.sock",
            sandbox_id(pod)
        );
        let shim_p = shim(pod, c, &shim_args);
        let runc = ProcessOut {
            exec_id: exec_id(pod.node, runc_start, runc_pid),
            pid: runc_pid,
            uid: 0,
            cwd: &task,
            binary: "/usr/bin/runc",
            arguments: &runc_args,
            flags: "execve clone",
            start_time: fmt_nanos(runc_start),
            auid: NO_AUID,
            pod: None,
            docker: "",
            parent_exec_id: shim_p.exec_id.clone(),
            tid: runc_pid,
            in_init_tree: false,
        };
        let started = fmt_secs(crate::time::parse_rfc3339(c.started).unwrap_or(0));
        let container_pid = self.rng.random_range(20..4000);
        let make = |runc_exec: &ProcessOut| ProcessOut {
            exec_id: exec_id(pod.node, t, pid),
            pid,
            uid: c.uid,
            cwd: "/",
            binary,
            arguments: args,
            flags: "execve rootcwd clone",
            start_time: fmt_nanos(t),
            auid: NO_AUID,
            pod: Some(pod_out(pod, c, &started, container_pid, true)),
            docker: &c.id[..31],
            parent_exec_id: runc_exec.exec_id.clone(),
            tid: pid,
            in_init_tree: false,
        };
        let clone_runc = |p: &ProcessOut<'_>| ProcessOut {
            exec_id: p.exec_id.clone(),
            pid: p.pid,
            uid: p.uid,
            cwd: &task,
            binary: "/usr/bin/runc",
            arguments: &runc_args,
            flags: p.flags,
            start_time: p.start_time.clone(),
            auid: p.auid,
            pod: None,
            docker: "",
            parent_exec_id: p.parent_exec_id.clone(),
            tid: p.tid,
            in_init_tree: false,
        };
        let exec = ExecOut {
            process: make(&runc),
            parent: clone_runc(&runc),
        };
        let line = envelope_line("exec", exec, pod.node, t);
        self.pending.push(t, pod.node, line);
        let end = t + self.rng.random_range(8..90) * MS;
        let exit = ExitOut {
            process: make(&runc),
            parent: clone_runc(&runc),
            time: fmt_nanos(end),
        };
        let line = envelope_line("exit", exit, pod.node, end);
        self.pending.push(end, pod.node, line);
    }

    fn connect(&mut self, t: i64) {
        let roll = self.rng.random_range(0..100);
        let (ns, prefix, dst): (&str, &str, (String, u16)) = match roll {
            0..=34 => {
                let svc = ["cart", "catalog", "checkout"][self.rng.random_range(0..3)];
                let (ip, port) = service("shop", svc);
                ("shop", "storefront-", (ip.to_string(), port))
            }
            35..=54 => {
                let (ip, port) = service("shop", "cart");
                ("shop", "checkout-", (ip.to_string(), port))
            }
            55..=84 => {
                // Prometheus scrapes pods directly and talks to the API server.
                if self.rng.random_bool(0.2) {
                    (
                        "monitoring",
                        "prometheus-server-",
                        ("10.0.0.1".to_string(), 443),
                    )
                } else {
                    let targets: Vec<&'static Pod> = PODS
                        .iter()
                        .filter(|p| p.namespace == "shop" && p.alive_at(t))
                        .collect();
                    let p = targets[self.rng.random_range(0..targets.len())];
                    ("monitoring", "prometheus-server-", (p.ip.to_string(), 8080))
                }
            }
            _ => {
                let (ip, port) = service("monitoring", "prometheus-server");
                ("monitoring", "grafana-", (ip.to_string(), port))
            }
        };
        let Some(pod) = self.alive(ns, prefix, t) else {
            return;
        };
        // Grafana's own process, not its sidecar, queries Prometheus.
        let c = pod.containers.last().unwrap_or(&pod.containers[0]);
        let started = fmt_secs(crate::time::parse_rfc3339(c.started).unwrap_or(0));
        let shim_args = format!(
            "-namespace k8s.io -id {} -address /run/containerd/containerd.sock",
            sandbox_id(pod)
        );
        let sport = self.rng.random_range(32768..61000u16);
        let cookie: u64 = self.rng.random_range(18_446_600_000_000_000_000..u64::MAX);
        let body = KprobeOut {
            process: main_process(pod, c, &started),
            parent: shim(pod, c, &shim_args),
            function_name: "tcp_connect",
            args: [KprobeArg {
                sock_arg: sock(pod.ip, sport, &dst.0, dst.1, cookie),
            }],
            action: "KPROBE_ACTION_POST",
            policy_name: POLICY,
            return_action: "KPROBE_ACTION_POST",
        };
        let line = envelope_line("kprobe", body, pod.node, t);
        self.pending.push(t, pod.node, line);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::Value;

    const START: i64 = super::super::STORY_DAY_NS;

    #[test]
    fn tetragon_lines_are_exactly_count_deterministic_and_in_order() {
        let end = START + 3600 * 1_000_000_000;
        let a: Vec<String> = tetragon_lines(9, START, end, 400).collect();
        assert_eq!(a.len(), 400);
        assert_eq!(a, tetragon_lines(9, START, end, 400).collect::<Vec<_>>());
        let mut last = String::new();
        let mut kinds = std::collections::BTreeSet::new();
        for line in &a {
            let v: Value = serde_json::from_str(line).unwrap();
            let t = v["time"].as_str().unwrap().to_string();
            assert!(t >= last);
            last = t;
            let (kind, body) = v
                .as_object()
                .unwrap()
                .iter()
                .find(|(k, _)| k.starts_with("process_"))
                .unwrap();
            kinds.insert(kind.clone());
            let p = &body["process"];
            assert!(p["exec_id"].as_str().is_some() && p["pid"].as_u64().unwrap() > 0);
            let cid = p["pod"]["container"]["id"].as_str().unwrap();
            assert!(cid.starts_with("containerd://") && cid.len() == 13 + 64);
            if kind == "process_kprobe" {
                // uint64 as a string, as protobuf JSON writes it.
                assert!(body["args"][0]["sock_arg"]["cookie"].is_string());
            }
        }
        assert_eq!(kinds.len(), 3, "{:?}", kinds);
    }

    #[test]
    fn exec_ids_decode_to_node_ktime_pid() {
        assert_eq!(base64_lite::encode(b"Man"), "TWFu");
        assert_eq!(base64_lite::encode(b"Ma"), "TWE=");
        let id = exec_id(1, super::super::cluster::node_boot_ns(1) + 5, 42);
        assert_eq!(
            id,
            base64_lite::encode(b"aks-nodepool1-31415926-vmss000001:5:42")
        );
    }
}
