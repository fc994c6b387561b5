// The playbook's panel on the incident page, in jsdom against the mock
// backend: who answers for the incident together, the hand-off note to
// copy, and loading the team's playbook (the page is read again under it;
// a malformed one is refused with its line, and nothing changes).
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { App } from "../src/app";
import { $, $$, mountFresh, openDemo, ready, waitFor } from "./helpers";
import { DEMO_ID, type MockBackend } from "./mockBackend";

let app: App;
let mock: MockBackend;

beforeEach(() => {
  ({ app, mock } = mountFresh());
});
afterEach(() => app.destroy());

async function incident() {
  await openDemo();
  $(`[data-testid='incident-row'][data-id='${DEMO_ID}'] td.title`)!.click();
  await ready("incident");
  return waitFor(() => $("[data-testid='playbook']"));
}

function loadFrom(path: string) {
  ($("[data-testid='playbook-load']") as HTMLDetailsElement).open = true;
  const input = $("[data-testid='playbook-path-input']") as HTMLInputElement;
  input.value = path;
  $("[data-testid='playbook-path-submit']")!.click();
}

describe("the playbook panel", () => {
  it("shows the incident's owner, the workload's owners and whom to notify together", async () => {
    await incident();
    expect($("[data-testid='escalation-owner']")!.textContent).toBe("unassigned (set it in the triage tab)");
    expect($("[data-testid='escalation-owners']")!.textContent).toBe("the application's owners");
    expect($("[data-testid='escalation-notify']")!.textContent).toBe("security operations — Kordon sends nothing");
    // The panel follows a triage change made on the page.
    $("[data-testid='tab-triage']")!.click();
    const owner = await waitFor(() => $("[data-testid='triage-owner']") as HTMLInputElement | null);
    owner.value = "grace";
    owner.dispatchEvent(new Event("input"));
    $("[data-testid='triage-save']")!.click();
    await waitFor(() => $("[data-testid='escalation-owner']")!.textContent === "grace");
  });

  it("writes the hand-off note when opened, once, ready to copy", async () => {
    await incident();
    const note = $("[data-testid='handoff-note']") as HTMLDetailsElement;
    expect(mock.calls.some((c) => c.cmd === "handoff_note")).toBe(false);
    note.open = true;
    note.dispatchEvent(new Event("toggle"));
    const text = (await waitFor(() => ($("[data-testid='handoff-note-text']") as HTMLTextAreaElement).value && $("[data-testid='handoff-note-text']"))) as HTMLTextAreaElement;
    expect(text.value).toContain("shop/cart-7f9c6d8b5-x2k4q: rule workloads");
    expect(text.readOnly).toBe(true);
    expect(($("[data-testid='handoff-note-copy']") as HTMLButtonElement).disabled).toBe(false);
    note.dispatchEvent(new Event("toggle"));
    expect(mock.calls.filter((c) => c.cmd === "handoff_note")).toHaveLength(1);
  });

  it("loads the team's playbook and reads the page again under it", async () => {
    await incident();
    loadFrom("playbooks/shop.yaml");
    await waitFor(() => $("[data-testid='playbook-source']")?.textContent?.startsWith("Shop — production and staging, loaded from shop.yaml"));
    expect($("[data-testid='playbook-rule']")!.dataset.rule).toBe("production-shop");
    expect($("[data-testid='escalation-notify']")!.textContent).toContain("#sec-oncall, shop on-call");
    expect(mock.calls.find((c) => c.cmd === "playbook_load")!.args).toEqual({ path: "playbooks/shop.yaml" });
    expect(document.body.textContent).toContain("Loaded “Shop — production and staging” from shop.yaml: 4 rules");
  });

  it("refuses a malformed playbook with its line and keeps the one in force", async () => {
    await incident();
    loadFrom("playbooks/bad.yaml");
    const status = await waitFor(() => $("[data-testid='playbook-load-status'][data-code='invalid_playbook']"));
    expect(status.textContent).toContain("bad.yaml: line 7");
    expect($("[data-testid='playbook-source']")!.textContent).toBe("Kordon's default playbook (Kordon default)");
    expect($$("[data-testid='playbook-rule']").map((r) => r.dataset.rule)).toEqual(["workloads"]);
  });

  it("loads from the file dialog too, and does nothing when it is cancelled", async () => {
    await incident();
    ($("[data-testid='playbook-load']") as HTMLDetailsElement).open = true;
    mock.dialog.playbook = null;
    $("[data-testid='playbook-pick']")!.click();
    await new Promise((r) => setTimeout(r, 20));
    expect(mock.calls.some((c) => c.cmd === "playbook_load")).toBe(false);
    mock.dialog.playbook = "team/playbook.yaml";
    $("[data-testid='playbook-pick']")!.click();
    await waitFor(() => $("[data-testid='playbook-source']")?.textContent?.includes("loaded from playbook.yaml"));
  });
});
