import { describe, expect, it } from "vitest";
import { codeSegments } from "../src/format";
import { refsOf, storySteps } from "../src/logic/story";
import { demoDetail, demoEvidence } from "./mockBackend";

describe("story evidence references", () => {
  const steps = storySteps(demoDetail);

  it("numbers the steps and keeps their evidence ids in order", () => {
    expect(steps.length).toBe(demoDetail.story.steps.length);
    expect(steps.map((s) => s.n)).toEqual(steps.map((_, i) => i + 1));
    steps.forEach((s, i) => expect(s.refs.map((r) => r.id)).toEqual(demoDetail.story.steps[i]!.evidence));
  });

  it("resolves every reference to one of the incident's signals", () => {
    const ids = new Set(demoEvidence().map((r) => r.id));
    for (const s of steps)
      for (const r of s.refs) {
        expect(r.title).not.toBeNull();
        expect(ids.has(r.id)).toBe(true);
      }
    const last = steps[steps.length - 1]!;
    expect(last.tactic).toBe("TA0040");
    expect(last.refs.map((r) => r.title)).toContain("Detect outbound connections to common miner pool ports");
  });

  it("resolves the recommendation's references, unknown ids without a title", () => {
    const refs = refsOf(demoDetail, [...demoDetail.recommendation.reasons[0]!.evidence, "ffffffffffffffff"]);
    expect(refs[refs.length - 1]!.title).toBeNull();
  });

  it("splits code spans out of the text", () => {
    expect(codeSegments("a `b` c")).toEqual([
      { code: false, text: "a " },
      { code: true, text: "b" },
      { code: false, text: " c" },
    ]);
    expect(codeSegments("odd ` tick")).toEqual([{ code: false, text: "odd ` tick" }]);
  });
});
