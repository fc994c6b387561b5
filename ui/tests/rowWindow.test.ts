import { describe, expect, it } from "vitest";
import { rowWindow, scrollToRow } from "../src/logic/rowWindow";

describe("the rows drawn of a long list", () => {
  it("are those in view and a few either side", () => {
    expect(rowWindow(0, 600, 60, 100_000, 5)).toEqual({ start: 0, end: 16 });
    expect(rowWindow(6000, 600, 60, 100_000, 5)).toEqual({ start: 95, end: 116 });
    // The end of the list, and past it (a list that just shrank).
    expect(rowWindow(60 * 99_990, 600, 60, 100_000, 5)).toEqual({ start: 99_985, end: 100_000 });
    expect(rowWindow(1e9, 600, 60, 10, 5)).toEqual({ start: 4, end: 10 });
    expect(rowWindow(0, 600, 60, 0)).toEqual({ start: 0, end: 0 });
  });

  it("never more than the view holds plus the overscan, whatever the list's length", () => {
    for (const total of [1, 50, 2_000, 2_001, 1_000_000]) {
      const w = rowWindow(123_456, 700, 64, total, 8);
      expect(w.end - w.start).toBeLessThanOrEqual(Math.ceil(700 / 64) + 1 + 16);
      expect(w.end).toBeLessThanOrEqual(total);
    }
  });

  it("scroll just enough to show a row", () => {
    expect(scrollToRow(10, 0, 600, 60)).toBe(60);
    expect(scrollToRow(3, 600, 600, 60)).toBe(180);
    expect(scrollToRow(12, 600, 600, 60)).toBe(600);
  });
});
