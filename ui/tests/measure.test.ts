import { describe, expect, it } from "vitest";
import { syntheticGraph } from "../src/measure";

describe("the graph measurement's generated graph", () => {
  it("has the asked size, valid edges and no duplicate edge", () => {
    const g = syntheticGraph(2000, 5000);
    expect(g.nodes).toHaveLength(2000);
    expect(g.edges).toHaveLength(5000);
    const ids = new Set(g.nodes.map((n) => n.id));
    expect(g.edges.every((e) => ids.has(e.source) && ids.has(e.target))).toBe(true);
    expect(new Set(g.edges.map((e) => e.id)).size).toBe(5000);
  });

  it("is the same every time", () => {
    expect(syntheticGraph(300, 600)).toEqual(syntheticGraph(300, 600));
  });
});
