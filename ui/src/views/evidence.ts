// Evidence tab: tactic categories, event rows, the raw record of the selected row.
// Every event of the incident is listed: only the rows in view are drawn
// (logic/rowWindow.ts), the list scrolling as tall as all of them.
import { clear, h } from "../dom";
import { fmtClock, fmtTime } from "../format";
import { filterEvidence, tacticCounts, type EvidenceFilter, type NodeFilter, type Span } from "../logic/evidence";
import { tacticColor } from "../tactics";
import type { Backend, EvidenceEvent } from "../types";
import { rowWindow, scrollToRow } from "../logic/rowWindow";
import { emptyNote, entityLabel, severityBadge, showRawRecord } from "./common";

/** A row's height before one was measured (and in a page with no layout). */
const ROW_HEIGHT = 64;
/** The list's height when it has none yet (hidden tab, tests). */
const VIEW_HEIGHT = 600;

export class EvidenceView {
  readonly el: HTMLElement;
  readonly filter: EvidenceFilter = { tactic: null, span: null, node: null };
  private readonly cats: HTMLElement;
  private readonly spanBar: HTMLElement;
  private readonly list: HTMLElement;
  private readonly raw: HTMLElement;
  private selected: string | null = null;
  private rawToken = 0;
  private shown: EvidenceEvent[] = [];
  private rowHeight = ROW_HEIGHT;
  private readonly spacer: HTMLElement;
  private readonly rowsEl: HTMLElement;
  private frame = 0;

  constructor(
    private readonly rows: EvidenceEvent[],
    private readonly backend: Backend,
    private readonly onError: (e: unknown) => void,
    private readonly onSpanChange: (span: Span | null) => void = () => {},
  ) {
    this.cats = h("nav", { className: "tactic-filters", "aria-label": "Evidence by tactic" });
    this.spanBar = h("div", { className: "span-bar" });
    this.spacer = h("div", { className: "evidence-spacer" });
    this.rowsEl = h("div", { className: "evidence-rows" });
    this.list = h(
      "div",
      {
        className: "evidence-list",
        role: "listbox",
        "aria-label": "Evidence events",
        onscroll: () => {
          if (this.frame) return;
          this.frame = requestAnimationFrame(() => {
            this.frame = 0;
            this.drawRows();
          });
        },
      },
      this.spacer,
      this.rowsEl,
    );
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

  /** Narrows the list to a graph node's evidence (null: every event again). */
  setNode(node: NodeFilter | null): void {
    this.filter.node = node;
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
      this.filter.node = null;
      if (this.filter.span) {
        this.filter.span = null;
        this.onSpanChange(null);
      }
    }
    this.selected = id;
    this.render();
    const i = this.shown.findIndex((r) => r.id === id);
    if (i >= 0) {
      // Centred in the list, as far as it scrolls.
      const view = this.viewHeight();
      this.list.scrollTop = Math.max(0, i * this.rowHeight - view / 2 + this.rowHeight / 2);
      this.drawRows();
      this.rowAt(i)?.focus();
    }
    await this.loadRaw(id);
  }

  private viewHeight(): number {
    return this.list.clientHeight || VIEW_HEIGHT;
  }

  private rowAt(i: number): HTMLElement | null {
    return this.rowsEl.querySelector<HTMLElement>(`[data-index="${i}"]`);
  }

  /** Draws the rows in view; the first drawn row gives the height of all. */
  private drawRows() {
    const { start, end } = rowWindow(this.list.scrollTop, this.viewHeight(), this.rowHeight, this.shown.length);
    clear(this.rowsEl);
    this.rowsEl.style.transform = `translateY(${start * this.rowHeight}px)`;
    for (let i = start; i < end; i++) this.rowsEl.append(this.rowView(this.shown[i]!, i));
    const measured = (this.rowsEl.firstElementChild as HTMLElement | null)?.offsetHeight ?? 0;
    if (measured > 0 && Math.abs(measured - this.rowHeight) > 0.5) {
      this.rowHeight = measured;
      this.spacer.style.height = `${this.shown.length * this.rowHeight}px`;
      this.drawRows();
    }
  }

  /** Moves the keyboard's focus to row `i`, scrolling it into view. */
  private focusRow(i: number) {
    if (i < 0 || i >= this.shown.length) return;
    this.list.scrollTop = scrollToRow(i, this.list.scrollTop, this.viewHeight(), this.rowHeight);
    this.drawRows();
    this.rowAt(i)?.focus();
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
    const node = this.filter.node;
    if (node) {
      const listed = this.rows.filter((r) => node.evidence.has(r.id)).length;
      this.spanBar.append(
        h(
          "div",
          { className: "filter-pill", "data-testid": "node-filter" },
          `Node ${node.label}`,
          listed < node.total ? h("span", { className: "muted small" }, ` (${listed} of its ${node.total} events listed: every signal, the first of the rest)`) : null,
          h("button", { type: "button", "data-testid": "node-filter-clear", "aria-label": "Show every event again", onclick: () => this.setNode(null) }, "×"),
        ),
      );
    }
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

    this.shown = filterEvidence(this.rows, this.filter);
    this.list.dataset.count = String(this.shown.length);
    this.list.scrollTop = 0;
    this.spacer.style.height = `${this.shown.length * this.rowHeight}px`;
    clear(this.rowsEl);
    if (!this.shown.length) {
      this.rowsEl.append(emptyNote("No event matches."));
      return;
    }
    this.drawRows();
  }

  private rowView(r: EvidenceEvent, index: number): HTMLElement {
    const sel = r.id === this.selected;
    const pick = () => {
      this.selected = r.id;
      for (const el of this.rowsEl.querySelectorAll<HTMLElement>("[data-testid='evidence-row']")) {
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
        "data-index": index,
        "aria-posinset": index + 1,
        "aria-setsize": this.shown.length,
        "data-source": r.source,
        onclick: pick,
        onkeydown: ((e: KeyboardEvent) => {
          if (e.key === "Enter" || e.key === " ") {
            e.preventDefault();
            e.stopPropagation();
            pick();
          } else if (e.key === "ArrowDown" || e.key === "ArrowUp") {
            e.preventDefault();
            this.focusRow(index + (e.key === "ArrowDown" ? 1 : -1));
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
