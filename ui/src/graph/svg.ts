// The graph as drawn, as a standalone SVG document: what *Export SVG* saves
// and what a report embeds. Built from plain figures the view reads off
// Cytoscape (positions, sizes, colours, the lines of each label), so that it
// is pure and tested here. Every text is escaped: labels come from the
// attacked cluster. Nothing in it refers to anything outside the file.
import { LINE_HEIGHT, textSize } from "./model";

export interface SvgNode {
  x: number;
  y: number;
  /** Width and height of the shape (model units). */
  w: number;
  h: number;
  shape: string;
  fill: string;
  stroke: string;
  strokeWidth: number;
  dashed: boolean;
  opacity: number;
  /** The label's lines, drawn under the shape. */
  lines: string[];
  fontSize: number;
  textColor: string;
}

export interface SvgEdge {
  /** Source end, optional control point (a curve), target end. */
  from: { x: number; y: number };
  via: { x: number; y: number } | null;
  to: { x: number; y: number };
  color: string;
  width: number;
  dashed: boolean;
  opacity: number;
  arrow: boolean;
  label: string;
  fontSize: number;
  textColor: string;
}

export interface SvgGraph {
  nodes: SvgNode[];
  edges: SvgEdge[];
  background: string;
  /** Words for the document's title (the incident). */
  title: string;
}

const MARGIN = 24;

/** Text for an SVG text node or attribute: markup characters escaped, controls dropped. */
export function escapeXml(s: string): string {
  return s
    .replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/g, "")
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/"/g, "&quot;")
    .replace(/'/g, "&#39;");
}

/** A colour as given by the view, or a neutral grey if it is not a plain colour. */
function colour(c: string): string {
  return /^(#[0-9a-fA-F]{3,8}|rgba?\([\d\s.,%]+\))$/.test(c.trim()) ? c.trim() : "#888888";
}

const n2 = (v: number) => (Math.round(v * 100) / 100).toString();

/** The points of a regular polygon of `k` corners inside w×h, first corner at `start` radians. */
function polygon(x: number, y: number, w: number, h: number, k: number, start: number): string {
  const pts: string[] = [];
  for (let i = 0; i < k; i++) {
    const a = start + (i * 2 * Math.PI) / k;
    pts.push(`${n2(x + (Math.cos(a) * w) / 2)},${n2(y + (Math.sin(a) * h) / 2)}`);
  }
  return pts.join(" ");
}

function shapeOf(n: SvgNode, style: string): string {
  const { x, y, w, h } = n;
  switch (n.shape) {
    case "ellipse":
      return `<ellipse cx="${n2(x)}" cy="${n2(y)}" rx="${n2(w / 2)}" ry="${n2(h / 2)}"${style}/>`;
    case "rectangle":
    case "barrel":
      return `<rect x="${n2(x - w / 2)}" y="${n2(y - h / 2)}" width="${n2(w)}" height="${n2(h)}"${style}/>`;
    case "round-rectangle":
    case "round-tag":
    case "tag":
      return `<rect x="${n2(x - w / 2)}" y="${n2(y - h / 2)}" width="${n2(w)}" height="${n2(h)}" rx="${n2(Math.min(w, h) / 5)}"${style}/>`;
    case "diamond":
      return `<polygon points="${polygon(x, y, w, h, 4, -Math.PI / 2)}"${style}/>`;
    case "hexagon":
      return `<polygon points="${polygon(x, y, w, h, 6, 0)}"${style}/>`;
    case "octagon":
      return `<polygon points="${polygon(x, y, w, h, 8, Math.PI / 8)}"${style}/>`;
    case "pentagon":
      return `<polygon points="${polygon(x, y, w, h, 5, -Math.PI / 2)}"${style}/>`;
    case "round-triangle":
    case "triangle":
      return `<polygon points="${polygon(x, y, w, h, 3, -Math.PI / 2)}"${style}/>`;
    default:
      return `<ellipse cx="${n2(x)}" cy="${n2(y)}" rx="${n2(w / 2)}" ry="${n2(h / 2)}"${style}/>`;
  }
}

function textBlock(lines: string[], x: number, top: number, size: number, color: string, weight = ""): string {
  if (!lines.length) return "";
  const tspans = lines
    .map((l, i) => `<tspan x="${n2(x)}" dy="${i === 0 ? n2(size) : n2(size * LINE_HEIGHT)}">${escapeXml(l)}</tspan>`)
    .join("");
  return `<text x="${n2(x)}" y="${n2(top)}" font-size="${n2(size)}" fill="${colour(color)}" text-anchor="middle"${weight} paint-order="stroke" stroke="#ffffff" stroke-width="${n2(size / 6)}">${tspans}</text>`;
}

/** The whole document, sized to what it draws plus a margin. */
export function graphSvg(g: SvgGraph): string {
  let x1 = Infinity;
  let y1 = Infinity;
  let x2 = -Infinity;
  let y2 = -Infinity;
  const see = (x: number, y: number) => {
    if (!Number.isFinite(x) || !Number.isFinite(y)) return;
    x1 = Math.min(x1, x);
    y1 = Math.min(y1, y);
    x2 = Math.max(x2, x);
    y2 = Math.max(y2, y);
  };
  for (const n of g.nodes) {
    const text = textSize(n.lines, n.fontSize);
    see(n.x - Math.max(n.w, text.width) / 2, n.y - n.h / 2);
    see(n.x + Math.max(n.w, text.width) / 2, n.y + n.h / 2 + 4 + text.height);
  }
  for (const e of g.edges) {
    see(e.from.x, e.from.y);
    see(e.to.x, e.to.y);
    if (e.via) see(e.via.x, e.via.y);
  }
  if (!Number.isFinite(x1)) {
    x1 = y1 = 0;
    x2 = y2 = 1;
  }
  const width = x2 - x1 + 2 * MARGIN;
  const height = y2 - y1 + 2 * MARGIN;
  const ox = MARGIN - x1;
  const oy = MARGIN - y1;
  const out: string[] = [];
  out.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${n2(width)}" height="${n2(height)}" viewBox="0 0 ${n2(width)} ${n2(height)}" font-family="DejaVu Sans, Helvetica, Arial, sans-serif">`,
    `<title>${escapeXml(g.title)}</title>`,
    `<rect width="100%" height="100%" fill="${colour(g.background)}"/>`,
    `<g transform="translate(${n2(ox)} ${n2(oy)})">`,
  );
  const markers = new Map<string, string>();
  const edgeOut: string[] = [];
  for (const e of g.edges) {
    const c = colour(e.color);
    let marker = "";
    if (e.arrow) {
      if (!markers.has(c)) markers.set(c, `a${markers.size}`);
      marker = ` marker-end="url(#${markers.get(c)})"`;
    }
    const d = e.via
      ? `M${n2(e.from.x)},${n2(e.from.y)} Q${n2(e.via.x)},${n2(e.via.y)} ${n2(e.to.x)},${n2(e.to.y)}`
      : `M${n2(e.from.x)},${n2(e.from.y)} L${n2(e.to.x)},${n2(e.to.y)}`;
    edgeOut.push(
      `<path d="${d}" fill="none" stroke="${c}" stroke-width="${n2(e.width)}"${e.dashed ? ' stroke-dasharray="6 4"' : ""} opacity="${n2(e.opacity)}"${marker}/>`,
    );
    if (e.label) {
      // Halfway along the line (the curve's midpoint for a curve).
      const mx = e.via ? 0.25 * e.from.x + 0.5 * e.via.x + 0.25 * e.to.x : (e.from.x + e.to.x) / 2;
      const my = e.via ? 0.25 * e.from.y + 0.5 * e.via.y + 0.25 * e.to.y : (e.from.y + e.to.y) / 2;
      edgeOut.push(textBlock([e.label], mx, my - e.fontSize, e.fontSize, e.textColor, ' font-weight="bold"').replace("<text ", `<text opacity="${n2(e.opacity)}" `));
    }
  }
  if (markers.size) {
    out.push("<defs>");
    for (const [c, id] of markers)
      out.push(`<marker id="${id}" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="${c}"/></marker>`);
    out.push("</defs>");
  }
  out.push(...edgeOut);
  for (const n of g.nodes) {
    const style = ` fill="${colour(n.fill)}" stroke="${colour(n.stroke)}" stroke-width="${n2(n.strokeWidth)}"${n.dashed ? ' stroke-dasharray="5 3"' : ""} opacity="${n2(n.opacity)}"`;
    out.push(shapeOf(n, style));
    out.push(textBlock(n.lines, n.x, n.y + n.h / 2 + 4, n.fontSize, n.textColor).replace("<text ", `<text opacity="${n2(n.opacity)}" `));
  }
  out.push("</g>", "</svg>");
  return out.filter(Boolean).join("\n") + "\n";
}
