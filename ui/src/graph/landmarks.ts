// Landmarks: when a graph is zoomed out too far for its labels to be read,
// the labels are not drawn (a crowd of 4-pixel text helps nobody) — except
// those of the most telling nodes, drawn at a readable size wherever they do
// not cover one another. Zooming in brings every label back. Pure: the view
// passes the nodes' rendered positions.
import { textSize } from "./model";

export interface LandmarkCandidate {
  id: string;
  /** Rendered centre of the node and its rendered radius (CSS pixels). */
  x: number;
  y: number;
  radius: number;
  label: string;
  /** Higher first: on the attack path, signals, severity. */
  weight: number;
}

const MARGIN = 4;

/** The box a label of `fontPx` takes under its node (estimated from its text). */
export function labelBox(c: LandmarkCandidate, fontPx: number) {
  const { width, height } = textSize(c.label.split("\n"), fontPx);
  const top = c.y + c.radius + MARGIN;
  return { x1: c.x - width / 2, x2: c.x + width / 2, y1: top, y2: top + height };
}

/**
 * The candidates whose labels are drawn, heaviest first: each inside the view
 * and clear of those already taken, at most `max`. Ties keep the given order.
 */
export function pickLandmarks(
  candidates: readonly LandmarkCandidate[],
  fontPx: number,
  view: { width: number; height: number },
  max = 40,
): string[] {
  const order = candidates
    .map((c, i) => ({ c, i }))
    .filter(({ c }) => c.weight > 0 && c.label)
    .sort((a, b) => b.c.weight - a.c.weight || a.i - b.i);
  const taken: ReturnType<typeof labelBox>[] = [];
  const out: string[] = [];
  for (const { c } of order) {
    if (out.length >= max) break;
    const b = labelBox(c, fontPx);
    if (b.x1 < 0 || b.y1 < 0 || b.x2 > view.width || b.y2 > view.height) continue;
    if (taken.some((t) => t.x1 < b.x2 + MARGIN && b.x1 < t.x2 + MARGIN && t.y1 < b.y2 + MARGIN && b.y1 < t.y2 + MARGIN)) continue;
    taken.push(b);
    out.push(c.id);
  }
  return out;
}

/** How telling a node is: on the story's path, named by signals, severe. */
export function landmarkWeight(n: { signal_count: number; severity?: string | null; tactics?: string[] }, onPath: boolean): number {
  const sev: Record<string, number> = { critical: 5, high: 4, medium: 3, low: 2, info: 1 };
  return (onPath ? 1000 : 0) + Math.min(99, n.signal_count) * 5 + (sev[n.severity ?? ""] ?? 0) * 10 + (n.tactics?.length ?? 0);
}
