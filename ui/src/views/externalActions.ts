// What responders outside Kordon (Falco Talon) did to the incident's pods:
// the Triage tab's list, apart from Kordon's own actions (nothing here can be
// released from Kordon), and the lines on a pod's panel in the graph.
import { h } from "../dom";
import { fmtTime } from "../format";
import { byTime, onThePod, statusWord } from "../logic/externalActions";
import type { ExternalAction } from "../types";

/** The "Done outside Kordon" table of the Triage tab's cluster actions. */
export function externalActionsView(external: readonly ExternalAction[]): HTMLElement {
  return h(
    "div",
    { className: "external-actions", "data-testid": "external-actions" },
    h("h3", null, `Done outside Kordon (${external.length})`),
    h(
      "table",
      { className: "grid" },
      h("thead", null, h("tr", null, ["When", "By", "What", "Status", "Rule"].map((x) => h("th", null, x)))),
      h("tbody", null, byTime(external).map(row)),
    ),
  );
}

function row(a: ExternalAction): HTMLElement {
  return h(
    "tr",
    { "data-testid": "external-action", "data-id": a.id, "data-status": a.status ?? "", "data-effect": a.effect ?? "" },
    h("td", { className: "small nowrap" }, fmtTime(a.time)),
    h(
      "td",
      { className: "small" },
      a.by,
      " ",
      h("span", { className: "badge outside", title: "Not done through Kordon: imported from the responder's own log" }, "done outside Kordon"),
    ),
    h(
      "td",
      { className: "small" },
      a.what,
      a.actionner ? h("div", { className: "muted mono" }, a.actionner, a.action ? ` · ${a.action}` : "") : null,
      a.error ? h("div", { "data-testid": "external-action-error" }, a.error) : null,
    ),
    h("td", null, h("strong", null, statusWord(a))),
    h("td", { className: "small" }, a.rule ?? "—"),
  );
}

/** "Done outside Kordon: Falco Talon isolated this pod at …", one line per action, on a pod's panel. */
export function podOutsideView(onPod: readonly ExternalAction[]): HTMLElement {
  return h(
    "div",
    { className: "outside-actions", "data-testid": "pod-outside-actions" },
    h("strong", { className: "small" }, "Done outside Kordon:"),
    h(
      "ul",
      { className: "small" },
      onPod.map((a) => h("li", { "data-testid": "pod-outside-action", "data-status": a.status ?? "" }, onThePod(a))),
    ),
  );
}
