// The import panel: by path, dialog or drop; progress with Cancel; summary.
import { clear, h } from "../dom";
import { fmtBytes } from "../format";
import { importFraction, phaseLabel, type ImportState } from "../logic/importState";
import type { ImportedFile, ImportReport } from "../types";
import { emptyNote } from "./common";

export interface ImportHost {
  runImport(paths: string[]): void;
  cancelImport(): void;
  pickFiles(): void;
  pickFolder(): void;
  /** "Capture from cluster…": a live snapshot instead of files. */
  capture?(): void;
}

export class ImportPanel {
  readonly el: HTMLElement;
  private readonly status: HTMLElement;
  private readonly input: HTMLInputElement;
  private readonly submit: HTMLButtonElement;

  constructor(private readonly host: ImportHost) {
    this.input = h("input", {
      type: "text",
      className: "grow",
      placeholder: "Path to a bundle, zip, folder or file",
      "aria-label": "Path to import",
      "data-testid": "import-path-input",
      spellcheck: "false",
      autocomplete: "off",
    });
    // No <form>: the app's CSP has form-action 'none'.
    const go = () => {
      const paths = splitPaths(this.input.value);
      if (paths.length) this.host.runImport(paths);
    };
    this.input.addEventListener("keydown", (e) => {
      if (e.key === "Enter") {
        e.preventDefault();
        go();
      }
    });
    this.submit = h("button", { type: "button", "data-testid": "import-path-submit", onclick: go }, "Import");
    const form = h("div", { className: "row path-row" }, this.input, this.submit);
    this.status = h("div", { className: "import-status", "aria-live": "polite" });
    this.el = h(
      "section",
      { className: "panel import-panel", "data-testid": "import-panel" },
      h("h2", null, "Import evidence"),
      h(
        "p",
        { className: "hint" },
        "Kordon bundles, zips or folders of raw exports, single files: Falco, Kubernetes audit logs (plain, or as AKS, EKS and GKE export them), Defender for Cloud, Tetragon, kubectl get -o json. Drop them anywhere on the window.",
      ),
      h(
        "div",
        { className: "row" },
        h("button", { type: "button", onclick: () => this.host.pickFiles() }, "Choose files…"),
        h("button", { type: "button", onclick: () => this.host.pickFolder() }, "Choose a folder…"),
        host.capture
          ? h(
              "button",
              { type: "button", "data-testid": "import-capture", title: "Capture a read-only snapshot of a cluster into the case", onclick: () => this.host.capture?.() },
              "Capture from cluster…",
            )
          : null,
      ),
      form,
      this.status,
    );
  }

  update(state: ImportState): void {
    const running = state.status === "running";
    this.input.disabled = running;
    this.submit.disabled = running;
    clear(this.status);
    if (running) this.status.append(progressView(state, () => this.host.cancelImport()));
    else if (state.status === "done" && state.report) {
      this.input.value = "";
      this.status.append(summaryView(state.report));
    }
  }
}

/** One path per line; a single line is one path even with spaces in it. */
export function splitPaths(text: string): string[] {
  return text
    .split(/\r?\n/)
    .map((p) => p.trim())
    .filter(Boolean);
}

function progressView(state: ImportState, cancel: () => void): HTMLElement {
  const frac = importFraction(state);
  const bar = h("progress", { max: 1, "data-testid": "import-progress", "aria-label": "Import progress" });
  if (frac !== null) bar.value = frac;
  return h(
    "div",
    { className: "progress" },
    h(
      "div",
      { className: "row" },
      h("strong", null, phaseLabel(state.phase)),
      h("span", { className: "grow wrap mono small" }, state.file ?? ""),
      h(
        "button",
        { type: "button", className: "danger", "data-testid": "import-cancel", disabled: state.cancelling, onclick: cancel },
        state.cancelling ? "Cancelling…" : "Cancel",
      ),
    ),
    bar,
    h(
      "div",
      { className: "small muted" },
      state.bytesTotal > 0 ? `${fmtBytes(state.bytesDone)} of ${fmtBytes(state.bytesTotal)}` : "",
      ` · ${state.records} records`,
      state.events > 0 ? ` · ${state.events} events` : "",
    ),
  );
}

/** How a file of the summary ended: imported, kept as an attachment, or skipped and why. */
export function fileStatus(f: ImportedFile): string {
  if (f.skipped) return `skipped: ${f.skipped}`;
  if (f.format === "attachment") return "kept as an attachment";
  const skipped = Object.entries(f.skipped_records ?? {});
  return skipped.length ? `imported; ${skipped.map(([why, n]) => `${n} skipped (${why})`).join("; ")}` : "imported";
}

export function summaryView(report: ImportReport): HTMLElement {
  const im = report.import;
  const c = report.correlation;
  const files = h(
    "table",
    { className: "grid small" },
    h(
      "thead",
      null,
      h("tr", null, ["File", "Format", "Size", "Records", "New events", "Errors", "Status", "SHA-256"].map((t) => h("th", null, t))),
    ),
    h(
      "tbody",
      null,
      im.files.map((f) =>
        h(
          "tr",
          { "data-testid": "import-file", className: f.skipped ? "skipped" : "" },
          h(
            "td",
            { className: "wrap" },
            f.inner_path ? `${f.name}!${f.inner_path}` : f.name,
            f.shape ? h("div", { className: "muted small", "data-testid": "import-file-shape" }, f.shape) : null,
          ),
          h("td", null, [f.format ?? "—", f.compression ? ` (${f.compression})` : ""].join("")),
          h("td", { className: "num" }, fmtBytes(f.size)),
          h("td", { className: "num" }, f.records),
          h("td", { className: "num" }, f.events_new),
          h("td", { className: "num" }, f.errors),
          h("td", null, fileStatus(f)),
          h("td", { className: "mono hash", title: f.sha256 ?? "" }, f.sha256 ?? "—"),
        ),
      ),
    ),
  );
  const errors = report.errors.length
    ? h(
        "details",
        { open: report.errors.length <= 10 },
        h("summary", null, `Parse errors (${report.errors.length}): records kept verbatim`),
        h(
          "table",
          { className: "grid small" },
          h("thead", null, h("tr", null, ["File", "Line", "Reason"].map((t) => h("th", null, t)))),
          h(
            "tbody",
            null,
            report.errors.slice(0, 200).map((e) =>
              h(
                "tr",
                { "data-testid": "import-error" },
                h("td", { className: "wrap" }, e.file),
                h("td", { className: "num" }, e.line ?? `@${e.offset}`),
                h("td", { className: "wrap" }, e.reason),
              ),
            ),
          ),
        ),
      )
    : null;
  return h(
    "section",
    { className: "summary", "data-testid": "import-summary" },
    h("h3", null, "Import finished"),
    h(
      "ul",
      { className: "facts" },
      h("li", null, `${im.files_imported} file${im.files_imported === 1 ? "" : "s"} imported, ${im.files_skipped} skipped`),
      h("li", null, `${im.events_new} new events (${im.events_merged} merged) from ${im.records} records, ${fmtBytes(im.bytes_read)}`),
      h("li", null, `${im.entities_new} new entities`),
      h("li", null, `${im.parse_errors} parse error${im.parse_errors === 1 ? "" : "s"}`),
      im.attachments
        ? h(
            "li",
            { "data-testid": "import-attachments" },
            `${im.attachments} file${im.attachments === 1 ? "" : "s"} Kordon cannot read kept as attachment${im.attachments === 1 ? "" : "s"} (name, size, SHA-256)`,
          )
        : null,
      h("li", null, `Detections fired: ${report.detections.fired} (${report.detections.new} new)`),
      h("li", null, `Incidents: ${c.new} new, ${c.changed} changed, ${c.unchanged} unchanged (${c.incidents} in all)`),
    ),
    im.files.length ? files : emptyNote("No files."),
    errors,
  );
}
