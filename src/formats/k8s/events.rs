//! Kubernetes `Event`s (core/v1 and events.k8s.io/v1): the involved object
//! becomes an entity, and the event a `k8s-event` — except the Events Falco
//! Talon's notifier writes, which are responses (`formats::falco_talon`).

use super::*;

/// The entity of an event's involved (`regarding`) object.
fn involved_entity(
    kind: &str,
    ns: Option<&str>,
    name: &str,
    uid: Option<&str>,
) -> Option<EntityRef> {
    let e = match kind {
        "Pod" => EntityRef::new(EntityKind::Pod, entity::pod_key(ns?, name)?, "subject")
            .attr("namespace", ns)
            .attr("name", name),
        "Node" => EntityRef::new(EntityKind::Node, name, "subject"),
        "Namespace" => EntityRef::new(EntityKind::Namespace, name, "subject"),
        "ServiceAccount" => EntityRef::new(
            EntityKind::Identity,
            entity::service_account_identity(ns?, name)?,
            "subject",
        ),
        k if WORKLOAD_KINDS.contains(&k) || k == "HorizontalPodAutoscaler" => EntityRef::new(
            EntityKind::Workload,
            entity::workload_key(ns, k, name)?,
            "subject",
        ),
        _ => return None,
    };
    Some(e.attr("uid", uid))
}

/// `spec.containers{cart}` → `cart`.
fn container_from_field_path(path: &str) -> Option<&str> {
    let (_, rest) = path.split_once('{')?;
    let (name, _) = rest.split_once('}')?;
    (!name.is_empty()).then_some(name)
}

pub(super) fn parse_event(obj: &Map<String, Value>, meta: &Map<String, Value>) -> NewEvent {
    // Falco Talon's notifier tells what Talon did to the pod: that is a
    // response, the same as Talon's log line of the action.
    if let Some(ev) = crate::formats::falco_talon::k8s_event::recognise(obj, meta) {
        return ev;
    }
    // events.k8s.io/v1 renames most fields; read both spellings.
    let pick = |a: &str, b: &str| str_of(obj.get(a)).or_else(|| str_of(obj.get(b)));
    let involved = obj
        .get("involvedObject")
        .or_else(|| obj.get("regarding"))
        .and_then(Value::as_object);
    let inv = |k: &str| involved.and_then(|i| str_of(i.get(k)));
    let source = obj
        .get("source")
        .or_else(|| obj.get("deprecatedSource"))
        .and_then(Value::as_object);
    let series = obj.get("series").and_then(Value::as_object);
    let reason = str_of(obj.get("reason"));
    let message = pick("message", "note").unwrap_or("");
    let event_type = str_of(obj.get("type"));
    let inv_kind = inv("kind");
    let inv_name = inv("name");
    let inv_ns = inv("namespace").or_else(|| str_of(meta.get("namespace")));
    let inv_uid = inv("uid");
    let reporting_component = pick("reportingComponent", "reportingController");
    let reporting_instance = str_of(obj.get("reportingInstance"));
    let source_component = source.and_then(|s| str_of(s.get("component")));
    let first = pick("firstTimestamp", "deprecatedFirstTimestamp");
    let last = pick("lastTimestamp", "deprecatedLastTimestamp");
    let event_time = str_of(obj.get("eventTime"));
    let series_last = series.and_then(|s| str_of(s.get("lastObservedTime")));
    let count = series
        .and_then(|s| u64_of(s.get("count")))
        .or_else(|| u64_of(obj.get("count")))
        .or_else(|| u64_of(obj.get("deprecatedCount")));

    let what = match (inv_kind, inv_name) {
        (Some(k), Some(_)) => format!("{} {}", k, display_name(inv_ns, inv_name)),
        (None, Some(_)) => display_name(inv_ns, inv_name),
        _ => String::new(),
    };
    let title = match (reason, what.is_empty()) {
        (Some(r), false) => format!("{}: {}", r, what),
        (Some(r), true) => r.to_string(),
        (None, false) => format!("Event: {}", what),
        (None, true) => "Event".to_string(),
    };
    let mut ev = NewEvent::new(Source::K8sEvent, EventKind::K8sEvent, title);
    ev.severity = if event_type == Some("Warning") {
        Severity::Low
    } else {
        Severity::Info
    };
    ev.rule = reason.map(str::to_string);
    ev.message = message.to_string();
    // The latest moment the event was observed, whatever the API version.
    ev.time_ns = [
        series_last,
        last,
        event_time,
        first,
        str_of(meta.get("creationTimestamp")),
    ]
    .into_iter()
    .flatten()
    .find_map(parse_rfc3339);
    if let (Some(id), Some(rv)) = (object_identity(meta), str_of(meta.get("resourceVersion"))) {
        ev.dedup_key = Some(format!("k8s-event|{}|{}", id, rv));
    }

    ev.field("kind", "Event");
    ev.field("api_version", str_of(obj.get("apiVersion")));
    ev.field("name", str_of(meta.get("name")));
    ev.field("namespace", str_of(meta.get("namespace")));
    ev.field("uid", str_of(meta.get("uid")));
    ev.field("reason", reason);
    ev.field("type", event_type);
    ev.field("action", str_of(obj.get("action")));
    ev.field("count", count);
    ev.field("involved_kind", inv_kind);
    ev.field("involved_name", inv_name);
    ev.field("involved_namespace", inv_ns);
    ev.field("involved_uid", inv_uid);
    let field_path = inv("fieldPath");
    ev.field("field_path", field_path);
    ev.field("container", field_path.and_then(container_from_field_path));
    ev.field("reporting_component", reporting_component);
    ev.field("reporting_instance", reporting_instance);
    ev.field("source_component", source_component);
    ev.field("first_timestamp", first);
    ev.field("last_timestamp", last);
    ev.field("event_time", event_time);
    ev.field("series_last_observed", series_last);
    if let Some(t) = ev.time_ns {
        ev.field("observed", format_ns(t));
    }
    // HPA rescales: `New size: 6; reason: …`.
    if reason == Some("SuccessfulRescale") {
        let size = message
            .strip_prefix("New size: ")
            .and_then(|r| r.split(|c: char| !c.is_ascii_digit()).next())
            .and_then(|n| n.parse::<u64>().ok());
        ev.field("new_size", size);
    }

    if let (Some(k), Some(n)) = (inv_kind, inv_name) {
        if let Some(e) = involved_entity(k, inv_ns, n, inv_uid) {
            ev.entity(e);
        }
    }
    if let Some(ns) = inv_ns.filter(|_| inv_kind != Some("Namespace")) {
        ev.entity(EntityRef::new(EntityKind::Namespace, ns, "namespace"));
    }
    // The node that reported it: the source host, or a kubelet's instance.
    let host = source.and_then(|s| str_of(s.get("host"))).or_else(|| {
        (reporting_component == Some("kubelet") || source_component == Some("kubelet"))
            .then_some(reporting_instance)
            .flatten()
    });
    ev.field("source_host", host);
    if let Some(h) = host {
        ev.entity(EntityRef::new(EntityKind::Node, h, "node"));
    }

    ev.add_search(reason.unwrap_or(""));
    ev.add_search(&what);
    ev.add_search(message);
    ev
}
