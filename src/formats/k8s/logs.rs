//! The container log blocks of `kubectl cluster-info dump` (between
//! `==== START logs for container …` and `==== END …` lines), and the
//! `ContainerLog` objects of `kordon snapshot --logs`: each becomes one
//! telemetry event.

use super::*;

/// Largest log text kept in an event's message; the raw block stays in the
/// store in full.
pub(super) const MAX_LOG_MESSAGE: usize = 64 * 1024;

const LOG_START: &str = "==== START logs for container ";
const LOG_END: &str = "==== END logs for container ";

/// `(container, namespace, pod)` of a START/END marker line.
fn log_marker<'a>(line: &'a str, prefix: &str) -> Option<(&'a str, &'a str, &'a str)> {
    let rest = line.trim().strip_prefix(prefix)?.strip_suffix(" ====")?;
    let (container, target) = rest.split_once(" of pod ")?;
    let (ns, pod) = target.split_once('/')?;
    (!container.is_empty() && !ns.is_empty() && !pod.is_empty()).then_some((container, ns, pod))
}

/// Does this text start (after blank lines) with a `cluster-info dump` log
/// block marker?
pub fn looks_like_log_block(text: &str) -> bool {
    text.lines()
        .find(|l| !l.trim().is_empty())
        .is_some_and(|l| log_marker(l, LOG_START).is_some())
}

/// The time a log line starts with: `kubectl logs --timestamps` style RFC 3339
/// prefix, or the `ts`/`time`/`timestamp` of a JSON log line.
fn log_line_time(line: &str) -> Option<i64> {
    let t = line.trim_start();
    if t.starts_with('{') {
        let v = crate::formats::strict::value_str(t).ok()?;
        for k in ["ts", "time", "timestamp", "@timestamp"] {
            match v.get(k) {
                Some(Value::String(s)) => {
                    if let Some(ns) = parse_rfc3339(s) {
                        return Some(ns);
                    }
                }
                // zap writes epoch seconds as a float.
                Some(Value::Number(n)) => {
                    if let Some(secs) = n.as_f64().filter(|s| (1e9..1e10).contains(s)) {
                        return Some((secs * 1e9) as i64);
                    }
                }
                _ => {}
            }
        }
        return None;
    }
    t.split_whitespace().next().and_then(|w| {
        if w.contains('T') {
            parse_rfc3339(w)
        } else {
            None
        }
    })
}

struct LogBlock<'a> {
    container: &'a str,
    namespace: &'a str,
    pod: &'a str,
    lines: Vec<&'a str>,
    /// The logs of the container's previous instance (a `kordon snapshot`
    /// `ContainerLog`; `cluster-info dump` has only current logs).
    previous: bool,
}

/// A `ContainerLog` of `kordon snapshot --logs`: one container's current
/// or previous log, the text in one JSON string.
pub(super) fn container_log(obj: &Map<String, Value>, meta: &Map<String, Value>) -> Result<NewEvent, RecordError> {
    let field = |k: &str| str_of(obj.get(k)).filter(|v| !v.is_empty());
    let namespace = str_of(meta.get("namespace")).ok_or_else(|| RecordError::new("ContainerLog has no metadata.namespace"))?;
    let pod = str_of(meta.get("name")).ok_or_else(|| RecordError::new("ContainerLog has no metadata.name"))?;
    let container = field("container").ok_or_else(|| RecordError::new("ContainerLog has no container"))?;
    let text = str_of(obj.get("log")).unwrap_or("");
    let block = LogBlock {
        container,
        namespace,
        pod,
        lines: text.lines().collect(),
        previous: obj.get("previous").and_then(Value::as_bool).unwrap_or(false),
    };
    let cut_at_capture = obj.get("truncated").and_then(Value::as_bool).unwrap_or(false);
    let mut ev = block.into_event(!cut_at_capture);
    if let Some(uid) = str_of(meta.get("uid")).filter(|u| !u.is_empty()) {
        ev.field("pod_uid", uid);
    }
    if let Some(at) = field("capturedAt") {
        ev.field("captured_at", at);
    }
    Ok(ev)
}

impl LogBlock<'_> {
    fn into_event(self, complete: bool) -> NewEvent {
        let pod_ref = format!("{}/{}", self.namespace, self.pod);
        let what = if self.previous { "Previous logs" } else { "Logs" };
        let mut ev = NewEvent::new(
            Source::K8sObject,
            EventKind::Telemetry,
            format!("{} of container {} in pod {}", what, self.container, pod_ref),
        );
        let text = self.lines.join("\n");
        let truncated = text.len() > MAX_LOG_MESSAGE;
        ev.message = if truncated {
            let mut cut = MAX_LOG_MESSAGE;
            while !text.is_char_boundary(cut) {
                cut -= 1;
            }
            text[..cut].to_string()
        } else {
            text
        };
        let times: Vec<i64> = self.lines.iter().filter_map(|l| log_line_time(l)).collect();
        ev.time_ns = times.first().copied();
        ev.field("container", self.container);
        ev.field("namespace", self.namespace);
        ev.field("pod", self.pod);
        ev.field("line_count", self.lines.len());
        ev.field(
            "json_line_count",
            self.lines
                .iter()
                .filter(|l| l.trim_start().starts_with('{'))
                .count(),
        );
        ev.field("truncated", truncated);
        ev.field("complete", complete);
        ev.field("previous", self.previous);
        if let Some(last) = times.iter().max() {
            ev.field("last_log_time", format_ns(*last));
        }
        if let Some(key) = entity::pod_key(self.namespace, self.pod) {
            ev.entity(
                EntityRef::new(EntityKind::Pod, key, "pod").attr("container", self.container),
            );
        }
        ev.entity(EntityRef::new(
            EntityKind::Namespace,
            self.namespace,
            "namespace",
        ));
        ev.add_search(&pod_ref);
        ev.add_search(self.container);
        ev
    }
}

/// Parses the log blocks of `kubectl cluster-info dump`: one telemetry event
/// per `==== START logs for container … ====` block (normally one per call;
/// consecutive blocks are split here too).
pub fn parse_text(text: &str) -> Result<Vec<NewEvent>, RecordError> {
    let mut events = Vec::new();
    let mut current: Option<LogBlock> = None;
    for line in text.lines() {
        if let Some((container, namespace, pod)) = log_marker(line, LOG_START) {
            if let Some(block) = current.take() {
                events.push(block.into_event(false));
            }
            current = Some(LogBlock {
                container,
                namespace,
                pod,
                lines: Vec::new(),
                previous: false,
            });
            continue;
        }
        if log_marker(line, LOG_END).is_some() {
            match current.take() {
                Some(block) => events.push(block.into_event(true)),
                None => {
                    return Err(RecordError::new(
                        "log block END marker without a START marker",
                    ))
                }
            }
            continue;
        }
        match current.as_mut() {
            Some(block) => block.lines.push(line),
            None if line.trim().is_empty() => {}
            None => {
                return Err(RecordError::new(
                    "not a cluster-info dump log block: text does not start with \"==== START logs for container … of pod ns/pod ====\"",
                ))
            }
        }
    }
    if let Some(block) = current {
        events.push(block.into_event(false));
    }
    if events.is_empty() {
        return Err(RecordError::new("no cluster-info dump log block in text"));
    }
    Ok(events)
}
