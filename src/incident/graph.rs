//! The incident graph: entities as nodes, typed relations as edges, built
//! with petgraph from the incident's signals, context and facts.
//!
//! A scan or a busy API client can name thousands of addresses; drawn one by
//! one they hide the attack. When one node links to more than
//! `aggregate_over` nodes of one kind by one relation, those that no signal
//! names become one aggregated node ("412 addresses in 10.244.0.0/16 on ports
//! 2375, 6379, 10250"), which can be expanded on request. Passes repeat until
//! nothing changes (aggregates gather their members' links, which may
//! aggregate in turn); if the graph is still larger than `max_nodes` the
//! threshold halves, and as a last resort nodes named by signals aggregate
//! too. The result is deterministic: ids derive from entity ids, and nodes
//! are visited in key order.
//!
//! Quiet context folds sooner: the idle replicas of the attacked pod's
//! ReplicaSet, their containers and addresses say nothing about the attack
//! but would fill its row. The rules of `quiet_context` fold such nodes from
//! two on, worded after the node they hang from ("5 other pods of
//! ReplicaSet shop/cart-7f9c6d8b5"); like any aggregate they expand.

use super::config::{Config, QuietRule};
use super::evidence::Evidence;
use super::relations::{self, Relation};
use super::summary::subject_label;
use crate::attack;
use crate::model::{EntityKind, Severity};
use crate::store::{format_id, stable_id};
use crate::time::format_ns;
use petgraph::stable_graph::{NodeIndex, StableDiGraph};
use petgraph::visit::{EdgeRef, IntoEdgeReferences};
use petgraph::Direction;
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::net::IpAddr;

/// Evidence ids listed per node or edge in the JSON (the count is exact).
const EVIDENCE_LISTED: usize = 50;
/// Member ids listed for an aggregated node.
const MEMBERS_LISTED: usize = 200;

#[derive(Debug, Clone)]
struct NodeData {
    kind: EntityKind,
    /// Entity ids; one unless aggregated.
    members: BTreeSet<i64>,
    keys: BTreeMap<i64, String>,
    /// Named by a signal: never aggregated before the last resort.
    pinned: bool,
    tactics: BTreeSet<String>,
    severity: Option<Severity>,
    first_ns: Option<i64>,
    last_ns: Option<i64>,
    evidence: BTreeSet<i64>,
    /// The signals among `evidence`: always listed in full.
    signal_keys: BTreeSet<i64>,
    signals: usize,
    /// Ports on the links that made this aggregate (addresses).
    ports: BTreeSet<u64>,
    /// Set when quiet context folded into this node: its label.
    folded: Option<String>,
}

impl NodeData {
    /// A node of `kind` with no members or evidence yet.
    fn empty(kind: EntityKind) -> NodeData {
        NodeData {
            kind,
            members: BTreeSet::new(),
            keys: BTreeMap::new(),
            pinned: false,
            tactics: BTreeSet::new(),
            severity: None,
            first_ns: None,
            last_ns: None,
            evidence: BTreeSet::new(),
            signal_keys: BTreeSet::new(),
            signals: 0,
            ports: BTreeSet::new(),
            folded: None,
        }
    }
}

#[derive(Debug, Clone)]
struct EdgeData {
    kind: String,
    first_ns: i64,
    last_ns: i64,
    evidence: BTreeSet<i64>,
    ports: BTreeSet<u64>,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Node {
    pub id: String,
    pub kind: String,
    pub label: String,
    /// The entity's canonical key (absent for an aggregated node).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub key: Option<String>,
    pub tactics: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub severity: Option<String>,
    pub first_seen: Option<String>,
    pub last_seen: Option<String>,
    pub evidence_count: usize,
    /// Every signal naming it, then the first 50 other records.
    pub evidence: Vec<String>,
    /// Signals (alerts) naming it.
    pub signal_count: usize,
    pub member_count: usize,
    pub aggregated: bool,
    /// Entity ids of an aggregated node's members (the first 200).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub members: Vec<String>,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Edge {
    pub id: String,
    pub source: String,
    pub target: String,
    pub kind: String,
    pub first_seen: Option<String>,
    pub last_seen: Option<String>,
    pub evidence_count: usize,
    pub evidence: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub ports: Vec<u64>,
    /// Words for the edge when its kind is not enough ("can get, list").
    #[serde(skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
    /// On a permission (`can`) edge: what the incident's requests did
    /// through it ("listed secrets"). A permission used in the attack is
    /// part of its path; one merely held is context.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub exercised: Option<String>,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Graph {
    pub incident: String,
    pub nodes: Vec<Node>,
    pub edges: Vec<Edge>,
    /// Entities before aggregation.
    pub raw_entities: usize,
    /// The fan-out above which nodes were aggregated in the end.
    pub aggregate_over: usize,
}

struct Builder<'c> {
    quiet: &'c [QuietRule],
    g: StableDiGraph<NodeData, EdgeData>,
    /// Node ids the investigator asked to see member by member.
    keep: HashSet<i64>,
}

fn merge_edge(g: &mut StableDiGraph<NodeData, EdgeData>, a: NodeIndex, b: NodeIndex, data: EdgeData) {
    if let Some(e) = g.edges_connecting(a, b).find(|e| e.weight().kind == data.kind).map(|e| e.id()) {
        let w = &mut g[e];
        w.first_ns = w.first_ns.min(data.first_ns);
        w.last_ns = w.last_ns.max(data.last_ns);
        w.evidence.extend(data.evidence);
        w.ports.extend(data.ports);
    } else {
        g.add_edge(a, b, data);
    }
}

impl Builder<'_> {
    fn sort_key(&self, n: NodeIndex) -> (EntityKind, i64) {
        let d = &self.g[n];
        (d.kind, *d.members.iter().next().unwrap_or(&0))
    }

    /// One aggregation, if any group is over the threshold.
    fn aggregate_once(&mut self, threshold: usize, allow_pinned: bool) -> bool {
        let mut nodes: Vec<NodeIndex> = self.g.node_indices().collect();
        nodes.sort_by_key(|n| self.sort_key(*n));
        for n in nodes {
            let mut groups: BTreeMap<(u8, String, EntityKind), Vec<NodeIndex>> = BTreeMap::new();
            for (dir, tag) in [(Direction::Outgoing, 0u8), (Direction::Incoming, 1u8)] {
                for e in self.g.edges_directed(n, dir) {
                    let m = if dir == Direction::Outgoing { e.target() } else { e.source() };
                    let md = &self.g[m];
                    if m == n || (md.pinned && !allow_pinned) || md.members.iter().any(|id| self.keep.contains(id)) {
                        continue;
                    }
                    groups.entry((tag, e.weight().kind.clone(), md.kind)).or_default().push(m);
                }
            }
            for ((tag, kind, member_kind), mut members) in groups {
                members.sort_by_key(|m| self.sort_key(*m));
                members.dedup();
                let quiet = (tag == 0)
                    .then(|| self.quiet.iter().find(|q| q.relation == kind && q.kind == member_kind))
                    .flatten()
                    .filter(|_| !allow_pinned && members.iter().all(|m| !self.g[*m].pinned));
                let over = match quiet {
                    Some(_) => members.len() >= 2,
                    None => members.len() > threshold,
                };
                if !over {
                    continue;
                }
                let label = quiet.map(|q| self.quiet_label(n, &kind, member_kind, &q.label, members.len()));
                let a = self.merge(n, tag, &kind, &members);
                self.g[a].folded = label;
                return true;
            }
        }
        false
    }

    /// The wording of a quiet fold under `hub` (see `QuietRule`).
    fn quiet_label(&self, hub: NodeIndex, relation: &str, kind: EntityKind, template: &str, n: usize) -> String {
        let h = &self.g[hub];
        let hub_label = match (h.members.len(), h.keys.values().next()) {
            (1, Some(key)) => node_label(h.kind, key),
            // Folded under a fold: "5 containers of those 5 pods", not the
            // whole chain of labels.
            (m, _) => format!("those {} {}", m, plural(h.kind)),
        };
        // "other" when the hub keeps a member of that kind a signal names.
        let other = self
            .g
            .edges_directed(hub, Direction::Outgoing)
            .any(|e| e.weight().kind == relation && self.g[e.target()].kind == kind && self.g[e.target()].pinned);
        template.replace("{n}", &n.to_string()).replace("{other}", if other { "other " } else { "" }).replace("{hub}", &hub_label)
    }

    fn merge(&mut self, hub: NodeIndex, tag: u8, kind: &str, members: &[NodeIndex]) -> NodeIndex {
        let mut agg = NodeData::empty(self.g[members[0]].kind);
        let set: HashSet<NodeIndex> = members.iter().copied().collect();
        let mut moved: Vec<(bool, NodeIndex, EdgeData)> = Vec::new();
        for &m in members {
            let d = &self.g[m];
            agg.members.extend(d.members.iter().copied());
            agg.keys.extend(d.keys.iter().map(|(k, v)| (*k, v.clone())));
            agg.pinned |= d.pinned;
            agg.tactics.extend(d.tactics.iter().cloned());
            agg.severity = agg.severity.max(d.severity);
            agg.first_ns = match (agg.first_ns, d.first_ns) {
                (Some(a), Some(b)) => Some(a.min(b)),
                (a, b) => a.or(b),
            };
            agg.last_ns = agg.last_ns.max(d.last_ns);
            agg.evidence.extend(d.evidence.iter().copied());
            agg.signal_keys.extend(d.signal_keys.iter().copied());
            agg.signals += d.signals;
            agg.ports.extend(d.ports.iter().copied());
            for e in self.g.edges_directed(m, Direction::Outgoing) {
                if !set.contains(&e.target()) {
                    moved.push((true, e.target(), e.weight().clone()));
                }
            }
            for e in self.g.edges_directed(m, Direction::Incoming) {
                if !set.contains(&e.source()) {
                    moved.push((false, e.source(), e.weight().clone()));
                }
            }
        }
        // The ports of the hub's links to the members describe the aggregate.
        for (out, other, w) in &moved {
            if *other == hub && w.kind == kind && (*out == (tag == 1)) {
                agg.ports.extend(w.ports.iter().copied());
            }
        }
        for &m in members {
            self.g.remove_node(m);
        }
        let a = self.g.add_node(agg);
        for (out, other, w) in moved {
            if out {
                merge_edge(&mut self.g, a, other, w);
            } else {
                merge_edge(&mut self.g, other, a, w);
            }
        }
        a
    }
}

fn covering_net(keys: &BTreeMap<i64, String>) -> Option<String> {
    covering_net_of(keys.values())
}

/// The smallest octet-aligned IPv4 network holding every address (`None`
/// when one is no IPv4 address): "10.244.0.0/16".
pub fn covering_net_of<'a>(addrs: impl IntoIterator<Item = &'a String>) -> Option<String> {
    let mut first: Option<u32> = None;
    let mut common = 32u32;
    for a in addrs {
        let v = match a.parse::<IpAddr>() {
            Ok(IpAddr::V4(v)) => u32::from(v),
            _ => return None,
        };
        match first {
            None => first = Some(v),
            Some(f) => common = common.min((f ^ v).leading_zeros()),
        }
    }
    let first = first?;
    let len = (common / 8) * 8;
    let mask = if len == 0 { 0 } else { u32::MAX << (32 - len) };
    Some(format!("{}/{}", std::net::Ipv4Addr::from(first & mask), len))
}

fn join_some(items: impl IntoIterator<Item = String>, max: usize) -> String {
    let all: Vec<String> = items.into_iter().collect();
    if all.len() <= max {
        all.join(", ")
    } else {
        format!("{} and {} more", all[..max].join(", "), all.len() - max)
    }
}

fn node_label(kind: EntityKind, key: &str) -> String {
    match kind {
        EntityKind::Workload => {
            let mut parts = key.splitn(3, '/');
            let (ns, k, name) = (parts.next().unwrap_or(""), parts.next().unwrap_or(""), parts.next().unwrap_or(key));
            if ns == "-" {
                format!("{} {}", k, name)
            } else {
                format!("{} {}/{}", k, ns, name)
            }
        }
        EntityKind::Process => {
            let mut parts = key.splitn(3, ':');
            let (_, pid, path) = (parts.next(), parts.next().unwrap_or(""), parts.next().unwrap_or(key));
            format!("{} ({})", path, pid)
        }
        k => subject_label(k, key),
    }
}

fn plural(kind: EntityKind) -> String {
    match kind {
        EntityKind::Ip => "addresses".into(),
        EntityKind::Process => "processes".into(),
        EntityKind::Identity => "identities".into(),
        k => format!("{}s", k.as_str()),
    }
}

fn aggregate_label(d: &NodeData) -> String {
    let n = d.members.len();
    match d.kind {
        EntityKind::Ip => {
            let mut s = match covering_net(&d.keys) {
                Some(net) => format!("{} addresses in {}", n, net),
                None => format!("{} addresses", n),
            };
            if !d.ports.is_empty() {
                s.push_str(&format!(" on port{} {}", if d.ports.len() == 1 { "" } else { "s" }, join_some(d.ports.iter().map(u64::to_string), 8)));
            }
            s
        }
        EntityKind::Pod => {
            let ns: BTreeSet<&str> = d.keys.values().filter_map(|k| k.split('/').next()).collect();
            format!("{} pods in {}", n, join_some(ns.into_iter().map(str::to_string), 4))
        }
        EntityKind::Process => {
            let names: BTreeSet<String> = d
                .keys
                .values()
                .map(|k| k.rsplit('/').next().unwrap_or(k).to_string())
                .collect();
            format!("{} processes: {}", n, join_some(names, 5))
        }
        k => format!("{} {} entities", n, k),
    }
}

fn aggregate_id(members: &BTreeSet<i64>) -> String {
    let bytes: Vec<u8> = members.iter().flat_map(|m| m.to_be_bytes()).collect();
    format!("agg-{}", format_id(stable_id(&[b"aggregate", &bytes])))
}

fn listed(keys: &BTreeSet<i64>) -> Vec<String> {
    keys.iter().take(EVIDENCE_LISTED).map(|k| format_id(*k)).collect()
}

/// Builds the incident's graph. `expand` names aggregated nodes (by the id a
/// previous build gave them) to show member by member.
pub fn build(ev: &Evidence, cfg: &Config, expand: &[String]) -> Graph {
    let draw: HashSet<EntityKind> = cfg.graph_kinds.iter().copied().collect();
    let linked: HashSet<EntityKind> = cfg.graph_linked_kinds.iter().copied().collect();
    let rels: BTreeMap<(i64, i64, usize), Relation> = relations::derive(relations::builtin(), ev.all());

    // Entities: everything a signal names, and both ends of every relation.
    let mut info: BTreeMap<i64, NodeData> = BTreeMap::new();
    let mut in_relation: HashSet<i64> = HashSet::new();
    for r in rels.values() {
        in_relation.insert(r.from);
        in_relation.insert(r.to);
    }
    let signal_keys: HashSet<i64> = ev.signals.iter().map(|(s, _)| s.key).collect();
    for e in ev.all() {
        let is_signal = signal_keys.contains(&e.key);
        for n in &e.entities {
            let related = in_relation.contains(&n.id);
            let drawn = (draw.contains(&n.kind) && (is_signal || related)) || (linked.contains(&n.kind) && related);
            if !drawn {
                continue;
            }
            let d = info.entry(n.id).or_insert_with(|| {
                let mut d = NodeData::empty(n.kind);
                d.members.insert(n.id);
                d.keys.insert(n.id, n.key.to_string());
                d
            });
            if d.evidence.insert(e.key) {
                d.first_ns = Some(d.first_ns.map_or(e.time_ns, |t| t.min(e.time_ns)));
                d.last_ns = Some(d.last_ns.map_or(e.time_ns, |t| t.max(e.time_ns)));
                if is_signal {
                    d.pinned = true;
                    d.signals += 1;
                    d.signal_keys.insert(e.key);
                    d.tactics.extend(e.mapped.tactics.iter().cloned());
                    d.severity = d.severity.max(Some(e.severity));
                }
            }
        }
    }
    let raw_entities = info.len();

    let mut b = Builder { quiet: &cfg.quiet_context, g: StableDiGraph::new(), keep: HashSet::new() };
    let mut index: HashMap<i64, NodeIndex> = HashMap::new();
    for (id, d) in info {
        index.insert(id, b.g.add_node(d));
    }
    for r in rels.into_values() {
        if let (Some(&a), Some(&c)) = (index.get(&r.from), index.get(&r.to)) {
            b.g.add_edge(
                a,
                c,
                EdgeData { kind: r.kind, first_ns: r.first_ns, last_ns: r.last_ns, evidence: r.evidence, ports: r.ports },
            );
        }
    }

    let wanted: HashSet<&str> = expand.iter().map(String::as_str).collect();
    let mut threshold = cfg.aggregate_over;
    // Expanding: find which aggregates the ids name in an unexpanded build,
    // then rebuild keeping their members apart.
    if !wanted.is_empty() {
        let mut plain = Builder { quiet: b.quiet, g: b.g.clone(), keep: HashSet::new() };
        aggregate_all(&mut plain, cfg, &mut threshold.clone());
        for d in plain.g.node_weights() {
            if d.members.len() > 1 && wanted.contains(aggregate_id(&d.members).as_str()) {
                b.keep.extend(d.members.iter().copied());
            }
        }
    }
    aggregate_all(&mut b, cfg, &mut threshold);
    export(ev, b.g, raw_entities, threshold)
}

fn aggregate_all(b: &mut Builder, cfg: &Config, threshold: &mut usize) {
    let mut allow_pinned = false;
    loop {
        while b.aggregate_once(*threshold, allow_pinned) {}
        if b.g.node_count() <= cfg.max_nodes {
            break;
        }
        if *threshold > 2 {
            *threshold = (*threshold / 2).max(2);
        } else if !allow_pinned {
            allow_pinned = true;
        } else {
            break;
        }
    }
}

fn export(ev: &Evidence, g: StableDiGraph<NodeData, EdgeData>, raw_entities: usize, threshold: usize) -> Graph {
    let mut ids: HashMap<NodeIndex, String> = HashMap::new();
    let mut nodes = Vec::new();
    for n in g.node_indices() {
        let d = &g[n];
        let single = d.members.len() == 1;
        let id = if single { format_id(*d.members.iter().next().unwrap_or(&0)) } else { aggregate_id(&d.members) };
        ids.insert(n, id.clone());
        let mut tactics: Vec<String> = d.tactics.iter().cloned().collect();
        tactics.sort_by_key(|t| attack::kill_chain_position(t));
        let key = single.then(|| d.keys.values().next().cloned().unwrap_or_default());
        nodes.push(Node {
            id,
            kind: d.kind.as_str().into(),
            label: match &key {
                Some(k) => node_label(d.kind, k),
                None => d.folded.clone().unwrap_or_else(|| aggregate_label(d)),
            },
            key,
            tactics,
            severity: d.severity.map(|s| s.as_str().to_string()),
            first_seen: d.first_ns.map(format_ns),
            last_seen: d.last_ns.map(format_ns),
            evidence_count: d.evidence.len(),
            evidence: d
                .signal_keys
                .iter()
                .chain(d.evidence.iter().filter(|k| !d.signal_keys.contains(k)).take(EVIDENCE_LISTED))
                .map(|k| format_id(*k))
                .collect(),
            signal_count: d.signals,
            member_count: d.members.len(),
            aggregated: !single,
            members: if single { Vec::new() } else { d.members.iter().take(MEMBERS_LISTED).map(|m| format_id(*m)).collect() },
        });
    }
    // An edge of API requests is worded by what they did (`requests` in
    // data/relations.yaml), from the audit events behind it.
    // Only a graph with such an edge pays for the lookup.
    let by_key: HashMap<i64, &super::signals::Signal> =
        if g.edge_weights().any(|w| w.kind == "acted-on") { ev.all().map(|s| (s.key, s)).collect() } else { HashMap::new() };
    let request_label = |w: &EdgeData| -> Option<String> {
        if w.kind != "acted-on" {
            return None;
        }
        relations::requests_words(w.evidence.iter().filter_map(|k| {
            let f = &by_key.get(k)?.fields;
            let verb = f.get("verb")?.as_str()?;
            let resource = f.get("resource")?.as_str()?;
            Some(relations::request_words(verb, resource, f.get("subresource").and_then(|v| v.as_str())))
        }))
    };
    let mut edges: Vec<Edge> = (&g)
        .edge_references()
        .map(|e| {
            let w = e.weight();
            let (s, t) = (ids[&e.source()].clone(), ids[&e.target()].clone());
            let ports: Vec<u64> = w.ports.iter().copied().collect();
            Edge {
                id: format!("{}>{}:{}", s, t, w.kind),
                source: s,
                target: t,
                kind: w.kind.clone(),
                first_seen: Some(format_ns(w.first_ns)),
                last_seen: Some(format_ns(w.last_ns)),
                evidence_count: w.evidence.len(),
                evidence: listed(&w.evidence),
                label: request_label(w).or_else(|| relations::edge_words(&w.kind, &ports)),
                ports,
                exercised: None,
            }
        })
        .collect();
    nodes.sort_by(|a, b| (&a.kind, &a.label, &a.id).cmp(&(&b.kind, &b.label, &b.id)));
    edges.sort_by(|a, b| a.id.cmp(&b.id));
    Graph {
        incident: super::format_incident_id(ev.incident),
        nodes,
        edges,
        raw_entities,
        aggregate_over: threshold,
    }
}

/// A DOT quoted string's content. Line breaks become Graphviz's `\n`;
/// other control characters (hostile names) become their visible escape,
/// its backslash doubled so Graphviz shows it as text: the output stays
/// valid DOT and never drives the terminal it is printed on.
fn dot_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            c if crate::text::is_unsafe(c) => out.push_str(&crate::text::escape_char(c).replace('\\', "\\\\")),
            c => out.push(c),
        }
    }
    out
}

fn kind_colour(kind: &str) -> &'static str {
    match kind {
        "identity" => "#f4d35e",
        "pod" => "#8ecae6",
        "workload" => "#bde0fe",
        "container" => "#a8dadc",
        "process" => "#ffb4a2",
        "ip" | "domain" => "#cdb4db",
        "file" => "#e9c46a",
        "permission" => "#f6bd60",
        _ => "#e5e5e5",
    }
}

impl Graph {
    /// Graphviz DOT: top-down from identities to the network.
    pub fn to_dot(&self) -> String {
        let mut out = format!("digraph \"{}\" {{\n", dot_escape(&self.incident));
        out.push_str("  rankdir=TB;\n  node [shape=box, style=\"rounded,filled\", fontname=\"Helvetica\"];\n  edge [fontname=\"Helvetica\", fontsize=10];\n");
        for n in &self.nodes {
            let mut label = format!("{}\n{}", n.kind, n.label);
            if !n.tactics.is_empty() {
                let names: Vec<&str> = n.tactics.iter().map(|t| attack::tactic_name(t).unwrap_or(t)).collect();
                label.push_str(&format!("\n[{}]", names.join(", ")));
            }
            let pen = match n.severity.as_deref() {
                Some("critical") | Some("high") => ", penwidth=3, color=\"#c1121f\"",
                Some("medium") => ", penwidth=2, color=\"#e85d04\"",
                _ => "",
            };
            let shape = if n.aggregated { ", shape=box3d" } else { "" };
            out.push_str(&format!(
                "  \"{}\" [label=\"{}\", fillcolor=\"{}\"{}{}];\n",
                dot_escape(&n.id),
                dot_escape(&label),
                kind_colour(&n.kind),
                pen,
                shape
            ));
        }
        for e in &self.edges {
            out.push_str(&format!(
                "  \"{}\" -> \"{}\" [label=\"{}\"];\n",
                dot_escape(&e.source),
                dot_escape(&e.target),
                dot_escape(&match &e.label {
                    // A permission's verbs say it all (after what the attack did
                    // with it); a relation says how many records show it.
                    Some(l) if e.kind == "can" => match &e.exercised {
                        Some(x) => format!("{} ({})", x, l),
                        None => l.clone(),
                    },
                    Some(l) => format!("{} ({})", l, e.evidence_count),
                    None => format!("{} ({})", e.kind, e.evidence_count),
                }),
            ));
        }
        out.push_str("}\n");
        out
    }
}
