// The application shell: top bar, routing, error banner, import and capture
// flows, search, keyboard paths and presentation mode.
import { clear, h } from "./dom";
import { errorText, isBenign, toBackendError, type BackendError } from "./errors";
import { fmtTime } from "./format";
import { IDLE, importReducer, type ImportAction, type ImportState } from "./logic/importState";
import { DEFAULT_SORT } from "./logic/queue";
import { drawersFrom, type DrawerName } from "./logic/drawers";
import type { AppInfo, Backend, CaseInfo, DrawerPref, EventRow, IncidentRow, Preferences, TriageChange, Verification, Vocabulary } from "./types";
import { CaptureDialog } from "./views/capture";
import { emptyNote, rawRecordView, severityBadge } from "./views/common";
import { HardeningView } from "./views/hardening";
import { ImportPanel } from "./views/importPanel";
import { IncidentPage, TABS, type Tab } from "./views/incident";
import { QueueView, type QueueState } from "./views/queue";
import { reportMenu } from "./views/handoff";
import { renderStart } from "./views/start";

export type Route = { name: "start" } | { name: "queue" } | { name: "hardening" } | { name: "incident"; id: string; tab: Tab };

export interface AppOptions {
  /** Run Cytoscape without a canvas (tests in jsdom). */
  headlessGraph?: boolean;
}

export function parseRoute(hash: string): Route {
  const parts = hash.replace(/^#\/?/, "").split("/").filter(Boolean).map(decodeURIComponent);
  if (parts[0] === "queue") return { name: "queue" };
  if (parts[0] === "hardening") return { name: "hardening" };
  if (parts[0] === "incident" && parts[1]) {
    const tab = (TABS as string[]).includes(parts[2] ?? "") ? (parts[2] as Tab) : "graph";
    return { name: "incident", id: parts[1], tab };
  }
  return { name: "start" };
}

export function routeHash(r: Route): string {
  switch (r.name) {
    case "start":
      return "#/";
    case "queue":
      return "#/queue";
    case "hardening":
      return "#/hardening";
    case "incident":
      return `#/incident/${encodeURIComponent(r.id)}/${r.tab}`;
  }
}

const SEARCH_LIMIT = 100;

export class App {
  info: AppInfo | null = null;
  caseInfo: CaseInfo | null = null;
  incidents: IncidentRow[] = [];
  importState: ImportState = IDLE;
  route: Route = { name: "start" };
  presentation = false;
  /** The graph has the whole window (focus mode). */
  focus = false;
  readonly queueState: QueueState = { filter: { text: "", minSeverity: "" }, sort: { ...DEFAULT_SORT }, selected: null, checked: new Set() };
  vocabulary: Vocabulary | null = null;
  prefs: Preferences | null = null;
  verification: Verification | null = null;

  private readonly view: HTMLElement;
  private readonly bannerSlot: HTMLElement;
  private readonly caseLabel: HTMLElement;
  private readonly integrityBadge: HTMLButtonElement;
  private readonly investigatorLabel: HTMLElement;
  private verifyToken = 0;
  private readonly searchInput: HTMLInputElement;
  private readonly searchPanel: HTMLElement;
  private readonly dropOverlay: HTMLElement;
  private readonly navQueue: HTMLButtonElement;
  private readonly navHardening: HTMLButtonElement;
  private readonly captureButton: HTMLButtonElement;
  private captureDialog: CaptureDialog | null = null;
  private hardeningView: HardeningView | null = null;
  readonly importPanel: ImportPanel;
  private queueView: QueueView | null = null;
  private incidentPage: IncidentPage | null = null;
  private pendingG = 0;
  private unlistenDrop: (() => void) | null = null;
  private renderToken = 0;
  private drawerSave: ReturnType<typeof setTimeout> | null = null;
  /** An event to show once the incident page opened from a search hit has loaded. */
  private pendingEvidence: string | null = null;

  constructor(
    private readonly root: HTMLElement,
    private readonly backend: Backend,
    private readonly opts: AppOptions = {},
  ) {
    this.importPanel = new ImportPanel({
      runImport: (paths) => void this.runImport(paths),
      cancelImport: () => void this.cancelImport(),
      pickFiles: () => void this.pickAndImport("files"),
      pickFolder: () => void this.pickAndImport("folder"),
      capture: () => this.openCapture(),
    });
    this.caseLabel = h("span", { className: "case-label muted small", "data-testid": "case-label" });
    this.searchInput = h("input", {
      type: "search",
      placeholder: "Search the case  /",
      "aria-label": "Search the case",
      "data-testid": "search-input",
      onkeydown: ((e: KeyboardEvent) => {
        if (e.key === "Enter") {
          e.preventDefault();
          void this.runSearch(this.searchInput.value);
        }
      }) as EventListener,
    });
    this.integrityBadge = h(
      "button",
      {
        type: "button",
        className: "integrity nav small",
        "data-testid": "integrity-badge",
        hidden: true,
        title: "Check the activity log's hash chain and every imported file's SHA-256",
        onclick: () => void this.verify(true),
      },
      "",
    );
    this.investigatorLabel = h("span", { className: "muted small", "data-testid": "investigator" });
    this.navQueue = h("button", { type: "button", className: "nav", "data-testid": "nav-queue", onclick: () => this.navigate({ name: "queue" }) }, "Queue");
    this.navHardening = h(
      "button",
      {
        type: "button",
        className: "nav",
        "data-testid": "hardening-case",
        title: "Hardening findings of the whole case, from its snapshot of the cluster",
        onclick: () => this.navigate({ name: "hardening" }),
      },
      "Hardening",
    );
    this.captureButton = h(
      "button",
      {
        type: "button",
        className: "nav",
        "data-testid": "capture-open",
        title: "Capture a read-only snapshot of a cluster into the case",
        onclick: () => this.openCapture(),
      },
      "Capture from cluster…",
    );
    const header = h(
      "header",
      { className: "topbar" },
      h("button", { type: "button", className: "brand nav", onclick: () => this.navigate({ name: "start" }), title: "Start and import" }, "Kordon"),
      this.caseLabel,
      this.integrityBadge,
      this.navQueue,
      this.navHardening,
      this.captureButton,
      h("span", { className: "grow" }),
      this.investigatorLabel,
      this.searchInput,
      h(
        "button",
        {
          type: "button",
          className: "nav",
          "data-testid": "presentation-toggle",
          title: "Presentation mode (p): larger text and thicker lines",
          "aria-pressed": "false",
          onclick: () => this.togglePresentation(),
        },
        "Presentation",
      ),
      h(
        "details",
        { className: "keys" },
        h("summary", { title: "Keyboard" }, "Keys"),
        h(
          "dl",
          { className: "kv small" },
          [
            ["/", "search"],
            ["g q, Esc", "back to the queue"],
            ["j / k, Enter", "move in the queue, open"],
            ["1 2 3 4 5", "graph, evidence, timeline, triage, hardening"],
            ["x", "tick a queue row for a bulk change"],
            ["f", "fit the graph"],
            ["z", "focus: the graph alone (Esc leaves)"],
            ["p", "presentation mode"],
          ].map(([k, v]) => [h("dt", null, h("kbd", null, k!)), h("dd", null, v!)]),
        ),
      ),
    );
    this.bannerSlot = h("div", { className: "banner-slot", "aria-live": "assertive" });
    this.view = h("main", { className: "view", id: "view" });
    this.searchPanel = h("aside", { className: "search-panel", "data-testid": "search-panel", hidden: true });
    this.dropOverlay = h("div", { className: "drop-overlay", hidden: true }, h("p", null, "Drop to import into the case"));
    clear(root);
    root.append(header, this.bannerSlot, this.view, this.searchPanel, this.dropOverlay);
    this.updateChrome();
  }

  async start(): Promise<void> {
    document.addEventListener("keydown", this.onKey);
    window.addEventListener("popstate", this.onPopState);
    try {
      this.unlistenDrop = await this.backend.onFileDrop((ev) => {
        if (ev.type === "enter" || ev.type === "over") this.dropOverlay.hidden = !this.caseInfo;
        else this.dropOverlay.hidden = true;
        if (ev.type === "drop" && ev.paths.length) void this.runImport(ev.paths);
      });
    } catch {
      // No drag and drop outside the desktop app.
    }
    try {
      this.info = await this.backend.appInfo();
    } catch (e) {
      this.showError(e);
    }
    try {
      [this.vocabulary, this.prefs] = await Promise.all([this.backend.triageVocabulary(), this.backend.preferences()]);
    } catch (e) {
      this.showError(e);
    }
    this.navigate({ name: "start" }, true);
    if (this.info?.start_with_demo) await this.openDemo();
    else if (this.info?.current) await this.withCase(Promise.resolve(this.info.current), "queue");
  }

  destroy(): void {
    document.removeEventListener("keydown", this.onKey);
    window.removeEventListener("popstate", this.onPopState);
    this.unlistenDrop?.();
    this.incidentPage?.destroy();
    this.captureDialog?.close();
  }

  // ---- routing -------------------------------------------------------------

  navigate(route: Route, replace = false): void {
    if (route.name !== "start" && !this.caseInfo) route = { name: "start" };
    const hash = routeHash(route);
    try {
      if (replace) history.replaceState(null, "", hash);
      else if (location.hash !== hash) history.pushState(null, "", hash);
    } catch {
      // history may be unavailable (sandboxed documents)
    }
    this.render(route);
  }

  private readonly onPopState = () => this.render(this.caseInfo ? parseRoute(location.hash) : { name: "start" });

  private setReady(v: string) {
    if (v) document.body.dataset.ready = v;
    else delete document.body.dataset.ready;
  }

  private render(route: Route, reload = false): void {
    const token = ++this.renderToken;
    // Same incident, other tab: switch in place.
    if (!reload && route.name === "incident" && this.route.name === "incident" && this.route.id === route.id && this.incidentPage) {
      this.route = route;
      this.incidentPage.selectTab(route.tab, false);
      return;
    }
    this.route = route;
    this.setFocus(false);
    this.incidentPage?.destroy();
    this.incidentPage = null;
    this.queueView = null;
    this.hardeningView = null;
    clear(this.view);
    this.setReady("");
    this.updateChrome();
    switch (route.name) {
      case "start":
        this.view.append(
          renderStart(
            {
              openDemo: () => void this.openDemo(),
              pickAndOpenCase: () => void this.pickAndOpenCase(),
              pickAndCreateCase: () => void this.pickAndCreateCase(),
              openRecent: (p) => void this.openCase(p),
              closeCase: () => void this.closeCase(),
              goQueue: () => this.navigate({ name: "queue" }),
              setInvestigator: (name) => this.setInvestigator(name),
              handoff: { backend: this.backend, onError: (e) => this.showError(e), onNotice: (t) => this.showNotice(t) },
              archiveOpened: (o) => this.withCase(Promise.resolve(o.info), "queue"),
            },
            this.info,
            this.caseInfo,
            this.importPanel.el,
            this.prefs,
          ),
        );
        this.importPanel.update(this.importState);
        this.setReady("start");
        break;
      case "queue": {
        const q = new QueueView(this.incidents, this.queueState, {
          open: (id) => this.navigate({ name: "incident", id, tab: "graph" }),
          vocabulary: this.vocabulary,
          bulk: (ids, change) => this.bulkChange(ids, change),
          report: this.incidents.length ? reportMenu({ backend: this.backend, onError: (e) => this.showError(e), onNotice: (t) => this.showNotice(t) }, null) : undefined,
        });
        this.queueView = q;
        const box = h(
          "details",
          { className: "import-box", open: this.importState.status === "running" || this.importState.status === "failed" },
          h("summary", { "data-testid": "import-toggle" }, "Import evidence"),
          this.importPanel.el,
        );
        this.view.append(q.el, box);
        this.importPanel.update(this.importState);
        this.setReady("queue");
        break;
      }
      case "incident": {
        const page = new IncidentPage({
          backend: this.backend,
          id: route.id,
          tab: route.tab,
          headlessGraph: !!this.opts.headlessGraph,
          presentation: () => this.presentation,
          onError: (e) => this.showError(e),
          onTab: (tab) => {
            if (tab !== "graph") this.setFocus(false);
            if (this.route.name === "incident") this.navigate({ name: "incident", id: this.route.id, tab });
          },
          onReady: () => {
            if (token === this.renderToken) this.setReady("incident");
          },
          onTriageChanged: () => void this.afterTriage(),
          onCapture: () => this.openCapture(),
          onImport: () => void this.pickAndImport("files"),
          drawers: drawersFrom(this.prefs?.drawers),
          onDrawer: (name, state) => this.saveDrawer(name, state),
          onFocus: () => this.setFocus(!this.focus),
          onNotice: (t) => this.showNotice(t),
          onPlaybookLoaded: (t) => {
            this.showNotice(t);
            if (this.route.name === "incident") this.render(this.route, true);
          },
        });
        this.incidentPage = page;
        this.view.append(page.el);
        const show = this.pendingEvidence;
        this.pendingEvidence = null;
        void page.load().then(() => {
          if (show && this.incidentPage === page) void page.showEvidence(show);
        });
        break;
      }
      case "hardening": {
        const v = new HardeningView({
          backend: this.backend,
          incident: null,
          onError: (e) => this.showError(e),
          onCapture: () => this.openCapture(),
          onImport: () => void this.pickAndImport("files"),
        });
        this.hardeningView = v;
        this.view.append(
          h(
            "section",
            { className: "hardening-page", "data-testid": "hardening-page" },
            h(
              "div",
              { className: "row" },
              h("button", { type: "button", "data-testid": "hardening-back", title: "Back to the queue (Esc)", onclick: () => this.navigate({ name: "queue" }) }, "← Queue"),
              h("h1", { className: "grow" }, "Hardening: the whole case"),
            ),
            h(
              "p",
              { className: "hint" },
              "What the case's snapshot of the cluster says about its defences, for every workload in it. An incident's Hardening tab narrows this to its identities, pods and namespaces.",
            ),
            v.el,
          ),
        );
        void v.load().then(() => {
          if (token === this.renderToken) this.setReady("hardening");
        });
        break;
      }
    }
  }

  private updateChrome() {
    this.caseLabel.textContent = this.caseInfo ? this.caseInfo.name : "no case open";
    this.investigatorLabel.textContent = this.prefs ? `as ${this.prefs.investigator_in_effect}` : "";
    this.integrityBadge.hidden = !this.caseInfo;
    this.navQueue.disabled = !this.caseInfo;
    this.navQueue.setAttribute("aria-current", this.route.name === "queue" ? "page" : "false");
    this.navHardening.hidden = !this.caseInfo;
    this.navHardening.setAttribute("aria-current", this.route.name === "hardening" ? "page" : "false");
    this.captureButton.hidden = !this.caseInfo;
  }

  // ---- banner ----------------------------------------------------------------

  showError(e: unknown, context?: "import"): BackendError {
    const err = toBackendError(e);
    clear(this.bannerSlot);
    this.bannerSlot.append(
      h(
        "div",
        { className: `banner ${isBenign(err) ? "info" : "error"}`, role: "alert", "data-testid": "error-banner", "data-code": err.code },
        h("span", { className: "grow" }, errorText(err, context)),
        h("code", { className: "small muted" }, err.code),
        h("button", { type: "button", "aria-label": "Dismiss", onclick: () => this.clearBanner() }, "×"),
      ),
    );
    return err;
  }

  /** Says what was done (a report or an archive saved), where errors are said. */
  showNotice(text: string): void {
    clear(this.bannerSlot);
    this.bannerSlot.append(
      h(
        "div",
        { className: "banner info", role: "status", "data-testid": "notice-banner" },
        h("span", { className: "grow wrap" }, text),
        h("button", { type: "button", "aria-label": "Dismiss", onclick: () => this.clearBanner() }, "×"),
      ),
    );
  }

  clearBanner(): void {
    clear(this.bannerSlot);
  }

  // ---- cases -----------------------------------------------------------------

  private async withCase(p: Promise<CaseInfo>, then: "queue" | "start"): Promise<void> {
    this.setReady("");
    try {
      this.caseInfo = await p;
      this.incidents = await this.backend.listIncidents();
    } catch (e) {
      this.showError(e);
      this.render(this.route.name === "start" ? { name: "start" } : this.route);
      return;
    }
    this.clearBanner();
    this.importState = IDLE;
    this.queueState.selected = null;
    this.queueState.checked.clear();
    this.navigate({ name: then });
    void this.verify(false);
  }

  // ---- integrity and triage ------------------------------------------------------

  /** Checks the case (log chain, file hashes) and shows the result in the badge. */
  async verify(explain: boolean): Promise<void> {
    const token = ++this.verifyToken;
    const b = this.integrityBadge;
    b.dataset.state = "checking";
    b.textContent = "Integrity: checking…";
    let v: Verification;
    try {
      v = await this.backend.verifyCase();
    } catch (e) {
      if (token !== this.verifyToken) return;
      b.dataset.state = "error";
      b.textContent = "Integrity: not checked";
      this.showError(e);
      return;
    }
    if (token !== this.verifyToken) return;
    this.verification = v;
    b.dataset.state = v.ok ? "ok" : "failed";
    b.textContent = v.ok ? "Integrity: verified" : "Integrity: FAILED";
    b.title = v.ok ? verifiedText(v) : v.problems.join("\n");
    if (!v.ok) this.showError({ code: "bad_case", message: `This case fails verification: ${v.problems[0] ?? "unknown problem"}` });
    else if (explain) this.clearBanner();
  }

  /** After a triage change on the incident page: the queue and the badge follow. */
  private async afterTriage(): Promise<void> {
    try {
      this.incidents = await this.backend.listIncidents();
    } catch (e) {
      this.showError(e);
    }
    void this.verify(false);
  }

  async bulkChange(ids: string[], change: TriageChange): Promise<boolean> {
    try {
      await this.backend.triageBulk(ids, change);
    } catch (e) {
      // Refused whole: nothing changed.
      this.showError(e);
      return false;
    }
    this.clearBanner();
    try {
      this.incidents = await this.backend.listIncidents();
      this.queueView?.setRows(this.incidents);
    } catch (e) {
      this.showError(e);
    }
    void this.verify(false);
    return true;
  }

  async setInvestigator(name: string): Promise<void> {
    try {
      this.prefs = await this.backend.setInvestigator(name);
    } catch (e) {
      this.showError(e);
      return;
    }
    this.clearBanner();
    this.updateChrome();
    if (this.route.name === "start") this.render(this.route);
  }

  openDemo(): Promise<void> {
    return this.withCase(this.backend.openDemo(), "queue");
  }

  openCase(path: string): Promise<void> {
    return this.withCase(this.backend.openCase(path), "queue");
  }

  async pickAndOpenCase(): Promise<void> {
    try {
      const path = await this.backend.pickCaseToOpen();
      if (path) await this.openCase(path);
    } catch (e) {
      this.showError(e);
    }
  }

  async pickAndCreateCase(): Promise<void> {
    try {
      const path = await this.backend.pickCaseToCreate();
      if (path) await this.withCase(this.backend.createCase(path), "start");
    } catch (e) {
      this.showError(e);
    }
  }

  async closeCase(): Promise<void> {
    try {
      await this.backend.closeCase();
    } catch (e) {
      this.showError(e);
      return;
    }
    this.caseInfo = null;
    this.incidents = [];
    this.importState = IDLE;
    this.verification = null;
    this.verifyToken++;
    try {
      this.info = await this.backend.appInfo();
    } catch {
      // keep the old list
    }
    this.navigate({ name: "start" });
  }

  // ---- import ----------------------------------------------------------------

  private dispatch(a: ImportAction) {
    this.importState = importReducer(this.importState, a);
    this.importPanel.update(this.importState);
  }

  async runImport(paths: string[]): Promise<void> {
    if (!this.caseInfo) {
      this.showError({ code: "no_case", message: "Open or create a case before importing." });
      return;
    }
    if (this.importState.status === "running") return;
    this.clearBanner();
    this.dispatch({ type: "start", paths });
    let report;
    try {
      report = await this.backend.importPaths(paths, (p) => this.dispatch({ type: "progress", progress: p }));
    } catch (e) {
      // The case is unchanged: keep the queue as it is.
      const err = this.showError(e, "import");
      this.dispatch({ type: "failed", error: { code: err.code, message: err.message } });
      return;
    }
    this.dispatch({ type: "done", report });
    await this.afterCaseChanged();
    // An import may have brought snapshot objects: findings shown are read again.
    if (this.hardeningView?.loaded) void this.hardeningView.load();
    this.incidentPage?.reloadHardening();
  }

  /** After an import or a capture: the queue, the integrity badge and the case's figures follow. */
  private async afterCaseChanged(): Promise<void> {
    try {
      this.incidents = await this.backend.listIncidents();
    } catch (e) {
      this.showError(e);
      return;
    }
    this.queueView?.setRows(this.incidents);
    void this.verify(false);
    try {
      this.caseInfo = await this.backend.caseInfo();
    } catch {
      // The figures are only shown on the start screen; keep the old ones.
    }
  }

  // ---- capture from a cluster ------------------------------------------------------

  /** Opens "Capture from cluster…"; from an incident, its pods' logs are prefilled. */
  openCapture(): void {
    if (!this.caseInfo) {
      this.showError({ code: "no_case", message: "Open or create a case before capturing: the snapshot is imported into it." });
      return;
    }
    if (this.captureDialog) return;
    const page = this.route.name === "incident" ? this.incidentPage : null;
    const d: CaptureDialog = new CaptureDialog({
      backend: this.backend,
      pods: page?.pods ?? [],
      incident: this.route.name === "incident" ? this.route.id : null,
      onDone: () => void this.afterCapture(),
      onFindings: () => this.navigate({ name: "hardening" }),
      onClose: () => {
        d.el.remove();
        if (this.captureDialog === d) this.captureDialog = null;
      },
    });
    this.captureDialog = d;
    document.body.append(d.el);
    void d.open();
  }

  /** The dialog open now (for tests). */
  get capture(): CaptureDialog | null {
    return this.captureDialog;
  }

  /** After a capture was imported: as after an import, and the page shown is read again. */
  private async afterCapture(): Promise<void> {
    this.clearBanner();
    await this.afterCaseChanged();
    if (this.route.name === "incident" || this.route.name === "hardening") this.render(this.route, true);
  }

  async cancelImport(): Promise<void> {
    this.dispatch({ type: "cancel" });
    try {
      await this.backend.cancelImport();
    } catch (e) {
      this.showError(e);
    }
  }

  private async pickAndImport(kind: "files" | "folder"): Promise<void> {
    try {
      const paths =
        kind === "files" ? await this.backend.pickImportFiles() : [await this.backend.pickImportFolder()].filter((p): p is string => !!p);
      if (paths.length) await this.runImport(paths);
    } catch (e) {
      this.showError(e);
    }
  }

  // ---- search ----------------------------------------------------------------

  async runSearch(text: string): Promise<void> {
    const q = text.trim();
    if (!q) return;
    if (!this.caseInfo) {
      this.showError({ code: "no_case", message: "Open a case to search it." });
      return;
    }
    let rows: EventRow[];
    try {
      rows = await this.backend.search(q, SEARCH_LIMIT);
    } catch (e) {
      this.showError(e);
      return;
    }
    const raw = h("div", { className: "raw-pane" });
    const list = h(
      "ul",
      { className: "search-results", "aria-label": "Search results" },
      rows.map((r) =>
        h(
          "li",
          null,
          h(
            "button",
            {
              type: "button",
              className: "search-result",
              "data-testid": "search-result",
              "data-id": r.id,
              onclick: async () => {
                clear(raw);
                try {
                  raw.append(rawRecordView(await this.backend.eventRaw(r.id)));
                } catch (e) {
                  raw.append(emptyNote("The raw record could not be read."));
                  this.showError(e);
                }
              },
            },
            h("span", { className: "mono small" }, fmtTime(r.time)),
            " ",
            severityBadge(r.severity),
            " ",
            h("span", { className: "muted small" }, r.source),
            " ",
            r.title,
          ),
          this.searchIncident(r),
        ),
      ),
    );
    clear(this.searchPanel);
    this.searchPanel.append(
      h(
        "div",
        { className: "row" },
        h("h2", { className: "grow" }, `“${q}”: ${rows.length}${rows.length >= SEARCH_LIMIT ? "+" : ""} events`),
        h("button", { type: "button", "aria-label": "Close the search", onclick: () => this.closeSearch() }, "×"),
      ),
      rows.length ? list : emptyNote("Nothing matches: every word must appear."),
      raw,
    );
    this.searchPanel.hidden = false;
  }

  /** Which incident a hit belongs to, as a link that opens it on that event. */
  private searchIncident(r: EventRow): HTMLElement {
    if (!r.incident) return h("span", { className: "muted small search-incident", "data-testid": "search-result-context" }, "in no incident (not a signal)");
    const id = r.incident;
    const title = this.incidents.find((i) => i.id === id)?.title;
    return h(
      "button",
      {
        type: "button",
        className: "link small search-incident",
        "data-testid": "search-result-incident",
        "data-incident": id,
        title: "Open the incident on this event",
        onclick: () => {
          this.closeSearch();
          this.pendingEvidence = r.id;
          this.navigate({ name: "incident", id, tab: "evidence" });
        },
      },
      `${id}${title ? ` · ${title}` : ""} ›`,
    );
  }

  closeSearch(): void {
    this.searchPanel.hidden = true;
  }

  // ---- drawers and focus -------------------------------------------------------

  /** Remembers a drawer (per user, in the core's preferences), a moment after the last change. */
  private saveDrawer(name: DrawerName, state: DrawerPref): void {
    const drawers = { ...(this.prefs?.drawers ?? {}), [name]: state };
    if (this.prefs) this.prefs = { ...this.prefs, drawers };
    if (this.drawerSave) clearTimeout(this.drawerSave);
    this.drawerSave = setTimeout(() => {
      this.drawerSave = null;
      this.backend.setDrawers(drawers).then(
        (p) => (this.prefs = p),
        (e) => this.showError(e),
      );
    }, 300);
  }

  /** Focus mode: the incident's graph alone, over the whole window. */
  setFocus(on: boolean): void {
    if (on && (this.route.name !== "incident" || !this.incidentPage)) return;
    if (on === this.focus) return;
    this.focus = on;
    document.documentElement.classList.toggle("graph-focus", on);
    if (on) this.incidentPage?.selectTab("graph");
    this.root.querySelector("[data-testid='graph-focus']")?.setAttribute("aria-pressed", String(on));
    this.incidentPage?.graphView?.relayoutRoom();
  }

  // ---- presentation and keys ---------------------------------------------------

  togglePresentation(): void {
    this.presentation = !this.presentation;
    document.documentElement.classList.toggle("presentation", this.presentation);
    this.root.querySelector("[data-testid='presentation-toggle']")?.setAttribute("aria-pressed", String(this.presentation));
    this.incidentPage?.setPresentation(this.presentation);
  }

  private readonly onKey = (e: KeyboardEvent): void => {
    if (e.defaultPrevented || e.ctrlKey || e.metaKey || e.altKey) return;
    // A modal dialog has the keyboard (it handles its own Escape).
    if (this.captureDialog) return;
    const t = e.target as HTMLElement | null;
    const editing = !!t && (t.tagName === "INPUT" || t.tagName === "TEXTAREA" || t.tagName === "SELECT" || t.isContentEditable);
    if (editing) {
      if (e.key === "Escape") {
        if (t === this.searchInput) this.closeSearch();
        t!.blur();
      }
      return;
    }
    const now = Date.now();
    const afterG = now - this.pendingG < 1500;
    this.pendingG = 0;
    switch (e.key) {
      case "/":
        e.preventDefault();
        this.searchInput.focus();
        return;
      case "g":
        this.pendingG = now;
        return;
      case "q":
        if (afterG) this.navigate({ name: "queue" });
        return;
      case "Escape":
        if (this.focus) this.setFocus(false);
        else if (!this.searchPanel.hidden) this.closeSearch();
        else if (this.route.name === "incident" || this.route.name === "hardening") this.navigate({ name: "queue" });
        return;
      case "p":
        this.togglePresentation();
        return;
    }
    if (this.route.name === "incident" && this.incidentPage) {
      const i = ["1", "2", "3", "4", "5"].indexOf(e.key);
      if (i >= 0) this.incidentPage.selectTab(TABS[i]!);
      else if (e.key === "f") this.incidentPage.fitGraph();
      else if (e.key === "z") this.setFocus(!this.focus);
    } else if (this.route.name === "queue" && this.queueView) {
      if (e.key === "j") this.queueView.move(1);
      else if (e.key === "k") this.queueView.move(-1);
      else if (e.key === "x" && this.queueState.selected) this.queueView.toggleChecked(this.queueState.selected);
      else if (e.key === "Enter" && (!t || t === document.body || t.dataset.testid === "incident-row")) this.queueView.openSelected();
    }
  };

  /** For tests: the live incident page. */
  get page(): IncidentPage | null {
    return this.incidentPage;
  }
}

export function mountApp(root: HTMLElement, backend: Backend, opts: AppOptions = {}): App {
  const app = new App(root, backend, opts);
  void app.start();
  return app;
}

/** What a passed verification proved, and what it could not. */
export function verifiedText(v: Verification): string {
  const head = v.head ? ` Log head: ${v.head.row}:${v.head.hash}${v.head_checked ? " (the one this app saw last, still there)" : ""}.` : "";
  const limits = v.limits.length ? `\nNot proven: ${v.limits.join("; ")}.` : "";
  return `The activity log's ${v.activity_rows} rows chain correctly, the ${v.files_checked} imported files carry the SHA-256 and record counts their imports recorded, the events and entities add up to what the log committed to, triage, comments and playbooks are what the log records, and every reference in the case resolves.${head}${limits}`;
}
