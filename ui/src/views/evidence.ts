// Evidence tab: tactic categories, event rows, the raw record of the selected row.
import { clear, h } from "../dom";
import { fmtClock, fmtTime } from "../format";
import { filterEvidence, tacticCounts, type EvidenceFilter, type Span } from "../logic/evidence";
import { tacticColor } from "../tactics";
import type { Backend, EvidenceEvent } from "../types";
import { emptyNote, entityLabel, severityBadge, showRawRecord } from "./common";

const MAX_ROWS = 2000;

export class EvidenceView {
  readonly el: HTMLElement;
  readonly filter: EvidenceFilter = { tactic: null, span: null };
  private readonly cats: HTMLElement;
  private readonly spanBar: HTMLElement;
  private readonly list: HTMLElement;
  private readonly raw: HTMLElement;
  private selected: string | null = null;
  private rawToken = 0;

  constructor(
    private readonly rows: EvidenceEvent[],
    private readonly backend: Backend,
    private readonly onError: (e: unknown) => void,
    private readonly onSpanChange: (span: Span | null) => void = () => {},
  ) {
    this.cats = h("nav", { className: "tactic-filters", "aria-label": "Evidence by tactic" });
    this.spanBar = h("div", { className: "span-bar" });
    this.list = h("div", { className: "evidence-list", role: "listbox", "aria-label": "Evidence events" });
    this.raw = h("div", { className: "raw-pane" }, emptyNote("Select an event to see its raw record."));
    this.el = h(
      "div",
      { className: "evidence-view" },
      this.cats,
      h("div", { className: "evidence-main" }, this.spanBar, this.list),
      this.raw,
    );
    this.render();
  }

  setTactic(t: string | null): void {
    this.filter.tactic = t;
    this.render();
  }

  setSpan(span: Span | null): void {
    this.filter.span = span;
    this.render();
    this.onSpanChange(span);
  }

  /** Shows an event: clears filters that hide it, selects it, loads its raw record. */
  async show(id: string): Promise<void> {
    if (!filterEvidence(this.rows, this.filter).some((r) => r.id === id)) {
      this.filter.tactic = null;
      if (this.filter.span) {
        this.filter.span = null;
        this.onSpanChange(null);
      }
    }
    this.selected = id;
    this.render();
    const row = [...this.list.querySelectorAll<HTMLElement>("[data-testid='evidence-row']")].find((el) => el.dataset.id === id);
    row?.scrollIntoView?.({ block: "center" });
    row?.focus();
    await this.loadRaw(id);
  }

  private async loadRaw(id: string) {
    const token = ++this.rawToken;
    await showRawRecord((x) => this.backend.eventRaw(x), id, this.raw, () => token === this.rawToken, (e) => this.onError(e));
  }

  private render() {
    clear(this.cats);
    const all = h(
      "button",
      {
        type: "button",
        className: "cat",
        "aria-pressed": this.filter.tactic === null ? "true" : "false",
        onclick: () => this.setTactic(null),
      },
      h("span", { className: "grow" }, "All events"),
      h("span", { className: "count" }, this.rows.length),
    );
    this.cats.append(all);
    for (const c of tacticCounts(this.rows)) {
      this.cats.append(
        h(
          "button",
          {
            type: "button",
            className: "cat",
            style: `--chip:${tacticColor(c.tactic)}`,
            "data-testid": "tactic-filter",
            "data-tactic": c.tactic,
            "aria-pressed": this.filter.tactic === c.tactic ? "true" : "false",
            onclick: () => this.setTactic(this.filter.tactic === c.tactic ? null : c.tactic),
          },
          h("span", { className: "swatch" }),
          h("span", { className: "grow" }, c.name),
          h("span", { className: "count" }, c.count),
        ),
      );
    }

    clear(this.spanBar);
    if (this.filter.span) {
      const s = this.filter.span;
      this.spanBar.append(
        h(
          "div",
          { className: "filter-pill", "data-testid": "span-filter" },
          `Time span ${fmtTime(new Date(s.from).toISOString())} – ${fmtClock(s.to)} UTC`,
          h("button", { type: "button", "data-testid": "span-clear", "aria-label": "Clear the time span", onclick: () => this.setSpan(null) }, "×"),
        ),
      );
    }

    clear(this.list);
    const shown = filterEvidence(this.rows, this.filter);
    if (!shown.length) {
      this.list.append(emptyNote("No event matches."));
      return;
    }
    for (const r of shown.slice(0, MAX_ROWS)) this.list.append(this.rowView(r));
    if (shown.length > MAX_ROWS) this.list.append(emptyNote(`Showing the first ${MAX_ROWS} of ${shown.length} events; narrow by tactic or time span.`));
  }

  private rowView(r: EvidenceEvent): HTMLElement {
    const sel = r.id === this.selected;
    const pick = () => {
      this.selected = r.id;
      for (const el of this.list.querySelectorAll<HTMLElement>("[data-testid='evidence-row']")) {
        const on = el.dataset.id === r.id;
        el.classList.toggle("selected", on);
        el.setAttribute("aria-selected", on ? "true" : "false");
      }
      void this.loadRaw(r.id);
    };
    return h(
      "div",
      {
        className: `evidence-row${sel ? " selected" : ""}${r.signal ? " signal" : ""}`,
        role: "option",
        tabindex: 0,
        "aria-selected": sel ? "true" : "false",
        "data-testid": "evidence-row",
        "data-id": r.id,
        "data-source": r.source,
        onclick: pick,
        onkeydown: ((e: KeyboardEvent) => {
          if (e.key === "Enter" || e.key === " ") {
            e.preventDefault();
            e.stopPropagation();
            pick();
          } else if (e.key === "ArrowDown" || e.key === "ArrowUp") {
            e.preventDefault();
            const sib = (e.key === "ArrowDown" ? (e.currentTarget as HTMLElement).nextElementSibling : (e.currentTarget as HTMLElement).previousElementSibling) as HTMLElement | null;
            sib?.focus();
          }
        }) as EventListener,
      },
      h("span", { className: "time nowrap mono" }, fmtTime(r.time)),
      h("span", { className: "source" }, r.source),
      r.signal ? severityBadge(r.severity) : h("span", { className: "sev sev-none" }, r.kind),
      h("span", { className: "title grow" }, r.title),
      h("span", { className: "ents small muted" }, r.entities.slice(0, 3).map(entityLabel).join(" · ")),
    );
  }
}
