// Triage view logic (pure): which choices the pickers offer, what a form
// edit changes, whether resolving may go ahead, and the activity log in
// words. The core validates every change again; this keeps the form honest
// and the errors few.
import { approvalsLine } from "./playbook";
import type { Approvals, LogEntry, Triage, TriageChange, Vocabulary } from "../types";

export interface TriageForm {
  status: string;
  /** "" = not classified. */
  classification: string;
  determination: string;
  owner: string;
  /** Comma-separated. */
  tags: string;
  /** A severity, or "computed". */
  severity: string;
  /** Markdown added with the change. */
  comment: string;
}

export function formOf(t: Triage): TriageForm {
  return {
    status: t.status,
    classification: t.classification ?? "",
    determination: t.determination ?? "",
    owner: t.owner ?? "",
    tags: t.tags.join(", "),
    severity: t.severity_override ?? "computed",
    comment: "",
  };
}

export function determinationsFor(v: Vocabulary, classification: string) {
  return v.classifications.find((c) => c.id === classification)?.determinations ?? [];
}

/** The statuses an incident may move to from `current` (itself first). */
export function statusChoices(v: Vocabulary, current: string) {
  const next = new Set([current, ...(v.transitions[current] ?? [])]);
  return v.statuses.filter((s) => next.has(s.id));
}

export function parseTags(text: string): string[] {
  const seen = new Set<string>();
  for (const t of text.split(",")) {
    const tag = t.trim();
    if (tag) seen.add(tag);
  }
  return [...seen];
}

/** What the form changes against the stored state; null when nothing. */
export function changeOf(t: Triage, f: TriageForm): TriageChange | null {
  const c: TriageChange = {};
  if (f.status !== t.status) c.status = f.status;
  if (f.classification && (f.classification !== (t.classification ?? "") || f.determination !== (t.determination ?? ""))) {
    c.classification = f.classification;
    c.determination = f.determination;
  }
  if (f.owner.trim() !== (t.owner ?? "")) c.owner = f.owner.trim();
  const tags = parseTags(f.tags);
  const add = tags.filter((x) => !t.tags.includes(x));
  const remove = t.tags.filter((x) => !tags.includes(x));
  if (add.length) c.add_tags = add;
  if (remove.length) c.remove_tags = remove;
  if (f.severity !== (t.severity_override ?? "computed")) c.severity = f.severity;
  if (f.comment.trim()) c.comment = f.comment;
  return Object.keys(c).length ? c : null;
}

/** Why the form cannot be saved as it is, or null when it can. */
export function formProblem(t: Triage, f: TriageForm, v: Vocabulary): string | null {
  if (f.classification && !determinationsFor(v, f.classification).some((d) => d.id === f.determination))
    return "Choose a determination for the classification.";
  if (!f.classification && t.classification) return "A classification cannot be removed; choose another one.";
  if (f.status === "resolved" && t.status !== "resolved") {
    if (!f.classification) return "Resolving needs a classification and a determination.";
    if (!t.comments.length && !f.comment.trim()) return "Resolving needs a comment saying why.";
  }
  return null;
}

function nameOf(v: Vocabulary | null, kind: "status" | "classification" | "determination" | "verdict", id: unknown): string {
  if (id === null || id === undefined || id === "") return "none";
  const s = String(id);
  if (!v) return s;
  const list =
    kind === "status"
      ? v.statuses
      : kind === "verdict"
        ? v.verdicts
        : kind === "classification"
          ? v.classifications
          : v.classifications.flatMap((c) => c.determinations);
  return list.find((x) => x.id === s)?.name ?? s;
}

function field(d: Record<string, unknown>, k: string): unknown {
  return d[k];
}

/** ", under playbook rule production-shop (second person: grace)" — what a containment was recorded with. */
function underRule(details: unknown): string {
  const g = (details as { playbook?: { rule?: string; approvals?: Approvals } } | null)?.playbook;
  if (!g?.rule) return "";
  const given = g.approvals ? approvalsLine(g.approvals) : null;
  return `, under playbook rule ${g.rule}${given ? ` (${given})` : ""}`;
}

/** One log row in words: "set status: New → Resolved". */
export function describeEntry(e: LogEntry, v: Vocabulary | null): string {
  const d = typeof e.details === "object" && e.details !== null ? e.details : {};
  switch (e.action) {
    case "triage": {
      const f = String(field(d, "field") ?? "");
      const from = field(d, "from");
      const to = field(d, "to");
      if (f === "tag") return to !== null && to !== undefined ? `added tag ${String(to)}` : `removed tag ${String(from)}`;
      const kind = f === "status" || f === "classification" || f === "determination" ? f : null;
      const show = (x: unknown) => (kind ? nameOf(v, kind, x) : x === null || x === undefined || x === "" ? "none" : String(x));
      return `set ${f}: ${show(from)} → ${show(to)}`;
    }
    case "comment":
      return "commented";
    case "verdict": {
      const ent = field(d, "entity") as { kind?: string; key?: string } | undefined;
      return `marked ${ent?.kind ?? "entity"} ${ent?.key ?? ""} ${nameOf(v, "verdict", field(d, "to"))}`;
    }
    case "follow-up":
      return `${field(d, "done") ? "ticked off" : "unticked"} follow-up ${String(field(d, "item") ?? "")}`;
    case "move-signal":
      return `moved signal ${String(field(d, "signal") ?? "")} here from ${String(field(d, "from") ?? "")}`;
    case "split-signal":
      return `split signal ${String(field(d, "signal") ?? "")} off ${String(field(d, "from") ?? "")} into this incident`;
    case "cluster-action": {
      const kind = field(d, "kind");
      const pod = field(d, "pod");
      const line = `${kind ? `${String(kind)} ` : ""}${String(field(d, "action") ?? "")}${pod ? ` ${String(pod)}` : ""}: ${String(field(d, "state") ?? "")}`;
      return line + underRule(field(d, "details"));
    }
    case "capture": {
      const files = field(d, "files");
      return `captured ${Array.isArray(files) ? files.length : 0} evidence files for ${String(field(d, "action") ?? "")}`;
    }
    default:
      return e.action;
  }
}
