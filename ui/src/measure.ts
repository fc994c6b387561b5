// The graph measurement page (`#/measure-graph/<nodes>/<edges>`): renders a
// generated graph in the real GraphView — layered layout, Cytoscape, this
// webview — and measures how long it takes to appear and how smoothly it pans.
// src-tauri/tests/measure.rs opens it in the built app and reads the result
// from `document.body.dataset.measure`. Nothing in the app links here.
import { GraphView } from "./views/graphView";
import type { Backend, Graph, GraphEdge, GraphNode, IncidentRow } from "./types";

export interface GraphMeasure {
  nodes: number;
  edges: number;
  /** From asking for the graph to the first frame drawn with it. */
  showMs: number;
  /** Frames drawn per second while the view pans continuously. */
  panFps: number;
  panSeconds: number;
  /** Frames per second of this webview with nothing to draw (its ceiling here). */
  idleFps: number;
  /** How far the drag moved the pointer, and how far the graph panned (they must agree). */
  draggedPx: number;
  pannedPx: number;
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

function frame(): Promise<number> {
  return new Promise((resolve) => requestAnimationFrame((t) => resolve(t)));
}

export async function measureGraph(root: HTMLElement, nodeCount: number, edgeCount: number, panSeconds = 3): Promise<GraphMeasure> {
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
  view.el.style.height = "100vh";
  const t0 = performance.now();
  await view.load();
  await frame();
  await frame();
  const showMs = performance.now() - t0;
  // Pan as a person does: press on the background and drag, one step per
  // frame (Cytoscape draws from a texture while a gesture pans the view).
  const canvas = view.container.querySelector("canvas:last-of-type") ?? view.container;
  const box = view.container.getBoundingClientRect();
  let x = box.left + 20;
  const y = box.top + 20;
  const mouse = (type: string, target: EventTarget) =>
    target.dispatchEvent(new MouseEvent(type, { bubbles: true, cancelable: true, clientX: x, clientY: y, button: 0, buttons: type === "mouseup" ? 0 : 1, view: window }));
  const before = view.pan();
  const x0 = x;
  mouse("mousedown", canvas);
  let frames = 0;
  const start = await frame();
  let now = start;
  while (now - start < panSeconds * 1000) {
    x += 2;
    mouse("mousemove", canvas);
    now = await frame();
    frames++;
  }
  mouse("mouseup", canvas);
  const panFps = frames / ((now - start) / 1000);
  await frame();
  const after = view.pan();
  const pannedPx = before && after ? after.x - before.x : NaN;
  return { nodes: graph.nodes.length, edges: graph.edges.length, showMs, panFps, panSeconds, idleFps, draggedPx: x - x0, pannedPx };
}
