//! Sysdig Secure runtime policy events, as the Events Feed API returns them
//! and as event forwarding writes them (one JSON object per event, one per
//! line, API pages `{"data": […], "page": {…}}`, or their `data` array).
//!
//! Why this module looks the way it does:
//!
//! * Every event is a policy match, so every record is an alert, whatever
//!   produced it: the agent's syscall engine (`source: syscall`), the
//!   Kubernetes audit source (`k8s_audit`) or cloud audit (`aws_cloudtrail`,
//!   …). The source is kept in the fields; only what it names differs.
//! * `timestamp` is epoch **nanoseconds** written as a JSON number past
//!   2^53, where an `f64` can no longer hold every integer: read through a
//!   float, `1795168041130456789` becomes `…456832`. serde_json (without
//!   `arbitrary_precision`, which Kordon does not enable) reads an integer
//!   literal as a `u64`, exactly; [`timestamp_ns`] takes only that (or a
//!   string of digits) and never a float, so the time the investigator sees
//!   is the one Sysdig wrote, to the nanosecond.
//! * Sysdig's runtime rules are Falco rules (same names, same fields), but
//!   `content.fields` holds every Falco field as a **string** (`"2292803"`,
//!   `"<NA>"` for a field with no value). Numbers are read from strings, and
//!   the process is keyed exactly as Falco's importer keys it (12-hex
//!   container id, host pid, full executable path), so that Sysdig's record
//!   of a process and Falco's meet on one entity.
//! * `labels` is a flat map with dotted keys (`kubernetes.pod.name`,
//!   `container.image.repo` …): they are read one by one into the canonical
//!   entities (cluster, node, namespace, workload, pod, container, image).
//! * Severity is an integer 0–7, lower more severe. Sysdig's documentation
//!   names four policy severities (High, Medium, Low, Info) but not the
//!   integers behind them; this importer reads 0–3 as High, 4–5 as Medium,
//!   6 as Low and 7 as Info. That bucketing is UNVERIFIED against a primary
//!   source; the integer itself is always kept (`fields.sysdig_severity`).
//! * Tags come as `MITRE_TA0002_execution` and
//!   `MITRE_T1059_command_and_scripting_interpreter`: the ATT&CK id inside
//!   each is taken as the vendor gives it ([`attack_ids`]). The raw tags
//!   stay in `fields.rule_tags` (not `tags`, which Kordon's tactic reading
//!   would take for Falco-style tags).
//! * `actions[]` say what the agent did about it (a capture, a killed or
//!   paused container) and whether that worked: a failed kill is something
//!   an investigator must know, so they go into the fields and the message.

use crate::attack;
use crate::entity;
use crate::formats::{str_of, strict, u64_of, Context, RecordError};
use crate::model::{EntityKind, EntityRef, EventKind, NewEvent, Severity, Source};
use crate::time;
use serde_json::{Map, Value};

/// Whether a JSON object is a Sysdig Secure event: a `content` object (the
/// rule that fired) with a `timestamp`, and the event's `name` or `labels`
/// beside it. No other format has a top-level `content` object.
pub fn sniff(obj: &Map<String, Value>) -> bool {
    let content = match obj.get("content") {
        Some(Value::Object(c)) => c,
        _ => return false,
    };
    obj.contains_key("timestamp")
        && (content.contains_key("ruleName") || content.contains_key("fields") || content.contains_key("output"))
        && (obj.contains_key("name") || matches!(obj.get("labels"), Some(Value::Object(_))))
}

/// Sysdig's integer severity (0 most severe … 7) as Kordon's; see the
/// module doc for why these buckets (UNVERIFIED).
pub fn severity_of(n: u64) -> Severity {
    match n {
        0..=3 => Severity::High,
        4 | 5 => Severity::Medium,
        6 => Severity::Low,
        _ => Severity::Info,
    }
}

/// Epoch nanoseconds from `timestamp`, exactly: an integer literal (read by
/// serde_json as `u64`, no float in between) or a string of digits. A float
/// (`1.795e18`) has lost its last digits already and is refused (`None`).
pub fn timestamp_ns(v: Option<&Value>) -> Option<i64> {
    match v? {
        Value::Number(n) => n.as_u64().and_then(|u| i64::try_from(u).ok()),
        Value::String(s) => {
            let s = s.trim();
            if !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()) {
                s.parse::<i64>().ok()
            } else {
                time::parse_rfc3339(s)
            }
        }
        _ => None,
    }
}

/// ATT&CK ids from vendor tags: `MITRE_TA0002_execution` → `TA0002`,
/// `MITRE_T1059_command_and_scripting_interpreter` → `T1059`,
/// `MITRE_T1059.004_unix_shell` → `T1059.004`; Falco-style tags
/// (`mitre_execution`, `T1059`) as Kordon reads them anywhere. A bare
/// `MITRE` (KubeArmor's marker) names nothing. Sorted, unique.
pub fn attack_ids<'a>(tags: impl IntoIterator<Item = &'a str>) -> (Vec<String>, Vec<String>) {
    let mut plain: Vec<&str> = Vec::new();
    let mut tactics: Vec<String> = Vec::new();
    let mut techniques: Vec<String> = Vec::new();
    for tag in tags {
        let tag = tag.trim();
        let inner = tag
            .get(..6)
            .filter(|p| p.eq_ignore_ascii_case("mitre_"))
            .map(|_| &tag[6..])
            .and_then(|rest| rest.split('_').next());
        match inner {
            Some(id) if is_tactic_id(id) && attack::tactic_name(id).is_some() => tactics.push(id.to_string()),
            Some(id) if attack::is_technique_id(id) => techniques.push(id.to_string()),
            _ => plain.push(tag),
        }
    }
    let (t2, te2) = attack::classify_tags(plain);
    tactics.extend(t2);
    techniques.extend(te2);
    tactics.sort_by_key(|t| attack::kill_chain_position(t));
    tactics.dedup();
    techniques.sort();
    techniques.dedup();
    (tactics, techniques)
}

fn is_tactic_id(s: &str) -> bool {
    s.len() == 6 && s.starts_with("TA") && s[2..].bytes().all(|b| b.is_ascii_digit())
}

/// `deployment` (Sysdig's lower-case workload type) → `Deployment`, the
/// kind Kubernetes and the other importers key workloads by.
pub fn workload_kind(t: &str) -> String {
    match t.trim().to_ascii_lowercase().as_str() {
        "deployment" => "Deployment".into(),
        "daemonset" => "DaemonSet".into(),
        "statefulset" => "StatefulSet".into(),
        "replicaset" => "ReplicaSet".into(),
        "job" => "Job".into(),
        "cronjob" => "CronJob".into(),
        "pod" => "Pod".into(),
        "replicationcontroller" => "ReplicationController".into(),
        _ => {
            let mut c = t.trim().chars();
            match c.next() {
                Some(f) => f.to_ascii_uppercase().to_string() + c.as_str(),
                None => String::new(),
            }
        }
    }
}

/// The export shape of a record, from the container it came in: a page of
/// the Events Feed API (`{"data": […], "page": {…}}`), its `data` array
/// alone, or event forwarding's one object per line.
fn shape(ctx: &Context) -> &'static str {
    match ctx.hint.container.as_deref().map(|c| c.key) {
        Some("data") => "sysdig-feed-page",
        Some(_) => "sysdig-feed-array",
        None => "sysdig-forwarding",
    }
}

/// Parses one Sysdig Secure event into an alert, naming the export shape
/// it came in.
pub fn parse_for_import(raw: &[u8], ctx: &Context) -> Result<NewEvent, RecordError> {
    let mut ev = parse(raw)?;
    ev.shape = Some(shape(ctx));
    Ok(ev)
}

/// Parses one Sysdig Secure event into an alert.
pub fn parse(raw: &[u8]) -> Result<NewEvent, RecordError> {
    let value = strict::value(raw)?;
    let obj = value
        .as_object()
        .ok_or_else(|| RecordError::new("Sysdig event is not a JSON object"))?;
    let content = match obj.get("content") {
        Some(Value::Object(c)) => c,
        Some(other) => {
            return Err(RecordError::new(format!(
                "Sysdig event `content` is {}, not an object",
                crate::formats::type_name(other)
            )))
        }
        None => return Err(RecordError::new("Sysdig event without `content`")),
    };
    let policy = str_of(obj.get("name"));
    let rule = str_of(content.get("ruleName"))
        .or(policy)
        .ok_or_else(|| RecordError::new("Sysdig event with neither `content.ruleName` nor `name`"))?;
    let severity_raw = match obj.get("severity") {
        None | Some(Value::Null) => None,
        Some(v) => Some(u64_of(Some(v)).filter(|n| *n <= 7).ok_or_else(|| {
            RecordError::new(format!("Sysdig event `severity` is not an integer 0–7: {}", v))
        })?),
    };
    let time_ns = match obj.get("timestamp") {
        Some(v) => Some(timestamp_ns(Some(v)).ok_or_else(|| {
            RecordError::new(format!(
                "Sysdig event `timestamp` is not epoch nanoseconds as an integer: {}",
                v
            ))
        })?),
        None => None,
    };

    let empty = Map::new();
    let labels = obj.get("labels").and_then(Value::as_object).unwrap_or(&empty);
    let of = content.get("fields").and_then(Value::as_object).unwrap_or(&empty);
    let label = |k: &str| str_of(labels.get(k));
    let field = |k: &str| str_of(of.get(k));
    let source = str_of(obj.get("source"));

    let mut ev = NewEvent::new(Source::Sysdig, EventKind::Alert, policy.unwrap_or(rule));
    ev.rule = Some(rule.to_string());
    ev.severity = severity_raw.map(severity_of).unwrap_or(Severity::Medium);
    ev.time_ns = time_ns;
    let id = str_of(obj.get("id"));
    ev.dedup_key = id.map(|id| format!("sysdig|{}", id));

    let tags: Vec<&str> = content
        .get("ruleTags")
        .and_then(Value::as_array)
        .map(|a| a.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    let (tactics, techniques) = attack_ids(tags.iter().copied());
    ev.tactics = tactics;
    ev.techniques = techniques;

    // --- where: cluster, node, namespace, workload, pod ----------------------
    let cluster = label("kubernetes.cluster.name");
    if let Some(c) = cluster {
        ev.entity(
            EntityRef::new(EntityKind::Cluster, c, "cluster")
                .attr("provider", label("cloudProvider.name"))
                .attr("account", label("cloudProvider.account.id"))
                .attr("region", label("cloudProvider.region")),
        );
    }
    let host = label("host.hostName");
    let node = label("kubernetes.node.name").or(host);
    if let Some(n) = node {
        ev.entity(EntityRef::new(EntityKind::Node, n, "node"));
    }
    let namespace = label("kubernetes.namespace.name").or_else(|| field("k8s.ns.name"));
    let pod_name = label("kubernetes.pod.name").or_else(|| field("k8s.pod.name"));
    if let Some(ns) = namespace {
        ev.entity(EntityRef::new(EntityKind::Namespace, ns, "namespace"));
    }
    let pod = namespace.zip(pod_name).and_then(|(ns, p)| entity::pod_key(ns, p));
    if let (Some(key), Some(ns), Some(name)) = (&pod, namespace, pod_name) {
        ev.entity(
            EntityRef::new(EntityKind::Pod, key.clone(), "pod")
                .attr("namespace", ns)
                .attr("name", name)
                .attr("uid", label("container.label.io.kubernetes.pod.uid")),
        );
    }
    // The workload: the generic pair, else a CronJob's or a Job's name.
    let workload = match (label("kubernetes.workload.name"), label("kubernetes.workload.type")) {
        (Some(name), Some(kind)) => Some((workload_kind(kind), name)),
        _ => label("kubernetes.cronJob.name")
            .map(|n| ("CronJob".to_string(), n))
            .or_else(|| label("kubernetes.job.name").map(|n| ("Job".to_string(), n)))
            .or_else(|| label("kubernetes.deployment.name").map(|n| ("Deployment".to_string(), n))),
    };
    let workload_key = workload
        .as_ref()
        .and_then(|(kind, name)| entity::workload_key(namespace, kind, name));
    if let (Some(key), Some((kind, name))) = (&workload_key, &workload) {
        ev.entity(
            EntityRef::new(EntityKind::Workload, key.clone(), "owner")
                .attr("kind", kind.as_str())
                .attr("name", *name)
                .attr("namespace", namespace),
        );
    }

    // --- container and image ---------------------------------------------------
    let container = label("container.id")
        .or_else(|| field("container.id"))
        .and_then(entity::container_id);
    let container_name = label("container.name").or_else(|| field("container.name"));
    if let Some(cid) = &container {
        ev.entity(
            EntityRef::new(EntityKind::Container, cid.clone(), "container")
                .attr("id", cid.as_str())
                .attr("name", container_name),
        );
    }
    let repo = label("container.image.repo").or_else(|| field("container.image.repository"));
    let tag = label("container.image.tag").or_else(|| field("container.image.tag"));
    let image = repo.and_then(|r| entity::image_from_parts(r, tag));
    let digest = label("container.image.digest")
        .or_else(|| field("container.image.digest"))
        .map(str::to_ascii_lowercase);
    let mut image_ref = None;
    if let Some((reference, from_ref)) = image {
        let digest = digest.clone().or(from_ref);
        ev.entity(EntityRef::new(EntityKind::Image, reference.clone(), "image").attr("digest", digest));
        image_ref = Some(reference);
    }

    // --- the process, keyed as Falco's importer keys it ------------------------
    let scope = container.as_deref().or(node).unwrap_or("host");
    let pid = u64_of(of.get("proc.pid")).filter(|_| field("proc.pid").is_some());
    let ppid = u64_of(of.get("proc.ppid")).filter(|_| field("proc.ppid").is_some());
    let proc_name = field("proc.name");
    let cmdline = field("proc.cmdline");
    let exepath = field("proc.exepath");
    let exe = field("proc.exe");
    let pname = field("proc.pname");
    let executable = exepath.or(exe).or(proc_name);
    if let (Some(pid), Some(executable)) = (pid, executable) {
        ev.entity(
            EntityRef::new(EntityKind::Process, entity::process_key(scope, pid, executable), "process")
                .attr("pid", pid)
                .attr("name", proc_name)
                .attr("cmdline", cmdline)
                .attr("exe", executable)
                .attr("parent_name", pname)
                .attr("ppid", ppid),
        );
    }
    let parent_exe = field("proc.pexepath").or_else(|| field("proc.pexe").filter(|p| p.starts_with('/')));
    if let (Some(ppid), Some(pexe)) = (ppid, parent_exe) {
        ev.entity(
            EntityRef::new(EntityKind::Process, entity::process_key(scope, ppid, pexe), "parent-process")
                .attr("pid", ppid)
                .attr("name", pname)
                .attr("exe", pexe),
        );
    }

    // --- network and files (values are strings) --------------------------------
    let evt_type = field("evt.type");
    let fd_name = field("fd.name");
    let (conn_src, conn_dst) = fd_name.map(connection).unwrap_or_default();
    let src_ip = field("fd.cip").and_then(entity::ip).or(conn_src.0);
    let src_port = u64_of(of.get("fd.cport")).or(conn_src.1);
    let dst_ip = field("fd.sip").and_then(entity::ip).or(conn_dst.0);
    let dst_port = u64_of(of.get("fd.sport")).or(conn_dst.1);
    let inbound = evt_type.is_some_and(|t| t.starts_with("accept"));
    let (remote_ip, remote_port, role) = match field("fd.rip").and_then(entity::ip) {
        Some(rip) => (Some(rip), u64_of(of.get("fd.rport")), "destination-ip"),
        None if inbound => (src_ip.clone(), src_port, "source-ip"),
        None => (dst_ip.clone(), dst_port, "destination-ip"),
    };
    if let Some(rip) = &remote_ip {
        ev.entity(EntityRef::new(EntityKind::Ip, rip.clone(), role).attr("port", remote_port));
    }
    let file = fd_name
        .filter(|n| n.starts_with('/') && !n.contains("->"))
        .or_else(|| field("fs.path.name").filter(|n| n.starts_with('/')));
    if let Some(path) = file {
        ev.entity(EntityRef::new(EntityKind::File, path, "file"));
    }

    // --- other sources: the Kubernetes audit log, cloud audit -------------------
    let user = field("ka.user.name").or_else(|| field("ct.user.arn")).or_else(|| field("ct.user"));
    if let Some(u) = user {
        let role = if field("ka.user.name").is_some() { "actor" } else { "cloud-principal" };
        ev.entity(EntityRef::new(EntityKind::Identity, u, role));
    }
    let caller_ip = field("ka.sourceips")
        .and_then(|s| s.trim_matches(|c| c == '[' || c == ']').split([',', ' ']).find_map(entity::ip))
        .or_else(|| field("ct.srcip").and_then(entity::ip));
    if let Some(ip) = &caller_ip {
        ev.entity(EntityRef::new(EntityKind::Ip, ip.clone(), "source-ip"));
    }

    // --- actions -------------------------------------------------------------------
    let mut action_notes: Vec<String> = Vec::new();
    let mut actions_out: Vec<Value> = Vec::new();
    if let Some(actions) = obj.get("actions").and_then(Value::as_array) {
        for a in actions.iter().filter_map(Value::as_object) {
            let kind = str_of(a.get("type")).unwrap_or("action");
            let ok = a.get("isSuccessful").and_then(Value::as_bool);
            let err = str_of(a.get("errMsg"));
            let note = match (ok, err) {
                (Some(true), _) => format!("{} succeeded", kind),
                (Some(false), Some(e)) => format!("{} failed ({})", kind, e),
                (Some(false), None) => format!("{} failed", kind),
                (None, _) => kind.to_string(),
            };
            action_notes.push(note);
            let mut out = Map::new();
            out.insert("type".into(), kind.into());
            if let Some(ok) = ok {
                out.insert("successful".into(), ok.into());
            }
            if let Some(e) = err {
                out.insert("error".into(), e.into());
            }
            if let Some(t) = str_of(a.get("token")) {
                out.insert("capture_token".into(), t.into());
            }
            actions_out.push(Value::Object(out));
        }
    }

    let output = str_of(content.get("output")).unwrap_or("");
    let mut message = if output.is_empty() {
        str_of(obj.get("description")).unwrap_or(rule).to_string()
    } else {
        output.to_string()
    };
    if !action_notes.is_empty() {
        message.push_str(&format!(" [Sysdig actions: {}]", action_notes.join(", ")));
    }
    ev.message = message;

    // --- normalized fields ---------------------------------------------------------
    ev.field("sysdig_id", id);
    ev.field("sysdig_severity", severity_raw);
    ev.field("sysdig_source", source);
    ev.field("source_type", obj.get("sourceDetails").and_then(|d| str_of(d.get("type"))));
    ev.field("source_subtype", obj.get("sourceDetails").and_then(|d| str_of(d.get("subType"))));
    ev.field("engine", str_of(obj.get("engine")));
    ev.field("originator", str_of(obj.get("originator")));
    ev.field("category", str_of(obj.get("category")));
    ev.field("policy", policy);
    ev.field("policy_id", content.get("policyId").filter(|v| !v.is_null()).cloned());
    ev.field("rule_type", str_of(content.get("ruleType")));
    ev.field("content_type", str_of(content.get("type")));
    if !tags.is_empty() {
        ev.field("rule_tags", tags.iter().map(|t| Value::from(*t)).collect::<Vec<_>>());
    }
    if !actions_out.is_empty() {
        ev.field("actions", actions_out);
    }
    ev.field("cluster", cluster);
    ev.field("node", node);
    ev.field("namespace", namespace);
    ev.field("pod", pod_name);
    ev.field("workload", workload_key.clone());
    ev.field("container_id", container.clone());
    ev.field("container_name", container_name);
    ev.field("image", image_ref.clone());
    ev.field("image_digest", digest);
    ev.field("evt_type", evt_type);
    ev.field("proc_name", proc_name);
    ev.field("cmdline", cmdline);
    ev.field("exe", executable);
    ev.field("pid", pid);
    ev.field("ppid", ppid);
    ev.field("pname", pname);
    ev.field("parent_exe", parent_exe);
    ev.field("user", field("user.name"));
    ev.field("fd_name", fd_name);
    ev.field("src_ip", src_ip);
    ev.field("src_port", src_port);
    ev.field("dst_ip", dst_ip);
    ev.field("dst_port", dst_port);
    ev.field("remote_ip", remote_ip);
    ev.field("remote_port", remote_port);
    ev.field("protocol", field("fd.l4proto"));
    ev.field("file_path", file);
    ev.field("k8s_user", field("ka.user.name"));
    ev.field("k8s_verb", field("ka.verb"));
    ev.field("k8s_uri", field("ka.uri"));
    ev.field("cloud_user", field("ct.user.arn").or_else(|| field("ct.user")));
    ev.field("cloud_event", field("ct.name"));
    ev.field("source_ip", caller_ip);

    for s in [policy, cmdline, executable, pname, fd_name, container_name, pod.as_deref(), user]
        .into_iter()
        .flatten()
    {
        ev.add_search(s);
    }
    if let Some(image) = &image_ref {
        ev.add_search(image);
    }
    Ok(ev)
}

type End = (Option<String>, Option<u64>);

/// Both ends of `fd.name` (`10.244.1.23:48312->198.51.100.77:4444`).
fn connection(fd_name: &str) -> (End, End) {
    match fd_name.split_once("->") {
        Some((l, r)) => (endpoint(l), endpoint(r)),
        None => Default::default(),
    }
}

fn endpoint(s: &str) -> End {
    let s = s.trim();
    let ip = entity::ip(s);
    let port = if ip.is_some() && s.parse::<std::net::IpAddr>().is_err() {
        s.rsplit_once(':').and_then(|(_, p)| p.parse().ok())
    } else {
        None
    };
    (ip, port)
}

#[cfg(test)]
mod tests;
