//! The app's layered layout (ui/src/graph/layout.ts), in Rust, so that the
//! report draws the graph the way the investigator saw it.
//!
//! Left to right along the investigation chain: the outside address the
//! credentials were used from → identity (its permissions stacked under it)
//! → workload → pod → container → process → file / address / domain, with
//! images and cluster nodes in a row below, each under the nodes it belongs
//! to. Given a room, the gaps are chosen so that the graph fills it.
//!
//! This is a port, step for step and in the same floating-point operations,
//! not a second design: a cross-language test (`tests/report_figure.rs`
//! writes `fixtures/golden/graph-layout-demo.json`, `ui/tests/
//! layoutParity.test.ts` replays it through the TypeScript) holds the two
//! to the same positions. A change to one is made to the other.
//!
//! Nodes are referred to by their index in the input; a repeated id keeps
//! its first node for the edges (the core never repeats one).

use std::cmp::Ordering;
use std::collections::{BTreeMap, HashMap};

#[derive(Debug, Clone, Copy)]
pub struct LayoutNode<'a> {
    pub id: &'a str,
    pub kind: &'a str,
    /// Initial order within a rank (first seen, ms since the epoch); ties by id.
    pub order: Option<f64>,
}

#[derive(Debug, Clone, Copy)]
pub struct LayoutEdge<'a> {
    pub source: &'a str,
    pub target: &'a str,
}

/// The space the graph should fill at scale 1 (CSS pixels).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Room {
    pub width: f64,
    pub height: f64,
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Options {
    /// Horizontal distance between ranks (and between wrapped sub-columns).
    pub rank_gap: f64,
    /// Vertical distance between nodes of one column.
    pub row_gap: f64,
    /// A rank with more nodes wraps into several columns.
    pub max_per_column: usize,
    /// Barycenter passes (each one down and one up).
    pub sweeps: usize,
    /// Horizontal distance between context nodes in the bottom row.
    pub context_gap: f64,
    /// Most ranks a band spreads over for chains inside it (process trees).
    pub max_band_depth: usize,
    pub room: Option<Room>,
    pub rank_gap_min: f64,
    pub rank_gap_max: f64,
    pub row_gap_min: f64,
    pub row_gap_max: f64,
}

/// The app's `DEFAULT_LAYOUT`.
pub const DEFAULT: Options = Options {
    rank_gap: 220.0,
    row_gap: 70.0,
    max_per_column: 40,
    sweeps: 3,
    context_gap: 150.0,
    max_band_depth: 3,
    room: None,
    rank_gap_min: 92.0,
    rank_gap_max: 240.0,
    row_gap_min: 62.0,
    row_gap_max: 110.0,
};

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Point {
    pub x: f64,
    pub y: f64,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Layout {
    /// Where each input node goes (centre), by input index.
    pub positions: Vec<Point>,
    /// Rank (column index) of each node of the chain; `None` for context.
    pub rank: Vec<Option<usize>>,
    /// Node indices of each rank, top to bottom.
    pub ranks: Vec<Vec<usize>>,
    /// Context nodes, left to right.
    pub context: Vec<usize>,
    /// The gaps used (chosen for the room when one was given).
    pub rank_gap: f64,
    pub row_gap: f64,
}

/// A wrapped sub-column sits a whole gap after the previous one.
const WRAP_STEP: f64 = 1.0;
/// The context row sits this many row gaps below the lowest node of the chain.
const CONTEXT_STEP: f64 = 1.5;

mod band {
    pub const SOURCE: i32 = 0;
    pub const IDENTITY: i32 = 1;
    pub const WORKLOAD: i32 = 3;
    pub const POD: i32 = 4;
    pub const CONTAINER: i32 = 5;
    pub const PROCESS: i32 = 6;
    pub const NETWORK: i32 = 7;
}

/// Band of an entity kind along the chain; -1 for context (drawn below).
fn band_of(kind: &str, used_from: bool) -> i32 {
    match kind {
        // A permission stacks under its identity, not in a column of its own.
        "identity" | "permission" => band::IDENTITY,
        "workload" => band::WORKLOAD,
        "pod" => band::POD,
        "container" => band::CONTAINER,
        "process" => band::PROCESS,
        "ip" | "domain" if used_from => band::SOURCE,
        "image" | "node" | "namespace" | "cluster" => -1,
        _ => band::NETWORK,
    }
}

/// `byOrder`: by order (none last), then by id.
fn by_order(a: &LayoutNode, b: &LayoutNode) -> Ordering {
    let key = |o: Option<f64>| o.filter(|v| !v.is_nan()).unwrap_or(f64::MAX);
    let (oa, ob) = (key(a.order), key(b.order));
    if oa != ob {
        return if oa < ob { Ordering::Less } else { Ordering::Greater };
    }
    a.id.cmp(b.id)
}

/// Depth of each node of `ids` inside its band from the chains that stay
/// in the band, by longest path over a topological order (capped at
/// `cap`); nodes on cycles keep what they reached.
fn band_depths(ids: &[usize], intra: &[Vec<usize>], cap: usize, depth: &mut [usize]) {
    let mut indeg = vec![0usize; intra.len()];
    for outs in intra {
        for &t in outs {
            indeg[t] += 1;
        }
    }
    for &id in ids {
        depth[id] = 0;
    }
    let mut queue: Vec<usize> = ids.iter().copied().filter(|&id| indeg[id] == 0).collect();
    let mut qi = 0;
    while qi < queue.len() {
        let u = queue[qi];
        qi += 1;
        let du = depth[u];
        for &v in &intra[u] {
            if du + 1 > depth[v] {
                depth[v] = cap.min(du + 1);
            }
            indeg[v] -= 1;
            if indeg[v] == 0 {
                queue.push(v);
            }
        }
    }
}

/// Lays the graph out; deterministic for the same input.
pub fn layered_layout(nodes: &[LayoutNode], edges: &[LayoutEdge], o: &Options) -> Layout {
    // A room too narrow for the columns at the smallest gap folds the chains
    // inside a band into fewer columns before the labels would have to shrink.
    let mut best = lay_out(nodes, edges, o);
    let Some(room) = o.room else { return best };
    let mut depth = o.max_band_depth.saturating_sub(1);
    while depth >= 1 && extent(&best) > room.width + 1.0 {
        let folded = lay_out(nodes, edges, &Options { max_band_depth: depth, ..*o });
        // Kept only if it is narrower (a folded column may have to wrap instead).
        if extent(&folded) < extent(&best) {
            best = folded;
        }
        depth -= 1;
    }
    best
}

/// How wide the chain is drawn: its columns and half a label either side.
fn extent(r: &Layout) -> f64 {
    let mut min = f64::INFINITY;
    let mut max = f64::NEG_INFINITY;
    for (i, rank) in r.rank.iter().enumerate() {
        if rank.is_some() {
            let x = r.positions[i].x;
            min = min.min(x);
            max = max.max(x);
        }
    }
    if min.is_finite() {
        max - min + r.rank_gap
    } else {
        0.0
    }
}

fn lay_out(nodes: &[LayoutNode], edges: &[LayoutEdge], o: &Options) -> Layout {
    let n = nodes.len();
    let mut index: HashMap<&str, usize> = HashMap::with_capacity(n);
    for (i, node) in nodes.iter().enumerate() {
        index.entry(node.id).or_insert(i);
    }
    let valid: Vec<(usize, usize)> =
        edges.iter().filter(|e| e.source != e.target).filter_map(|e| Some((*index.get(e.source)?, *index.get(e.target)?))).collect();
    let kind = |i: usize| nodes[i].kind;

    // Addresses and domains linked to an identity are where credentials were used from.
    let mut used_from = vec![false; n];
    for &(s, t) in &valid {
        let (ks, kt) = (kind(s), kind(t));
        if kt == "identity" && (ks == "ip" || ks == "domain") {
            used_from[s] = true;
        }
        if ks == "identity" && (kt == "ip" || kt == "domain") {
            used_from[t] = true;
        }
    }
    let band: Vec<i32> = (0..n).map(|i| band_of(kind(i), used_from[i])).collect();

    let mut sorted: Vec<usize> = (0..n).collect();
    sorted.sort_by(|&a, &b| by_order(&nodes[a], &nodes[b]));

    // Split each band into ranks by the chains inside it.
    let mut band_ids: BTreeMap<i32, Vec<usize>> = BTreeMap::new();
    for &i in &sorted {
        if band[i] >= 0 {
            band_ids.entry(band[i]).or_default().push(i);
        }
    }
    let mut intra: Vec<Vec<usize>> = vec![Vec::new(); n];
    for &(s, t) in &valid {
        if kind(t) == "permission" {
            continue;
        }
        if band[s] >= 0 && band[s] == band[t] {
            intra[s].push(t);
        }
    }
    let mut rank: Vec<Option<usize>> = vec![None; n];
    let mut depth = vec![0usize; n];
    let mut next = 0usize;
    for ids in band_ids.values() {
        band_depths(ids, &intra, o.max_band_depth, &mut depth);
        let mut max_depth = 0;
        for &id in ids {
            rank[id] = Some(next + depth[id]);
            max_depth = max_depth.max(depth[id]);
        }
        next += max_depth + 1;
    }
    let rank_count = next;

    let mut ranks: Vec<Vec<usize>> = vec![Vec::new(); rank_count];
    for &i in &sorted {
        if let Some(r) = rank[i] {
            ranks[r].push(i);
        }
    }

    // Adjacency between ranked nodes, split by direction of rank.
    let mut lower: Vec<Vec<usize>> = vec![Vec::new(); n];
    let mut upper: Vec<Vec<usize>> = vec![Vec::new(); n];
    for &(s, t) in &valid {
        let (Some(rs), Some(rt)) = (rank[s], rank[t]) else { continue };
        if rs == rt {
            continue;
        }
        let (a, b) = if rs < rt { (s, t) } else { (t, s) };
        lower[b].push(a);
        upper[a].push(b);
    }

    // Normalised position of every node in its rank (0..1).
    let mut pos = vec![0.0f64; n];
    let place = |ids: &[usize], pos: &mut [f64]| {
        let d = 1.max(ids.len().saturating_sub(1)) as f64;
        for (i, &id) in ids.iter().enumerate() {
            pos[id] = if ids.len() == 1 { 0.5 } else { i as f64 / d };
        }
    };
    for ids in &ranks {
        place(ids, &mut pos);
    }
    let reorder = |ids: &mut Vec<usize>, nbrs: &[Vec<usize>], pos: &mut [f64]| {
        if ids.len() < 2 {
            return;
        }
        let mut keyed: Vec<(usize, f64, usize)> = ids
            .iter()
            .enumerate()
            .map(|(i, &id)| {
                let ns = &nbrs[id];
                let mut key = pos[id];
                if !ns.is_empty() {
                    let mut s = 0.0;
                    for &m in ns {
                        s += pos[m];
                    }
                    key = s / ns.len() as f64;
                }
                (id, key, i)
            })
            .collect();
        keyed.sort_by(|a, b| a.1.partial_cmp(&b.1).unwrap_or(Ordering::Equal).then(a.2.cmp(&b.2)));
        *ids = keyed.into_iter().map(|k| k.0).collect();
        place(ids, pos);
    };
    for _ in 0..o.sweeps {
        // Down from the second rank, then up from the one before last.
        for ids in ranks.iter_mut().skip(1) {
            reorder(ids, &lower, &mut pos);
        }
        for ids in ranks.iter_mut().rev().skip(1) {
            reorder(ids, &upper, &mut pos);
        }
    }

    // Permissions under their identity: after it in its rank, whatever the sweeps did.
    for ids in &mut ranks {
        if ids.iter().any(|&i| kind(i) == "permission") {
            let (mut rest, perms): (Vec<usize>, Vec<usize>) = ids.iter().partition(|&&i| kind(i) != "permission");
            rest.extend(perms);
            *ids = rest;
        }
    }

    let ctx: Vec<usize> = (0..n).filter(|&i| band[i] < 0).collect();
    let (rank_gap, row_gap, per_column) = match o.room {
        Some(room) => {
            let sizes: Vec<usize> = ranks.iter().map(Vec::len).collect();
            spacing_for(room, &sizes, !ctx.is_empty(), o)
        }
        None => (o.rank_gap, o.row_gap, o.max_per_column),
    };
    let per_column = per_column.max(1);

    // Coordinates: ranks as columns, long ranks wrapped into sub-columns,
    // each column centred on y = 0.
    let mut positions = vec![Point { x: 0.0, y: 0.0 }; n];
    let mut placed = vec![false; n];
    let mut x = 0.0f64;
    let mut max_y = 0.0f64;
    for ids in &ranks {
        if ids.is_empty() {
            continue;
        }
        let cols = ids.len().div_ceil(per_column);
        let per_col = ids.len().div_ceil(cols);
        for (i, &id) in ids.iter().enumerate() {
            let c = i / per_col;
            let row = i % per_col;
            let in_col = per_col.min(ids.len() - c * per_col);
            let y = (row as f64 - (in_col as f64 - 1.0) / 2.0) * row_gap;
            positions[id] = Point { x: x + c as f64 * rank_gap * WRAP_STEP, y };
            placed[id] = true;
            if y > max_y {
                max_y = y;
            }
        }
        x += (cols as f64 - 1.0) * rank_gap * WRAP_STEP + rank_gap;
    }

    // Context row: each under the mean x of its neighbours, kept apart.
    let context_gap = if o.room.is_some() { rank_gap } else { o.context_gap };
    let mut nbr_x: Vec<Vec<f64>> = vec![Vec::new(); n];
    let mut add_x = |c: usize, other: usize| {
        if band[c] >= 0 || !placed[other] {
            return;
        }
        nbr_x[c].push(positions[other].x);
    };
    for &(s, t) in &valid {
        add_x(s, t);
        add_x(t, s);
    }
    let mut want = vec![0.0f64; n];
    for &c in &ctx {
        let xs = &nbr_x[c];
        if !xs.is_empty() {
            want[c] = xs.iter().fold(0.0, |a, b| a + b) / xs.len() as f64;
        }
    }
    let mut context = ctx;
    context.sort_by(|&a, &b| {
        let d = want[a] - want[b];
        if d != 0.0 && !d.is_nan() {
            return if d < 0.0 { Ordering::Less } else { Ordering::Greater };
        }
        by_order(&nodes[a], &nodes[b])
    });
    let ctx_y = max_y + row_gap * CONTEXT_STEP;
    let mut last_x = f64::NEG_INFINITY;
    for &c in &context {
        let cx = want[c].max(last_x + context_gap);
        positions[c] = Point { x: cx, y: ctx_y };
        last_x = cx;
    }

    Layout { positions, rank, ranks, context, rank_gap, row_gap }
}

/// Gaps that make the graph fill `room` at scale 1, within the options'
/// bounds: the columns share the width, the longest column (wrapped into
/// sub-columns where even the smallest row gap cannot hold it) the height.
/// Returns the rank gap, the row gap and the most nodes a column holds.
pub fn spacing_for(room: Room, rank_sizes: &[usize], has_context: bool, o: &Options) -> (f64, f64, usize) {
    let extra = if has_context { CONTEXT_STEP } else { 0.0 };
    struct Shape {
        per_column: usize,
        units: f64,
        tallest: f64,
        zoom: f64,
    }
    let shape = |per_column: usize| {
        let mut units = 0.0f64;
        let mut tallest = 1.0f64;
        for &size in rank_sizes {
            if size == 0 {
                continue;
            }
            let cols = size.div_ceil(per_column);
            units += 1.0 + (cols as f64 - 1.0) * WRAP_STEP;
            tallest = tallest.max(size.div_ceil(cols) as f64);
        }
        let zoom = (room.width / (units.max(1.0) * o.rank_gap_min)).min(room.height / ((tallest + extra) * o.row_gap_min));
        Shape { per_column, units, tallest, zoom }
    };
    let rows_fit = ((room.height / o.row_gap_min - extra).floor()).max(1.0);
    let first = (o.max_per_column as f64).min(rows_fit).max(4.0) as usize;
    let mut best = shape(first);
    // Too big for the room either way: wrap long columns to the room's
    // shape, so that the figure shrinks as little as it can.
    if best.zoom < 1.0 {
        for pc in 4..=o.max_per_column {
            let s = shape(pc);
            if s.zoom > best.zoom {
                best = s;
            }
        }
    }
    let clamp = |v: f64, lo: f64, hi: f64| hi.min(lo.max(v));
    // A column's label spreads half a gap either side of it: n columns take n gaps.
    let rank_gap = clamp(room.width / best.units.max(1.0), o.rank_gap_min, o.rank_gap_max).floor();
    // The lowest row also carries its label below the node: one more gap.
    let row_gap = clamp(room.height / (best.tallest + extra), o.row_gap_min, o.row_gap_max).floor();
    (rank_gap, row_gap, best.per_column)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn node<'a>(id: &'a str, kind: &'a str, order: f64) -> LayoutNode<'a> {
        LayoutNode { id, kind, order: Some(order) }
    }

    fn edge<'a>(source: &'a str, target: &'a str) -> LayoutEdge<'a> {
        LayoutEdge { source, target }
    }

    #[test]
    fn follows_the_investigation_chain_and_puts_context_below() {
        let nodes = [
            node("ip", "ip", 1.0),
            node("sa", "identity", 2.0),
            node("wl", "workload", 3.0),
            node("pod", "pod", 4.0),
            node("ctr", "container", 5.0),
            node("sh", "process", 6.0),
            node("miner", "process", 7.0),
            node("pool", "ip", 8.0),
            node("img", "image", 9.0),
        ];
        let edges = [
            edge("ip", "sa"),
            edge("sa", "wl"),
            edge("wl", "pod"),
            edge("pod", "ctr"),
            edge("ctr", "sh"),
            edge("sh", "miner"),
            edge("miner", "pool"),
            edge("ctr", "img"),
        ];
        let l = layered_layout(&nodes, &edges, &DEFAULT);
        let ranks: Vec<Option<usize>> = l.rank.clone();
        assert_eq!(&ranks[..8], &[Some(0), Some(1), Some(2), Some(3), Some(4), Some(5), Some(6), Some(7)]);
        assert_eq!(ranks[8], None);
        assert_eq!(l.context, vec![8]);
        // Under the container it belongs to, a row and a half below the chain.
        assert_eq!(l.positions[8], Point { x: l.positions[4].x, y: 70.0 * 1.5 });
        assert_eq!(l.positions[1].x - l.positions[0].x, 220.0);
    }

    #[test]
    fn a_room_chooses_the_gaps_within_their_bounds() {
        let (rank_gap, row_gap, per_column) = spacing_for(Room { width: 640.0, height: 580.0 }, &[1, 1, 3, 8], true, &DEFAULT);
        // Seven rows fit under the context row: the rank of 8 wraps into
        // two columns, five columns share the width, four rows and the
        // context row the height.
        assert_eq!((rank_gap, row_gap, per_column), (128.0, 105.0, 7));
        // Too many columns for the room: the smallest gap, never less.
        let (rank_gap, _, _) = spacing_for(Room { width: 300.0, height: 580.0 }, &[1; 12], false, &DEFAULT);
        assert_eq!(rank_gap, 92.0);
    }

    #[test]
    fn long_ranks_wrap_into_sub_columns() {
        let ids: Vec<String> = (0..30).map(|i| format!("p{:02}", i)).collect();
        let nodes: Vec<LayoutNode> = ids.iter().map(|id| node(id, "process", 0.0)).collect();
        let room = Room { width: 640.0, height: 300.0 };
        let l = layered_layout(&nodes, &[], &Options { room: Some(room), ..DEFAULT });
        let xs: std::collections::BTreeSet<i64> = l.positions.iter().map(|p| p.x as i64).collect();
        assert!(xs.len() > 1, "one rank of 30 in a low room wraps: {:?}", xs);
        let tallest = l.positions.iter().map(|p| p.y).fold(f64::MIN, f64::max);
        assert!(tallest * 2.0 <= room.height + l.row_gap, "{} in {}", tallest, room.height);
    }

    #[test]
    fn cycles_unknown_ids_and_self_loops_do_not_stop_it() {
        let nodes = [node("a", "process", 0.0), node("b", "process", 1.0), node("c", "process", 2.0)];
        let edges = [edge("a", "b"), edge("b", "c"), edge("c", "a"), edge("a", "a"), edge("a", "nowhere")];
        let l = layered_layout(&nodes, &edges, &Options { room: Some(Room { width: 200.0, height: 200.0 }), ..DEFAULT });
        assert_eq!(l.positions.len(), 3);
        assert!(l.positions.iter().all(|p| p.x.is_finite() && p.y.is_finite()));
        let empty = layered_layout(&[], &[], &Options { room: Some(Room { width: 200.0, height: 200.0 }), ..DEFAULT });
        assert!(empty.positions.is_empty() && empty.ranks.is_empty());
    }
}
