// The graph measurement page (`#/measure-graph/<nodes>/<edges>`): renders a
// generated graph in the real GraphView — layered layout, Cytoscape, this
// webview — and measures how long it takes to appear and how smoothly it pans.
// src-tauri/tests/measure.rs opens it in the built app and reads the result
// from `document.body.dataset.measure`. Nothing in the app links here.
//
// `#/measure-pan/<w>x<h>` is the baseline panning is judged against: one
// plain picture of the canvas's size, alone on the page, panned by the same
// drag and the same code (graph/snapshotPan.ts). No graph can pan faster than
// that in this webview, so it tells a slow graph from a slow machine.
import { GraphView, type GraphFigures } from "./views/graphView";
import { frame, measurePan, type PanFigures } from "./graph/panMeasure";
import { startSnapshotPan } from "./graph/snapshotPan";
import type { Backend, Graph, GraphEdge, GraphNode, IncidentRow } from "./types";

export interface GraphMeasure extends PanFigures {
  nodes: number;
  edges: number;
  /** From asking for the graph to the first frame drawn with it. */
  showMs: number;
  /** Frames per second of this webview with nothing to draw (its ceiling here). */
  idleFps: number;
  /** The labels and canvas after Fit. */
  labels: GraphFigures;
}

const KINDS = ["identity", "workload", "pod", "container", "process", "ip"];

/** A deterministic graph shaped like an incident: chains down the kinds, fanning out. */
export function syntheticGraph(nodeCount: number, edgeCount: number): Graph {
  let seed = 42;
  const rand = () => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed / 0x7fffffff;
  };
  const base = Date.parse("2026-11-20T09:40:00Z");
  const nodes: GraphNode[] = [];
  const byKind: string[][] = KINDS.map(() => []);
  for (let i = 0; i < nodeCount; i++) {
    // Few identities and workloads, many processes and addresses.
    const r = rand();
    const k = r < 0.02 ? 0 : r < 0.05 ? 1 : r < 0.15 ? 2 : r < 0.3 ? 3 : r < 0.65 ? 4 : 5;
    const kind = KINDS[k] ?? "process";
    const id = `n${i}`;
    const t = new Date(base + Math.floor(rand() * 600_000)).toISOString();
    nodes.push({
      id,
      kind,
      label: `${kind} ${i}`,
      key: `${kind}-${i}`,
      tactics: rand() < 0.1 ? ["TA0040"] : [],
      severity: rand() < 0.05 ? "high" : null,
      first_seen: t,
      last_seen: t,
      evidence_count: 1,
      evidence: [],
      signal_count: 0,
      member_count: 1,
      aggregated: false,
    });
    byKind[k]?.push(id);
  }
  const edges: GraphEdge[] = [];
  const seen = new Set<string>();
  let guard = 0;
  while (edges.length < edgeCount && guard++ < edgeCount * 20) {
    const k = Math.floor(rand() * (KINDS.length - 1));
    const from = byKind[k] ?? [];
    const to = byKind[k + 1] ?? [];
    if (!from.length || !to.length) continue;
    const s = from[Math.floor(rand() * from.length)] ?? "";
    const d = to[Math.floor(rand() * to.length)] ?? "";
    const id = `${s}>${d}`;
    if (seen.has(id)) continue;
    seen.add(id);
    edges.push({ id, source: s, target: d, kind: "runs", first_seen: null, last_seen: null, evidence_count: 1, evidence: [] });
  }
  return { incident: "INC-00000000", nodes, edges };
}

/**
 * Draws the synthetic graph in the real GraphView, in a canvas of `stage`
 * CSS pixels (the size the incident page gives it: measure.rs passes what it
 * measured there), then measures how fast it appears, its labels and panning.
 */
export async function measureGraph(
  root: HTMLElement,
  nodeCount: number,
  edgeCount: number,
  stage: { width: number; height: number } | null = null,
  panSeconds = 3,
): Promise<GraphMeasure> {
  const graph = syntheticGraph(nodeCount, edgeCount);
  const incident: IncidentRow = {
    id: graph.incident,
    title: "measurement",
    severity: "high",
    severity_why: "",
    status: "new",
    first_activity: "2026-11-20T09:40:00Z",
    last_activity: "2026-11-20T09:50:00Z",
    tactics: [],
    tactic_names: [],
    techniques: [],
    ms_matrix: [],
    signals: 0,
    key_entities: [],
  };
  const backend = { incidentGraph: async () => graph } as unknown as Backend;
  const view = new GraphView({
    backend,
    incident,
    headless: false,
    presentation: () => false,
    onError: (e) => console.error(e),
    onEvidence: () => {},
  });
  const idleStart = await frame();
  let idleNow = idleStart;
  let idleFrames = 0;
  while (idleNow - idleStart < 1000) {
    idleNow = await frame();
    idleFrames++;
  }
  const idleFps = idleFrames / ((idleNow - idleStart) / 1000);
  root.replaceChildren(view.el);
  if (stage) {
    // The canvas alone, at the size given: no toolbar height to subtract.
    view.el.style.width = `${stage.width}px`;
    view.container.parentElement!.style.height = `${stage.height}px`;
    view.container.parentElement!.parentElement!.style.height = `${stage.height}px`;
    view.container.parentElement!.parentElement!.dataset.fixedHeight = "true";
  } else view.el.style.height = "100vh";
  const t0 = performance.now();
  await view.load();
  await frame();
  await frame();
  const showMs = performance.now() - t0;
  const labels = view.figures();
  const pan = await measurePan(view, panSeconds);
  return { nodes: graph.nodes.length, edges: graph.edges.length, showMs, idleFps, ...pan, labels };
}

/**
 * The same drag as `measurePan`, on a page holding nothing but one canvas of
 * `stage` CSS pixels with a picture on it: what the webview's compositor
 * allows a pan of that size, with no graph, no layout and no other content.
 */
export async function measureBarePan(root: HTMLElement, stage: { width: number; height: number }, seconds = 3): Promise<PanFigures> {
  const container = document.createElement("div");
  container.style.cssText = `position: relative; overflow: hidden; width: ${stage.width}px; height: ${stage.height}px`;
  const layer = document.createElement("canvas");
  layer.width = stage.width;
  layer.height = stage.height;
  layer.style.cssText = "position: absolute; left: 0; top: 0; width: 100%; height: 100%";
  const cx = layer.getContext("2d");
  // Boxes and text across the whole picture, as a drawn graph has.
  for (let i = 0; cx && i < 300; i++) {
    const x = (i * 97) % stage.width;
    const y = (i * 61) % stage.height;
    cx.fillStyle = `hsl(${(i * 37) % 360} 55% 55%)`;
    cx.fillRect(x, y, 90, 34);
    cx.fillStyle = "#222";
    cx.font = "12px sans-serif";
    cx.fillText(`node ${i}`, x + 6, y + 21);
  }
  container.append(layer);
  root.replaceChildren(container);
  document.body.style.margin = "0";
  const at = { x: 0, y: 0 };
  container.addEventListener("mousedown", (e) => {
    startSnapshotPan({ container, panBy: (dx, dy) => ((at.x += dx), (at.y += dy)) }, e.clientX, e.clientY);
  });
  await frame();
  await frame();
  return measurePan({ container, pan: () => ({ ...at }) }, seconds);
}
