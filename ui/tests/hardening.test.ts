// Hardening findings: the pure grouping and filtering, the incident's tab
// (grouped cards, raw records of the objects, the empty states) and the
// case-wide view, in jsdom against the mock backend.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { App } from "../src/app";
import { countsText, filterFindings, groupFindings, severityCounts } from "../src/logic/hardening";
import type { Backend, Finding } from "../src/types";
import { HardeningView } from "../src/views/hardening";
import { $, $$, key, mountFresh, openDemo, ready, waitFor } from "./helpers";
import snapshotFile from "../../fixtures/demo/src/snapshot.json?raw";
import { caseFindings, DEMO_ID, demoDetail, demoFindings, demoGraph, mockBackend, SNAPSHOT_IDS, type MockBackend } from "./mockBackend";

const f = (check: string, category: string, severity: Finding["severity"]): Finding => ({
  check,
  category,
  category_name: category.toUpperCase(),
  severity,
  title: `${check} ${severity}`,
  remediation: "fix it",
  evidence: [],
  objects: [],
  sources: ["Kordon"],
});

describe("grouping and filtering findings", () => {
  const list = [f("a", "identity", "high"), f("b", "network", "high"), f("c", "identity", "medium"), f("d", "admission", "critical"), f("e", "network", "low")];

  it("groups by category in the order given, keeping the order within a group", () => {
    const groups = groupFindings(list);
    expect(groups.map((g) => g.category)).toEqual(["identity", "network", "admission"]);
    expect(groups.map((g) => g.name)).toEqual(["IDENTITY", "NETWORK", "ADMISSION"]);
    expect(groups[0]!.findings.map((x) => x.check)).toEqual(["a", "c"]);
    expect(groups[1]!.counts).toMatchObject({ high: 1, low: 1, medium: 0 });
  });

  it("filters by lowest severity", () => {
    expect(filterFindings(list, { minSeverity: "" })).toHaveLength(5);
    expect(filterFindings(list, { minSeverity: "high" }).map((x) => x.check)).toEqual(["a", "b", "d"]);
    expect(filterFindings(list, { minSeverity: "critical" }).map((x) => x.check)).toEqual(["d"]);
    expect(groupFindings(filterFindings(list, { minSeverity: "high" })).map((g) => g.category)).toEqual(["identity", "network", "admission"]);
  });

  it("counts by severity, most severe first in words", () => {
    const c = severityCounts(list);
    expect(c).toEqual({ critical: 1, high: 2, medium: 1, low: 1, info: 0 });
    expect(countsText(c)).toBe("1 critical, 2 high, 1 medium, 1 low");
    expect(countsText(severityCounts([]))).toBe("");
  });

  it("the demo's findings group along the review's checklist", () => {
    expect(groupFindings(demoFindings).map((g) => g.name)).toEqual([
      "Workload identity permissions",
      "Admission control",
      "Image scanning and provenance",
      "Network policy",
    ]);
  });
});

describe("the mock's snapshot objects", () => {
  it("are the objects the demo's findings name, served as the core keeps them: the item's bytes at its offset in the file", async () => {
    const backend = mockBackend();
    const ids = [...new Set(demoFindings.flatMap((x) => x.objects))];
    expect(ids.length).toBeGreaterThan(5);
    for (const finding of demoFindings)
      for (const id of finding.objects) {
        const rec = await backend.eventRaw(id);
        expect(rec.file).toMatch(/!kubernetes\/snapshot-20261120T1010Z\.json$/);
        expect(snapshotFile.slice(rec.offset, rec.offset + rec.raw.length), id).toBe(rec.raw);
        const obj = JSON.parse(rec.raw) as { kind: string; metadata: { name: string; namespace?: string } };
        expect(JSON.parse(rec.pretty!)).toEqual(obj);
        const label = `${obj.kind} ${obj.metadata.namespace ? `${obj.metadata.namespace}/` : ""}${obj.metadata.name}`;
        expect([finding.title, ...finding.evidence].join("\n"), `${id} is ${label}`).toContain(label);
      }
  });

  it("are the incident's facts, which its evidence rows leave out as the core does", async () => {
    const backend = mockBackend();
    const rows = new Set((await backend.incidentEvidence(DEMO_ID)).map((r) => r.id));
    const graphIds = new Set(demoGraph.nodes.filter((n) => n.kind !== "permission").flatMap((n) => n.evidence));
    const facts: string[] = [];
    for (const id of graphIds) {
      const rec = await backend.eventRaw(id);
      if (rec.file.includes("snapshot")) facts.push(id);
    }
    expect(facts).toContain(SNAPSHOT_IDS.pod);
    expect(facts).toHaveLength(demoDetail.context.facts);
    expect(facts.filter((id) => rows.has(id))).toEqual([]);
  });

  it("without a snapshot in the case, are not found", async () => {
    const backend = mockBackend();
    backend.hasSnapshot = false;
    await expect(backend.eventRaw(SNAPSHOT_IDS.role)).rejects.toMatchObject({ code: "not_found" });
    await expect(backend.hardeningFindings(DEMO_ID)).rejects.toMatchObject({ code: "not_found" });
  });
});

let app: App;
let mock: MockBackend;

beforeEach(() => {
  ({ app, mock } = mountFresh());
});
afterEach(() => app.destroy());

async function openIncident(id = DEMO_ID) {
  await openDemo();
  $(`[data-testid='incident-row'][data-id='${id}']`)!.click();
  await ready("incident");
  await waitFor(() => $("#graph")?.dataset.graphReady === "true");
}

describe("the incident's Hardening tab", () => {
  it("is tab 5 and shows the findings grouped by category, each with evidence, fix and objects", async () => {
    await openIncident();
    expect(mock.calls.some((c) => c.cmd === "hardening_findings")).toBe(false); // read on first view
    key("5");
    expect($("[data-testid='tab-hardening']")!.getAttribute("aria-selected")).toBe("true");
    expect(location.hash).toBe(`#/incident/${DEMO_ID}/hardening`);
    const panel = await waitFor(() => $("[data-testid='hardening'][data-state='ready']"));
    expect(mock.calls.find((c) => c.cmd === "hardening_findings")!.args).toEqual({ incident: DEMO_ID });
    const cats = $$("[data-testid='finding-category']", panel);
    expect(cats.map((c) => c.dataset.category)).toEqual(["workload-identity", "admission-control", "image-provenance", "network-policy"]);
    expect(cats[0]!.textContent).toContain("Workload identity permissions");
    expect(cats[0]!.dataset.count).toBe("3");
    expect(cats[0]!.textContent).toContain("2 high, 1 medium");
    const cards = $$("[data-testid='finding']", panel);
    expect(cards.map((c) => c.dataset.check)).toEqual(demoFindings.map((x) => x.check));
    expect(cards.map((c) => c.dataset.check)).toEqual([
      "identity-can",
      "identity-can",
      "token-automounted",
      "no-admission-engine",
      "privileged-admitted",
      "no-pod-security-labels",
      "image-by-tag",
      "namespace-without-netpol",
      "egress-open",
    ]);
    const secrets = cards[1]!;
    expect(secrets.textContent).toContain("service account shop/cart can get,list secrets in shop");
    expect($(".sev", secrets)!.textContent).toBe("high");
    expect(secrets.textContent).toContain("Role shop/cart-secrets-reader allows: get,list secrets");
    expect($(".fix", secrets)!.textContent).toMatch(/^Fix: Remove the RoleBinding shop\/cart-secrets-reader binding to Role shop\/cart-secrets-reader/);
    expect($$("[data-testid='finding-object']", secrets).map((b) => b.dataset.id)).toEqual([SNAPSHOT_IDS.roleBinding, SNAPSHOT_IDS.role]);
    expect($("[data-testid='finding-sources']", secrets)!.textContent).toBe("Found by Kordon");
    expect(cards[0]!.textContent).toContain("service account shop/cart can exec into pods in shop");
    expect($("[data-testid='hardening-count']", panel)!.textContent).toBe("9 findings: 6 high, 3 medium");
    // No objects, no buttons.
    const admission = cards.find((c) => c.dataset.check === "no-admission-engine")!;
    expect($("[data-testid='finding-object']", admission)).toBeNull();
  });

  it("an object's button shows its raw record beside the list", async () => {
    await openIncident();
    key("5");
    const panel = await waitFor(() => $("[data-testid='hardening'][data-state='ready']"));
    const btn = $(`[data-testid='finding-object'][data-id='${SNAPSHOT_IDS.role}']`, panel)!;
    btn.click();
    const raw = await waitFor(() => $(`[data-testid='hardening-raw'] [data-testid='raw-record'][data-id='${SNAPSHOT_IDS.role}']`));
    expect($("pre.raw", raw)!.textContent).toContain('"kind": "Role"');
    expect($("pre.raw", raw)!.textContent).toContain('"name": "cart-secrets-reader"');
    expect($("pre.raw", raw)!.textContent).toContain('"secrets"');
    expect(btn.getAttribute("aria-pressed")).toBe("true");
    // Another object: the pod the token is mounted into.
    const pod = $(`[data-testid='finding'][data-check='token-automounted'] [data-testid='finding-object'][data-id='${SNAPSHOT_IDS.pod}']`, panel)!;
    pod.click();
    const podRaw = await waitFor(() => $(`[data-testid='hardening-raw'] [data-testid='raw-record'][data-id='${SNAPSHOT_IDS.pod}']`));
    expect($("pre.raw", podRaw)!.textContent).toContain('"name": "cart-7f9c6d8b5-x2k4q"');
    expect($("pre.raw", podRaw)!.textContent).toContain('"serviceAccountName": "cart"');
    expect($(`[data-testid='hardening-raw'] [data-testid='raw-record'][data-id='${SNAPSHOT_IDS.role}']`)).toBeNull();
  });

  it("filters by severity", async () => {
    await openIncident();
    key("5");
    const panel = await waitFor(() => $("[data-testid='hardening'][data-state='ready']"));
    const sel = $("[data-testid='hardening-severity']", panel) as HTMLSelectElement;
    sel.value = "high";
    sel.dispatchEvent(new Event("change"));
    const cards = $$("[data-testid='finding']", panel);
    expect(cards.every((c) => c.dataset.severity === "high")).toBe(true);
    expect(cards).toHaveLength(6);
    expect($$("[data-testid='finding-category']", panel).map((c) => c.dataset.category)).toEqual(["workload-identity", "admission-control", "network-policy"]);
  });

  it("without a snapshot, explains and offers a capture (prefilled with the incident's pods) or an import", async () => {
    await openIncident();
    mock.hasSnapshot = false;
    $("[data-testid='tab-hardening']")!.click();
    const empty = await waitFor(() => $("[data-testid='hardening'][data-state='no-snapshot'] [data-testid='hardening-empty']"));
    expect(empty.textContent).toContain("snapshot");
    expect($("[data-testid='error-banner']")).toBeNull(); // not_found is a state, not an error
    $("[data-testid='hardening-import']", empty)!.click();
    await waitFor(() => mock.calls.some((c) => c.cmd === "import_paths"));
    expect(mock.calls.find((c) => c.cmd === "import_paths")!.args).toEqual({ paths: ["exports/falco.jsonl"] });
    $("[data-testid='hardening-capture']")!.click();
    const dialog = await waitFor(() => $("[data-testid='capture-dialog']"));
    await waitFor(() => $("[data-testid='capture-context-info']", dialog));
    const logs = ($("[data-testid='capture-logs']", dialog) as HTMLTextAreaElement).value.split("\n");
    expect(logs).toContain("shop/cart-7f9c6d8b5-x2k4q");
    expect(logs.every((l) => /^shop\/cart-/.test(l))).toBe(true);
  });

  it("reads the findings again after a capture brought a snapshot", async () => {
    await openIncident();
    mock.hasSnapshot = false;
    key("5");
    await waitFor(() => $("[data-testid='hardening'][data-state='no-snapshot']"));
    $("[data-testid='hardening-capture']")!.click();
    await waitFor(() => $("[data-testid='capture-context-info']"));
    $("[data-testid='capture-start']")!.click();
    await waitFor(() => $("[data-testid='capture-result']"));
    await waitFor(() => $("[data-testid='hardening'][data-state='ready']"));
    expect($("[data-testid='tab-hardening']")!.getAttribute("aria-selected")).toBe("true");
    expect($$("[data-testid='finding']").length).toBe(demoFindings.length);
  });

  it("says so when there are no findings", async () => {
    await openIncident("INC-11250955");
    key("5");
    const none = await waitFor(() => $("[data-testid='hardening'][data-state='none'] [data-testid='hardening-none']"));
    expect(none.textContent).toContain("No hardening findings");
  });

  it("another error shows the banner by code", async () => {
    await openIncident();
    mock.failNextWith("hardening_findings", "internal", "the snapshot could not be read");
    key("5");
    const banner = await waitFor(() => $("[data-testid='error-banner']"));
    expect(banner.dataset.code).toBe("internal");
    expect($("[data-testid='hardening']")!.dataset.state).toBe("error");
  });
});

describe("the brief's follow-up checklist", () => {
  it("lists the recommendation's follow-up items with the hardening findings under each, without opening the tab", async () => {
    await openIncident();
    const brief = $("[data-testid='recommendation']")!;
    // Beside every tab: shown with the graph, before the Hardening tab was ever opened.
    expect(brief.closest("[role='tabpanel']")).toBeNull();
    expect($("[data-testid='tab-graph']")!.getAttribute("aria-selected")).toBe("true");
    expect(mock.calls.some((c) => c.cmd === "hardening_findings")).toBe(false);
    const items = $$("[data-testid='follow-up']", brief);
    expect(items.map((i) => i.dataset.item)).toEqual([
      "network-policy",
      "rotate-credentials",
      "reduce-rbac",
      "image-provenance",
      "admission-control",
      "hardening:token-automounted",
      // The default playbook's step for the pod's rule, after Kordon's items.
      "playbook:replace-workload",
    ]);
    expect(items.map((i) => i.dataset.item)).toEqual(demoDetail.recommendation.follow_up.map((f) => f.item));
    const findings = (item: string) => $$("[data-testid='follow-up-finding']", $(`[data-testid='follow-up'][data-item='${item}']`, brief)!);
    expect(findings("network-policy").map((f) => f.dataset.check)).toEqual(["namespace-without-netpol", "egress-open"]);
    expect(findings("network-policy")[1]!.textContent).toBe("high Pod shop/cart-7f9c6d8b5-x2k4q may open connections anywhere");
    expect(findings("rotate-credentials")).toEqual([]);
    expect($(".follow-up-findings", $("[data-testid='follow-up'][data-item='rotate-credentials']", brief)!)).toBeNull();
    expect(findings("reduce-rbac").map((f) => f.textContent)).toEqual([
      "high service account shop/cart can exec into pods in shop",
      "high service account shop/cart can get,list secrets in shop",
    ]);
    expect(findings("admission-control").map((f) => [f.dataset.check, $(".sev", f)!.textContent])).toEqual([
      ["no-admission-engine", "high"],
      ["privileged-admitted", "high"],
      ["no-pod-security-labels", "medium"],
    ]);
    // A finding without an item of its own in the checklist: its own item, the remediation as text.
    const token = $("[data-testid='follow-up'][data-item='hardening:token-automounted']", brief)!;
    expect(token.textContent).toContain("Set automountServiceAccountToken: false on the service account or the pod spec");
    expect(findings("hardening:token-automounted").map((f) => f.dataset.check)).toEqual(["token-automounted"]);
    expect($(".sev", findings("hardening:token-automounted")[0]!)!.classList.contains("sev-medium")).toBe(true);
    expect(findings("hardening:token-automounted")[0]!.textContent).toContain("The token of service account shop/cart is mounted into Pod shop/cart-7f9c6d8b5-x2k4q");
    // Each item is a checkbox; the code spans of its text are code.
    expect($("input[type='checkbox']", items[0]!)!.dataset.item).toBe("network-policy");
    expect($("code", items[0]!)!.textContent).toBe("shop");
    // All of them are among the findings the Hardening tab shows.
    const titles = new Set(demoFindings.map((f) => f.title));
    expect($$("[data-testid='follow-up-finding']", brief).every((f) => titles.has(f.textContent!.replace(/^(high|medium) /, "")))).toBe(true);
  });
});

describe("the case-wide Hardening view", () => {
  it("opens from the top bar with the whole case's findings and goes back to the queue", async () => {
    expect($("[data-testid='hardening-case']")!.hidden).toBe(true);
    await openDemo();
    const nav = $("[data-testid='hardening-case']")!;
    expect(nav.hidden).toBe(false);
    nav.click();
    await ready("hardening");
    expect(location.hash).toBe("#/hardening");
    expect(nav.getAttribute("aria-current")).toBe("page");
    expect(mock.calls.find((c) => c.cmd === "hardening_findings")!.args).toEqual({ incident: null });
    expect($$("[data-testid='finding']").length).toBe(caseFindings.length);
    expect(caseFindings.length).toBeGreaterThan(demoFindings.length);
    // Beyond the incident: the other namespaces without a NetworkPolicy.
    const netpol = $$("[data-testid='finding'][data-check='namespace-without-netpol']");
    expect(netpol.map((c) => $("h4", c)!.textContent)).toEqual([
      "Namespace ci has no NetworkPolicy",
      "Namespace secops has no NetworkPolicy",
      "Namespace shop has no NetworkPolicy",
    ]);
    expect(netpol[0]!.textContent).toContain("the snapshot holds 1 NetworkPolicies, none in ci");
    $("[data-testid='hardening-back']")!.click();
    await ready("queue");
    nav.click();
    await ready("hardening");
    key("Escape");
    await ready("queue");
  });

  it("without a snapshot offers the capture dialog", async () => {
    await openDemo();
    mock.hasSnapshot = false;
    $("[data-testid='hardening-case']")!.click();
    await ready("hardening");
    $("[data-testid='hardening-capture']")!.click();
    const dialog = await waitFor(() => $("[data-testid='capture-dialog']"));
    await waitFor(() => $("[data-testid='capture-context-info']", dialog));
    expect(($("[data-testid='capture-logs']", dialog) as HTMLTextAreaElement).value).toBe("");
  });
});

describe("a finding several tools made", () => {
  it("names every tool that found it", async () => {
    const merged: Finding = { ...f("token-automounted", "workload-identity", "medium"), sources: ["Kordon", "Kubescape", "Trivy"] };
    const backend = { hardeningFindings: async () => [merged] } as unknown as Backend;
    const view = new HardeningView({ backend, incident: null, onError: (e) => { throw e; }, onCapture: () => {}, onImport: () => {} });
    await view.load();
    expect($("[data-testid='finding-sources']", view.el)!.textContent).toBe("Found by Kordon, Kubescape, Trivy");
  });
});
