// The whole UI in jsdom against the mock backend (Cytoscape headless).
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { mountApp, type App } from "../src/app";
import { DEMO_ID, demoGraph, mockBackend, type MockBackend } from "./mockBackend";
import { $, $$, key, mountFresh, openDemo, ready, waitFor } from "./helpers";

let app: App;
let mock: MockBackend;

async function openIncident(id = DEMO_ID) {
  await openDemo();
  $(`[data-testid='incident-row'][data-id='${id}']`)!.click();
  await ready("incident");
  await waitFor(() => $("#graph")?.dataset.graphReady === "true");
}

beforeEach(() => {
  ({ app, mock } = mountFresh());
});

afterEach(() => {
  app.destroy();
  document.documentElement.classList.remove("presentation");
});

describe("start and queue", () => {
  it("opens the demo into the queue, most severe first", async () => {
    await openDemo();
    const rows = $$("[data-testid='incident-row']");
    expect(rows.length).toBe(mock.incidents.length);
    expect(rows[0]!.dataset.id).toBe(DEMO_ID);
    expect(rows[0]!.dataset.severity).toBe("critical");
    expect($("[data-testid='queue']")).not.toBeNull();
    expect(mock.calls.map((c) => c.cmd)).toContain("open_demo");
  });

  it("sorts by clicking a header and filters by text and severity", async () => {
    await openDemo();
    ($("button[data-sort='signals']") as HTMLButtonElement).click();
    const first = $$("[data-testid='incident-row']")[0]!;
    expect(first.dataset.id).toBe(mock.incidents.reduce((a, b) => (b.signals > a.signals ? b : a)).id);
    const input = $("[data-testid='queue-filter']") as HTMLInputElement;
    input.value = "netscan";
    input.dispatchEvent(new Event("input"));
    expect($$("[data-testid='incident-row']").map((r) => r.dataset.id)).toEqual(["INC-11250955"]);
    input.value = "";
    input.dispatchEvent(new Event("input"));
    const sev = $("[data-testid='queue-severity']") as HTMLSelectElement;
    sev.value = "critical";
    sev.dispatchEvent(new Event("change"));
    expect($$("[data-testid='incident-row']").map((r) => r.dataset.id)).toEqual([DEMO_ID]);
  });

  it("moves with j/k and opens with Enter", async () => {
    await openDemo();
    key("j");
    const sel = $("[data-testid='incident-row'][aria-selected='true']")!;
    expect(sel.dataset.id).toBe($$("[data-testid='incident-row']")[1]!.dataset.id);
    key("k");
    expect($("[data-testid='incident-row'][aria-selected='true']")!.dataset.id).toBe(DEMO_ID);
    key("Enter", $("[data-testid='incident-row'][aria-selected='true']")!);
    await ready("incident");
    expect($("[data-testid='incident-title']")!.textContent).toBe("Crypto-mining in shop/cart-7f9c6d8b5-x2k4q");
  });

  it("shows a failed open as a banner by code and stays on start", async () => {
    mock.failNextWith("open_demo", "bad_case", "the case file is not a Kordon case");
    await ready("start");
    $("[data-testid='open-demo']")!.click();
    const banner = await waitFor(() => $("[data-testid='error-banner']"));
    expect(banner.dataset.code).toBe("bad_case");
    expect(banner.textContent).toContain("not a Kordon case");
    await ready("start");
  });
});

describe("import", () => {
  it("imports by typed path and shows the summary, then refreshes the queue", async () => {
    await openDemo();
    const input = $("[data-testid='import-path-input']") as HTMLInputElement;
    input.value = "exports/falco-extra.jsonl";
    input.dispatchEvent(new KeyboardEvent("keydown", { key: "Enter", bubbles: true, cancelable: true }));
    const summary = await waitFor(() => $("[data-testid='import-summary']"));
    expect(summary.textContent).toContain("1 file imported, 1 skipped");
    expect(summary.textContent).toContain("already in the case");
    expect(summary.textContent).toContain("expected value at line 1 column 12");
    expect(summary.textContent).toContain("9f2c4a0b7e1d3c5a");
    expect(summary.textContent).toContain("Detections fired: 3");
    expect(summary.textContent).toContain("1 new, 1 changed");
    const call = mock.calls.find((c) => c.cmd === "import_paths")!;
    expect(call.args).toEqual({ paths: ["exports/falco-extra.jsonl"] });
    expect(mock.calls.filter((c) => c.cmd === "list_incidents").length).toBe(2);
    expect(mock.calls.some((c) => c.cmd === "case_info")).toBe(true);
  });

  it("an import failing with unknown_format shows the banner and keeps the queue", async () => {
    await openDemo();
    const before = $$("[data-testid='incident-row']").map((r) => r.dataset.id);
    mock.failNextWith("import_paths", "unknown_format", "no known format in notes.txt");
    const input = $("[data-testid='import-path-input']") as HTMLInputElement;
    input.value = "notes.txt";
    $("[data-testid='import-path-submit']")!.click();
    const banner = await waitFor(() => $("[data-testid='error-banner']"));
    expect(banner.dataset.code).toBe("unknown_format");
    expect(banner.textContent).toContain("no known format in notes.txt");
    expect($$("[data-testid='incident-row']").map((r) => r.dataset.id)).toEqual(before);
    expect(app.incidents.length).toBe(before.length);
    expect($("[data-testid='import-summary']")).toBeNull();
    expect(mock.calls.filter((c) => c.cmd === "list_incidents").length).toBe(1);
  });

  it("cancelling shows 'Import cancelled'", async () => {
    await openDemo();
    let release!: () => void;
    mock.importGate = new Promise<void>((r) => (release = r));
    mock.drop(["exports/big.zip"]);
    const cancel = await waitFor(() => $("[data-testid='import-cancel']"));
    expect($("[data-testid='import-progress']")).not.toBeNull();
    cancel.click();
    const banner = await waitFor(() => $("[data-testid='error-banner']"));
    expect(banner.dataset.code).toBe("cancelled");
    expect(banner.textContent).toContain("Import cancelled");
    release();
  });
});

describe("incident page", () => {
  it("shows header, story with references and the recommendation", async () => {
    await openIncident();
    expect($("[data-testid='incident-title']")!.textContent).toContain("Crypto-mining");
    expect($$("[data-testid='story-step']").length).toBe(10);
    expect($("[data-testid='rec-action']")!.textContent).toBe("isolate");
    expect($("[data-testid='recommendation']")!.textContent).toContain("5073bb1d-f9d3-4ee8-9817-7e92b9975677");
  });

  it("selecting a node in the list opens its side panel with evidence by tactic", async () => {
    await openIncident();
    const items = $$("[data-testid='graph-node-item']");
    expect(items.length).toBeGreaterThan(30);
    const pod = items.find((i) => i.dataset.kind === "pod" && i.textContent === "shop/cart-7f9c6d8b5-x2k4q")!;
    pod.click();
    const panel = $("[data-testid='side-panel']")!;
    const impact = await waitFor(() => $("[data-testid='tactic-group'][data-tactic='TA0040']", panel));
    const titles = $$("[data-testid='evidence-item']", impact).map((i) => i.textContent ?? "");
    expect(titles.some((t) => t.includes("Crypto-miner executed"))).toBe(true);
    await waitFor(() => $("[data-testid='entity-attrs']", panel));
    expect(panel.textContent).toContain("5073bb1d");
    expect(pod.getAttribute("aria-pressed")).toBe("true");
  });

  it("evidence items jump to the evidence tab and show the raw record", async () => {
    await openIncident();
    $$("[data-testid='graph-node-item']").find((i) => i.textContent === "shop/cart-7f9c6d8b5-x2k4q")!.click();
    const item = await waitFor(() => $("[data-testid='tactic-group'][data-tactic='TA0040'] [data-testid='evidence-item'] button"));
    item.click();
    const raw = await waitFor(() => $("[data-testid='raw-record']"));
    expect(raw.textContent).toContain("SHA-256");
    expect($("[data-testid='tab-evidence']")!.getAttribute("aria-selected")).toBe("true");
    expect($("[data-testid='evidence-row'].selected")).not.toBeNull();
  });

  it("expands an aggregated node", async () => {
    await openIncident();
    const agg = $$("[data-testid='graph-node-item'][data-kind='ip']").find((i) => (i.dataset.id ?? "").startsWith("agg-"))!;
    agg.click();
    await waitFor(() => $("[data-testid='expand-node']"))!;
    $("[data-testid='expand-node']")!.click();
    await waitFor(() => $$("[data-testid='graph-node-item']").length > 100);
    const call = mock.calls.filter((c) => c.cmd === "incident_graph").pop()!;
    expect((call.args as { expand: string[] }).expand).toEqual([agg.dataset.id]);
    expect($("#graph")!.dataset.graphReady).toBe("true");
  });

  it("a story step shows its part of the attack path in the graph, and again the whole", async () => {
    await openIncident();
    $("[data-testid='tab-evidence']")!.click();
    const show = $$("[data-testid='story-step-show']");
    expect(show.length).toBeGreaterThan(2);
    show[0]!.click();
    expect($("[data-testid='tab-graph']")!.getAttribute("aria-selected")).toBe("true");
    expect(show[0]!.getAttribute("aria-pressed")).toBe("true");
    expect(Number($("#graph")!.dataset.focus)).toBeGreaterThan(0);
    const cy = (app.page!.graphView as unknown as { cy: import("cytoscape").Core }).cy;
    expect(cy.nodes(".focus").length).toBe(Number($("#graph")!.dataset.focus));
    expect(cy.nodes(".dim").length).toBeGreaterThan(0);
    show[0]!.click();
    expect(show[0]!.getAttribute("aria-pressed")).toBe("false");
    expect($("#graph")!.dataset.focus).toBe("");
    // The story's whole path, emphasized; the rest dimmed.
    expect(cy.nodes(".path").length).toBeGreaterThan(5);
    expect(cy.edges(".path").length).toBeGreaterThan(5);
  });

  it("selecting a node narrows the evidence to it; clearing shows every event again", async () => {
    await openIncident();
    const count = () => Number($(".evidence-list")!.dataset.count);
    const all = count();
    const item = $$("[data-testid='graph-node-item'][data-kind='process']").find((i) => i.textContent!.startsWith("/tmp/.x/xmrig"))!;
    item.click();
    const pill = $("[data-testid='node-filter']")!;
    expect(pill.textContent).toContain("/tmp/.x/xmrig");
    expect(count()).toBeGreaterThan(0);
    expect(count()).toBeLessThan(all);
    $("[data-testid='tab-evidence']")!.click();
    const node = demoGraph.nodes.find((n) => n.id === item.dataset.id)!;
    for (const r of $$("[data-testid='evidence-row']")) expect(node.evidence).toContain(r.dataset.id);
    $("[data-testid='node-filter-clear']")!.click();
    expect($("[data-testid='node-filter']")).toBeNull();
    expect(count()).toBe(all);
  });

  it("exports the graph as drawn as an SVG document", async () => {
    await openIncident();
    $("[data-testid='graph-export-svg']")!.click();
    await waitFor(() => mock.exports.length > 0);
    const e = mock.exports[0]!;
    expect(e.format).toBe("svg");
    expect(e.name).toBe(`${DEMO_ID}-graph.svg`);
    const doc = new DOMParser().parseFromString(e.data, "image/svg+xml");
    expect(doc.getElementsByTagName("parsererror")).toHaveLength(0);
    const texts = [...doc.getElementsByTagName("tspan")].map((t) => t.textContent ?? "").join(" ");
    expect(texts).toContain("198.51.100.77");
    // The path's verbs are there; dimmed context edges carry none.
    expect(texts).toContain("connected to :4444");
    expect(doc.querySelectorAll("ellipse, rect, polygon").length).toBeGreaterThan(demoGraph.nodes.length);
    await waitFor(() => $("#graph")!.closest(".graph-view")!.textContent!.includes(`Saved /exports/${DEMO_ID}-graph.svg`));
  });

  it("drawers open, close and are remembered for the next incident", async () => {
    await openIncident();
    expect($("[data-testid='drawer-story']")!.dataset.open).toBe("true");
    $("[data-testid='drawer-close-story']")!.click();
    expect($("[data-testid='drawer-story']")!.dataset.open).toBe("false");
    await waitFor(() => mock.calls.some((c) => c.cmd === "set_drawers"));
    const call = mock.calls.filter((c) => c.cmd === "set_drawers").pop()!;
    expect((call.args as { drawers: Record<string, { open: boolean }> }).drawers.story!.open).toBe(false);
    app.navigate({ name: "queue" });
    await ready("queue");
    $(`[data-testid='incident-row'][data-id='${DEMO_ID}']`)!.click();
    await ready("incident");
    expect($("[data-testid='drawer-story']")!.dataset.open).toBe("false");
    $("[data-testid='drawer-open-story']")!.click();
    expect($("[data-testid='drawer-story']")!.dataset.open).toBe("true");
  });

  it("focus mode gives the graph the window; Esc gives it back", async () => {
    await openIncident();
    $("[data-testid='graph-focus']")!.click();
    expect(document.documentElement.classList.contains("graph-focus")).toBe(true);
    document.dispatchEvent(new KeyboardEvent("keydown", { key: "Escape", bubbles: true }));
    expect(document.documentElement.classList.contains("graph-focus")).toBe(false);
    expect(document.body.dataset.ready).toBe("incident");
    document.dispatchEvent(new KeyboardEvent("keydown", { key: "z", bubbles: true }));
    expect(document.documentElement.classList.contains("graph-focus")).toBe(true);
    app.navigate({ name: "queue" });
    expect(document.documentElement.classList.contains("graph-focus")).toBe(false);
  });

  it("graph filters hide nodes from the list", async () => {
    await openIncident();
    const box = $("[data-testid='kind-filter'][data-kind='process']") as HTMLInputElement;
    box.checked = false;
    box.dispatchEvent(new Event("change"));
    expect($$("[data-testid='graph-node-item'][data-kind='process']").length).toBe(0);
    expect($$("[data-testid='graph-node-item'][data-kind='pod']").length).toBeGreaterThan(0);
  });

  it("the time slider replays the incident", async () => {
    await openIncident();
    const all = $$("[data-testid='graph-node-item']").length;
    const slider = $("[data-testid='time-slider']") as HTMLInputElement;
    slider.value = "0";
    slider.dispatchEvent(new Event("input"));
    const early = $$("[data-testid='graph-node-item']").length;
    expect(early).toBeLessThan(all);
    slider.value = "1000";
    slider.dispatchEvent(new Event("input"));
    expect($$("[data-testid='graph-node-item']").length).toBe(all);
  });

  it("evidence tab: tactic filter and raw record", async () => {
    await openIncident();
    key("2");
    expect($("[data-testid='tab-evidence']")!.getAttribute("aria-selected")).toBe("true");
    const impact = $("[data-testid='tactic-filter'][data-tactic='TA0040']")!;
    expect(impact.textContent).toContain("6");
    impact.click();
    const rows = $$("[data-testid='evidence-row']");
    expect(rows.length).toBe(6);
    rows[0]!.click();
    const raw = await waitFor(() => $("[data-testid='raw-record']"));
    expect(raw.dataset.id).toBe(rows[0]!.dataset.id);
    expect($("pre.raw", raw)!.textContent).toContain('"source"');
  });

  it("story references open the raw record", async () => {
    await openIncident();
    const ref = $("[data-testid='evidence-ref']")!;
    ref.click();
    const raw = await waitFor(() => $(`[data-testid='raw-record'][data-id='${ref.dataset.id}']`));
    expect(raw).not.toBeNull();
  });

  it("timeline drag filters the evidence to a span; clear removes it", async () => {
    await openIncident();
    key("3");
    const svg = $("[data-testid='timeline-svg']")!;
    svg.dispatchEvent(new MouseEvent("mousedown", { clientX: 700, bubbles: true }));
    svg.dispatchEvent(new MouseEvent("mousemove", { clientX: 990, bubbles: true }));
    svg.dispatchEvent(new MouseEvent("mouseup", { clientX: 990, bubbles: true }));
    const pill = await waitFor(() => $("[data-testid='span-filter']"));
    expect($("[data-testid='tab-evidence']")!.getAttribute("aria-selected")).toBe("true");
    const total = app.page!.evidenceView!.filter;
    expect(total.span).not.toBeNull();
    const count = () => Number($(".evidence-list")!.dataset.count);
    const shown = count();
    $("[data-testid='span-clear']", pill)!.click();
    expect($("[data-testid='span-filter']")).toBeNull();
    expect(count()).toBeGreaterThan(shown);
  });

  it("Escape and g q go back to the queue", async () => {
    await openIncident();
    key("Escape");
    await ready("queue");
    $("[data-testid='incident-row']")!.click();
    await ready("incident");
    key("g");
    key("q");
    await ready("queue");
  });
});

describe("start with --demo", () => {
  it("opens the demo at once when the core says so", async () => {
    app.destroy();
    document.body.innerHTML = '<div id="app"></div>';
    delete document.body.dataset.ready;
    mock = mockBackend();
    const info = mock.appInfo;
    mock.appInfo = async () => ({ ...(await info()), start_with_demo: true });
    app = mountApp(document.getElementById("app")!, mock, { headlessGraph: true });
    await ready("queue");
    expect($$("[data-testid='incident-row']").length).toBe(mock.incidents.length);
  });
});

describe("search and presentation", () => {
  it("'/' focuses search; results show the raw record", async () => {
    await openDemo();
    key("/");
    const input = $("[data-testid='search-input']") as HTMLInputElement;
    expect(document.activeElement).toBe(input);
    input.value = "miner";
    input.dispatchEvent(new KeyboardEvent("keydown", { key: "Enter", bubbles: true, cancelable: true }));
    const first = await waitFor(() => $("[data-testid='search-result']"));
    expect(mock.calls.find((c) => c.cmd === "search")!.args).toEqual({ text: "miner", limit: 100 });
    first.click();
    await waitFor(() => $("[data-testid='search-panel'] [data-testid='raw-record']"));
  });

  it("a hit names its incident and opens it on that event", async () => {
    await openDemo();
    const input = $("[data-testid='search-input']") as HTMLInputElement;
    input.value = "miner";
    input.dispatchEvent(new KeyboardEvent("keydown", { key: "Enter", bubbles: true, cancelable: true }));
    const link = await waitFor(() => $("[data-testid='search-result-incident']"));
    expect(link.textContent).toContain(DEMO_ID);
    expect(link.textContent).toContain("Crypto-mining");
    const hit = link.closest("li")!.querySelector<HTMLElement>("[data-testid='search-result']")!.dataset.id;
    link.click();
    await ready("incident");
    expect($("[data-testid='search-panel']")!.hidden).toBe(true);
    expect($("[data-testid='tab-evidence']")!.getAttribute("aria-selected")).toBe("true");
    await waitFor(() => $(`[data-testid='evidence-row'][data-id='${hit}'].selected, [data-testid='evidence-row'][data-id='${hit}'][aria-selected='true']`));
  });

  it("p toggles presentation mode", async () => {
    await openDemo();
    key("p");
    expect(document.documentElement.classList.contains("presentation")).toBe(true);
    key("p");
    expect(document.documentElement.classList.contains("presentation")).toBe(false);
  });
});

describe("a reloaded webview", () => {
  it("goes back to the queue of the case the core still has open", async () => {
    app.destroy();
    document.body.innerHTML = '<div id="app"></div>';
    delete document.body.dataset.ready;
    const m = mockBackend();
    const info = await m.appInfo();
    m.appInfo = async () => ({
      ...info,
      current: { path: "cases/open.kordon", name: "open", events: 12039, alerts: 182, incidents: 5, sources: 10 },
    });
    app = mountApp(document.getElementById("app")!, m, { headlessGraph: true });
    await ready("queue");
    expect($$("[data-testid='incident-row']").length).toBe(m.incidents.length);
    expect(m.calls.map((c) => c.cmd)).not.toContain("open_case");
  });
});
