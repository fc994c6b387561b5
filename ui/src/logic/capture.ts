// "Capture from cluster": the form's parsing and checks, the request it
// sends, and the state a capture goes through, driven by the core's progress
// messages — first the listing of kinds, then the import (pure).
import type { BackendErrorShape, CaptureProgress, CaptureReport, CaptureRequest, CaptureResult, ContextInfo, DetailEntity } from "../types";
import { IDLE, importFraction, importReducer, phaseLabel, type ImportState } from "./importState";
import { runsCommand } from "./kubeconfig";

export interface CaptureForm {
  kubeconfig: string | null;
  context: string | null;
  trustExec: boolean;
  /** As typed: names separated by commas or spaces; empty = every namespace. */
  namespaces: string;
  /** As typed: one namespace/pod per line. */
  logs: string;
  configmapData: boolean;
}

export function emptyForm(logs: readonly string[] = []): CaptureForm {
  return { kubeconfig: null, context: null, trustExec: false, namespaces: "", logs: logs.join("\n"), configmapData: false };
}

const LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const SUBDOMAIN = /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/;

/** A namespace name: an RFC 1123 label. */
export function isNamespace(s: string): boolean {
  return s.length <= 63 && LABEL.test(s);
}

/** A pod name: an RFC 1123 subdomain. */
export function isPodName(s: string): boolean {
  return s.length <= 253 && SUBDOMAIN.test(s);
}

export function parseNamespaces(text: string): { namespaces: string[]; invalid: string[] } {
  const words = text.split(/[\s,]+/).filter(Boolean);
  const namespaces: string[] = [];
  const invalid: string[] = [];
  for (const w of words) {
    if (!isNamespace(w)) invalid.push(w);
    else if (!namespaces.includes(w)) namespaces.push(w);
  }
  return { namespaces, invalid };
}

/** One namespace/pod per line; blank lines are skipped, repeats dropped. */
export function parseLogPods(text: string): { pods: string[]; problems: string[] } {
  const pods: string[] = [];
  const problems: string[] = [];
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = raw.trim();
    if (!line) return;
    const parts = line.split("/");
    if (parts.length !== 2 || !isNamespace(parts[0]!) || !isPodName(parts[1]!)) {
      problems.push(`line ${i + 1}: “${line}” is not namespace/pod`);
      return;
    }
    if (!pods.includes(line)) pods.push(line);
  });
  return { pods, problems };
}

/** The incident's pods (namespace/name), for the logs to capture. */
export function podsOf(entities: readonly DetailEntity[]): string[] {
  const out: string[] = [];
  for (const e of entities) if (e.kind === "pod" && e.key.includes("/") && !out.includes(e.key)) out.push(e.key);
  return out;
}

/** Why Capture cannot start yet; empty when it can. */
export function formProblems(form: CaptureForm, ctx: ContextInfo | undefined): string[] {
  const out: string[] = [];
  if (!ctx) out.push("Choose a kubeconfig context.");
  else if (runsCommand(ctx) && !form.trustExec) out.push("This context runs a command for its credentials: tick that you trust it.");
  const ns = parseNamespaces(form.namespaces);
  if (ns.invalid.length) out.push(`Not a namespace name: ${ns.invalid.join(", ")}.`);
  out.push(...parseLogPods(form.logs).problems);
  return out;
}

export function captureRequest(form: CaptureForm): CaptureRequest {
  return {
    kubeconfig: form.kubeconfig,
    context: form.context,
    trust_exec: form.trustExec,
    namespaces: parseNamespaces(form.namespaces).namespaces,
    logs: parseLogPods(form.logs).pods,
    configmap_data: form.configmapData,
  };
}

// ---- a running capture ------------------------------------------------------

export type CaptureStatus = "idle" | "running" | "done" | "failed" | "cancelled";

export interface CaptureState {
  status: CaptureStatus;
  phase: "capture" | "import" | null;
  /** The kind being listed. */
  kind: string | null;
  objects: number;
  kindsDone: number;
  kindsTotal: number;
  /** The import phase, in the import panel's terms. */
  importState: ImportState;
  cancelling: boolean;
  result: CaptureResult | null;
  error: BackendErrorShape | null;
}

export type CaptureAction =
  | { type: "start" }
  | { type: "progress"; progress: CaptureProgress }
  | { type: "cancel" }
  | { type: "done"; result: CaptureResult }
  | { type: "failed"; error: BackendErrorShape };

export const CAPTURE_IDLE: CaptureState = {
  status: "idle",
  phase: null,
  kind: null,
  objects: 0,
  kindsDone: 0,
  kindsTotal: 0,
  importState: IDLE,
  cancelling: false,
  result: null,
  error: null,
};

export function captureReducer(s: CaptureState, a: CaptureAction): CaptureState {
  switch (a.type) {
    case "start":
      return { ...CAPTURE_IDLE, status: "running", phase: "capture" };
    case "progress": {
      if (s.status !== "running") return s;
      const p = a.progress;
      if (p.phase === "capture") {
        // Messages may arrive out of order: never step back from the import or a count.
        if (s.phase === "import") return s;
        return {
          ...s,
          kind: p.kind || s.kind,
          objects: Math.max(s.objects, p.objects),
          kindsDone: Math.max(s.kindsDone, p.kinds_done),
          kindsTotal: Math.max(s.kindsTotal, p.kinds_total),
        };
      }
      const started = s.phase === "import" ? s.importState : importReducer(IDLE, { type: "start", paths: [] });
      return { ...s, phase: "import", importState: importReducer(started, { type: "progress", progress: p.progress }) };
    }
    case "cancel":
      return s.status === "running" ? { ...s, cancelling: true } : s;
    case "done":
      return { ...s, status: "done", cancelling: false, result: a.result, error: null };
    case "failed":
      return { ...s, status: a.error.code === "cancelled" ? "cancelled" : "failed", cancelling: false, error: a.error };
  }
}

/** Fraction done (0..1) of the current phase; null when unknown. */
export function captureFraction(s: CaptureState): number | null {
  if (s.status === "done") return 1;
  if (s.phase === "import") return importFraction(s.importState);
  if (s.kindsTotal <= 0) return null;
  return Math.min(1, s.kindsDone / s.kindsTotal);
}

/** The progress line's heading: what is happening now. */
export function captureHeading(s: CaptureState): string {
  if (s.phase === "import") return `Importing: ${phaseLabel(s.importState.phase)}`;
  return s.kind ? `Listing ${s.kind}` : "Connecting to the cluster";
}

/** The progress line's figures. */
export function captureFigures(s: CaptureState): string {
  const objects = `${s.objects.toLocaleString("en-US")} object${s.objects === 1 ? "" : "s"}`;
  if (s.phase === "import") {
    const i = s.importState;
    return [`${objects} captured`, `${i.records} records`, i.events > 0 ? `${i.events} events` : ""].filter(Boolean).join(" · ");
  }
  return [objects + " so far", s.kindsTotal > 0 ? `${s.kindsDone} of ${s.kindsTotal} kinds` : ""].filter(Boolean).join(" · ");
}

/** The kinds the cluster would not list (a 403 on one kind does not stop the capture). */
export function failedKinds(report: CaptureReport): string[] {
  return report.kinds.filter((k) => !!k.error).map((k) => k.kind);
}

/** A hint after a failed capture, chosen by the error's code (never its message). */
export function captureErrorHint(code: string): string | null {
  switch (code) {
    case "exec_untrusted":
      return "The context's credentials come from a command: read it and tick that you trust it.";
    case "unauthorized":
      return "The cluster did not accept these credentials: log in again or choose another context.";
    case "forbidden":
      return "The cluster refused the capture: the identity lacks list permissions.";
    case "cluster_unreachable":
      return "The API server could not be reached: check the network, VPN or the context's server.";
    case "not_found":
      return "The kubeconfig or the context was not found: choose another.";
    case "no_case":
      return "Open or create a case first: the capture is imported into it.";
    default:
      return null;
  }
}
