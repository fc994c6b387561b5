// Containment from the graph, in jsdom against the mock backend: the dialog
// shows the context, asks for a reason, previews the checked change, needs
// a confirmation, and the result shows on the node and in the actions.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { App } from "../src/app";
import { $, $$, key, mountFresh, openDemo, ready, waitFor } from "./helpers";
import { DEMO_ID, type MockBackend } from "./mockBackend";

let app: App;
let mock: MockBackend;

beforeEach(() => {
  ({ app, mock } = mountFresh());
});
afterEach(() => app.destroy());

async function podPanel() {
  await openDemo();
  $(`[data-testid='incident-row'][data-id='${DEMO_ID}'] td.title`)!.click();
  await ready("incident");
  await waitFor(() => $("#graph")?.dataset.graphReady === "true");
  $$("[data-testid='graph-node-item']").find((i) => i.textContent === "shop/cart-7f9c6d8b5-x2k4q")!.click();
  return waitFor(() => $("[data-testid='node-isolate']"));
}

function type(testid: string, value: string) {
  const el = $(`[data-testid='${testid}']`) as HTMLInputElement | HTMLTextAreaElement;
  el.value = value;
  el.dispatchEvent(new Event("input"));
}

describe("containment from the graph", () => {
  it("isolates the pod after a preview and a confirmation, shows it, and releases it", async () => {
    (await podPanel()).click();
    const dialog = await waitFor(() => $("[data-testid='containment-dialog']"));
    await waitFor(() => $("[data-testid='containment-context-info']"));
    expect(dialog.textContent).toContain("https://127.0.0.1:6443");
    // No reason, no check.
    $("[data-testid='containment-check']")!.click();
    expect($("[data-testid='containment-error']")!.textContent).toContain("reason");
    expect(mock.calls.some((c) => c.cmd === "cluster_prepare")).toBe(false);
    type("containment-reason", "miner talking to the pool");
    $("[data-testid='containment-check']")!.click();
    await waitFor(() => $("[data-testid='containment-preview']"));
    expect($("[data-testid='containment-yaml']")!.textContent).toContain("NetworkPolicy");
    expect($$("[data-testid='preflight-check']").every((c) => c.dataset.allowed === "true")).toBe(true);
    // Not confirmed: nothing applied.
    $("[data-testid='containment-apply']")!.click();
    expect(mock.calls.some((c) => c.cmd === "cluster_apply")).toBe(false);
    ($("[data-testid='containment-confirm']") as HTMLInputElement).checked = true;
    $("[data-testid='containment-apply']")!.click();
    const result = await waitFor(() => $("[data-testid='containment-result']"));
    expect(result.dataset.state).toBe("applied");
    expect(mock.calls.find((c) => c.cmd === "cluster_apply")!.args).toMatchObject({ confirm: "yes" });
    $("[data-testid='containment-close']")!.click();
    await waitFor(() => $("[data-testid='isolated-badge']"));
    expect($$("[data-testid='graph-node-item']").find((i) => i.dataset.isolated === "true")!.textContent).toBe("shop/cart-7f9c6d8b5-x2k4q");

    key("4");
    const row = await waitFor(() => $("[data-testid='cluster-action'][data-state='applied']"));
    await waitFor(() => $$("[data-testid='log-entry']").some((e) => e.textContent!.includes("isolate act-")));
    row.querySelector<HTMLElement>("[data-testid='action-release']")!.click();
    await waitFor(() => $("[data-testid='containment-context-info']"));
    type("containment-reason", "rebuilt from a clean image");
    $("[data-testid='containment-check']")!.click();
    await waitFor(() => $("[data-testid='containment-result'][data-state='released']"));
    $("[data-testid='containment-close']")!.click();
    await waitFor(() => $("[data-testid='cluster-action'][data-state='released']"));
  });

  it("shows an exec plugin's command and runs it only once trusted", async () => {
    (await podPanel()).click();
    await waitFor(() => $("[data-testid='containment-context-info']"));
    const sel = $("[data-testid='containment-context']") as HTMLSelectElement;
    sel.value = "exec-lab";
    sel.dispatchEvent(new Event("change"));
    const trust = await waitFor(() => $("[data-testid='exec-trust']"));
    expect(trust.textContent).toContain("kubelogin get-token");
    type("containment-reason", "miner");
    $("[data-testid='containment-check']")!.click();
    const err = await waitFor(() => ($("[data-testid='containment-error']")?.dataset.code ? $("[data-testid='containment-error']") : null));
    expect(err.dataset.code).toBe("exec_untrusted");
    ($("[data-testid='exec-trust-check']") as HTMLInputElement).checked = true;
    $("[data-testid='exec-trust-check']")!.dispatchEvent(new Event("change"));
    $("[data-testid='containment-check']")!.click();
    await waitFor(() => $("[data-testid='containment-preview']"));
    const call = mock.calls.filter((c) => c.cmd === "cluster_prepare").pop()!.args as { request: { connect: { trust_exec: boolean } } };
    expect(call.request.connect.trust_exec).toBe(true);
  });

  it("another kubeconfig can be chosen", async () => {
    (await podPanel()).click();
    await waitFor(() => $("[data-testid='containment-context-info']"));
    $("[data-testid='containment-kubeconfig']")!.click();
    await waitFor(() => $("[data-testid='containment-files']")?.textContent === "other/kubeconfig.yaml");
    type("containment-reason", "miner");
    $("[data-testid='containment-check']")!.click();
    await waitFor(() => $("[data-testid='containment-preview']"));
    const call = mock.calls.filter((c) => c.cmd === "cluster_prepare").pop()!.args as { request: { connect: { kubeconfig: string } } };
    expect(call.request.connect.kubeconfig).toBe("other/kubeconfig.yaml");
  });

  it("a termination needs the pod's name typed", async () => {
    await podPanel();
    $("[data-testid='node-terminate']")!.click();
    await waitFor(() => $("[data-testid='containment-context-info']"));
    type("containment-reason", "miner");
    $("[data-testid='containment-check']")!.click();
    await waitFor(() => $("[data-testid='containment-preview']"));
    type("containment-confirm", "cart");
    $("[data-testid='containment-apply']")!.click();
    expect($("[data-testid='containment-error']")!.textContent).toContain("Type the pod's name, cart-7f9c6d8b5-x2k4q");
    expect(mock.calls.some((c) => c.cmd === "cluster_apply")).toBe(false);
    type("containment-confirm", "cart-7f9c6d8b5-x2k4q");
    $("[data-testid='containment-apply']")!.click();
    await waitFor(() => $("[data-testid='containment-result'][data-state='applied']"));
    expect(mock.calls.find((c) => c.cmd === "cluster_apply")!.args).toMatchObject({ confirm: "cart-7f9c6d8b5-x2k4q" });
  });
});

describe("the playbook in the containment dialog", () => {
  it("shows the rule, asks what it requires, refuses until it is given, and previews the approvals", async () => {
    mock.rule = {
      playbook: "Shop — production and staging",
      rule: "payments-critical",
      asks: "critical criticality; prefer to isolate; isolate or terminate with a second person",
      why: "Payments: a mistake stops the money.",
      owners: ["team-ledger"],
      notify: ["secops on-call"],
      requires: ["second-person", "override"],
    };
    mock.investigator = "ada";
    (await podPanel()).click();
    const rule = await waitFor(() => $("[data-testid='containment-rule']"));
    expect(rule.dataset.rule).toBe("payments-critical");
    expect(rule.textContent).toBe("Playbook “Shop — production and staging”, rule payments-critical");
    expect($("[data-testid='containment-owners']")!.textContent).toBe("Owners: team-ledger · Notify: secops on-call");
    expect($$("[data-testid='containment-requirement']").map((r) => [r.dataset.kind, r.dataset.met])).toEqual([
      ["second-person", "false"],
      ["override", "false"],
    ]);
    expect($("[data-testid='approval-evidence']")).toBeNull();
    // Unmet: the core refuses before any cluster is contacted.
    type("containment-reason", "miner");
    $("[data-testid='containment-check']")!.click();
    const problem = await waitFor(() => $("[data-testid='containment-error'][data-code='playbook_requirement']"));
    expect(problem.textContent).toContain("second person");
    expect($("[data-testid='containment-preview']")).toBeNull();
    // The investigator's own name is no second person.
    type("approval-second-person", "ada");
    await waitFor(() => $$("[data-testid='containment-requirement']")[0]!.textContent!.includes("not the investigator's own"));
    const field = $("[data-testid='approval-second-person']");
    type("approval-second-person", "grace");
    type("approval-override", "the rule's owners agreed on the bridge");
    await waitFor(() => $("[data-testid='containment-playbook']")!.dataset.met === "true");
    expect($("[data-testid='approval-second-person']")).toBe(field);
    $("[data-testid='containment-check']")!.click();
    const recorded = await waitFor(() => $("[data-testid='containment-preview-playbook']"));
    expect(recorded.textContent).toBe(
      "Playbook “Shop — production and staging”, rule payments-critical; recorded with the approvals: second person: grace; override: the rule's owners agreed on the bridge.",
    );
    const sent = mock.calls.filter((c) => c.cmd === "cluster_prepare").pop()!.args as { request: { approvals: unknown } };
    expect(sent.request.approvals).toEqual({ second_person: "grace", override_reason: "the rule's owners agreed on the bridge" });
  });

  it("asks again when the action changes: scaling to zero is its own action to the rule", async () => {
    mock.rule = { playbook: "Kordon default", rule: "stateful", requires: [] };
    const terminate = await podPanel().then(() => $("[data-testid='node-terminate']")!);
    terminate.click();
    await waitFor(() => $("[data-testid='containment-rule']"));
    expect($("[data-testid='containment-requirements']")!.textContent).toBe("Nothing required before this action.");
    mock.rule = { ...mock.rule, requires: ["evidence-captured"] };
    const scale = $("[data-testid='containment-scale']") as HTMLInputElement;
    scale.checked = true;
    scale.dispatchEvent(new Event("change"));
    const box = (await waitFor(() => $("[data-testid='approval-evidence']"))) as HTMLInputElement;
    const asked = mock.calls.filter((c) => c.cmd === "containment_gate").pop()!.args as { request: { scale_owner_to_zero: boolean } };
    expect(asked.request.scale_owner_to_zero).toBe(true);
    box.checked = true;
    box.dispatchEvent(new Event("change"));
    await waitFor(() => $("[data-testid='containment-requirement'][data-kind='evidence-captured'][data-met='true']"));
  });
});
