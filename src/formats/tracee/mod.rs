//! Aqua Tracee events: `tracee --output json`, the `tracee` DaemonSet's
//! `kubectl logs`, the webhook and file outputs.
//!
//! Why this module looks the way it does:
//!
//! * Tracee changed its JSON three times, and investigators get all of them
//!   from clusters that were never upgraded. The legacy flat records (≈2022)
//!   and the nested ones (≈2023–2025: `container{}`, `kubernetes{}`,
//!   `executable{}`, signature `metadata{}`) share their camelCase process
//!   fields and are read by [`camel`], which also reads the findings of
//!   2022's separate `tracee-rules` engine (`SigMetadata` + `Context`); the
//!   `v1beta1` protobuf events (`name`, `workload{}`, `data[]`, `threat{}`)
//!   by [`v1beta1`]. Both readers fill
//!   one [`Record`] and one builder turns it into the event, so the three
//!   generations give the same title, fields and entity keys for the same
//!   pod, container and process (the integration test pins that).
//! * Processes are keyed like Falco's and Tetragon's
//!   ([`entity::process_key`]): the container, the HOST pid
//!   (`hostProcessId`, `host_pid`) and the executable's full path, so that
//!   three sensors watching one node describe one process. The pid inside
//!   the container (`processId`) only says where the process sits in its
//!   pid namespace. A process whose executable path is unknown (legacy
//!   records other than an exec, which name only the 15-character `comm`)
//!   gets no process entity: a key built from `comm` would never meet the
//!   others. Host processes get none either: their pid would need the node
//!   as its scope, and Tracee does not name the node.
//! * `hostName` is NOT the node. Tracee writes the task's UTS hostname
//!   truncated to 15 characters, which for a pod is the pod's own hostname
//!   cut short (`cart-7f9c6d8b5-` for `cart-7f9c6d8b5-x2k4q`) and for a
//!   host process a cut-off node name (`aks-nodepool1-3`). It is kept as the
//!   `uts_hostname` field and never becomes a node entity.
//! * Outside containers Tracee writes empty strings (`containerId: ""`,
//!   `podName: ""`): empty means absent everywhere.
//! * Signatures are events too. The nested generation puts the signature in
//!   `metadata.Properties` (`signatureID`, `signatureName`, `Severity` as an
//!   integer, `Category` = ATT&CK tactic, `Technique`, `external_id` =
//!   ATT&CK technique id, `Kubernetes_Technique`; some signatures give only
//!   `"MITRE ATT&CK": "Tactic: Technique"`) and the event that triggered it
//!   in `args[0].value`; `v1beta1` in `threat{}` with `mitre{tactic,
//!   technique}` and the trigger in `detected_from`. Either becomes an alert
//!   whose rule is `<signatureID> <signature name>` (`TRC-1022 New
//!   executable dropped`). The severity integer is Tracee's own scale, the
//!   `Severity` enum of its `v1beta1` API (`threat.proto`): 0 info, 1 low,
//!   2 medium, 3 high, 4 critical; custom signatures that write a word
//!   (`"critical"`, `"warning"`) are read by the word.
//! * Timestamps are epoch nanoseconds as integers (legacy and nested) or a
//!   protobuf `Timestamp` (`{seconds: "…", nanos: n}`, seconds as a string
//!   because it is 64-bit); both are read exactly as integers, never through
//!   a float. Very old Tracee wrote time since boot: a value before 1973 is
//!   refused rather than dated 1970.
//! * Argument values have whatever type the kernel argument has: strings,
//!   integers, string arrays (`argv`), socket addresses as objects whose port
//!   is a STRING in the camelCase generations and a number in `v1beta1`, and
//!   file descriptors as `"3=/tmp/.x/xmrig"` when Tracee resolves them.
//!   Every argument is kept in the `args` field as it is; the ones that
//!   name a file, an address or a command line are read into fields and
//!   entities.
//! * `kubectl logs` of the DaemonSet interleaves events with Tracee's own log
//!   lines, as JSON (`{"L":"INFO","T":…,"M":…}`, `{"level":…,"ts":…,"msg":…}`)
//!   and as text. Log lines are understood and skipped, not errors; a line
//!   that is neither (a truncated event) is a parse error kept verbatim.

mod camel;
mod v1beta1;
#[cfg(test)]
mod tests;

use crate::attack;
use crate::entity;
use crate::formats::{str_of, strict, u64_of, RecordError};
use crate::model::{EntityKind, EntityRef, EventKind, NewEvent, Severity, Source};
use serde_json::{Map, Value};

/// Whether a JSON object is a Tracee event (any generation) — or one of the
/// JSON log lines Tracee writes next to its events, which [`parse`] skips.
/// Only events are claimed by content here: `eventName` + `processName`
/// (camelCase generations), `name` + a `workload` object (`v1beta1`), or a
/// `tracee-rules` finding (`SigMetadata` + such an event as `Context`).
pub fn sniff(obj: &Map<String, Value>) -> bool {
    camel::sniff(obj) || v1beta1::sniff(obj) || camel::sniff_finding(obj)
}

/// Parses one Tracee record. Tracee's own JSON log lines are skipped.
pub fn parse(raw: &[u8]) -> Result<NewEvent, RecordError> {
    let value = strict::value(raw)?;
    let obj = value
        .as_object()
        .ok_or_else(|| RecordError::new("Tracee event is not a JSON object"))?;
    let rec = if camel::sniff(obj) {
        camel::read(obj)?
    } else if v1beta1::sniff(obj) {
        v1beta1::read(obj)?
    } else if camel::sniff_finding(obj) {
        camel::read_finding(obj)?
    } else if let Some(what) = log_line(obj) {
        return Err(RecordError::skipped(what));
    } else {
        return Err(RecordError::new(
            "not a Tracee event: neither eventName + processName nor name + workload",
        ));
    };
    Ok(build(rec))
}

/// Tracee's JSON log lines: zap's short keys (`L`, `T`, `M`) or its long
/// ones (`level`, `ts`, `msg`).
fn log_line(obj: &Map<String, Value>) -> Option<&'static str> {
    let short = obj.get("L").is_some_and(Value::is_string) && obj.contains_key("M");
    let long = obj.get("level").is_some_and(Value::is_string)
        && (obj.contains_key("msg") || obj.contains_key("message"));
    (short || long).then_some("Tracee log line (not an event)")
}

/// Non-JSON lines of a Tracee file (`kubectl logs` start-up output):
/// understood log lines are nothing to import; anything else is kept as a
/// parse error.
pub fn parse_text(text: &str) -> Result<Vec<NewEvent>, RecordError> {
    let mut seen = false;
    for line in text.lines() {
        let line = crate::formats::falco::strip_kubectl_prefix(line).trim();
        if line.is_empty() {
            continue;
        }
        seen = true;
        if line.starts_with('{') {
            return Err(RecordError::new(
                "not a Tracee event: incomplete or invalid JSON (a line cut short?)",
            ));
        }
        if !is_log_text(line) {
            return Err(RecordError::new(
                "not a Tracee event: text line that is neither JSON nor a Tracee log line",
            ));
        }
    }
    if seen {
        Ok(Vec::new())
    } else {
        Err(RecordError::new("not a Tracee event: empty text"))
    }
}

/// A text line Tracee writes about itself: a console log line (`<time>
/// <LEVEL> …`), a bare level line (`INFO: …`), the signature loader's
/// report, or the header of its table output.
fn is_log_text(line: &str) -> bool {
    const LEVELS: &[&str] = &["DEBUG", "INFO", "WARN", "WARNING", "ERROR", "FATAL", "PANIC"];
    let is_level = |w: &str| {
        let w = w.trim_end_matches(':').trim_matches(|c| c == '[' || c == ']');
        LEVELS.iter().any(|l| l.eq_ignore_ascii_case(w))
    };
    let mut words = line.split_whitespace();
    let first = words.next().unwrap_or("");
    if is_level(first) {
        return true;
    }
    let looks_like_time = first.len() >= 10 && first.as_bytes()[..4].iter().all(u8::is_ascii_digit);
    if looks_like_time && words.next().is_some_and(is_level) {
        return true;
    }
    (line.starts_with("Loaded ") && line.contains("signature"))
        || (line.starts_with("TIME") && line.contains("EVENT"))
}

// ---------------------------------------------------------------------------
// The record both readers fill
// ---------------------------------------------------------------------------

/// One Tracee event, whatever its generation, as the builder needs it.
#[derive(Default)]
pub(crate) struct Record<'a> {
    /// `legacy`, `nested` or `v1beta1`.
    pub generation: &'static str,
    pub time_ns: Option<i64>,
    pub event_name: String,
    pub event_id: Option<Value>,
    pub process: Proc<'a>,
    pub parent: Proc<'a>,
    pub uid: Option<u64>,
    pub uts_hostname: Option<&'a str>,
    pub container_id: Option<String>,
    pub container_name: Option<&'a str>,
    pub image: Option<&'a str>,
    pub image_digest: Option<String>,
    pub pod_namespace: Option<&'a str>,
    pub pod_name: Option<&'a str>,
    pub pod_uid: Option<&'a str>,
    pub pod_labels: Option<Value>,
    pub syscall: Option<&'a str>,
    pub return_value: Option<Value>,
    pub policies: Vec<&'a str>,
    /// The event's arguments, by name, values as Tracee wrote them.
    pub args: Vec<(String, Value)>,
    pub signature: Option<Signature>,
    /// Fields a reader adds as they are (cgroup id, namespaces, ids).
    pub extra: Vec<(&'static str, Value)>,
}

#[derive(Default)]
pub(crate) struct Proc<'a> {
    pub host_pid: Option<u64>,
    pub pid: Option<u64>,
    pub host_tid: Option<u64>,
    pub tid: Option<u64>,
    pub comm: Option<&'a str>,
    pub exe: Option<String>,
    pub entity_id: Option<u64>,
    pub start_time: Option<Value>,
}

#[derive(Default)]
pub(crate) struct Signature {
    pub id: Option<String>,
    pub name: Option<String>,
    pub description: Option<String>,
    pub severity: Option<Severity>,
    pub tactics: Vec<String>,
    pub techniques: Vec<String>,
    pub category: Option<String>,
    pub technique_name: Option<String>,
    pub kubernetes_technique: Option<String>,
    /// The event that triggered the signature (`magic_write`).
    pub triggered_by: Option<String>,
}

/// Tracee's severity integer (the `Severity` enum of its `v1beta1` API) or
/// the word a custom signature writes.
pub(crate) fn severity(v: Option<&Value>) -> Option<Severity> {
    match v? {
        Value::String(s) => match s.trim().to_ascii_lowercase().as_str() {
            "0" | "info" | "informational" => Some(Severity::Info),
            "1" | "low" => Some(Severity::Low),
            "2" | "medium" | "moderate" | "warning" => Some(Severity::Medium),
            "3" | "high" => Some(Severity::High),
            "4" | "critical" => Some(Severity::Critical),
            _ => None,
        },
        v => match u64_of(Some(v))? {
            0 => Some(Severity::Info),
            1 => Some(Severity::Low),
            2 => Some(Severity::Medium),
            3 => Some(Severity::High),
            _ => Some(Severity::Critical),
        },
    }
}

/// A number written plainly, as a string, or wrapped (`{"value": 7}`).
pub(crate) fn num(v: Option<&Value>) -> Option<u64> {
    match v {
        Some(Value::Object(o)) => u64_of(o.get("value")),
        v => u64_of(v),
    }
}

/// A non-empty string member.
pub(crate) fn text<'a>(obj: &'a Map<String, Value>, key: &str) -> Option<&'a str> {
    str_of(obj.get(key))
}

/// Epoch nanoseconds, refused when the value is time since boot.
pub(crate) fn epoch_ns(ns: u64, what: &str) -> Result<i64, RecordError> {
    const EARLIEST: u64 = 100_000_000_000_000_000; // 1973-03-03
    if ns < EARLIEST {
        return Err(RecordError::new(format!(
            "{} {} is not epoch nanoseconds (time since boot, from a Tracee before 0.8?)",
            what, ns
        )));
    }
    i64::try_from(ns).map_err(|_| RecordError::new(format!("{} {} is out of range", what, ns)))
}

/// A technique id such as `T1036` or `T1552.007` in a property.
pub(crate) fn technique_ids(v: Option<&Value>) -> Vec<String> {
    match v {
        Some(Value::String(s)) => s
            .split(|c: char| c == ',' || c.is_whitespace())
            .filter(|t| attack::is_technique_id(t))
            .map(str::to_string)
            .collect(),
        Some(Value::Array(a)) => a.iter().flat_map(|x| technique_ids(Some(x))).collect(),
        _ => Vec::new(),
    }
}

// ---------------------------------------------------------------------------
// From a record to the event
// ---------------------------------------------------------------------------

#[derive(Default)]
struct Net {
    ip: Option<String>,
    port: Option<u64>,
    family: Option<String>,
    unix_path: Option<String>,
}

/// Reads a socket address argument (`remote_addr`): camelCase generations
/// write every member as a string, `v1beta1` the ports as numbers.
fn sockaddr(v: &Value, net: &mut Net) {
    let Some(o) = v.as_object() else { return };
    let family = str_of(o.get("sa_family")).map(str::to_string);
    let ip = str_of(o.get("sin_addr"))
        .or_else(|| str_of(o.get("sin6_addr")))
        .and_then(entity::ip);
    let port = u64_of(o.get("sin_port")).or_else(|| u64_of(o.get("sin6_port")));
    if ip.is_some() {
        net.ip = ip;
        net.port = port;
        net.family = family;
    } else if let Some(path) = str_of(o.get("sun_path")) {
        net.unix_path = Some(path.to_string());
        net.family = family;
    }
}

/// `"3=/tmp/.x/xmrig"`: a file descriptor Tracee resolved to its path.
fn fd_path(v: &Value) -> Option<(u64, &str)> {
    let (n, path) = v.as_str()?.split_once('=')?;
    let n = n.trim().parse().ok()?;
    path.starts_with('/').then_some((n, path))
}

fn string_array(v: &Value) -> Option<Vec<&str>> {
    let a = v.as_array()?;
    Some(a.iter().filter_map(Value::as_str).collect())
}

fn build(rec: Record) -> NewEvent {
    let sig = rec.signature.as_ref();
    let kind = if sig.is_some() { EventKind::Alert } else { EventKind::Telemetry };
    let mut ev = NewEvent::new(Source::Tracee, kind, rec.event_name.clone());
    ev.shape = Some(match rec.generation {
        "legacy" => "tracee-legacy",
        "nested" => "tracee-nested",
        _ => "tracee-v1beta1",
    });
    ev.time_ns = rec.time_ns;
    ev.field("event_name", rec.event_name.as_str());
    ev.field("event_id", rec.event_id.clone());
    ev.field("generation", rec.generation);

    // --- where: namespace, pod, container, image --------------------------
    if let Some(ns) = rec.pod_namespace {
        ev.entity(EntityRef::new(EntityKind::Namespace, ns, "namespace"));
        ev.field("namespace", ns);
    }
    let pod_key = rec.pod_namespace.zip(rec.pod_name).and_then(|(ns, n)| entity::pod_key(ns, n));
    if let Some(key) = &pod_key {
        ev.entity(
            EntityRef::new(EntityKind::Pod, key.clone(), "pod")
                .attr("namespace", rec.pod_namespace)
                .attr("name", rec.pod_name)
                .attr("uid", rec.pod_uid)
                .attr("labels", rec.pod_labels.clone()),
        );
        ev.field("pod", rec.pod_name);
        ev.add_search(key);
    }
    ev.field("pod_uid", rec.pod_uid);
    if let Some(id) = &rec.container_id {
        ev.entity(
            EntityRef::new(EntityKind::Container, id.clone(), "container")
                .attr("id", id.as_str())
                .attr("name", rec.container_name),
        );
        ev.field("container_id", id.as_str());
    }
    ev.field("container_name", rec.container_name);
    let image = rec.image.and_then(entity::image);
    if let Some((reference, digest)) = image {
        let digest = rec.image_digest.clone().or(digest);
        ev.entity(EntityRef::new(EntityKind::Image, reference.clone(), "image").attr("digest", digest.clone()));
        ev.field("image", reference);
        ev.field("image_digest", digest);
    } else if let Some(d) = &rec.image_digest {
        ev.field("image_digest", d.as_str());
    }
    ev.field("uts_hostname", rec.uts_hostname);

    // --- the arguments -----------------------------------------------------
    let mut net = Net::default();
    let mut files: Vec<String> = Vec::new();
    let mut argv: Option<Vec<&str>> = None;
    let mut pathname: Option<&str> = None;
    let mut args_obj = Map::new();
    for (name, value) in &rec.args {
        match name.as_str() {
            "remote_addr" | "addr" | "local_addr" if net.ip.is_none() => sockaddr(value, &mut net),
            "argv" => argv = string_array(value),
            "pathname" | "cmdpath" => {
                if let Some(p) = value.as_str().filter(|p| p.starts_with('/')) {
                    if name == "pathname" {
                        pathname = Some(p);
                    }
                    if !files.iter().any(|f| f == p) {
                        files.push(p.to_string());
                    }
                }
            }
            "prev_comm" => ev.field("prev_comm", value.clone()),
            "path" if value.as_str().is_some_and(|p| p.starts_with('/')) => {
                let p = value.as_str().unwrap_or_default();
                if !files.iter().any(|f| f == p) {
                    files.push(p.to_string());
                }
            }
            _ => {
                if let Some((fd, path)) = fd_path(value) {
                    ev.field("fd", fd);
                    if !files.iter().any(|f| f == path) {
                        files.push(path.to_string());
                    }
                }
            }
        }
        if !args_obj.contains_key(name) {
            args_obj.insert(name.clone(), value.clone());
        }
    }
    if !args_obj.is_empty() {
        ev.field("args", Value::Object(args_obj));
    }
    ev.field("syscall", rec.syscall);
    ev.field("return_value", rec.return_value.clone());
    if !rec.policies.is_empty() {
        ev.field("policies", rec.policies.iter().map(|p| Value::from(*p)).collect::<Vec<_>>());
    }
    for (k, v) in &rec.extra {
        ev.field(k, v.clone());
    }

    // --- the process ---------------------------------------------------------
    let trigger = sig.and_then(|s| s.triggered_by.as_deref()).unwrap_or(rec.event_name.as_str());
    let is_exec = trigger == "sched_process_exec";
    let cmdline = argv.as_ref().filter(|a| !a.is_empty()).map(|a| a.join(" "));
    // After an exec the process IS the new program: its path is the exe.
    let exe = rec.process.exe.clone().or_else(|| pathname.filter(|_| is_exec).map(str::to_string));
    let p = &rec.process;
    ev.field("pid", p.pid);
    ev.field("host_pid", p.host_pid);
    ev.field("tid", p.tid);
    ev.field("host_tid", p.host_tid);
    ev.field("ppid", rec.parent.pid);
    ev.field("host_ppid", rec.parent.host_pid);
    ev.field("uid", rec.uid);
    ev.field("process_name", p.comm);
    ev.field("exe", exe.clone());
    ev.field("process_entity_id", p.entity_id);
    ev.field("parent_entity_id", rec.parent.entity_id);
    if is_exec {
        ev.field("cmdline", cmdline.clone());
    } else if trigger.starts_with("execve") {
        // The caller is still the old program; argv is the new one's.
        ev.field("exec_path", pathname);
        ev.field("exec_cmdline", cmdline.clone());
    }
    if let Some(c) = &cmdline {
        ev.add_search(c);
    }
    if let Some(scope) = rec.container_id.as_deref() {
        if let (Some(pid), Some(exe)) = (p.host_pid, exe.as_deref()) {
            let name = exe.rsplit('/').next().unwrap_or(exe);
            ev.entity(
                EntityRef::new(EntityKind::Process, entity::process_key(scope, pid, exe), "process")
                    .attr("pid", pid)
                    .attr("container_pid", p.pid)
                    .attr("name", name)
                    .attr("comm", p.comm)
                    .attr("exe", exe)
                    .attr("cmdline", if is_exec { cmdline.clone() } else { None })
                    .attr("uid", rec.uid)
                    .attr("entity_id", p.entity_id)
                    .attr("start_time", p.start_time.clone())
                    .attr("ppid", rec.parent.host_pid),
            );
        }
        let pp = &rec.parent;
        if let (Some(pid), Some(pexe)) = (pp.host_pid, pp.exe.as_deref()) {
            ev.entity(
                EntityRef::new(EntityKind::Process, entity::process_key(scope, pid, pexe), "parent-process")
                    .attr("pid", pid)
                    .attr("container_pid", pp.pid)
                    .attr("name", pexe.rsplit('/').next())
                    .attr("comm", pp.comm)
                    .attr("exe", pexe)
                    .attr("entity_id", pp.entity_id),
            );
        }
    }
    if let Some(e) = &exe {
        ev.add_search(e);
    }

    // --- network and files -------------------------------------------------------
    if let Some(ip) = &net.ip {
        let inbound = trigger.contains("accept");
        let role = if inbound { "source-ip" } else { "destination-ip" };
        ev.entity(EntityRef::new(EntityKind::Ip, ip.clone(), role).attr("port", net.port));
        ev.field("remote_ip", ip.as_str());
        ev.field("remote_port", net.port);
        if !inbound {
            ev.field("dst_ip", ip.as_str());
            ev.field("dst_port", net.port);
        }
        ev.add_search(ip);
    }
    ev.field("family", net.family.clone());
    ev.field("unix_path", net.unix_path.clone());
    for f in &files {
        ev.entity(EntityRef::new(EntityKind::File, f.clone(), "file"));
        ev.add_search(f);
    }
    ev.field("file_path", files.first().cloned());

    // --- what it is ------------------------------------------------------------------
    let who = exe
        .as_deref()
        .map(|e| e.rsplit('/').next().unwrap_or(e))
        .or(p.comm)
        .unwrap_or("unknown process")
        .to_string();
    let target = match (&net.ip, net.port, files.first()) {
        (Some(ip), Some(port), _) if ip.contains(':') => format!(" to [{}]:{}", ip, port),
        (Some(ip), Some(port), _) => format!(" to {}:{}", ip, port),
        (Some(ip), None, _) => format!(" to {}", ip),
        (None, _, Some(f)) if !is_exec => format!(" on {}", f),
        _ => String::new(),
    };
    // A signature's sentence tells what triggered it.
    let telemetry_title = match trigger {
        "sched_process_exec" => format!("exec {}", exe.as_deref().unwrap_or(&who)),
        "execve" | "execveat" => {
            format!("{} {} by {}", trigger, pathname.unwrap_or("?"), who)
        }
        "security_socket_connect" | "connect" => format!("connect by {}{}", who, target),
        name => format!("{} by {}{}", name, who, target),
    };
    match sig {
        Some(s) => {
            let name = s.name.clone().unwrap_or_else(|| rec.event_name.clone());
            ev.rule = Some(match &s.id {
                Some(id) => format!("{} {}", id, name),
                None => name.clone(),
            });
            ev.severity = s.severity.unwrap_or(Severity::Medium);
            ev.tactics = s.tactics.clone();
            ev.techniques = s.techniques.clone();
            ev.title = name.clone();
            ev.field("signature_id", s.id.clone());
            ev.field("signature_name", name.as_str());
            ev.field("description", s.description.clone());
            ev.field("category", s.category.clone());
            ev.field("technique", s.technique_name.clone());
            ev.field("kubernetes_technique", s.kubernetes_technique.clone());
            ev.field("triggered_by", s.triggered_by.clone());
            ev.field("trigger", telemetry_title.clone());
            ev.add_search(&name);
            if let Some(id) = &s.id {
                ev.add_search(id);
            }
        }
        None => {
            ev.rule = Some(rec.event_name.clone());
            ev.severity = Severity::Info;
            ev.title = telemetry_title.clone();
        }
    }

    let what = match (sig, is_exec, &cmdline) {
        (Some(_), _, _) => format!("{}: {}", ev.title, telemetry_title),
        (None, true, Some(c)) => c.clone(),
        _ => ev.title.clone(),
    };
    ev.message = match (&pod_key, &rec.container_id) {
        (Some(pod), _) => format!("{} in pod {}", what, pod),
        (None, Some(c)) => format!("{} in container {}", what, entity::short_container_id(c)),
        (None, None) => format!("{} on the host", what),
    };
    ev
}
