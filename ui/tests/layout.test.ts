import { describe, expect, it } from "vitest";
import { BANDS, countCrossings, layeredLayout, type LayoutEdge, type LayoutNode } from "../src/graph/layout";
import { parseTime } from "../src/format";
import { demoGraph } from "./mockBackend";

const nodes: LayoutNode[] = demoGraph.nodes.map((n) => ({ id: n.id, kind: n.kind, order: parseTime(n.first_seen) }));
const edges: LayoutEdge[] = demoGraph.edges;
const byLabel = (label: string) => demoGraph.nodes.find((n) => n.label === label)!.id;

describe("layered layout", () => {
  const res = layeredLayout(nodes, edges);
  const rank = (label: string) => res.rank.get(byLabel(label))!;

  it("follows the investigation chain: used-from address → identity → workload → pod → container → process → network", () => {
    const chain = [
      "203.0.113.45",
      "service account shop/cart",
      "Deployment shop/cart",
      "shop/cart-7f9c6d8b5-x2k4q",
      "335beb25619a",
      "/usr/bin/runc (2291839)",
      "198.51.100.77",
    ].map(rank);
    for (let i = 1; i < chain.length; i++) expect(chain[i]).toBeGreaterThan(chain[i - 1]!);
    // The Deployment owns the ReplicaSet: one rank further, still before the pods.
    expect(rank("ReplicaSet shop/cart-7f9c6d8b5")).toBeGreaterThan(rank("Deployment shop/cart"));
    expect(rank("ReplicaSet shop/cart-7f9c6d8b5")).toBeLessThan(rank("shop/cart-7f9c6d8b5-x2k4q"));
    // Process trees spread over ranks: the shell runc started comes after runc.
    expect(rank("/bin/sh (2291847)")).toBeGreaterThan(rank("/usr/bin/runc (2291839)"));
    // The file the miner ran from sits with the network, after the processes.
    expect(rank("/tmp/.x/xmrig")).toBeGreaterThan(rank("/tmp/.x/xmrig (2292803)"));
  });

  it("puts images and nodes in a context row below the chain", () => {
    const ctx = new Set(res.context);
    for (const n of demoGraph.nodes) {
      if (n.kind === "image" || n.kind === "node") {
        expect(ctx.has(n.id)).toBe(true);
        expect(res.rank.has(n.id)).toBe(false);
      }
    }
    const maxChainY = Math.max(...[...res.rank.keys()].map((id) => res.positions.get(id)!.y));
    for (const id of ctx) expect(res.positions.get(id)!.y).toBeGreaterThan(maxChainY);
    expect(res.positions.size).toBe(demoGraph.nodes.length);
  });

  it("places every node once and is deterministic", () => {
    const again = layeredLayout([...nodes].reverse(), [...edges].reverse());
    expect(again.ranks).toEqual(res.ranks);
    const seen = new Set<string>();
    for (const [, p] of res.positions) {
      const k = `${p.x},${p.y}`;
      expect(seen.has(k)).toBe(false);
      seen.add(k);
    }
  });

  it("reduces crossings with barycenter sweeps", () => {
    // Two pods, each with containers listed in the opposite order.
    const n: LayoutNode[] = [
      { id: "p1", kind: "pod", order: 1 },
      { id: "p2", kind: "pod", order: 2 },
      { id: "p3", kind: "pod", order: 3 },
      { id: "c3", kind: "container", order: 1 },
      { id: "c2", kind: "container", order: 2 },
      { id: "c1", kind: "container", order: 3 },
      { id: "x3", kind: "process", order: 1 },
      { id: "x1", kind: "process", order: 2 },
      { id: "x2", kind: "process", order: 3 },
    ];
    const e: LayoutEdge[] = [
      { source: "p1", target: "c1" },
      { source: "p2", target: "c2" },
      { source: "p3", target: "c3" },
      { source: "c1", target: "x1" },
      { source: "c2", target: "x2" },
      { source: "c3", target: "x3" },
    ];
    const before = layeredLayout(n, e, { sweeps: 0 });
    const after = layeredLayout(n, e);
    expect(countCrossings(before.ranks, e)).toBeGreaterThan(0);
    expect(countCrossings(after.ranks, e)).toBe(0);
  });

  it("lays out 2,000 nodes and 5,000 edges quickly", () => {
    const kinds = ["identity", "workload", "pod", "container", "process", "process", "process", "ip", "file", "image", "node"];
    let seed = 42;
    const rnd = () => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed / 0x7fffffff;
    };
    const big: LayoutNode[] = Array.from({ length: 2000 }, (_, i) => ({ id: `n${i}`, kind: kinds[i % kinds.length]!, order: i }));
    const bigEdges: LayoutEdge[] = Array.from({ length: 5000 }, () => ({
      source: `n${Math.floor(rnd() * 2000)}`,
      target: `n${Math.floor(rnd() * 2000)}`,
    }));
    const t0 = performance.now();
    const r = layeredLayout(big, bigEdges);
    const ms = performance.now() - t0;
    expect(r.positions.size).toBe(2000);
    expect(ms).toBeLessThan(1500);
  });

  it("knows the bands", () => {
    expect(BANDS.identity).toBeLessThan(BANDS.pod);
    expect(BANDS.process).toBeLessThan(BANDS.network);
  });
});

describe("spacing for the room", () => {
  it("fills a wide room with wide gaps and a narrow one with narrow gaps, within bounds", async () => {
    const { spacingFor, DEFAULT_LAYOUT } = await import("../src/graph/layout");
    const sizes = [1, 5, 1, 1, 2, 2, 1, 4, 5, 3, 6];
    const wide = spacingFor({ width: 2400, height: 900 }, sizes, true, DEFAULT_LAYOUT);
    const narrow = spacingFor({ width: 1200, height: 500 }, sizes, true, DEFAULT_LAYOUT);
    expect(wide.rankGap).toBeGreaterThan(narrow.rankGap);
    expect(narrow.rankGap).toBe(Math.floor(1200 / sizes.length));
    expect(narrow.rowGap).toBe(Math.floor(500 / (6 + 1.5)));
    const tiny = spacingFor({ width: 200, height: 100 }, sizes, true, DEFAULT_LAYOUT);
    expect(tiny.rankGap).toBe(DEFAULT_LAYOUT.rankGapMin);
    expect(tiny.rowGap).toBe(DEFAULT_LAYOUT.rowGapMin);
    // A column too long for the room wraps into sub-columns.
    expect(spacingFor({ width: 1000, height: 500 }, [40], false, DEFAULT_LAYOUT).perColumn).toBe(Math.floor(500 / 62));
  });

  it("makes the demo's layout as wide and tall as the room at zoom 1", () => {
    const room = { width: 1040, height: 520 };
    const r = layeredLayout(nodes, edges, { room });
    const xs = [...r.positions.values()].map((p) => p.x);
    const ys = [...r.positions.values()].map((p) => p.y);
    const width = Math.max(...xs) - Math.min(...xs) + r.rankGap;
    const height = Math.max(...ys) - Math.min(...ys) + r.rowGap;
    expect(width).toBeLessThanOrEqual(room.width * 1.25);
    expect(width).toBeGreaterThanOrEqual(room.width * 0.75);
    expect(height).toBeLessThanOrEqual(room.height * 1.1);
  });
});

describe("a narrow room", () => {
  it("folds process trees into fewer columns before labels would shrink", () => {
    const wide = layeredLayout(nodes, edges, { room: { width: 1400, height: 600 } });
    const narrow = layeredLayout(nodes, edges, { room: { width: 700, height: 600 } });
    expect(narrow.ranks.length).toBeLessThan(wide.ranks.length);
    // Still the chain's order: runc before the shell it started, or in its column.
    const id = (label: string) => demoGraph.nodes.find((n) => n.label === label)!.id;
    expect(narrow.rank.get(id("/bin/sh (2291847)"))!).toBeGreaterThanOrEqual(narrow.rank.get(id("/usr/bin/runc (2291839)"))!);
    expect(narrow.rank.get(id("198.51.100.77"))!).toBeGreaterThan(narrow.rank.get(id("/usr/bin/runc (2291839)"))!);
    // Without a room nothing folds.
    expect(layeredLayout(nodes, edges).ranks.length).toBe(wide.ranks.length);
  });
});

describe("a graph too big for its room", () => {
  it("wraps long columns to the room's shape so that Fit shrinks it least", async () => {
    const { spacingFor, DEFAULT_LAYOUT } = await import("../src/graph/layout");
    const room = { width: 1000, height: 600 };
    const sizes = [10, 20, 60, 80, 150, 180];
    const s = spacingFor(room, sizes, true, DEFAULT_LAYOUT);
    const zoomAt = (pc: number) => {
      let units = 0;
      let tallest = 1;
      for (const n of sizes) {
        const cols = Math.ceil(n / pc);
        units += cols;
        tallest = Math.max(tallest, Math.ceil(n / cols));
      }
      return Math.min(room.width / (units * DEFAULT_LAYOUT.rankGapMin), room.height / ((tallest + 1.5) * DEFAULT_LAYOUT.rowGapMin));
    };
    for (let pc = 4; pc <= DEFAULT_LAYOUT.maxPerColumn; pc++) expect(zoomAt(s.perColumn)).toBeGreaterThanOrEqual(zoomAt(pc));
  });
});
