// The playbook in words (pure): where the playbook in force comes from, the
// rule each affected workload falls under and why, who answers for the
// incident, and what a containment dialog must ask before the action.
import type { Approvals, PlaybookForIncident, PlaybookGate, PlaybookLoaded, PlaybookRequirement, PlaybookRuleFor } from "../types";

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

/** "Playbook “Kordon default”, rule workloads", or that no rule matches. */
export function gateHeading(g: PlaybookGate): string {
  return g.rule ? `Playbook “${g.playbook}”, rule ${g.rule}` : `Playbook “${g.playbook}”: no rule matches this pod`;
}

/** The approvals the dialog asks for: only those the rule requires. */
export function approvalInputs(g: PlaybookGate): { secondPerson: boolean; override: boolean; evidence: boolean } {
  const kinds = new Set(g.requirements.map((r) => r.kind));
  return { secondPerson: kinds.has("second-person"), override: kinds.has("override"), evidence: kinds.has("evidence-captured") };
}

/** The requirements still unmet; the action is refused while any is. */
export function unmet(g: PlaybookGate): PlaybookRequirement[] {
  return g.requirements.filter((r) => !r.met);
}

/** What the action is recorded with: "second person: Grace; evidence captured", or null for none. */
export function approvalsLine(a: Approvals): string | null {
  const parts = [
    a.second_person?.trim() ? `second person: ${a.second_person.trim()}` : null,
    a.override_reason?.trim() ? `override: ${a.override_reason.trim()}` : null,
    a.evidence_captured ? "evidence captured" : null,
  ].filter((x): x is string => !!x);
  return parts.length ? parts.join("; ") : null;
}

/** Who answers for the incident, together: its owner, the affected workloads' owners and whom to notify (each once, in order). */
export interface Escalation {
  incidentOwner: string | null;
  owners: string[];
  notify: string[];
}

export function escalation(p: PlaybookForIncident, incidentOwner: string | null | undefined): Escalation {
  const once = (lists: (string[] | undefined)[]) => [...new Set(lists.flatMap((l) => l ?? []))];
  return {
    incidentOwner: incidentOwner?.trim() ? incidentOwner.trim() : null,
    owners: once(p.workloads.map((w) => w.owners)),
    notify: once(p.workloads.map((w) => w.notify)),
  };
}

/** "Loaded “Shop” from shop.yaml: 4 rules, in force from now" — or that it was in force already. */
export function loadedLine(l: PlaybookLoaded): string {
  if (l.unchanged) return `${l.file} is the playbook in force already: nothing changed`;
  return `Loaded “${l.name}” from ${l.file}: ${l.rules} rule${l.rules === 1 ? "" : "s"}, in force from now (SHA-256 ${l.sha256.slice(0, 12)}…)`;
}
