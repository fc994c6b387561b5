import { describe, expect, it } from "vitest";
import { DEFAULT_SORT, filterIncidents, queueView, sortIncidents, toggleSort } from "../src/logic/queue";
import type { IncidentRow } from "../src/types";
import { demoIncidents } from "./mockBackend";

const rows = demoIncidents;

describe("incident queue", () => {
  it("puts the most severe first by default", () => {
    const sorted = sortIncidents(rows, DEFAULT_SORT);
    expect(sorted[0]!.id).toBe("INC-070b10ff");
    expect(sorted[0]!.severity).toBe("critical");
    const ranks = sorted.map((r) => ["info", "low", "medium", "high", "critical"].indexOf(r.severity));
    expect([...ranks].sort((a, b) => b - a)).toEqual(ranks);
  });

  it("sorts by any column both ways", () => {
    const bySignals = sortIncidents(rows, { key: "signals", dir: "desc" });
    expect(bySignals[0]!.signals).toBe(Math.max(...rows.map((r) => r.signals)));
    const byTitle = sortIncidents(rows, { key: "title", dir: "asc" }).map((r) => r.title);
    expect(byTitle).toEqual([...byTitle].sort((a, b) => a.localeCompare(b)));
    const firstAsc = sortIncidents(rows, { key: "first_activity", dir: "asc" });
    const firstDesc = sortIncidents(rows, { key: "first_activity", dir: "desc" });
    expect(firstAsc[0]!.id).toBe(firstDesc[firstDesc.length - 1]!.id);
  });

  it("toggles the direction on the same header and starts a new one naturally", () => {
    expect(toggleSort(DEFAULT_SORT, "severity")).toEqual({ key: "severity", dir: "asc" });
    expect(toggleSort(DEFAULT_SORT, "title")).toEqual({ key: "title", dir: "asc" });
    expect(toggleSort(DEFAULT_SORT, "last_activity")).toEqual({ key: "last_activity", dir: "desc" });
  });

  it("filters by title or entity substring, case-insensitively", () => {
    expect(filterIncidents(rows, { text: "CRYPTO", minSeverity: "" }).map((r) => r.id)).toEqual(["INC-070b10ff"]);
    expect(filterIncidents(rows, { text: "203.0.113.45", minSeverity: "" }).map((r) => r.id)).toEqual(["INC-070b10ff"]);
    expect(filterIncidents(rows, { text: "secops/Job", minSeverity: "" }).map((r) => r.id)).toEqual(["INC-11250955"]);
    expect(filterIncidents(rows, { text: "  ", minSeverity: "" }).length).toBe(rows.length);
  });

  it("finds incidents by their cluster", () => {
    const withCluster: IncidentRow[] = rows.map((r, i) => ({ ...r, clusters: i === 0 ? ["aks-shop-prod"] : [] }));
    expect(filterIncidents(withCluster, { text: "aks-shop", minSeverity: "" }).map((r) => r.id)).toEqual([withCluster[0]!.id]);
  });

  it("filters by lowest severity", () => {
    const medium = filterIncidents(rows, { text: "", minSeverity: "medium" });
    expect(medium.every((r) => ["medium", "high", "critical"].includes(r.severity))).toBe(true);
    expect(medium.length).toBeLessThan(rows.length);
    expect(queueView(rows, { text: "", minSeverity: "critical" }, DEFAULT_SORT).map((r) => r.id)).toEqual(["INC-070b10ff"]);
  });

  it("breaks ties by recency", () => {
    const a = { ...rows[0]!, id: "INC-a", severity: "high", last_activity: "2026-11-20T09:00:00Z" } as IncidentRow;
    const b = { ...rows[0]!, id: "INC-b", severity: "high", last_activity: "2026-11-20T10:00:00Z" } as IncidentRow;
    expect(sortIncidents([a, b]).map((r) => r.id)).toEqual(["INC-b", "INC-a"]);
  });
});
