// The incident queue: sortable, filterable table; j/k and Enter.
import { clear, h } from "../dom";
import { fmtTime, SEVERITIES } from "../format";
import { queueView, toggleSort, type QueueFilter, type QueueKey, type QueueSort } from "../logic/queue";
import type { IncidentRow } from "../types";
import { emptyNote, entityLabel, severityBadge, tacticChip } from "./common";

export interface QueueState {
  filter: QueueFilter;
  sort: QueueSort;
  /** Id of the highlighted row. */
  selected: string | null;
}

const COLUMNS: { key: QueueKey | null; label: string }[] = [
  { key: "severity", label: "Severity" },
  { key: "status", label: "Status" },
  { key: "title", label: "Incident" },
  { key: "first_activity", label: "First activity" },
  { key: "last_activity", label: "Last activity" },
  { key: null, label: "Tactics" },
  { key: "signals", label: "Signals" },
  { key: null, label: "Key entities" },
];

export class QueueView {
  readonly el: HTMLElement;
  private readonly tbody: HTMLTableSectionElement;
  private readonly thead: HTMLTableSectionElement;
  private readonly count: HTMLElement;
  private visible: IncidentRow[] = [];

  constructor(
    private rows: IncidentRow[],
    private readonly state: QueueState,
    private readonly open: (id: string) => void,
  ) {
    const text = h("input", {
      type: "search",
      placeholder: "Filter by title or entity",
      "aria-label": "Filter incidents",
      "data-testid": "queue-filter",
      value: state.filter.text,
      oninput: ((e: Event) => {
        this.state.filter.text = (e.target as HTMLInputElement).value;
        this.renderBody();
      }) as EventListener,
    });
    const sev = h(
      "select",
      {
        "aria-label": "Lowest severity",
        "data-testid": "queue-severity",
        onchange: ((e: Event) => {
          this.state.filter.minSeverity = (e.target as HTMLSelectElement).value;
          this.renderBody();
        }) as EventListener,
      },
      h("option", { value: "" }, "All severities"),
      [...SEVERITIES].reverse().map((s) => h("option", { value: s }, s === "critical" ? "critical" : `${s} and above`)),
    );
    sev.value = state.filter.minSeverity;
    this.count = h("span", { className: "muted small" });
    this.thead = h("thead");
    this.tbody = h("tbody");
    this.el = h(
      "section",
      { className: "queue-view", "data-testid": "queue" },
      h("div", { className: "row toolbar" }, h("h1", { className: "grow" }, "Incidents"), text, sev, this.count),
      h("table", { className: "grid queue", "aria-label": "Incident queue" }, this.thead, this.tbody),
    );
    this.renderHead();
    this.renderBody();
  }

  setRows(rows: IncidentRow[]): void {
    this.rows = rows;
    this.renderBody();
  }

  private renderHead() {
    clear(this.thead);
    this.thead.append(
      h(
        "tr",
        null,
        COLUMNS.map((c) => {
          if (!c.key) return h("th", null, c.label);
          const key = c.key;
          const active = this.state.sort.key === key;
          return h(
            "th",
            { "aria-sort": active ? (this.state.sort.dir === "asc" ? "ascending" : "descending") : "none" },
            h(
              "button",
              {
                type: "button",
                className: "sort",
                "data-sort": key,
                onclick: () => {
                  this.state.sort = toggleSort(this.state.sort, key);
                  this.renderHead();
                  this.renderBody();
                },
              },
              c.label,
              active ? (this.state.sort.dir === "asc" ? " ▲" : " ▼") : "",
            ),
          );
        }),
      ),
    );
  }

  private renderBody() {
    this.visible = queueView(this.rows, this.state.filter, this.state.sort);
    if (!this.visible.some((r) => r.id === this.state.selected)) this.state.selected = this.visible[0]?.id ?? null;
    clear(this.tbody);
    this.count.textContent = `${this.visible.length} of ${this.rows.length}`;
    if (!this.visible.length) {
      this.tbody.append(
        h("tr", null, h("td", { colspan: COLUMNS.length }, emptyNote(this.rows.length ? "No incident matches the filter." : "No incidents in this case yet: import evidence."))),
      );
      return;
    }
    for (const r of this.visible) {
      const tr = h(
        "tr",
        {
          "data-testid": "incident-row",
          "data-id": r.id,
          "data-severity": r.severity,
          tabindex: 0,
          className: r.id === this.state.selected ? "selected" : "",
          "aria-selected": r.id === this.state.selected ? "true" : "false",
          onclick: () => this.open(r.id),
          onkeydown: ((e: KeyboardEvent) => {
            if (e.key === "Enter") {
              e.preventDefault();
              e.stopPropagation();
              this.open(r.id);
            }
          }) as EventListener,
          onfocus: () => this.highlight(r.id, false),
        },
        h("td", null, severityBadge(r.severity)),
        h("td", null, r.status),
        h("td", { className: "title" }, h("div", null, r.title), h("div", { className: "muted small mono" }, r.id)),
        h("td", { className: "nowrap" }, fmtTime(r.first_activity)),
        h("td", { className: "nowrap" }, fmtTime(r.last_activity)),
        h("td", null, h("div", { className: "chips" }, r.tactics.map((t) => tacticChip(t, "short")))),
        h("td", { className: "num" }, r.signals),
        h(
          "td",
          { className: "small" },
          r.key_entities.slice(0, 3).map((e) => h("div", { className: "wrap" }, entityLabel(e))),
          r.key_entities.length > 3 ? h("div", { className: "muted" }, `+${r.key_entities.length - 3} more`) : null,
        ),
      );
      this.tbody.append(tr);
    }
  }

  private highlight(id: string, focus: boolean) {
    this.state.selected = id;
    for (const tr of this.tbody.querySelectorAll<HTMLTableRowElement>("tr[data-id]")) {
      const on = tr.dataset.id === id;
      tr.classList.toggle("selected", on);
      tr.setAttribute("aria-selected", on ? "true" : "false");
      if (on && focus) {
        tr.focus();
        tr.scrollIntoView?.({ block: "nearest" });
      }
    }
  }

  /** j/k: move the highlight. */
  move(delta: number): void {
    if (!this.visible.length) return;
    const i = this.visible.findIndex((r) => r.id === this.state.selected);
    const j = Math.max(0, Math.min(this.visible.length - 1, (i < 0 ? 0 : i) + delta));
    this.highlight(this.visible[j]!.id, true);
  }

  openSelected(): void {
    if (this.state.selected) this.open(this.state.selected);
  }
}
