//! Falco alerts, as Falco writes them (`json_output: true`) and as
//! Falcosidekick forwards them.
//!
//! Why this module looks the way it does:
//!
//! * An investigator rarely gets one clean file. `kubectl logs ds/falco` mixes
//!   start-up lines with JSON alerts (and `[pod/…/falco]` prefixes with
//!   `--prefix`); Falco's default is `json_output: false`, so whole files of
//!   plain-text alerts exist too. Those text lines carry no structure worth
//!   trusting (no date, no fields), so [`parse_text`] keeps them as unparsed
//!   evidence with a reason that says what they are, instead of guessing.
//! * The same alert often arrives twice: once from Falco's stdout and once
//!   through Falcosidekick (which adds a `uuid`, re-encodes `time` with its
//!   trailing zeros trimmed, sorts the tags and escapes `<`/`>`/`&`). Both get
//!   one dedup key built from values Sidekick does not change (time compared
//!   as nanoseconds, rule, container or host, pid), and the plain record
//!   ranks higher because it is the original.
//! * `output_fields` is whatever the rule's output format and `append_output`
//!   asked for: any key may be missing or `null`, numbers may exceed
//!   `i64::MAX` or be floats. Every read is optional and values are copied as
//!   JSON so nothing is lost; only a missing `rule` or `priority` rejects a
//!   record.
//! * Records of old Falco versions (`%container.info` era) have the
//!   Kubernetes names only in the output text (`k8s.ns=… k8s.pod=…`); they are
//!   read from there when `output_fields` lacks them.

use crate::attack;
use crate::entity;
use crate::formats::{str_of, strict, u64_of, RecordError};
use crate::model::{EntityKind, EntityRef, EventKind, NewEvent, Severity, Source};
use crate::time;
use serde_json::{Map, Value};

/// Rank of a record straight from Falco: it wins over its forwarded copy.
const RANK_PLAIN: i32 = 1;
/// Rank of a Falcosidekick-forwarded record (re-encoded, may carry custom fields).
const RANK_SIDEKICK: i32 = 0;

/// Whether a JSON object is a Falco alert: `rule` and `priority` strings plus
/// `output_fields` or `output`. Falcosidekick payloads have the same keys
/// (and a `uuid`), so they match too.
pub fn sniff(obj: &Map<String, Value>) -> bool {
    let is_str = |k: &str| matches!(obj.get(k), Some(Value::String(_)));
    is_str("rule")
        && is_str("priority")
        && (matches!(obj.get("output_fields"), Some(Value::Object(_))) || is_str("output"))
}

/// Maps a Falco priority (any case; text output also writes `Info`) to a
/// severity. `None` for a word Falco does not use.
pub fn severity_of(priority: &str) -> Option<Severity> {
    let p = priority.trim().to_ascii_lowercase();
    Some(match p.as_str() {
        "emergency" | "alert" | "critical" => Severity::Critical,
        "error" => Severity::High,
        "warning" | "warn" => Severity::Medium,
        "notice" => Severity::Low,
        "informational" | "info" | "debug" => Severity::Info,
        _ => return None,
    })
}

/// Parses one Falco alert (plain or Falcosidekick-forwarded).
pub fn parse(raw: &[u8]) -> Result<NewEvent, RecordError> {
    let value = strict::value(raw)?;
    let obj = value
        .as_object()
        .ok_or_else(|| RecordError::new("Falco alert is not a JSON object"))?;
    let rule =
        str_of(obj.get("rule")).ok_or_else(|| RecordError::new("Falco alert without a `rule`"))?;
    let priority = str_of(obj.get("priority"))
        .ok_or_else(|| RecordError::new("Falco alert without a `priority`"))?;

    let empty = Map::new();
    let of = obj
        .get("output_fields")
        .and_then(Value::as_object)
        .unwrap_or(&empty);
    let output = obj.get("output").and_then(Value::as_str).unwrap_or("");
    let text = |keys: &[&str]| text_value(output, keys);
    let sidekick_uuid = str_of(obj.get("uuid"));

    let mut ev = NewEvent::new(Source::Falco, EventKind::Alert, rule);
    ev.rule = Some(rule.to_string());
    // An unknown priority word still is an alert: medium, the raw word kept.
    ev.severity = severity_of(priority).unwrap_or(Severity::Medium);
    ev.message = output.to_string();
    ev.rank = if sidekick_uuid.is_some() {
        RANK_SIDEKICK
    } else {
        RANK_PLAIN
    };
    ev.time_ns = obj
        .get("time")
        .and_then(json_time)
        .or_else(|| of.get("evt.time").and_then(time::ns_from_json))
        .or_else(|| of.get("evt.time.iso8601").and_then(json_time));

    let tags: Vec<&str> = obj
        .get("tags")
        .and_then(Value::as_array)
        .map(|a| a.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    let (tactics, techniques) = attack::classify_tags(tags.iter().copied());
    ev.tactics = tactics;
    ev.techniques = techniques;

    // --- where it happened: node, namespace, pod, container, image ----------
    let hostname = str_of(obj.get("hostname"));
    // The Helm chart sets the hostname to the node name; old installs report
    // the Falco pod's own name, which is no node.
    let node = hostname.filter(|h| !looks_like_falco_pod_name(h));
    if let Some(node) = node {
        ev.entity(EntityRef::new(EntityKind::Node, node, "node"));
    }

    let namespace =
        str_of(of.get("k8s.ns.name")).or_else(|| text(&["k8s_ns_name", "k8s.ns", "k8s_ns"]));
    let pod_name =
        str_of(of.get("k8s.pod.name")).or_else(|| text(&["k8s_pod_name", "k8s.pod", "k8s_pod"]));
    if let Some(ns) = namespace {
        ev.entity(EntityRef::new(EntityKind::Namespace, ns, "namespace"));
    }
    let pod = namespace
        .zip(pod_name)
        .and_then(|(ns, name)| entity::pod_key(ns, name));
    if let (Some(key), Some(ns), Some(name)) = (&pod, namespace, pod_name) {
        ev.entity(
            EntityRef::new(EntityKind::Pod, key.clone(), "pod")
                .attr("namespace", ns)
                .attr("name", name)
                .attr("uid", str_of(of.get("k8s.pod.uid"))),
        );
    }

    // `container.id` is the 12-hex short id (`host` for host processes);
    // `container.full_id`, when a rule asks for it, is better still.
    let container_raw =
        str_of(of.get("container.id")).or_else(|| text(&["container_id", "container"]));
    let container = str_of(of.get("container.full_id"))
        .and_then(entity::container_id)
        .or_else(|| container_raw.and_then(entity::container_id));
    let container_name = str_of(of.get("container.name"))
        .or_else(|| text(&["container_name"]))
        .filter(|n| *n != "host");
    if let Some(id) = &container {
        ev.entity(
            EntityRef::new(EntityKind::Container, id.clone(), "container")
                .attr("id", id.as_str())
                .attr("name", container_name),
        );
    }

    let repository = str_of(of.get("container.image.repository"))
        .or_else(|| text(&["container_image_repository"]));
    let tag = str_of(of.get("container.image.tag")).or_else(|| text(&["container_image_tag"]));
    let image = match repository {
        Some(repo) => entity::image_from_parts(repo, tag),
        None => str_of(of.get("container.image")).and_then(entity::image),
    };
    let mut image_ref = None;
    if let Some((reference, digest)) = image {
        let digest = str_of(of.get("container.image.digest"))
            .map(str::to_ascii_lowercase)
            .or(digest);
        ev.entity(
            EntityRef::new(EntityKind::Image, reference.clone(), "image").attr("digest", digest),
        );
        image_ref = Some(reference);
    }

    // --- the process ---------------------------------------------------------
    // Scope of the pid: the container, else the node (host processes).
    let scope = container.as_deref().or(hostname).unwrap_or("host");
    let pid = u64_of(of.get("proc.pid"));
    let ppid = u64_of(of.get("proc.ppid"));
    let proc_name = str_of(of.get("proc.name"));
    let cmdline = str_of(of.get("proc.cmdline"));
    let exepath = str_of(of.get("proc.exepath"));
    let exe = str_of(of.get("proc.exe"));
    let pname = str_of(of.get("proc.pname"));
    // Tetragon reports the full path of the binary: prefer Falco's full path
    // so that both tools' records of one process share a key.
    let executable = exepath.or(exe).or(proc_name);
    if let (Some(pid), Some(executable)) = (pid, executable) {
        ev.entity(
            EntityRef::new(
                EntityKind::Process,
                entity::process_key(scope, pid, executable),
                "process",
            )
            .attr("pid", pid)
            .attr("name", proc_name)
            .attr("cmdline", cmdline)
            .attr("exe", executable)
            .attr("parent_name", pname)
            .attr("ppid", ppid),
        );
    }
    // A parent entity only with a full path, else its key would never meet
    // the parent as Tetragon names it.
    let parent_exe = str_of(of.get("proc.pexepath"))
        .or_else(|| str_of(of.get("proc.pexe")).filter(|p| p.starts_with('/')));
    if let (Some(ppid), Some(pexe)) = (ppid, parent_exe) {
        ev.entity(
            EntityRef::new(
                EntityKind::Process,
                entity::process_key(scope, ppid, pexe),
                "parent-process",
            )
            .attr("pid", ppid)
            .attr("name", pname)
            .attr("exe", pexe),
        );
    }

    // --- network and files ---------------------------------------------------
    let evt_type = str_of(of.get("evt.type"));
    let fd_name = str_of(of.get("fd.name"));
    let conn = fd_name.and_then(parse_connection);
    let src_ip = str_of(of.get("fd.cip"))
        .and_then(entity::ip)
        .or_else(|| conn.as_ref().and_then(|c| c.src_ip.clone()));
    let dst_ip = str_of(of.get("fd.sip"))
        .and_then(entity::ip)
        .or_else(|| conn.as_ref().and_then(|c| c.dst_ip.clone()));
    let src_port = u64_of(of.get("fd.cport")).or(conn.as_ref().and_then(|c| c.src_port));
    let dst_port = u64_of(of.get("fd.sport")).or(conn.as_ref().and_then(|c| c.dst_port));
    let inbound = evt_type.is_some_and(|t| t.starts_with("accept"));
    // The remote end is the one an investigator follows: the server for an
    // outbound connection, the client for an accepted one.
    let (remote_ip, remote_port) = match str_of(of.get("fd.rip")).and_then(entity::ip) {
        Some(rip) => (Some(rip), u64_of(of.get("fd.rport"))),
        None if inbound => (src_ip.clone(), src_port),
        None => (
            dst_ip.clone(),
            dst_port.or_else(|| u64_of(of.get("fd.rport"))),
        ),
    };
    if let Some(rip) = &remote_ip {
        let client_side = src_ip.as_ref() == Some(rip) && dst_ip.as_ref() != Some(rip);
        let role = if client_side || (inbound && src_ip.is_none()) {
            "source-ip"
        } else {
            "destination-ip"
        };
        ev.entity(EntityRef::new(EntityKind::Ip, rip.clone(), role).attr("port", remote_port));
    }
    let file = fd_name
        .filter(|n| n.starts_with('/') && !n.contains("->"))
        .or_else(|| str_of(of.get("fs.path.name")).filter(|n| n.starts_with('/')));
    if let Some(path) = file {
        ev.entity(EntityRef::new(EntityKind::File, path, "file"));
    }

    // --- normalized fields ---------------------------------------------------
    ev.field("priority", priority);
    ev.field("hostname", hostname);
    ev.field("falco_source", str_of(obj.get("source")));
    ev.field("sidekick_uuid", sidekick_uuid);
    if !tags.is_empty() {
        ev.field(
            "tags",
            tags.iter().map(|t| Value::from(*t)).collect::<Vec<_>>(),
        );
    }
    ev.field("evt_type", evt_type);
    ev.field("proc_name", proc_name);
    ev.field("cmdline", cmdline);
    ev.field("exe", executable);
    ev.field("pid", pid);
    ev.field("ppid", ppid);
    ev.field("pname", pname);
    ev.field("parent_exe", parent_exe);
    ev.field("cwd", str_of(of.get("proc.cwd")));
    ev.field("user", str_of(of.get("user.name")));
    ev.field("uid", present(of.get("user.uid")));
    ev.field("loginuid", present(of.get("user.loginuid")));
    ev.field("tty", present(of.get("proc.tty")));
    ev.field("fd_name", fd_name);
    ev.field("src_ip", src_ip.clone());
    ev.field("src_port", src_port);
    ev.field("dst_ip", dst_ip.clone());
    ev.field("dst_port", dst_port);
    ev.field("remote_ip", remote_ip.clone());
    ev.field("remote_port", remote_port);
    ev.field("protocol", str_of(of.get("fd.l4proto")));
    ev.field("file_path", file);
    ev.field("flags", str_of(of.get("evt.arg.flags")));
    ev.field("namespace", namespace);
    ev.field("pod", pod_name);
    ev.field("container_id", container.clone());
    ev.field("container_name", container_name);
    ev.field("image", image_ref.clone());

    for s in [
        cmdline,
        executable,
        pname,
        fd_name,
        str_of(of.get("user.name")),
        container_name,
        pod.as_deref(),
    ]
    .into_iter()
    .flatten()
    {
        ev.add_search(s);
    }
    if let Some(image) = &image_ref {
        ev.add_search(image);
    }

    // One key for the plain alert and its Falcosidekick copy.
    ev.dedup_key = ev.time_ns.map(|ns| {
        format!(
            "falco|{}|{}|{}|{}",
            ns,
            rule,
            container.as_deref().or(hostname).unwrap_or("-"),
            pid.map(|p| p.to_string())
                .unwrap_or_else(|| "-".to_string())
        )
    });
    Ok(ev)
}

/// Non-JSON lines found in a Falco file. They never become events: a
/// plain-text alert (`json_output: false`) has no date and no fields to
/// trust, so it is kept as unparsed evidence, and Falco's own log lines are
/// no alerts. The error reason says which it is.
pub fn parse_text(text: &str) -> Result<Vec<NewEvent>, RecordError> {
    let mut alerts: Vec<TextAlert> = Vec::new();
    let (mut log_lines, mut prefixed_json, mut broken_json, mut other) =
        (0usize, 0usize, 0usize, 0usize);
    for line in text.lines() {
        let stripped = strip_kubectl_prefix(line);
        let trimmed = stripped.trim();
        if trimmed.is_empty() {
            continue;
        }
        if let Some(alert) = text_alert(stripped) {
            alerts.push(alert);
        } else if trimmed.starts_with('{') {
            if stripped.len() != line.len() && serde_json::from_str::<Value>(trimmed).is_ok() {
                prefixed_json += 1;
            } else {
                broken_json += 1;
            }
        } else if is_falco_log_line(stripped) {
            log_lines += 1;
        } else {
            other += 1;
        }
    }

    let reason = if !alerts.is_empty() {
        let mut priorities: Vec<&str> = Vec::new();
        for a in &alerts {
            if !priorities.contains(&a.priority.as_str()) {
                priorities.push(a.priority.as_str());
            }
        }
        let when = if alerts.len() == 1 {
            let a = &alerts[0];
            if a.has_date {
                format!(", time {}", a.time)
            } else {
                format!(", time {} (time of day only, no date)", a.time)
            }
        } else {
            String::new()
        };
        let what = if alerts.len() == 1 {
            "plain-text Falco alert".to_string()
        } else {
            format!("{} plain-text Falco alerts", alerts.len())
        };
        let label = if priorities.len() == 1 {
            "priority"
        } else {
            "priorities"
        };
        format!(
            "{} (json_output is off), kept as unparsed evidence: {} {}{}",
            what,
            label,
            priorities.join(", "),
            when
        )
    } else if prefixed_json > 0 {
        "JSON record behind a `kubectl logs --prefix` prefix: the prefix must be stripped \
         (formats::falco::strip_kubectl_prefix) before the record is parsed"
            .to_string()
    } else if broken_json > 0 {
        "not a Falco alert: incomplete or invalid JSON".to_string()
    } else if log_lines > 0 && other == 0 {
        if log_lines == 1 {
            "not a Falco alert: Falco log line".to_string()
        } else {
            format!("not a Falco alert: {} Falco log lines", log_lines)
        }
    } else if other > 0 {
        "not a Falco alert: text line that is neither JSON nor Falco output".to_string()
    } else {
        "not a Falco alert: empty text".to_string()
    };
    Err(RecordError::new(reason))
}

/// Whether a text (the start of a file with no JSON record) holds plain-text
/// Falco alerts, i.e. Falco ran with `json_output: false`.
///
/// A `kubectl cluster-info dump` log block may quote Falco's output too; that
/// file belongs to the Kubernetes-objects importer, so its marker wins.
pub fn looks_like_text_alert(text: &str) -> bool {
    let mut seen = 0;
    for line in text.lines().take(500) {
        if line.starts_with("==== START logs for") {
            return false;
        }
        if text_alert(strip_kubectl_prefix(line)).is_some() {
            seen += 1;
        }
    }
    seen > 0
}

/// Removes what `kubectl logs` puts in front of a container's line:
/// `--prefix` writes `[pod/<pod>/<container>] `, `--timestamps` an RFC 3339
/// time and a space (both, in that order, when both flags are given).
///
/// The framing layer calls this on each line of a Falco file before looking
/// for JSON, so that `[pod/falco-9kq4z/falco] {"hostname":…}` still parses;
/// the raw line, prefix included, stays the stored evidence. Lines without
/// such a prefix come back unchanged.
pub fn strip_kubectl_prefix(line: &str) -> &str {
    let mut rest = line;
    if let Some(inner_and_rest) = rest.strip_prefix('[') {
        if let Some(end) = inner_and_rest.find("] ") {
            let inner = &inner_and_rest[..end];
            if inner.contains('/') && !inner.contains(char::is_whitespace) && !inner.is_empty() {
                rest = &inner_and_rest[end + 2..];
            }
        }
    }
    if let Some((first, after)) = rest.split_once(' ') {
        let stamp_like = first.len() >= 20 && first.as_bytes()[4] == b'-' && first.contains('T');
        if stamp_like && time::parse_rfc3339(first).is_some() {
            rest = after;
        }
    }
    rest
}

// ---------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------

/// Falco's `time` is RFC 3339; the ISO-8601 mode of the text output writes
/// the offset without a colon (`+0000`), which is normalized here.
fn parse_falco_time(s: &str) -> Option<i64> {
    time::parse_rfc3339(s).or_else(|| {
        let s = s.trim();
        let cut = s.len().checked_sub(5)?;
        if let (Some(head), Some(offset)) = (s.get(..cut), s.get(cut..)) {
            let o = offset.as_bytes();
            if (o[0] == b'+' || o[0] == b'-') && o[1..].iter().all(u8::is_ascii_digit) {
                return time::parse_rfc3339(&format!("{}{}:{}", head, &offset[..3], &offset[3..]));
            }
        }
        None
    })
}

/// A time given as epoch nanoseconds (number or numeric string) or as an
/// RFC 3339 / ISO-8601 string (`time`, `evt.time.iso8601`).
fn json_time(v: &Value) -> Option<i64> {
    match v {
        Value::String(s) => s.trim().parse::<i64>().ok().or_else(|| parse_falco_time(s)),
        other => time::ns_from_json(other),
    }
}

/// A value of `output_fields`, copied losslessly, `null`/`<NA>` dropped.
fn present(v: Option<&Value>) -> Value {
    match v {
        None | Some(Value::Null) => Value::Null,
        Some(Value::String(s)) if entity::is_absent(s) => Value::Null,
        Some(other) => other.clone(),
    }
}

/// Reads `key=value` from the rendered output text, first occurrence wins
/// (`%container.info` repeats itself). Used only when `output_fields` lacks
/// the value (old Falco versions).
fn text_value<'a>(output: &'a str, keys: &[&str]) -> Option<&'a str> {
    for token in output.split_whitespace() {
        if let Some((k, v)) = token.split_once('=') {
            if keys.contains(&k) {
                let v = v.trim_end_matches(')').trim_matches('"');
                return if entity::is_absent(v) { None } else { Some(v) };
            }
        }
    }
    None
}

/// The hostname of old installs is the Falco pod's own name: a DaemonSet
/// pod `falco-` + 5 characters of the Kubernetes random-suffix alphabet.
fn looks_like_falco_pod_name(h: &str) -> bool {
    h.strip_prefix("falco-").is_some_and(|suffix| {
        suffix.len() == 5
            && suffix
                .bytes()
                .all(|b| b"bcdfghjklmnpqrstvwxz2456789".contains(&b))
    })
}

/// Both ends of a socket as Falco names it: `10.244.1.23:48312->10.0.0.1:443`
/// (client on the left, server on the right).
#[derive(Debug, Default, PartialEq)]
struct Connection {
    src_ip: Option<String>,
    src_port: Option<u64>,
    dst_ip: Option<String>,
    dst_port: Option<u64>,
}

fn parse_connection(fd_name: &str) -> Option<Connection> {
    let (left, right) = fd_name.split_once("->")?;
    let (src_ip, src_port) = split_endpoint(left);
    let (dst_ip, dst_port) = split_endpoint(right);
    if src_ip.is_none() && dst_ip.is_none() {
        return None;
    }
    Some(Connection {
        src_ip,
        src_port,
        dst_ip,
        dst_port,
    })
}

/// `ip:port`, `[v6]:port`, or a bare address.
fn split_endpoint(s: &str) -> (Option<String>, Option<u64>) {
    let s = s.trim();
    let port = s.rsplit_once(':').and_then(|(_, p)| p.parse::<u64>().ok());
    match entity::ip(s) {
        Some(ip) if s.parse::<std::net::IpAddr>().is_ok() => (Some(ip), None),
        Some(ip) => (Some(ip), port),
        None => (None, None),
    }
}

/// A plain-text alert line: `HH:MM:SS.nnnnnnnnn: <Priority> …` or, with
/// `time_format_iso_8601`, `2026-11-20T09:43:03.412345678+0000: <Priority> …`.
struct TextAlert {
    time: String,
    has_date: bool,
    priority: String,
}

fn text_alert(line: &str) -> Option<TextAlert> {
    let line = line.trim_start();
    let (stamp, rest) = line.split_once(": ")?;
    let has_date = if is_time_of_day(stamp) {
        false
    } else if is_iso_stamp(stamp) {
        true
    } else {
        return None;
    };
    let word = rest.split_whitespace().next()?;
    severity_of(word)?;
    Some(TextAlert {
        time: stamp.to_string(),
        has_date,
        priority: word.to_string(),
    })
}

/// `HH:MM:SS` with an optional fraction.
fn is_time_of_day(s: &str) -> bool {
    let (hms, frac) = match s.split_once('.') {
        Some((a, b)) => (a, Some(b)),
        None => (s, None),
    };
    let b = hms.as_bytes();
    b.len() == 8
        && b[2] == b':'
        && b[5] == b':'
        && [0, 1, 3, 4, 6, 7].iter().all(|&i| b[i].is_ascii_digit())
        && frac.is_none_or(|f| !f.is_empty() && f.bytes().all(|c| c.is_ascii_digit()))
}

/// `YYYY-MM-DDTHH:MM:SS[.f][Z|±HHMM|±HH:MM]`.
fn is_iso_stamp(s: &str) -> bool {
    let Some((date, rest)) = s.split_once('T') else {
        return false;
    };
    let d = date.as_bytes();
    let date_ok = d.len() == 10
        && d[4] == b'-'
        && d[7] == b'-'
        && d.iter()
            .enumerate()
            .all(|(i, c)| i == 4 || i == 7 || c.is_ascii_digit());
    if !date_ok {
        return false;
    }
    let clock_end = rest.find(['Z', '+', '-']).unwrap_or(rest.len());
    let (clock, zone) = rest.split_at(clock_end);
    let zone_ok = zone.is_empty()
        || zone == "Z"
        || (zone.len() >= 5 && zone[1..].bytes().all(|c| c.is_ascii_digit() || c == b':'));
    is_time_of_day(clock) && zone_ok
}

/// Falco's own log lines: `Fri Nov 20 09:00:01 2026: …` (ctime stamp), or the
/// indented lines and counters it prints at start-up and shutdown.
fn is_falco_log_line(line: &str) -> bool {
    if let Some((stamp, _)) = line.split_once(": ") {
        let parts: Vec<&str> = stamp.split_whitespace().collect();
        if parts.len() == 5
            && parts[0].len() == 3
            && parts[0].bytes().all(|b| b.is_ascii_alphabetic())
            && parts[1].len() == 3
            && parts[1].bytes().all(|b| b.is_ascii_alphabetic())
            && parts[2].len() <= 2
            && parts[2].bytes().all(|b| b.is_ascii_digit())
            && is_time_of_day(parts[3])
            && parts[4].len() == 4
            && parts[4].bytes().all(|b| b.is_ascii_digit())
        {
            return true;
        }
    }
    let t = line.trim();
    const SUMMARY: &[&str] = &[
        "Events detected:",
        "Rule counts by severity:",
        "Triggered rules by rule name:",
        "Syscall event drop monitoring:",
        "- event drop detected:",
        "- num times actions taken:",
        "Falco version",
        "Loading rules from",
    ];
    SUMMARY.iter().any(|s| t.starts_with(s))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::formats::test_support::{entity, obj};

    const PLAIN: &str = include_str!("../../fixtures/samples/falco/plain.jsonl");
    const SIDEKICK: &str = include_str!("../../fixtures/samples/falco/sidekick.json");
    const SIDEKICK_SINK: &str = include_str!("../../fixtures/samples/falco/sidekick-sink.jsonl");
    const MIXED: &str = include_str!("../../fixtures/samples/falco/kubectl-logs-mixed.log");
    const PREFIXED: &str = include_str!("../../fixtures/samples/falco/kubectl-logs-prefixed.log");
    const TEXT_ALERTS: &str = include_str!("../../fixtures/samples/falco/text-alerts.log");
    const BIG: &str = include_str!("../../fixtures/samples/falco/big-numbers.jsonl");
    const OLD: &str = include_str!("../../fixtures/samples/falco/old-falco.jsonl");

    const CART_CONTAINER: &str = "b9f0313cb843";
    const NODE1: &str = "aks-nodepool1-31415926-vmss000001";

    fn parse_str(s: &str) -> NewEvent {
        parse(s.as_bytes()).unwrap_or_else(|e| panic!("{}: {}", e, s))
    }

    fn by_rule(rule: &str) -> NewEvent {
        PLAIN
            .lines()
            .map(parse_str)
            .find(|e| e.rule.as_deref() == Some(rule))
            .unwrap_or_else(|| panic!("no {} in plain.jsonl", rule))
    }


    #[test]
    fn sniff_accepts_plain_and_sidekick_alerts_only() {
        for line in PLAIN
            .lines()
            .chain(SIDEKICK.lines())
            .chain(SIDEKICK_SINK.lines())
            .chain(BIG.lines())
        {
            assert!(sniff(&obj(line)), "{}", line);
        }
        assert!(!sniff(&obj(
            r#"{"kind":"Event","apiVersion":"audit.k8s.io/v1","auditID":"x"}"#
        )));
        assert!(!sniff(&obj(
            r#"{"process_exec":{},"time":"2026-11-20T09:44:15Z"}"#
        )));
        assert!(!sniff(&obj(r#"{"rule":"x","priority":"Notice"}"#)));
        assert!(sniff(&obj(
            r#"{"rule":"x","priority":"Notice","output":"text only"}"#
        )));
    }

    #[test]
    fn every_plain_sample_parses() {
        assert_eq!(PLAIN.lines().count(), 7);
        for line in PLAIN.lines() {
            let ev = parse_str(line);
            assert_eq!(ev.source, Source::Falco);
            assert_eq!(ev.kind, EventKind::Alert);
            assert!(ev.time_ns.is_some());
            assert_eq!(ev.title, ev.rule.clone().unwrap());
            assert!(ev.message.contains(": "), "output kept as message");
            assert!(ev.dedup_key.is_some());
        }
    }

    #[test]
    fn terminal_shell_alert_is_normalized() {
        let ev = by_rule("Terminal shell in container");
        assert_eq!(ev.severity, Severity::Low);
        assert_eq!(
            ev.time_ns,
            time::parse_rfc3339("2026-11-20T09:43:03.412345678Z")
        );
        assert!(ev
            .message
            .starts_with("09:43:03.412345678: Notice A shell was spawned"));
        assert_eq!(ev.tactics, vec!["TA0002"]);
        assert_eq!(ev.techniques, vec!["T1059"]);
        assert_eq!(entity(&ev, EntityKind::Node, "node").unwrap().key, NODE1);
        assert_eq!(
            entity(&ev, EntityKind::Namespace, "namespace").unwrap().key,
            "shop"
        );
        let pod = entity(&ev, EntityKind::Pod, "pod").unwrap();
        assert_eq!(pod.key, "shop/cart-7f9c6d8b5-x2k4q");
        assert_eq!(pod.attrs["name"], "cart-7f9c6d8b5-x2k4q");
        let c = entity(&ev, EntityKind::Container, "container").unwrap();
        assert_eq!(c.key, CART_CONTAINER);
        assert_eq!(c.attrs["name"], "cart");
        assert_eq!(
            entity(&ev, EntityKind::Image, "image").unwrap().key,
            "shopregistry.azurecr.io/shop/cart:2.3.1"
        );
        let p = entity(&ev, EntityKind::Process, "process").unwrap();
        assert_eq!(p.key, "b9f0313cb843:31544:/bin/sh");
        assert_eq!(p.attrs["pid"], 31544);
        assert_eq!(p.attrs["parent_name"], "runc");
        // No full parent path in this record: no parent entity, only the name.
        assert!(entity(&ev, EntityKind::Process, "parent-process").is_none());
        assert_eq!(ev.fields["pname"], "runc");
        assert_eq!(ev.fields["evt_type"], "execve");
        assert_eq!(ev.fields["tty"], 34816);
        assert_eq!(ev.fields["loginuid"], -1);
        assert_eq!(ev.fields["falco_source"], "syscall");
        assert!(ev.fields.get("sidekick_uuid").is_none());
        assert_eq!(ev.rank, RANK_PLAIN);
        assert_eq!(
            ev.dedup_key.as_deref(),
            Some("falco|1795167783412345678|Terminal shell in container|b9f0313cb843|31544")
        );
    }

    #[test]
    fn priorities_map_to_severities_case_insensitively() {
        let cases = [
            ("Emergency", Severity::Critical),
            ("ALERT", Severity::Critical),
            ("critical", Severity::Critical),
            ("Error", Severity::High),
            ("Warning", Severity::Medium),
            ("Notice", Severity::Low),
            ("Informational", Severity::Info),
            ("Info", Severity::Info),
            ("debug", Severity::Info),
        ];
        for (p, s) in cases {
            assert_eq!(severity_of(p), Some(s), "{}", p);
            let rec = format!(
                r#"{{"rule":"r","priority":"{}","output":"o","time":"2026-11-20T09:00:00Z"}}"#,
                p
            );
            assert_eq!(parse_str(&rec).severity, s);
        }
        assert_eq!(severity_of("Probing"), None);
        let odd = parse_str(r#"{"rule":"r","priority":"Severe","output":"o"}"#);
        assert_eq!(odd.severity, Severity::Medium);
        assert_eq!(odd.fields["priority"], "Severe");
    }

    #[test]
    fn drift_alert_links_the_binary_and_its_parent() {
        let ev = by_rule("Drop and execute new binary in container");
        assert_eq!(ev.severity, Severity::Critical);
        assert_eq!(ev.tactics, vec!["TA0003"]);
        assert_eq!(ev.fields["flags"], "EXE_WRITABLE|EXE_UPPER_LAYER");
        // The full path wins over argv[0] (`./xmrig`) so Tetragon's key meets it.
        assert_eq!(ev.fields["exe"], "/tmp/.x/xmrig");
        assert_eq!(
            entity(&ev, EntityKind::Process, "process").unwrap().key,
            "b9f0313cb843:32461:/tmp/.x/xmrig"
        );
        let parent = entity(&ev, EntityKind::Process, "parent-process").unwrap();
        assert_eq!(parent.key, "b9f0313cb843:32419:/bin/sh");
        assert_eq!(ev.fields["cwd"], "/tmp/.x/");
    }

    #[test]
    fn outbound_connection_names_the_remote_ip_as_destination() {
        let ev = by_rule("Detect outbound connections to common miner pool ports");
        assert_eq!(ev.tactics, vec!["TA0040"]);
        assert_eq!(ev.techniques, vec!["T1496"]);
        let ip = entity(&ev, EntityKind::Ip, "destination-ip").unwrap();
        assert_eq!(ip.key, "198.51.100.77");
        assert_eq!(ip.attrs["port"], 4444);
        assert_eq!(ev.fields["src_ip"], "10.244.1.23");
        assert_eq!(ev.fields["src_port"], 51724);
        assert_eq!(ev.fields["dst_ip"], "198.51.100.77");
        assert_eq!(ev.fields["dst_port"], 4444);
        assert!(entity(&ev, EntityKind::File, "file").is_none());
    }

    #[test]
    fn remote_ip_is_parsed_from_fd_name_without_fd_rip() {
        let ev = by_rule("Contact K8S API Server From Container");
        let ip = entity(&ev, EntityKind::Ip, "destination-ip").unwrap();
        assert_eq!(ip.key, "10.0.0.1");
        assert_eq!(ip.attrs["port"], 443);
        assert_eq!(ev.fields["fd_name"], "10.244.1.23:48312->10.0.0.1:443");
        assert_eq!(ev.fields["protocol"], "tcp");
        assert_eq!(ev.tactics, vec!["TA0007"]);
    }

    #[test]
    fn accepted_connection_names_the_client_as_source() {
        let ev = parse_str(
            r#"{"rule":"r","priority":"Notice","output":"o","time":"2026-11-20T09:00:00Z",
                "output_fields":{"evt.type":"accept4","fd.name":"203.0.113.45:51514->10.244.1.23:8080"}}"#,
        );
        assert_eq!(
            entity(&ev, EntityKind::Ip, "source-ip").unwrap().key,
            "203.0.113.45"
        );
        assert_eq!(ev.fields["dst_port"], 8080);
    }

    #[test]
    fn plain_and_sidekick_copies_share_a_dedup_key_and_plain_ranks_higher() {
        let plain = by_rule("Drop and execute new binary in container");
        let sk = parse_str(SIDEKICK.trim());
        assert_eq!(
            sk.fields["sidekick_uuid"],
            "3f6c1d2e-8a4b-4c7d-9e10-b2a5c8d7e6f1"
        );
        // `time` lost its trailing zeros in Go's re-encoding; nanoseconds agree.
        assert!(SIDEKICK.contains(r#""time":"2026-11-20T09:47:20.1182736Z""#));
        assert_eq!(sk.time_ns, plain.time_ns);
        assert_eq!(sk.dedup_key, plain.dedup_key);
        assert!(plain.rank > sk.rank);
        // Sorted tags and an appended custom tag change nothing that matters.
        assert_eq!(sk.tactics, plain.tactics);
        assert_eq!(sk.severity, plain.severity);
        assert_eq!(sk.entities, plain.entities);
    }

    #[test]
    fn sidekick_html_escapes_decode_to_the_same_fields() {
        let plain = by_rule("Contact K8S API Server From Container");
        let line = SIDEKICK_SINK.lines().next().unwrap();
        assert!(line.contains(r"-\u003e10.0.0.1:443"));
        let sk = parse_str(line);
        assert_eq!(sk.message, plain.message);
        assert_eq!(sk.fields["fd_name"], plain.fields["fd_name"]);
        assert_eq!(sk.dedup_key, plain.dedup_key);
        for line in SIDEKICK_SINK.lines() {
            assert_eq!(parse_str(line).rank, RANK_SIDEKICK);
        }
    }

    #[test]
    fn sidekick_source_syscalls_is_kept_as_given() {
        let ev = parse_str(
            r#"{"uuid":"u","output":"o","priority":"Notice","rule":"r","time":"2026-11-20T09:00:00.5Z","output_fields":{},"source":"syscalls"}"#,
        );
        assert_eq!(ev.fields["falco_source"], "syscalls");
        assert_eq!(
            ev.time_ns,
            time::parse_rfc3339("2026-11-20T09:00:00.500000000Z")
        );
    }

    #[test]
    fn values_above_i64_max_and_floats_survive_in_fields() {
        let line = BIG.lines().next().unwrap();
        assert!(line.contains("18446744073709551615"));
        let ev = parse_str(line);
        assert_eq!(ev.severity, Severity::Medium);
        assert_eq!(ev.fields["loginuid"], 4294967295u64);
        // Untouched in the raw record; the normalized fields never truncate.
        let raw: Value = serde_json::from_str(line).unwrap();
        assert_eq!(
            raw["output_fields"]["proc.fdlimit"].as_u64(),
            Some(u64::MAX)
        );
        assert_eq!(raw["output_fields"]["thread.cpu"].as_f64(), Some(0.971));
        // A float or huge pid must not panic and simply gives no process key.
        let weird = parse_str(
            r#"{"rule":"r","priority":"Notice","output":"o","time":"2026-11-20T09:00:00Z",
                "output_fields":{"proc.pid":1.5,"proc.exepath":"/x","user.uid":18446744073709551615,
                                 "proc.tty":1.5e300,"evt.time":99999999999999999999}}"#,
        );
        assert!(entity(&weird, EntityKind::Process, "process").is_none());
        assert_eq!(weird.fields["uid"], u64::MAX);
    }

    #[test]
    fn null_k8s_fields_and_host_container_give_a_node_scoped_process() {
        let ev = parse_str(BIG.lines().next().unwrap());
        assert!(entity(&ev, EntityKind::Pod, "pod").is_none());
        assert!(entity(&ev, EntityKind::Namespace, "namespace").is_none());
        assert!(entity(&ev, EntityKind::Container, "container").is_none());
        assert!(entity(&ev, EntityKind::Image, "image").is_none());
        assert!(ev.fields.get("container_id").is_none());
        assert!(ev.fields.get("container_name").is_none());
        assert_eq!(
            entity(&ev, EntityKind::Process, "process").unwrap().key,
            format!("{}:1187:/usr/bin/python3.10", NODE1)
        );
        assert_eq!(
            entity(&ev, EntityKind::File, "file").unwrap().key,
            "/etc/shadow"
        );
        assert_eq!(ev.fields["file_path"], "/etc/shadow");
        assert_eq!(ev.tactics, vec!["TA0006"]);
        assert_eq!(
            ev.dedup_key.as_deref(),
            Some(
                format!(
                    "falco|1795159869502113840|Read sensitive file untrusted|{}|1187",
                    NODE1
                )
                .as_str()
            )
        );
    }

    #[test]
    fn old_falco_without_source_reads_k8s_names_from_output_text() {
        let ev = parse_str(OLD.trim());
        assert!(ev.fields.get("falco_source").is_none());
        assert_eq!(
            entity(&ev, EntityKind::Pod, "pod").unwrap().key,
            "shop/cart-7f9c6d8b5-x2k4q"
        );
        assert_eq!(
            entity(&ev, EntityKind::Namespace, "namespace").unwrap().key,
            "shop"
        );
        assert_eq!(
            entity(&ev, EntityKind::Container, "container").unwrap().key,
            CART_CONTAINER
        );
        // Old installs name the Falco pod, not the node.
        assert!(entity(&ev, EntityKind::Node, "node").is_none());
        assert_eq!(ev.fields["hostname"], "falco-7xzqp");
        // No pid in this record: no process entity, and the dedup key says so.
        assert!(entity(&ev, EntityKind::Process, "process").is_none());
        assert!(ev
            .dedup_key
            .as_deref()
            .unwrap()
            .ends_with("|b9f0313cb843|-"));
    }

    #[test]
    fn time_falls_back_to_evt_time_fields() {
        let ns = parse_str(
            r#"{"rule":"r","priority":"Notice","output":"o","output_fields":{"evt.time":1795167783412345678}}"#,
        );
        assert_eq!(ns.time_ns, Some(1_795_167_783_412_345_678));
        let iso_int = parse_str(
            r#"{"rule":"r","priority":"Notice","output":"o","output_fields":{"evt.time.iso8601":1795167783412345678}}"#,
        );
        assert_eq!(iso_int.time_ns, Some(1_795_167_783_412_345_678));
        let iso_str = parse_str(
            r#"{"rule":"r","priority":"Notice","output":"o","output_fields":{"evt.time.iso8601":"2026-11-20T09:43:03.412345678+0000"}}"#,
        );
        assert_eq!(iso_str.time_ns, Some(1_795_167_783_412_345_678));
        let none = parse_str(r#"{"rule":"r","priority":"Notice","output":"o"}"#);
        assert_eq!(none.time_ns, None);
        assert_eq!(none.dedup_key, None);
    }

    #[test]
    fn malformed_records_are_errors_with_reasons() {
        assert!(parse(b"{\"rule\":")
            .unwrap_err()
            .reason
            .contains("invalid JSON"));
        assert!(parse(b"[1,2]")
            .unwrap_err()
            .reason
            .contains("not a JSON object"));
        assert!(parse(br#"{"priority":"Notice","output":"o"}"#)
            .unwrap_err()
            .reason
            .contains("`rule`"));
        assert!(parse(br#"{"rule":"r","output":"o"}"#)
            .unwrap_err()
            .reason
            .contains("`priority`"));
        // Wrong types inside are tolerated, not fatal.
        let ev = parse(br#"{"rule":"r","priority":"Notice","output":5,"output_fields":[],"tags":"x","hostname":7}"#)
            .unwrap();
        assert!(ev.entities.is_empty());
    }

    #[test]
    fn kubectl_prefix_and_timestamps_are_stripped() {
        let line = PREFIXED.lines().last().unwrap();
        assert!(line.starts_with("[pod/falco-9kq4z/falco] {"));
        let json = strip_kubectl_prefix(line);
        let ev = parse_str(json);
        assert_eq!(ev.rule.as_deref(), Some("Terminal shell in container"));
        assert_eq!(
            strip_kubectl_prefix("2026-11-20T09:43:03.412345678Z {\"a\":1}"),
            "{\"a\":1}"
        );
        assert_eq!(
            strip_kubectl_prefix("[pod/falco-9kq4z/falco] 2026-11-20T09:43:03Z {}"),
            "{}"
        );
        // Unprefixed lines, text alerts in ISO form and odd brackets stay intact.
        assert_eq!(strip_kubectl_prefix("{\"a\":1}"), "{\"a\":1}");
        let iso = "2026-11-20T09:43:03.412345678+0000: Notice A shell";
        assert_eq!(strip_kubectl_prefix(iso), iso);
        assert_eq!(strip_kubectl_prefix("[not a prefix] x"), "[not a prefix] x");
        assert_eq!(strip_kubectl_prefix("["), "[");
        assert_eq!(strip_kubectl_prefix(""), "");
    }

    #[test]
    fn prefixed_json_handed_to_parse_text_says_to_strip_the_prefix() {
        let line = PREFIXED.lines().last().unwrap();
        let err = parse_text(line).unwrap_err();
        assert!(err.reason.contains("--prefix"), "{}", err);
    }

    #[test]
    fn kubectl_startup_lines_are_falco_log_lines_not_alerts() {
        let startup: Vec<&str> = MIXED.lines().filter(|l| !l.starts_with('{')).collect();
        assert_eq!(startup.len(), 14);
        for line in &startup {
            assert_eq!(
                parse_text(line).unwrap_err().reason,
                "not a Falco alert: Falco log line",
                "{}",
                line
            );
        }
        let block = startup.join("\n");
        assert_eq!(
            parse_text(&block).unwrap_err().reason,
            "not a Falco alert: 14 Falco log lines"
        );
        let brief = "Fri Nov 20 09:00:01 2026: Falco version: 0.39.2 (x86_64)";
        assert_eq!(
            parse_text(brief).unwrap_err().reason,
            "not a Falco alert: Falco log line"
        );
        assert!(
            parse_text("Loading rules from file /etc/falco/falco_rules.yaml")
                .unwrap_err()
                .reason
                .contains("log line")
        );
        // The JSON lines of the same file are alerts.
        let alerts: Vec<NewEvent> = MIXED
            .lines()
            .filter(|l| l.starts_with('{'))
            .map(parse_str)
            .collect();
        assert_eq!(alerts.len(), 2);
        assert!(alerts
            .iter()
            .all(|e| e.fields.get("namespace") == Some(&Value::from("monitoring"))));
    }

    #[test]
    fn plain_text_alerts_are_kept_as_evidence_with_their_priority() {
        let lines: Vec<&str> = TEXT_ALERTS
            .lines()
            .filter(|l| text_alert(l).is_some())
            .collect();
        assert_eq!(lines.len(), 3);
        let err = parse_text(lines[0]).unwrap_err();
        assert!(err
            .reason
            .starts_with("plain-text Falco alert (json_output is off), kept as unparsed evidence"));
        assert!(err.reason.contains("priority Notice"));
        assert!(err.reason.contains("no date"));
        let err = parse_text(lines[2]).unwrap_err();
        assert!(err.reason.contains("priority Critical"), "{}", err);
        let all = parse_text(TEXT_ALERTS).unwrap_err();
        assert!(
            all.reason.starts_with("3 plain-text Falco alerts"),
            "{}",
            all
        );
        assert!(all.reason.contains("Notice, Critical"));
    }

    #[test]
    fn iso_and_info_text_alerts_are_recognized() {
        let iso = "2026-11-20T09:43:03.412345678+0000: Notice A shell was spawned in a container with an attached terminal | evt_type=execve";
        let err = parse_text(iso).unwrap_err();
        assert!(
            err.reason
                .contains("priority Notice, time 2026-11-20T09:43:03.412345678+0000"),
            "{}",
            err
        );
        let info = "09:50:00.000000000: Info Falco internal: hot restart";
        assert!(parse_text(info)
            .unwrap_err()
            .reason
            .contains("priority Info"));
        let prefixed = format!("[pod/falco-9kq4z/falco] {}", iso);
        assert!(parse_text(&prefixed)
            .unwrap_err()
            .reason
            .contains("plain-text Falco alert"));
    }

    #[test]
    fn other_text_is_rejected_with_a_specific_reason() {
        assert!(parse_text("hello world")
            .unwrap_err()
            .reason
            .contains("neither JSON nor Falco output"));
        assert!(parse_text("{\"rule\":\"trunc")
            .unwrap_err()
            .reason
            .contains("invalid JSON"));
        assert!(parse_text("").unwrap_err().reason.contains("empty"));
        // Shutdown summary lines carry a priority word but no time stamp.
        assert!(parse_text("   Notice: 3")
            .unwrap_err()
            .reason
            .contains("neither"));
        assert!(parse_text("Events detected: 12")
            .unwrap_err()
            .reason
            .contains("log line"));
    }

    #[test]
    fn text_alert_files_are_detected_but_json_files_and_dumps_are_not() {
        assert!(looks_like_text_alert(TEXT_ALERTS));
        assert!(!looks_like_text_alert(MIXED));
        assert!(!looks_like_text_alert(PLAIN));
        let dump = format!(
            "==== START logs for container falco of pod falco/falco-9kq4z ====\n{}",
            TEXT_ALERTS
        );
        assert!(!looks_like_text_alert(&dump));
        let prefixed: String = TEXT_ALERTS
            .lines()
            .map(|l| format!("[pod/falco-9kq4z/falco] {}\n", l))
            .collect();
        assert!(looks_like_text_alert(&prefixed));
    }

    #[test]
    fn netscan_cronjob_alert_stays_apart_from_the_attack() {
        let ev = PLAIN
            .lines()
            .map(parse_str)
            .find(|e| e.fields.get("namespace") == Some(&Value::from("secops")))
            .unwrap();
        assert_eq!(
            ev.rule.as_deref(),
            Some("Launch Suspicious Network Tool in Container")
        );
        assert_eq!(
            entity(&ev, EntityKind::Pod, "pod").unwrap().key,
            "secops/netscan-29919000-7xk2p"
        );
        assert_eq!(
            entity(&ev, EntityKind::Node, "node").unwrap().key,
            "aks-nodepool1-31415926-vmss000002"
        );
        assert_ne!(
            entity(&ev, EntityKind::Container, "container").unwrap().key,
            CART_CONTAINER
        );
    }

    #[test]
    fn garbage_never_panics() {
        let inputs: [&[u8]; 8] = [
            b"",
            b"null",
            b"\"str\"",
            b"{}",
            br#"{"rule":null,"priority":null}"#,
            br#"{"rule":"r","priority":"p","output_fields":{"fd.name":"->","proc.pid":"abc","container.id":"zz"}}"#,
            br#"{"rule":"r","priority":"p","output_fields":{"fd.name":"[::1]:80->[2001:db8::1]:443"}}"#,
            &[0xff, 0xfe, 0x00],
        ];
        for raw in inputs {
            let _ = parse(raw);
        }
        for text in [
            "",
            ": ",
            "::::",
            "12:00:00: ",
            "2026-11-20T: x",
            "[pod/a/b]",
            "\u{feff}é: Notice",
        ] {
            let _ = parse_text(text);
            let _ = looks_like_text_alert(text);
            let _ = strip_kubectl_prefix(text);
        }
        let v6 = parse(br#"{"rule":"r","priority":"p","output_fields":{"fd.name":"[::1]:80->[2001:db8::1]:443"}}"#).unwrap();
        assert_eq!(v6.fields["dst_ip"], "2001:db8::1");
        assert_eq!(v6.fields["dst_port"], 443);
    }
}
