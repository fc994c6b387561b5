// The playbook's lines on the incident page, against what the core gives
// for the demo's cart pod under the example playbook and the default.
import { describe, expect, it } from "vitest";
import { approvalInputs, approvalsLine, becauseLine, escalation, gateHeading, loadedLine, playbookSource, ruleLine, unmet } from "../src/logic/playbook";
import type { PlaybookForIncident, PlaybookGate, PlaybookRuleFor } from "../src/types";

const cart: PlaybookRuleFor = {
  workload: {
    pod: "shop/cart-7f9c6d8b5-x2k4q",
    namespace: "shop",
    cluster: "aks-shop-prod",
    labels: { app: "cart" },
    owners: [
      { kind: "ReplicaSet", name: "cart-7f9c6d8b5" },
      { kind: "Deployment", name: "cart" },
    ],
  },
  rule: "production-shop",
  because: ["cluster aks-shop-prod", "namespace shop", "owned by Deployment cart"],
  criticality: "high",
  preferred: "isolate",
  owners: ["team-shop"],
  notify: ["secops on-call", "#inc-shop"],
};

const loaded: PlaybookForIncident = {
  name: "Shop — production and staging",
  origin: { kind: "loaded", file: "production-staging.yaml", sha256: "360b…", loaded_by: "ada" },
  workloads: [cart],
};

describe("the playbook on the incident page", () => {
  it("says where the playbook in force comes from", () => {
    expect(playbookSource(loaded)).toBe("Shop — production and staging, loaded from production-staging.yaml by ada");
    const builtin: PlaybookForIncident = { ...loaded, name: "Kordon default", origin: { kind: "default", file: "data/playbook.yaml", sha256: "x" } };
    expect(playbookSource(builtin)).toBe("Kordon's default playbook (Kordon default)");
  });

  it("names the rule, its criticality and preferred action, and what it matched on", () => {
    expect(ruleLine(cart)).toBe("rule production-shop: high, prefers isolate");
    expect(becauseLine(cart)).toBe("matched on cluster aks-shop-prod, namespace shop, owned by Deployment cart");
    expect(ruleLine({ ...cart, preferred: "scale-to-zero" })).toBe("rule production-shop: high, prefers scale to zero");
  });

  it("says so when no rule matches, and adds nothing for a catch-all", () => {
    const none: PlaybookRuleFor = { workload: cart.workload, because: [], unknown: ["the cluster (rule `staging` asks for it)"] };
    expect(ruleLine(none)).toBe("no rule of the playbook matches");
    expect(becauseLine(none)).toBeNull();
    expect(becauseLine({ ...cart, rule: "workloads", because: ["every workload"] })).toBeNull();
  });
});

const gate: PlaybookGate = {
  playbook: "Shop — production and staging",
  sha256: "5a".repeat(32),
  rule: "payments-critical",
  action: "terminate",
  requirements: [
    { kind: "second-person", text: "a second person's name: the rule asks two people for terminating", met: false },
    { kind: "evidence-captured", text: "the pod's evidence captured first", met: true },
    { kind: "review:identity", text: "a verdict on identity system:serviceaccount:payments:ledger", met: false },
  ],
  approvals: { evidence_captured: true },
};

describe("the playbook in the containment dialog", () => {
  it("names the rule, or says none matches", () => {
    expect(gateHeading(gate)).toBe("Playbook “Shop — production and staging”, rule payments-critical");
    expect(gateHeading({ ...gate, rule: undefined })).toBe("Playbook “Shop — production and staging”: no rule matches this pod");
  });

  it("asks only for the approvals the rule requires", () => {
    expect(approvalInputs(gate)).toEqual({ secondPerson: true, override: false, evidence: true });
    expect(approvalInputs({ ...gate, requirements: [{ kind: "override", text: "", met: false }] })).toEqual({ secondPerson: false, override: true, evidence: false });
    expect(unmet(gate).map((r) => r.kind)).toEqual(["second-person", "review:identity"]);
  });

  it("words the approvals the action is recorded with", () => {
    expect(approvalsLine({ second_person: " Grace ", override_reason: "", evidence_captured: true })).toBe("second person: Grace; evidence captured");
    expect(approvalsLine({ override_reason: "the pod is a decoy" })).toBe("override: the pod is a decoy");
    expect(approvalsLine({})).toBeNull();
  });
});

describe("ownership and escalation", () => {
  it("gathers the incident's owner, the workloads' owners and whom to notify, each once", () => {
    const two: PlaybookForIncident = {
      ...loaded,
      workloads: [cart, { ...cart, workload: { ...cart.workload, pod: "shop/cart-2" }, owners: ["team-shop", "platform"], notify: ["#inc-shop"] }],
    };
    expect(escalation(two, " ada ")).toEqual({ incidentOwner: "ada", owners: ["team-shop", "platform"], notify: ["secops on-call", "#inc-shop"] });
    expect(escalation({ ...loaded, workloads: [] }, null)).toEqual({ incidentOwner: null, owners: [], notify: [] });
  });

  it("says what a load did", () => {
    const l = { name: "Shop", file: "shop.yaml", sha256: "0123456789abcdef".repeat(4), rules: 1, unchanged: false };
    expect(loadedLine(l)).toBe("Loaded “Shop” from shop.yaml: 1 rule, in force from now (SHA-256 0123456789ab…)");
    expect(loadedLine({ ...l, unchanged: true })).toBe("shop.yaml is the playbook in force already: nothing changed");
  });
});
