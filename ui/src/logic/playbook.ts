// The playbook's part of the incident page, in words (pure): where the
// playbook in force comes from, and for each affected workload the rule it
// falls under and why.
import type { PlaybookForIncident, PlaybookRuleFor } from "../types";

const ACTIONS: Record<string, string> = {
  isolate: "isolate",
  terminate: "terminate",
  "scale-to-zero": "scale to zero",
  observe: "observe only",
};

/** "Kordon's default playbook" or "Shop — production and staging, loaded from x.yaml by ada". */
export function playbookSource(p: PlaybookForIncident): string {
  if (p.origin.kind === "default") return `Kordon's default playbook (${p.name})`;
  const by = p.origin.loaded_by ? ` by ${p.origin.loaded_by}` : "";
  return `${p.name}, loaded from ${p.origin.file}${by}`;
}

/** "rule production-shop: high, prefers isolate", or why none applies. */
export function ruleLine(w: PlaybookRuleFor): string {
  if (!w.rule) return "no rule of the playbook matches";
  const parts = [w.criticality, w.preferred ? `prefers ${ACTIONS[w.preferred] ?? w.preferred}` : null].filter(Boolean);
  return parts.length ? `rule ${w.rule}: ${parts.join(", ")}` : `rule ${w.rule}`;
}

/** "matched on cluster aks-shop-prod, namespace shop"; null for a catch-all. */
export function becauseLine(w: PlaybookRuleFor): string | null {
  if (!w.rule || (w.because.length === 1 && w.because[0] === "every workload")) return null;
  return `matched on ${w.because.join(", ")}`;
}
