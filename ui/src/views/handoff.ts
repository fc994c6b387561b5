// The controls for what leaves the app: "Export report…" (an incident's, or
// every incident's) and "Save case archive…" / "Open a case archive…". Each
// keeps its own busy state and status line, so a header re-rendered by a
// triage change does not lose a report being written.
import { h } from "../dom";
import { archiveProgress, archiveRestored, archiveSaved, reportSaved } from "../logic/handoff";
import type { Backend, OpenedArchive } from "../types";

export interface HandoffHost {
  backend: Backend;
  onError: (e: unknown) => void;
  /** Says what was done (a banner that is not an error). */
  onNotice: (text: string) => void;
}

/** "Export report ▾" with PDF and HTML; `incident` null for every incident of the case. */
export function reportMenu(host: HandoffHost, incident: string | null): HTMLElement {
  const status = h("span", { className: "muted small", "data-testid": "report-status", "aria-live": "polite" });
  const menu = h("details", { className: "menu report-menu", "data-testid": "report-menu" });
  const buttons: HTMLButtonElement[] = [];
  const run = async (format: "pdf" | "html") => {
    menu.open = false;
    for (const b of buttons) b.disabled = true;
    status.textContent = "Writing the report…";
    try {
      const w = await host.backend.exportReport(incident, format);
      // The notice says where it went; the status line is for while it is written.
      status.textContent = "";
      if (w) host.onNotice(reportSaved(w));
    } catch (e) {
      status.textContent = "";
      host.onError(e);
    } finally {
      for (const b of buttons) b.disabled = false;
    }
  };
  for (const [format, label, title] of [
    ["pdf", "PDF…", "A PDF made here, fonts embedded: for the review meeting and the case file"],
    ["html", "HTML…", "One self-contained HTML file: opens in any browser, prints as the PDF's pages"],
  ] as const) {
    buttons.push(h("button", { type: "button", "data-testid": `report-${format}`, title, onclick: () => void run(format) }, label));
  }
  menu.append(
    h("summary", { title: incident ? "The review-meeting report of this incident" : "One report of every incident of the case" }, "Export report…"),
    h("div", { className: "menu-items" }, buttons),
  );
  return h("span", { className: "report-control" }, menu, " ", status);
}

/** "Save case archive…": seals the open case into a zip, with progress. */
export function archiveButton(host: HandoffHost): HTMLElement {
  const status = h("span", { className: "muted small", "data-testid": "archive-status", "aria-live": "polite" });
  const button = h(
    "button",
    {
      type: "button",
      "data-testid": "save-archive",
      title: "A sealed zip of the case (the case file, a manifest of SHA-256s, the activity log's head) to hand it on",
      onclick: async () => {
        button.disabled = true;
        status.textContent = "Saving the case archive…";
        try {
          const s = await host.backend.saveCaseArchive((p) => (status.textContent = archiveProgress(p)));
          status.textContent = "";
          if (s) host.onNotice(archiveSaved(s));
        } catch (e) {
          status.textContent = "";
          host.onError(e);
        } finally {
          button.disabled = false;
        }
      },
    },
    "Save case archive…",
  );
  return h("span", { className: "archive-control" }, button, " ", status);
}

/**
 * "Open a case archive…": the archive, then the new case file it becomes;
 * checked before the case exists, then opened (`then`).
 */
export function openArchiveButton(host: HandoffHost, then: (opened: OpenedArchive) => Promise<void>): HTMLElement {
  const status = h("span", { className: "muted small", "data-testid": "open-archive-status", "aria-live": "polite" });
  const button = h(
    "button",
    {
      type: "button",
      "data-testid": "open-archive",
      title: "Restore a case someone handed on (kordon archive), checked against its manifest",
      onclick: async () => {
        try {
          const zip = await host.backend.pickArchiveToOpen();
          if (!zip) return;
          const dest = await host.backend.pickRestoredCase();
          if (!dest) return;
          button.disabled = true;
          status.textContent = "Checking the archive…";
          const opened = await host.backend.openCaseArchive(zip, dest, (p) => (status.textContent = archiveProgress(p)));
          status.textContent = "";
          // Opening the case redraws the screen; the notice comes after.
          await then(opened);
          host.onNotice(archiveRestored(opened.restored));
        } catch (e) {
          status.textContent = "";
          host.onError(e);
        } finally {
          button.disabled = false;
        }
      },
    },
    "Open a case archive…",
  );
  return h("span", { className: "archive-control" }, button, " ", status);
}
