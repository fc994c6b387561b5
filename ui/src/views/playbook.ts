// The playbook's panel on the incident page: which playbook is in force and
// where it comes from, the rule each affected workload falls under, who
// answers for the incident (its owner, the workloads' owners, whom to
// notify — together, since escalation needs all three), the hand-off note
// to copy into a ticket or a chat, and loading the team's own playbook.
// Loading changes the recommendation and the checklist, so the page is read
// again afterwards (`onLoaded`).
import { clear, h } from "../dom";
import { toBackendError } from "../errors";
import { becauseLine, escalation, loadedLine, playbookSource, ruleLine } from "../logic/playbook";
import type { Backend, PlaybookForIncident } from "../types";

export interface PlaybookPanelHost {
  backend: Backend;
  incident: string;
  onError: (e: unknown) => void;
  /** After a playbook was loaded: says so and reads the page again. */
  onLoaded: (text: string) => void;
}

export class PlaybookPanel {
  readonly el: HTMLElement;
  private readonly ownerEl = h("dd", { "data-testid": "escalation-owner" });

  constructor(
    private readonly p: PlaybookForIncident,
    private readonly host: PlaybookPanelHost,
    owner: string | null | undefined,
  ) {
    this.setOwner(owner);
    this.el = h(
      "div",
      { className: "playbook", "data-testid": "playbook" },
      h("h3", null, "Playbook"),
      h("p", { className: "small", "data-testid": "playbook-source" }, playbookSource(p)),
      this.rules(),
      this.escalationView(),
      this.noteView(),
      this.loadView(),
    );
  }

  /** The incident's owner changes with triage; the rest of the panel does not. */
  setOwner(owner: string | null | undefined) {
    this.ownerEl.textContent = escalation(this.p, owner).incidentOwner ?? "unassigned (set it in the triage tab)";
  }

  private rules(): HTMLElement {
    if (!this.p.workloads.length) return h("p", { className: "small muted" }, "The incident names no pod: no rule applies.");
    return h(
      "ul",
      { className: "playbook-rules" },
      this.p.workloads.map((w) =>
        h(
          "li",
          { "data-testid": "playbook-rule", "data-pod": w.workload.pod, "data-rule": w.rule ?? "" },
          h("code", null, w.workload.pod),
          " — ",
          h("strong", null, ruleLine(w)),
          becauseLine(w) ? h("div", { className: "small" }, becauseLine(w)) : null,
          (w.unknown ?? []).map((u) => h("div", { className: "small warnings", "data-testid": "playbook-unknown" }, `Unknown to the case: ${u}`)),
        ),
      ),
    );
  }

  private escalationView(): HTMLElement {
    const e = escalation(this.p, null);
    const list = (items: string[], none: string) => (items.length ? items.join(", ") : none);
    return h(
      "dl",
      { className: "kv small escalation", "data-testid": "escalation" },
      h("dt", null, "Incident owner"),
      this.ownerEl,
      h("dt", null, "Workload owners"),
      h("dd", { "data-testid": "escalation-owners" }, list(e.owners, "not named by the playbook")),
      h("dt", null, "Notify"),
      h("dd", { "data-testid": "escalation-notify" }, list(e.notify, "nobody named by the playbook"), h("span", { className: "muted" }, " — Kordon sends nothing")),
    );
  }

  /** The hand-off note, read when opened, with a copy button. */
  private noteView(): HTMLElement {
    const text = h("textarea", { className: "mono small handoff-note", "data-testid": "handoff-note-text", readOnly: true, rows: 14, "aria-label": "Hand-off note" }) as HTMLTextAreaElement;
    const status = h("span", { className: "muted small", "data-testid": "handoff-note-status", "aria-live": "polite" });
    const copy = h("button", { type: "button", "data-testid": "handoff-note-copy", disabled: true }, "Copy");
    copy.onclick = async () => {
      status.textContent = (await copyText(text)) ? "Copied." : "Select the text and copy it (the clipboard is not available here).";
    };
    const box = h("details", { className: "handoff", "data-testid": "handoff-note" }, h("summary", null, "Hand-off note for the workload's owners"), text, h("div", { className: "row" }, copy, status));
    box.addEventListener("toggle", async () => {
      if (!box.open || text.value) return;
      status.textContent = "Writing the note…";
      try {
        text.value = await this.host.backend.handoffNote(this.host.incident);
        copy.disabled = false;
        status.textContent = "";
      } catch (e) {
        status.textContent = "";
        this.host.onError(e);
      }
    });
    return box;
  }

  /** "Load the team's playbook": the file dialog, or a path typed in. */
  private loadView(): HTMLElement {
    const status = h("p", { className: "small", "data-testid": "playbook-load-status", "aria-live": "polite" });
    const path = h("input", { type: "text", className: "grow", "data-testid": "playbook-path-input", "aria-label": "Playbook file", placeholder: "/path/to/playbook.yaml" }) as HTMLInputElement;
    const buttons: HTMLButtonElement[] = [];
    const load = async (file: string | null) => {
      if (!file) return;
      for (const b of buttons) b.disabled = true;
      clear(status);
      delete status.dataset.code;
      try {
        const loaded = await this.host.backend.playbookLoad(file);
        status.textContent = loadedLine(loaded);
        if (!loaded.unchanged) this.host.onLoaded(status.textContent);
      } catch (e) {
        const err = toBackendError(e);
        status.textContent = err.message;
        status.dataset.code = err.code;
      } finally {
        for (const b of buttons) b.disabled = false;
      }
    };
    buttons.push(
      h("button", { type: "button", "data-testid": "playbook-pick", onclick: async () => load(await this.host.backend.pickPlaybook().catch((e) => (this.host.onError(e), null))) }, "Choose file…"),
      h("button", { type: "button", "data-testid": "playbook-path-submit", onclick: () => void load(path.value.trim() || null) }, "Load"),
    );
    return h(
      "details",
      { className: "playbook-load", "data-testid": "playbook-load" },
      h("summary", null, "Load the team's playbook"),
      h("p", { className: "small muted" }, "A YAML playbook (see the README, “Response playbooks”); it is stored in the case with its SHA-256 and is in force from then on."),
      h("div", { className: "row" }, buttons[0], path, buttons[1]),
      status,
    );
  }
}

/** Copies the note: the clipboard API where the webview has it, else the selection. */
async function copyText(area: HTMLTextAreaElement): Promise<boolean> {
  try {
    await navigator.clipboard.writeText(area.value);
    return true;
  } catch {
    area.select();
    try {
      return document.execCommand("copy");
    } catch {
      return false;
    }
  }
}
