// Cytoscape cannot evaluate under a frozen Object.prototype (Tauri's
// freezePrototype). The app must still boot, and the node list and side
// panel must still work.
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { App, mountApp } from "../src/app";
import { $, $$, waitFor } from "./helpers";
import { DEMO_ID, mockBackend } from "./mockBackend";

vi.mock("cytoscape", () => {
  throw new TypeError("Cannot assign to read only property 'toString' of object '#<Selector>'");
});

let app: App;
beforeEach(() => {
  document.body.innerHTML = '<div id="app"></div>';
  delete document.body.dataset.ready;
  app = mountApp(document.getElementById("app")!, mockBackend(), { headlessGraph: true });
});
afterEach(() => app.destroy());

describe("without Cytoscape", () => {
  it("reports graph_unavailable and keeps the node list and side panel", async () => {
    await waitFor(() => document.body.dataset.ready === "start");
    $("[data-testid='open-demo']")!.click();
    await waitFor(() => document.body.dataset.ready === "queue");
    $(`[data-testid='incident-row'][data-id='${DEMO_ID}']`)!.click();
    await waitFor(() => $("#graph")?.dataset.graphReady === "error");
    expect($("[data-testid='error-banner']")!.dataset.code).toBe("graph_unavailable");
    const pod = $$("[data-testid='graph-node-item']").find((i) => i.textContent === "shop/cart-7f9c6d8b5-x2k4q")!;
    pod.click();
    await waitFor(() => $("[data-testid='side-panel'] [data-testid='tactic-group'][data-tactic='TA0040']"));
  });
});
