//! The laid-out graph as a standalone SVG document, drawn the way the app's
//! light theme draws it (ui/src/graph/model.ts `KIND_STYLE`, `cyStyle`):
//! a colour and a shape per kind, the severity as the border, aggregates
//! with a double border, permissions as tags, the attack path in red with
//! its verbs and everything else dimmed.
//!
//! Why plain SVG and nothing clever: the figure goes into an HTML report
//! and through the PDF renderer, and must pass the same check as the app's
//! own export (`app::export::decode`). So it holds shapes, paths, text and
//! one arrowhead marker per kind of line — no stylesheet, no script, no
//! link, no embedded document, no font but "DejaVu Sans, sans-serif" — and
//! labels sit on white boxes rather than relying on `paint-order`, which
//! not every renderer knows. Every text comes from the attacked cluster:
//! controls and bidi controls are dropped, and what markup or the export
//! check could read as syntax is written as a character reference.

use super::label::{self, text_size, Budget, LABEL_FONT, LINE_HEIGHT};
use super::layout::Layout;
use crate::incident::graph::Graph;
use std::collections::{BTreeMap, HashSet};
use std::fmt::Write;

/// Blank space around the drawing.
const MARGIN: f64 = 16.0;
/// Space between a node and its label.
const LABEL_GAP: f64 = 4.0;
/// Half the distance between two edges joining the same two nodes.
const PARALLEL_BEND: f64 = 14.0;

const TEXT: &str = "#1d2530";
const EDGE: &str = "#9aa5b1";
const CAN: &str = "#c9973a";
const PATH: &str = "#c0392b";
const PATH_TEXT: &str = "#9b2c1c";
const DIM_NODE: f64 = 0.35;
const DIM_EDGE: f64 = 0.25;

/// Colour, shape and legend name of an entity kind, as the app draws it.
fn kind_style(kind: &str) -> (&'static str, Shape, &'static str) {
    match kind {
        "identity" => ("#8e5cc9", Shape::Ellipse, "identity"),
        "permission" => ("#d9a84e", Shape::RoundRect, "permission"),
        "workload" => ("#3f7fd1", Shape::RoundRect, "workload"),
        "pod" => ("#1f9e89", Shape::Polygon(6, 0.0), "pod"),
        "container" => ("#2bb0c9", Shape::Rect, "container"),
        "process" => ("#e08a1e", Shape::Polygon(4, -std::f64::consts::FRAC_PI_2), "process"),
        "ip" => ("#5f7f99", Shape::Polygon(3, -std::f64::consts::FRAC_PI_2), "address"),
        "domain" => ("#4f6d8a", Shape::Polygon(5, -std::f64::consts::FRAC_PI_2), "domain"),
        "file" => ("#b5893a", Shape::RoundRect, "file"),
        "image" => ("#7a8b55", Shape::Rect, "image"),
        "node" => ("#6d6d6d", Shape::Polygon(8, std::f64::consts::PI / 8.0), "cluster node"),
        _ => ("#888888", Shape::Ellipse, ""),
    }
}

/// The order of kinds in the legend (the app's filter order).
const KIND_ORDER: [&str; 11] = ["identity", "permission", "workload", "pod", "container", "process", "ip", "domain", "file", "image", "node"];

fn severity_border(severity: Option<&str>) -> (f64, &'static str) {
    match severity {
        Some("critical") => (6.0, "#d62828"),
        Some("high") => (5.0, "#e4572e"),
        Some("medium") => (3.0, "#e9a03b"),
        Some("low") => (2.0, "#8fa3b8"),
        Some("info") => (1.0, "#8fa3b8"),
        _ => (1.0, "#9aa5b1"),
    }
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Shape {
    Ellipse,
    Rect,
    RoundRect,
    /// A regular polygon: corners, angle of the first corner.
    Polygon(usize, f64),
}

/// How an element is drawn against the attack path.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Emphasis {
    Dim,
    None,
    Path,
}

/// The attack path: node and edge indices of the graph.
pub struct Path {
    pub nodes: HashSet<usize>,
    pub edges: HashSet<usize>,
}

/// A number as written in the document: two decimals at most, no "-0".
fn num(v: f64) -> String {
    let r = (v * 100.0).round() / 100.0;
    if !r.is_finite() || r == 0.0 {
        return "0".into();
    }
    let s = format!("{:.2}", r);
    s.trim_end_matches('0').trim_end_matches('.').to_string()
}

/// Text from the case as it may be drawn: controls, bidi controls and
/// characters XML cannot hold dropped, line and tab breaks as spaces.
pub fn clean(s: &str) -> String {
    s.chars()
        .filter_map(|c| match c {
            '\t' | '\n' | '\r' | '\u{2028}' | '\u{2029}' => Some(' '),
            '\u{200e}' | '\u{200f}' | '\u{061c}' | '\u{fffe}' | '\u{ffff}' => None,
            c if crate::text::is_unsafe(c) => None,
            c => Some(c),
        })
        .collect()
}

/// Cleaned text escaped for a text node: markup characters, and the
/// characters the export check reads as an attribute, a scheme or an
/// import (`=`, `:`, `@`), as character references.
pub fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 8);
    for c in clean(s).chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            '=' => out.push_str("&#61;"),
            ':' => out.push_str("&#58;"),
            '@' => out.push_str("&#64;"),
            c => out.push(c),
        }
    }
    out
}

struct NodeDraw {
    x: f64,
    y: f64,
    w: f64,
    h: f64,
    shape: Shape,
    fill: &'static str,
    fill_opacity: f64,
    stroke: &'static str,
    stroke_width: f64,
    double: bool,
    italic: bool,
    lines: Vec<String>,
    emphasis: Emphasis,
}

struct EdgeDraw {
    from: (f64, f64),
    via: Option<(f64, f64)>,
    to: (f64, f64),
    kind: EdgeLook,
    emphasis: Emphasis,
    label: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum EdgeLook {
    Plain,
    Can,
    Path,
}

/// Where a line from the centre of `n` towards `(tx, ty)` leaves its shape.
fn boundary(n: &NodeDraw, tx: f64, ty: f64) -> (f64, f64) {
    let (dx, dy) = (tx - n.x, ty - n.y);
    if dx == 0.0 && dy == 0.0 {
        return (n.x, n.y);
    }
    let (hw, hh) = (n.w / 2.0 + n.stroke_width / 2.0, n.h / 2.0 + n.stroke_width / 2.0);
    let t = match n.shape {
        Shape::Rect | Shape::RoundRect => {
            let tx = if dx == 0.0 { f64::INFINITY } else { hw / dx.abs() };
            let ty = if dy == 0.0 { f64::INFINITY } else { hh / dy.abs() };
            tx.min(ty)
        }
        _ => 1.0 / ((dx / hw).powi(2) + (dy / hh).powi(2)).sqrt(),
    };
    let t = t.min(1.0);
    (n.x + dx * t, n.y + dy * t)
}

fn edge_label(e: &crate::incident::graph::Edge) -> String {
    // A permission the attack used says what was done with it first.
    if let Some(x) = &e.exercised {
        return match &e.label {
            Some(l) => format!("{} ({})", x, l),
            None => x.clone(),
        };
    }
    if let Some(l) = &e.label {
        return l.clone();
    }
    if e.ports.is_empty() {
        e.kind.clone()
    } else {
        let ports: Vec<String> = e.ports.iter().map(u64::to_string).collect();
        format!("{} :{}", e.kind, ports.join(","))
    }
}

/// Bounds of everything drawn, grown point by point.
struct Bounds {
    x1: f64,
    y1: f64,
    x2: f64,
    y2: f64,
}

impl Bounds {
    fn see(&mut self, x: f64, y: f64) {
        if x.is_finite() && y.is_finite() {
            self.x1 = self.x1.min(x);
            self.y1 = self.y1.min(y);
            self.x2 = self.x2.max(x);
            self.y2 = self.y2.max(y);
        }
    }
}

/// A line of the legend: a mark and its words.
enum Mark {
    Kind(&'static str, Shape),
    Line(EdgeLook, f64),
}

/// Draws `graph` at `layout`'s positions with labels within `budget`.
/// Returns the document and its width and height.
pub fn draw(graph: &Graph, layout: &Layout, path: &Path, budget: Budget) -> (String, f64, f64) {
    let has_path = !path.nodes.is_empty();
    let nodes: Vec<NodeDraw> = graph
        .nodes
        .iter()
        .enumerate()
        .map(|(i, n)| {
            let (fill, shape, _) = kind_style(&n.kind);
            let (mut stroke_width, mut stroke) = severity_border(n.severity.as_deref());
            let size = if n.aggregated { 40.0 } else { 26.0 + (((1 + n.signal_count) as f64).log2() * 3.5).min(14.0) };
            let permission = n.kind == "permission";
            let (w, h) = if permission { (52.0, 26.0) } else { (size, size) };
            let mut fill_opacity = 1.0;
            if n.aggregated {
                stroke = "#6d7f92";
                stroke_width = 2.0;
                fill_opacity = 0.55;
            }
            if permission {
                fill_opacity = 0.9;
            }
            let label = clean(&n.label);
            let tactics: Vec<String> = n.tactics.iter().map(|t| clean(t)).collect();
            let named = label::Named { label: &label, aggregated: n.aggregated, member_count: n.member_count, tactics: &tactics };
            let emphasis = match (has_path, path.nodes.contains(&i)) {
                (false, _) => Emphasis::None,
                (true, true) => Emphasis::Path,
                (true, false) => Emphasis::Dim,
            };
            let p = layout.positions.get(i).copied().unwrap_or(super::layout::Point { x: 0.0, y: 0.0 });
            NodeDraw {
                x: p.x,
                y: p.y,
                w,
                h,
                shape,
                fill,
                fill_opacity,
                stroke,
                stroke_width,
                double: n.aggregated,
                italic: permission,
                lines: label::node_label(&named, budget),
                emphasis,
            }
        })
        .collect();
    let index: BTreeMap<&str, usize> = graph.nodes.iter().enumerate().rev().map(|(i, n)| (n.id.as_str(), i)).collect();

    // Edges joining the same two nodes bend apart, each to its own side.
    let ends: Vec<Option<(usize, usize)>> = graph
        .edges
        .iter()
        .map(|e| match (index.get(e.source.as_str()), index.get(e.target.as_str())) {
            (Some(&s), Some(&t)) if s != t => Some((s, t)),
            _ => None,
        })
        .collect();
    let mut pairs: BTreeMap<(usize, usize), usize> = BTreeMap::new();
    for &(s, t) in ends.iter().flatten() {
        *pairs.entry((s.min(t), s.max(t))).or_default() += 1;
    }
    let mut seen: BTreeMap<(usize, usize), usize> = BTreeMap::new();
    let mut edges: Vec<EdgeDraw> = Vec::new();
    for (i, e) in graph.edges.iter().enumerate() {
        let Some((s, t)) = ends[i] else { continue };
        let key = (s.min(t), s.max(t));
        let count = pairs[&key];
        let nth = seen.entry(key).or_default();
        let offset = (*nth as f64 - (count as f64 - 1.0) / 2.0) * 2.0 * PARALLEL_BEND;
        *nth += 1;
        let (a, b) = (&nodes[s], &nodes[t]);
        let via = (offset != 0.0).then(|| {
            // The normal of the pair's own direction, whichever way this edge runs.
            let (lo, hi) = (&nodes[key.0], &nodes[key.1]);
            let (dx, dy) = (hi.x - lo.x, hi.y - lo.y);
            let len = (dx * dx + dy * dy).sqrt().max(1.0);
            ((a.x + b.x) / 2.0 - dy / len * offset, (a.y + b.y) / 2.0 + dx / len * offset)
        });
        let (toward_a, toward_b) = match via {
            Some(v) => (v, v),
            None => ((b.x, b.y), (a.x, a.y)),
        };
        let emphasis = match (has_path, path.edges.contains(&i)) {
            (false, _) => Emphasis::None,
            (true, true) => Emphasis::Path,
            (true, false) => Emphasis::Dim,
        };
        let kind = match (emphasis, e.kind == "can") {
            (Emphasis::Path, _) => EdgeLook::Path,
            (_, true) => EdgeLook::Can,
            _ => EdgeLook::Plain,
        };
        // The app labels the path's edges (and every edge when there is no
        // path); a dimmed edge goes unlabelled.
        let label = (emphasis != Emphasis::Dim).then(|| label::wrap(&clean(&edge_label(e)), 40, 1).into_iter().next()).flatten().filter(|l| !l.is_empty());
        edges.push(EdgeDraw { from: boundary(a, toward_a.0, toward_a.1), via, to: boundary(b, toward_b.0, toward_b.1), kind, emphasis, label });
    }

    let mut bounds = Bounds { x1: f64::INFINITY, y1: f64::INFINITY, x2: f64::NEG_INFINITY, y2: f64::NEG_INFINITY };
    for n in &nodes {
        let (tw, th) = text_size(&n.lines, LABEL_FONT);
        let half = n.w.max(tw) / 2.0 + n.stroke_width / 2.0;
        bounds.see(n.x - half, n.y - n.h / 2.0 - n.stroke_width / 2.0);
        bounds.see(n.x + half, n.y + n.h / 2.0 + LABEL_GAP + th);
    }
    for e in &edges {
        bounds.see(e.from.0, e.from.1);
        bounds.see(e.to.0, e.to.1);
        if let Some(v) = e.via {
            bounds.see(v.0, v.1);
        }
        if let Some(l) = &e.label {
            let (x, y) = label_point(e);
            let (w, h) = text_size(&[l], edge_font(e));
            bounds.see(x - w / 2.0 - 2.0, y - h / 2.0 - 2.0);
            bounds.see(x + w / 2.0 + 2.0, y + h / 2.0 + 2.0);
        }
    }
    if !bounds.x1.is_finite() {
        bounds = Bounds { x1: 0.0, y1: 0.0, x2: 0.0, y2: 0.0 };
    }

    // The legend: the kinds drawn, then what the lines mean.
    let mut marks: Vec<(Mark, String)> = Vec::new();
    let present: HashSet<&str> = graph.nodes.iter().map(|n| n.kind.as_str()).collect();
    for k in KIND_ORDER {
        if present.contains(k) {
            let (_, shape, name) = kind_style(k);
            marks.push((Mark::Kind(k, shape), name.to_string()));
        }
    }
    let mut others: Vec<&str> = present.iter().copied().filter(|k| !KIND_ORDER.contains(k)).collect();
    others.sort_unstable();
    for k in others {
        marks.push((Mark::Kind("", Shape::Ellipse), clean(k)));
    }
    if has_path {
        marks.push((Mark::Line(EdgeLook::Path, 1.0), "attack path".into()));
        marks.push((Mark::Line(EdgeLook::Plain, DIM_EDGE), "context (dimmed)".into()));
    } else if !edges.is_empty() {
        marks.push((Mark::Line(EdgeLook::Plain, 1.0), "relation".into()));
    }
    if graph.edges.iter().any(|e| e.kind == "can") {
        marks.push((Mark::Line(EdgeLook::Can, 1.0), "what an identity may do".into()));
    }
    const LEGEND_FONT: f64 = 10.0;
    const MARK: f64 = 14.0;
    const ROW: f64 = 20.0;
    let item_width = |words: &str| MARK + 6.0 + text_size(&[words], LEGEND_FONT).0 + 16.0;
    let drawn_width = bounds.x2 - bounds.x1;
    let wrap_at = drawn_width.max(360.0);
    let mut legend: Vec<(f64, f64, &Mark, &str)> = Vec::new();
    let (mut lx, mut ly, mut legend_width) = (0.0f64, 0.0f64, 0.0f64);
    for (mark, words) in &marks {
        let w = item_width(words);
        if lx > 0.0 && lx + w > wrap_at {
            lx = 0.0;
            ly += ROW;
        }
        legend.push((lx, ly, mark, words));
        lx += w;
        legend_width = legend_width.max(lx);
    }
    let legend_top = bounds.y2 + 18.0;
    let legend_height = if legend.is_empty() { 0.0 } else { ly + ROW };

    let width = drawn_width.max(legend_width) + 2.0 * MARGIN;
    let height = bounds.y2 - bounds.y1 + if legend.is_empty() { 0.0 } else { 18.0 + legend_height } + 2.0 * MARGIN;
    let (ox, oy) = (MARGIN - bounds.x1, MARGIN - bounds.y1);
    let px = |x: f64| num(x + ox);
    let py = |y: f64| num(y + oy);

    let mut out = String::with_capacity(4096 + graph.nodes.len() * 600);
    let _ = writeln!(
        out,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{w}\" height=\"{h}\" viewBox=\"0 0 {w} {h}\" font-family=\"DejaVu Sans, sans-serif\">",
        w = num(width),
        h = num(height)
    );
    let _ = writeln!(out, "<title>{}</title>", esc(&format!("Incident graph of {}", graph.incident)));
    let _ = writeln!(out, "<rect x=\"0\" y=\"0\" width=\"{}\" height=\"{}\" fill=\"#ffffff\"/>", num(width), num(height));
    out.push_str("<defs>\n");
    for (id, colour, size) in [("k-arrow", EDGE, 9.0), ("k-path", PATH, 11.0)] {
        let _ = writeln!(
            out,
            "<marker id=\"{id}\" viewBox=\"0 0 10 10\" refX=\"10\" refY=\"5\" markerWidth=\"{s}\" markerHeight=\"{s}\" markerUnits=\"userSpaceOnUse\" orient=\"auto\"><path d=\"M0,0 L10,5 L0,10 z\" fill=\"{colour}\"/></marker>",
            s = num(size)
        );
    }
    let _ = writeln!(
        out,
        "<marker id=\"k-can\" viewBox=\"0 0 4 10\" refX=\"2\" refY=\"5\" markerWidth=\"4\" markerHeight=\"10\" markerUnits=\"userSpaceOnUse\" orient=\"auto\"><path d=\"M2,0 L2,10\" stroke=\"{CAN}\" stroke-width=\"2\"/></marker>"
    );
    out.push_str("</defs>\n");

    if nodes.is_empty() {
        // Nothing to draw but the fact.
        let _ = writeln!(
            out,
            "<text x=\"{}\" y=\"{}\" font-size=\"{}\" fill=\"{TEXT}\">No entity to draw.</text>",
            num(MARGIN),
            num(MARGIN + LABEL_FONT),
            num(LABEL_FONT)
        );
    }

    // Edges: dimmed ones first, the path on top.
    let mut order: Vec<usize> = (0..edges.len()).collect();
    order.sort_by_key(|&i| edges[i].emphasis);
    for &i in &order {
        let e = &edges[i];
        let d = match e.via {
            Some(v) => format!("M{},{} Q{},{} {},{}", px(e.from.0), py(e.from.1), px(v.0), py(v.1), px(e.to.0), py(e.to.1)),
            None => format!("M{},{} L{},{}", px(e.from.0), py(e.from.1), px(e.to.0), py(e.to.1)),
        };
        out.push_str(&edge_path(&d, e.kind, if e.emphasis == Emphasis::Dim { DIM_EDGE } else { 1.0 }));
    }

    // Nodes: dimmed ones first, each with its label.
    let mut order: Vec<usize> = (0..nodes.len()).collect();
    order.sort_by_key(|&i| nodes[i].emphasis);
    for &i in &order {
        let n = &nodes[i];
        let dim = n.emphasis == Emphasis::Dim;
        if dim {
            let _ = writeln!(out, "<g opacity=\"{}\">", num(DIM_NODE));
        } else {
            out.push_str("<g>\n");
        }
        let style = format!(" fill=\"{}\" fill-opacity=\"{}\" stroke=\"{}\" stroke-width=\"{}\"", n.fill, num(n.fill_opacity), n.stroke, num(n.stroke_width));
        out.push_str(&shape(n.shape, n.x + ox, n.y + oy, n.w, n.h, &style));
        if n.double {
            let inner = format!(" fill=\"none\" stroke=\"{}\" stroke-width=\"{}\"", n.stroke, num(n.stroke_width));
            out.push_str(&shape(n.shape, n.x + ox, n.y + oy, n.w - 8.0, n.h - 8.0, &inner));
        }
        if !n.lines.iter().all(String::is_empty) {
            let (tw, th) = text_size(&n.lines, LABEL_FONT);
            let top = n.y + n.h / 2.0 + LABEL_GAP;
            let _ = writeln!(
                out,
                "<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" rx=\"2\" fill=\"#ffffff\" fill-opacity=\"0.8\"/>",
                px(n.x - tw / 2.0 - 2.0),
                py(top),
                num(tw + 4.0),
                num(th)
            );
            let _ = write!(
                out,
                "<text font-size=\"{}\" fill=\"{TEXT}\" text-anchor=\"middle\"{}>",
                num(LABEL_FONT),
                if n.italic { " font-style=\"italic\"" } else { "" }
            );
            for (k, line) in n.lines.iter().enumerate() {
                // A baseline a little above the bottom of each line's box.
                let base = top + k as f64 * LABEL_FONT * LINE_HEIGHT + LABEL_FONT * 0.95;
                let _ = write!(out, "<tspan x=\"{}\" y=\"{}\">{}</tspan>", px(n.x), py(base), esc(line));
            }
            out.push_str("</text>\n");
        }
        out.push_str("</g>\n");
    }

    // Edge labels last: where a tight column puts a verb on a node's label,
    // the path's verbs, which the figure is for, stay readable.
    for &i in &order_edges_for_labels(&edges) {
        let e = &edges[i];
        let Some(l) = &e.label else { continue };
        let (x, y) = label_point(e);
        let font = edge_font(e);
        let (w, h) = text_size(&[l], font);
        let (weight, colour) = if e.kind == EdgeLook::Path { (" font-weight=\"bold\"", PATH_TEXT) } else { ("", TEXT) };
        let _ = writeln!(
            out,
            "<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" rx=\"2\" fill=\"#ffffff\" fill-opacity=\"0.85\"/>",
            px(x - w / 2.0 - 2.0),
            py(y - h / 2.0),
            num(w + 4.0),
            num(h)
        );
        let _ = writeln!(
            out,
            "<text x=\"{}\" y=\"{}\" font-size=\"{}\" fill=\"{colour}\" text-anchor=\"middle\"{weight}>{}</text>",
            px(x),
            py(y + font * 0.35),
            num(font),
            esc(l)
        );
    }

    if !legend.is_empty() {
        out.push_str("<g>\n");
        let x0 = bounds.x1;
        for (lx, ly, mark, words) in &legend {
            let (mx, my) = (x0 + lx, legend_top + ly + MARK / 2.0);
            match mark {
                Mark::Kind(kind, shape_of) => {
                    let (fill, _, _) = kind_style(kind);
                    let (w, h) = if *kind == "permission" { (MARK * 1.6, MARK * 0.8) } else { (MARK, MARK) };
                    let style = format!(" fill=\"{fill}\" stroke=\"#9aa5b1\" stroke-width=\"1\"");
                    out.push_str(&shape(*shape_of, mx + MARK / 2.0 + ox, my + oy, w, h, &style));
                }
                Mark::Line(look, opacity) => {
                    let d = format!("M{},{} L{},{}", px(mx - 2.0), py(my), px(mx + MARK + 2.0), py(my));
                    out.push_str(&edge_path(&d, *look, *opacity));
                }
            }
            let _ = writeln!(
                out,
                "<text x=\"{}\" y=\"{}\" font-size=\"{}\" fill=\"{TEXT}\">{}</text>",
                px(mx + MARK + 6.0),
                py(my + LEGEND_FONT * 0.35),
                num(LEGEND_FONT),
                esc(words)
            );
        }
        out.push_str("</g>\n");
    }
    out.push_str("</svg>\n");
    (out, round2(width), round2(height))
}

fn round2(v: f64) -> f64 {
    (v * 100.0).round() / 100.0
}

/// Path labels over the others.
fn order_edges_for_labels(edges: &[EdgeDraw]) -> Vec<usize> {
    let mut order: Vec<usize> = (0..edges.len()).filter(|&i| edges[i].label.is_some()).collect();
    order.sort_by_key(|&i| edges[i].emphasis);
    order
}

fn edge_font(e: &EdgeDraw) -> f64 {
    if e.kind == EdgeLook::Path {
        10.5
    } else {
        9.0
    }
}

/// Halfway along the line (the curve's midpoint for a curve).
fn label_point(e: &EdgeDraw) -> (f64, f64) {
    match e.via {
        Some(v) => (0.25 * e.from.0 + 0.5 * v.0 + 0.25 * e.to.0, 0.25 * e.from.1 + 0.5 * v.1 + 0.25 * e.to.1),
        None => ((e.from.0 + e.to.0) / 2.0, (e.from.1 + e.to.1) / 2.0),
    }
}

fn edge_path(d: &str, look: EdgeLook, opacity: f64) -> String {
    let (colour, width, dash, marker) = match look {
        EdgeLook::Plain => (EDGE, 1.5, "", "k-arrow"),
        EdgeLook::Can => (CAN, 1.5, " stroke-dasharray=\"6 4\"", "k-can"),
        EdgeLook::Path => (PATH, 2.5, "", "k-path"),
    };
    let opacity = if opacity < 1.0 { format!(" opacity=\"{}\"", num(opacity)) } else { String::new() };
    format!("<path d=\"{d}\" fill=\"none\" stroke=\"{colour}\" stroke-width=\"{}\"{dash}{opacity} marker-end=\"url(#{marker})\"/>\n", num(width))
}

/// A node's shape centred on (x, y), `style` its paint attributes.
fn shape(s: Shape, x: f64, y: f64, w: f64, h: f64, style: &str) -> String {
    match s {
        Shape::Ellipse => format!("<ellipse cx=\"{}\" cy=\"{}\" rx=\"{}\" ry=\"{}\"{style}/>\n", num(x), num(y), num(w / 2.0), num(h / 2.0)),
        Shape::Rect | Shape::RoundRect => {
            let r = if s == Shape::RoundRect { format!(" rx=\"{}\"", num(w.min(h) / 5.0)) } else { String::new() };
            format!("<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\"{r}{style}/>\n", num(x - w / 2.0), num(y - h / 2.0), num(w), num(h))
        }
        Shape::Polygon(k, start) => {
            let points: Vec<String> = (0..k)
                .map(|i| {
                    let a = start + i as f64 * 2.0 * std::f64::consts::PI / k as f64;
                    format!("{},{}", num(x + a.cos() * w / 2.0), num(y + a.sin() * h / 2.0))
                })
                .collect();
            format!("<polygon points=\"{}\"{style}/>\n", points.join(" "))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_have_two_decimals_at_most_and_no_negative_zero() {
        assert_eq!(num(1.0), "1");
        assert_eq!(num(-0.001), "0");
        assert_eq!(num(2.345678), "2.35");
        assert_eq!(num(-12.5), "-12.5");
        assert_eq!(num(f64::NAN), "0");
    }

    #[test]
    fn hostile_text_is_cleaned_and_escaped() {
        assert_eq!(clean("a\u{1b}[2Jb\u{202e}c\u{200f}d\u{85}e\nf"), "a[2Jbcde f");
        assert_eq!(esc("<b a=\"x\" onload='y'>&"), "&lt;b a&#61;&quot;x&quot; onload&#61;&#39;y&#39;&gt;&amp;");
        assert_eq!(esc("javascript:alert(1) @import"), "javascript&#58;alert(1) &#64;import");
    }
}
