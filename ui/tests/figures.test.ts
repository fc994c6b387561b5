import { describe, expect, it } from "vitest";
import { labelFigures, share, type DrawnLabel } from "../src/graph/figures";

const box = (id: string, x1: number, y1: number, w: number, h: number, fontPx = 12): DrawnLabel => ({ id, x1, y1, x2: x1 + w, y2: y1 + h, fontPx });

describe("label figures", () => {
  it("count pairs that overlap, not labels that only touch", () => {
    const f = labelFigures([box("a", 0, 0, 50, 14), box("b", 40, 5, 50, 14), box("c", 50, 0, 30, 14), box("d", 200, 0, 30, 14)], 9);
    // a–b overlap; b–c overlap; a and c touch at x = 50.
    expect(f.overlaps).toBe(2);
    expect(f.examples).toEqual([
      ["a", "b"],
      ["b", "c"],
    ]);
    expect(f.shown).toBe(4);
  });

  it("leave out labels too small to be drawn, and report the smallest drawn", () => {
    const f = labelFigures([box("a", 0, 0, 50, 14, 11.5), box("b", 10, 0, 50, 14, 6), box("c", 100, 0, 10, 10, 13)], 9);
    expect(f).toMatchObject({ shown: 2, hidden: 1, smallestPx: 11.5, overlaps: 0 });
    expect(labelFigures([], 9).smallestPx).toBeNull();
  });

  it("agree with checking every pair, on thousands of random labels", () => {
    let seed = 7;
    const rnd = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff);
    const labels = Array.from({ length: 1500 }, (_, i) => box(`n${i}`, rnd() * 3000, rnd() * 2000, 20 + rnd() * 80, 12 + rnd() * 30));
    let slow = 0;
    for (let i = 0; i < labels.length; i++)
      for (let j = i + 1; j < labels.length; j++) {
        const a = labels[i]!;
        const b = labels[j]!;
        if (Math.min(a.x2, b.x2) - Math.max(a.x1, b.x1) > 1 && Math.min(a.y2, b.y2) - Math.max(a.y1, b.y1) > 1) slow++;
      }
    expect(slow).toBeGreaterThan(0);
    expect(labelFigures(labels, 9).overlaps).toBe(slow);
  });

  it("give the canvas's share of the window", () => {
    expect(share({ width: 1080, height: 540 }, { width: 1440, height: 900 })).toEqual({ width: 0.75, height: 0.6 });
  });
});
