// Hardening findings, for an incident (its tab) or the whole case (its own
// view): grouped by category with counts, filtered by severity, each with
// its evidence, the fix, and the snapshot objects behind it, whose raw
// records show beside the list. Without a snapshot in the case: how to get one.
import { clear, h } from "../dom";
import { toBackendError } from "../errors";
import { SEVERITIES } from "../format";
import { countsText, filterFindings, groupFindings, plural, severityCounts, type FindingFilter } from "../logic/hardening";
import type { Backend, Finding, Severity } from "../types";
import { emptyNote, richText, severityBadge, showRawRecord } from "./common";

export interface HardeningViewOptions {
  backend: Backend;
  /** The incident, or null for the whole case. */
  incident: string | null;
  onError: (e: unknown) => void;
  /** Opens "Capture from cluster…". */
  onCapture: () => void;
  /** The import's "Choose files…". */
  onImport: () => void;
}

export type HardeningState = "idle" | "loading" | "no-snapshot" | "none" | "ready" | "error";

export class HardeningView {
  readonly el: HTMLElement;
  private readonly toolbar: HTMLElement;
  private readonly list: HTMLElement;
  private readonly raw: HTMLElement;
  private findings: Finding[] = [];
  private readonly filter: FindingFilter = { minSeverity: "" };
  private loadToken = 0;
  private rawToken = 0;
  private selectedObject: string | null = null;
  private _state: HardeningState = "idle";

  constructor(private readonly o: HardeningViewOptions) {
    this.toolbar = h("div", { className: "row toolbar" });
    this.list = h("div", { className: "finding-list" });
    this.raw = h("aside", { className: "raw-pane", "data-testid": "hardening-raw", "aria-live": "polite" }, emptyNote("Select an object to see its raw record."));
    this.el = h(
      "div",
      { className: "hardening", "data-testid": "hardening", "data-state": "idle" },
      this.toolbar,
      h("div", { className: "hardening-body" }, this.list, this.raw),
    );
  }

  get state(): HardeningState {
    return this._state;
  }

  /** Whether findings were asked for (the incident tab loads on first view). */
  get loaded(): boolean {
    return this._state !== "idle";
  }

  private setState(s: HardeningState) {
    this._state = s;
    this.el.dataset.state = s;
  }

  async load(): Promise<void> {
    const token = ++this.loadToken;
    this.setState("loading");
    clear(this.toolbar);
    clear(this.list);
    this.list.append(h("p", { className: "muted" }, "Reading the snapshot…"));
    let findings: Finding[];
    try {
      findings = await this.o.backend.hardeningFindings(this.o.incident);
    } catch (e) {
      if (token !== this.loadToken) return;
      const err = toBackendError(e);
      clear(this.list);
      if (err.code === "not_found") {
        this.setState("no-snapshot");
        this.renderNoSnapshot();
      } else {
        this.setState("error");
        this.list.append(emptyNote("The hardening findings could not be read."));
        this.o.onError(err);
      }
      return;
    }
    if (token !== this.loadToken) return;
    this.findings = findings;
    this.setState(findings.length ? "ready" : "none");
    this.render();
  }

  private renderNoSnapshot() {
    this.raw.hidden = true;
    this.list.append(
      h(
        "section",
        { className: "panel hardening-empty", "data-testid": "hardening-empty" },
        h("h2", null, "No snapshot of the cluster in this case"),
        h(
          "p",
          null,
          "Hardening findings come from the cluster's objects: service accounts and their RBAC bindings, pods and their specs, namespaces, network policies and admission configuration. ",
          "Capture them read-only from the cluster, or import a ",
          h("code", null, "kubectl get -o json"),
          " export someone made. Reports of Trivy (",
          h("code", null, "trivy k8s --format json"),
          "), kube-bench (",
          h("code", null, "--json"),
          ") and Kubescape (",
          h("code", null, "--format json"),
          ") add their failed controls, merged with Kordon's own findings.",
        ),
        h(
          "div",
          { className: "row" },
          h("button", { type: "button", className: "primary", "data-testid": "hardening-capture", onclick: () => this.o.onCapture() }, "Capture from cluster…"),
          h("button", { type: "button", "data-testid": "hardening-import", onclick: () => this.o.onImport() }, "Import a kubectl export…"),
        ),
      ),
    );
  }

  private render() {
    this.raw.hidden = false;
    this.renderToolbar();
    clear(this.list);
    const scope = this.o.incident ? "this incident's identities, pods and namespaces" : "the case's snapshot";
    if (!this.findings.length) {
      this.list.append(
        h("p", { className: "empty", "data-testid": "hardening-none" }, `No hardening findings: none of the checks found a weakness in ${scope}.`),
      );
      return;
    }
    const shown = filterFindings(this.findings, this.filter);
    if (!shown.length) {
      this.list.append(emptyNote("No finding at this severity or above."));
      return;
    }
    for (const g of groupFindings(shown)) {
      const id = `finding-cat-${g.category}`;
      this.list.append(
        h(
          "section",
          { className: "finding-group", "aria-labelledby": id, "data-category": g.category },
          h(
            "h3",
            { id, className: "row", "data-testid": "finding-category", "data-category": g.category, "data-count": g.findings.length },
            h("span", null, g.name),
            h("span", { className: "count muted" }, `(${g.findings.length})`),
            h("span", { className: "muted small" }, countsText(g.counts)),
          ),
          g.findings.map((f) => this.card(f)),
        ),
      );
    }
  }

  private renderToolbar() {
    clear(this.toolbar);
    const counts = severityCounts(this.findings);
    const sev = h(
      "select",
      {
        "aria-label": "Lowest severity",
        "data-testid": "hardening-severity",
        onchange: (e: Event) => {
          this.filter.minSeverity = (e.target as HTMLSelectElement).value as Severity | "";
          this.render();
          this.toolbar.querySelector<HTMLElement>("[data-testid='hardening-severity']")?.focus();
        },
      },
      h("option", { value: "" }, "All severities"),
      [...SEVERITIES].reverse().map((s) => h("option", { value: s }, `${s === "critical" ? "critical" : `${s} and above`} (${this.atLeast(s)})`)),
    );
    sev.value = this.filter.minSeverity;
    this.toolbar.append(
      h("h2", { className: "grow" }, "Hardening findings"),
      h("span", { className: "muted small", "data-testid": "hardening-count" }, [plural(this.findings.length, "finding"), countsText(counts)].filter(Boolean).join(": ")),
      this.findings.length ? sev : "",
      h("button", { type: "button", "data-testid": "hardening-reload", title: "Read the findings again", onclick: () => void this.load() }, "Refresh"),
    );
  }

  private atLeast(s: Severity): number {
    return filterFindings(this.findings, { minSeverity: s }).length;
  }

  private card(f: Finding): HTMLElement {
    return h(
      "article",
      { className: `finding sev-border-${f.severity}`, "data-testid": "finding", "data-check": f.check, "data-severity": f.severity },
      h("header", { className: "row" }, severityBadge(f.severity), h("h4", { className: "grow" }, f.title)),
      h("p", { className: "small muted finding-sources", "data-testid": "finding-sources" }, `Found by ${f.sources.join(", ")}`),
      f.evidence.length ? h("ul", { className: "finding-evidence small" }, f.evidence.map((e) => h("li", null, richText(e)))) : null,
      h("p", { className: "fix" }, h("strong", null, "Fix: "), richText(f.remediation)),
      f.objects.length
        ? h(
            "div",
            { className: "row small finding-objects" },
            h("span", { className: "muted" }, f.objects.length === 1 ? "Object:" : "Objects:"),
            f.objects.map((id) =>
              h(
                "button",
                {
                  type: "button",
                  className: "ref",
                  "data-testid": "finding-object",
                  "data-id": id,
                  "aria-pressed": id === this.selectedObject ? "true" : "false",
                  title: "Show the object's raw record",
                  onclick: () => void this.showObject(id),
                },
                id,
              ),
            ),
          )
        : null,
    );
  }

  /** Shows the raw record of a snapshot object beside the list. */
  async showObject(id: string): Promise<void> {
    const token = ++this.rawToken;
    this.selectedObject = id;
    for (const b of this.list.querySelectorAll<HTMLElement>("[data-testid='finding-object']")) b.setAttribute("aria-pressed", b.dataset.id === id ? "true" : "false");
    await showRawRecord((x) => this.o.backend.eventRaw(x), id, this.raw, () => token === this.rawToken, (e) => this.o.onError(e));
  }
}
