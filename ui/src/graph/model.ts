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

export function nodeLabel(node: GraphNode): string {
  const cut = node.label.length > 42 ? node.label.slice(0, 40) + "…" : node.label;
  const short = node.aggregated ? `${cut} [×${node.member_count}]` : cut;
  const tactics = sortTactics(node.tactics ?? []);
  return tactics.length ? `${short}\n${tactics.map(tacticShort).join(" · ")}` : short;
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

/** Cytoscape element definitions with preset positions. */
export function toElements(graph: Graph, positions: Map<string, Point>) {
  const nodes = graph.nodes.map((n) => {
    const st = kindStyle(n.kind);
    const sev = n.severity ? SEVERITY_BORDER[n.severity] : undefined;
    return {
      group: "nodes" as const,
      data: {
        id: n.id,
        label: nodeLabel(n),
        kind: n.kind,
        color: st.color,
        shape: st.shape,
        severity: n.severity ?? "none",
        borderWidth: sev?.width ?? 1,
        borderColor: sev?.color ?? "#9aa5b1",
        aggregated: n.aggregated ? 1 : 0,
        size: n.aggregated ? 56 : 34 + Math.min(16, Math.log2(1 + n.signal_count) * 4),
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
export function cyStyle(opts: { presentation: boolean; dark: boolean; large: boolean }) {
  const scale = opts.presentation ? 1.6 : 1;
  const text = opts.dark ? "#e6e9ee" : "#1d2530";
  const edge = opts.dark ? "#6f7c8c" : "#9aa5b1";
  const outline = opts.dark ? "#11161c" : "#ffffff";
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
        "font-size": 11 * scale,
        color: text,
        "text-valign": "bottom",
        "text-margin-y": 4,
        // Wrapping measures every label line by line: too slow for thousands.
        "text-wrap": opts.large ? "ellipsis" : "wrap",
        "text-max-width": `${170 * scale}px`,
        "text-outline-color": outline,
        "text-outline-width": opts.large ? 0 : 2,
        "min-zoomed-font-size": opts.large ? 8 : 0,
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
    { selector: "edge:selected", style: { "line-color": "#3b82f6", "target-arrow-color": "#3b82f6", width: 3 * scale } },
  ];
}
