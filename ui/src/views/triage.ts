// The incident's Triage tab: the decision form (status, classification and
// determination, owner, tags, severity, with a comment), the comment thread
// (Markdown, rendered safely) and the incident's rows of the activity log.
import { clear, h } from "../dom";
import { fmtTime, SEVERITIES } from "../format";
import { changeOf, describeEntry, determinationsFor, formOf, formProblem, statusChoices, type TriageForm } from "../logic/triage";
import { renderMarkdown } from "../markdown";
import type { Backend, Triage, Vocabulary } from "../types";
import { emptyNote } from "./common";

export interface TriagePanelOptions {
  backend: Backend;
  id: string;
  onError: (e: unknown) => void;
  /** After every accepted change (the header and the queue follow it). */
  onChanged: (t: Triage) => void;
}

export class TriagePanel {
  readonly el: HTMLElement;
  private triage: Triage | null = null;
  private vocab: Vocabulary | null = null;
  private form: TriageForm | null = null;
  private saving = false;

  constructor(private readonly o: TriagePanelOptions) {
    this.el = h("div", { className: "triage", "data-testid": "triage" }, h("p", { className: "muted pad" }, "Loading triage…"));
  }

  get state(): Triage | null {
    return this.triage;
  }

  get vocabulary(): Vocabulary | null {
    return this.vocab;
  }

  async load(): Promise<Triage | null> {
    try {
      const [v, t] = await Promise.all([this.o.backend.triageVocabulary(), this.o.backend.incidentTriage(this.o.id)]);
      this.vocab = v;
      this.set(t);
      return t;
    } catch (e) {
      clear(this.el);
      this.el.append(emptyNote("The triage state could not be read."));
      this.o.onError(e);
      return null;
    }
  }

  /** Shows a new stored state (after a change made here or elsewhere). */
  set(t: Triage): void {
    this.triage = t;
    this.form = formOf(t);
    this.render();
  }

  private render() {
    const t = this.triage;
    const v = this.vocab;
    const f = this.form;
    if (!t || !v || !f) return;
    clear(this.el);
    this.el.append(
      h("div", { className: "triage-main" }, this.formView(t, v, f), this.commentsView(t)),
      this.logView(t, v),
    );
  }

  private formView(t: Triage, v: Vocabulary, f: TriageForm): HTMLElement {
    const problem = h("p", { className: "form-problem small", "data-testid": "triage-problem", "aria-live": "polite" });
    const save = h("button", { type: "button", className: "primary", "data-testid": "triage-save" }, "Save");
    const refresh = () => {
      const p = formProblem(t, f, v);
      const change = changeOf(t, f);
      problem.textContent = change ? (p ?? "") : "";
      save.disabled = this.saving || !change || !!p;
    };
    const select = (testid: string, label: string, value: string, options: { id: string; name: string }[], onchange: (x: string) => void) => {
      const s = h(
        "select",
        { "data-testid": testid, "aria-label": label, onchange: ((e: Event) => onchange((e.target as HTMLSelectElement).value)) as EventListener },
        options.map((o) => h("option", { value: o.id }, o.name)),
      );
      s.value = value;
      return s;
    };
    const determination = select(
      "triage-determination",
      "Determination",
      f.determination,
      [{ id: "", name: "Choose…" }, ...determinationsFor(v, f.classification)],
      (x) => {
        f.determination = x;
        refresh();
      },
    );
    const classification = select(
      "triage-classification",
      "Classification",
      f.classification,
      [{ id: "", name: t.classification ? "—" : "Not classified" }, ...v.classifications],
      (x) => {
        f.classification = x;
        f.determination = "";
        clear(determination);
        for (const d of [{ id: "", name: "Choose…" }, ...determinationsFor(v, x)]) determination.append(h("option", { value: d.id }, d.name));
        determination.value = "";
        determination.disabled = !x;
        refresh();
      },
    );
    determination.disabled = !f.classification;
    const status = select("triage-status", "Status", f.status, statusChoices(v, t.status), (x) => {
      f.status = x;
      refresh();
    });
    const severity = select(
      "triage-severity",
      "Severity",
      f.severity,
      [{ id: "computed", name: "As computed" }, ...[...SEVERITIES].reverse().map((s) => ({ id: s, name: s }))],
      (x) => {
        f.severity = x;
        refresh();
      },
    );
    const text = (testid: string, label: string, value: string, placeholder: string, oninput: (x: string) => void) =>
      h("input", {
        type: "text",
        "data-testid": testid,
        "aria-label": label,
        placeholder,
        value,
        oninput: ((e: Event) => {
          oninput((e.target as HTMLInputElement).value);
          refresh();
        }) as EventListener,
      });
    const owner = text("triage-owner", "Owner", f.owner, "a person or a group", (x) => (f.owner = x));
    const tags = text("triage-tags", "Tags", f.tags, "comma-separated", (x) => (f.tags = x));
    const comment = h("textarea", {
      "data-testid": "triage-comment",
      "aria-label": "Comment",
      rows: 4,
      placeholder: "Comment (Markdown). Resolving needs one saying why.",
      oninput: ((e: Event) => {
        f.comment = (e.target as HTMLTextAreaElement).value;
        refresh();
      }) as EventListener,
    });
    comment.value = f.comment;
    save.onclick = () => void this.save();
    const row = (label: string, control: HTMLElement) => h("label", { className: "field" }, h("span", { className: "muted small" }, label), control);
    refresh();
    return h(
      "section",
      { className: "triage-form" },
      h("h2", null, "Decision"),
      h(
        "div",
        { className: "fields" },
        row("Status", status),
        row("Severity", severity),
        row("Classification", classification),
        row("Determination", determination),
        row("Owner", owner),
        row("Tags", tags),
      ),
      row("Comment", comment),
      h("div", { className: "row" }, save, problem),
    );
  }

  private async save(): Promise<void> {
    const t = this.triage;
    const f = this.form;
    const v = this.vocab;
    if (!t || !f || !v || this.saving) return;
    const change = changeOf(t, f);
    if (!change || formProblem(t, f, v)) return;
    this.saving = true;
    try {
      const next = await this.o.backend.triageApply(this.o.id, change);
      this.saving = false;
      this.set(next);
      this.o.onChanged(next);
    } catch (e) {
      // Refused whole by the core: the form keeps what was typed.
      this.saving = false;
      this.render();
      this.o.onError(e);
    }
  }

  private commentsView(t: Triage): HTMLElement {
    return h(
      "section",
      { className: "comments" },
      h("h2", null, `Comments (${t.comments.length})`),
      t.comments.length
        ? h(
            "ol",
            { className: "comment-list" },
            t.comments.map((c) =>
              h(
                "li",
                { className: "comment", "data-testid": "comment", "data-id": c.id },
                h("div", { className: "small muted" }, h("strong", null, c.author), ` ${fmtTime(c.time)} UTC`),
                renderMarkdown(c.body),
              ),
            ),
          )
        : emptyNote("No comments yet."),
    );
  }

  private logView(t: Triage, v: Vocabulary): HTMLElement {
    return h(
      "section",
      { className: "activity" },
      h("h2", null, "Activity"),
      t.log.length
        ? h(
            "ol",
            { className: "log", "data-testid": "incident-log" },
            [...t.log].reverse().map((e) =>
              h(
                "li",
                { "data-testid": "log-entry", "data-action": e.action, title: `row ${e.id}, SHA-256 ${e.hash}` },
                h("span", { className: "mono small muted" }, `${fmtTime(e.time)} `),
                h("strong", null, e.actor),
                " ",
                describeEntry(e, v),
              ),
            ),
          )
        : emptyNote("Nothing recorded for this incident yet."),
    );
  }
}
