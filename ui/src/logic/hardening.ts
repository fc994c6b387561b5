// Hardening findings as the views show them: filtered by severity, grouped
// by category in the order the core gives, counted (pure).
import { SEVERITIES, severityRank } from "../format";
import type { Finding, Severity } from "../types";

export interface FindingFilter {
  /** Lowest severity shown; "" shows all. */
  minSeverity: Severity | "";
}

export type SeverityCounts = Record<Severity, number>;

export interface FindingGroup {
  category: string;
  name: string;
  findings: Finding[];
  counts: SeverityCounts;
}

export function emptyCounts(): SeverityCounts {
  return { critical: 0, high: 0, medium: 0, low: 0, info: 0 };
}

export function severityCounts(findings: readonly Finding[]): SeverityCounts {
  const c = emptyCounts();
  for (const f of findings) if (f.severity in c) c[f.severity]++;
  return c;
}

export function filterFindings(findings: readonly Finding[], f: FindingFilter): Finding[] {
  if (!f.minSeverity) return [...findings];
  const min = severityRank(f.minSeverity);
  return findings.filter((x) => severityRank(x.severity) >= min);
}

/**
 * Findings by category, categories in the order they first appear (the core
 * sorts them along the review's checklist), findings keeping their order
 * within a category.
 */
export function groupFindings(findings: readonly Finding[]): FindingGroup[] {
  const groups = new Map<string, FindingGroup>();
  for (const f of findings) {
    let g = groups.get(f.category);
    if (!g) {
      g = { category: f.category, name: f.category_name || f.category, findings: [], counts: emptyCounts() };
      groups.set(f.category, g);
    }
    g.findings.push(f);
    if (f.severity in g.counts) g.counts[f.severity]++;
  }
  return [...groups.values()];
}

/** "1 critical, 2 high, 1 medium": the severities present, most severe first. */
export function countsText(c: SeverityCounts): string {
  return [...SEVERITIES]
    .reverse()
    .filter((s) => c[s] > 0)
    .map((s) => `${c[s]} ${s}`)
    .join(", ");
}

export function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}
