// What the graph looks like on screen, measured rather than guessed: how
// large its labels are drawn and whether any two cover each other. The
// measurement tests of the real app (src-tauri/tests/measure.rs, e2e.rs) read
// these figures; the arithmetic is here, pure, so that it is tested itself.

/** A label as drawn: its box in CSS pixels and its font size on screen. */
export interface DrawnLabel {
  id: string;
  x1: number;
  y1: number;
  x2: number;
  y2: number;
  fontPx: number;
}

export interface LabelFigures {
  /** Labels drawn (large enough to be drawn at all). */
  shown: number;
  /** Labels too small to be drawn at this zoom (revealed by zooming in). */
  hidden: number;
  /** The smallest font size among the drawn labels (CSS pixels); null when none is drawn. */
  smallestPx: number | null;
  /** Pairs of drawn labels whose boxes overlap by more than `slack` pixels each way. */
  overlaps: number;
  /** A few of those pairs, for the report. */
  examples: [string, string][];
}

/**
 * Figures of the labels: those under `minPx` are not drawn (Cytoscape's
 * min-zoomed-font-size), so they neither count as small nor overlap. Boxes
 * that only touch (within `slack`) do not overlap. A sweep along x keeps it
 * near-linear for thousands of labels.
 */
export function labelFigures(labels: readonly DrawnLabel[], minPx: number, slack = 1): LabelFigures {
  const drawn = labels.filter((l) => l.fontPx >= minPx && l.x2 > l.x1 && l.y2 > l.y1);
  const sorted = [...drawn].sort((a, b) => a.x1 - b.x1);
  let overlaps = 0;
  const examples: [string, string][] = [];
  const active: DrawnLabel[] = [];
  for (const l of sorted) {
    for (let i = active.length - 1; i >= 0; i--) if (active[i]!.x2 - slack <= l.x1) active.splice(i, 1);
    for (const o of active) {
      const dx = Math.min(o.x2, l.x2) - Math.max(o.x1, l.x1);
      const dy = Math.min(o.y2, l.y2) - Math.max(o.y1, l.y1);
      if (dx > slack && dy > slack) {
        overlaps++;
        if (examples.length < 5) examples.push([o.id, l.id]);
      }
    }
    active.push(l);
  }
  const smallest = drawn.length ? Math.min(...drawn.map((l) => l.fontPx)) : null;
  return { shown: drawn.length, hidden: labels.length - drawn.length, smallestPx: smallest, overlaps, examples };
}

/** The canvas's share of the window, each way (0..1). */
export function share(canvas: { width: number; height: number }, window: { width: number; height: number }) {
  return { width: canvas.width / window.width, height: canvas.height / window.height };
}
