// The incident page: header, attack story, recommended response, and the
// graph / evidence / timeline / triage / hardening tabs.
import { clear, h } from "../dom";
import { fmtTime } from "../format";
import type { Span } from "../logic/evidence";
import { podsOf } from "../logic/capture";
import { refsOf, storySteps, type EvidenceRef } from "../logic/story";
import type { ActionRow, Backend, Detail, EvidenceEvent, ExternalAction, GraphNode, IncidentRow, Triage } from "../types";
import { marksWords, onPod, podMarks } from "../logic/externalActions";
import type { DrawerName, Drawers } from "../logic/drawers";
import type { DrawerPref } from "../types";
import { ContainmentDialog, type ContainmentKind } from "./containment";
import { Drawer } from "./drawer";
import { emptyNote, richText, severityBadge, tacticChip, timeSpan } from "./common";
import { EvidenceView } from "./evidence";
import { externalActionsView, podOutsideView } from "./externalActions";
import { GraphView } from "./graphView";
import { HardeningView } from "./hardening";
import { TimelineView } from "./timeline";
import { PlaybookPanel } from "./playbook";
import { reportMenu } from "./handoff";
import { SocPanel } from "./soc";
import { TriagePanel } from "./triage";

export type Tab = "graph" | "evidence" | "timeline" | "triage" | "hardening";
export const TABS: Tab[] = ["graph", "evidence", "timeline", "triage", "hardening"];

export interface IncidentPageOptions {
  backend: Backend;
  id: string;
  tab: Tab;
  headlessGraph: boolean;
  presentation: () => boolean;
  onError: (e: unknown) => void;
  onTab: (tab: Tab) => void;
  onReady: () => void;
  /** After an accepted triage change (the queue follows it). */
  onTriageChanged?: (t: Triage) => void;
  /** "Capture from cluster…" (the hardening tab without a snapshot). */
  onCapture?: () => void;
  /** "Import a kubectl export…" (the import's file picker). */
  onImport?: () => void;
  /** How the investigator left the drawers, and where a change goes. */
  drawers?: Drawers;
  onDrawer?: (name: DrawerName, state: DrawerPref) => void;
  /** The graph's focus button. */
  onFocus?: () => void;
  /** Says what was done (the report saved), as a banner that is no error. */
  onNotice?: (text: string) => void;
  /** A playbook was loaded: the page is read again under it. */
  onPlaybookLoaded?: (text: string) => void;
}

export class IncidentPage {
  readonly el: HTMLElement;
  private tab: Tab;
  private graph: GraphView | null = null;
  private evidence: EvidenceView | null = null;
  private timeline: TimelineView | null = null;
  private triage: TriagePanel | null = null;
  private soc: SocPanel | null = null;
  /** The follow-up checklist's boxes and who ticked them, by item. */
  private followUps = new Map<string, { box: HTMLInputElement; who: HTMLElement }>();
  private hardening: HardeningView | null = null;
  private header: HTMLElement | null = null;
  private detail: Detail | null = null;
  private actions: ActionRow[] = [];
  /** What responders outside Kordon did to the incident's pods (Falco Talon). */
  private external: ExternalAction[] = [];
  private readonly actionsEl = h("section", { className: "panel cluster-actions", "data-testid": "cluster-actions" });
  /** Kept across header re-renders: a report being written keeps its status. */
  private readonly reportControl: HTMLElement;
  private dialog: ContainmentDialog | null = null;
  private playbook: PlaybookPanel | null = null;
  private readonly tabButtons = new Map<Tab, HTMLButtonElement>();
  private readonly panels = new Map<Tab, HTMLElement>();
  private destroyed = false;

  constructor(private readonly o: IncidentPageOptions) {
    this.reportControl = reportMenu({ backend: o.backend, onError: o.onError, onNotice: (t) => o.onNotice?.(t) }, o.id);
    this.tab = o.tab;
    this.el = h("div", { className: "incident-page" }, h("p", { className: "muted pad" }, `Loading ${o.id}…`));
  }

  async load(): Promise<void> {
    let detail: Detail;
    let rows: EvidenceEvent[];
    try {
      [detail, rows] = await Promise.all([this.o.backend.incidentDetail(this.o.id), this.o.backend.incidentEvidence(this.o.id)]);
    } catch (e) {
      if (this.destroyed) return;
      clear(this.el);
      this.el.append(emptyNote(`Incident ${this.o.id} could not be opened.`));
      this.o.onError(e);
      return;
    }
    if (this.destroyed) return;
    this.render(detail, rows);
    const triage = await this.triage?.load();
    if (this.destroyed) return;
    if (triage) this.showTriage(triage);
    await this.loadActions();
    if (this.destroyed) return;
    this.o.onReady();
    await this.graph?.load();
  }

  private showTriage(t: Triage) {
    this.soc?.update(t, this.triage?.vocabulary ?? null);
    this.playbook?.setOwner(t.owner);
    if (this.detail && this.header) this.header.replaceWith((this.header = this.headerView(this.detail.incident, t)));
    // The header may have grown: the graph below fills what is left.
    this.graph?.relayoutRoom();
    this.graph?.refreshSide();
    for (const [item, el] of this.followUps) {
      const tick = t.follow_up.find((x) => x.item === item);
      el.box.checked = tick?.done ?? false;
      el.who.textContent = tick?.done ? `done · ${tick.author} · ${fmtTime(tick.time)}` : "";
    }
  }

  /** A follow-up item's tick box: saved in the case and logged when changed. */
  private followUpBox(item: string): HTMLInputElement {
    const box = h("input", {
      type: "checkbox",
      "data-item": item,
      "data-testid": "follow-up-tick",
      onchange: () => void this.tickFollowUp(item, box.checked),
    }) as HTMLInputElement;
    const who = h("span", { className: "small muted follow-up-who", "data-testid": "follow-up-who" });
    this.followUps.set(item, { box, who });
    return box;
  }

  private followUpWho(item: string): HTMLElement | null {
    return this.followUps.get(item)?.who ?? null;
  }

  private async tickFollowUp(item: string, done: boolean) {
    try {
      const t = await this.o.backend.setFollowUp(this.o.id, item, done);
      if (this.destroyed) return;
      this.triage?.set(t);
      this.showTriage(t);
      this.o.onTriageChanged?.(t);
    } catch (e) {
      const el = this.followUps.get(item);
      if (el) el.box.checked = !done;
      this.o.onError(e);
    }
  }

  private headerView(inc: IncidentRow, t: Triage | null): HTMLElement {
    const v = this.triage?.vocabulary;
    const name = (list: { id: string; name: string }[] | undefined, id: string | null | undefined) =>
      (id && list?.find((x) => x.id === id)?.name) || id || "";
    const cls = v?.classifications.find((c) => c.id === t?.classification);
    const status = t?.status ?? inc.status;
    return h(
      "header",
      { className: "incident-header" },
      h(
        "div",
        { className: "row" },
        severityBadge(t?.severity_override ?? inc.severity),
        h("span", { className: "mono muted" }, inc.id),
        h("span", { className: `status status-${status}`, "data-testid": "incident-status", "data-status": status }, name(v?.statuses, status)),
        t?.classification
          ? h(
              "span",
              { className: "classification", "data-testid": "incident-classification" },
              `${name(v?.classifications, t.classification)} · ${name(cls?.determinations, t.determination)}`,
            )
          : null,
        t?.owner ? h("span", { className: "owner small" }, `owner ${t.owner}`) : null,
        (t?.tags ?? []).map((x) => h("span", { className: "chip tag" }, x)),
        (inc.clusters ?? []).length
          ? h("span", { className: "chip cluster", "data-testid": "incident-cluster", title: "The cluster its evidence comes from" }, `cluster ${(inc.clusters ?? []).join(", ")}`)
          : null,
        h("span", { className: "muted" }, timeSpan(inc.first_activity, inc.last_activity)),
        h("span", { className: "muted" }, `${inc.signals} signals`),
        h("span", { className: "grow" }),
        this.reportControl,
      ),
      h("h1", { "data-testid": "incident-title" }, inc.title),
      h("p", { className: "muted small" }, inc.severity_why),
      h("div", { className: "chips" }, inc.tactics.map((x) => tacticChip(x))),
    );
  }

  /** The incident's cluster actions: listed in the triage tab, marked on the graph. */
  private async loadActions(): Promise<void> {
    try {
      const got = await this.o.backend.incidentActions(this.o.id);
      this.actions = got.actions;
      this.external = got.external;
    } catch (e) {
      this.o.onError(e);
      this.actions = [];
      this.external = [];
    }
    if (this.destroyed) return;
    this.graph?.setIsolated(new Set(this.liveIsolations().map((a) => `${a.namespace}/${a.pod}`)));
    this.graph?.setOutside(new Map([...podMarks(this.external)].map(([pod, marks]) => [pod, marksWords(marks)])));
    this.renderActions();
  }

  private liveIsolations(): ActionRow[] {
    return this.actions.filter((a) => a.kind === "isolate" && a.state === "applied");
  }

  private renderActions() {
    clear(this.actionsEl);
    this.actionsEl.append(h("h2", null, `Cluster actions (${this.actions.length})`));
    if (!this.actions.length) {
      this.actionsEl.append(emptyNote("None yet: select a pod in the graph to isolate or terminate it."), ...this.externalPart());
      return;
    }
    this.actionsEl.append(
      h(
        "table",
        { className: "grid" },
        h("thead", null, h("tr", null, ["Action", "Kind", "Pod", "State", "By", "Updated", ""].map((x) => h("th", null, x)))),
        h(
          "tbody",
          null,
          [...this.actions].reverse().map((a) =>
            h(
              "tr",
              { "data-testid": "cluster-action", "data-id": a.id, "data-state": a.state, "data-kind": a.kind },
              h("td", { className: "mono small" }, a.id),
              h("td", null, a.kind),
              h("td", { className: "small" }, `${a.namespace}/${a.pod}`, h("div", { className: "muted mono" }, a.pod_uid)),
              h("td", null, h("strong", null, a.state)),
              h("td", { className: "small" }, a.actor, a.cluster_user ? h("div", { className: "muted" }, `as ${a.cluster_user} on ${a.context}`) : null),
              h("td", { className: "small nowrap" }, fmtTime(a.updated)),
              h(
                "td",
                null,
                a.kind === "isolate" && a.state === "applied"
                  ? h("button", { type: "button", "data-testid": "action-release", onclick: () => this.openDialog("release", `${a.namespace}/${a.pod}`, a) }, "Release…")
                  : null,
              ),
            ),
          ),
        ),
      ),
      ...this.externalPart(),
    );
  }

  /** What responders outside Kordon did, after Kordon's own actions (none: nothing). */
  private externalPart(): HTMLElement[] {
    return this.external.length ? [externalActionsView(this.external)] : [];
  }

  private openDialog(kind: ContainmentKind, pod: string, action?: ActionRow) {
    this.dialog?.el.remove();
    const d = new ContainmentDialog({
      backend: this.o.backend,
      kind,
      incident: this.o.id,
      pod,
      action,
      onDone: () => {
        void this.loadActions();
        void this.triage?.load().then((t) => t && this.o.onTriageChanged?.(t));
      },
      onClose: () => {
        d.el.remove();
        if (this.dialog === d) this.dialog = null;
      },
    });
    this.dialog = d;
    document.body.append(d.el);
    void d.open();
  }

  /** Isolate / terminate / release, and the isolated badge, for a pod node. */
  private containmentControls(n: GraphNode): HTMLElement | null {
    if (n.kind !== "pod" || !n.key || n.aggregated) return null;
    const pod = n.key;
    const held = this.liveIsolations().find((a) => `${a.namespace}/${a.pod}` === pod);
    const outside = onPod(this.external, pod);
    const controls = h(
      "div",
      { className: "containment row" },
      held ? h("span", { className: "badge isolated", "data-testid": "isolated-badge", title: `by ${held.id}` }, "isolated") : null,
      held
        ? h("button", { type: "button", "data-testid": "node-release", onclick: () => this.openDialog("release", pod, held) }, "Release…")
        : h("button", { type: "button", "data-testid": "node-isolate", onclick: () => this.openDialog("isolate", pod) }, "Isolate…"),
      h("button", { type: "button", className: "danger", "data-testid": "node-terminate", onclick: () => this.openDialog("terminate", pod) }, "Terminate…"),
    );
    return outside.length ? h("div", null, podOutsideView(outside), controls) : controls;
  }

  /** The verdict picker in the graph's side panel, for an entity node. */
  private verdictControl(n: GraphNode): HTMLElement | null {
    const t = this.triage?.state;
    const v = this.triage?.vocabulary;
    if (n.aggregated || !n.key || !t || !v || n.kind === "permission") return null;
    const current = t.verdicts.find((x) => x.entity_kind === n.kind && x.entity_key === n.key);
    const sel = h(
      "select",
      {
        "data-testid": "entity-verdict",
        "aria-label": "Verdict",
        onchange: async (e: Event) => {
          const verdict = (e.target as HTMLSelectElement).value;
          try {
            const next = await this.o.backend.setVerdict(this.o.id, n.id, verdict);
            this.triage?.set(next);
            this.showTriage(next);
            this.o.onTriageChanged?.(next);
          } catch (err) {
            this.o.onError(err);
            this.graph?.refreshSide();
          }
        },
      },
      v.verdicts.map((x) => h("option", { value: x.id }, x.name)),
    );
    sel.value = current?.verdict ?? "not-reviewed";
    return h(
      "label",
      { className: "field verdict" },
      h("span", { className: "muted small" }, "Verdict"),
      sel,
      current ? h("span", { className: "muted small" }, ` by ${current.author}, ${fmtTime(current.time)} UTC`) : null,
    );
  }

  private render(d: Detail, rows: EvidenceEvent[]) {
    this.followUps.clear();
    clear(this.el);
    this.detail = d;
    const inc = d.incident;
    const header = (this.header = this.headerView(inc, null));

    const brief = h("div", { className: "brief" }, this.storyView(d), this.recommendationView(d));
    const story = new Drawer({
      name: "story",
      title: "Story",
      side: "left",
      state: this.o.drawers?.story ?? { open: true, width: 320 },
      content: brief,
      onChange: (st) => this.o.onDrawer?.("story", st),
      onLayout: () => this.graph?.relayoutRoom(),
    });

    this.graph = new GraphView({
      backend: this.o.backend,
      incident: inc,
      headless: this.o.headlessGraph,
      presentation: this.o.presentation,
      onError: this.o.onError,
      onEvidence: (id) => void this.showEvidence(id),
      nodeExtras: (n) => {
        const c = this.containmentControls(n);
        const v = this.verdictControl(n);
        return c || v ? h("div", null, c, v) : null;
      },
      drawers: this.o.drawers,
      onDrawer: this.o.onDrawer,
      onFocus: this.o.onFocus,
      storySteps: d.story.steps,
      onSelect: (n) =>
        this.evidence?.setNode(n ? { id: n.id, label: n.label, evidence: new Set(n.evidence), total: n.evidence_count } : null),
      onHighlightCleared: () => {
        for (const b of this.el.querySelectorAll<HTMLElement>("[data-testid='story-step-show']")) b.setAttribute("aria-pressed", "false");
      },
    });
    this.graph.setEvidence(rows);
    this.triage = new TriagePanel({
      backend: this.o.backend,
      id: this.o.id,
      onError: this.o.onError,
      onChanged: (t) => {
        this.showTriage(t);
        this.o.onTriageChanged?.(t);
      },
    });
    this.soc = new SocPanel(d.soc ?? []);
    this.soc.update(null, null);
    this.evidence = new EvidenceView(rows, this.o.backend, this.o.onError, (span) => this.timeline?.showSpan(span));
    this.timeline = new TimelineView(
      rows,
      (span: Span | null) => {
        this.evidence?.setSpan(span);
        if (span) this.selectTab("evidence");
      },
      (id) => void this.showEvidence(id),
    );

    this.hardening = new HardeningView({
      backend: this.o.backend,
      incident: inc.id,
      onError: this.o.onError,
      onCapture: () => this.o.onCapture?.(),
      onImport: () => this.o.onImport?.(),
    });

    const tabs = h("div", { className: "tabs", role: "tablist", "aria-label": "Incident views" });
    const labels: Record<Tab, string> = { graph: "Graph", evidence: "Evidence", timeline: "Timeline", triage: "Triage", hardening: "Hardening" };
    const bodies: Record<Tab, HTMLElement> = {
      graph: this.graph.el,
      evidence: this.evidence.el,
      timeline: this.timeline.el,
      triage: h("div", null, h("div", { className: d.soc?.length ? "triage-with-soc" : "" }, this.triage.el, this.soc.el), this.actionsEl),
      hardening: this.hardening.el,
    };
    TABS.forEach((t, i) => {
      const b = h(
        "button",
        {
          type: "button",
          role: "tab",
          id: `tab-${t}`,
          "aria-controls": `panel-${t}`,
          "data-testid": `tab-${t}`,
          onclick: () => this.selectTab(t),
        },
        `${labels[t]} `,
        h("kbd", null, String(i + 1)),
      );
      this.tabButtons.set(t, b);
      tabs.append(b);
      this.panels.set(t, h("section", { role: "tabpanel", id: `panel-${t}`, "aria-labelledby": `tab-${t}`, className: "tab-panel" }, bodies[t]));
    });

    this.el.append(
      header,
      h("div", { className: "incident-body" }, story.el, h("div", { className: "tab-area" }, tabs, ...this.panels.values())),
    );
    this.selectTab(this.tab, false);
  }

  private refButtons(refs: EvidenceRef[]): HTMLElement {
    return h(
      "span",
      { className: "refs" },
      refs.map((r) =>
        h(
          "button",
          {
            type: "button",
            className: "ref",
            "data-testid": "evidence-ref",
            "data-id": r.id,
            title: r.title ? `${r.title} — show the raw record` : "Show the raw record",
            onclick: () => void this.showEvidence(r.id),
          },
          r.id.slice(0, 8),
        ),
      ),
    );
  }

  private storyView(d: Detail): HTMLElement {
    return h(
      "section",
      { className: "story", "data-testid": "story" },
      h("h2", null, "What happened"),
      h("p", { className: "lead" }, richText(d.story.lead)),
      h(
        "ol",
        { className: "steps" },
        storySteps(d).map((s) =>
          h(
            "li",
            { "data-testid": "story-step" },
            h(
              "div",
              { className: "row small" },
              h("span", { className: "mono muted" }, fmtTime(s.time).slice(11)),
              s.tactic ? tacticChip(s.tactic) : null,
              h("span", { className: "muted" }, s.sources.join(", ")),
            ),
            h("p", null, richText(s.text)),
            this.refButtons(s.refs),
            " ",
            s.refs.length
              ? h(
                  "button",
                  {
                    type: "button",
                    className: "link small show-step",
                    "data-testid": "story-step-show",
                    "aria-pressed": "false",
                    title: "Show this step's nodes and edges in the graph",
                    onclick: (e: Event) => this.showStep(e.currentTarget as HTMLButtonElement, s.refs.map((r) => r.id)),
                  },
                  "Show in graph",
                )
              : null,
          ),
        ),
      ),
    );
  }

  /** A story step's "Show in graph": its part of the path, or the whole story again. */
  private showStep(button: HTMLButtonElement, evidence: string[]) {
    const on = button.getAttribute("aria-pressed") !== "true";
    for (const b of this.el.querySelectorAll<HTMLElement>("[data-testid='story-step-show']")) b.setAttribute("aria-pressed", "false");
    button.setAttribute("aria-pressed", String(on));
    if (on) this.selectTab("graph");
    this.graph?.highlight(on ? evidence : null);
  }

  private recommendationView(d: Detail): HTMLElement {
    const r = d.recommendation;
    const t = r.target;
    return h(
      "section",
      { className: "recommendation", "data-testid": "recommendation" },
      h("h2", null, "Recommended response"),
      h(
        "div",
        { className: "row" },
        h("span", { className: `action action-${r.action}`, "data-testid": "rec-action" }, r.action),
        t?.pod ? h("span", null, "pod ", h("code", null, t.pod)) : null,
      ),
      t
        ? h(
            "dl",
            { className: "kv small" },
            t.uid ? [h("dt", null, "Pod UID"), h("dd", { className: "mono" }, t.uid)] : null,
            t.node ? [h("dt", null, "Node"), h("dd", null, t.node)] : null,
            t.owners.length ? [h("dt", null, "Owners"), h("dd", null, t.owners.join(" → "))] : null,
          )
        : null,
      h("p", { className: "headline" }, richText(r.headline)),
      r.playbook ? h("p", { className: "playbook-citation", "data-testid": "playbook-citation" }, richText(r.playbook.text)) : null,
      (r.playbook?.disagreements ?? []).map((x) =>
        h("p", { className: "small warnings", "data-testid": "playbook-disagreement" }, richText(x)),
      ),
      this.playbookView(d),
      h("h3", null, "Why"),
      h(
        "ul",
        { className: "reasons" },
        r.reasons.map((x) =>
          h(
            "li",
            null,
            h("span", { className: `favours favours-${x.favours}` }, x.favours === "both" ? "both" : `favours ${x.favours}`),
            " ",
            richText(x.text),
            " ",
            this.refButtons(refsOf(d, x.evidence)),
          ),
        ),
      ),
      h("h3", null, "Follow-up"),
      h(
        "ul",
        { className: "checklist" },
        r.follow_up.map((f) =>
          h(
            "li",
            { "data-testid": "follow-up", "data-item": f.item },
            h("label", null, this.followUpBox(f.item), " ", richText(f.text)),
            this.followUpWho(f.item),
            f.findings?.length
              ? h(
                  "ul",
                  { className: "follow-up-findings" },
                  f.findings.map((x) =>
                    h("li", { "data-testid": "follow-up-finding", "data-check": x.check }, severityBadge(x.severity), " ", x.title),
                  ),
                )
              : null,
          ),
        ),
      ),
    );
  }

  /** The playbook in force, who answers for the incident, the hand-off note. */
  private playbookView(d: Detail): HTMLElement | null {
    if (!d.playbook) return null;
    this.playbook = new PlaybookPanel(d.playbook, {
      backend: this.o.backend,
      incident: this.o.id,
      onError: this.o.onError,
      onLoaded: (text) => this.o.onPlaybookLoaded?.(text),
    }, d.incident.owner);
    return this.playbook.el;
  }

  selectTab(tab: Tab, notify = true): void {
    this.tab = tab;
    for (const [t, b] of this.tabButtons) {
      b.setAttribute("aria-selected", t === tab ? "true" : "false");
      b.tabIndex = t === tab ? 0 : -1;
    }
    for (const [t, p] of this.panels) p.hidden = t !== tab;
    if (tab === "graph") this.graph?.shown();
    // Findings are read when their tab is first shown.
    if (tab === "hardening" && this.hardening && !this.hardening.loaded) void this.hardening.load();
    if (notify) this.o.onTab(tab);
  }

  /** Jumps to an event in the evidence tab and shows its raw record. */
  async showEvidence(id: string): Promise<void> {
    this.selectTab("evidence");
    await this.evidence?.show(id);
  }

  fitGraph(): void {
    if (this.tab === "graph") this.graph?.fit();
  }

  setPresentation(on: boolean): void {
    this.graph?.setPresentation(on);
  }

  get graphView(): GraphView | null {
    return this.graph;
  }

  get triagePanel(): TriagePanel | null {
    return this.triage;
  }

  get evidenceView(): EvidenceView | null {
    return this.evidence;
  }

  get hardeningView(): HardeningView | null {
    return this.hardening;
  }

  /** The incident's pods (namespace/name), for the logs a capture keeps. */
  get pods(): string[] {
    return this.detail ? podsOf(this.detail.entities) : [];
  }

  /** Reads the findings again if they were shown (the case gained a snapshot). */
  reloadHardening(): void {
    if (this.hardening?.loaded) void this.hardening.load();
  }

  destroy(): void {
    this.destroyed = true;
    this.dialog?.el.remove();
    this.graph?.destroy();
  }
}
