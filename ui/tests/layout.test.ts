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

describe("a stage taller than wide", () => {
  it("gets the same layout with rows and columns swapped", async () => {
    const { transposed } = await import("../src/views/graphView");
    const lay = layeredLayout(
      [
        { id: "a", kind: "identity", order: 0 },
        { id: "b", kind: "pod", order: 1 },
      ],
      [{ source: "a", target: "b" }],
    );
    const t = transposed(lay);
    for (const [id, p] of lay.positions) expect(t.positions.get(id)).toEqual({ x: p.y, y: p.x });
    expect(t.ranks).toEqual(lay.ranks);
  });
});
