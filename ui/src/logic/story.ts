// The attack story and the recommendation's evidence references (pure).
import type { Detail } from "../types";

export interface EvidenceRef {
  id: string;
  /** The signal's title when the id is one of the incident's signals. */
  title: string | null;
}

export interface StoryStepView {
  n: number;
  time: string | null;
  until: string | null;
  tactic: string | null;
  tacticName: string | null;
  text: string;
  sources: string[];
  refs: EvidenceRef[];
}

export function storySteps(detail: Detail): StoryStepView[] {
  const titles = new Map(detail.signals.map((s) => [s.id, s.title]));
  return detail.story.steps.map((s, i) => ({
    n: i + 1,
    time: s.time,
    until: s.until ?? null,
    tactic: s.tactic,
    tacticName: s.tactic_name,
    text: s.text,
    sources: s.sources,
    refs: s.evidence.map((id) => ({ id, title: titles.get(id) ?? null })),
  }));
}

export function refsOf(detail: Detail, ids: readonly string[]): EvidenceRef[] {
  const titles = new Map(detail.signals.map((s) => [s.id, s.title]));
  return ids.map((id) => ({ id, title: titles.get(id) ?? null }));
}
