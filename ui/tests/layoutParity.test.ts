// The report draws the incident graph with a Rust port of this layout
// (src/report/figure/layout.rs). tests/report_figure.rs in the core writes
// fixtures/golden/graph-layout-demo.json: the demo's critical incident's
// graph, the page's room, and the positions, gaps, labels and attack path
// the port gave. Here the same input goes through the app's own code, which
// must agree: positions within half a pixel, the rest exactly.
import { describe, expect, it } from "vitest";
import fixture from "../../fixtures/golden/graph-layout-demo.json";
import { parseTime } from "../src/format";
import { layeredLayout, type LayoutEdge, type LayoutNode } from "../src/graph/layout";
import { labelBudget, LABEL_FONT, nodeLabel } from "../src/graph/model";
import { storyPath } from "../src/graph/path";
import type { Graph } from "../src/types";
import { demoDetail } from "./mockBackend";

const graph = fixture.graph as unknown as Graph;
const positions = fixture.layout.positions as Record<string, { x: number; y: number }>;
const labels = fixture.layout.labels as Record<string, string>;

describe("the report's layout and the app's", () => {
  // As the graph view calls it (graphView.ts computeLayout), for the page's room.
  const nodes: LayoutNode[] = graph.nodes.map((n) => ({ id: n.id, kind: n.kind, order: parseTime(n.first_seen) }));
  const edges: LayoutEdge[] = graph.edges;
  const res = layeredLayout(nodes, edges, { room: fixture.room });

  it("choose the same gaps for the page", () => {
    expect(res.rankGap).toBe(fixture.layout.rankGap);
    expect(res.rowGap).toBe(fixture.layout.rowGap);
    expect(labelBudget(res.rankGap, res.rowGap, LABEL_FONT)).toEqual(fixture.layout.budget);
  });

  it("put every node in the same place, within half a pixel", () => {
    expect(graph.nodes.length).toBeGreaterThan(20);
    expect(Object.keys(positions).sort()).toEqual(graph.nodes.map((n) => n.id).sort());
    const off: string[] = [];
    for (const n of graph.nodes) {
      const p = res.positions.get(n.id)!;
      const q = positions[n.id]!;
      if (Math.abs(p.x - q.x) > 0.5 || Math.abs(p.y - q.y) > 0.5) off.push(`${n.label}: app (${p.x}, ${p.y}), report (${q.x}, ${q.y})`);
    }
    expect(off).toEqual([]);
  });

  it("agree for a laptop's canvas too", () => {
    const wide = layeredLayout(nodes, edges, { room: fixture.wide.room });
    expect([wide.rankGap, wide.rowGap]).toEqual([fixture.wide.rankGap, fixture.wide.rowGap]);
    const expected = fixture.wide.positions as Record<string, { x: number; y: number }>;
    for (const n of graph.nodes) {
      const p = wide.positions.get(n.id)!;
      expect(Math.abs(p.x - expected[n.id]!.x), n.label).toBeLessThanOrEqual(0.5);
      expect(Math.abs(p.y - expected[n.id]!.y), n.label).toBeLessThanOrEqual(0.5);
    }
  });

  it("write the same labels", () => {
    const budget = labelBudget(res.rankGap, res.rowGap, LABEL_FONT);
    for (const n of graph.nodes) expect(nodeLabel(n, budget), n.label).toBe(labels[n.id]);
  });

  it("emphasize the path the story tells", () => {
    // The report has no story at hand: it takes every signal the graph's
    // nodes list, which is what the story tells.
    expect(demoDetail.incident.id).toBe(graph.incident);
    const path = storyPath(graph, demoDetail.story.steps);
    expect([...path.nodes].sort()).toEqual(fixture.path.nodes);
    expect([...path.edges].sort()).toEqual(fixture.path.edges);
  });
});
