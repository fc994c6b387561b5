import { describe, expect, it } from "vitest";
import { clampWidth, DRAWER_DEFAULTS, DRAWER_MAX, DRAWER_MIN, dragged, drawersFrom, keyed } from "../src/logic/drawers";

describe("drawers", () => {
  it("start from the defaults and take what was saved, ignoring what is not a drawer", () => {
    expect(drawersFrom(undefined)).toEqual(DRAWER_DEFAULTS);
    const d = drawersFrom({ story: { open: false, width: 410 }, nodes: { open: true, width: 5 }, sidebar: { open: true, width: 300 } });
    expect(d.story).toEqual({ open: false, width: 410 });
    expect(d.nodes).toEqual({ open: true, width: DRAWER_MIN });
    expect(d.side).toEqual(DRAWER_DEFAULTS.side);
    expect(Object.keys(d).sort()).toEqual(["nodes", "side", "story"]);
    // A damaged value keeps the default.
    expect(drawersFrom({ story: { open: "yes", width: 300 } as never }).story).toEqual(DRAWER_DEFAULTS.story);
  });

  it("never leave the graph less than three fifths of the window", () => {
    expect(clampWidth(900, 1440)).toBe(576);
    expect(clampWidth(900, 4000)).toBe(900);
    expect(clampWidth(5000, 4000)).toBe(DRAWER_MAX);
    expect(clampWidth(NaN, 1440)).toBe(DRAWER_MIN);
    // A tiny window still allows the narrowest drawer.
    expect(clampWidth(300, 200)).toBe(DRAWER_MIN);
  });

  it("grow as their inner edge is dragged away from their side", () => {
    expect(dragged(300, 40, "left", 1440)).toBe(340);
    expect(dragged(300, 40, "right", 1440)).toBe(260);
    expect(dragged(300, -400, "left", 1440)).toBe(DRAWER_MIN);
    expect(keyed(300, "ArrowRight", false, "left", 1440)).toBe(316);
    expect(keyed(300, "ArrowLeft", true, "right", 1440)).toBe(364);
    expect(keyed(300, "Home", false, "left", 1440)).toBe(DRAWER_MIN);
    expect(keyed(300, "End", false, "left", 1440)).toBe(576);
    expect(keyed(300, "a", false, "left", 1440)).toBeNull();
  });

  it("leave the canvas at least 60 % of a 1440-pixel window as they come", () => {
    // The story open beside the graph, the node list and the side panel closed until used.
    const taken = DRAWER_DEFAULTS.story.width + 8 /* its edge */ + 2 * 16 /* page padding */ + 13 /* gap */;
    expect((1440 - taken) / 1440).toBeGreaterThanOrEqual(0.6);
    expect(DRAWER_DEFAULTS.nodes.open).toBe(false);
  });
});
