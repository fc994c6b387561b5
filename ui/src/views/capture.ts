// "Capture from cluster…": choose a kubeconfig context (an exec plugin's
// command is shown and must be trusted), the namespaces, the pods whose logs
// to keep and whether ConfigMap data comes along; then the core lists the
// cluster into a Kordon bundle next to the case and imports it. Progress
// with Cancel (or Escape); the result per kind (a kind the cluster refused
// is flagged), the logs and the import summary.
import { clear, h } from "../dom";
import { toBackendError } from "../errors";
import { fmtBytes } from "../format";
import {
  CAPTURE_IDLE,
  captureErrorHint,
  captureFigures,
  captureFraction,
  captureHeading,
  captureReducer,
  captureRequest,
  emptyForm,
  failedKinds,
  formProblems,
  type CaptureAction,
  type CaptureForm,
  type CaptureState,
} from "../logic/capture";
import { defaultContext } from "../logic/kubeconfig";
import type { Backend, CaptureReport, CaptureResult, ContextInfo } from "../types";
import { emptyNote } from "./common";
import { summaryView } from "./importPanel";
import { contextInfoView, execTrustView, kubeconfigPicker, readContexts } from "./kubeContext";

export interface CaptureDialogOptions {
  backend: Backend;
  /** namespace/pod whose logs are prefilled (the incident's pods). */
  pods?: string[];
  /** The incident it was opened from, named in the title. */
  incident?: string | null;
  /** After a capture was imported into the case. */
  onDone: (result: CaptureResult) => void;
  /** Offered in the result: the case's hardening findings. */
  onFindings?: () => void;
  onClose: () => void;
}

export class CaptureDialog {
  readonly el: HTMLElement;
  private readonly body: HTMLElement;
  private readonly problem: HTMLElement;
  private readonly closeButton: HTMLButtonElement;
  private contexts: ContextInfo[] = [];
  private form: CaptureForm;
  private state: CaptureState = CAPTURE_IDLE;
  private startButton: HTMLButtonElement | null = null;
  private problemsList: HTMLElement | null = null;
  private closed = false;
  private readonly opener: Element | null;

  constructor(private readonly o: CaptureDialogOptions) {
    this.form = emptyForm(o.pods ?? []);
    this.opener = document.activeElement;
    this.problem = h("p", { className: "form-problem", "data-testid": "capture-error", role: "alert" });
    this.body = h("div", { className: "dialog-body" }, h("p", { className: "muted" }, "Reading the kubeconfig…"));
    this.closeButton = h(
      "button",
      { type: "button", "aria-label": "Close", title: "Close (Esc)", "data-testid": "capture-close", onclick: () => this.dismiss() },
      "×",
    );
    this.el = h(
      "div",
      { className: "modal-backdrop" },
      h(
        "section",
        { className: "modal capture", role: "dialog", "aria-modal": "true", "aria-label": "Capture from cluster", "data-testid": "capture-dialog" },
        h(
          "header",
          { className: "row" },
          h("h2", { className: "grow" }, o.incident ? `Capture from cluster (for ${o.incident})` : "Capture from cluster"),
          this.closeButton,
        ),
        h(
          "p",
          { className: "hint small" },
          "Lists the cluster's workloads, identities, RBAC, network and admission policies read-only into a Kordon bundle beside the case, then imports it. Nothing in the cluster changes.",
        ),
        this.body,
        this.problem,
      ),
    );
  }

  async open(): Promise<void> {
    document.addEventListener("keydown", this.onKey, true);
    await this.loadContexts(null);
  }

  /** The state of the capture (for tests). */
  get status(): CaptureState["status"] {
    return this.state.status;
  }

  private readonly onKey = (e: KeyboardEvent): void => {
    if (e.key !== "Escape" || this.closed) return;
    // The dialog has the keyboard: the app's Escape (back to the queue) must not run.
    e.preventDefault();
    e.stopPropagation();
    this.dismiss();
  };

  /** Escape and ×: cancel a running capture, else close. */
  private dismiss() {
    if (this.state.status === "running") void this.cancel();
    else this.close();
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    document.removeEventListener("keydown", this.onKey, true);
    this.o.onClose();
    if (this.opener instanceof HTMLElement && this.opener.isConnected) this.opener.focus();
  }

  private async loadContexts(kubeconfig: string | null): Promise<void> {
    this.clearProblem();
    this.contexts = await readContexts(this.o.backend, kubeconfig, (e) => this.fail(e));
    if (this.closed) return;
    this.form.kubeconfig = kubeconfig;
    this.form.context = defaultContext(this.contexts, this.form.context)?.name ?? null;
    this.form.trustExec = false;
    this.renderForm();
    this.body.querySelector<HTMLElement>("[data-testid='capture-context']")?.focus();
  }

  private fail(e: unknown) {
    const err = toBackendError(e);
    clear(this.problem);
    this.problem.append(err.message || err.code);
    const hint = captureErrorHint(err.code);
    if (hint) this.problem.append(h("span", { className: "hint-line" }, hint));
    this.problem.dataset.code = err.code;
  }

  private clearProblem() {
    clear(this.problem);
    delete this.problem.dataset.code;
  }

  private context(): ContextInfo | undefined {
    return this.contexts.find((c) => c.name === this.form.context);
  }

  private dispatch(a: CaptureAction) {
    this.state = captureReducer(this.state, a);
    this.el.querySelector("[data-testid='capture-dialog']")?.setAttribute("data-state", this.state.status);
  }

  // ---- the form --------------------------------------------------------------

  /** Enables Capture only when the form is complete; says what is missing. */
  private refreshStart() {
    const problems = formProblems(this.form, this.context());
    if (this.startButton) this.startButton.disabled = problems.length > 0;
    if (this.problemsList) {
      clear(this.problemsList);
      for (const p of problems) this.problemsList.append(h("li", null, p));
    }
  }

  private renderForm() {
    clear(this.body);
    const f = this.form;
    const ctx = this.context();
    const select = h(
      "select",
      {
        "data-testid": "capture-context",
        "aria-label": "Kubeconfig context",
        onchange: (e: Event) => {
          f.context = (e.target as HTMLSelectElement).value;
          f.trustExec = false;
          this.renderForm();
          this.body.querySelector<HTMLElement>("[data-testid='capture-context']")?.focus();
        },
      },
      this.contexts.map((c) => h("option", { value: c.name }, c.current ? `${c.name} (current)` : c.name)),
    );
    select.value = f.context ?? "";
    const choose = kubeconfigPicker({
      testid: "capture-kubeconfig",
      label: "Choose…",
      pick: () => this.o.backend.pickKubeconfig(),
      chosen: (path) => this.loadContexts(path),
      onError: (e) => this.fail(e),
    });
    const namespaces = h("input", {
      type: "text",
      "data-testid": "capture-namespaces",
      "aria-label": "Namespaces",
      placeholder: "all namespaces",
      spellcheck: "false",
      autocomplete: "off",
      value: f.namespaces,
      oninput: (e: Event) => {
        f.namespaces = (e.target as HTMLInputElement).value;
        this.refreshStart();
      },
    });
    const logs = h("textarea", {
      "data-testid": "capture-logs",
      "aria-label": "Pods whose logs to capture",
      rows: 4,
      spellcheck: "false",
      placeholder: "namespace/pod, one per line",
      oninput: (e: Event) => {
        f.logs = (e.target as HTMLTextAreaElement).value;
        this.refreshStart();
      },
    });
    logs.value = f.logs;
    this.startButton = h("button", { type: "button", className: "primary", "data-testid": "capture-start", onclick: () => void this.start() }, "Capture");
    this.problemsList = h("ul", { className: "form-problems small", "data-testid": "capture-problems", "aria-live": "polite" });
    this.body.append(
      h(
        "div",
        { className: "fields" },
        h(
          "div",
          { className: "field" },
          h("span", { className: "muted small" }, "Kubeconfig"),
          h(
            "div",
            { className: "row" },
            h("span", { className: "mono small wrap grow", "data-testid": "capture-kubeconfig-path" }, f.kubeconfig ?? "default ($KUBECONFIG, ~/.kube/config)"),
            choose,
            f.kubeconfig
              ? h("button", { type: "button", "data-testid": "capture-kubeconfig-default", onclick: () => void this.loadContexts(null) }, "Default")
              : null,
          ),
        ),
        h("label", { className: "field" }, h("span", { className: "muted small" }, "Context"), select),
        ctx ? contextInfoView(ctx, "capture-context-info") : emptyNote("No kubeconfig context found."),
        execTrustView(ctx, {
          checked: f.trustExec,
          onChange: (on) => {
            f.trustExec = on;
            this.refreshStart();
          },
          testid: "capture-exec-trust",
          checkTestid: "capture-trust",
        }),
        h(
          "label",
          { className: "field" },
          h("span", { className: "muted small" }, "Namespaces (separated by commas or spaces; empty: all)"),
          namespaces,
        ),
        h(
          "label",
          { className: "field" },
          h("span", { className: "muted small" }, "Pods whose logs to capture, current and previous container (namespace/pod, one per line)"),
          logs,
        ),
        h(
          "label",
          { className: "check-line" },
          h("input", {
            type: "checkbox",
            "data-testid": "capture-configmaps",
            checked: f.configmapData,
            onchange: (e: Event) => (f.configmapData = (e.target as HTMLInputElement).checked),
          }),
          " Also capture ConfigMap data",
        ),
        h(
          "p",
          { className: "muted small" },
          "Secret values are never captured: Secrets are recorded by name and metadata only. Without the box above, ConfigMaps are too.",
        ),
      ),
      this.problemsList,
      h("div", { className: "row" }, this.startButton),
    );
    this.refreshStart();
  }

  // ---- running ---------------------------------------------------------------

  private async start(): Promise<void> {
    if (this.state.status === "running") return;
    if (formProblems(this.form, this.context()).length) {
      this.refreshStart();
      return;
    }
    this.clearProblem();
    const request = captureRequest(this.form);
    this.dispatch({ type: "start" });
    this.closeButton.title = "Cancel the capture (Esc)";
    this.renderProgress();
    let result: CaptureResult;
    try {
      result = await this.o.backend.captureSnapshot(request, (p) => {
        this.dispatch({ type: "progress", progress: p });
        this.renderProgress();
      });
    } catch (e) {
      const err = toBackendError(e);
      this.dispatch({ type: "failed", error: { code: err.code, message: err.message } });
      this.closeButton.title = "Close (Esc)";
      if (this.closed) return;
      if (err.code === "cancelled") this.renderCancelled();
      else {
        // Back to the form, the error above its button.
        this.renderForm();
        this.fail(err);
      }
      return;
    }
    this.dispatch({ type: "done", result });
    this.closeButton.title = "Close (Esc)";
    if (!this.closed) this.renderResult(result);
    this.o.onDone(result);
  }

  private async cancel(): Promise<void> {
    if (this.state.status !== "running" || this.state.cancelling) return;
    this.dispatch({ type: "cancel" });
    this.renderProgress();
    try {
      await this.o.backend.cancelCapture();
    } catch (e) {
      this.fail(e);
    }
  }

  private renderProgress() {
    if (this.closed || this.state.status !== "running") return;
    const s = this.state;
    const frac = captureFraction(s);
    const bar = h("progress", { max: 1, "aria-label": "Capture progress" });
    if (frac !== null) bar.value = frac;
    clear(this.body);
    this.body.append(
      h(
        "section",
        { className: "progress", "data-testid": "capture-progress", "data-phase": s.phase ?? "", "aria-live": "polite" },
        h(
          "div",
          { className: "row" },
          h("strong", { "data-testid": "capture-phase" }, captureHeading(s)),
          h("span", { className: "grow" }),
          h(
            "button",
            { type: "button", className: "danger", "data-testid": "capture-cancel", disabled: s.cancelling, onclick: () => void this.cancel() },
            s.cancelling ? "Cancelling…" : "Cancel",
          ),
        ),
        bar,
        h("div", { className: "small muted", "data-testid": "capture-figures" }, captureFigures(s)),
      ),
    );
  }

  private renderCancelled() {
    clear(this.body);
    this.body.append(
      h(
        "section",
        { className: "note info", "data-testid": "capture-cancelled", role: "status" },
        h("p", null, "Capture cancelled; nothing was added to the case."),
        h(
          "div",
          { className: "row" },
          h("button", { type: "button", "data-testid": "capture-again", onclick: () => this.backToForm() }, "Back to the form"),
          h("button", { type: "button", className: "primary", "data-testid": "capture-result-close", onclick: () => this.close() }, "Close"),
        ),
      ),
    );
  }

  private backToForm() {
    this.state = CAPTURE_IDLE;
    this.renderForm();
  }

  // ---- the result ------------------------------------------------------------

  private renderResult(r: CaptureResult) {
    clear(this.body);
    const snap = r.snapshot;
    const failed = failedKinds(snap);
    this.body.append(
      h(
        "section",
        { className: "capture-result", "data-testid": "capture-result" },
        h("h3", null, "Snapshot captured and imported"),
        h(
          "dl",
          { className: "kv small" },
          h("dt", null, "Context"),
          h("dd", null, snap.context, h("span", { className: "muted mono" }, ` ${snap.server}`)),
          h("dt", null, "As"),
          h("dd", { "data-testid": "capture-caller" }, snap.caller),
          h("dt", null, "Kubernetes"),
          h("dd", null, snap.kubernetes_version),
          h("dt", null, "Objects"),
          h("dd", { "data-testid": "capture-objects" }, snap.objects.toLocaleString("en-US")),
          h("dt", null, "Bundle"),
          h("dd", { className: "mono wrap", title: snap.path, "data-testid": "capture-bundle" }, besideTheCase(snap.path)),
        ),
        failed.length
          ? h(
              "p",
              { className: "warnings small", "data-testid": "capture-kinds-failed" },
              `${failed.length} kind${failed.length === 1 ? "" : "s"} could not be listed (${failed.join(", ")}): the findings that need ${failed.length === 1 ? "it" : "them"} are missing; the rest was captured.`,
            )
          : null,
        this.kindsTable(snap),
        this.logsView(snap),
        summaryView(r.import),
        h(
          "div",
          { className: "row" },
          this.o.onFindings
            ? h(
                "button",
                {
                  type: "button",
                  "data-testid": "capture-findings",
                  onclick: () => {
                    this.close();
                    this.o.onFindings?.();
                  },
                },
                "Hardening findings",
              )
            : null,
          h("button", { type: "button", className: "primary", "data-testid": "capture-result-close", onclick: () => this.close() }, "Close"),
        ),
      ),
    );
  }

  private kindsTable(snap: CaptureReport): HTMLElement {
    return h(
      "table",
      { className: "grid small", "aria-label": "Kinds captured" },
      h("thead", null, h("tr", null, ["Kind", "API version", "Objects", "Status"].map((t) => h("th", null, t)))),
      h(
        "tbody",
        null,
        snap.kinds.map((k) =>
          h(
            "tr",
            { "data-testid": "capture-kind", "data-kind": k.kind, "data-error": k.error ? "true" : null, className: k.error ? "kind-error" : "" },
            h("td", null, k.kind),
            h("td", { className: "mono" }, k.api_version),
            h("td", { className: "num" }, k.error ? "—" : k.items),
            h("td", { className: "wrap" }, k.error ? [h("strong", { className: "flag" }, "not listed: "), k.error] : "captured"),
          ),
        ),
      ),
    );
  }

  private logsView(snap: CaptureReport): HTMLElement {
    const logs = snap.logs ?? [];
    if (!logs.length) return h("p", { className: "muted small", "data-testid": "capture-logs-none" }, "No pod logs were asked for.");
    return h(
      "details",
      { open: true },
      h("summary", null, `Logs (${logs.length})`),
      h(
        "table",
        { className: "grid small", "aria-label": "Logs captured" },
        h("thead", null, h("tr", null, ["Pod", "Container", "", "Size", "Status"].map((t) => h("th", null, t)))),
        h(
          "tbody",
          null,
          logs.map((l) =>
            h(
              "tr",
              { "data-testid": "capture-log", "data-pod": l.pod, "data-error": l.error ? "true" : null, className: l.error ? "kind-error" : "" },
              h("td", { className: "wrap" }, l.pod),
              h("td", null, l.container),
              h("td", null, l.previous ? "previous" : "current"),
              h("td", { className: "num" }, l.error ? "—" : fmtBytes(l.bytes)),
              h("td", { className: "wrap" }, l.error ? [h("strong", { className: "flag" }, "not captured: "), l.error] : l.truncated ? "captured (truncated)" : "captured"),
            ),
          ),
        ),
      ),
    );
  }
}

/** The bundle's place beside the case ("incident.snapshots/snapshot-….zip"); the full path is its tooltip. */
export function besideTheCase(path: string): string {
  const parts = path.split(/[\\/]/).filter((p) => p.length > 0);
  return parts.slice(-2).join("/");
}
