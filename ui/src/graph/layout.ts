// Layered layout of an incident graph, left to right along the investigation
// chain: outside address the credentials were used from → identity (with
// what its RBAC permits, its blast radius, stacked under it) → workload →
// pod → container → process → file / address / domain. Images, nodes and
// other shared context sit in a row below, each under the nodes it belongs
// to. Pure: no DOM, no Cytoscape.
//
// Given the room the canvas has (`room`), the gaps are chosen so that the
// whole graph fills it at zoom 1: Fit then leaves labels at the size they
// were drawn, instead of shrinking a layout made for a wider screen.

export interface LayoutNode {
  id: string;
  kind: string;
  /** Initial order within a rank (e.g. first-seen time); ties by id. */
  order?: number;
}

export interface LayoutEdge {
  source: string;
  target: string;
}

export interface LayoutOptions {
  /** Horizontal distance between ranks (and between wrapped sub-columns). */
  rankGap: number;
  /** Vertical distance between nodes of one column. */
  rowGap: number;
  /** A rank with more nodes wraps into several columns. */
  maxPerColumn: number;
  /** Barycenter passes (each one down and one up). */
  sweeps: number;
  /** Horizontal distance between context nodes in the bottom row. */
  contextGap: number;
  /** Most ranks a band spreads over for chains inside it (process trees). */
  maxBandDepth: number;
  /** The canvas's size (CSS pixels, less the fit padding): gaps fill it. */
  room?: Room;
  /** Bounds of the gaps chosen for a room. */
  rankGapMin: number;
  rankGapMax: number;
  rowGapMin: number;
  rowGapMax: number;
}

export interface Room {
  width: number;
  height: number;
}

export interface Point {
  x: number;
  y: number;
}

export interface LayoutResult {
  positions: Map<string, Point>;
  /** Rank (column index) of every node in the chain; context nodes are absent. */
  rank: Map<string, number>;
  /** Node ids of each rank, top to bottom. */
  ranks: string[][];
  /** Context nodes, left to right. */
  context: string[];
  /** The gaps used (chosen for the room when one was given). */
  rankGap: number;
  rowGap: number;
}

export const DEFAULT_LAYOUT: LayoutOptions = {
  rankGap: 220,
  rowGap: 70,
  maxPerColumn: 40,
  sweeps: 3,
  contextGap: 150,
  maxBandDepth: 3,
  rankGapMin: 92,
  rankGapMax: 240,
  rowGapMin: 62,
  rowGapMax: 110,
};

/** Band of an entity kind along the chain; -1 for context (drawn below). */
export const BANDS = {
  source: 0,
  identity: 1,
  permission: 2,
  workload: 3,
  pod: 4,
  container: 5,
  process: 6,
  network: 7,
} as const;

const CONTEXT_KINDS = new Set(["image", "node", "namespace", "cluster"]);

export function bandOf(kind: string, usedFrom = false): number {
  switch (kind) {
    case "identity":
      return BANDS.identity;
    case "permission":
      // Stacked under the identity it belongs to, not a column of its own.
      return BANDS.identity;
    case "workload":
      return BANDS.workload;
    case "pod":
      return BANDS.pod;
    case "container":
      return BANDS.container;
    case "process":
      return BANDS.process;
    case "ip":
    case "domain":
      return usedFrom ? BANDS.source : BANDS.network;
    case "file":
      return BANDS.network;
    default:
      return CONTEXT_KINDS.has(kind) ? -1 : BANDS.network;
  }
}

function byOrder(a: LayoutNode, b: LayoutNode): number {
  const oa = a.order === undefined || Number.isNaN(a.order) ? Number.MAX_VALUE : a.order;
  const ob = b.order === undefined || Number.isNaN(b.order) ? Number.MAX_VALUE : b.order;
  if (oa !== ob) return oa < ob ? -1 : 1;
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

/**
 * Depth of each node inside its band from the chains that stay in the band
 * (process started process, Deployment owns ReplicaSet), by longest path over
 * a topological order; nodes on cycles keep what they reached.
 */
function bandDepths(ids: string[], intra: Map<string, string[]>, cap: number): Map<string, number> {
  const indeg = new Map<string, number>();
  for (const id of ids) indeg.set(id, 0);
  for (const [, outs] of intra) for (const t of outs) indeg.set(t, (indeg.get(t) ?? 0) + 1);
  const depth = new Map<string, number>(ids.map((id) => [id, 0]));
  const queue = ids.filter((id) => indeg.get(id) === 0);
  for (let qi = 0; qi < queue.length; qi++) {
    const u = queue[qi]!;
    const du = depth.get(u)!;
    for (const v of intra.get(u) ?? []) {
      if (du + 1 > depth.get(v)!) depth.set(v, Math.min(cap, du + 1));
      const d = indeg.get(v)! - 1;
      indeg.set(v, d);
      if (d === 0) queue.push(v);
    }
  }
  return depth;
}

/** Lays the graph out; deterministic for the same input. */
export function layeredLayout(
  nodes: readonly LayoutNode[],
  edges: readonly LayoutEdge[],
  options: Partial<LayoutOptions> = {},
): LayoutResult {
  const o = { ...DEFAULT_LAYOUT, ...options };
  // A room too narrow for the columns at the smallest gap folds the chains
  // inside a band (process trees, Deployment → ReplicaSet) into fewer
  // columns before the labels would have to shrink.
  let best = layOut(nodes, edges, o);
  const room = o.room;
  if (!room) return best;
  for (let depth = o.maxBandDepth - 1; depth >= 1 && extent(best) > room.width + 1; depth--) {
    const folded = layOut(nodes, edges, { ...o, maxBandDepth: depth });
    // Kept only if it is narrower (a folded column may have to wrap instead).
    if (extent(folded) < extent(best)) best = folded;
  }
  return best;
}

/** How wide the chain is drawn: its columns and half a label either side. */
function extent(r: LayoutResult): number {
  let min = Infinity;
  let max = -Infinity;
  for (const id of r.rank.keys()) {
    const x = r.positions.get(id)!.x;
    if (x < min) min = x;
    if (x > max) max = x;
  }
  return Number.isFinite(min) ? max - min + r.rankGap : 0;
}

function layOut(nodes: readonly LayoutNode[], edges: readonly LayoutEdge[], o: LayoutOptions): LayoutResult {
  const kindOf = new Map(nodes.map((n) => [n.id, n.kind]));
  const valid = edges.filter((e) => kindOf.has(e.source) && kindOf.has(e.target) && e.source !== e.target);

  // Addresses and domains linked to an identity are where credentials were used from.
  const usedFrom = new Set<string>();
  for (const e of valid) {
    const ks = kindOf.get(e.source)!;
    const kt = kindOf.get(e.target)!;
    if (kt === "identity" && (ks === "ip" || ks === "domain")) usedFrom.add(e.source);
    if (ks === "identity" && (kt === "ip" || kt === "domain")) usedFrom.add(e.target);
  }
  const band = new Map<string, number>();
  for (const n of nodes) band.set(n.id, bandOf(n.kind, usedFrom.has(n.id)));

  // Split each band into ranks by the chains inside it.
  const bandIds = new Map<number, string[]>();
  for (const n of [...nodes].sort(byOrder)) {
    const b = band.get(n.id)!;
    if (b < 0) continue;
    if (!bandIds.has(b)) bandIds.set(b, []);
    bandIds.get(b)!.push(n.id);
  }
  const intra = new Map<string, string[]>();
  for (const e of valid) {
    const b = band.get(e.source)!;
    if (kindOf.get(e.target) === "permission") continue;
    if (b >= 0 && b === band.get(e.target)) {
      if (!intra.has(e.source)) intra.set(e.source, []);
      intra.get(e.source)!.push(e.target);
    }
  }
  const rank = new Map<string, number>();
  let next = 0;
  for (const b of [...bandIds.keys()].sort((x, y) => x - y)) {
    const ids = bandIds.get(b)!;
    const depth = bandDepths(ids, intra, o.maxBandDepth);
    let maxDepth = 0;
    for (const id of ids) {
      const d = depth.get(id)!;
      rank.set(id, next + d);
      if (d > maxDepth) maxDepth = d;
    }
    next += maxDepth + 1;
  }
  const rankCount = next;

  // Initial order: by `order`, then id (nodes were sorted above).
  const ranks: string[][] = Array.from({ length: rankCount }, () => []);
  for (const n of [...nodes].sort(byOrder)) {
    const r = rank.get(n.id);
    if (r !== undefined) ranks[r]!.push(n.id);
  }

  // Adjacency between ranked nodes, split by direction of rank.
  const lower = new Map<string, string[]>();
  const upper = new Map<string, string[]>();
  const push = (m: Map<string, string[]>, k: string, v: string) => {
    const l = m.get(k);
    if (l) l.push(v);
    else m.set(k, [v]);
  };
  for (const e of valid) {
    const rs = rank.get(e.source);
    const rt = rank.get(e.target);
    if (rs === undefined || rt === undefined || rs === rt) continue;
    const [a, b] = rs < rt ? [e.source, e.target] : [e.target, e.source];
    push(lower, b, a); // b sees a in a lower rank
    push(upper, a, b);
  }

  // Normalised position of every node in its rank (0..1).
  const pos = new Map<string, number>();
  const place = (r: number) => {
    const ids = ranks[r]!;
    const d = Math.max(1, ids.length - 1);
    ids.forEach((id, i) => pos.set(id, ids.length === 1 ? 0.5 : i / d));
  };
  for (let r = 0; r < rankCount; r++) place(r);

  const reorder = (r: number, nbrs: Map<string, string[]>) => {
    const ids = ranks[r]!;
    if (ids.length < 2) return;
    const keyed = ids.map((id, i) => {
      const ns = nbrs.get(id);
      let key = pos.get(id)!;
      if (ns && ns.length) {
        let s = 0;
        for (const n of ns) s += pos.get(n)!;
        key = s / ns.length;
      }
      return { id, key, i };
    });
    keyed.sort((a, b) => a.key - b.key || a.i - b.i);
    ranks[r] = keyed.map((k) => k.id);
    place(r);
  };
  for (let s = 0; s < o.sweeps; s++) {
    for (let r = 1; r < rankCount; r++) reorder(r, lower);
    for (let r = rankCount - 2; r >= 0; r--) reorder(r, upper);
  }

  // Permissions under their identity: after it in its rank, whatever the sweeps did.
  for (let r = 0; r < rankCount; r++) {
    const ids = ranks[r]!;
    if (ids.some((id) => kindOf.get(id) === "permission")) {
      ranks[r] = [...ids.filter((id) => kindOf.get(id) !== "permission"), ...ids.filter((id) => kindOf.get(id) === "permission")];
    }
  }

  const ctx = nodes.filter((n) => band.get(n.id)! < 0);
  const { rankGap, rowGap, perColumn } = o.room
    ? spacingFor(o.room, ranks.map((ids) => ids.length), ctx.length > 0, o)
    : { rankGap: o.rankGap, rowGap: o.rowGap, perColumn: o.maxPerColumn };

  // Coordinates: ranks as columns, long ranks wrapped into sub-columns,
  // each column centred on y = 0.
  const positions = new Map<string, Point>();
  let x = 0;
  let maxY = 0;
  for (let r = 0; r < rankCount; r++) {
    const ids = ranks[r]!;
    if (ids.length === 0) continue;
    const cols = Math.ceil(ids.length / perColumn);
    const perCol = Math.ceil(ids.length / cols);
    ids.forEach((id, i) => {
      const c = Math.floor(i / perCol);
      const row = i % perCol;
      const inCol = Math.min(perCol, ids.length - c * perCol);
      const y = (row - (inCol - 1) / 2) * rowGap;
      positions.set(id, { x: x + c * rankGap * WRAP_STEP, y });
      if (y > maxY) maxY = y;
    });
    x += (cols - 1) * rankGap * WRAP_STEP + rankGap;
  }

  // Context row: each under the mean x of its neighbours, kept apart.
  const contextGap = o.room ? rankGap : o.contextGap;
  const want = new Map<string, number>();
  const nbrX = new Map<string, number[]>();
  const addX = (c: string, other: string) => {
    if (band.get(c)! >= 0) return;
    const p = positions.get(other);
    if (!p) return;
    const l = nbrX.get(c);
    if (l) l.push(p.x);
    else nbrX.set(c, [p.x]);
  };
  for (const e of valid) {
    addX(e.source, e.target);
    addX(e.target, e.source);
  }
  for (const n of ctx) {
    const xs = nbrX.get(n.id);
    want.set(n.id, xs && xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : 0);
  }
  const context = [...ctx]
    .sort((a, b) => want.get(a.id)! - want.get(b.id)! || byOrder(a, b))
    .map((n) => n.id);
  const ctxY = maxY + rowGap * CONTEXT_STEP;
  let lastX = -Infinity;
  for (const id of context) {
    const cx = Math.max(want.get(id)!, lastX + contextGap);
    positions.set(id, { x: cx, y: ctxY });
    lastX = cx;
  }

  return { positions, rank, ranks, context, rankGap, rowGap };
}

/** A wrapped sub-column sits a whole gap after the previous one: its labels need the room. */
const WRAP_STEP = 1;
/** The context row sits this many row gaps below the lowest node of the chain. */
const CONTEXT_STEP = 1.5;

/**
 * Gaps that make the graph fill `room` at zoom 1, within the options'
 * bounds: the columns share the width, the longest column (wrapped into
 * sub-columns where even the smallest row gap cannot hold it) the height.
 * A graph too big for the room at the smallest gaps is drawn at them, and
 * Fit zooms out.
 */
export function spacingFor(
  room: Room,
  rankSizes: readonly number[],
  hasContext: boolean,
  o: Pick<LayoutOptions, "rankGapMin" | "rankGapMax" | "rowGapMin" | "rowGapMax" | "maxPerColumn">,
): { rankGap: number; rowGap: number; perColumn: number } {
  const extra = hasContext ? CONTEXT_STEP : 0;
  const shape = (perColumn: number) => {
    let units = 0;
    let tallest = 1;
    for (const size of rankSizes) {
      if (size === 0) continue;
      const cols = Math.ceil(size / perColumn);
      units += 1 + (cols - 1) * WRAP_STEP;
      tallest = Math.max(tallest, Math.ceil(size / cols));
    }
    // The zoom Fit needs at the smallest gaps (1 or more: it fits as drawn).
    const zoom = Math.min(room.width / (Math.max(1, units) * o.rankGapMin), room.height / ((tallest + extra) * o.rowGapMin));
    return { perColumn, units, tallest, zoom };
  };
  const rowsFit = Math.max(1, Math.floor(room.height / o.rowGapMin - extra));
  let best = shape(Math.max(4, Math.min(o.maxPerColumn, rowsFit)));
  // Too big for the room either way: wrap long columns to the room's shape,
  // so that Fit shrinks the graph as little as it can.
  if (best.zoom < 1) {
    for (let pc = 4; pc <= o.maxPerColumn; pc++) {
      const s = shape(pc);
      if (s.zoom > best.zoom) best = s;
    }
  }
  const { perColumn, units, tallest } = best;
  const clamp = (v: number, lo: number, hi: number) => Math.min(hi, Math.max(lo, v));
  // A column's label spreads half a gap either side of it: n columns take n gaps.
  const rankGap = Math.floor(clamp(room.width / Math.max(1, units), o.rankGapMin, o.rankGapMax));
  // The lowest row also carries its label below the node: one more gap.
  const rowGap = Math.floor(clamp(room.height / (tallest + extra), o.rowGapMin, o.rowGapMax));
  return { rankGap, rowGap, perColumn };
}

/** Crossings between consecutive ranks (for tests and diagnostics; quadratic). */
export function countCrossings(ranks: string[][], edges: readonly LayoutEdge[]): number {
  const where = new Map<string, [number, number]>();
  ranks.forEach((ids, r) => ids.forEach((id, i) => where.set(id, [r, i])));
  let total = 0;
  for (let r = 0; r + 1 < ranks.length; r++) {
    const seg: [number, number][] = [];
    for (const e of edges) {
      const a = where.get(e.source);
      const b = where.get(e.target);
      if (!a || !b) continue;
      if (a[0] === r && b[0] === r + 1) seg.push([a[1], b[1]]);
      else if (b[0] === r && a[0] === r + 1) seg.push([b[1], a[1]]);
    }
    for (let i = 0; i < seg.length; i++)
      for (let j = i + 1; j < seg.length; j++) {
        const [a1, b1] = seg[i]!;
        const [a2, b2] = seg[j]!;
        if ((a1 - a2) * (b1 - b2) < 0) total++;
      }
  }
  return total;
}
