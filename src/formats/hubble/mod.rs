//! Cilium Hubble flows: `hubble observe -o json` (and `-o jsonpb`) output and
//! the Hubble exporter's file (`hubble-export-file-path`, by default
//! `/var/run/cilium/hubble/events.log`).
//!
//! Why this module looks the way it does:
//!
//! * Both write one `GetFlowsResponse` (the exporter: `ExportEvent`, the same
//!   members) per line: exactly one payload — `flow`, `agent_event`,
//!   `debug_event`, `lost_events` or Relay's `node_status` — next to
//!   `node_name` and `time`. The two cannot be told apart by content, so they
//!   are one shape (`get-flows`). Older `hubble` CLIs printed the bare
//!   `Flow` for `-o json` (`-o jsonpb` gave the wrapper): shape `bare-flow`.
//! * The JSON is protobuf JSON with the proto's own names (`source_port`,
//!   `drop_reason_desc`, `IP`, `Type`, `Summary`): enums are names, 64-bit
//!   integers strings, zero values and `false` omitted. A gRPC client such as
//!   `grpcurl` writes the camelCase JSON names (`sourcePort`) and some
//!   pipelines write enums as numbers: both are read. Field masks on the
//!   exporter may drop any member, so nothing in a flow is required.
//! * A flow is telemetry — except when the datapath refused it. A `DROPPED`
//!   verdict (and `ERROR`, and `AUDIT`: a policy in audit mode would have
//!   dropped the flow and let it through) is what the network itself says
//!   is wrong, so it becomes an alert (`Flow denied by network policy`,
//!   `Flow allowed by policy audit mode`, `Flow dropped`, `Flow error`;
//!   stable rule names, the reason is a field). Hubble gives no ATT&CK tags;
//!   `data/tactic-mapping.yaml` says why Kordon adds none either.
//! * Endpoints: `namespace` + `pod_name` name a pod (the key every other
//!   source uses), `workloads[]` its owners, the `k8s:` labels its labels and
//!   service account. An empty endpoint `{}` or one with a reserved identity
//!   (numbers below 256: 1 host, 2 world, 6 remote-node, 7 kube-apiserver …)
//!   is no pod: it is named in the fields (`source_endpoint: world`) and only
//!   its address becomes an entity. `node_name` is `cluster/node`; Cilium's
//!   default cluster name `default` names no cluster (it would keep the
//!   flows from joining evidence of the cluster's real name).
//! * Entity roles describe the packet, and the graph's edges are read from
//!   them (`data/relations.yaml`): a pod that sent a request is connected to
//!   the `destination-ip`; a dropped request's destination is a
//!   `dropped-destination-ip` (tried, never reached); the addresses of a
//!   reply (`is_reply`) are `reply-source-ip` / `reply-destination-ip`,
//!   which draw no edge (a reply runs against the connection, and its
//!   destination port is the client's ephemeral port).
//! * `lost_events` is an evidence gap — the sensor lost N events — and is
//!   never dropped: a low-severity telemetry event with the count (not an
//!   alert: it says nothing of what happened, only of what was not seen).
//!   Relay's `node_status` for unavailable nodes is the same kind of gap.
//!   `agent_event`s (policy updates, endpoints created and deleted) are
//!   telemetry: a policy changed during an incident is context. A
//!   `debug_event` is datapath debugging (conntrack lookups, LB slots)
//!   with nothing an investigator reads: skipped, counted.
//! * A flow's `uuid` is its dedup key: the same flow exported and also
//!   captured with `hubble observe` is one event.

use crate::entity;
use crate::formats::{str_of, strict, u64_of, RecordError};
use crate::model::{EntityKind, EntityRef, EventKind, NewEvent, Severity, Source};
use crate::time;
use serde_json::{Map, Value};

#[cfg(test)]
mod tests;

/// The payload members of `GetFlowsResponse` / `ExportEvent`, with the
/// camelCase JSON name of each.
const PAYLOADS: &[(&str, &str)] = &[
    ("flow", "flow"),
    ("agent_event", "agentEvent"),
    ("debug_event", "debugEvent"),
    ("lost_events", "lostEvents"),
    ("node_status", "nodeStatus"),
];

/// The shape of wrapped responses (both `hubble observe` and the exporter).
pub const SHAPE_GET_FLOWS: &str = "get-flows";
/// A bare `Flow` object (older `hubble observe -o json`).
pub const SHAPE_BARE_FLOW: &str = "bare-flow";

/// A member by its proto name or its camelCase JSON name.
fn get<'a>(obj: &'a Map<String, Value>, proto: &str, camel: &str) -> Option<&'a Value> {
    obj.get(proto).or_else(|| if camel == proto { None } else { obj.get(camel) })
}

fn obj_of<'a>(obj: &'a Map<String, Value>, proto: &str, camel: &str) -> Option<&'a Map<String, Value>> {
    get(obj, proto, camel).and_then(Value::as_object)
}

/// The payload members present (holding anything).
fn payloads(obj: &Map<String, Value>) -> impl Iterator<Item = &'static str> + '_ {
    PAYLOADS.iter().filter(move |(p, c)| get(obj, p, c).is_some()).map(|(p, _)| *p)
}

/// Whether a JSON object is a Hubble record: exactly one payload member
/// holding an object next to `time` or `node_name`, or a bare flow (a
/// `verdict` with an `IP`, `l4` or `event_type` object).
pub fn sniff(obj: &Map<String, Value>) -> bool {
    let wrapped = PAYLOADS.iter().filter(|(p, c)| matches!(get(obj, p, c), Some(Value::Object(_)))).count() == 1
        && (obj.contains_key("time") || get(obj, "node_name", "nodeName").is_some());
    wrapped || is_bare_flow(obj)
}

fn is_bare_flow(obj: &Map<String, Value>) -> bool {
    matches!(obj.get("verdict"), Some(Value::String(_) | Value::Number(_)))
        && ["IP", "l4", "event_type", "eventType"].iter().any(|k| matches!(obj.get(*k), Some(Value::Object(_))))
        && !PAYLOADS.iter().any(|(p, _)| obj.contains_key(*p))
}

/// Parses one Hubble record.
pub fn parse(raw: &[u8]) -> Result<NewEvent, RecordError> {
    let value = strict::value(raw)?;
    let obj = value.as_object().ok_or_else(|| RecordError::new("Hubble record is not a JSON object"))?;
    let present: Vec<&str> = payloads(obj).collect();
    let key = match present.as_slice() {
        [one] => *one,
        [] if is_bare_flow(obj) => return flow(obj, None, SHAPE_BARE_FLOW),
        [] => {
            return Err(RecordError::new(
                "no Hubble payload (expected one of flow, agent_event, debug_event, lost_events, node_status)",
            ))
        }
        many => return Err(RecordError::new(format!("several Hubble payloads: {}", many.join(", ")))),
    };
    let (proto, camel) = PAYLOADS.iter().copied().find(|(p, _)| *p == key).expect("a payload name");
    let body = obj_of(obj, proto, camel).ok_or_else(|| {
        RecordError::new(format!(
            "Hubble `{}` is {}, not an object",
            key,
            crate::formats::type_name(get(obj, proto, camel).unwrap_or(&Value::Null))
        ))
    })?;
    let outer = Outer { node_name: str_of(get(obj, "node_name", "nodeName")), time: str_of(obj.get("time")) };
    match key {
        "flow" => flow(body, Some(&outer), SHAPE_GET_FLOWS),
        "lost_events" => lost_events(body, &outer),
        "agent_event" => agent_event(body, &outer),
        "node_status" => node_status(body, &outer),
        _ => {
            let kind = enum_name(get(body, "type", "type"), DEBUG_TYPES).unwrap_or_else(|| "DBG_EVENT_UNKNOWN".into());
            Err(RecordError::skipped(format!("Hubble debug event {} (datapath debugging)", kind)))
        }
    }
}

/// The response's own `node_name` and `time`.
struct Outer<'a> {
    node_name: Option<&'a str>,
    time: Option<&'a str>,
}

/// `cluster/node` → (cluster, node); Cilium's default cluster name names
/// no cluster.
fn split_node(name: &str) -> (Option<&str>, &str) {
    match name.split_once('/') {
        Some((cluster, node)) if !node.is_empty() => {
            (Some(cluster).filter(|c| !c.is_empty() && *c != "default"), node)
        }
        _ => (None, name),
    }
}

/// Where the event was observed. `link`: whether the event is about the
/// node (lost events, agent events) rather than about two endpoints. A flow
/// keeps its cluster and node as fields only: a flow file names the same
/// few millions of times, and a link each was a third of what a flow
/// stored; its ends' pods and addresses are what it ties together.
fn add_node(ev: &mut NewEvent, node_name: Option<&str>, link: bool) -> Option<String> {
    let full = node_name?;
    let (cluster, node) = split_node(full);
    if let Some(c) = cluster {
        if link {
            ev.entity(EntityRef::new(EntityKind::Cluster, c, "cluster"));
        }
        ev.field("cluster", c);
    }
    if link {
        ev.entity(EntityRef::new(EntityKind::Node, node, "node"));
    }
    ev.field("node", node);
    Some(node.to_string())
}

// ---------------------------------------------------------------------------
// Enums: names, or numbers written by other encoders
// ---------------------------------------------------------------------------

const VERDICTS: &[(u64, &str)] = &[
    (0, "VERDICT_UNKNOWN"),
    (1, "FORWARDED"),
    (2, "DROPPED"),
    (3, "ERROR"),
    (4, "AUDIT"),
    (5, "REDIRECTED"),
    (6, "TRACED"),
    (7, "TRANSLATED"),
];
const FLOW_TYPES: &[(u64, &str)] = &[(0, "UNKNOWN_TYPE"), (1, "L3_L4"), (2, "L7"), (3, "SOCK")];
const DIRECTIONS: &[(u64, &str)] = &[(0, "TRAFFIC_DIRECTION_UNKNOWN"), (1, "INGRESS"), (2, "EGRESS")];
const L7_TYPES: &[(u64, &str)] = &[(0, "UNKNOWN_L7_TYPE"), (1, "REQUEST"), (2, "RESPONSE"), (3, "SAMPLE")];
const IP_VERSIONS: &[(u64, &str)] = &[(0, "IP_NOT_USED"), (1, "IPv4"), (2, "IPv6")];
const LOST_SOURCES: &[(u64, &str)] = &[
    (0, "UNKNOWN_LOST_EVENT_SOURCE"),
    (1, "PERF_EVENT_RING_BUFFER"),
    (2, "OBSERVER_EVENTS_QUEUE"),
    (3, "HUBBLE_RING_BUFFER"),
];
const AGENT_TYPES: &[(u64, &str)] = &[
    (0, "AGENT_EVENT_UNKNOWN"),
    (2, "AGENT_STARTED"),
    (3, "POLICY_UPDATED"),
    (4, "POLICY_DELETED"),
    (5, "ENDPOINT_REGENERATE_SUCCESS"),
    (6, "ENDPOINT_REGENERATE_FAILURE"),
    (7, "ENDPOINT_CREATED"),
    (8, "ENDPOINT_DELETED"),
    (9, "IPCACHE_UPSERTED"),
    (10, "IPCACHE_DELETED"),
    (11, "SERVICE_UPSERTED"),
    (12, "SERVICE_DELETED"),
];
const DEBUG_TYPES: &[(u64, &str)] = &[(0, "DBG_EVENT_UNKNOWN"), (1, "DBG_GENERIC"), (5, "DBG_POLICY_DENIED")];
const NODE_STATES: &[(u64, &str)] = &[
    (0, "UNKNOWN_NODE_STATE"),
    (1, "NODE_CONNECTED"),
    (2, "NODE_UNAVAILABLE"),
    (3, "NODE_GONE"),
    (4, "NODE_ERROR"),
];
/// The drop reasons a security reading cares about by number (the rest
/// are named by `drop_reason_desc` or kept as a number).
const DROP_REASONS: &[(u64, &str)] = &[
    (130, "INVALID_SOURCE_MAC"),
    (131, "INVALID_DESTINATION_MAC"),
    (132, "INVALID_SOURCE_IP"),
    (133, "POLICY_DENIED"),
    (134, "INVALID_PACKET_DROPPED"),
    (135, "CT_TRUNCATED_OR_INVALID_HEADER"),
    (136, "CT_MISSING_TCP_ACK_FLAG"),
    (137, "CT_UNKNOWN_L4_PROTOCOL"),
    (151, "STALE_OR_UNROUTABLE_IP"),
    (155, "CT_MAP_INSERTION_FAILED"),
    (158, "SERVICE_BACKEND_NOT_FOUND"),
    (171, "INVALID_IDENTITY"),
    (177, "DENIED_BY_LB_SRC_RANGE_CHECK"),
    (181, "POLICY_DENY"),
    (189, "AUTH_REQUIRED"),
];

/// An enum written as its name, or as a number known to `table`.
fn enum_name(v: Option<&Value>, table: &[(u64, &str)]) -> Option<String> {
    match v? {
        Value::String(s) if !s.is_empty() => Some(s.clone()),
        Value::Number(n) => {
            let n = n.as_u64()?;
            Some(table.iter().find(|(k, _)| *k == n).map(|(_, s)| s.to_string()).unwrap_or_else(|| n.to_string()))
        }
        _ => None,
    }
}

/// Reserved security identities (below 256), by number.
fn reserved_identity(id: u64) -> Option<&'static str> {
    Some(match id {
        0 => "unknown",
        1 => "host",
        2 => "world",
        3 => "unmanaged",
        4 => "health",
        5 => "init",
        6 => "remote-node",
        7 => "kube-apiserver",
        8 => "ingress",
        9 => "world-ipv4",
        10 => "world-ipv6",
        11..=255 => "reserved",
        _ => return None,
    })
}

fn bool_of(v: Option<&Value>) -> Option<bool> {
    match v? {
        Value::Bool(b) => Some(*b),
        // A BoolValue wrapper written as a message.
        Value::Object(o) => o.get("value").and_then(Value::as_bool),
        _ => None,
    }
}

fn strings(v: Option<&Value>) -> Vec<&str> {
    v.and_then(Value::as_array).map(|a| a.iter().filter_map(Value::as_str).collect()).unwrap_or_default()
}

// ---------------------------------------------------------------------------
// Endpoints
// ---------------------------------------------------------------------------

/// What a flow says of one of its ends.
struct End<'a> {
    namespace: Option<&'a str>,
    pod_name: Option<&'a str>,
    identity: Option<u64>,
    labels: Vec<&'a str>,
    workloads: Vec<(&'a str, &'a str)>,
    cluster: Option<&'a str>,
}

impl<'a> End<'a> {
    fn read(v: Option<&'a Value>) -> End<'a> {
        let Some(o) = v.and_then(Value::as_object) else {
            return End { namespace: None, pod_name: None, identity: None, labels: Vec::new(), workloads: Vec::new(), cluster: None };
        };
        let workloads = o
            .get("workloads")
            .and_then(Value::as_array)
            .map(|a| {
                a.iter()
                    .filter_map(|w| Some((str_of(w.get("kind"))?, str_of(w.get("name"))?)))
                    .collect()
            })
            .unwrap_or_default();
        End {
            namespace: str_of(o.get("namespace")),
            pod_name: str_of(get(o, "pod_name", "podName")),
            identity: u64_of(o.get("identity")),
            labels: strings(o.get("labels")),
            workloads,
            cluster: str_of(get(o, "cluster_name", "clusterName")),
        }
    }

    fn pod_key(&self) -> Option<String> {
        entity::pod_key(self.namespace?, self.pod_name?)
    }

    /// The reserved identity this end is (`world`, `host` …), from its
    /// labels or its number.
    fn reserved(&self) -> Option<&'a str> {
        self.labels
            .iter()
            .find_map(|l| l.strip_prefix("reserved:"))
            .or_else(|| self.identity.and_then(reserved_identity))
    }

    /// `shop/cart-…`, `world`, `host`, or `unknown` for an empty endpoint.
    fn describe(&self) -> String {
        if let Some(k) = self.pod_key() {
            return k;
        }
        if let Some(r) = self.reserved() {
            return r.to_string();
        }
        if let Some(fqdn) = self.labels.iter().find_map(|l| l.strip_prefix("fqdn:")) {
            return fqdn.to_string();
        }
        match self.namespace {
            Some(ns) => ns.to_string(),
            None => "unknown".to_string(),
        }
    }

    /// The pod's labels as Kubernetes has them: `k8s:` labels less those
    /// Cilium derives (namespace, service account, cluster, policy).
    fn pod_labels(&self) -> Map<String, Value> {
        let mut m = Map::new();
        for l in &self.labels {
            let Some(kv) = l.strip_prefix("k8s:") else { continue };
            let (k, v) = kv.split_once('=').unwrap_or((kv, ""));
            if k.starts_with("io.cilium.k8s.") || k.starts_with("io.kubernetes.pod.namespace") {
                continue;
            }
            m.insert(k.to_string(), Value::from(v));
        }
        m
    }

    fn service_account(&self) -> Option<String> {
        let sa = self.labels.iter().find_map(|l| l.strip_prefix("k8s:io.cilium.k8s.policy.serviceaccount="))?;
        entity::service_account_identity(self.namespace?, sa)
    }
}

/// The entities and fields of one end: `side` is `source` or `destination`.
fn add_end(ev: &mut NewEvent, end: &End, side: &str, cluster: Option<&str>) {
    ev.field(&format!("{}_endpoint", side), end.describe());
    ev.field(&format!("{}_identity", side), end.identity);
    if end.pod_key().is_none() {
        ev.field(&format!("{}_reserved", side), end.reserved());
    }
    // The endpoint's labels, its numeric id and its cluster stay in the
    // raw record only: a flow file repeats them on every line, and copied
    // into the fields they were most of what a flow stored. A pod's labels
    // reach its entity; a cluster other than the node's is worth a field.
    if end.cluster != cluster {
        ev.field(&format!("{}_cluster", side), end.cluster);
    }
    // The namespace is a field: the pod's key names it (and `--namespace`
    // finds a pod's events by it).
    if let Some(ns) = end.namespace {
        ev.field(&format!("{}_namespace", side), ns);
    }
    if let Some(key) = end.pod_key() {
        let labels = end.pod_labels();
        ev.entity(
            EntityRef::new(EntityKind::Pod, key.clone(), &format!("{}-pod", side))
                .attr("namespace", end.namespace)
                .attr("name", end.pod_name)
                .attr("labels", (!labels.is_empty()).then_some(Value::Object(labels))),
        );
        ev.field(&format!("{}_pod", side), key.clone());
        ev.add_search(&key);
    }
    for (kind, name) in &end.workloads {
        if let Some(key) = entity::workload_key(end.namespace, kind, name) {
            ev.entity(
                EntityRef::new(EntityKind::Workload, key.clone(), &format!("{}-workload", side))
                    .attr("kind", *kind)
                    .attr("name", *name)
                    .attr("namespace", end.namespace),
            );
            ev.field(&format!("{}_workload", side), key);
        }
    }
    if let Some(sa) = end.service_account() {
        ev.entity(EntityRef::new(EntityKind::Identity, sa.clone(), &format!("{}-service-account", side)));
        ev.field(&format!("{}_service_account", side), sa);
    }
}

// ---------------------------------------------------------------------------
// Flows
// ---------------------------------------------------------------------------

/// How the datapath judged a flow, for Kordon.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Judgement {
    /// Forwarded, traced, translated, redirected: telemetry.
    Passed,
    /// Dropped by a network policy.
    PolicyDenied,
    /// Let through by a policy in audit mode that would have dropped it.
    AuditDenied,
    /// Dropped for another reason (conntrack, routing, malformed packet).
    Dropped,
    /// An error while processing it.
    Error,
}

fn is_policy_reason(reason: Option<&str>) -> bool {
    matches!(reason, Some("POLICY_DENIED" | "POLICY_DENY" | "AUTH_REQUIRED"))
}

fn flow(f: &Map<String, Value>, outer: Option<&Outer>, shape: &'static str) -> Result<NewEvent, RecordError> {
    let verdict = enum_name(f.get("verdict"), VERDICTS).unwrap_or_else(|| "VERDICT_UNKNOWN".into());
    let drop_reason = u64_of(get(f, "drop_reason", "dropReason")).filter(|r| *r != 0);
    let drop_desc = enum_name(get(f, "drop_reason_desc", "dropReasonDesc"), DROP_REASONS)
        .filter(|d| d != "DROP_REASON_UNKNOWN" && d != "0")
        .or_else(|| drop_reason.and_then(|r| DROP_REASONS.iter().find(|(k, _)| *k == r)).map(|(_, s)| s.to_string()));
    let ingress_denied = policies(get(f, "ingress_denied_by", "ingressDeniedBy"));
    let egress_denied = policies(get(f, "egress_denied_by", "egressDeniedBy"));
    let denied_by: Vec<String> = ingress_denied.iter().chain(&egress_denied).cloned().collect();
    let judgement = match verdict.as_str() {
        "DROPPED" if is_policy_reason(drop_desc.as_deref()) || !denied_by.is_empty() => Judgement::PolicyDenied,
        "DROPPED" => Judgement::Dropped,
        "AUDIT" => Judgement::AuditDenied,
        "ERROR" => Judgement::Error,
        _ => Judgement::Passed,
    };
    let is_reply = bool_of(get(f, "is_reply", "isReply")).or_else(|| bool_of(f.get("reply")).filter(|r| *r));
    let reply = is_reply == Some(true);
    let direction = enum_name(get(f, "traffic_direction", "trafficDirection"), DIRECTIONS)
        .filter(|d| d != "TRAFFIC_DIRECTION_UNKNOWN");
    let flow_type = enum_name(f.get("Type"), FLOW_TYPES);

    let (kind, severity, rule) = match judgement {
        Judgement::Passed => (EventKind::Telemetry, Severity::Info, None),
        Judgement::PolicyDenied => (EventKind::Alert, Severity::Medium, Some("Flow denied by network policy")),
        Judgement::AuditDenied => (EventKind::Alert, Severity::Medium, Some("Flow allowed by policy audit mode")),
        Judgement::Dropped => (EventKind::Alert, Severity::Low, Some("Flow dropped")),
        Judgement::Error => (EventKind::Alert, Severity::Low, Some("Flow error")),
    };
    let mut ev = NewEvent::new(Source::Hubble, kind, String::new());
    ev.severity = severity;
    ev.shape = Some(shape);
    ev.rule = Some(rule.map(str::to_string).unwrap_or_else(|| format!("flow {}", verdict)));
    // The flow's own time (the packet's), else the response's.
    let flow_time = str_of(f.get("time"));
    ev.time_ns = flow_time
        .and_then(time::parse_rfc3339)
        .or_else(|| outer.and_then(|o| o.time).and_then(time::parse_rfc3339));
    if let Some(uuid) = str_of(f.get("uuid")) {
        ev.dedup_key = Some(format!("hubble-flow|{}", uuid));
        ev.field("uuid", uuid);
    }

    // --- where: cluster and node ---------------------------------------------
    let node_name = str_of(get(f, "node_name", "nodeName")).or(outer.and_then(|o| o.node_name));
    let cluster = node_name.and_then(|n| split_node(n).0);
    add_node(&mut ev, node_name, false);

    // --- the verdict ---------------------------------------------------------
    ev.field("verdict", verdict.as_str());
    ev.field("drop_reason", drop_reason);
    ev.field("drop_reason_desc", drop_desc.as_deref());
    ev.field("traffic_direction", direction.as_deref());
    ev.field("is_reply", is_reply);
    ev.field("flow_type", flow_type.as_deref());
    if !ingress_denied.is_empty() {
        ev.field("ingress_denied_by", ingress_denied.clone());
    }
    if !egress_denied.is_empty() {
        ev.field("egress_denied_by", egress_denied.clone());
    }
    for p in &denied_by {
        ev.add_search(p);
    }
    ev.field("policy_match_type", u64_of(get(f, "policy_match_type", "policyMatchType")));
    ev.field(
        "trace_observation_point",
        str_of(get(f, "trace_observation_point", "traceObservationPoint")).filter(|p| *p != "UNKNOWN_POINT"),
    );
    if let Some(iface) = f.get("interface").and_then(Value::as_object) {
        ev.field("interface", str_of(iface.get("name")));
    }
    ev.field("proxy_port", u64_of(get(f, "proxy_port", "proxyPort")).filter(|p| *p != 0));

    // --- addresses and ports ---------------------------------------------------
    let ip = f.get("IP").and_then(Value::as_object);
    let src_ip = ip.and_then(|i| str_of(i.get("source"))).and_then(entity::ip);
    let dst_ip = ip.and_then(|i| str_of(i.get("destination"))).and_then(entity::ip);
    ev.field("ip_version", ip.and_then(|i| enum_name(get(i, "ipVersion", "ip_version"), IP_VERSIONS)));
    if ip.and_then(|i| i.get("encrypted")).and_then(Value::as_bool) == Some(true) {
        ev.field("encrypted", true);
    }
    let l4 = L4::read(f.get("l4").and_then(Value::as_object));
    ev.field("src_ip", src_ip.clone());
    ev.field("dst_ip", dst_ip.clone());
    ev.field("protocol", l4.protocol);
    ev.field("src_port", l4.src_port);
    ev.field("dst_port", l4.dst_port);
    ev.field("icmp_type", l4.icmp_type);
    ev.field("icmp_code", l4.icmp_code);
    if !l4.flags.is_empty() {
        ev.field("tcp_flags", l4.flags.join(","));
    }

    // --- endpoints ---------------------------------------------------------------
    let src = End::read(f.get("source"));
    let dst = End::read(f.get("destination"));
    add_end(&mut ev, &src, "source", cluster);
    add_end(&mut ev, &dst, "destination", cluster);
    for (side, key) in [("source", "source_service"), ("destination", "destination_service")] {
        let camel = if side == "source" { "sourceService" } else { "destinationService" };
        if let Some(svc) = obj_of(f, key, camel) {
            let name = str_of(svc.get("name"));
            let ns = str_of(svc.get("namespace"));
            let text = match (ns, name) {
                (Some(ns), Some(n)) => Some(format!("{}/{}", ns, n)),
                (None, Some(n)) => Some(n.to_string()),
                _ => None,
            };
            ev.field(&format!("{}_service", side), text);
        }
    }
    // The addresses: roles say what the packet was (see the module doc).
    let (src_role, dst_role) = if reply {
        ("reply-source-ip", "reply-destination-ip")
    } else if matches!(judgement, Judgement::PolicyDenied | Judgement::Dropped | Judgement::Error) {
        ("source-ip", "dropped-destination-ip")
    } else {
        ("source-ip", "destination-ip")
    };
    if let Some(a) = &src_ip {
        ev.entity(EntityRef::new(EntityKind::Ip, a.clone(), src_role));
        ev.add_search(a);
    }
    if let Some(a) = &dst_ip {
        ev.entity(EntityRef::new(EntityKind::Ip, a.clone(), dst_role));
        ev.add_search(a);
    }
    // Names the addresses are known by (from DNS the proxy saw).
    let dst_names = strings(get(f, "destination_names", "destinationNames"));
    let src_names = strings(get(f, "source_names", "sourceNames"));
    let name_role = if reply {
        "reply-destination"
    } else if matches!(judgement, Judgement::PolicyDenied | Judgement::Dropped | Judgement::Error) {
        "dropped-destination"
    } else {
        "destination"
    };
    for n in &dst_names {
        let d = n.trim_end_matches('.');
        if !d.is_empty() {
            ev.entity(EntityRef::new(EntityKind::Domain, d.to_ascii_lowercase(), name_role));
            ev.add_search(d);
        }
    }
    for n in &src_names {
        let d = n.trim_end_matches('.');
        if !d.is_empty() {
            ev.entity(EntityRef::new(EntityKind::Domain, d.to_ascii_lowercase(), "source-name"));
            ev.add_search(d);
        }
    }
    if !dst_names.is_empty() {
        ev.field("destination_names", dst_names.iter().map(|n| Value::from(*n)).collect::<Vec<_>>());
    }
    if !src_names.is_empty() {
        ev.field("source_names", src_names.iter().map(|n| Value::from(*n)).collect::<Vec<_>>());
    }

    // --- layer 7 -------------------------------------------------------------------
    let l7 = f.get("l7").and_then(Value::as_object).map(|l7| read_l7(&mut ev, l7, reply));

    // --- words ---------------------------------------------------------------------
    let summary = str_of(f.get("Summary")).or_else(|| str_of(f.get("summary")));
    ev.field("summary", summary);
    if let Some(s) = summary {
        ev.add_search(s);
    }
    let from = endpoint_words(&src, src_ip.as_deref(), l4.src_port);
    let to = endpoint_words(&dst, dst_ip.as_deref(), l4.dst_port);
    let what = match (&l7, l4.protocol) {
        (Some(Some(l7)), _) => l7.clone(),
        (_, Some(p)) => match (l4.icmp_type, p) {
            (Some(t), "icmpv4" | "icmpv6") => format!("{} type {}", protocol_words(p), t),
            _ => protocol_words(p).to_string(),
        },
        _ => flow_type.clone().unwrap_or_else(|| "flow".into()),
    };
    let reply_words = if reply { " reply" } else { "" };
    let head = match judgement {
        Judgement::Passed => format!("{}{} {} → {}", what, reply_words, from, to),
        Judgement::PolicyDenied => format!("{}{} {} → {} denied by policy", what, reply_words, from, to),
        Judgement::AuditDenied => {
            format!("{}{} {} → {} allowed by policy audit mode (would be denied)", what, reply_words, from, to)
        }
        Judgement::Dropped | Judgement::Error => format!(
            "{}{} {} → {} {} ({})",
            what,
            reply_words,
            from,
            to,
            if judgement == Judgement::Error { "error" } else { "dropped" },
            drop_desc.as_deref().unwrap_or("no reason given")
        ),
    };
    ev.title = match judgement {
        Judgement::Passed => format!("{} {}", head, verdict),
        _ => head,
    };
    let mut message = ev.title.clone();
    if !denied_by.is_empty() {
        message.push_str(&format!(" ({})", denied_by.join(", ")));
    }
    if let Some(node) = node_name {
        message.push_str(&format!(" on {}", split_node(node).1));
    }
    ev.message = message;
    Ok(ev)
}

/// How a title writes a protocol.
fn protocol_words(p: &str) -> &str {
    match p {
        "tcp" => "TCP",
        "udp" => "UDP",
        "sctp" => "SCTP",
        "icmpv4" => "ICMPv4",
        "icmpv6" => "ICMPv6",
        other => other,
    }
}

/// `shop/cart-7f9c6d8b5-x2k4q (10.244.1.23:41766)`, `world 198.51.100.77:4444`.
fn endpoint_words(end: &End, ip: Option<&str>, port: Option<u64>) -> String {
    let addr = match (ip, port) {
        (Some(ip), Some(p)) if ip.contains(':') => Some(format!("[{}]:{}", ip, p)),
        (Some(ip), Some(p)) => Some(format!("{}:{}", ip, p)),
        (Some(ip), None) => Some(ip.to_string()),
        _ => None,
    };
    match (end.pod_key(), addr) {
        (Some(pod), Some(a)) => format!("{} ({})", pod, a),
        (Some(pod), None) => pod,
        (None, Some(a)) => match end.reserved() {
            Some(r) => format!("{} {}", r, a),
            None => a,
        },
        (None, None) => end.describe(),
    }
}

/// Policy references: `CiliumNetworkPolicy shop/deny-egress`.
fn policies(v: Option<&Value>) -> Vec<String> {
    let Some(list) = v.and_then(Value::as_array) else { return Vec::new() };
    list.iter()
        .filter_map(Value::as_object)
        .filter_map(|p| {
            let name = str_of(p.get("name"))?;
            let ns = str_of(p.get("namespace"));
            let kind = str_of(p.get("kind"));
            let mut s = String::new();
            if let Some(k) = kind {
                s.push_str(k);
                s.push(' ');
            }
            if let Some(ns) = ns {
                s.push_str(ns);
                s.push('/');
            }
            s.push_str(name);
            Some(s)
        })
        .collect()
}

/// Layer 4 of a flow.
#[derive(Default)]
struct L4 {
    protocol: Option<&'static str>,
    src_port: Option<u64>,
    dst_port: Option<u64>,
    icmp_type: Option<u64>,
    icmp_code: Option<u64>,
    flags: Vec<&'static str>,
}

const TCP_FLAGS: &[&str] = &["SYN", "ACK", "FIN", "RST", "PSH", "URG", "ECE", "CWR", "NS"];

impl L4 {
    fn read(l4: Option<&Map<String, Value>>) -> L4 {
        let mut out = L4::default();
        let Some(l4) = l4 else { return out };
        for (key, proto) in [("TCP", "tcp"), ("UDP", "udp"), ("SCTP", "sctp")] {
            if let Some(p) = l4.get(key).and_then(Value::as_object) {
                out.protocol = Some(proto);
                // Protobuf JSON omits a zero port.
                out.src_port = u64_of(get(p, "source_port", "sourcePort")).or(Some(0));
                out.dst_port = u64_of(get(p, "destination_port", "destinationPort")).or(Some(0));
                if let Some(flags) = p.get("flags").and_then(Value::as_object) {
                    out.flags = TCP_FLAGS.iter().copied().filter(|f| flags.get(*f).and_then(Value::as_bool) == Some(true)).collect();
                }
                return out;
            }
        }
        for (key, proto) in [("ICMPv4", "icmpv4"), ("ICMPv6", "icmpv6")] {
            if let Some(p) = l4.get(key).and_then(Value::as_object) {
                out.protocol = Some(proto);
                out.icmp_type = Some(u64_of(p.get("type")).unwrap_or(0));
                out.icmp_code = Some(u64_of(p.get("code")).unwrap_or(0));
                return out;
            }
        }
        out
    }
}

/// Fields of a layer-7 record; its words for the title (`DNS query
/// pool.minexmr.example`, `HTTP GET http://… 200`).
fn read_l7(ev: &mut NewEvent, l7: &Map<String, Value>, reply: bool) -> Option<String> {
    let l7_type = enum_name(l7.get("type"), L7_TYPES);
    ev.field("l7_type", l7_type.as_deref());
    ev.field("latency_ns", u64_of(get(l7, "latency_ns", "latencyNs")).filter(|l| *l != 0));
    if let Some(dns) = l7.get("dns").and_then(Value::as_object) {
        ev.field("l7_protocol", "dns");
        let query = str_of(dns.get("query"));
        let name = query.map(|q| q.trim_end_matches('.').to_ascii_lowercase()).filter(|q| !q.is_empty());
        ev.field("dns_query", query);
        let ips = strings(dns.get("ips"));
        if !ips.is_empty() {
            ev.field("dns_ips", ips.iter().map(|i| Value::from(*i)).collect::<Vec<_>>());
        }
        let qtypes = strings(dns.get("qtypes"));
        if !qtypes.is_empty() {
            ev.field("dns_qtypes", qtypes.join(","));
        }
        let rcode = u64_of(dns.get("rcode"));
        let is_response = reply || l7_type.as_deref() == Some("RESPONSE");
        if is_response {
            ev.field("dns_rcode", Some(rcode.unwrap_or(0)));
        }
        if let Some(n) = &name {
            let role = if is_response { "dns-answer" } else { "dns-query" };
            ev.entity(EntityRef::new(EntityKind::Domain, n.clone(), role).attr(
                "resolved",
                (!ips.is_empty()).then(|| ips.iter().map(|i| Value::from(*i)).collect::<Vec<_>>()),
            ));
            ev.add_search(n);
        }
        let q = name.unwrap_or_else(|| "?".into());
        return Some(if is_response {
            match (rcode.unwrap_or(0), ips.is_empty()) {
                (0, false) => format!("DNS answer {} = {}", q, ips.join(",")),
                (0, true) => format!("DNS answer {}", q),
                (c, _) => format!("DNS answer {} (rcode {})", q, c),
            }
        } else {
            format!("DNS query {}", q)
        });
    }
    if let Some(http) = l7.get("http").and_then(Value::as_object) {
        ev.field("l7_protocol", "http");
        let method = str_of(http.get("method"));
        let url = str_of(http.get("url"));
        let code = u64_of(http.get("code")).filter(|c| *c != 0);
        ev.field("http_method", method);
        ev.field("http_url", url);
        ev.field("http_code", code);
        ev.field("http_protocol", str_of(http.get("protocol")));
        if let Some(u) = url {
            ev.add_search(u);
        }
        let mut s = format!("HTTP {} {}", method.unwrap_or("?"), url.unwrap_or("?"));
        if let Some(c) = code {
            s.push_str(&format!(" {}", c));
        }
        return Some(s);
    }
    if let Some(kafka) = l7.get("kafka").and_then(Value::as_object) {
        ev.field("l7_protocol", "kafka");
        let topic = str_of(kafka.get("topic"));
        let api_key = str_of(get(kafka, "api_key", "apiKey"));
        ev.field("kafka_topic", topic);
        ev.field("kafka_api_key", api_key);
        ev.field("kafka_error_code", kafka.get("error_code").and_then(Value::as_i64));
        return Some(format!("Kafka {} {}", api_key.unwrap_or("?"), topic.unwrap_or("?")));
    }
    None
}

// ---------------------------------------------------------------------------
// The other payloads
// ---------------------------------------------------------------------------

fn lost_events(body: &Map<String, Value>, outer: &Outer) -> Result<NewEvent, RecordError> {
    let source = enum_name(body.get("source"), LOST_SOURCES).unwrap_or_else(|| "UNKNOWN_LOST_EVENT_SOURCE".into());
    // uint64: a string in protobuf JSON; absent means 0.
    let count = u64_of(get(body, "num_events_lost", "numEventsLost")).unwrap_or(0);
    let cpu = match body.get("cpu") {
        Some(Value::Object(o)) => o.get("value").and_then(Value::as_u64).or(Some(0)),
        other => u64_of(other),
    };
    let mut ev = NewEvent::new(Source::Hubble, EventKind::Telemetry, String::new());
    ev.shape = Some(SHAPE_GET_FLOWS);
    ev.severity = Severity::Low;
    ev.rule = Some("lost_events".into());
    ev.time_ns = outer.time.and_then(time::parse_rfc3339);
    let node = add_node(&mut ev, outer.node_name, true);
    ev.field("num_events_lost", count);
    ev.field("lost_source", source.as_str());
    ev.field("cpu", cpu);
    ev.field("evidence_gap", true);
    let where_ = match (&cpu, source.as_str()) {
        (Some(c), s) => format!("{} on CPU {}", s, c),
        (None, s) => s.to_string(),
    };
    ev.title = format!("Hubble lost {} event{} ({})", count, if count == 1 { "" } else { "s" }, where_);
    ev.message = match node {
        Some(n) => format!("{} on {}: flows of that moment are missing from this export", ev.title, n),
        None => format!("{}: flows of that moment are missing from this export", ev.title),
    };
    Ok(ev)
}

fn agent_event(body: &Map<String, Value>, outer: &Outer) -> Result<NewEvent, RecordError> {
    let kind = enum_name(body.get("type"), AGENT_TYPES).unwrap_or_else(|| "AGENT_EVENT_UNKNOWN".into());
    let mut ev = NewEvent::new(Source::Hubble, EventKind::Telemetry, String::new());
    ev.shape = Some(SHAPE_GET_FLOWS);
    ev.rule = Some(format!("agent_event {}", kind));
    ev.time_ns = outer.time.and_then(time::parse_rfc3339);
    let node = add_node(&mut ev, outer.node_name, true);
    ev.field("agent_event", kind.as_str());
    let mut what = kind.to_ascii_lowercase().replace('_', " ");
    if let Some(p) = obj_of(body, "policy_update", "policyUpdate") {
        let labels = strings(p.get("labels"));
        ev.field("policy_labels", labels.iter().map(|l| Value::from(*l)).collect::<Vec<_>>());
        ev.field("policy_revision", u64_of(p.get("revision")));
        ev.field("rule_count", u64_of(get(p, "rule_count", "ruleCount")));
        let name = labels.iter().find_map(|l| l.strip_prefix("k8s:io.cilium.k8s.policy.name="));
        let ns = labels.iter().find_map(|l| l.strip_prefix("k8s:io.cilium.k8s.policy.namespace="));
        if let Some(n) = name {
            let policy = match ns {
                Some(ns) => format!("{}/{}", ns, n),
                None => n.to_string(),
            };
            what = format!("{} {}", what, policy);
            ev.field("policy", policy.clone());
            ev.add_search(&policy);
        }
        if let Some(ns) = ns {
            ev.entity(EntityRef::new(EntityKind::Namespace, ns, "namespace"));
        }
    }
    if let Some(e) = obj_of(body, "endpoint_update", "endpointUpdate")
        .or_else(|| obj_of(body, "endpoint_regenerate", "endpointRegenerate"))
    {
        let ns = str_of(e.get("namespace"));
        let pod = str_of(get(e, "pod_name", "podName"));
        ev.field("endpoint_id", u64_of(e.get("id")));
        ev.field("error", str_of(e.get("error")));
        if let Some(ns) = ns {
            ev.entity(EntityRef::new(EntityKind::Namespace, ns, "namespace"));
        }
        if let Some(key) = ns.zip(pod).and_then(|(n, p)| entity::pod_key(n, p)) {
            ev.entity(EntityRef::new(EntityKind::Pod, key.clone(), "pod").attr("namespace", ns).attr("name", pod));
            ev.field("pod", key.clone());
            what = format!("{} {}", what, key);
            ev.add_search(&key);
        }
    }
    if let Some(c) = obj_of(body, "ipcache_update", "ipcacheUpdate") {
        let cidr = str_of(c.get("cidr"));
        ev.field("cidr", cidr);
        ev.field("identity", u64_of(c.get("identity")));
        ev.field("host_ip", str_of(get(c, "host_ip", "hostIp")));
        if let Some(ip) = cidr.and_then(|c| c.split('/').next()).and_then(entity::ip) {
            what = format!("{} {}", what, ip);
            if let Some(key) = str_of(c.get("namespace"))
                .zip(str_of(get(c, "pod_name", "podName")))
                .and_then(|(n, p)| entity::pod_key(n, p))
            {
                ev.entity(EntityRef::new(EntityKind::Pod, key.clone(), "pod"));
                ev.entity(EntityRef::new(EntityKind::Ip, ip.clone(), "pod-ip"));
                ev.field("pod", key);
            }
            ev.field("ip", ip);
        }
    }
    if let Some(s) = obj_of(body, "service_upsert", "serviceUpsert") {
        let name = str_of(s.get("name"));
        let ns = str_of(s.get("namespace"));
        if let (Some(ns), Some(n)) = (ns, name) {
            what = format!("{} {}/{}", what, ns, n);
            ev.field("service", format!("{}/{}", ns, n));
        }
    }
    if let Some(u) = body.get("unknown").and_then(Value::as_object) {
        ev.field("notification", str_of(u.get("notification")));
    }
    ev.title = format!("Cilium agent: {}", what);
    ev.message = match node {
        Some(n) => format!("{} on {}", ev.title, n),
        None => ev.title.clone(),
    };
    Ok(ev)
}

fn node_status(body: &Map<String, Value>, outer: &Outer) -> Result<NewEvent, RecordError> {
    let state = enum_name(get(body, "state_change", "stateChange"), NODE_STATES).unwrap_or_else(|| "UNKNOWN_NODE_STATE".into());
    let nodes = strings(get(body, "node_names", "nodeNames"));
    let mut ev = NewEvent::new(Source::Hubble, EventKind::Telemetry, String::new());
    ev.shape = Some(SHAPE_GET_FLOWS);
    ev.rule = Some(format!("node_status {}", state));
    ev.time_ns = outer.time.and_then(time::parse_rfc3339);
    let gap = matches!(state.as_str(), "NODE_UNAVAILABLE" | "NODE_ERROR");
    if gap {
        ev.severity = Severity::Low;
        ev.field("evidence_gap", true);
    }
    for n in &nodes {
        let (cluster, node) = split_node(n);
        if let Some(c) = cluster {
            ev.entity(EntityRef::new(EntityKind::Cluster, c, "cluster"));
        }
        ev.entity(EntityRef::new(EntityKind::Node, node, "node"));
    }
    ev.field("node_state", state.as_str());
    ev.field("node_names", nodes.iter().map(|n| Value::from(*n)).collect::<Vec<_>>());
    ev.field("message", str_of(body.get("message")));
    ev.title = format!("Hubble Relay: {} ({})", state, nodes.join(", "));
    ev.message = if gap {
        format!("{}: no flows from these nodes while they were out of reach", ev.title)
    } else {
        ev.title.clone()
    };
    Ok(ev)
}
