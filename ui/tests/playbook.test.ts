// The playbook's lines on the incident page, against what the core gives
// for the demo's cart pod under the example playbook and the default.
import { describe, expect, it } from "vitest";
import { becauseLine, playbookSource, ruleLine } from "../src/logic/playbook";
import type { PlaybookForIncident, PlaybookRuleFor } from "../src/types";

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
