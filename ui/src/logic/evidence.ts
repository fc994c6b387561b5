// Evidence tab: categories by tactic, filtering by tactic and time span (pure).
import { parseTime } from "../format";
import { CONTEXT, sortTactics, tacticName } from "../tactics";
import type { EvidenceEvent } from "../types";

export interface Span {
  from: number;
  to: number;
}

/** A graph node the evidence is narrowed to: the events its evidence lists. */
export interface NodeFilter {
  id: string;
  label: string;
  evidence: ReadonlySet<string>;
  /** How many events name the node (its list may be shorter: every signal, the first of the rest). */
  total: number;
}

export interface EvidenceFilter {
  /** A tactic id, "context", or null for all. */
  tactic: string | null;
  span: Span | null;
  /** The node selected in the graph, or null. */
  node?: NodeFilter | null;
}

/** The categories a row belongs to: a signal's tactics, or "context". */
export function rowCategories(r: EvidenceEvent): string[] {
  return r.signal && r.tactics.length ? r.tactics : [CONTEXT];
}

export function tacticCounts(rows: readonly EvidenceEvent[]): { tactic: string; name: string; count: number }[] {
  const counts = new Map<string, number>();
  for (const r of rows) for (const t of new Set(rowCategories(r))) counts.set(t, (counts.get(t) ?? 0) + 1);
  return sortTactics(counts.keys()).map((t) => ({ tactic: t, name: tacticName(t), count: counts.get(t)! }));
}

export function inSpan(r: EvidenceEvent, span: Span | null): boolean {
  if (!span) return true;
  const ms = parseTime(r.time);
  return !Number.isNaN(ms) && ms >= span.from && ms <= span.to;
}

export function filterEvidence(rows: readonly EvidenceEvent[], f: EvidenceFilter): EvidenceEvent[] {
  return rows.filter(
    (r) => (f.tactic === null || rowCategories(r).includes(f.tactic)) && inSpan(r, f.span) && (!f.node || f.node.evidence.has(r.id)),
  );
}
