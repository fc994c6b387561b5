// State of an import, driven by the backend's progress messages (pure reducer).
import type { BackendErrorShape, ImportPhase, ImportProgress, ImportReport } from "../types";

export type ImportStatus = "idle" | "running" | "done" | "failed";

export interface ImportState {
  status: ImportStatus;
  paths: string[];
  phase: ImportPhase | null;
  file: string | null;
  bytesDone: number;
  bytesTotal: number;
  records: number;
  events: number;
  cancelling: boolean;
  report: ImportReport | null;
  error: BackendErrorShape | null;
}

export type ImportAction =
  | { type: "start"; paths: string[] }
  | { type: "progress"; progress: ImportProgress }
  | { type: "cancel" }
  | { type: "done"; report: ImportReport }
  | { type: "failed"; error: BackendErrorShape }
  | { type: "reset" };

export const IDLE: ImportState = {
  status: "idle",
  paths: [],
  phase: null,
  file: null,
  bytesDone: 0,
  bytesTotal: 0,
  records: 0,
  events: 0,
  cancelling: false,
  report: null,
  error: null,
};

const PHASES: ImportPhase[] = ["reading", "detecting", "correlating", "done"];

export function importReducer(s: ImportState, a: ImportAction): ImportState {
  switch (a.type) {
    case "start":
      return { ...IDLE, status: "running", paths: a.paths, phase: "reading" };
    case "progress": {
      if (s.status !== "running") return s;
      const p = a.progress;
      // Messages may arrive out of order: never step back a phase or a count.
      const phase =
        s.phase && PHASES.indexOf(p.phase) < PHASES.indexOf(s.phase) ? s.phase : p.phase;
      return {
        ...s,
        phase,
        file: p.file ?? s.file,
        bytesTotal: Math.max(s.bytesTotal, p.bytes_total),
        bytesDone: Math.max(s.bytesDone, p.bytes_done),
        records: Math.max(s.records, p.records),
        events: Math.max(s.events, p.events ?? 0),
      };
    }
    case "cancel":
      return s.status === "running" ? { ...s, cancelling: true } : s;
    case "done":
      return { ...s, status: "done", phase: "done", cancelling: false, report: a.report, error: null };
    case "failed":
      return { ...s, status: "failed", cancelling: false, error: a.error };
    case "reset":
      return IDLE;
  }
}

/** Fraction done (0..1) for the progress bar; null when unknown. */
export function importFraction(s: ImportState): number | null {
  if (s.status === "done") return 1;
  if (s.bytesTotal <= 0) return null;
  return Math.min(1, s.bytesDone / s.bytesTotal);
}

export function phaseLabel(p: ImportPhase | null): string {
  switch (p) {
    case "reading":
      return "Reading files";
    case "detecting":
      return "Running detections";
    case "correlating":
      return "Correlating into incidents";
    case "done":
      return "Done";
    default:
      return "";
  }
}
