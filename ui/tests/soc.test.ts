// The SOC view: its logic (pure) and the panel, against the view the core
// gives for the demo's Sentinel incident.
import { describe, expect, it } from "vitest";
import { classificationLine, differsNote, ownerLine, socDifferences, socHeadline } from "../src/logic/soc";
import type { SocView } from "../src/types";
import { SocPanel } from "../src/views/soc";
import { vocabulary } from "./mockBackend";

const active: SocView = {
  event: "9c3579c24915137d",
  source: "sentinel",
  source_name: "Microsoft Sentinel",
  number: 4127,
  title: "Digital currency mining related behavior detected",
  description: "Pod: cart-7f9c6d8b5-x2k4q, namespace: shop.",
  severity: "High",
  status: "Active",
  classification: null,
  classification_reason: null,
  classification_comment: null,
  owner: "Dana Reyes",
  owner_email: "dana.reyes@contoso-shop.example",
  labels: ["aks-shop-prod", "Defender for Containers"],
  alert_products: ["Azure Security Center"],
  tactics: ["Impact"],
  techniques: ["T1496"],
  first_activity: "2026-11-20T09:47:21.130456700Z",
  last_activity: "2026-11-20T09:47:22.017654300Z",
  created: "2026-11-20T09:55:31.208734200Z",
  last_modified: "2026-11-20T10:12:40.553120700Z",
  provider_name: "Azure Sentinel",
  provider_incident_id: "4127",
  incident_url: "https://portal.azure.com/#asset/Microsoft_Azure_Security_Insights/Incident/x",
  status_name: "Active",
  classification_name: null,
  reason_name: null,
  kordon_status: "in-progress",
  kordon_classification: null,
  summary: "SOC: Active · unclassified",
  matched: "its title is the signal “Digital currency mining related behavior detected”",
  differences: [{ what: "status", soc: "in-progress", kordon: "new" }],
};

const closed: SocView = {
  ...active,
  status: "Closed",
  status_name: "Closed",
  classification: "TruePositive",
  classification_name: "True positive",
  classification_reason: "SuspiciousActivity",
  reason_name: "Suspicious activity",
  kordon_status: "resolved",
  kordon_classification: "true-positive",
  summary: "SOC: Closed · True positive — Suspicious activity",
};

describe("SOC view logic", () => {
  it("compares the SOC's reading with Kordon's triage as it is now", () => {
    expect(socDifferences(active, { status: "new", classification: null })).toEqual([{ what: "status", soc: "in-progress", kordon: "new" }]);
    expect(socDifferences(active, { status: "in-progress", classification: null })).toEqual([]);
    expect(socDifferences(closed, { status: "resolved", classification: "true-positive" })).toEqual([]);
    expect(socDifferences(closed, { status: "resolved", classification: "false-positive" })).toEqual([
      { what: "classification", soc: "true-positive", kordon: "false-positive" },
    ]);
    // A status Kordon cannot read is nothing to compare.
    expect(socDifferences({ ...active, kordon_status: null }, { status: "new", classification: null })).toEqual([]);
  });

  it("says the difference in Kordon's words", () => {
    const d = socDifferences(closed, { status: "new", classification: null });
    expect(differsNote(d, vocabulary)).toBe(
      "Differs from Kordon's triage: status (SOC Resolved, Kordon New); classification (SOC True positive, Kordon not classified)",
    );
    expect(differsNote([], vocabulary)).toBeNull();
    expect(differsNote(d, null)).toContain("status (SOC resolved, Kordon new)");
  });

  it("words the headline, the owner and the classification", () => {
    expect(socHeadline(active)).toBe("#4127 Digital currency mining related behavior detected");
    expect(socHeadline({ ...active, number: null })).toBe("Digital currency mining related behavior detected");
    expect(ownerLine(active)).toBe("Dana Reyes <dana.reyes@contoso-shop.example>");
    expect(ownerLine({ ...active, owner: null })).toBe("Unassigned");
    expect(classificationLine(active)).toBe("Not classified");
    expect(classificationLine(closed)).toBe("True positive — Suspicious activity");
  });
});

describe("SOC panel", () => {
  it("shows each SOC incident read-only, with the link as text and the note when it differs", () => {
    const p = new SocPanel([active]);
    p.update({ incident: "INC-1", status: "new", classification: null, determination: null, owner: null, tags: [], severity_override: null, comments: [], verdicts: [], follow_up: [], log: [] }, vocabulary);
    expect(p.el.dataset.testid).toBe("soc-view");
    expect(p.el.querySelector("h2")?.textContent).toBe("SOC view (Microsoft Sentinel)");
    expect(p.el.querySelector("[data-testid='soc-title']")?.textContent).toBe("#4127 Digital currency mining related behavior detected");
    expect(p.el.querySelector("[data-testid='soc-owner']")?.textContent).toBe("Dana Reyes <dana.reyes@contoso-shop.example>");
    expect(p.el.querySelector("[data-testid='soc-differs']")?.textContent).toContain("status (SOC In progress, Kordon New)");
    const url = p.el.querySelector("[data-testid='soc-url']");
    expect(url?.tagName).toBe("CODE");
    expect(p.el.querySelector("a, iframe, img")).toBeNull();
    expect(p.el.querySelectorAll("input, select, textarea, button")).toHaveLength(0);
    // Once Kordon's triage agrees, the note goes.
    p.update({ incident: "INC-1", status: "in-progress", classification: null, determination: null, owner: null, tags: [], severity_override: null, comments: [], verdicts: [], follow_up: [], log: [] }, vocabulary);
    expect(p.el.querySelector("[data-testid='soc-differs']")).toBeNull();
  });

  it("is hidden when no SOC incident matches", () => {
    const p = new SocPanel([]);
    p.update(null, null);
    expect(p.el.hidden).toBe(true);
    expect(p.el.childElementCount).toBe(0);
  });
});
