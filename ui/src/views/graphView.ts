// Graph tab: Cytoscape canvas with the layered layout, filters, replay slider,
// tooltip, accessible node list and the side panel of the selected node.
import type { Core, EventObject, NodeSingular, StylesheetJson } from "cytoscape";
import { clear, h } from "../dom";
import { toBackendError } from "../errors";
import { fmtMs, fmtTime, parseTime } from "../format";
import { layeredLayout, type LayoutResult } from "../graph/layout";
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
  replayRange,
  toElements,
  tooltipLines,
  visibleElements,
  type GraphFilter,
} from "../graph/model";
import { CONTEXT_COLOR, tacticColor, tacticName } from "../tactics";
import type { Backend, EntityInfo, EvidenceEvent, Graph, GraphEdge, GraphNode, IncidentRow } from "../types";
import { emptyNote, severityBadge, tacticChip } from "./common";

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
}

const SLIDER_MAX = 1000;
const LARGE = 300;

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

/** The same layout with its axes swapped (columns become rows). */
export function transposed(layout: LayoutResult): LayoutResult {
  const positions = new Map<string, { x: number; y: number }>();
  for (const [id, p] of layout.positions) positions.set(id, { x: p.y, y: p.x });
  return { ...layout, positions };
}

export function prefersDark(): boolean {
  return typeof matchMedia === "function" && matchMedia("(prefers-color-scheme: dark)").matches;
}

export class GraphView {
  readonly el: HTMLElement;
  readonly container: HTMLElement;
  private cy: Core | null = null;
  /** Ends a pan in progress (large graphs: see graph/snapshotPan.ts). */
  private endPan: (() => void) | null = null;
  /** Keys of the pods a Kordon isolation holds (shown on the nodes). */
  private isolated = new Set<string>();
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

  private readonly filters: HTMLElement;
  private readonly list: HTMLElement;
  private readonly listCount: HTMLElement;
  private readonly side: HTMLElement;
  private readonly tooltip: HTMLElement;
  private readonly slider: HTMLInputElement;
  private readonly sliderLabel: HTMLElement;
  private readonly playButton: HTMLButtonElement;
  private readonly status: HTMLElement;

  constructor(private readonly o: GraphViewOptions) {
    this.container = h("div", { id: "graph", className: "graph-canvas", "data-graph-ready": "false", "aria-label": "Incident graph" });
    this.tooltip = h("div", { className: "graph-tooltip", role: "tooltip", hidden: true });
    this.filters = h("div", { className: "graph-filters" });
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
      btn("Re-layout", "Lay the visible nodes out again", () => this.relayout(), "graph-relayout"),
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
    this.el = h(
      "div",
      { className: "graph-view" },
      toolbar,
      this.filters,
      h(
        "div",
        { className: "graph-body" },
        h(
          "details",
          { className: "node-list-box", open: false },
          h("summary", { "data-testid": "node-list-toggle" }, "Nodes ", this.listCount),
          this.list,
        ),
        h("div", { className: "graph-stage" }, this.container, this.tooltip),
        this.side,
      ),
    );
  }

  setEvidence(rows: EvidenceEvent[]): void {
    this.rows = rows;
    if (this.selected) this.renderSide(this.selected);
  }

  async load(): Promise<void> {
    const token = ++this.loadToken;
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
    await this.build(token);
    if (token !== this.loadToken) return;
    this.renderFilters();
    this.status.textContent = `${graph.nodes.length} nodes, ${graph.edges.length} edges`;
  }
  private computeLayout(graph: Graph, only?: Set<string>): LayoutResult {
    const nodes = graph.nodes
      .filter((n) => !only || only.has(n.id))
      .map((n) => ({ id: n.id, kind: n.kind, order: parseTime(n.first_seen) }));
    const edges = graph.edges.filter((e) => !only || (only.has(e.source) && only.has(e.target)));
    const layout = layeredLayout(nodes, edges);
    // The chain reads left to right; in a stage taller than wide it reads
    // top to bottom instead, so that fitting it does not shrink it to a strip.
    const stage = this.container;
    if (!this.o.headless && stage.clientHeight > stage.clientWidth) return transposed(layout);
    return layout;
  }

  private async build(token: number) {
    const graph = this.graph!;
    this.layout = this.computeLayout(graph);
    this.endPan?.();
    this.cy?.destroy();
    this.cy = null;
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
    const elements = toElements(graph, this.layout.positions);
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
          // Large graphs pan by moving a picture of themselves (graph/snapshotPan.ts).
          userPanningEnabled: !large,
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
    cy.on("dbltap", "node", (e: EventObject) => {
      const n = this.nodeById(e.target.id());
      if (n?.aggregated) void this.expand(n.id);
    });
    cy.on("tap", (e: EventObject) => {
      if (e.target === cy) this.clearSelection();
    });
    if (large) {
      cy.on("tapstart", (e: EventObject) => {
        const m = e.originalEvent;
        if (e.target !== cy || !(m instanceof MouseEvent) || m.button !== 0) return;
        this.endPan?.();
        this.endPan = startSnapshotPan({ container: this.container, panBy: (dx, dy) => cy.panBy({ x: dx, y: dy }) }, m.clientX, m.clientY);
      });
    }
    cy.on("mouseover", "node", (e: EventObject) => this.showTooltip(e.target as NodeSingular));
    cy.on("mouseout", "node", () => (this.tooltip.hidden = true));
    cy.on("viewport", () => (this.tooltip.hidden = true));
    this.applyVisibility();
    if (this.isolated.size) this.setIsolated(this.isolated);
    if (!this.o.headless) cy.fit(undefined, 30);
    if (this.selected && cy.getElementById(this.selected).nonempty()) this.selectNode(this.selected);
    else if (this.selected) this.clearSelection();
    this.container.dataset.graphReady = "true";
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
  }

  private clearSelection() {
    this.selected = null;
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
          const known = new Set(this.rows.map((r) => r.id));
          const objects = to ? [] : e.evidence.filter((id) => !known.has(id));
          return h(
            "li",
            { "data-testid": "node-grant", "data-edge": e.id },
            o
              ? h("button", { type: "button", className: "link", title: `Select ${o.label}`, onclick: () => this.selectNode(o.id) }, o.label)
              : h("span", null, to ? e.source : e.target),
            " ",
            h("span", { className: "verbs", "data-testid": "grant-verbs" }, to ? `can ${edgeVerbs(e) || "?"}` : `— ${edgeVerbs(e) || e.kind}`),
            to && e.evidence.length ? [" ", this.objectButtons(e.evidence.filter((id) => !n.evidence.includes(id)))] : "",
            objects.length ? [" ", this.objectButtons(objects)] : "",
          );
        }),
      ),
    );
  }

  /** Snapshot object ids as buttons that show their raw records. */
  private objectButtons(ids: readonly string[]): HTMLElement {
    return h(
      "span",
      { className: "refs" },
      ids.map((id) =>
        h(
          "button",
          {
            type: "button",
            className: "ref",
            "data-testid": "node-object",
            "data-id": id,
            title: "Show the raw record",
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
    this.cy?.nodes().forEach((el) => {
      const n = this.nodeById(el.id());
      el.toggleClass("isolated", !!n?.key && keys.has(n.key));
    });
    for (const b of this.list.querySelectorAll<HTMLElement>("[data-testid='graph-node-item']")) {
      const n = this.nodeById(b.dataset.id ?? "");
      if (n?.key && keys.has(n.key)) b.dataset.isolated = "true";
      else delete b.dataset.isolated;
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
    this.cy?.fit(this.cy.elements(":visible"), 30);
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
    const cy = this.cy;
    cy.batch(() => {
      for (const [id, p] of lay.positions) cy.getElementById(id).position(p);
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

  setPresentation(on: boolean): void {
    if (!this.cy || !this.graph) return;
    const style = cyStyle({ presentation: on, dark: prefersDark(), large: this.graph.nodes.length > LARGE });
    this.cy.style(style as unknown as StylesheetJson);
  }

  /** Called when the tab becomes visible: the canvas may have had no size. */
  shown(): void {
    if (!this.cy || this.o.headless) return;
    this.cy.resize();
    this.fit();
  }

  destroy(): void {
    this.stopPlay();
    this.endPan?.();
    this.cy?.destroy();
    this.cy = null;
  }
}
