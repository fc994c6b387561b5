// The SOC view's logic (pure): how another tool's incident compares with
// Kordon's triage, and its lines in words. The core says what the SOC's
// status and classification mean in Kordon's vocabulary (`kordon_status`,
// `kordon_classification`, from data/triage.yaml); the comparison is redone
// here against the triage as it is now, so the note follows every change
// made in the form without reloading the incident.
import type { SocDifference, SocView, Triage, Vocabulary } from "../types";

/** Where the SOC's incident differs from Kordon's triage of the incident. */
export function socDifferences(v: SocView, t: Pick<Triage, "status" | "classification">): SocDifference[] {
  const out: SocDifference[] = [];
  // A status Kordon's vocabulary cannot read is nothing to compare.
  if (v.kordon_status && v.kordon_status !== t.status) {
    out.push({ what: "status", soc: v.kordon_status, kordon: t.status });
  }
  if ((v.kordon_classification ?? null) !== (t.classification ?? null)) {
    out.push({ what: "classification", soc: v.kordon_classification ?? null, kordon: t.classification ?? null });
  }
  return out;
}

function nameOf(vocab: Vocabulary | null, what: SocDifference["what"], id: string | null): string {
  if (id === null) return what === "classification" ? "not classified" : "none";
  const list = what === "status" ? vocab?.statuses : vocab?.classifications;
  return list?.find((x) => x.id === id)?.name ?? id;
}

/** "Differs from Kordon's triage: status (SOC In progress, Kordon New)"; null when it agrees. */
export function differsNote(diffs: SocDifference[], vocab: Vocabulary | null): string | null {
  if (!diffs.length) return null;
  const parts = diffs.map((d) => `${d.what} (SOC ${nameOf(vocab, d.what, d.soc)}, Kordon ${nameOf(vocab, d.what, d.kordon)})`);
  return `Differs from Kordon's triage: ${parts.join("; ")}`;
}

/** "#4127 Digital currency mining related behavior detected". */
export function socHeadline(v: SocView): string {
  return v.number !== null ? `#${v.number} ${v.title}` : v.title;
}

/** "Dana Reyes <dana@…>", or "Unassigned". */
export function ownerLine(v: SocView): string {
  if (!v.owner) return "Unassigned";
  return v.owner_email && v.owner_email !== v.owner ? `${v.owner} <${v.owner_email}>` : v.owner;
}

/** The classification with its reason: "True positive — Suspicious activity". */
export function classificationLine(v: SocView): string {
  const c = v.classification_name ?? v.classification;
  if (!c) return "Not classified";
  const r = v.reason_name ?? v.classification_reason;
  return r ? `${c} — ${r}` : c;
}
