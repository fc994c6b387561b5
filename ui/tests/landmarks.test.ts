import { describe, expect, it } from "vitest";
import { labelBox, landmarkWeight, pickLandmarks, type LandmarkCandidate } from "../src/graph/landmarks";

const c = (id: string, x: number, y: number, weight: number, label = "a label"): LandmarkCandidate => ({ id, x, y, radius: 5, label, weight });

describe("landmarks", () => {
  it("take the heaviest nodes first and never two whose labels would touch", () => {
    const picked = pickLandmarks([c("light", 100, 100, 1), c("heavy", 105, 102, 9), c("far", 400, 100, 5), c("none", 600, 100, 0)], 12, { width: 800, height: 600 });
    expect(picked).toEqual(["heavy", "far"]);
  });

  it("leave out labels that would fall outside the view, and stop at the cap", () => {
    expect(pickLandmarks([c("edge", 5, 100, 3, "a long label here"), c("low", 100, 595, 3)], 12, { width: 800, height: 600 })).toEqual([]);
    const many = Array.from({ length: 100 }, (_, i) => c(`n${i}`, 40 + (i % 10) * 75, 20 + Math.floor(i / 10) * 50, 1, "ab"));
    expect(pickLandmarks(many, 12, { width: 800, height: 600 }, 7)).toHaveLength(7);
  });

  it("estimate a label's box under its node, line by line", () => {
    const b = labelBox(c("x", 100, 100, 1, "abcdefghij\nabc"), 10);
    expect(b.x2 - b.x1).toBeCloseTo(60);
    expect(b.y1).toBe(100 + 5 + 4);
    expect(b.y2 - b.y1).toBeCloseTo(24);
  });

  it("weigh the attack path above signals, signals above severity alone", () => {
    const quiet = { signal_count: 0, severity: null, tactics: [] };
    const severe = { signal_count: 0, severity: "high", tactics: [] };
    const signalled = { signal_count: 12, severity: "low", tactics: ["TA0040"] };
    expect(landmarkWeight(quiet, false)).toBe(0);
    expect(landmarkWeight(signalled, false)).toBeGreaterThan(landmarkWeight(severe, false));
    expect(landmarkWeight(quiet, true)).toBeGreaterThan(landmarkWeight(signalled, false));
  });
});
