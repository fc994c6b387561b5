// The SOC view beside Kordon's triage form: other tools' incidents
// (Microsoft Sentinel's) that match this incident, read-only. What the SOC
// decided is shown, never applied: Kordon's triage stays the form's. The
// portal link is plain selectable text; nothing remote is ever loaded.
import { clear, h } from "../dom";
import { fmtTime } from "../format";
import { classificationLine, differsNote, ownerLine, socDifferences, socHeadline } from "../logic/soc";
import type { SocView, Triage, Vocabulary } from "../types";

export class SocPanel {
  readonly el: HTMLElement;

  constructor(private readonly views: SocView[]) {
    this.el = h("section", { className: "soc-view", "data-testid": "soc-view", hidden: views.length === 0 });
  }

  /** Renders against Kordon's triage as it is now (null: not read yet). */
  update(t: Triage | null, vocab: Vocabulary | null): void {
    clear(this.el);
    const [first] = this.views;
    if (!first) return;
    this.el.append(
      h("h2", null, `SOC view (${first.source_name})`),
      h("p", { className: "small muted" }, "The SOC's own incident, as exported: shown beside Kordon's triage, never applied to it."),
      ...this.views.map((v) => this.card(v, t, vocab)),
    );
  }

  private card(v: SocView, t: Triage | null, vocab: Vocabulary | null): HTMLElement {
    const note = t ? differsNote(socDifferences(v, t), vocab) : null;
    const line = (label: string, value: string | null | undefined, testid?: string) =>
      value ? h("div", { className: "soc-line" }, h("span", { className: "muted small" }, `${label} `), h("span", testid ? { "data-testid": testid } : null, value)) : null;
    return h(
      "article",
      { className: "soc-incident", "data-testid": "soc-incident", "data-event": v.event },
      h("h3", { "data-testid": "soc-title" }, socHeadline(v)),
      h("p", { "data-testid": "soc-summary" }, v.summary),
      note ? h("p", { className: "soc-differs", "data-testid": "soc-differs", role: "note" }, note) : null,
      line("Severity", v.severity, "soc-severity"),
      line("Status", v.status_name ?? v.status, "soc-status"),
      line("Classification", classificationLine(v), "soc-classification"),
      line("Comment", v.classification_comment),
      line("Owner", ownerLine(v), "soc-owner"),
      line("Labels", v.labels.join(", ")),
      line("Alert products", v.alert_products.join(", ")),
      line("Last modified", v.last_modified ? `${fmtTime(v.last_modified)} UTC` : null),
      line("Shown here because", v.matched),
      v.incident_url
        ? h(
            "div",
            { className: "soc-line" },
            h("span", { className: "muted small" }, "Link (not opened by Kordon) "),
            h("code", { className: "soc-url selectable", "data-testid": "soc-url" }, v.incident_url),
          )
        : null,
    );
  }
}
