import { describe, expect, it } from "vitest";
import { edgeLabel } from "../src/graph/model";
import { emphasisOf, pathOf, storyPath } from "../src/graph/path";
import { demoDetail, demoGraph } from "./mockBackend";

const label = (id: string) => demoGraph.nodes.find((n) => n.id === id)?.label ?? id;
const labels = (ids: Set<string>) => [...ids].map(label);

describe("the attack path", () => {
  const path = storyPath(demoGraph, demoDetail.story.steps);

  it("runs from the stolen token to the mining pool, without the quiet context", () => {
    const on = labels(path.nodes);
    for (const l of ["service account shop/cart", "203.0.113.45", "shop/cart-7f9c6d8b5-x2k4q", "335beb25619a", "198.51.100.77"]) expect(on).toContain(l);
    expect(on.some((l) => l.startsWith("/tmp/.x/xmrig ("))).toBe(true);
    expect(on).not.toContain("5 other pods of ReplicaSet shop/cart-7f9c6d8b5");
    // Edges that only place a node (its image, its cluster node) are never on it.
    for (const id of path.edges) {
      const e = demoGraph.edges.find((x) => x.id === id)!;
      expect(["from-image", "on-node", "has-address"]).not.toContain(e.kind);
      // A permission is on it only where the attack's requests used it.
      if (e.kind === "can") expect(e.exercised).toBeTruthy();
      expect(path.nodes.has(e.source) && path.nodes.has(e.target)).toBe(true);
    }
    const verbs = [...path.edges].map((id) => demoGraph.edges.find((x) => x.id === id)!.label);
    expect(verbs).toContain("connected to :4444");
    expect(verbs).toContain("started");
  });

  it("runs through the permissions the stolen token used, worded by what was done", () => {
    const used = [...path.edges].map((id) => demoGraph.edges.find((x) => x.id === id)!).filter((e) => e.kind === "can");
    const secrets = used.find((e) => label(e.target) === "secrets in shop");
    expect(secrets?.exercised).toBe("listed secrets");
    expect(edgeLabel(secrets!)).toBe("listed secrets (can get, list)");
    // Held but never used: context, off the path.
    const logs = demoGraph.edges.find((e) => e.kind === "can" && label(e.target) === "pods/log in shop")!;
    expect(logs.exercised).toBeUndefined();
    expect(path.edges.has(logs.id)).toBe(false);
  });

  it("of one story step is the part its evidence names", () => {
    const step = demoDetail.story.steps.find((s) => s.tactic === "TA0040")!;
    const part = pathOf(demoGraph, step.evidence);
    expect(part.nodes.size).toBeGreaterThan(0);
    expect(part.nodes.size).toBeLessThan(path.nodes.size);
    for (const id of part.nodes) expect(path.nodes.has(id)).toBe(true);
    expect(pathOf(demoGraph, ["no-such-evidence"]).nodes.size).toBe(0);
  });

  it("decides how each element is drawn", () => {
    const on = [...path.nodes][0]!;
    const off = demoGraph.nodes.find((n) => !path.nodes.has(n.id))!.id;
    expect(emphasisOf(on, "node", path, null)).toBe("path");
    expect(emphasisOf(off, "node", path, null)).toBe("dim");
    const none = { nodes: new Set<string>(), edges: new Set<string>() };
    expect(emphasisOf(on, "node", none, null)).toBe("none");
    const focus = { nodes: new Set([off]), edges: new Set<string>() };
    expect(emphasisOf(off, "node", path, focus)).toBe("focus");
    expect(emphasisOf(on, "node", path, focus)).toBe("dim");
    // An empty focus (a step that names nothing drawn) leaves the story's path.
    expect(emphasisOf(on, "node", path, none)).toBe("path");
  });
});
