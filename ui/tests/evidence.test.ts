import { describe, expect, it } from "vitest";
import { parseTime } from "../src/format";
import { filterEvidence, rowCategories, tacticCounts } from "../src/logic/evidence";
import { lanes, spanFromDrag, ticks, timeExtent, timeOf, xOf } from "../src/logic/timeline";
import { demoDetail, demoEvidence } from "./mockBackend";

const rows = demoEvidence();

describe("evidence by tactic", () => {
  it("counts signals per tactic like the core's evidence_by_tactic, context apart", () => {
    const counts = tacticCounts(rows);
    for (const t of demoDetail.evidence_by_tactic) {
      expect(counts.find((c) => c.tactic === t.tactic)?.count).toBe(t.count);
    }
    const ctx = counts.find((c) => c.tactic === "context")!;
    expect(ctx.count).toBe(rows.filter((r) => !r.signal).length);
    expect(counts[counts.length - 1]!.tactic).toBe("context");
  });

  it("filters by tactic", () => {
    const impact = filterEvidence(rows, { tactic: "TA0040", span: null });
    expect(impact.length).toBe(6);
    expect(impact.every((r) => r.tactics.includes("TA0040"))).toBe(true);
    const ctx = filterEvidence(rows, { tactic: "context", span: null });
    expect(ctx.every((r) => rowCategories(r)[0] === "context")).toBe(true);
    expect(filterEvidence(rows, { tactic: null, span: null }).length).toBe(rows.length);
  });

  it("filters by time span, inclusive, and combines with the tactic", () => {
    const from = parseTime("2026-11-20T09:47:00Z");
    const to = parseTime("2026-11-20T09:47:30Z");
    const inSpan = filterEvidence(rows, { tactic: null, span: { from, to } });
    expect(inSpan.length).toBeGreaterThan(0);
    for (const r of inSpan) {
      const t = parseTime(r.time);
      expect(t >= from && t <= to).toBe(true);
    }
    const both = filterEvidence(rows, { tactic: "TA0006", span: { from, to } });
    expect(both.length).toBe(0); // credential access ended at 09:45:40
  });
});

describe("timeline geometry", () => {
  const extent = timeExtent(rows)!;
  const axis = { extent, x0: 100, x1: 900 };

  it("maps time to x and back", () => {
    expect(xOf(axis, extent.min)).toBe(100);
    expect(xOf(axis, extent.max)).toBe(900);
    const mid = (extent.min + extent.max) / 2;
    expect(timeOf(axis, xOf(axis, mid))).toBeCloseTo(mid, 3);
    expect(timeOf(axis, -50)).toBe(extent.min);
  });

  it("turns a drag into a span in either direction, a click into none", () => {
    const s = spanFromDrag(axis, 500, 300)!;
    expect(s.from).toBeLessThan(s.to);
    expect(s.from).toBeGreaterThanOrEqual(extent.min);
    expect(spanFromDrag(axis, 400, 401)).toBeNull();
  });

  it("has one lane per tactic in kill-chain order, context last", () => {
    const l = lanes(rows);
    expect(l[0]).toBe("TA0002");
    expect(l[l.length - 1]).toBe("context");
    expect(ticks(extent).length).toBeGreaterThan(1);
  });
});
