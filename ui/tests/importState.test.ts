import { describe, expect, it } from "vitest";
import { IDLE, importFraction, importReducer, type ImportAction } from "../src/logic/importState";
import { sampleReport } from "./mockBackend";

const run = (actions: ImportAction[]) => actions.reduce(importReducer, IDLE);

describe("import progress reducer", () => {
  it("starts, follows progress and finishes", () => {
    let s = run([{ type: "start", paths: ["a.zip"] }]);
    expect(s.status).toBe("running");
    expect(s.phase).toBe("reading");
    expect(importFraction(s)).toBeNull();
    s = importReducer(s, { type: "progress", progress: { phase: "reading", file: "a.zip", bytes_done: 50, bytes_total: 200, records: 10, events: 9 } });
    expect(s.file).toBe("a.zip");
    expect(importFraction(s)).toBe(0.25);
    s = importReducer(s, { type: "progress", progress: { phase: "detecting", file: null, bytes_done: 200, bytes_total: 200, records: 40, events: 38 } });
    expect(s.phase).toBe("detecting");
    expect(s.file).toBe("a.zip");
    s = importReducer(s, { type: "done", report: sampleReport });
    expect(s.status).toBe("done");
    expect(s.report).toBe(sampleReport);
    expect(importFraction(s)).toBe(1);
  });

  it("never steps back a phase or a count", () => {
    const s = run([
      { type: "start", paths: ["a"] },
      { type: "progress", progress: { phase: "correlating", file: null, bytes_done: 100, bytes_total: 100, records: 5, events: 5 } },
      { type: "progress", progress: { phase: "reading", file: "late", bytes_done: 40, bytes_total: 100, records: 2, events: 2 } },
    ]);
    expect(s.phase).toBe("correlating");
    expect(s.bytesDone).toBe(100);
    expect(s.records).toBe(5);
  });

  it("ignores progress when not running, and records cancel and failure", () => {
    expect(importReducer(IDLE, { type: "progress", progress: { phase: "reading", file: null, bytes_done: 1, bytes_total: 2, records: 0, events: 0 } })).toBe(IDLE);
    let s = run([{ type: "start", paths: ["a"] }, { type: "cancel" }]);
    expect(s.cancelling).toBe(true);
    s = importReducer(s, { type: "failed", error: { code: "cancelled", message: "import cancelled" } });
    expect(s.status).toBe("failed");
    expect(s.cancelling).toBe(false);
    expect(s.error?.code).toBe("cancelled");
    expect(importReducer(s, { type: "reset" })).toBe(IDLE);
    expect(importReducer(IDLE, { type: "cancel" })).toBe(IDLE);
  });
});
