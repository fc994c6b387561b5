// Triage: the view logic (pure) and the whole UI in jsdom against the mock
// backend, whose rules mirror the core's (src/triage).
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { App } from "../src/app";
import { facets, filterIncidents } from "../src/logic/queue";
import { changeOf, describeEntry, formOf, formProblem, statusChoices } from "../src/logic/triage";
import type { Triage } from "../src/types";
import { $, $$, key, mountFresh, openDemo, ready, waitFor } from "./helpers";
import { DEMO_ID, demoIncidents, vocabulary, type MockBackend } from "./mockBackend";

const fresh: Triage = {
  incident: DEMO_ID,
  status: "new",
  classification: null,
  determination: null,
  owner: null,
  tags: ["miner"],
  severity_override: null,
  comments: [],
  verdicts: [],
  follow_up: [],
  log: [],
};

describe("triage logic", () => {
  it("offers only the moves the vocabulary allows", () => {
    expect(statusChoices(vocabulary, "new").map((s) => s.id)).toEqual(["new", "in-progress", "resolved"]);
    expect(statusChoices(vocabulary, "resolved").map((s) => s.id)).toEqual(["in-progress", "resolved"]);
  });

  it("turns a form into exactly the fields that changed", () => {
    const f = formOf(fresh);
    expect(changeOf(fresh, f)).toBeNull();
    f.owner = "  blue team ";
    f.tags = "miner, shop, shop";
    f.severity = "high";
    expect(changeOf(fresh, f)).toEqual({ owner: "blue team", add_tags: ["shop"], severity: "high" });
    f.tags = "";
    expect(changeOf(fresh, f)?.remove_tags).toEqual(["miner"]);
    f.classification = "true-positive";
    f.determination = "multistage-attack";
    expect(changeOf(fresh, f)).toMatchObject({ classification: "true-positive", determination: "multistage-attack" });
  });

  it("says why a form cannot be saved", () => {
    const f = formOf(fresh);
    f.status = "resolved";
    expect(formProblem(fresh, f, vocabulary)).toContain("classification");
    f.classification = "false-positive";
    expect(formProblem(fresh, f, vocabulary)).toContain("determination");
    f.determination = "multistage-attack"; // not a false-positive determination
    expect(formProblem(fresh, f, vocabulary)).toContain("determination");
    f.determination = "not-malicious";
    expect(formProblem(fresh, f, vocabulary)).toContain("comment");
    f.comment = "Scanner run by the red team, ticket SEC-1.";
    expect(formProblem(fresh, f, vocabulary)).toBeNull();
  });

  it("puts log rows in words with the vocabulary's names", () => {
    const row = (action: string, details: Record<string, unknown>) => ({ id: 1, time: "", actor: "ada", action, target: DEMO_ID, details, hash: "" });
    expect(describeEntry(row("triage", { field: "status", from: "new", to: "resolved" }), vocabulary)).toBe("set status: New → Resolved");
    expect(describeEntry(row("triage", { field: "determination", from: null, to: "multistage-attack" }), vocabulary)).toBe(
      "set determination: none → Multistage attack",
    );
    expect(describeEntry(row("triage", { field: "tag", from: null, to: "miner" }), vocabulary)).toBe("added tag miner");
    expect(describeEntry(row("verdict", { entity: { kind: "pod", key: "shop/cart" }, to: "malicious" }), vocabulary)).toBe("marked pod shop/cart Malicious");
    const action = { action: "act-1", kind: "isolate", state: "prepared", pod: "payments/ledger-0" };
    expect(describeEntry(row("cluster-action", action), vocabulary)).toBe("isolate act-1 payments/ledger-0: prepared");
    const gated = { ...action, details: { playbook: { rule: "payments-critical", approvals: { second_person: "grace" } } } };
    expect(describeEntry(row("cluster-action", gated), vocabulary)).toBe(
      "isolate act-1 payments/ledger-0: prepared, under playbook rule payments-critical (second person: grace)",
    );
  });

  it("filters the queue by status, classification, owner and tag", () => {
    const rows = demoIncidents.map((r, i) => ({ ...r, owner: i === 0 ? "ada" : null, tags: i === 0 ? ["miner"] : [], classification: i === 0 ? "true-positive" : null }));
    const base = { text: "", minSeverity: "" };
    expect(filterIncidents(rows, { ...base, owner: "ada" }).map((r) => r.id)).toEqual([rows[0]!.id]);
    expect(filterIncidents(rows, { ...base, owner: "none" }).length).toBe(rows.length - 1);
    expect(filterIncidents(rows, { ...base, classification: "none" }).length).toBe(rows.length - 1);
    expect(filterIncidents(rows, { ...base, tag: "miner" }).length).toBe(1);
    expect(filterIncidents(rows, { ...base, status: "resolved" }).length).toBe(0);
    expect(filterIncidents(rows, { ...base, text: "MINER" }).length).toBe(1);
    expect(facets(rows)).toEqual({ owners: ["ada"], tags: ["miner"] });
  });
});

let app: App;
let mock: MockBackend;

async function openTriage() {
  await openDemo();
  $(`[data-testid='incident-row'][data-id='${DEMO_ID}'] td.title`)!.click();
  await ready("incident");
  key("4");
  return waitFor(() => $("[data-testid='triage-save']"));
}

function choose(testid: string, value: string) {
  const s = $(`[data-testid='${testid}']`) as HTMLSelectElement;
  s.value = value;
  s.dispatchEvent(new Event("change"));
}

function type(testid: string, value: string) {
  const i = $(`[data-testid='${testid}']`) as HTMLInputElement | HTMLTextAreaElement;
  i.value = value;
  i.dispatchEvent(new Event("input"));
}

beforeEach(() => {
  ({ app, mock } = mountFresh());
});

afterEach(() => app.destroy());

describe("the triage tab", () => {
  it("classifies, comments and resolves in one save; the header, log and queue follow", async () => {
    const save = (await openTriage()) as HTMLButtonElement;
    expect(save.disabled).toBe(true);
    choose("triage-status", "resolved");
    expect($("[data-testid='triage-problem']")!.textContent).toContain("classification");
    expect(save.disabled).toBe(true);
    choose("triage-classification", "true-positive");
    choose("triage-determination", "multistage-attack");
    expect($("[data-testid='triage-problem']")!.textContent).toContain("comment");
    type("triage-comment", "Miner from a stolen **cart** token; <script>x()</script>");
    expect(save.disabled).toBe(false);
    save.click();
    await waitFor(() => $("[data-testid='incident-status']")?.dataset.status === "resolved");
    expect($("[data-testid='incident-classification']")!.textContent).toBe("True positive · Multistage attack");
    const comment = await waitFor(() => $("[data-testid='comment']"));
    expect(comment.querySelector(".markdown strong")!.textContent).toBe("cart");
    expect(comment.querySelector("script")).toBeNull();
    const actions = $$("[data-testid='log-entry']").map((e) => e.textContent ?? "");
    expect(actions.some((a) => a.includes("set status: New → Resolved"))).toBe(true);
    expect(actions.some((a) => a.includes("commented"))).toBe(true);
    const applied = mock.calls.find((c) => c.cmd === "triage_apply")!.args as { change: Record<string, unknown> };
    expect(applied.change).toMatchObject({ status: "resolved", classification: "true-positive", determination: "multistage-attack" });
    await waitFor(() => app.incidents.find((r) => r.id === DEMO_ID)?.status === "resolved");
    expect(mock.calls.filter((c) => c.cmd === "verify_case").length).toBeGreaterThanOrEqual(2);
  });

  it("a refused change shows the core's error and keeps what was typed", async () => {
    const save = (await openTriage()) as HTMLButtonElement;
    mock.failNextWith("triage_apply", "invalid_argument", "INC-070b10ff cannot move from new to nowhere");
    type("triage-owner", "blue team");
    save.click();
    const banner = await waitFor(() => $("[data-testid='error-banner']"));
    expect(banner.dataset.code).toBe("invalid_argument");
    expect(($("[data-testid='triage-owner']") as HTMLInputElement).value).toBe("blue team");
    expect($("[data-testid='incident-status']")!.dataset.status).toBe("new");
  });

  it("ticks a follow-up item off: saved in the case, signed, logged, and undone when refused", async () => {
    await openTriage();
    const box = () => $("[data-testid='follow-up-tick'][data-item='rotate-credentials']") as HTMLInputElement;
    box().click();
    await waitFor(() => mock.calls.some((c) => c.cmd === "set_follow_up"));
    expect(mock.calls.find((c) => c.cmd === "set_follow_up")!.args).toEqual({ id: DEMO_ID, item: "rotate-credentials", done: true });
    const who = () => $("[data-testid='follow-up'][data-item='rotate-credentials'] [data-testid='follow-up-who']")!;
    await waitFor(() => who().textContent!.startsWith("done · tester"));
    expect(box().checked).toBe(true);
    await waitFor(() => $$("[data-testid='log-entry']").some((e) => e.textContent!.includes("ticked off follow-up rotate-credentials")));
    // A refusal puts the box back as it was.
    mock.failNextWith("set_follow_up", "store", "the case is read-only");
    box().click();
    const banner = await waitFor(() => $("[data-testid='error-banner']"));
    expect(banner.dataset.code).toBe("store");
    expect(box().checked).toBe(true);
    expect(describeEntry({ action: "follow-up", details: { item: "network-policy", done: false } } as never, vocabulary)).toBe("unticked follow-up network-policy");
  });

  it("sets a verdict on the pod from the graph's side panel", async () => {
    await openTriage();
    key("1");
    await waitFor(() => $("#graph")?.dataset.graphReady === "true");
    $$("[data-testid='graph-node-item']").find((i) => i.textContent === "shop/cart-7f9c6d8b5-x2k4q")!.click();
    choose("entity-verdict", "malicious");
    await waitFor(() => mock.calls.some((c) => c.cmd === "set_verdict"));
    await waitFor(() => $("[data-testid='side-panel']")!.textContent!.includes("by tester"));
    expect(($("[data-testid='entity-verdict']") as HTMLSelectElement).value).toBe("malicious");
    key("4");
    await waitFor(() => $$("[data-testid='log-entry']").some((e) => e.textContent!.includes("Malicious")));
  });
});

describe("the queue's triage", () => {
  it("changes several incidents at once, and a refusal changes none", async () => {
    await openDemo();
    const boxes = $$("[data-testid='incident-check']").slice(0, 2) as HTMLInputElement[];
    for (const b of boxes) {
      b.checked = true;
      b.dispatchEvent(new Event("change"));
    }
    expect($("[data-testid='bulk-bar']")!.hidden).toBe(false);
    expect($("[data-testid='bulk-bar']")!.textContent).toContain("2 selected");
    const ids = boxes.map((b) => b.dataset.id!);
    // Resolving without a classification: refused whole.
    choose("bulk-status", "resolved");
    $("[data-testid='bulk-apply']")!.click();
    const banner = await waitFor(() => $("[data-testid='error-banner']"));
    expect(banner.dataset.code).toBe("invalid_argument");
    expect(mock.incidents.filter((r) => ids.includes(r.id)).every((r) => r.status === "new")).toBe(true);
    choose("bulk-status", "in-progress");
    type("bulk-owner", "tier-2");
    ($("[data-testid='bulk-owner']") as HTMLInputElement).value = "tier-2";
    $("[data-testid='bulk-apply']")!.click();
    await waitFor(() => $("[data-testid='bulk-bar']")!.hidden);
    for (const id of ids) {
      const row = $(`[data-testid='incident-row'][data-id='${id}']`)!;
      expect(row.querySelector("[data-testid='incident-status']")!.getAttribute("data-status")).toBe("in-progress");
      expect(row.querySelector("[data-testid='incident-owner']")!.textContent).toBe("tier-2");
    }
    choose("queue-owner", "tier-2");
    expect($$("[data-testid='incident-row']").map((r) => r.dataset.id).sort()).toEqual([...ids].sort());
    choose("queue-status", "new");
    expect($$("[data-testid='incident-row']").length).toBe(0);
  });
});

describe("integrity and the investigator", () => {
  it("the badge passes on a sound case and names the first problem otherwise", async () => {
    await openDemo();
    const badge = await waitFor(() => ($("[data-testid='integrity-badge']")?.dataset.state === "ok" ? $("[data-testid='integrity-badge']") : null));
    expect(badge.textContent).toBe("Integrity: verified");
    // What it proved, the head it checked against, and what it could not prove.
    expect(badge.title).toContain(`Log head: 12:${"ab".repeat(32)} (the one this app saw last, still there)`);
    expect(badge.title).toContain("Not proven: raw record bytes are not yet committed to");
    mock.verification = { ok: false, activity_rows: 3, files_checked: 9, problems: ["activity row 4: its hash does not match its content (edited outside Kordon)"], head: null, head_checked: false, limits: [] };
    badge.click();
    await waitFor(() => badge.dataset.state === "failed");
    const banner = await waitFor(() => $("[data-testid='error-banner']"));
    expect(banner.dataset.code).toBe("bad_case");
    expect(banner.textContent).toContain("activity row 4");
  });

  it("the investigator's name is a preference and signs later changes", async () => {
    await ready("start");
    expect($("[data-testid='investigator']")!.textContent).toBe("as tester");
    ($("[data-testid='investigator-name']") as HTMLInputElement).value = "Ada Lovelace";
    $("[data-testid='investigator-save']")!.click();
    await waitFor(() => $("[data-testid='investigator']")!.textContent === "as Ada Lovelace");
    const save = (await openTriage()) as HTMLButtonElement;
    type("triage-comment", "Looking into it.");
    save.click();
    const c = await waitFor(() => $("[data-testid='comment']"));
    expect(c.textContent).toContain("Ada Lovelace");
  });
});
