import { describe, expect, it } from "vitest";
import { parseTime } from "../src/format";
import {
  defaultFilter,
  graphTimeRange,
  groupEvidenceByTactic,
  labelBudget,
  nodeLabel,
  wrapLabel,
  replayRange,
  tooltipLines,
  visibleAt,
  visibleElements,
} from "../src/graph/model";
import { demoDetail, demoEvidence, demoGraph, expandGraph } from "./mockBackend";

const pod = demoGraph.nodes.find((n) => n.label === "shop/cart-7f9c6d8b5-x2k4q")!;

describe("node evidence by tactic", () => {
  const groups = groupEvidenceByTactic(pod.evidence, demoEvidence());

  it("lists the miner alert under Impact (TA0040) for the attacked pod", () => {
    const impact = groups.find((g) => g.tactic === "TA0040");
    expect(impact).toBeDefined();
    expect(impact!.name).toBe("Impact");
    expect(impact!.items.map((r) => r.title)).toContain("Crypto-miner executed");
  });

  it("orders groups along the kill chain with context last", () => {
    const order = groups.map((g) => g.tactic);
    expect(order[order.length - 1]).toBe("context");
    expect(order.indexOf("TA0002")).toBeLessThan(order.indexOf("TA0040"));
    for (const g of groups.filter((g) => g.tactic === "context")) for (const r of g.items) expect(r.signal).toBe(false);
  });

  it("puts a signal with several tactics in each of them", () => {
    const multi = demoEvidence().find((r) => r.tactics.length > 1 && r.signal)!;
    const gs = groupEvidenceByTactic([multi.id], demoEvidence());
    expect(gs.map((g) => g.tactic)).toEqual(multi.tactics);
  });

  it("ignores ids that are not among the incident's evidence", () => {
    expect(groupEvidenceByTactic(["nope"], demoEvidence())).toEqual([]);
  });
});

describe("time slider visibility", () => {
  it("shows an element once its first activity is at or before the time", () => {
    const t = parseTime("2026-11-20T09:43:00Z");
    expect(visibleAt("2026-11-20T09:42:59.999999999Z", t)).toBe(true);
    expect(visibleAt("2026-11-20T09:43:00.000000000Z", t)).toBe(true);
    expect(visibleAt("2026-11-20T09:43:00.001000000Z", t)).toBe(false);
    expect(visibleAt(null, t)).toBe(true);
    expect(visibleAt("2026-11-20T09:43:01Z", null)).toBe(true);
  });

  it("hides edges whose ends are hidden and grows with time", () => {
    const f = defaultFilter(demoGraph);
    const all = visibleElements(demoGraph, f);
    expect(all.nodes.size).toBe(demoGraph.nodes.length);
    expect(all.edges.size).toBe(demoGraph.edges.length);
    const range = replayRange(demoDetail.incident, demoGraph)!;
    let prev = -1;
    for (const frac of [0, 0.25, 0.5, 0.75, 1]) {
      const v = visibleElements(demoGraph, { ...f, time: range.min + frac * (range.max - range.min) });
      expect(v.nodes.size).toBeGreaterThanOrEqual(prev);
      prev = v.nodes.size;
      for (const e of demoGraph.edges) if (v.edges.has(e.id)) expect(v.nodes.has(e.source) && v.nodes.has(e.target)).toBe(true);
    }
    const miner = demoGraph.nodes.find((n) => n.label === "/tmp/.x/xmrig (2292803)")!;
    const start = visibleElements(demoGraph, { ...f, time: range.min });
    expect(start.nodes.has(miner.id)).toBe(false);
    const end = visibleElements(demoGraph, { ...f, time: range.max });
    expect(end.nodes.has(miner.id)).toBe(true);
    expect(start.nodes.size).toBeLessThan(end.nodes.size);
    expect(graphTimeRange(demoGraph)!.min).toBeLessThan(range.min);
  });

  it("filters by kind and by tactic", () => {
    const f = defaultFilter(demoGraph);
    const noProc = visibleElements(demoGraph, { ...f, hiddenKinds: new Set(["process"]) });
    expect([...noProc.nodes].some((id) => demoGraph.nodes.find((n) => n.id === id)!.kind === "process")).toBe(false);
    const impactOnly = visibleElements(demoGraph, { ...f, tactics: new Set(["TA0040"]), showContext: false });
    for (const id of impactOnly.nodes) expect(demoGraph.nodes.find((n) => n.id === id)!.tactics).toContain("TA0040");
    expect(impactOnly.nodes.has(pod.id)).toBe(true);
  });
});

describe("labels", () => {
  it("adds tactic badges and member counts", () => {
    expect(nodeLabel(pod)).toContain("EXE");
    expect(nodeLabel(pod)).toContain("IMP");
    const agg = demoGraph.nodes.find((n) => n.aggregated && n.kind === "ip")!;
    // The label says how many already; one that does not gets the count.
    expect(nodeLabel(agg)).toMatch(/^103 addresses in 10\.244\.0\.0\/16/);
    expect(nodeLabel({ ...agg, label: "addresses of the scan" })).toContain("[×103]");
    expect(tooltipLines(agg)[1]).toBe("103 × ip");
    expect(tooltipLines(pod).join(" ")).toContain("366 evidence events");
  });

  it("expands an aggregate into its members (mock)", () => {
    const agg = demoGraph.nodes.find((n) => n.aggregated && n.kind === "ip")!;
    const g = expandGraph(demoGraph, [agg.id]);
    expect(g.nodes.some((n) => n.id === agg.id)).toBe(false);
    expect(g.nodes.length).toBe(demoGraph.nodes.length - 1 + agg.member_count);
  });
});

describe("labels within their budget", () => {
  it("wrap at a slash, dash or space near the end of a line, and end in … when cut", () => {
    expect(wrapLabel("ReplicaSet shop/cart-7f9c6d8b5", 14, 2)).toBe("ReplicaSet\nshop/cart-7f9…");
    expect(wrapLabel("ReplicaSet shop/cart-7f9c6d8b5", 14, 3)).toBe("ReplicaSet\nshop/cart-\n7f9c6d8b5");
    expect(wrapLabel("10.0.0.1", 14, 2)).toBe("10.0.0.1");
    // No break near: a hard cut.
    expect(wrapLabel("aaaaaaaaaaaaaaaaaaaa", 8, 3)).toBe("aaaaaaaa\naaaaaaaa\naaaa");
    for (const [chars, lines] of [[6, 1], [10, 2], [14, 3], [20, 4]] as const)
      for (const n of demoGraph.nodes) {
        const out = wrapLabel(n.label, chars, lines).split("\n");
        expect(out.length).toBeLessThanOrEqual(lines);
        for (const l of out) expect(l.length, n.label).toBeLessThanOrEqual(chars);
      }
  });

  it("keep the tactics line only when a third line is left, and shorten it to fit", () => {
    const one = nodeLabel(pod, { chars: 14, lines: 2 });
    expect(one.split("\n")).toHaveLength(2);
    expect(one).not.toContain("EXE");
    const three = nodeLabel(pod, { chars: 14, lines: 3 }).split("\n");
    expect(three).toHaveLength(3);
    expect(three[2]!.length).toBeLessThanOrEqual(14);
    expect(three[2]).toMatch(/\+\d+$/);
  });

  it("follow the room the layout gives: wider gaps, longer lines; taller gaps, more lines", () => {
    const narrow = labelBudget(92, 62);
    const wide = labelBudget(240, 110);
    expect(wide.chars).toBeGreaterThan(narrow.chars);
    expect(wide.lines).toBeGreaterThan(narrow.lines);
    expect(narrow.lines).toBeGreaterThanOrEqual(1);
    // A line never runs wider than its column less the margin (12 px text, 0.6 em a glyph).
    expect(narrow.chars * 12 * 0.6).toBeLessThanOrEqual(92 - 14);
  });
});

describe("cytoscape style", () => {
  it("is accepted by Cytoscape without warnings in every mode", async () => {
    const { default: cytoscape } = await import("cytoscape");
    const { vi } = await import("vitest");
    const { cyStyle, toElements } = await import("../src/graph/model");
    const { layeredLayout } = await import("../src/graph/layout");
    const warn = vi.spyOn(console, "warn").mockImplementation(() => {});
    const pos = layeredLayout(demoGraph.nodes, demoGraph.edges).positions;
    for (const large of [false, true])
      for (const presentation of [false, true]) {
        const cy = cytoscape({
          headless: true,
          styleEnabled: true,
          elements: toElements(demoGraph, pos),
          style: cyStyle({ presentation, dark: large, large }) as never,
        });
        expect(cy.nodes().length).toBe(demoGraph.nodes.length);
        cy.destroy();
      }
    expect(warn).not.toHaveBeenCalled();
    warn.mockRestore();
  });
});
