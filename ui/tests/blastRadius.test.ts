// Blast radius in the incident graph: permission nodes and the "can" edges
// from an identity to them — their style, labels, place in the layout and
// side panel.
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { App } from "../src/app";
import { bandOf, BANDS, layeredLayout } from "../src/graph/layout";
import { cyStyle, edgeLabel, edgeVerbs, graphKinds, grantsOf, grantsTo, kindStyle, toElements } from "../src/graph/model";
import type { Graph } from "../src/types";
import { $, $$, mountFresh, openDemo, ready, waitFor } from "./helpers";
import { DEMO_ID, demoGraph, SNAPSHOT_IDS, type MockBackend } from "./mockBackend";

const node = (id: string, kind: string, label = id) => ({
  id,
  kind,
  label,
  tactics: [],
  first_seen: null,
  last_seen: null,
  evidence_count: 0,
  evidence: [],
  signal_count: 0,
  member_count: 1,
  aggregated: false,
});

const small: Graph = {
  incident: "INC-1",
  nodes: [node("sa", "identity", "service account shop/cart"), node("perm", "permission", "secrets in shop"), node("pod", "pod"), node("wl", "workload")],
  edges: [
    { id: "sa>perm:can", source: "sa", target: "perm", kind: "can", label: "can get, list", first_seen: null, last_seen: null, evidence_count: 0, evidence: [] },
    { id: "sa>pod:identity-of", source: "sa", target: "pod", kind: "identity-of", first_seen: null, last_seen: null, evidence_count: 0, evidence: [] },
    { id: "wl>pod:owns", source: "wl", target: "pod", kind: "owns", first_seen: null, last_seen: null, evidence_count: 0, evidence: [], ports: [] },
  ],
};

describe("permission nodes in the graph model", () => {
  it("have their own class, shape and colour, distinct from every other kind", () => {
    const els = toElements(small, new Map());
    const perm = els.find((e) => e.data.id === "perm")!;
    const sa = els.find((e) => e.data.id === "sa")!;
    expect(perm.classes).toContain("permission");
    expect(sa.classes).not.toContain("permission");
    expect((perm.data as { shape?: string }).shape).toBe("round-tag");
    const st = kindStyle("permission");
    expect(st.glyph).toBe("PERM");
    for (const k of ["identity", "workload", "pod", "container", "process", "ip", "domain", "file", "image", "node"]) {
      expect(kindStyle(k).color, k).not.toBe(st.color);
      expect(kindStyle(k).shape, k).not.toBe(st.shape);
    }
    expect(cyStyle({ presentation: false, dark: false, large: false }).some((r) => r.selector === "node.permission")).toBe(true);
  });

  it("label 'can' edges with their verbs, and keep edge labels off for large graphs", () => {
    const els = toElements(small, new Map());
    const can = els.find((e) => e.data.id === "sa>perm:can")! as { data: { label: string }; classes: string };
    expect(can.data.label).toBe("can get, list");
    expect(can.classes).toBe("can");
    expect(edgeLabel(small.edges[1]!)).toBe("identity-of");
    expect(edgeVerbs(small.edges[0]!)).toBe("get, list");
    const edgeRule = (large: boolean) => cyStyle({ presentation: false, dark: false, large }).find((r) => r.selector === "edge")!.style as Record<string, unknown>;
    expect(edgeRule(false).label).toBe("data(label)");
    expect(edgeRule(true).label).toBe("");
    const canRule = cyStyle({ presentation: false, dark: false, large: false }).find((r) => r.selector === "edge.can")!.style as Record<string, unknown>;
    expect(canRule.label).toBeUndefined();
  });

  it("are listed after identity in the kinds legend, and their grants are found both ways", () => {
    expect(graphKinds(small).slice(0, 2)).toEqual(["identity", "permission"]);
    expect(grantsTo(small, "perm").map((e) => e.source)).toEqual(["sa"]);
    expect(grantsOf(small, "sa").map((e) => e.target)).toEqual(["perm"]);
    expect(grantsOf(small, "pod")).toEqual([]);
  });

  it("are stacked under their identity, in its column, before the workloads", () => {
    expect(bandOf("permission")).toBe(BANDS.identity);
    const res = layeredLayout(small.nodes, small.edges);
    expect(res.rank.get("perm")).toBe(res.rank.get("sa"));
    expect(res.positions.get("perm")!.y).toBeGreaterThan(res.positions.get("sa")!.y);
    expect(res.rank.get("wl")!).toBeGreaterThan(res.rank.get("perm")!);
    expect(res.context).not.toContain("perm");
    // In the demo: the identity, its permissions under it, then the Deployment.
    const demo = layeredLayout(demoGraph.nodes, demoGraph.edges);
    const id = (label: string) => demoGraph.nodes.find((n) => n.label === label)!.id;
    const sa = id("service account shop/cart");
    const perms = demoGraph.nodes.filter((n) => n.kind === "permission").map((n) => n.label);
    expect(perms.sort()).toEqual(["pods in shop", "pods/exec in shop", "pods/log in shop", "secrets in shop"]);
    const column = demo.ranks[demo.rank.get(sa)!]!;
    expect(column[0]).toBe(sa);
    for (const p of perms) {
      expect(demo.rank.get(id(p)), p).toBe(demo.rank.get(sa));
      expect(demo.rank.get(id("Deployment shop/cart"))!, p).toBeGreaterThan(demo.rank.get(id(p))!);
      expect(demo.context, p).not.toContain(id(p));
    }
  });

  it("are drawn by Cytoscape without warnings", async () => {
    const { default: cytoscape } = await import("cytoscape");
    const warn = vi.spyOn(console, "warn").mockImplementation(() => {});
    const cy = cytoscape({
      headless: true,
      styleEnabled: true,
      elements: toElements(small, layeredLayout(small.nodes, small.edges).positions),
      style: cyStyle({ presentation: true, dark: true, large: false }) as never,
    });
    expect(cy.getElementById("perm").hasClass("permission")).toBe(true);
    expect(cy.getElementById("sa>perm:can").hasClass("can")).toBe(true);
    expect(cy.getElementById("perm").style("shape")).toBe("round-tag");
    expect(cy.getElementById("sa>perm:can").style("label")).toBe("can get, list");
    cy.destroy();
    expect(warn).not.toHaveBeenCalled();
    warn.mockRestore();
  });
});

let app: App;
let mock: MockBackend;

beforeEach(() => {
  ({ app, mock } = mountFresh());
});
afterEach(() => app.destroy());

describe("a permission node's side panel", () => {
  it("shows its label, who can with which verbs, and the objects behind it", async () => {
    await openDemo();
    $(`[data-testid='incident-row'][data-id='${DEMO_ID}']`)!.click();
    await ready("incident");
    await waitFor(() => $("#graph")?.dataset.graphReady === "true");
    const item = $$("[data-testid='graph-node-item']").find((i) => i.textContent === "secrets in shop")!;
    expect(item.dataset.kind).toBe("permission");
    expect($("[data-testid='kind-filter'][data-kind='permission']")).not.toBeNull();
    item.click();
    const panel = $("[data-testid='side-panel']")!;
    expect($("h2", panel)!.textContent).toBe("secrets in shop");
    const grant = $("[data-testid='node-grant']", panel)!;
    expect(grant.textContent).toContain("service account shop/cart");
    expect($("[data-testid='grant-verbs']", grant)!.textContent).toBe("can get, list");
    // What the stolen token did with it, and the request that shows it.
    expect($("[data-testid='grant-exercised']", grant)!.textContent).toBe("· listed secrets ");
    const requests = $$("[data-testid='grant-request']", grant).map((b) => b.dataset.id);
    expect(requests.length).toBe(1);
    expect(demoGraph.edges.find((e) => e.target === "perm:shop:secrets")!.evidence).toContain(requests[0]);
    expect($("[data-testid='entity-verdict']", panel)).toBeNull();
    // The objects behind it: Role and RoleBinding shop/cart-secrets-reader, snapshot records.
    expect($$("[data-testid='node-object']", panel).map((b) => b.dataset.id)).toEqual([SNAPSHOT_IDS.role, SNAPSHOT_IDS.roleBinding]);
    const obj = $(`[data-testid='node-object'][data-id='${SNAPSHOT_IDS.role}']`, panel)!;
    // No entity behind a permission: no error either.
    await waitFor(() => mock.calls.some((c) => c.cmd === "entity"));
    await new Promise((r) => setTimeout(r, 20));
    expect($("[data-testid='error-banner']")).toBeNull();
    obj.click();
    const raw = await waitFor(() => $(`[data-testid='raw-record'][data-id='${SNAPSHOT_IDS.role}']`));
    const pre = $("pre.raw", raw)!.textContent!;
    expect(pre).toContain('"kind": "Role"');
    expect(pre).toContain('"name": "cart-secrets-reader"');
    expect(JSON.parse(pre).rules).toEqual([{ apiGroups: [""], resources: ["secrets"], verbs: ["get", "list"] }]);
    expect(raw.textContent).toContain("snapshot-20261120T1010Z.json");
    expect($("[data-testid='tab-evidence']")!.getAttribute("aria-selected")).toBe("true");

    // The identity lists what it can do, with the objects behind each grant; a grant selects the permission.
    $("[data-testid='tab-graph']")!.click();
    $$("[data-testid='graph-node-item']").find((i) => i.textContent === "service account shop/cart")!.click();
    const grants = $$("[data-testid='node-grant']", panel);
    expect(grants.map((g) => g.textContent)).toEqual([
      expect.stringContaining("pods/exec in shop — create, get"),
      expect.stringContaining("pods/log in shop — get, list"),
      expect.stringContaining("pods in shop — get, list"),
      expect.stringContaining("secrets in shop — get, list"),
    ]);
    expect($$("[data-testid='node-object']", grants[0]!).map((b) => b.dataset.id)).toEqual([SNAPSHOT_IDS.debugRoleBinding, SNAPSHOT_IDS.debugRole]);
    expect($$("[data-testid='node-object']", grants[3]!).map((b) => b.dataset.id).sort()).toEqual([SNAPSHOT_IDS.role, SNAPSHOT_IDS.roleBinding].sort());
    $("button", grants[0]!)!.click();
    expect($("h2", panel)!.textContent).toBe("pods/exec in shop");
    expect($("[data-testid='grant-verbs']", panel)!.textContent).toBe("can create, get");
  });
});
