// Sorting and filtering of the incident queue (pure).
import { parseTime, severityRank } from "../format";
import type { IncidentRow } from "../types";

export type QueueKey = "severity" | "status" | "title" | "first_activity" | "last_activity" | "signals" | "id";
export type Direction = "asc" | "desc";

export interface QueueSort {
  key: QueueKey;
  dir: Direction;
}

/** Most severe first, then most recent activity. */
export const DEFAULT_SORT: QueueSort = { key: "severity", dir: "desc" };

function timeKey(t: string | null): number {
  const ms = parseTime(t);
  return Number.isNaN(ms) ? -Infinity : ms;
}

function compareBy(key: QueueKey, a: IncidentRow, b: IncidentRow): number {
  switch (key) {
    case "severity":
      return severityRank(a.severity) - severityRank(b.severity);
    case "signals":
      return a.signals - b.signals;
    case "first_activity":
    case "last_activity":
      return timeKey(a[key]) - timeKey(b[key]);
    default:
      return a[key].localeCompare(b[key]);
  }
}

export function sortIncidents(rows: readonly IncidentRow[], sort: QueueSort = DEFAULT_SORT): IncidentRow[] {
  const sign = sort.dir === "asc" ? 1 : -1;
  return [...rows].sort(
    (a, b) =>
      sign * compareBy(sort.key, a, b) ||
      // Ties: the more severe, then the more recent, then by id.
      severityRank(b.severity) - severityRank(a.severity) ||
      timeKey(b.last_activity) - timeKey(a.last_activity) ||
      a.id.localeCompare(b.id),
  );
}

/** Clicking a header: same key flips the direction; a new key starts at its natural one. */
export function toggleSort(current: QueueSort, key: QueueKey): QueueSort {
  if (current.key === key) return { key, dir: current.dir === "asc" ? "desc" : "asc" };
  const natural: Direction = key === "title" || key === "status" || key === "id" ? "asc" : "desc";
  return { key, dir: natural };
}

export interface QueueFilter {
  /** Substring of the title, id, owner, a tag or a key entity (case-insensitive). */
  text: string;
  /** Lowest severity shown; "" for all. */
  minSeverity: string;
  /** "" for all. */
  status?: string;
  /** A classification id, "none" for unclassified, "" for all. */
  classification?: string;
  /** An owner, "none" for unassigned, "" for all. */
  owner?: string;
  /** "" for all. */
  tag?: string;
}

/** "none" matches a missing value; "" matches anything. */
function matches(choice: string | undefined, value: string | null | undefined): boolean {
  if (!choice) return true;
  if (choice === "none") return !value;
  return value === choice;
}

export function filterIncidents(rows: readonly IncidentRow[], f: QueueFilter): IncidentRow[] {
  const q = f.text.trim().toLowerCase();
  const min = f.minSeverity ? severityRank(f.minSeverity) : -Infinity;
  return rows.filter((r) => {
    if (severityRank(r.severity) < min) return false;
    if (!matches(f.status, r.status) || !matches(f.classification, r.classification) || !matches(f.owner, r.owner)) return false;
    if (f.tag && !(r.tags ?? []).includes(f.tag)) return false;
    if (!q) return true;
    if ((r.owner ?? "").toLowerCase().includes(q) || (r.tags ?? []).some((t) => t.toLowerCase().includes(q))) return true;
    if (r.title.toLowerCase().includes(q) || r.id.toLowerCase().includes(q)) return true;
    if ((r.clusters ?? []).some((c) => c.toLowerCase().includes(q))) return true;
    return r.key_entities.some((e) => e.key.toLowerCase().includes(q));
  });
}

export function queueView(rows: readonly IncidentRow[], f: QueueFilter, sort: QueueSort): IncidentRow[] {
  return sortIncidents(filterIncidents(rows, f), sort);
}

/** The owners and tags present in the queue, for its filter pickers. */
export function facets(rows: readonly IncidentRow[]): { owners: string[]; tags: string[] } {
  const owners = new Set<string>();
  const tags = new Set<string>();
  for (const r of rows) {
    if (r.owner) owners.add(r.owner);
    for (const t of r.tags ?? []) tags.add(t);
  }
  const sorted = (s: Set<string>) => [...s].sort((a, b) => a.localeCompare(b));
  return { owners: sorted(owners), tags: sorted(tags) };
}
