// The incident queue: sortable, filterable table (severity, status,
// classification, owner, tags, text); j/k and Enter; rows can be checked and
// changed together (status, owner, classification) in one all-or-nothing step.
import { clear, h } from "../dom";
import { fmtTime, SEVERITIES } from "../format";
import { facets, queueView, toggleSort, type QueueFilter, type QueueKey, type QueueSort } from "../logic/queue";
import { determinationsFor } from "../logic/triage";
import type { IncidentRow, TriageChange, Vocabulary } from "../types";
import { emptyNote, entityLabel, severityBadge, tacticChip } from "./common";

export interface QueueState {
  filter: QueueFilter;
  sort: QueueSort;
  /** Id of the highlighted row. */
  selected: string | null;
  /** Rows ticked for a bulk change. */
  checked: Set<string>;
}

export interface QueueOptions {
  open: (id: string) => void;
  vocabulary: Vocabulary | null;
  /** Applies one change to the ticked incidents; resolves true when it was accepted. */
  bulk: (ids: string[], change: TriageChange) => Promise<boolean>;
  /** "Export report…" of every incident of the case, at the end of the toolbar. */
  report?: HTMLElement;
}

const COLUMNS: { key: QueueKey | null; label: string }[] = [
  { key: null, label: "" },
  { key: "severity", label: "Severity" },
  { key: "status", label: "Status" },
  { key: "title", label: "Incident" },
  { key: "first_activity", label: "First activity" },
  { key: "last_activity", label: "Last activity" },
  { key: null, label: "Tactics" },
  { key: "signals", label: "Signals" },
  { key: null, label: "Key entities" },
  { key: null, label: "Owner, tags" },
];

function nameIn(list: { id: string; name: string }[] | undefined, id: string | null | undefined): string {
  if (!id) return "";
  return list?.find((x) => x.id === id)?.name ?? id;
}

export class QueueView {
  readonly el: HTMLElement;
  private readonly tbody: HTMLTableSectionElement;
  private readonly thead: HTMLTableSectionElement;
  private readonly count: HTMLElement;
  private visible: IncidentRow[] = [];

  private readonly filters: HTMLElement;
  private readonly bulkBar: HTMLElement;

  constructor(
    private rows: IncidentRow[],
    private readonly state: QueueState,
    private readonly o: QueueOptions,
  ) {
    const text = h("input", {
      type: "search",
      placeholder: "Filter by title, entity, owner or tag",
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
    this.filters = h("span", { className: "row filters" });
    this.count = h("span", { className: "muted small" });
    this.thead = h("thead");
    this.tbody = h("tbody");
    this.bulkBar = h("div", { className: "row bulk-bar", "data-testid": "bulk-bar", hidden: true });
    this.el = h(
      "section",
      { className: "queue-view", "data-testid": "queue" },
      h("div", { className: "row toolbar" }, h("h1", { className: "grow" }, "Incidents"), text, sev, this.filters, this.count, o.report ?? null),
      this.bulkBar,
      h("table", { className: "grid queue", "aria-label": "Incident queue" }, this.thead, this.tbody),
    );
    this.renderFilters();
    this.renderHead();
    this.renderBody();
  }

  /** Status, classification, owner and tag pickers, from what the queue holds. */
  private renderFilters() {
    const v = this.o.vocabulary;
    const f = this.state.filter;
    const { owners, tags } = facets(this.rows);
    const pick = (testid: string, label: string, value: string | undefined, options: [string, string][], set: (x: string) => void) => {
      const s = h(
        "select",
        {
          "aria-label": label,
          "data-testid": testid,
          onchange: ((e: Event) => {
            set((e.target as HTMLSelectElement).value);
            this.renderBody();
          }) as EventListener,
        },
        options.map(([id, name]) => h("option", { value: id }, name)),
      );
      s.value = options.some(([id]) => id === value) ? (value ?? "") : "";
      return s;
    };
    clear(this.filters);
    this.filters.append(
      pick("queue-status", "Status", f.status, [["", "Any status"], ...(v?.statuses ?? []).map((x): [string, string] => [x.id, x.name])], (x) => (f.status = x)),
      pick(
        "queue-classification",
        "Classification",
        f.classification,
        [["", "Any classification"], ["none", "Not classified"], ...(v?.classifications ?? []).map((x): [string, string] => [x.id, x.name])],
        (x) => (f.classification = x),
      ),
      pick("queue-owner", "Owner", f.owner, [["", "Any owner"], ["none", "Unassigned"], ...owners.map((x): [string, string] => [x, x])], (x) => (f.owner = x)),
      tags.length ? pick("queue-tag", "Tag", f.tag, [["", "Any tag"], ...tags.map((x): [string, string] => [x, x])], (x) => (f.tag = x)) : "",
    );
  }

  /** The bulk editor for the ticked rows. */
  private renderBulk() {
    const ids = this.visible.filter((r) => this.state.checked.has(r.id)).map((r) => r.id);
    clear(this.bulkBar);
    this.bulkBar.hidden = !ids.length;
    if (!ids.length) return;
    const v = this.o.vocabulary;
    const status = h(
      "select",
      { "aria-label": "Set status", "data-testid": "bulk-status" },
      h("option", { value: "" }, "Status: keep"),
      (v?.statuses ?? []).map((x) => h("option", { value: x.id }, x.name)),
    );
    const owner = h("input", { type: "text", "aria-label": "Set owner", "data-testid": "bulk-owner", placeholder: "Owner: keep" });
    const determination = h("select", { "aria-label": "Set determination", "data-testid": "bulk-determination", disabled: true });
    const classification = h(
      "select",
      {
        "aria-label": "Set classification",
        "data-testid": "bulk-classification",
        onchange: () => {
          clear(determination);
          const ds = determinationsFor(v ?? { statuses: [], transitions: {}, classifications: [], verdicts: [] }, classification.value);
          determination.append(h("option", { value: "" }, "Determination…"), ...ds.map((d) => h("option", { value: d.id }, d.name)));
          determination.disabled = !classification.value;
        },
      },
      h("option", { value: "" }, "Classification: keep"),
      (v?.classifications ?? []).map((x) => h("option", { value: x.id }, x.name)),
    );
    const comment = h("input", { type: "text", "aria-label": "Comment", "data-testid": "bulk-comment", placeholder: "Comment (needed to resolve)" });
    const apply = h("button", { type: "button", className: "primary", "data-testid": "bulk-apply" }, "Apply");
    apply.onclick = async () => {
      const change: TriageChange = {};
      if (status.value) change.status = status.value;
      if (owner.value.trim()) change.owner = owner.value.trim();
      if (classification.value) {
        change.classification = classification.value;
        change.determination = determination.value;
      }
      if (comment.value.trim()) change.comment = comment.value;
      if (!Object.keys(change).length) return;
      apply.disabled = true;
      const ok = await this.o.bulk(ids, change);
      apply.disabled = false;
      if (ok) {
        this.state.checked.clear();
        this.renderBody();
      }
    };
    this.bulkBar.append(
      h("strong", null, `${ids.length} selected`),
      status,
      owner,
      classification,
      determination,
      comment,
      apply,
      h(
        "button",
        {
          type: "button",
          onclick: () => {
            this.state.checked.clear();
            this.renderBody();
          },
        },
        "Clear",
      ),
    );
  }

  setRows(rows: IncidentRow[]): void {
    this.rows = rows;
    this.renderFilters();
    this.renderBody();
  }

  private renderHead() {
    clear(this.thead);
    this.thead.append(
      h(
        "tr",
        null,
        COLUMNS.map((c) => {
          if (!c.key && !c.label) {
            const all = h("input", {
              type: "checkbox",
              "aria-label": "Select all shown",
              "data-testid": "check-all",
              onchange: ((e: Event) => {
                const on = (e.target as HTMLInputElement).checked;
                for (const r of this.visible) {
                  if (on) this.state.checked.add(r.id);
                  else this.state.checked.delete(r.id);
                }
                this.renderBody();
              }) as EventListener,
            });
            return h("th", { className: "check" }, all);
          }
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
    const shown = new Set(this.visible.map((r) => r.id));
    for (const id of [...this.state.checked]) if (!shown.has(id)) this.state.checked.delete(id);
    const all = this.thead.querySelector<HTMLInputElement>("[data-testid='check-all']");
    if (all) all.checked = this.visible.length > 0 && this.visible.every((r) => this.state.checked.has(r.id));
    this.renderBulk();
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
          onclick: (e: Event) => {
            if ((e.target as HTMLElement).closest("td.check")) return;
            this.o.open(r.id);
          },
          onkeydown: ((e: KeyboardEvent) => {
            if (e.key === "Enter") {
              e.preventDefault();
              e.stopPropagation();
              this.o.open(r.id);
            } else if (e.key === " " || e.key === "x") {
              e.preventDefault();
              this.toggleChecked(r.id);
            }
          }) as EventListener,
          onfocus: () => this.highlight(r.id, false),
        },
        h(
          "td",
          { className: "check" },
          h("input", {
            type: "checkbox",
            "aria-label": `Select ${r.id}`,
            "data-testid": "incident-check",
            "data-id": r.id,
            checked: this.state.checked.has(r.id),
            onchange: () => this.toggleChecked(r.id),
          }),
        ),
        h("td", null, severityBadge(r.severity)),
        h(
          "td",
          { "data-testid": "incident-status", "data-status": r.status },
          nameIn(this.o.vocabulary?.statuses, r.status),
          r.classification
            ? h("div", { className: "muted small", "data-testid": "incident-classification" }, nameIn(this.o.vocabulary?.classifications, r.classification))
            : null,
        ),
        h(
          "td",
          { className: "title" },
          h("div", null, r.title),
          h("div", { className: "muted small mono" }, r.id),
          (r.clusters ?? []).length
            ? h("div", { className: "muted small", "data-testid": "incident-cluster" }, `cluster ${(r.clusters ?? []).join(", ")}`)
            : null,
        ),
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
        h(
          "td",
          { className: "small" },
          r.owner ? h("div", { "data-testid": "incident-owner" }, r.owner) : h("div", { className: "muted" }, "unassigned"),
          (r.tags ?? []).length ? h("div", { className: "chips" }, (r.tags ?? []).map((t) => h("span", { className: "chip tag" }, t))) : null,
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
    if (this.state.selected) this.o.open(this.state.selected);
  }

  toggleChecked(id: string): void {
    if (this.state.checked.has(id)) this.state.checked.delete(id);
    else this.state.checked.add(id);
    for (const box of this.tbody.querySelectorAll<HTMLInputElement>("[data-testid='incident-check']"))
      if (box.dataset.id === id) box.checked = this.state.checked.has(id);
    const all = this.thead.querySelector<HTMLInputElement>("[data-testid='check-all']");
    if (all) all.checked = this.visible.length > 0 && this.visible.every((r) => this.state.checked.has(r.id));
    this.renderBulk();
  }
}
