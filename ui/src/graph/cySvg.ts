// Reads what Cytoscape draws into the plain figures graph/svg.ts turns into
// an SVG document: positions, sizes and colours as styled now (dimmed
// context, the emphasized path, hidden elements left out).
import type { Core, EdgeSingular, NodeSingular } from "cytoscape";
import { graphSvg, type SvgEdge, type SvgNode } from "./svg";

const num = (v: unknown, fallback: number) => {
  const n = Number.parseFloat(String(v));
  return Number.isFinite(n) ? n : fallback;
};

function nodeOf(n: NodeSingular): SvgNode {
  const p = n.position();
  return {
    x: p.x,
    y: p.y,
    w: n.width(),
    h: n.height(),
    shape: String(n.style("shape")),
    fill: String(n.style("background-color")),
    stroke: String(n.style("border-color")),
    strokeWidth: num(n.style("border-width"), 1),
    dashed: String(n.style("border-style")) === "dashed",
    opacity: num(n.style("opacity"), 1),
    lines: String(n.style("label") ?? "").split("\n").filter((l) => l.length > 0),
    fontSize: num(n.style("font-size"), 12),
    textColor: String(n.style("color")),
  };
}

function edgeOf(e: EdgeSingular): SvgEdge {
  const s = e.source().position();
  const t = e.target().position();
  let from = s;
  let to = t;
  let via: { x: number; y: number } | null = null;
  try {
    from = e.sourceEndpoint() ?? s;
    to = e.targetEndpoint() ?? t;
    const cp = e.controlPoints();
    if (cp && cp.length) via = cp[0]!;
  } catch {
    // Headless Cytoscape has no rendered endpoints: centre to centre.
  }
  return {
    from: { x: from.x, y: from.y },
    via,
    to: { x: to.x, y: to.y },
    color: String(e.style("line-color")),
    width: num(e.style("width"), 1),
    dashed: String(e.style("line-style")) === "dashed",
    opacity: num(e.style("opacity"), 1),
    arrow: String(e.style("target-arrow-shape")) !== "none",
    label: String(e.style("label") ?? ""),
    fontSize: num(e.style("font-size"), 9),
    textColor: String(e.style("color")),
  };
}

/** The graph's visible elements as an SVG document. */
export function svgOfGraph(cy: Core, title: string, background: string): string {
  return graphSvg({
    title,
    background,
    nodes: cy.nodes(":visible").map(nodeOf),
    edges: cy.edges(":visible").map(edgeOf),
  });
}
