// The incident page's drawers — the story, the graph's node list and its side
// panel — and the room they leave the graph. Pure: the view (views/drawer.ts)
// renders them, the core remembers them per user (`set_drawers`).
import type { DrawerPref } from "../types";

export type DrawerName = "story" | "nodes" | "side";
export const DRAWER_NAMES: readonly DrawerName[] = ["story", "nodes", "side"];

export type Drawers = Record<DrawerName, DrawerPref>;

/**
 * What a first-time user gets: the story beside the graph, the node list
 * closed (the canvas is the list), the side panel open once a node is
 * selected. On a 1440-pixel window that leaves the canvas about three
 * quarters of the width.
 */
export const DRAWER_DEFAULTS: Readonly<Drawers> = {
  story: { open: true, width: 320 },
  nodes: { open: false, width: 220 },
  side: { open: true, width: 300 },
};

/** The core's bounds (src/app/prefs.rs `DRAWER_WIDTH`). */
export const DRAWER_MIN = 160;
export const DRAWER_MAX = 1200;
/** No drawer takes more than this share of the window: the graph keeps the rest. */
export const DRAWER_MAX_SHARE = 0.4;

/** A width within the bounds and the window's share (whole pixels). */
export function clampWidth(width: number, windowWidth = Infinity): number {
  const cap = Math.min(DRAWER_MAX, Math.max(DRAWER_MIN, Math.floor(windowWidth * DRAWER_MAX_SHARE)));
  if (!Number.isFinite(width)) return DRAWER_MIN;
  return Math.round(Math.min(cap, Math.max(DRAWER_MIN, width)));
}

/** Saved settings over the defaults; unknown names and bad values are ignored. */
export function drawersFrom(saved: Record<string, DrawerPref> | undefined | null): Drawers {
  const out = structuredClone(DRAWER_DEFAULTS) as Drawers;
  for (const name of DRAWER_NAMES) {
    const s = saved?.[name];
    if (!s || typeof s.open !== "boolean" || typeof s.width !== "number") continue;
    out[name] = { open: s.open, width: clampWidth(s.width) };
  }
  return out;
}

/**
 * The width after dragging a drawer's edge by `dx` pixels: a drawer on the
 * left grows as the edge moves right, one on the right as it moves left.
 */
export function dragged(startWidth: number, dx: number, side: "left" | "right", windowWidth: number): number {
  return clampWidth(side === "left" ? startWidth + dx : startWidth - dx, windowWidth);
}

/** The keyboard's step on a drawer's edge (arrow keys; ×4 with Shift). */
export const KEY_STEP = 16;

export function keyed(width: number, key: string, shift: boolean, side: "left" | "right", windowWidth: number): number | null {
  const step = shift ? KEY_STEP * 4 : KEY_STEP;
  if (key === "ArrowLeft") return dragged(width, -step, side, windowWidth);
  if (key === "ArrowRight") return dragged(width, step, side, windowWidth);
  if (key === "Home") return clampWidth(DRAWER_MIN, windowWidth);
  if (key === "End") return clampWidth(DRAWER_MAX, windowWidth);
  return null;
}
