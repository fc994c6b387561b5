import { describe, expect, it } from "vitest";
import type { Backend, EvidenceEvent } from "../src/types";
import { EvidenceView } from "../src/views/evidence";

function many(n: number): EvidenceEvent[] {
  return Array.from({ length: n }, (_, i) => ({
    id: `e${String(i).padStart(6, "0")}`,
    time: new Date(Date.parse("2026-11-20T09:00:00Z") + i * 1000).toISOString(),
    source: "tetragon",
    kind: "telemetry",
    severity: "info",
    title: `event ${i}`,
    tactics: [],
    signal: false,
    entities: [],
    file: "tetragon.log",
    line: i + 1,
  }));
}

const backend = { eventRaw: async (id: string) => ({ id, raw: "{}", records: [] }) } as unknown as Backend;

describe("the evidence list", () => {
  it("reaches every row of 50,000, drawing only those in view", async () => {
    const rows = many(50_000);
    const v = new EvidenceView(rows, backend, () => {});
    document.body.append(v.el);
    const list = v.el.querySelector<HTMLElement>(".evidence-list")!;
    expect(list.dataset.count).toBe("50000");
    const drawn = () => v.el.querySelectorAll("[data-testid='evidence-row']");
    expect(drawn().length).toBeLessThan(40);
    expect(drawn()[0]!.getAttribute("aria-setsize")).toBe("50000");
    // No "first 2,000" cap: the last event is there.
    await v.show("e049999");
    const last = v.el.querySelector<HTMLElement>("[data-id='e049999']")!;
    expect(last).not.toBeNull();
    expect(last.getAttribute("aria-selected")).toBe("true");
    expect(document.activeElement).toBe(last);
    expect(drawn().length).toBeLessThan(40);
    // The keyboard walks on past the rows drawn.
    const mid = "e030000";
    await v.show(mid);
    let at = v.el.querySelector<HTMLElement>(`[data-id='${mid}']`)!;
    for (let i = 0; i < 60; i++) {
      at.dispatchEvent(new KeyboardEvent("keydown", { key: "ArrowDown", bubbles: true }));
      at = document.activeElement as HTMLElement;
    }
    expect(at.dataset.id).toBe("e030060");
    v.el.remove();
  });
});
