// Start screen: the demo, open or create a case, recent cases; once a case is
// open, its figures and the import panel.
import { h } from "../dom";
import { fmtTime } from "../format";
import type { AppInfo, CaseInfo, OpenedArchive, Preferences } from "../types";
import { emptyNote } from "./common";
import { archiveButton, type HandoffHost, openArchiveButton } from "./handoff";

export interface StartHost {
  openDemo(): void;
  pickAndOpenCase(): void;
  pickAndCreateCase(): void;
  openRecent(path: string): void;
  closeCase(): void;
  goQueue(): void;
  setInvestigator(name: string): void;
  /** The archive controls' backend and banners. */
  handoff: HandoffHost;
  /** A case restored from an archive was opened. */
  archiveOpened(opened: OpenedArchive): Promise<void>;
}

function investigatorPanel(host: StartHost, prefs: Preferences): HTMLElement {
  const input = h("input", {
    type: "text",
    "data-testid": "investigator-name",
    "aria-label": "Your name",
    placeholder: prefs.os_user,
    value: prefs.investigator ?? "",
  });
  return h(
    "section",
    { className: "panel" },
    h("h2", null, "Investigator"),
    h("p", { className: "hint" }, "The name the activity log records for your changes. Empty: your OS user name, ", h("code", null, prefs.os_user), "."),
    h(
      "div",
      { className: "row" },
      input,
      h("button", { type: "button", "data-testid": "investigator-save", onclick: () => host.setInvestigator(input.value) }, "Save"),
    ),
  );
}

export function renderStart(
  host: StartHost,
  info: AppInfo | null,
  current: CaseInfo | null,
  importPanel: HTMLElement,
  prefs: Preferences | null = null,
): HTMLElement {
  const recent = info?.recent ?? [];
  const el = h(
    "div",
    { className: "start" },
    h(
      "section",
      { className: "panel hero" },
      h("h1", null, "Kordon"),
      h("p", { className: "hint" }, "Offline forensic review of Kubernetes container incidents. Nothing leaves this machine."),
      h(
        "div",
        { className: "row" },
        h("button", { type: "button", className: "primary", "data-testid": "open-demo", onclick: () => host.openDemo() }, "Open the demo incident"),
        h("button", { type: "button", "data-testid": "open-case", onclick: () => host.pickAndOpenCase() }, "Open a case…"),
        h("button", { type: "button", "data-testid": "create-case", onclick: () => host.pickAndCreateCase() }, "Create a case…"),
        openArchiveButton(host.handoff, (o) => host.archiveOpened(o)),
      ),
      info ? h("p", { className: "muted small" }, `Version ${info.version}`) : null,
    ),
  );
  if (current) {
    el.append(
      h(
        "section",
        { className: "panel case-panel", "data-testid": "case-panel" },
        h("h2", null, `Case ${current.name}`),
        h("p", { className: "mono small wrap muted" }, current.path),
        h(
          "ul",
          { className: "facts" },
          h("li", null, `${current.incidents} incidents`),
          h("li", null, `${current.alerts} alerts`),
          h("li", null, `${current.events} events`),
          h("li", null, `${current.sources} source files`),
        ),
        h(
          "div",
          { className: "row" },
          h("button", { type: "button", className: "primary", "data-testid": "go-queue", onclick: () => host.goQueue() }, "Incident queue"),
          h("button", { type: "button", "data-testid": "close-case", onclick: () => host.closeCase() }, "Close the case"),
          archiveButton(host.handoff),
        ),
      ),
      importPanel,
    );
  }
  el.append(
    h(
      "section",
      { className: "panel" },
      h("h2", null, "Recent cases"),
      recent.length
        ? h(
            "ul",
            { className: "recent" },
            recent.map((r) =>
              h(
                "li",
                null,
                h(
                  "button",
                  { type: "button", className: "link", "data-testid": "recent-case", "data-path": r.path, onclick: () => host.openRecent(r.path) },
                  h("strong", null, r.name),
                  " ",
                  h("span", { className: "mono small muted" }, r.path),
                ),
                h("span", { className: "small muted" }, ` opened ${fmtTime(r.opened)}`),
              ),
            ),
          )
        : emptyNote("No recent cases."),
    ),
  );
  if (prefs) el.append(investigatorPanel(host, prefs));
  return el;
}
