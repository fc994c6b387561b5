//! KubeArmor alerts and logs, as `karmor logs --json` writes them (one JSON
//! object per line) or `karmor logs --output pretty-json` (indented objects,
//! keys sorted), and as the relay forwards them.
//!
//! Why this module looks the way it does:
//!
//! * `karmor logs` writes its own status lines ("Created a gRPC client …",
//!   "Started to watch alerts") to stderr, and a file captured with `2>&1`
//!   starts with them. They are understood and counted as skipped
//!   ([`parse_text`]), never reported as broken records; the framing reads a
//!   pretty-printed file behind them as documents.
//! * KubeArmor enforces as well as observes: `MatchedPolicy` and
//!   `MatchedHostPolicy` records are alerts (a policy matched), `ContainerLog`
//!   and `HostLog` are telemetry. An alert's `Action` says what the policy
//!   asked for (`Block`, `Audit`, or `Audit (Block)`: a default posture in
//!   audit mode that would have blocked) and `Result` what happened
//!   (`Permission denied` or `Passed`). A blocked action is an attempt that
//!   failed: the investigator needs both the attempt and that it failed, so
//!   both go into the fields (`blocked`) and the message.
//! * Time: `Timestamp` is whole epoch seconds; `UpdatedTime` has the
//!   microseconds and is preferred.
//! * The process is keyed as Falco's and Tetragon's importers key it (12-hex
//!   container id, *host* pid, full binary path): KubeArmor gives the host
//!   pid (`HostPID`) and the full path (`ProcessName`), so its record of
//!   `xmrig` meets theirs. The parent likewise (`HostPPID`,
//!   `ParentProcessName`).
//! * What was touched depends on `Operation`: a file path (`File`), the
//!   executed command (`Process`), a socket's remote end given as
//!   `key=value` text (`Network`: `remoteip=… port=…` from a kprobe, or
//!   `sin_addr=… sin_port=…` from a syscall).
//! * `Labels` is one comma-joined `k=v` string, `Tags` a comma-joined string
//!   and `ATags` an array; both are read. Tags such as
//!   `MITRE_T1003_os_credential_dumping` give ATT&CK ids as the policy author
//!   gave them (shared with the Sysdig reader,
//!   [`crate::formats::sysdig::attack_ids`]).
//! * `ClusterName` is `default` unless the operator configured one: that is
//!   KubeArmor's placeholder, not a cluster, and names no cluster entity.
//! * Severity is a string `1`–`10` (10 most severe), read 1–3 low, 4–6
//!   medium, 7–8 high, 9–10 critical.

use crate::entity;
use crate::formats::sysdig::attack_ids;
use crate::formats::{str_of, strict, u64_of, RecordError};
use crate::model::{EntityKind, EntityRef, EventKind, NewEvent, Severity, Source};
use crate::time;
use serde_json::{Map, Value};

/// The record types KubeArmor writes.
pub const TYPES: &[&str] = &[
    "MatchedPolicy",
    "MatchedHostPolicy",
    "MatchedNativePolicy",
    "ContainerLog",
    "HostLog",
];

/// Whether a JSON object is a KubeArmor alert or log: a known PascalCase
/// `Type` with `Operation` or `HostName`.
pub fn sniff(obj: &Map<String, Value>) -> bool {
    matches!(obj.get("Type"), Some(Value::String(t)) if TYPES.contains(&t.as_str()))
        && (obj.contains_key("Operation") || obj.contains_key("HostName"))
}

/// KubeArmor's severity (`"1"` … `"10"`, 10 most severe).
pub fn severity_of(n: u64) -> Severity {
    match n {
        0..=3 => Severity::Low,
        4..=6 => Severity::Medium,
        7 | 8 => Severity::High,
        _ => Severity::Critical,
    }
}

/// Parses one KubeArmor alert or log.
pub fn parse(raw: &[u8]) -> Result<NewEvent, RecordError> {
    let value = strict::value(raw)?;
    let obj = value
        .as_object()
        .ok_or_else(|| RecordError::new("KubeArmor record is not a JSON object"))?;
    let kind = match obj.get("Type") {
        Some(Value::String(t)) => t.as_str(),
        Some(other) => {
            return Err(RecordError::new(format!(
                "KubeArmor `Type` is {}, not a string",
                crate::formats::type_name(other)
            )))
        }
        None => return Err(RecordError::new("KubeArmor record without a `Type`")),
    };
    let alert = kind.starts_with("Matched");
    if !alert && !kind.ends_with("Log") {
        return Err(RecordError::new(format!("unknown KubeArmor record type `{}`", kind)));
    }
    let s = |k: &str| str_of(obj.get(k));
    let operation = s("Operation");
    let resource = s("Resource");
    let source_cmd = s("Source");
    let process = s("ProcessName");
    let parent = s("ParentProcessName");
    let host_pid = u64_of(obj.get("HostPID")).filter(|p| *p > 0);
    let host_ppid = u64_of(obj.get("HostPPID")).filter(|p| *p > 0);
    let action = s("Action");
    let result = s("Result");
    let policy = s("PolicyName");

    let rule = if alert {
        policy.unwrap_or(kind).to_string()
    } else {
        format!("{} {}", kind, operation.unwrap_or("event"))
    };
    let kind_out = if alert { EventKind::Alert } else { EventKind::Telemetry };
    let mut ev = NewEvent::new(Source::KubeArmor, kind_out, rule.clone());
    ev.rule = Some(rule);
    ev.shape = Some(if raw.contains(&b'\n') { "karmor-pretty-json" } else { "karmor-json" });

    // --- time: UpdatedTime (µs) before Timestamp (s) --------------------------
    ev.time_ns = s("UpdatedTime")
        .and_then(time::parse_rfc3339)
        .or_else(|| s("UpdatedTimeISO").and_then(time::parse_rfc3339))
        .or_else(|| u64_of(obj.get("Timestamp")).and_then(|t| i64::try_from(t).ok()?.checked_mul(1_000_000_000)));

    let severity_raw = u64_of(obj.get("Severity"));
    ev.severity = if alert {
        severity_raw.map(severity_of).unwrap_or(Severity::Medium)
    } else {
        Severity::Info
    };

    // --- tags ------------------------------------------------------------------
    let mut tags: Vec<&str> = Vec::new();
    if let Some(a) = obj.get("ATags").and_then(Value::as_array) {
        tags.extend(a.iter().filter_map(Value::as_str));
    }
    if let Some(t) = s("Tags") {
        for tag in t.split(',').map(str::trim).filter(|t| !t.is_empty()) {
            if !tags.contains(&tag) {
                tags.push(tag);
            }
        }
    }
    let (tactics, techniques) = attack_ids(tags.iter().copied());
    ev.tactics = tactics;
    ev.techniques = techniques;

    // --- where: cluster, node, namespace, workload, pod --------------------------
    let cluster = s("ClusterName").filter(|c| *c != "default");
    if let Some(c) = cluster {
        ev.entity(EntityRef::new(EntityKind::Cluster, c, "cluster"));
    }
    let node = s("HostName");
    if let Some(n) = node {
        ev.entity(EntityRef::new(EntityKind::Node, n, "node"));
    }
    let namespace = s("NamespaceName");
    let pod_name = s("PodName");
    if let Some(ns) = namespace {
        ev.entity(EntityRef::new(EntityKind::Namespace, ns, "namespace"));
    }
    let labels = s("Labels").map(parse_labels);
    let pod = namespace.zip(pod_name).and_then(|(ns, p)| entity::pod_key(ns, p));
    if let (Some(key), Some(ns), Some(name)) = (&pod, namespace, pod_name) {
        ev.entity(
            EntityRef::new(EntityKind::Pod, key.clone(), "pod")
                .attr("namespace", ns)
                .attr("name", name)
                .attr("labels", labels.clone().map(Value::Object)),
        );
    }
    let owner = obj.get("Owner").and_then(Value::as_object);
    let owner_ref = owner.and_then(|o| str_of(o.get("Ref")));
    let owner_name = owner.and_then(|o| str_of(o.get("Name")));
    let owner_ns = owner.and_then(|o| str_of(o.get("Namespace"))).or(namespace);
    let workload = owner_ref
        .zip(owner_name)
        .and_then(|(r, n)| entity::workload_key(owner_ns, r, n));
    if let Some(key) = &workload {
        ev.entity(
            EntityRef::new(EntityKind::Workload, key.clone(), "owner")
                .attr("kind", owner_ref)
                .attr("name", owner_name)
                .attr("namespace", owner_ns),
        );
    }

    // --- container and image ---------------------------------------------------------
    let container = s("ContainerID").and_then(entity::container_id);
    let container_name = s("ContainerName");
    if let Some(cid) = &container {
        ev.entity(
            EntityRef::new(EntityKind::Container, cid.clone(), "container")
                .attr("id", cid.as_str())
                .attr("name", container_name),
        );
    }
    let image = s("ContainerImage").and_then(entity::image);
    if let Some((reference, digest)) = &image {
        ev.entity(EntityRef::new(EntityKind::Image, reference.clone(), "image").attr("digest", digest.clone()));
    }

    // --- processes --------------------------------------------------------------------
    let scope = container.as_deref().or(node).unwrap_or("host");
    // For a Process operation, `Resource` is the command executed.
    let cmdline = match operation {
        Some("Process") => resource.or(source_cmd),
        _ => source_cmd,
    };
    if let (Some(pid), Some(exe)) = (host_pid, process) {
        ev.entity(
            EntityRef::new(EntityKind::Process, entity::process_key(scope, pid, exe), "process")
                .attr("pid", pid)
                .attr("name", exe.rsplit('/').next())
                .attr("exe", exe)
                .attr("cmdline", cmdline)
                .attr("ppid", host_ppid)
                .attr("parent_name", parent.map(|p| p.rsplit('/').next().unwrap_or(p)))
                .attr("container_pid", u64_of(obj.get("PID")))
                .attr("uid", u64_of(obj.get("UID")))
                .attr("cwd", s("Cwd")),
        );
    }
    if let (Some(ppid), Some(pexe)) = (host_ppid, parent) {
        ev.entity(
            EntityRef::new(EntityKind::Process, entity::process_key(scope, ppid, pexe), "parent-process")
                .attr("pid", ppid)
                .attr("name", pexe.rsplit('/').next())
                .attr("exe", pexe),
        );
    }

    // --- what was touched ---------------------------------------------------------------
    let mut remote_ip = None;
    let mut remote_port = None;
    let mut protocol = None;
    let mut file = None;
    match operation {
        Some("File") => file = resource.filter(|r| r.starts_with('/')),
        Some("Network") => {
            remote_ip = resource.and_then(|t| kv_value(t, &["remoteip", "sin_addr", "sin6_addr"])).and_then(entity::ip);
            remote_port = resource.and_then(|t| kv_value(t, &["port", "sin_port", "sin6_port"])).and_then(|p| p.parse::<u64>().ok());
            protocol = resource.and_then(|t| kv_value(t, &["protocol"])).map(str::to_ascii_lowercase);
        }
        _ => {}
    }
    if let Some(ip) = &remote_ip {
        ev.entity(EntityRef::new(EntityKind::Ip, ip.clone(), "destination-ip").attr("port", remote_port));
    }
    if let Some(path) = file {
        ev.entity(EntityRef::new(EntityKind::File, path, "file"));
    }
    let data = s("Data");
    let syscall = data.and_then(|t| kv_value(t, &["syscall", "kprobe", "lsm"]));

    // --- the outcome ---------------------------------------------------------------------
    let denied = result.is_some_and(|r| r != "Passed" && !r.eq_ignore_ascii_case("success"));
    let blocked = action == Some("Block") && denied;
    let outcome = match (action, result) {
        (Some("Block"), _) if blocked => format!("blocked ({})", result.unwrap_or("denied")),
        (Some("Block"), Some(r)) => format!("block asked, result {}", r),
        (Some("Audit (Block)"), _) => "audited, would have been blocked".to_string(),
        (Some(a), Some(r)) => format!("{}, {}", a.to_ascii_lowercase(), r),
        (Some(a), None) => a.to_ascii_lowercase(),
        (None, Some(r)) => r.to_string(),
        (None, None) => String::new(),
    };
    let what = match (operation, resource) {
        (Some(op), Some(r)) => format!("{} {}", op, r),
        (Some(op), None) => op.to_string(),
        (None, Some(r)) => r.to_string(),
        (None, None) => kind.to_string(),
    };
    let by = process.map(|p| format!(" by {}", p)).unwrap_or_default();
    let where_ = pod.as_deref().or(node).map(|w| format!(" in {}", w)).unwrap_or_default();
    let head = s("Message").map(|m| format!("{}: ", m)).unwrap_or_default();
    ev.message = if outcome.is_empty() {
        format!("{}{}{}{}", head, what, by, where_)
    } else {
        format!("{}{}{}{} — {}", head, what, by, where_, outcome)
    };
    if !alert {
        ev.title = format!("{}{}", what, by);
    }

    // --- normalized fields -------------------------------------------------------------------
    ev.field("kubearmor_type", kind);
    ev.field("policy", policy);
    ev.field("kubearmor_severity", severity_raw);
    if !tags.is_empty() {
        ev.field("policy_tags", tags.iter().map(|t| Value::from(*t)).collect::<Vec<_>>());
    }
    ev.field("action", action);
    ev.field("result", result);
    if action.is_some() || result.is_some() {
        ev.field("blocked", blocked);
    }
    ev.field("enforcer", s("Enforcer"));
    ev.field("operation", operation);
    ev.field("resource", resource);
    ev.field("data", data);
    ev.field("syscall", syscall);
    ev.field("cluster", cluster);
    ev.field("cluster_name", s("ClusterName"));
    ev.field("node", node);
    ev.field("namespace", namespace);
    ev.field("pod", pod_name);
    ev.field("workload", workload);
    if let Some(l) = labels {
        ev.field("labels", Value::Object(l));
    }
    ev.field("container_id", container.clone());
    ev.field("container_name", container_name);
    ev.field("image", image.as_ref().map(|(r, _)| r.clone()));
    ev.field("image_digest", image.and_then(|(_, d)| d));
    ev.field("exe", process);
    ev.field("cmdline", cmdline);
    ev.field("pid", host_pid);
    ev.field("ppid", host_ppid);
    ev.field("container_pid", u64_of(obj.get("PID")));
    ev.field("container_ppid", u64_of(obj.get("PPID")));
    ev.field("uid", u64_of(obj.get("UID")));
    ev.field("parent_exe", parent);
    ev.field("cwd", s("Cwd"));
    ev.field("tty", s("TTY"));
    ev.field("file_path", file);
    ev.field("remote_ip", remote_ip.clone());
    ev.field("remote_port", remote_port);
    ev.field("dst_ip", remote_ip);
    ev.field("dst_port", remote_port);
    ev.field("protocol", protocol);
    ev.field("hash_id", s("HashID"));
    if let Some(ed) = obj.get("EventData").filter(|v| v.is_object()) {
        ev.field("event_data", ed.clone());
    }

    for t in [policy, cmdline, process, parent, resource, pod.as_deref(), container_name]
        .into_iter()
        .flatten()
    {
        ev.add_search(t);
    }
    Ok(ev)
}

/// `app=cart,pod-template-hash=7f9c6d8b5` as a map (a label without `=`
/// keeps an empty value).
fn parse_labels(s: &str) -> Map<String, Value> {
    let mut out = Map::new();
    for part in s.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        let (k, v) = part.split_once('=').unwrap_or((part, ""));
        out.insert(k.trim().to_string(), Value::from(v.trim()));
    }
    out
}

/// A value of space-separated `key=value` text (`Resource`, `Data`).
fn kv_value<'a>(text: &'a str, keys: &[&str]) -> Option<&'a str> {
    text.split_whitespace().find_map(|tok| {
        let (k, v) = tok.split_once('=')?;
        (keys.contains(&k) && !v.is_empty()).then_some(v)
    })
}

/// What `karmor logs` writes about itself (to stderr, in the file when it
/// was captured with `2>&1`).
fn status_line(line: &str) -> bool {
    let l = line.trim();
    (l.starts_with("local port to be used for port forwarding") && l.contains("kubearmor"))
        || (l.starts_with("Created a gRPC client (") && l.ends_with(')'))
        || l == "Checked the liveness of the gRPC server"
        || l.starts_with("Started to watch ")
        || l.starts_with("Stopped Watch")
        || l == "releasing grpc client"
        || l.starts_with("Failed to receive a")
}

/// A line of karmor's text output (no `--json`): `== Alert / … ==` headers
/// and `Key: value` lines. Kept as unparsed evidence, with that reason.
fn text_output_line(line: &str) -> bool {
    let l = line.trim();
    if (l.starts_with("== Alert") || l.starts_with("== Log")) && l.ends_with("==") {
        return true;
    }
    const KEYS: &[&str] = &[
        "ClusterName", "HostName", "NamespaceName", "PodName", "Labels", "ContainerName", "ContainerID",
        "ContainerImage", "Type", "PolicyName", "Severity", "Message", "Source", "Resource", "Operation",
        "Action", "Data", "Enforcer", "Result", "HostPID", "HostPPID", "PID", "PPID", "ProcessName",
        "ParentProcessName", "UID", "Owner", "Tags", "ATags", "Cwd", "TTY", "Timestamp",
    ];
    l.split_once(": ").is_some_and(|(k, _)| KEYS.contains(&k))
}

/// Non-JSON lines of a KubeArmor file: karmor's status lines are understood
/// and skipped; its text output is kept as evidence it cannot import.
pub fn parse_text(text: &str) -> Result<Vec<NewEvent>, RecordError> {
    let lines: Vec<&str> = text.lines().filter(|l| !l.trim().is_empty()).collect();
    if lines.is_empty() {
        return Err(RecordError::new("not a KubeArmor record: empty text"));
    }
    if lines.iter().all(|l| status_line(l)) {
        return Err(RecordError::skipped("karmor logs status line"));
    }
    if lines.iter().all(|l| text_output_line(l) || status_line(l)) {
        return Err(RecordError::new(
            "KubeArmor text output (karmor logs without --json): kept as unparsed evidence, export with --json",
        ));
    }
    if lines.iter().any(|l| l.trim_start().starts_with('{')) {
        return Err(RecordError::new("not a KubeArmor record: incomplete or invalid JSON"));
    }
    Err(RecordError::new("not a KubeArmor record: text line that is neither JSON nor karmor output"))
}

/// Whether a text (met before any JSON record) is karmor's own output: its
/// status lines or its text-mode headers.
pub fn looks_like_text(text: &str) -> bool {
    text.lines()
        .take(50)
        .any(|l| status_line(l) || (l.trim().starts_with("== Alert / ") && l.trim().ends_with("==")))
}

#[cfg(test)]
mod tests;
