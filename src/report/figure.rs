//! The incident graph as a vector figure for the report, laid out the way
//! the app lays it out.
//!
//! Why the app's layout and not another: the meeting discusses the graph
//! the investigator worked in, and a picture with the same columns in the
//! same order is recognised at a glance. So `layout` is a port of the app's
//! layered layout and `label` of its label wrapping, kept in lockstep by a
//! cross-language test (`tests/report_figure.rs` and
//! `ui/tests/layoutParity.test.ts` over `fixtures/golden/graph-layout-demo.json`).
//!
//! The app lays the graph out for the room its canvas has; the report for
//! [`PAGE_ROOM`], a page's worth: the text width of an A4 page (170 mm
//! between 20 mm margins) by about 60 % of its text height (257 mm), at
//! 96 px to the inch — 640 × 580 px. Drawn at that size, labels are 12 px,
//! i.e. 9 pt on paper; a graph too large for the room at the smallest gaps
//! is drawn larger than it and shrinks on the page, as Fit does in the app.
//!
//! The attack path is the app's for the incident's story: the story tells
//! every signal of the incident, so its evidence is the set of signals the
//! graph's nodes list (each node lists its signals first, in full). The
//! nodes those name, and the edges between them that tell what happened,
//! are emphasized with their verbs; the rest is dimmed.

pub mod label;
pub mod layout;
pub mod svg;

use super::doc::Figure;
use crate::incident::graph::Graph;
use layout::{LayoutEdge, LayoutNode, Room};
use std::collections::HashSet;

/// The room the report's graph fills at scale 1 (see the module's notes).
pub const PAGE_ROOM: Room = Room { width: 640.0, height: 580.0 };

/// More nodes than this and, as in the app, each label keeps one line.
const LARGE: usize = 300;

/// Relations that place a node rather than tell what it did: never part of
/// the path, even between two nodes on it.
const CONTEXT_RELATIONS: [&str; 3] = ["from-image", "on-node", "has-address"];

/// A permission is context too, unless the evidence named is a request that
/// used it (`exercised`), as in the app.
const HELD: &str = "can";

/// The graph laid out for the page, as the app would lay it out for a
/// canvas of that room (nodes in the graph's order).
pub fn page_layout(graph: &Graph) -> layout::Layout {
    layout_in(graph, PAGE_ROOM)
}

/// The graph laid out for `room` as the app lays it out for a canvas of
/// that size (nodes in the graph's order).
pub fn layout_in(graph: &Graph, room: Room) -> layout::Layout {
    let nodes: Vec<LayoutNode> =
        graph.nodes.iter().map(|n| LayoutNode { id: &n.id, kind: &n.kind, order: n.first_seen.as_deref().and_then(first_seen_ms) }).collect();
    let edges: Vec<LayoutEdge> = graph.edges.iter().map(|e| LayoutEdge { source: &e.source, target: &e.target }).collect();
    layout::layered_layout(&nodes, &edges, &layout::Options { room: Some(room), ..layout::DEFAULT })
}

/// Milliseconds since the epoch, the fraction cut to three digits (what
/// the app's `parseTime` reads).
fn first_seen_ms(t: &str) -> Option<f64> {
    crate::time::parse_rfc3339(t).map(|ns| ns.div_euclid(1_000_000) as f64)
}

/// The attack path: the nodes that list a signal, and the edges that tell
/// what happened between two of them (or name a signal themselves).
pub fn attack_path(graph: &Graph) -> svg::Path {
    let signals: HashSet<&str> = graph.nodes.iter().flat_map(|n| n.evidence.iter().take(n.signal_count)).map(String::as_str).collect();
    let mut on: HashSet<&str> = graph.nodes.iter().filter(|n| n.evidence.iter().any(|id| signals.contains(id.as_str()))).map(|n| n.id.as_str()).collect();
    let mut edges = HashSet::new();
    // In the graph's order, as the app does: an edge taken puts both its
    // ends on the path for the edges after it.
    for (i, e) in graph.edges.iter().enumerate() {
        if CONTEXT_RELATIONS.contains(&e.kind.as_str()) {
            continue;
        }
        let named = e.evidence.iter().any(|id| signals.contains(id.as_str()));
        if e.kind == HELD && !(e.exercised.is_some() && named) {
            continue;
        }
        if (on.contains(e.source.as_str()) && on.contains(e.target.as_str())) || named {
            edges.insert(i);
            on.insert(&e.source);
            on.insert(&e.target);
        }
    }
    let nodes = graph.nodes.iter().enumerate().filter(|(_, n)| on.contains(n.id.as_str())).map(|(i, _)| i).collect();
    svg::Path { nodes, edges }
}

/// The label budget the page's gaps give, as the app computes it.
pub fn page_budget(graph: &Graph, l: &layout::Layout) -> label::Budget {
    let b = label::budget(l.rank_gap, l.row_gap, label::LABEL_FONT);
    if graph.nodes.len() > LARGE {
        label::Budget { lines: 1, ..b }
    } else {
        b
    }
}

pub fn incident_graph(graph: &Graph) -> Figure {
    let l = page_layout(graph);
    let path = attack_path(graph);
    let (svg, width, height) = svg::draw(graph, &l, &path, page_budget(graph, &l));
    let n = graph.nodes.len();
    let mut caption = format!("The incident graph: {} node{}", n, if n == 1 { "" } else { "s" });
    if !path.edges.is_empty() || !path.nodes.is_empty() {
        caption.push_str(", the attack path emphasized, context dimmed");
    }
    Figure { svg, width, height, caption }
}

#[cfg(test)]
mod tests;
