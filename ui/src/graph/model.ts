// Pure view logic of the incident graph: visibility (filters, replay time),
// labels, tooltips, evidence of a node by tactic, Cytoscape elements and style.
import { fmtTime, parseTime } from "../format";
import { CONTEXT, sortTactics, tacticName, tacticShort } from "../tactics";
import type { EvidenceEvent, Graph, GraphEdge, GraphNode, IncidentRow } from "../types";
import type { Point } from "./layout";

export const ENTITY_KINDS = [
  "identity",
  "permission",
  "workload",
  "pod",
  "container",
  "process",
  "ip",
  "domain",
  "file",
  "image",
  "node",
] as const;

/** Colour and shape by entity kind: colour is never the only cue. */
export const KIND_STYLE: Record<string, { color: string; shape: string; glyph: string }> = {
  identity: { color: "#8e5cc9", shape: "ellipse", glyph: "ID" },
  // What an identity's RBAC lets it do ("secrets in shop"): the blast radius.
  permission: { color: "#d9a84e", shape: "round-tag", glyph: "PERM" },
  workload: { color: "#3f7fd1", shape: "round-rectangle", glyph: "WL" },
  pod: { color: "#1f9e89", shape: "hexagon", glyph: "POD" },
  container: { color: "#2bb0c9", shape: "rectangle", glyph: "CTR" },
  process: { color: "#e08a1e", shape: "diamond", glyph: "PROC" },
  ip: { color: "#5f7f99", shape: "round-triangle", glyph: "IP" },
  domain: { color: "#4f6d8a", shape: "pentagon", glyph: "DNS" },
  file: { color: "#b5893a", shape: "tag", glyph: "FILE" },
  image: { color: "#7a8b55", shape: "barrel", glyph: "IMG" },
  node: { color: "#6d6d6d", shape: "octagon", glyph: "NODE" },
};
const OTHER_STYLE = { color: "#888888", shape: "ellipse", glyph: "?" };

export function kindStyle(kind: string) {
  return KIND_STYLE[kind] ?? OTHER_STYLE;
}

export interface GraphFilter {
  /** Entity kinds not shown. */
  hiddenKinds: ReadonlySet<string>;
  /** Tactics shown; nodes with none of them are hidden. */
  tactics: ReadonlySet<string>;
  /** Whether nodes no signal names (no tactics) are shown. */
  showContext: boolean;
  /** Replay time in ms; null shows everything. */
  time: number | null;
}

export function defaultFilter(graph: Graph): GraphFilter {
  return { hiddenKinds: new Set(), tactics: new Set(graphTactics(graph)), showContext: true, time: null };
}

/** Tactics named by any node, kill-chain order. */
export function graphTactics(graph: Graph): string[] {
  return sortTactics(graph.nodes.flatMap((n) => n.tactics ?? []));
}

export function graphKinds(graph: Graph): string[] {
  const present = new Set(graph.nodes.map((n) => n.kind));
  const known = ENTITY_KINDS.filter((k) => present.has(k));
  const other = [...present].filter((k) => !(ENTITY_KINDS as readonly string[]).includes(k)).sort();
  return [...known, ...other];
}

/** The replay shows an element once its first activity is at or before t. */
export function visibleAt(firstSeen: string | null | undefined, t: number | null): boolean {
  if (t === null) return true;
  const ms = parseTime(firstSeen);
  return Number.isNaN(ms) || ms <= t;
}

/** Earliest first-seen and latest last-seen over nodes and edges (ms). */
export function graphTimeRange(graph: Graph): { min: number; max: number } | null {
  let min = Infinity;
  let max = -Infinity;
  const see = (a: string | null, b: string | null) => {
    const f = parseTime(a);
    const l = parseTime(b);
    for (const v of [f, l]) {
      if (Number.isNaN(v)) continue;
      if (v < min) min = v;
      if (v > max) max = v;
    }
  };
  for (const n of graph.nodes) see(n.first_seen, n.last_seen);
  for (const e of graph.edges) see(e.first_seen, e.last_seen);
  return Number.isFinite(min) ? { min, max } : null;
}

/**
 * What the replay slider spans: the incident's activity with a minute either
 * side (context seen earlier is there from the start), or the graph's own
 * range when the incident has no times.
 */
export function replayRange(incident: Pick<IncidentRow, "first_activity" | "last_activity">, graph: Graph): { min: number; max: number } | null {
  const a = parseTime(incident.first_activity);
  const b = parseTime(incident.last_activity);
  if (!Number.isNaN(a) && !Number.isNaN(b)) return { min: a - 60_000, max: b + 60_000 };
  return graphTimeRange(graph);
}

export function nodePasses(node: GraphNode, f: GraphFilter): boolean {
  if (f.hiddenKinds.has(node.kind)) return false;
  const tactics = node.tactics ?? [];
  if (tactics.length === 0) {
    if (!f.showContext) return false;
  } else if (!tactics.some((t) => f.tactics.has(t))) return false;
  return visibleAt(node.first_seen, f.time);
}

export function visibleElements(graph: Graph, f: GraphFilter): { nodes: Set<string>; edges: Set<string> } {
  const nodes = new Set<string>();
  for (const n of graph.nodes) if (nodePasses(n, f)) nodes.add(n.id);
  const edges = new Set<string>();
  for (const e of graph.edges)
    if (nodes.has(e.source) && nodes.has(e.target) && visibleAt(e.first_seen, f.time)) edges.add(e.id);
  return { nodes, edges };
}

/** Node labels at zoom 1 (CSS pixels); presentation mode scales them. */
export const LABEL_FONT = 12;
/** Average glyph width of the UI font, in ems (wide enough for DejaVu Sans). */
export const CHAR_EM = 0.6;
/** Line height of node labels, in ems. */
export const LINE_HEIGHT = 1.2;

/** The box lines of text take at `fontPx`, estimated from their length (no DOM to measure). */
export function textSize(lines: readonly string[], fontPx: number): { width: number; height: number } {
  return { width: Math.max(0, ...lines.map((l) => l.length)) * fontPx * CHAR_EM, height: lines.length * fontPx * LINE_HEIGHT };
}
/** The largest node, whose label starts below it. */
const NODE_MAX = 40;

/** How much label a node's place in the layout has room for. */
export interface LabelBudget {
  /** Characters per line. */
  chars: number;
  /** Lines, the tactics line included. */
  lines: number;
}

/** Unbounded: one 40-character line and the tactics (tooltips, tests). */
export const WIDE_LABEL: LabelBudget = { chars: 40, lines: 3 };

/**
 * The label that fits between a node and its neighbours: as wide as the
 * column gap less a margin, as many lines as the row gap holds below the node.
 */
export function labelBudget(rankGap: number, rowGap: number, font = LABEL_FONT): LabelBudget {
  const chars = Math.max(6, Math.floor((rankGap - 14) / (font * CHAR_EM)));
  const lines = Math.max(1, Math.min(4, Math.floor((rowGap - NODE_MAX / 2 - 12) / (font * LINE_HEIGHT))));
  return { chars, lines };
}

const BREAK_AFTER = new Set([" ", "/", "-", ".", ":", ",", "_"]);

/**
 * `text` in at most `lines` lines of at most `chars` characters, broken
 * after a space, slash, dash or dot where one is near, the last line ending
 * in "…" when text is left over.
 */
export function wrapLabel(text: string, chars: number, lines: number): string {
  const out: string[] = [];
  let rest = text.trim();
  while (rest.length && out.length < lines) {
    if (rest.length <= chars) {
      out.push(rest);
      rest = "";
      break;
    }
    if (out.length === lines - 1) {
      out.push(rest.slice(0, chars - 1).trimEnd() + "…");
      rest = "";
      break;
    }
    let cut = chars;
    for (let i = chars; i >= Math.ceil(chars / 2); i--) {
      if (BREAK_AFTER.has(rest[i - 1]!)) {
        cut = i;
        break;
      }
    }
    out.push(rest.slice(0, cut).trimEnd());
    rest = rest.slice(cut).trimStart();
  }
  return out.join("\n");
}

/** A node's label within its budget: the name, and its tactics when a line is left for them. */
export function nodeLabel(node: GraphNode, budget: LabelBudget = WIDE_LABEL): string {
  const name = node.aggregated && !/^\d/.test(node.label) ? `${node.label} [×${node.member_count}]` : node.label;
  const tactics = sortTactics(node.tactics ?? []);
  const tacticLine = tactics.length > 0 && budget.lines >= 3;
  const text = wrapLabel(name, budget.chars, budget.lines - (tacticLine ? 1 : 0));
  if (!tacticLine) return text;
  const codes = tactics.map(tacticShort);
  let line = "";
  for (let i = 0; i < codes.length; i++) {
    const more = codes.length - i - 1;
    const next = line ? `${line} · ${codes[i]}` : codes[i]!;
    if (next.length + (more ? ` +${more}`.length : 0) > budget.chars) {
      line = line ? `${line} +${codes.length - i}` : `${codes.length} tactics`;
      break;
    }
    line = next;
  }
  return `${text}\n${line}`;
}

export function tooltipLines(node: GraphNode): string[] {
  const lines = [node.label, `${node.aggregated ? `${node.member_count} × ` : ""}${node.kind}`];
  lines.push(`first seen ${fmtTime(node.first_seen)}`, `last seen ${fmtTime(node.last_seen)}`);
  lines.push(`${node.evidence_count} evidence event${node.evidence_count === 1 ? "" : "s"}, ${node.signal_count} signal${node.signal_count === 1 ? "" : "s"}`);
  const t = sortTactics(node.tactics ?? []);
  if (t.length) lines.push(t.map(tacticName).join(", "));
  return lines;
}

export function edgeLabel(e: GraphEdge): string {
  // A permission the attack used says what was done with it first.
  if (e.exercised) return e.label ? `${e.exercised} (${e.label})` : e.exercised;
  // "can get, list, watch": the label the core gives says more than the kind.
  if (e.label) return e.label;
  return e.ports && e.ports.length ? `${e.kind} :${e.ports.join(",")}` : e.kind;
}

/** The verbs of a "can" edge ("get, list, watch"), from its label. */
export function edgeVerbs(e: GraphEdge): string {
  const l = e.label ?? "";
  return l.startsWith("can ") ? l.slice(4) : l;
}

/** Who can do what a permission node stands for: its incoming "can" edges. */
export function grantsTo(graph: Graph, nodeId: string): GraphEdge[] {
  return graph.edges.filter((e) => e.kind === "can" && e.target === nodeId);
}

/** What a node (an identity) can do: its outgoing "can" edges. */
export function grantsOf(graph: Graph, nodeId: string): GraphEdge[] {
  return graph.edges.filter((e) => e.kind === "can" && e.source === nodeId);
}

export interface EvidenceGroup {
  tactic: string;
  name: string;
  items: EvidenceEvent[];
}

/**
 * A node's evidence by tactic: its evidence ids matched against the
 * incident's evidence rows; a signal under each of its tactics (kill-chain
 * order), telemetry under "Context". Rows keep time order within a group.
 */
export function groupEvidenceByTactic(ids: readonly string[], rows: readonly EvidenceEvent[]): EvidenceGroup[] {
  const wanted = new Set(ids);
  const groups = new Map<string, EvidenceEvent[]>();
  const add = (t: string, r: EvidenceEvent) => {
    const g = groups.get(t);
    if (g) g.push(r);
    else groups.set(t, [r]);
  };
  for (const r of rows) {
    if (!wanted.has(r.id)) continue;
    if (r.signal && r.tactics.length) for (const t of new Set(r.tactics)) add(t, r);
    else add(CONTEXT, r);
  }
  return sortTactics(groups.keys()).map((t) => ({ tactic: t, name: tacticName(t), items: groups.get(t)! }));
}

export const SEVERITY_BORDER: Record<string, { width: number; color: string }> = {
  critical: { width: 6, color: "#d62828" },
  high: { width: 5, color: "#e4572e" },
  medium: { width: 3, color: "#e9a03b" },
  low: { width: 2, color: "#8fa3b8" },
  info: { width: 1, color: "#8fa3b8" },
};

/** Cytoscape element definitions with preset positions and labels within `budget`. */
export function toElements(graph: Graph, positions: Map<string, Point>, budget: LabelBudget = WIDE_LABEL) {
  const nodes = graph.nodes.map((n) => {
    const st = kindStyle(n.kind);
    const sev = n.severity ? SEVERITY_BORDER[n.severity] : undefined;
    return {
      group: "nodes" as const,
      data: {
        id: n.id,
        label: nodeLabel(n, budget),
        kind: n.kind,
        color: st.color,
        shape: st.shape,
        severity: n.severity ?? "none",
        borderWidth: sev?.width ?? 1,
        borderColor: sev?.color ?? "#9aa5b1",
        aggregated: n.aggregated ? 1 : 0,
        size: n.aggregated ? NODE_MAX : 26 + Math.min(14, Math.log2(1 + n.signal_count) * 3.5),
      },
      position: { ...(positions.get(n.id) ?? { x: 0, y: 0 }) },
      classes: [n.aggregated ? "aggregated" : "", n.signal_count > 0 ? "signalled" : "", n.kind === "permission" ? "permission" : ""]
        .filter(Boolean)
        .join(" "),
    };
  });
  const edges = graph.edges.map((e) => ({
    group: "edges" as const,
    data: { id: e.id, source: e.source, target: e.target, kind: e.kind, label: edgeLabel(e) },
    classes: e.kind === "can" ? "can" : "",
  }));
  return [...nodes, ...edges];
}

/** Cytoscape stylesheet; presentation mode draws thicker lines and text. */
/** How much larger presentation mode draws the graph's text and lines. */
export const PRESENTATION_SCALE = 1.5;

export function cyStyle(opts: { presentation: boolean; dark: boolean; large: boolean }) {
  const scale = opts.presentation ? PRESENTATION_SCALE : 1;
  const text = opts.dark ? "#e6e9ee" : "#1d2530";
  const edge = opts.dark ? "#6f7c8c" : "#9aa5b1";
  const outline = opts.dark ? "#11161c" : "#ffffff";
  const pathColor = opts.dark ? "#ff7b6b" : "#c0392b";
  return [
    {
      selector: "node",
      style: {
        "background-color": "data(color)",
        shape: "data(shape)",
        width: "data(size)",
        height: "data(size)",
        "border-width": `mapData(borderWidth, 0, 6, 0, ${6 * scale})`,
        "border-color": "data(borderColor)",
        label: "data(label)",
        "font-size": LABEL_FONT * scale,
        "line-height": LINE_HEIGHT,
        color: text,
        "text-valign": "bottom",
        "text-margin-y": 4,
        // Labels come wrapped to their budget (nodeLabel): Cytoscape keeps
        // the lines and never wraps again.
        "text-wrap": opts.large ? "none" : "wrap",
        "text-max-width": "1000px",
        "text-outline-color": outline,
        "text-outline-width": opts.large ? 0 : 2,
        // Labels too small to read are not drawn; zooming in reveals them.
        "min-zoomed-font-size": 9,
      },
    },
    {
      selector: "node.aggregated",
      style: { "border-style": "double", "border-width": 6 * scale, "border-color": "#6d7f92", "background-opacity": 0.55 },
    },
    {
      // Permission nodes read as tags: wider than tall, muted amber, the label beside the chain.
      selector: "node.permission",
      style: { width: 52, height: 26, "background-opacity": 0.9, "font-style": "italic" },
    },
    { selector: "node.isolated", style: { "border-style": "dashed", "border-color": "#c62828", "border-width": 4 * scale } },
    // Acted on by a responder outside Kordon (Falco Talon): dotted, amber.
    { selector: "node.outside", style: { "border-style": "dotted", "border-color": "#b26a00", "border-width": 4 * scale } },
    { selector: "node.isolated.outside", style: { "border-style": "dashed", "border-color": "#c62828" } },
    { selector: "node:selected", style: { "overlay-color": "#3b82f6", "overlay-opacity": 0.25, "overlay-padding": 8 } },
    { selector: ".hidden", style: { display: "none" } },
    {
      selector: "edge",
      style: {
        width: 1.5 * scale,
        "line-color": edge,
        "target-arrow-color": edge,
        "target-arrow-shape": opts.large ? "none" : "triangle",
        "arrow-scale": 0.8 * scale,
        "curve-style": opts.large ? "haystack" : "bezier",
        label: opts.large ? "" : "data(label)",
        "font-size": 9 * scale,
        color: text,
        "text-rotation": "autorotate",
        "text-outline-color": outline,
        "text-outline-width": 2,
        "min-zoomed-font-size": 9,
      },
    },
    {
      // Blast radius: what an identity could do, not something it did.
      selector: "edge.can",
      style: { "line-style": "dashed", "line-color": "#c9973a", "target-arrow-color": "#c9973a", "target-arrow-shape": opts.large ? "none" : "tee" },
    },
    // The attack path the story tells, emphasized with its verbs; the rest
    // dimmed and unlabelled. A story step shown is drawn the same way.
    { selector: "node.dim", style: { opacity: 0.35 } },
    // Landmarks (graph/landmarks.ts): readable labels on a zoomed-out graph.
    { selector: "node.landmark", style: { "text-outline-width": 0, "text-background-color": outline, "text-background-opacity": 0.85, "text-background-padding": "2px", "z-index": 10 } },
    { selector: "edge.dim", style: { opacity: 0.25, label: "" } },
    {
      selector: "edge.path, edge.focus",
      style: {
        width: 2.5 * scale,
        "line-color": pathColor,
        "target-arrow-color": pathColor,
        "font-size": 10.5 * scale,
        "font-weight": "bold",
        color: opts.dark ? "#ffb4a8" : "#9b2c1c",
        label: opts.large ? "" : "data(label)",
      },
    },
    { selector: "edge.focus", style: { width: 4 * scale } },
    { selector: "node.focus", style: { "overlay-color": pathColor, "overlay-opacity": 0.18, "overlay-padding": 6 } },
    { selector: "edge:selected", style: { "line-color": "#3b82f6", "target-arrow-color": "#3b82f6", width: 3 * scale } },
  ];
}
