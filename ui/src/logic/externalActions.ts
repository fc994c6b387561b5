// What responders outside Kordon did to the incident's pods (pure): how to
// say it on the pod ("Falco Talon terminated this pod at …"), which pods the
// graph marks, and the order the triage tab lists them in. Kordon's own
// actions stay separate: these were not done through Kordon and cannot be
// released from it.
import { fmtTime } from "../format";
import type { ExternalAction } from "../types";

/** How each effect reads on its pod: what was done, and the attempt. */
const EFFECT_WORDS: Record<string, [done: string, attempt: string]> = {
  terminate: ["terminated this pod", "terminate this pod"],
  isolate: ["isolated this pod", "isolate this pod"],
  label: ["labelled this pod", "label this pod"],
  annotate: ["annotated this pod", "annotate this pod"],
  exec: ["ran a command in this pod", "run a command in this pod"],
  collect: ["collected from this pod", "collect from this pod"],
  capture: ["captured this pod's activity", "capture this pod's activity"],
  delete: ["deleted a resource of this pod", "delete a resource of this pod"],
  cordon: ["cordoned this pod's node", "cordon this pod's node"],
  drain: ["drained this pod's node", "drain this pod's node"],
  invoke: ["ran a cloud function for this pod", "run a cloud function for this pod"],
};

/** Effects the graph marks on a pod when they worked: the pod is gone, cut off or tagged. */
export const MARKED_EFFECTS = ["terminate", "isolate", "label"] as const;
export type MarkedEffect = (typeof MARKED_EFFECTS)[number];

/** "Falco Talon terminated this pod at 2026-11-20 09:47:22", "… failed to terminate this pod at … (pods … is forbidden)". */
export function onThePod(a: ExternalAction): string {
  const words = a.effect ? EFFECT_WORDS[a.effect] : undefined;
  const at = a.time ? ` at ${fmtTime(a.time)}` : "";
  const tool = a.actionner ?? "an action";
  const [done, attempt] = words ?? [`ran ${tool} on this pod`, `run ${tool} on this pod`];
  switch (a.status) {
    case "success":
      return `${a.by} ${done}${at}`;
    case "failure":
      return `${a.by} failed to ${attempt}${at}${a.error ? ` (${a.error})` : ""}`;
    case "ignored":
      return `${a.by} did not ${attempt}${at} (ignored${a.result ? `: ${a.result}` : ""})`;
    default:
      return `${a.by}: ${attempt}${at}${a.status ? ` (${a.status})` : ""}`;
  }
}

/** A short word for the status badge. */
export function statusWord(a: ExternalAction): string {
  return a.status === "success" ? "done" : a.status === "failure" ? "failed" : (a.status ?? "unknown");
}

/** The actions on one pod, oldest first. */
export function onPod(external: readonly ExternalAction[], pod: string): ExternalAction[] {
  return byTime(external.filter((a) => a.pod === pod));
}

/** Oldest first (no time last), then by id: the order the responder acted in. */
export function byTime(external: readonly ExternalAction[]): ExternalAction[] {
  return [...external].sort((a, b) => {
    if (a.time !== b.time) {
      if (a.time === null) return 1;
      if (b.time === null) return -1;
      return a.time < b.time ? -1 : 1;
    }
    return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
  });
}

/**
 * The pods the graph marks, with what worked on each (a failed terminate
 * leaves the pod as it was, so it marks nothing).
 */
export function podMarks(external: readonly ExternalAction[]): Map<string, Set<MarkedEffect>> {
  const out = new Map<string, Set<MarkedEffect>>();
  for (const a of external) {
    if (!a.pod || a.status !== "success") continue;
    const effect = MARKED_EFFECTS.find((e) => e === a.effect);
    if (!effect) continue;
    const set = out.get(a.pod) ?? new Set<MarkedEffect>();
    set.add(effect);
    out.set(a.pod, set);
  }
  return out;
}

/** "terminated, isolated" for a pod's marks, in a fixed order. */
export function marksWords(marks: ReadonlySet<MarkedEffect>): string {
  const words: Record<MarkedEffect, string> = { terminate: "terminated", isolate: "isolated", label: "labelled" };
  return MARKED_EFFECTS.filter((e) => marks.has(e))
    .map((e) => words[e])
    .join(", ");
}
