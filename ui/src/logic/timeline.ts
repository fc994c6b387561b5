// Timeline geometry (pure): a linear time axis, one lane per tactic.
import { parseTime } from "../format";
import { CONTEXT, sortTactics } from "../tactics";
import type { EvidenceEvent } from "../types";
import { rowCategories, type Span } from "./evidence";

export interface Extent {
  min: number;
  max: number;
}

export function timeExtent(rows: readonly EvidenceEvent[]): Extent | null {
  let min = Infinity;
  let max = -Infinity;
  for (const r of rows) {
    const ms = parseTime(r.time);
    if (Number.isNaN(ms)) continue;
    if (ms < min) min = ms;
    if (ms > max) max = ms;
  }
  if (!Number.isFinite(min)) return null;
  if (min === max) return { min: min - 1000, max: max + 1000 };
  return { min, max };
}

export interface Axis {
  extent: Extent;
  x0: number;
  x1: number;
}

export function xOf(axis: Axis, ms: number): number {
  const { min, max } = axis.extent;
  return axis.x0 + ((ms - min) / (max - min)) * (axis.x1 - axis.x0);
}

export function timeOf(axis: Axis, x: number): number {
  const { min, max } = axis.extent;
  const cx = Math.min(axis.x1, Math.max(axis.x0, x));
  return min + ((cx - axis.x0) / (axis.x1 - axis.x0)) * (max - min);
}

/** The span a drag from xa to xb selects; null for a click (under 3 px). */
export function spanFromDrag(axis: Axis, xa: number, xb: number): Span | null {
  if (Math.abs(xb - xa) < 3) return null;
  const a = timeOf(axis, Math.min(xa, xb));
  const b = timeOf(axis, Math.max(xa, xb));
  return { from: Math.floor(a), to: Math.ceil(b) };
}

/** Lanes top to bottom: tactics present in kill-chain order, then context. */
export function lanes(rows: readonly EvidenceEvent[]): string[] {
  const present = new Set<string>();
  for (const r of rows) for (const t of rowCategories(r)) present.add(t);
  const out = sortTactics([...present].filter((t) => t !== CONTEXT));
  if (present.has(CONTEXT)) out.push(CONTEXT);
  return out;
}

/** Evenly spaced tick times (ms) at a readable step. */
export function ticks(extent: Extent, maxTicks = 8): number[] {
  const steps = [1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 21600, 43200, 86400].map((s) => s * 1000);
  const span = extent.max - extent.min;
  const step = steps.find((s) => span / s <= maxTicks) ?? Math.ceil(span / maxTicks);
  const out: number[] = [];
  for (let t = Math.ceil(extent.min / step) * step; t <= extent.max; t += step) out.push(t);
  return out;
}
