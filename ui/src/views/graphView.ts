// Graph tab: Cytoscape canvas with the layered layout, filters, replay slider,
// tooltip, accessible node list and the side panel of the selected node.
import type { Core, EventObject, NodeSingular, StylesheetJson } from "cytoscape";
import { clear, h } from "../dom";
import { toBackendError } from "../errors";
import { fmtMs, fmtTime, parseTime } from "../format";
import { DEFAULT_LAYOUT, layeredLayout, type LayoutResult } from "../graph/layout";
import { labelFigures, share, type LabelFigures } from "../graph/figures";
import type { PanFigures } from "../graph/panMeasure";
import { landmarkWeight, pickLandmarks, type LandmarkCandidate } from "../graph/landmarks";
import { emphasisOf, pathOf, storyPath, type Path } from "../graph/path";
import { startSnapshotPan } from "../graph/snapshotPan";
import {
  cyStyle,
  defaultFilter,
  edgeVerbs,
  grantsOf,
  grantsTo,
  graphKinds,
  graphTactics,
  groupEvidenceByTactic,
  kindStyle,
  LABEL_FONT,
  labelBudget,
  PRESENTATION_SCALE,
  nodeLabel,
  WIDE_LABEL,
  type LabelBudget,
  replayRange,
  toElements,
  tooltipLines,
  visibleElements,
  type GraphFilter,
} from "../graph/model";
import { CONTEXT_COLOR, tacticColor, tacticName } from "../tactics";
import type { Backend, EntityInfo, EvidenceEvent, Graph, GraphEdge, GraphNode, IncidentRow } from "../types";
import { DRAWER_DEFAULTS, type DrawerName, type Drawers } from "../logic/drawers";
import type { DrawerPref } from "../types";
import { emptyNote, severityBadge, tacticChip } from "./common";
import { Drawer } from "./drawer";

export interface GraphViewOptions {
  backend: Backend;
  incident: IncidentRow;
  /** No canvas (tests, jsdom): Cytoscape runs headless. */
  headless: boolean;
  presentation: () => boolean;
  onError: (e: unknown) => void;
  /** Show an evidence event (jump to the evidence tab row). */
  onEvidence: (id: string) => void;
  /** Controls the page adds to a node's side panel (the verdict picker). */
  nodeExtras?: (n: GraphNode) => HTMLElement | null;
  /** How the investigator left the node list and the side panel. */
  drawers?: Drawers;
  onDrawer?: (name: DrawerName, state: DrawerPref) => void;
  /** The focus button: the graph takes the whole window, or gives it back. */
  onFocus?: () => void;
  /** The story's steps: their evidence is the attack path drawn emphasized. */
  storySteps?: readonly { evidence: readonly string[] }[];
  /** A click on the background ended a story step's highlight. */
  onHighlightCleared?: () => void;
  /** The node selected (null: none): the evidence follows it. */
  onSelect?: (node: GraphNode | null) => void;
}

const SLIDER_MAX = 1000;
const LARGE = 300;
/** Space Fit leaves around the graph (CSS pixels). */
const FIT_PADDING = 24;
/** How much presentation mode widens the layout's gaps (its labels grow by PRESENTATION_SCALE). */
const PRESENTATION_GAPS = 1.15;
/** Fit never enlarges a small graph past this zoom. */
const FIT_MAX_ZOOM = 1.5;

type CytoscapeFactory = typeof import("cytoscape");
let cytoscapeModule: Promise<CytoscapeFactory> | null = null;

/**
 * Cytoscape is loaded on first use: should it fail to load (it cannot
 * evaluate under a frozen Object.prototype, Tauri's `freezePrototype`), the
 * rest of the app, the node list and the side panel still work.
 */
function loadCytoscape(): Promise<CytoscapeFactory> {
  cytoscapeModule ??= import("cytoscape").then((m) => m.default);
  return cytoscapeModule;
}

/** The graph on screen after Fit (see graph/figures.ts). */
export interface GraphFigures extends LabelFigures {
  canvas: { width: number; height: number };
  window: { width: number; height: number };
  share: { width: number; height: number };
  zoom: number;
  nodes: number;
  /** From asking for the graph to its first frame (ms). */
  firstFrameMs: number | null;
  pan?: PanFigures;
  /** The canvas size, gaps and label budget the layout was made for. */
  laidOut: { width: number; height: number; rankGap: number; rowGap: number; chars: number; lines: number };
  /** The boxes of the overlapping labels listed in `examples`. */
  boxes: import("../graph/figures").DrawnLabel[];
}

/** Labels smaller than this on screen are not drawn (cyStyle's min-zoomed-font-size). */
const MIN_DRAWN_PX = 9;
/** A landmark's label on screen (CSS pixels), whatever the zoom. */
const LANDMARK_PX = 12;

export function prefersDark(): boolean {
  return typeof matchMedia === "function" && matchMedia("(prefers-color-scheme: dark)").matches;
}

export class GraphView {
  readonly el: HTMLElement;
  readonly container: HTMLElement;
  private cy: Core | null = null;
  /** Ends a pan in progress (see graph/snapshotPan.ts). */
  private endPan: (() => void) | null = null;
  /** Keys of the pods a Kordon isolation holds (shown on the nodes). */
  private isolated = new Set<string>();
  /** Keys of the pods a responder outside Kordon acted on, with what it did ("terminated, labelled"). */
  private outside = new Map<string, string>();
  private graph: Graph | null = null;
  private layout: LayoutResult | null = null;
  private filter: GraphFilter | null = null;
  private readonly expanded = new Set<string>();
  private rows: EvidenceEvent[] = [];
  private selected: string | null = null;
  private range: { min: number; max: number } | null = null;
  private playTimer: ReturnType<typeof setInterval> | null = null;
  private entityToken = 0;
  private loadToken = 0;
  private knownTactics = new Set<string>();
  /** How much label each node has room for in the current layout. */
  private budget: LabelBudget = WIDE_LABEL;

  private readonly filters: HTMLElement;
  private readonly filterSummary: HTMLElement;
  private readonly list: HTMLElement;
  private readonly listCount: HTMLElement;
  private readonly side: HTMLElement;
  private readonly tooltip: HTMLElement;
  private readonly slider: HTMLInputElement;
  private readonly sliderLabel: HTMLElement;
  private readonly playButton: HTMLButtonElement;
  private readonly status: HTMLElement;
  private readonly body: HTMLElement;
  private readonly nodesDrawer: Drawer;
  private readonly sideDrawer: Drawer;
  private resizeFrame = 0;
  private keepView = false;
  private observer: ResizeObserver | null = null;
  /** The canvas size the current layout was made for. */
  private laidOutFor = { width: 0, height: 0 };
  /** The investigator dragged a node: keep their arrangement. */
  private userPlaced = false;
  /** The story's path, and the part of it a story step asked to show. */
  private path: Path = { nodes: new Set(), edges: new Set() };
  private focusPath: Path | null = null;
  /** Nodes whose labels are drawn at a readable size while the rest are too small. */
  private landmarks = new Set<string>();
  private landmarkTimer: ReturnType<typeof setTimeout> | null = null;
  /** From asking for the graph to its first frame, for the measurement tests. */
  private firstFrameMs: number | null = null;

  constructor(private readonly o: GraphViewOptions) {
    this.container = h("div", { id: "graph", className: "graph-canvas", "data-graph-ready": "false", "aria-label": "Incident graph" });
    this.tooltip = h("div", { className: "graph-tooltip", role: "tooltip", hidden: true });
    this.filters = h("div", { className: "graph-filters" });
    this.filterSummary = h("span", { className: "muted small", "data-testid": "graph-filter-summary" });
    this.listCount = h("span", { className: "muted small" });
    this.list = h("ul", { className: "node-list", "aria-label": "Graph nodes" });
    this.side = h("aside", { className: "side-panel", "data-testid": "side-panel", "aria-live": "polite" }, emptyNote("Select a node to see its attributes and evidence."));
    this.slider = h("input", {
      type: "range",
      min: 0,
      max: SLIDER_MAX,
      value: SLIDER_MAX,
      "aria-label": "Replay time",
      "data-testid": "time-slider",
      oninput: () => this.onSlider(),
    });
    this.sliderLabel = h("span", { className: "small mono slider-label" }, "all");
    this.playButton = h("button", { type: "button", "data-testid": "graph-play", onclick: () => this.togglePlay() }, "▶ Play");
    this.status = h("span", { className: "muted small" });
    const btn = (label: string, title: string, f: () => void, testid?: string) =>
      h("button", { type: "button", title, "aria-label": title, onclick: f, "data-testid": testid }, label);
    const toolbar = h(
      "div",
      { className: "row toolbar graph-toolbar" },
      btn("Fit", "Fit the graph (f)", () => this.fit(), "graph-fit"),
      btn("+", "Zoom in", () => this.zoom(1.25)),
      btn("−", "Zoom out", () => this.zoom(0.8)),
      btn("Re-layout", "Lay the visible nodes out again", () => {
        this.userPlaced = false;
        this.relayout();
      }, "graph-relayout"),
      o.onFocus ? btn("Focus", "The graph alone, the whole window (z)", () => o.onFocus?.(), "graph-focus") : null,
      btn("SVG", "Export the graph as drawn, as an SVG document", () => void this.exportAs("svg"), "graph-export-svg"),
      btn("PNG", "Export the graph as drawn, as a PNG picture", () => void this.exportAs("png"), "graph-export-png"),
      h("span", { className: "sep" }),
      this.playButton,
      this.slider,
      this.sliderLabel,
      h("span", { className: "grow" }),
      (o.incident.clusters ?? []).length
        ? h("span", { className: "muted small", "data-testid": "graph-cluster" }, `cluster ${(o.incident.clusters ?? []).join(", ")}`)
        : null,
      this.status,
    );
    const drawers = o.drawers ?? DRAWER_DEFAULTS;
    const onLayout = () => this.stageResized();
    this.nodesDrawer = new Drawer({
      name: "nodes",
      title: "Nodes",
      side: "left",
      state: drawers.nodes,
      content: h("div", { className: "node-list-box" }, h("p", { className: "muted small" }, "Every node, in the graph's order ", this.listCount), this.list),
      onChange: (st) => o.onDrawer?.("nodes", st),
      onLayout,
    });
    this.sideDrawer = new Drawer({
      name: "side",
      title: "Details",
      side: "right",
      state: drawers.side,
      content: this.side,
      onChange: (st) => o.onDrawer?.("side", st),
      onLayout,
    });
    // The side panel takes room only once a node is selected.
    this.sideDrawer.el.hidden = true;
    this.body = h("div", { className: "graph-body" }, this.nodesDrawer.el, h("div", { className: "graph-stage" }, this.container, this.tooltip), this.sideDrawer.el);
    // Filters fold away: closed, they take one line of the toolbar, not the canvas's height.
    const filterBox = h("details", { className: "graph-filter-box" }, h("summary", { "data-testid": "graph-filters-toggle" }, "Filters ", this.filterSummary), this.filters);
    this.el = h("div", { className: "graph-view" }, toolbar, filterBox, this.body);
    window.addEventListener("resize", this.onWindowResize);
    // Whatever changes the canvas's size (a drawer, the header above growing,
    // focus mode), the graph follows: resized, and laid out for the new room.
    if (!o.headless && typeof ResizeObserver === "function") {
      this.observer = new ResizeObserver(() => this.stageResized());
      this.observer.observe(this.container);
      this.observer.observe(this.filters);
    }
    // A measurement test asks for the figures of what is on screen.
    this.container.addEventListener("kordon:measure", ((e: CustomEvent<{ panSeconds?: number }>) => void this.answerMeasure(e.detail)) as EventListener);
  }

  private async answerMeasure(detail: { panSeconds?: number } | null) {
    const figures: GraphFigures = this.figures();
    if (detail?.panSeconds) {
      const { measurePan } = await import("../graph/panMeasure");
      figures.pan = await measurePan(this, detail.panSeconds);
    }
    this.container.dataset.figures = JSON.stringify(figures);
  }

  /** The canvas's share of the window and the labels as drawn now. */
  figures(): GraphFigures {
    const cy = this.cy;
    const rect = this.container.getBoundingClientRect();
    const canvas = { width: rect.width, height: rect.height };
    const win = { width: window.innerWidth, height: window.innerHeight };
    const labels: import("../graph/figures").DrawnLabel[] = [];
    const zoom = cy?.zoom() ?? 1;
    cy?.nodes(":visible").forEach((n) => {
      if (!String(n.data("label") ?? "")) return;
      const b = n.renderedBoundingBox({ includeNodes: false, includeEdges: false, includeLabels: true, includeOverlays: false });
      const fontPx = parseFloat(String(n.style("font-size"))) * zoom;
      labels.push({ id: n.id(), x1: b.x1, y1: b.y1, x2: b.x2, y2: b.y2, fontPx });
    });
    const lf = labelFigures(labels, MIN_DRAWN_PX);
    const overlapIds = new Set(lf.examples.flat());
    return {
      ...lf,
      canvas,
      window: win,
      share: share(canvas, win),
      zoom,
      nodes: cy?.nodes(":visible").length ?? 0,
      firstFrameMs: this.firstFrameMs,
      laidOut: { ...this.laidOutFor, rankGap: this.layout?.rankGap ?? 0, rowGap: this.layout?.rowGap ?? 0, ...this.budget },
      boxes: labels.filter((l) => overlapIds.has(l.id)),
    };
  }

  private readonly onWindowResize = () => this.stageResized();

  /**
   * The graph fills the window below its toolbar (CSS cannot know how tall
   * the header above is); the canvas follows its stage's new size.
   */
  private stageResized(keepView = false): void {
    if (this.o.headless) return;
    // The side panel opening on a selection keeps the view as it is: the
    // investigator is looking at that node, not asking for a new layout.
    this.keepView ||= keepView;
    if (this.resizeFrame) return;
    this.resizeFrame = requestAnimationFrame(() => {
      this.resizeFrame = 0;
      const keep = this.keepView;
      this.keepView = false;
      this.fillHeight();
      const cy = this.cy;
      if (!cy) return;
      cy.resize();
      const w = this.container.clientWidth;
      const hgt = this.container.clientHeight;
      if (keep) {
        this.laidOutFor = { width: w, height: hgt };
        const el = this.selected ? cy.getElementById(this.selected) : null;
        if (el && el.nonempty() && el.visible()) {
          const ext = cy.extent();
          const p = el.position();
          if (p.x < ext.x1 || p.x > ext.x2 || p.y < ext.y1 || p.y > ext.y2) cy.center(el);
        }
        return;
      }
      // New room, new gaps (unless the investigator placed nodes by hand).
      const moved = Math.abs(w - this.laidOutFor.width) > 24 || Math.abs(hgt - this.laidOutFor.height) > 24;
      if (moved && !this.userPlaced) this.relayout();
    });
  }

  private fillHeight(): void {
    if (!this.body.isConnected || this.body.dataset.fixedHeight) return;
    const top = this.body.getBoundingClientRect().top;
    this.body.style.height = `${Math.max(320, Math.floor(window.innerHeight - top - 12))}px`;
  }

  setEvidence(rows: EvidenceEvent[]): void {
    this.rows = rows;
    if (this.selected) this.renderSide(this.selected);
  }

  async load(): Promise<void> {
    const token = ++this.loadToken;
    const t0 = performance.now();
    this.container.dataset.graphReady = "false";
    this.status.textContent = "Loading the graph…";
    let graph: Graph;
    try {
      graph = await this.o.backend.incidentGraph(this.o.incident.id, [...this.expanded]);
    } catch (e) {
      if (token === this.loadToken) this.status.textContent = "The graph could not be loaded.";
      this.o.onError(e);
      return;
    }
    if (token !== this.loadToken) return;
    this.graph = graph;
    const old = this.filter;
    const f = defaultFilter(graph);
    if (old) {
      // Keep the user's choices across an expansion.
      f.hiddenKinds = old.hiddenKinds;
      f.showContext = old.showContext;
      const all = graphTactics(graph);
      f.tactics = new Set(all.filter((t) => old.tactics.has(t) || !this.knownTactics.has(t)));
    }
    this.knownTactics = new Set(graphTactics(graph));
    this.filter = f;
    this.range = replayRange(this.o.incident, graph);
    // The filters sit above the canvas: drawn first, so that the canvas's
    // height (and the layout made for it) is final.
    this.renderFilters();
    await this.build(token);
    if (token !== this.loadToken) return;
    this.status.textContent = `${graph.nodes.length} nodes, ${graph.edges.length} edges`;
    if (!this.o.headless && this.cy) {
      await new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)));
      if (token === this.loadToken) this.firstFrameMs = performance.now() - t0;
    }
  }
  private computeLayout(graph: Graph, only?: Set<string>): LayoutResult {
    const nodes = graph.nodes
      .filter((n) => !only || only.has(n.id))
      .map((n) => ({ id: n.id, kind: n.kind, order: parseTime(n.first_seen) }));
    const edges = graph.edges.filter((e) => !only || (only.has(e.source) && only.has(e.target)));
    const scale = this.o.presentation() ? PRESENTATION_SCALE : 1;
    // Presentation mode draws labels half as large again but widens the gaps
    // less: Fit then shows them larger on screen, at fewer words a line.
    const gapScale = this.o.presentation() ? PRESENTATION_GAPS : 1;
    const w = this.container.clientWidth;
    const hgt = this.container.clientHeight;
    this.laidOutFor = { width: w, height: hgt };
    // The gaps fill the canvas at zoom 1, so that Fit keeps labels at their size.
    const room = !this.o.headless && w > 0 && hgt > 0 ? { width: w - 2 * FIT_PADDING, height: hgt - 2 * FIT_PADDING } : undefined;
    const layout = layeredLayout(nodes, edges, {
      room,
      rankGapMin: DEFAULT_LAYOUT.rankGapMin * gapScale,
      rankGapMax: DEFAULT_LAYOUT.rankGapMax * gapScale,
      rowGapMin: DEFAULT_LAYOUT.rowGapMin * gapScale,
      rowGapMax: DEFAULT_LAYOUT.rowGapMax * gapScale,
    });
    const large = graph.nodes.length > LARGE;
    this.budget = room ? labelBudget(layout.rankGap, layout.rowGap, LABEL_FONT * scale) : WIDE_LABEL;
    if (large) this.budget = { chars: this.budget.chars, lines: 1 };
    return layout;
  }

  private async build(token: number) {
    const graph = this.graph!;
    if (!this.o.headless) this.fillHeight();
    this.layout = this.computeLayout(graph);
    this.endPan?.();
    this.cy?.destroy();
    this.cy = null;
    this.userPlaced = false;
    this.landmarks = new Set();
    let cytoscape: CytoscapeFactory;
    try {
      cytoscape = await loadCytoscape();
    } catch (e) {
      if (token !== this.loadToken) return;
      this.applyVisibility();
      this.container.dataset.graphReady = "error";
      this.o.onError({ code: "graph_unavailable", message: `The graph canvas could not start: ${String(e)}. The node list and side panel still work.` });
      return;
    }
    if (token !== this.loadToken) return;
    const elements = toElements(graph, this.layout.positions, this.budget);
    const large = graph.nodes.length > LARGE;
    const style = cyStyle({ presentation: this.o.presentation(), dark: prefersDark(), large });
    const common = {
      elements,
      layout: { name: "preset" as const },
      style: style as unknown as StylesheetJson,
      minZoom: 0.05,
      maxZoom: 4,
      boxSelectionEnabled: false,
    };
    this.cy = this.o.headless
      ? cytoscape({ ...common, headless: true, styleEnabled: true })
      : cytoscape({
          ...common,
          container: this.container,
          // Graphs pan by moving a picture of themselves (graph/snapshotPan.ts):
          // in a software-rendered webview even the demo's pans at 23
          // frames/s through Cytoscape's own redraws.
          userPanningEnabled: false,
          textureOnViewport: large,
          hideEdgesOnViewport: large,
          hideLabelsOnViewport: large,
          motionBlur: false,
          // Large graphs: one canvas pixel per CSS pixel — but just above 1,
          // because at 1 or below Cytoscape renders its panning texture at
          // twice the size (four times the pixels to scale down every frame).
          pixelRatio: large ? Math.max(1.01, Math.min(window.devicePixelRatio || 1, 1.5)) : "auto",
        });
    const cy = this.cy;
    cy.on("tap", "node", (e: EventObject) => this.selectNode(e.target.id()));
    cy.on("dragfree", "node", () => (this.userPlaced = true));
    cy.on("dbltap", "node", (e: EventObject) => {
      const n = this.nodeById(e.target.id());
      if (n?.aggregated) void this.expand(n.id);
    });
    cy.on("tap", (e: EventObject) => {
      if (e.target === cy) {
        this.clearSelection();
        if (this.focusPath) {
          this.highlight(null);
          this.o.onHighlightCleared?.();
        }
      }
    });
    {
      cy.on("tapstart", (e: EventObject) => {
        const m = e.originalEvent;
        if (e.target !== cy || !(m instanceof MouseEvent) || m.button !== 0) return;
        this.endPan?.();
        this.endPan = startSnapshotPan({ container: this.container, panBy: (dx, dy) => cy.panBy({ x: dx, y: dy }) }, m.clientX, m.clientY);
      });
    }
    cy.on("mouseover", "node", (e: EventObject) => this.showTooltip(e.target as NodeSingular));
    cy.on("mouseout", "node", () => (this.tooltip.hidden = true));
    cy.on("viewport", () => {
      this.tooltip.hidden = true;
      // Once the view settles, the landmarks for its zoom.
      if (this.landmarkTimer) clearTimeout(this.landmarkTimer);
      this.landmarkTimer = setTimeout(() => this.updateLandmarks(), 120);
    });
    this.path = storyPath(graph, this.o.storySteps ?? []);
    this.applyEmphasis();
    this.applyVisibility();
    if (this.isolated.size) this.setIsolated(this.isolated);
    if (this.outside.size) this.setOutside(this.outside);
    if (!this.o.headless) this.fit();
    if (this.selected && cy.getElementById(this.selected).nonempty()) this.selectNode(this.selected);
    else if (this.selected) this.clearSelection();
    this.container.dataset.graphReady = "true";
  }

  /**
   * Saves the graph as it is drawn now (filters, emphasis, the whole graph
   * rather than the view): SVG built by graph/svg.ts, PNG by Cytoscape.
   */
  async exportAs(format: "svg" | "png"): Promise<string | null> {
    const cy = this.cy;
    if (!cy) return null;
    const name = `${this.o.incident.id}-graph.${format}`;
    const background = prefersDark() ? "#1a2029" : "#ffffff";
    let data: string;
    if (format === "svg") {
      const { svgOfGraph } = await import("../graph/cySvg");
      data = svgOfGraph(cy, `${this.o.incident.id} — ${this.o.incident.title}`, background);
    } else data = cy.png({ output: "base64", full: true, scale: 2, bg: background, maxWidth: 8000, maxHeight: 8000 }) as unknown as string;
    try {
      const saved = await this.o.backend.exportGraph(format, name, data);
      if (saved) this.status.textContent = `Saved ${saved}`;
      return saved;
    } catch (e) {
      this.o.onError(e);
      return null;
    }
  }

  /** Draws the story's path emphasized (and a step's part of it, when one is shown). */
  private applyEmphasis() {
    const cy = this.cy;
    if (!cy) return;
    const classes = ["path", "dim", "focus"];
    cy.batch(() => {
      cy.nodes().forEach((n) => {
        const e = emphasisOf(n.id(), "node", this.path, this.focusPath);
        for (const c of classes) n.toggleClass(c, c === e);
      });
      cy.edges().forEach((n) => {
        const e = emphasisOf(n.id(), "edge", this.path, this.focusPath);
        for (const c of classes) n.toggleClass(c, c === e);
      });
    });
    this.container.dataset.focus = this.focusPath ? String(this.focusPath.nodes.size) : "";
  }

  /**
   * Shows the part of the graph a story step's evidence names (null: the
   * whole story again); the view centres on it. Returns how many nodes.
   */
  highlight(evidence: readonly string[] | null): number {
    this.focusPath = evidence && this.graph ? pathOf(this.graph, evidence) : null;
    this.applyEmphasis();
    const cy = this.cy;
    const n = this.focusPath?.nodes.size ?? 0;
    if (cy && n && !this.o.headless) {
      const els = cy.collection();
      for (const id of this.focusPath!.nodes) els.merge(cy.getElementById(id));
      cy.animate({ center: { eles: els } }, { duration: 200 });
    }
    return n;
  }

  private nodeById(id: string): GraphNode | undefined {
    return this.graph?.nodes.find((n) => n.id === id);
  }

  private currentTime(): number | null {
    const v = Number(this.slider.value);
    if (!this.range || v >= SLIDER_MAX) return null;
    return this.range.min + (v / SLIDER_MAX) * (this.range.max - this.range.min);
  }

  private onSlider() {
    const t = this.currentTime();
    this.sliderLabel.textContent = t === null ? "all" : `${fmtMs(t)} UTC`;
    if (this.filter) this.filter.time = t;
    this.applyVisibility();
  }

  private applyVisibility() {
    if (!this.graph || !this.filter) return;
    const vis = visibleElements(this.graph, this.filter);
    const cy = this.cy;
    cy?.batch(() => {
      cy.nodes().forEach((n) => {
        n.toggleClass("hidden", !vis.nodes.has(n.id()));
      });
      cy.edges().forEach((e) => {
        e.toggleClass("hidden", !vis.edges.has(e.id()));
      });
    });
    this.renderList(vis.nodes);
    const hidden = this.graph.nodes.length - vis.nodes.size;
    this.filterSummary.textContent = hidden ? `(${hidden} of ${this.graph.nodes.length} nodes hidden)` : "(all shown)";
  }

  private renderList(visible: Set<string>) {
    clear(this.list);
    const order = this.layout ? [...this.layout.ranks.flat(), ...this.layout.context] : this.graph!.nodes.map((n) => n.id);
    const byId = new Map(this.graph!.nodes.map((n) => [n.id, n]));
    let count = 0;
    for (const id of order) {
      if (!visible.has(id)) continue;
      const n = byId.get(id)!;
      count++;
      const st = kindStyle(n.kind);
      this.list.append(
        h(
          "li",
          null,
          h(
            "button",
            {
              type: "button",
              className: `node-item${n.id === this.selected ? " selected" : ""}`,
              "data-testid": "graph-node-item",
              "data-id": n.id,
              "data-kind": n.kind,
              "data-isolated": n.key && this.isolated.has(n.key) ? "true" : null,
              "data-outside": (n.key && this.outside.get(n.key)) || null,
              "aria-pressed": n.id === this.selected ? "true" : "false",
              title: `${n.kind}${n.severity ? `, ${n.severity}` : ""}`,
              style: `--kind:${st.color}`,
              onclick: () => this.selectNode(n.id),
            },
            n.label,
          ),
        ),
      );
    }
    this.listCount.textContent = `(${count})`;
  }

  private renderFilters() {
    if (!this.graph || !this.filter) return;
    const f = this.filter;
    clear(this.filters);
    const box = (label: string, checked: boolean, color: string, onChange: (on: boolean) => void, attrs: Record<string, string>) =>
      h(
        "label",
        { className: "check", style: `--chip:${color}` },
        h("input", {
          type: "checkbox",
          checked,
          ...attrs,
          onchange: ((e: Event) => {
            onChange((e.target as HTMLInputElement).checked);
            this.applyVisibility();
          }) as EventListener,
        }),
        h("span", { className: "swatch" }),
        label,
      );
    this.filters.append(
      h(
        "fieldset",
        null,
        h("legend", null, "Kinds"),
        graphKinds(this.graph).map((k) =>
          box(k, !f.hiddenKinds.has(k), kindStyle(k).color, (on) => {
            const s = new Set(f.hiddenKinds);
            if (on) s.delete(k);
            else s.add(k);
            f.hiddenKinds = s;
          }, { "data-testid": "kind-filter", "data-kind": k }),
        ),
      ),
      h(
        "fieldset",
        null,
        h("legend", null, "Tactics"),
        graphTactics(this.graph).map((t) =>
          box(tacticName(t), f.tactics.has(t), tacticColor(t), (on) => {
            const s = new Set(f.tactics);
            if (on) s.add(t);
            else s.delete(t);
            f.tactics = s;
          }, { "data-testid": "graph-tactic-filter", "data-tactic": t }),
        ),
        box("No signal (context)", f.showContext, CONTEXT_COLOR, (on) => (f.showContext = on), {
          "data-testid": "graph-tactic-filter",
          "data-tactic": "context",
        }),
      ),
    );
  }

  private showTooltip(node: NodeSingular) {
    const n = this.nodeById(node.id());
    if (!n || this.o.headless) return;
    clear(this.tooltip);
    tooltipLines(n).forEach((l, i) => this.tooltip.append(h(i === 0 ? "strong" : "div", null, l)));
    const p = node.renderedPosition();
    this.tooltip.style.left = `${p.x + 16}px`;
    this.tooltip.style.top = `${p.y + 16}px`;
    this.tooltip.hidden = false;
  }

  /** Selects a node in the canvas and opens its side panel (clicks and the node list alike). */
  selectNode(id: string): void {
    if (!this.nodeById(id)) return;
    this.selected = id;
    const cy = this.cy;
    if (cy) {
      const el = cy.getElementById(id);
      cy.elements(":selected").unselect();
      el.select();
      if (!this.o.headless && !el.hasClass("hidden")) {
        const ext = cy.extent();
        const p = el.position();
        if (p.x < ext.x1 || p.x > ext.x2 || p.y < ext.y1 || p.y > ext.y2) cy.center(el);
      }
    }
    for (const b of this.list.querySelectorAll<HTMLElement>("[data-testid='graph-node-item']")) {
      const on = b.dataset.id === id;
      b.classList.toggle("selected", on);
      b.setAttribute("aria-pressed", on ? "true" : "false");
    }
    this.renderSide(id);
    this.o.onSelect?.(this.nodeById(id) ?? null);
    if (this.sideDrawer.el.hidden) {
      this.sideDrawer.el.hidden = false;
      this.stageResized(true);
    }
  }

  private clearSelection() {
    if (this.selected) this.o.onSelect?.(null);
    this.selected = null;
    if (!this.sideDrawer.el.hidden) {
      this.sideDrawer.el.hidden = true;
      this.stageResized(true);
    }
    this.cy?.elements(":selected").unselect();
    clear(this.side);
    this.side.append(emptyNote("Select a node to see its attributes and evidence."));
    for (const b of this.list.querySelectorAll<HTMLElement>(".node-item.selected")) {
      b.classList.remove("selected");
      b.setAttribute("aria-pressed", "false");
    }
  }

  private renderSide(id: string) {
    const n = this.nodeById(id);
    if (!n) return;
    clear(this.side);
    const attrs = h("dl", { className: "kv" });
    const kv = (k: string, v: string | Node) => attrs.append(h("dt", null, k), h("dd", { className: "wrap" }, v));
    const permission = n.kind === "permission";
    kv("Kind", n.aggregated ? `${n.member_count} × ${n.kind} (aggregated)` : permission ? "permission (what an identity's RBAC allows)" : n.kind);
    if (n.key) kv("Key", h("code", null, n.key));
    kv("First seen", `${fmtTime(n.first_seen)} UTC`);
    kv("Last seen", `${fmtTime(n.last_seen)} UTC`);
    kv("Evidence", `${n.evidence_count} events, ${n.signal_count} signals`);
    const entityBox = h("div", { className: "entity-attrs" });
    this.side.append(
      h(
        "header",
        null,
        h("h2", { className: "wrap" }, n.label),
        h("div", { className: "row" }, severityBadge(n.severity ?? null), h("span", { className: "chips" }, (n.tactics ?? []).map((t) => tacticChip(t, "short")))),
      ),
      attrs,
      this.o.nodeExtras?.(n) ?? "",
      this.grantsView(n),
      n.aggregated
        ? h(
            "p",
            null,
            h("button", { type: "button", "data-testid": "expand-node", onclick: () => void this.expand(n.id) }, `Expand: show the ${n.member_count} members`),
          )
        : entityBox,
    );
    const groups = groupEvidenceByTactic(n.evidence, this.rows);
    const shown = new Set(groups.flatMap((g) => g.items.map((i) => i.id))).size;
    const ev = h("section", { className: "node-evidence" }, h("h3", null, "Evidence by tactic"));
    if (!groups.length && !permission) ev.append(emptyNote("None of this node's evidence is among the incident's signals and context."));
    for (const g of groups) {
      ev.append(
        h(
          "div",
          { className: "tactic-group", "data-testid": "tactic-group", "data-tactic": g.tactic, style: `--chip:${tacticColor(g.tactic)}` },
          h("h4", null, h("span", { className: "swatch" }), `${g.name} (${g.items.length})`),
          h(
            "ul",
            null,
            g.items.map((r) =>
              h(
                "li",
                { "data-testid": "evidence-item", "data-id": r.id },
                h(
                  "button",
                  { type: "button", className: "link", onclick: () => this.o.onEvidence(r.id), title: "Show in the evidence tab" },
                  h("span", { className: "mono small" }, fmtTime(r.time).slice(11)),
                  " ",
                  r.title,
                ),
              ),
            ),
          ),
        ),
      );
    }
    if (permission) {
      // The RBAC objects behind a permission are snapshot records, not incident telemetry.
      const known = new Set(this.rows.map((r) => r.id));
      const objects = [...new Set(n.evidence)].filter((id) => !known.has(id));
      if (objects.length) ev.replaceChildren(h("h3", null, "Evidence: the snapshot objects behind it"), this.objectButtons(objects));
      else if (!groups.length) ev.append(emptyNote("No objects are recorded for this permission."));
    } else if (n.evidence_count > shown)
      ev.append(h("p", { className: "muted small" }, `${shown} of ${n.evidence_count} evidence events listed: every signal, and the first of the context records.`));
    this.side.append(ev);
    // Permissions are derived from RBAC rules: attributes only if the case knows them as entities.
    if (!n.aggregated) void this.loadEntity(n.id, entityBox, permission);
  }

  /** A permission's grants (who can, with which verbs) or an identity's (what it can do). */
  private grantsView(n: GraphNode): HTMLElement | string {
    if (!this.graph) return "";
    const to = n.kind === "permission";
    const edges = to ? grantsTo(this.graph, n.id) : grantsOf(this.graph, n.id);
    if (!edges.length) return "";
    const other = (e: GraphEdge) => this.nodeById(to ? e.source : e.target);
    return h(
      "section",
      { className: "grants", "data-testid": "node-grants" },
      h("h3", null, to ? "Granted to" : "Can (RBAC, from the snapshot)"),
      h(
        "ul",
        null,
        edges.map((e) => {
          const o = other(e);
          // The incident's own records on the edge are the requests that
          // used the grant; the others are the roles and bindings behind it.
          const known = new Set(this.rows.map((r) => r.id));
          const used = e.exercised ? e.evidence.filter((id) => known.has(id)) : [];
          const objects = to ? [] : e.evidence.filter((id) => !known.has(id));
          return h(
            "li",
            { "data-testid": "node-grant", "data-edge": e.id },
            o
              ? h("button", { type: "button", className: "link", title: `Select ${o.label}`, onclick: () => this.selectNode(o.id) }, o.label)
              : h("span", null, to ? e.source : e.target),
            " ",
            h("span", { className: "verbs", "data-testid": "grant-verbs" }, to ? `can ${edgeVerbs(e) || "?"}` : `— ${edgeVerbs(e) || e.kind}`),
            to && e.evidence.length ? [" ", this.objectButtons(e.evidence.filter((id) => !n.evidence.includes(id) && !used.includes(id)))] : "",
            objects.length ? [" ", this.objectButtons(objects)] : "",
            e.exercised
              ? [" ", h("span", { className: "exercised", "data-testid": "grant-exercised" }, `· ${e.exercised} `), this.objectButtons(used, "grant-request", "Show the request")]
              : "",
          );
        }),
      ),
    );
  }

  /** Record ids (snapshot objects, or requests) as buttons that show their raw records. */
  private objectButtons(ids: readonly string[], testid = "node-object", title = "Show the raw record"): HTMLElement {
    return h(
      "span",
      { className: "refs" },
      ids.map((id) =>
        h(
          "button",
          {
            type: "button",
            className: "ref",
            "data-testid": testid,
            "data-id": id,
            title,
            onclick: () => this.o.onEvidence(id),
          },
          id.slice(0, 8),
        ),
      ),
    );
  }

  /** Marks the isolated pods (by key) on the canvas and in the node list. */
  setIsolated(keys: Set<string>): void {
    this.isolated = keys;
    this.mark("isolated", (key) => (keys.has(key) ? "true" : null));
  }

  /**
   * Marks the pods a responder outside Kordon terminated, isolated or
   * labelled (by key, with the words for what it did) on the canvas and in
   * the node list (`data-outside`).
   */
  setOutside(marks: Map<string, string>): void {
    this.outside = marks;
    this.mark("outside", (key) => marks.get(key) ?? null);
  }

  /** Toggles a class on the canvas nodes and a data attribute on the node list, by node key. */
  private mark(name: "isolated" | "outside", value: (key: string) => string | null): void {
    this.cy?.nodes().forEach((el) => {
      const n = this.nodeById(el.id());
      el.toggleClass(name, !!n?.key && value(n.key) !== null);
    });
    for (const b of this.list.querySelectorAll<HTMLElement>("[data-testid='graph-node-item']")) {
      const n = this.nodeById(b.dataset.id ?? "");
      const v = n?.key ? value(n.key) : null;
      if (v !== null) b.dataset[name] = v;
      else delete b.dataset[name];
    }
    this.refreshSide();
  }

  /** Redraws the open side panel (its node's verdict changed). */
  refreshSide(): void {
    if (this.selected) this.renderSide(this.selected);
  }

  private async loadEntity(id: string, box: HTMLElement, quiet = false) {
    const token = ++this.entityToken;
    box.append(h("p", { className: "muted small" }, "Loading attributes…"));
    let info: EntityInfo;
    try {
      info = await this.o.backend.entity(id);
    } catch (e) {
      // Quiet: a node the case does not hold as an entity simply has no attributes.
      const silent = quiet && toBackendError(e).code === "not_found";
      if (token === this.entityToken) {
        clear(box);
        if (!silent) box.append(emptyNote("Attributes could not be read."));
      }
      if (!silent) this.o.onError(e);
      return;
    }
    if (token !== this.entityToken) return;
    clear(box);
    const dl = h("dl", { className: "kv", "data-testid": "entity-attrs" });
    dl.append(h("dt", null, "Events"), h("dd", null, String(info.events)));
    for (const [k, v] of Object.entries(info.attrs ?? {})) {
      dl.append(h("dt", null, k), h("dd", { className: "wrap mono small" }, typeof v === "string" ? v : JSON.stringify(v)));
    }
    box.append(h("h3", null, "Attributes"), dl);
  }

  async expand(id: string): Promise<void> {
    this.expanded.add(id);
    if (this.selected === id) this.selected = null;
    await this.load();
  }

  /** Moves the viewport (used by the panning measurement). */
  panBy(dx: number, dy: number): void {
    this.cy?.panBy({ x: dx, y: dy });
  }

  /** Where the view is panned to (rendered pixels); null before the graph is drawn. */
  pan(): { x: number; y: number } | null {
    return this.cy ? { ...this.cy.pan() } : null;
  }

  fit(): void {
    const cy = this.cy;
    if (!cy) return;
    cy.fit(cy.elements(":visible"), FIT_PADDING);
    if (cy.zoom() > FIT_MAX_ZOOM) {
      cy.zoom(FIT_MAX_ZOOM);
      cy.center(cy.elements(":visible"));
    }
    this.updateLandmarks();
  }

  /**
   * Zoomed out past readable labels, the most telling nodes keep theirs at
   * a readable size where they do not cover each other (graph/landmarks.ts);
   * zoomed in, every label is drawn as usual.
   */
  private updateLandmarks(): void {
    const cy = this.cy;
    if (!cy || this.o.headless || !this.graph) return;
    const zoom = cy.zoom();
    const scale = this.o.presentation() ? PRESENTATION_SCALE : 1;
    const want = new Set<string>();
    if (LABEL_FONT * scale * zoom < MIN_DRAWN_PX) {
      const byId = new Map(this.graph.nodes.map((n) => [n.id, n]));
      const cands: LandmarkCandidate[] = [];
      cy.nodes(":visible").forEach((el) => {
        const n = byId.get(el.id());
        if (!n) return;
        const p = el.renderedPosition();
        cands.push({ id: n.id, x: p.x, y: p.y, radius: el.renderedWidth() / 2, label: String(el.data("label") ?? ""), weight: landmarkWeight(n, this.path.nodes.has(n.id)) });
      });
      for (const id of pickLandmarks(cands, LANDMARK_PX * scale, { width: cy.width(), height: cy.height() })) want.add(id);
    }
    cy.batch(() => {
      for (const id of this.landmarks) if (!want.has(id)) cy.getElementById(id).removeClass("landmark").removeStyle("font-size");
      for (const id of want) cy.getElementById(id).addClass("landmark").style("font-size", (LANDMARK_PX * scale) / zoom);
    });
    this.landmarks = want;
  }

  zoom(factor: number): void {
    const cy = this.cy;
    if (!cy) return;
    cy.zoom({ level: cy.zoom() * factor, renderedPosition: { x: cy.width() / 2, y: cy.height() / 2 } });
  }

  /** Lays out the visible nodes again (compact after filtering). */
  relayout(): void {
    if (!this.cy || !this.graph || !this.filter) return;
    const vis = visibleElements(this.graph, this.filter);
    const lay = this.computeLayout(this.graph, vis.nodes);
    this.layout = lay;
    const cy = this.cy;
    const byId = new Map(this.graph.nodes.map((n) => [n.id, n]));
    cy.batch(() => {
      for (const [id, p] of lay.positions) {
        const el = cy.getElementById(id);
        el.position(p);
        const n = byId.get(id);
        if (n) el.data("label", nodeLabel(n, this.budget));
      }
    });
    this.fit();
  }

  togglePlay(): void {
    if (this.playTimer) {
      this.stopPlay();
      return;
    }
    if (Number(this.slider.value) >= SLIDER_MAX) this.slider.value = "0";
    this.onSlider();
    this.playButton.textContent = "❚❚ Pause";
    this.playTimer = setInterval(() => {
      const v = Math.min(SLIDER_MAX, Number(this.slider.value) + 5);
      this.slider.value = String(v);
      this.onSlider();
      if (v >= SLIDER_MAX) this.stopPlay();
    }, 50);
  }

  private stopPlay() {
    if (this.playTimer) clearInterval(this.playTimer);
    this.playTimer = null;
    this.playButton.textContent = "▶ Play";
  }

  /** Presentation mode: larger labels, laid out again so that they still fit. */
  setPresentation(on: boolean): void {
    if (!this.cy || !this.graph) return;
    const style = cyStyle({ presentation: on, dark: prefersDark(), large: this.graph.nodes.length > LARGE });
    this.cy.style(style as unknown as StylesheetJson);
    this.relayout();
  }

  /** Called when the tab becomes visible: the canvas may have had no size. */
  shown(): void {
    if (this.o.headless) return;
    this.fillHeight();
    if (!this.cy) return;
    this.cy.resize();
    this.fit();
  }

  /** The window or the page around the graph changed (focus mode, a drawer). */
  relayoutRoom(): void {
    this.stageResized();
  }

  destroy(): void {
    window.removeEventListener("resize", this.onWindowResize);
    this.observer?.disconnect();
    if (this.landmarkTimer) clearTimeout(this.landmarkTimer);
    if (this.resizeFrame) cancelAnimationFrame(this.resizeFrame);
    this.stopPlay();
    this.endPan?.();
    this.cy?.destroy();
    this.cy = null;
  }
}
