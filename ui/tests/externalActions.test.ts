// What a responder outside Kordon (Falco Talon) did to the incident's pods:
// the pure wording and marking, then the triage tab, the graph and the
// pod's panel against the mock backend.
import { afterEach, describe, expect, it } from "vitest";
import type { App } from "../src/app";
import { byTime, marksWords, onPod, onThePod, podMarks, statusWord } from "../src/logic/externalActions";
import type { ExternalAction } from "../src/types";
import { $, $$, key, mountFresh, openDemo, ready, waitFor } from "./helpers";
import { DEMO_ID } from "./mockBackend";

const CART = "shop/cart-7f9c6d8b5-x2k4q";
const RBAC = 'pods "cart-7f9c6d8b5-x2k4q" is forbidden: User "system:serviceaccount:falco:falco-talon" cannot delete resource "pods"';

function talon(over: Partial<ExternalAction>): ExternalAction {
  return {
    id: "0000000000000001",
    done_outside: true,
    by: "Falco Talon",
    source: "falco-talon",
    what: `Falco Talon labelled pod ${CART}`,
    time: "2026-11-20T09:47:22.000000000Z",
    status: "success",
    actionner: "kubernetes:label",
    effect: "label",
    action: "Label the pod as suspicious",
    rule: "Contain crypto miners",
    result: null,
    error: null,
    output: null,
    trace_id: "5f0c9a2e7d4b4e1c8a3f6b2d9e0c7a41",
    pod: CART,
    objects: { pod: "cart-7f9c6d8b5-x2k4q", namespace: "shop" },
    ...over,
  };
}

const STORY: ExternalAction[] = [
  talon({ id: "0000000000000003", effect: "terminate", actionner: "kubernetes:terminate", action: "Terminate the pod", status: "failure", error: RBAC, what: `Falco Talon failed to terminate pod ${CART}` }),
  talon({ id: "0000000000000002" }),
  talon({ id: "0000000000000001", effect: "isolate", actionner: "kubernetes:networkpolicy", action: "Isolate the pod", time: "2026-11-20T09:47:21.000000000Z", what: `Falco Talon isolated pod ${CART} with a NetworkPolicy` }),
];

describe("external actions (pure)", () => {
  it("says on the pod what was done, what failed and why", () => {
    expect(onThePod(STORY[2]!)).toBe("Falco Talon isolated this pod at 2026-11-20 09:47:21");
    expect(onThePod(STORY[0]!)).toBe(`Falco Talon failed to terminate this pod at 2026-11-20 09:47:22 (${RBAC})`);
    expect(onThePod(talon({ status: "ignored", effect: "terminate", result: "belongs to a DaemonSet" }))).toBe(
      "Falco Talon did not terminate this pod at 2026-11-20 09:47:22 (ignored: belongs to a DaemonSet)",
    );
    expect(onThePod(talon({ effect: null, actionner: "acme:quarantine", time: null }))).toBe("Falco Talon ran acme:quarantine on this pod");
    expect(statusWord(STORY[0]!)).toBe("failed");
    expect(statusWord(STORY[1]!)).toBe("done");
  });

  it("orders by time then id, and lists one pod's", () => {
    expect(byTime(STORY).map((a) => a.id)).toEqual(["0000000000000001", "0000000000000002", "0000000000000003"]);
    expect(byTime([talon({ id: "b", time: null }), talon({ id: "a" })]).map((a) => a.id)).toEqual(["a", "b"]);
    expect(onPod(STORY, CART)).toHaveLength(3);
    expect(onPod(STORY, "shop/other")).toEqual([]);
  });

  it("marks only what worked: a failed terminate leaves the pod as it was", () => {
    const marks = podMarks(STORY);
    expect([...marks.keys()]).toEqual([CART]);
    expect(marksWords(marks.get(CART)!)).toBe("isolated, labelled");
    expect(podMarks([talon({ effect: "exec" })]).size).toBe(0);
    expect(podMarks([talon({ pod: null })]).size).toBe(0);
  });
});

describe("external actions in the incident", () => {
  let app: App;
  afterEach(() => app.destroy());

  it("lists them apart in the triage tab, marks the pod and tells on its panel", async () => {
    const m = mountFresh();
    app = m.app;
    m.mock.externalActions[DEMO_ID] = STORY;
    await openDemo();
    $(`[data-testid='incident-row'][data-id='${DEMO_ID}'] td.title`)!.click();
    await ready("incident");
    await waitFor(() => $("#graph")?.dataset.graphReady === "true");

    const item = await waitFor(() => $$("[data-testid='graph-node-item']").find((i) => i.textContent === CART && i.dataset.outside));
    expect(item.dataset.outside).toBe("isolated, labelled");
    expect(item.dataset.isolated).toBeUndefined();
    item.click();
    const lines = await waitFor(() => ($$("[data-testid='pod-outside-action']").length ? $$("[data-testid='pod-outside-action']") : null));
    expect(lines.map((l) => l.textContent)).toEqual([
      "Falco Talon isolated this pod at 2026-11-20 09:47:21",
      "Falco Talon labelled this pod at 2026-11-20 09:47:22",
      `Falco Talon failed to terminate this pod at 2026-11-20 09:47:22 (${RBAC})`,
    ]);
    // Kordon's own controls are still there.
    expect($("[data-testid='node-isolate']")).not.toBeNull();

    key("4");
    const rows = await waitFor(() => ($$("[data-testid='external-action']").length ? $$("[data-testid='external-action']") : null));
    expect(rows.map((r) => r.dataset.effect)).toEqual(["isolate", "label", "terminate"]);
    expect(rows.every((r) => r.textContent!.includes("done outside Kordon"))).toBe(true);
    const failed = rows.find((r) => r.dataset.status === "failure")!;
    expect(failed.querySelector("[data-testid='external-action-error']")!.textContent).toBe(RBAC);
    // Kordon's own list is unchanged: none yet, and nothing to release.
    const section = $("[data-testid='cluster-actions']")!;
    expect(section.querySelector("h2")!.textContent).toBe("Cluster actions (0)");
    expect(section.querySelectorAll("[data-testid='cluster-action']")).toHaveLength(0);
    expect(section.querySelectorAll("[data-testid='action-release']")).toHaveLength(0);
  });
});
