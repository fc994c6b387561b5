// The containment dialog: the playbook's rule for this pod and action comes
// first, with what it requires (a second person, an override's reason, the
// evidence captured, verdicts set) and the fields to give it, refreshed as
// they are filled in; the core enforces it again. Then choose a kubeconfig
// context (an exec plugin's command is shown and must be trusted), give a
// reason, then "Check": the
// core looks the pod up live, checks every permission, dry-runs the change
// and answers with the exact objects. Only then can the investigator
// confirm — ticking that they read the change for an isolation, typing the
// pod's name for a termination — and the result is shown.
import { clear, h } from "../dom";
import { toBackendError } from "../errors";
import { defaultContext } from "../logic/kubeconfig";
import { approvalInputs, approvalsLine, gateHeading } from "../logic/playbook";
import type { ActionPreview, ActionRequest, ActionRow, Approvals, Backend, ContextInfo, ConnectChoice, PlaybookGate } from "../types";
import { contextInfoView, execTrustView, kubeconfigPicker, readContexts } from "./kubeContext";

export type ContainmentKind = "isolate" | "terminate" | "release";

export interface ContainmentOptions {
  backend: Backend;
  kind: ContainmentKind;
  incident: string;
  /** namespace/name */
  pod: string;
  /** For a release: the isolation to undo. */
  action?: ActionRow;
  onDone: (row: ActionRow) => void;
  onClose: () => void;
}

const TITLES: Record<ContainmentKind, string> = { isolate: "Isolate pod", terminate: "Terminate pod", release: "Release isolation" };

export class ContainmentDialog {
  readonly el: HTMLElement;
  private readonly body: HTMLElement;
  private readonly problem: HTMLElement;
  private contexts: ContextInfo[] = [];
  private choice: ConnectChoice = {};
  private reason = "";
  private acceptUid = "";
  private grace = "";
  private scale = false;
  private preview: ActionPreview | null = null;
  private busy = false;
  private gate: PlaybookGate | null = null;
  private approvals: Approvals = {};
  /** The playbook's part, kept across re-renders of the form so its fields keep their focus. */
  private readonly gateEl: HTMLElement = h("section", { className: "containment-playbook", "data-testid": "containment-playbook" });
  private requirementsEl: HTMLElement = h("ul");
  private gateAsked = 0;

  constructor(private readonly o: ContainmentOptions) {
    this.problem = h("p", { className: "form-problem", "data-testid": "containment-error", role: "alert" });
    this.body = h("div", { className: "dialog-body" });
    this.el = h(
      "div",
      { className: "modal-backdrop" },
      h(
        "section",
        { className: "modal", role: "dialog", "aria-modal": "true", "aria-label": TITLES[o.kind], "data-testid": "containment-dialog", "data-kind": o.kind },
        h(
          "header",
          { className: "row" },
          h("h2", { className: "grow" }, `${TITLES[o.kind]} ${o.pod}`),
          h("button", { type: "button", "aria-label": "Close", "data-testid": "containment-close", onclick: () => o.onClose() }, "×"),
        ),
        this.body,
        this.problem,
      ),
    );
  }

  async open(): Promise<void> {
    await this.loadContexts(null);
    if (this.o.kind !== "release") await this.refreshGate();
  }

  private request(): ActionRequest {
    return {
      incident: this.o.incident,
      pod: this.o.pod,
      reason: this.reason,
      kind: this.o.kind === "terminate" ? "terminate" : "isolate",
      accept_uid: this.acceptUid || null,
      grace_period_seconds: this.grace ? Number(this.grace) : null,
      scale_owner_to_zero: this.scale,
      connect: this.choice,
      approvals: this.approvals,
    };
  }

  /** Asks the core what the rule requires now; only the latest answer is shown. */
  private async refreshGate(): Promise<void> {
    const asked = ++this.gateAsked;
    try {
      const g = await this.o.backend.containmentGate(this.request());
      if (asked !== this.gateAsked) return;
      const sameFields = this.gate && JSON.stringify(approvalInputs(this.gate)) === JSON.stringify(approvalInputs(g)) && this.gate.rule === g.rule;
      this.gate = g;
      if (sameFields) this.renderRequirements(g);
      else this.renderGate(g);
    } catch (e) {
      if (asked === this.gateAsked) this.fail(e);
    }
  }

  private renderGate(g: PlaybookGate) {
    clear(this.gateEl);
    const need = approvalInputs(g);
    const text = (testid: string, label: string, value: string | null | undefined, set: (v: string) => void, multi = false) =>
      h(
        "label",
        { className: "field" },
        h("span", { className: "muted small" }, label),
        h(multi ? "textarea" : "input", {
          "data-testid": testid,
          ...(multi ? { rows: 2 } : { type: "text" }),
          value: value ?? "",
          oninput: (e: Event) => {
            set((e.target as HTMLInputElement).value);
            void this.refreshGate();
          },
        }),
      );
    const who = [g.owners?.length ? `Owners: ${g.owners.join(", ")}` : null, g.notify?.length ? `Notify: ${g.notify.join(", ")}` : null].filter(Boolean).join(" · ");
    this.requirementsEl = h("ul", { className: "checklist", "data-testid": "containment-requirements" });
    this.gateEl.append(
      h(
        "div",
        null,
        h("h3", { "data-testid": "containment-rule", "data-rule": g.rule ?? "" }, gateHeading(g)),
        g.asks ? h("p", { className: "small" }, g.asks) : null,
        g.why ? h("p", { className: "small muted" }, g.why) : null,
        who ? h("p", { className: "small", "data-testid": "containment-owners" }, who) : null,
        this.requirementsEl,
        need.secondPerson ? text("approval-second-person", "Second person (who agreed)", this.approvals.second_person, (v) => (this.approvals.second_person = v)) : null,
        need.override ? text("approval-override", "Override: why the rule does not apply here", this.approvals.override_reason, (v) => (this.approvals.override_reason = v), true) : null,
        need.evidence
          ? h(
              "label",
              null,
              h("input", {
                type: "checkbox",
                "data-testid": "approval-evidence",
                checked: !!this.approvals.evidence_captured,
                onchange: (e: Event) => {
                  this.approvals.evidence_captured = (e.target as HTMLInputElement).checked;
                  void this.refreshGate();
                },
              }),
              " The pod's evidence is captured",
            )
          : null,
      ),
    );
    this.renderRequirements(g);
  }

  private renderRequirements(g: PlaybookGate) {
    clear(this.requirementsEl);
    this.gateEl.dataset.met = String(g.requirements.every((r) => r.met));
    if (!g.requirements.length) {
      this.requirementsEl.append(h("li", { className: "muted small" }, g.rule ? "Nothing required before this action." : "Nothing required."));
      return;
    }
    this.requirementsEl.append(
      ...g.requirements.map((r) =>
        h(
          "li",
          { "data-testid": "containment-requirement", "data-kind": r.kind, "data-met": String(r.met) },
          h("span", { className: r.met ? "ok" : "missing" }, r.met ? "✓ " : "✗ "),
          r.text,
          !r.met && r.kind.startsWith("review:") ? h("span", { className: "muted small" }, " — set it in the graph's side panel") : null,
        ),
      ),
    );
  }

  private async loadContexts(kubeconfig: string | null): Promise<void> {
    this.clearProblem();
    this.contexts = await readContexts(this.o.backend, kubeconfig, (e) => this.fail(e));
    const current = defaultContext(this.contexts, this.o.action?.context);
    this.choice = { kubeconfig, context: current?.name ?? null, trust_exec: false };
    this.renderForm();
  }

  private fail(e: unknown) {
    const err = toBackendError(e);
    this.problem.textContent = err.message;
    this.problem.dataset.code = err.code;
  }

  private clearProblem() {
    this.problem.textContent = "";
    delete this.problem.dataset.code;
  }

  private context(): ContextInfo | undefined {
    return this.contexts.find((c) => c.name === this.choice.context);
  }

  private renderForm() {
    clear(this.body);
    const ctx = this.context();
    const select = h(
      "select",
      {
        "data-testid": "containment-context",
        "aria-label": "Kubeconfig context",
        onchange: (e: Event) => {
          this.choice.context = (e.target as HTMLSelectElement).value;
          this.choice.trust_exec = false;
          this.renderForm();
        },
      },
      this.contexts.map((c) => h("option", { value: c.name }, c.current ? `${c.name} (current)` : c.name)),
    );
    select.value = this.choice.context ?? "";
    const reason = h("textarea", {
      "data-testid": "containment-reason",
      "aria-label": "Reason",
      rows: 2,
      placeholder: "Why (recorded in the case and, for an isolation, on the pod)",
      oninput: (e: Event) => (this.reason = (e.target as HTMLTextAreaElement).value),
    });
    reason.value = this.reason;
    const pick = kubeconfigPicker({
      testid: "containment-kubeconfig",
      label: "Kubeconfig…",
      pick: () => this.o.backend.pickKubeconfig(),
      chosen: (path) => this.loadContexts(path),
      onError: (e) => this.fail(e),
    });
    const files = ctx?.files.join(", ") ?? this.choice.kubeconfig ?? "";
    const check = h(
      "button",
      { type: "button", className: "primary", "data-testid": "containment-check", onclick: () => void this.check() },
      this.o.kind === "release" ? "Release" : "Check and preview",
    );
    this.body.append(
      this.o.kind !== "release" ? this.gateEl : "",
      h(
        "div",
        { className: "fields" },
        h("label", { className: "field" }, h("span", { className: "muted small" }, "Context"), h("div", { className: "row" }, select, pick)),
        files ? h("p", { className: "muted small mono", "data-testid": "containment-files" }, files) : "",
        ctx
          ? contextInfoView(ctx, "containment-context-info")
          : h("p", { className: "empty" }, "No kubeconfig context found ($KUBECONFIG, ~/.kube/config)."),
      ),
      execTrustView(ctx, {
        checked: !!this.choice.trust_exec,
        onChange: (on) => (this.choice.trust_exec = on),
        testid: "exec-trust",
        checkTestid: "exec-trust-check",
      }) ?? "",
      h("label", { className: "field" }, h("span", { className: "muted small" }, "Reason"), reason),
      this.o.kind === "terminate"
        ? h(
            "div",
            { className: "row" },
            h(
              "label",
              { className: "field" },
              h("span", { className: "muted small" }, "Grace period (s)"),
              h("input", { type: "number", min: 0, "data-testid": "containment-grace", value: this.grace, oninput: (e: Event) => (this.grace = (e.target as HTMLInputElement).value) }),
            ),
            h(
              "label",
              null,
              h("input", { type: "checkbox", "data-testid": "containment-scale", checked: this.scale, onchange: (e: Event) => {
                    this.scale = (e.target as HTMLInputElement).checked;
                    void this.refreshGate();
                  },
                }),
              " Also scale its owner to zero (restorable)",
            ),
          )
        : "",
      this.o.kind !== "release"
        ? h(
            "label",
            { className: "field" },
            h("span", { className: "muted small" }, "Only if the pod was recreated: act on the live pod with this UID"),
            h("input", { type: "text", "data-testid": "containment-accept-uid", value: this.acceptUid, oninput: (e: Event) => (this.acceptUid = (e.target as HTMLInputElement).value.trim()) }),
          )
        : "",
      h("div", { className: "row" }, check),
    );
  }

  private async check(): Promise<void> {
    if (this.busy) return;
    this.clearProblem();
    if (!this.reason.trim()) {
      this.problem.textContent = "A reason is required.";
      return;
    }
    this.busy = true;
    this.body.dataset.busy = "true";
    try {
      if (this.o.kind === "release") {
        const row = await this.o.backend.clusterRelease(this.o.action!.id, this.reason, this.choice);
        this.showResult(row);
        return;
      }
      this.preview = await this.o.backend.clusterPrepare(this.request());
      this.renderPreview(this.preview);
    } catch (e) {
      this.fail(e);
    } finally {
      this.busy = false;
      delete this.body.dataset.busy;
    }
  }

  private renderPreview(p: ActionPreview) {
    clear(this.body);
    const t = p.target;
    const confirmBox =
      p.kind === "terminate"
        ? h("input", { type: "text", "data-testid": "containment-confirm", "aria-label": "Type the pod's name", placeholder: t.name })
        : h("input", { type: "checkbox", "data-testid": "containment-confirm" });
    const apply = h("button", { type: "button", className: "danger", "data-testid": "containment-apply" }, p.kind === "terminate" ? "Terminate" : "Isolate");
    apply.onclick = () => {
      const confirm = p.kind === "terminate" ? (confirmBox as HTMLInputElement).value.trim() : (confirmBox as HTMLInputElement).checked ? "yes" : "";
      if (p.kind === "terminate" ? confirm !== t.name : !confirm) {
        this.problem.textContent = p.kind === "terminate" ? `Type the pod's name, ${t.name}, to confirm.` : "Tick the box to confirm you read the change.";
        return;
      }
      void this.apply(p.action_id, confirm);
    };
    this.body.append(
      h(
        "section",
        { "data-testid": "containment-preview" },
        h(
          "p",
          { className: "small" },
          `Connected to ${p.connection.context.name} (${p.connection.context.server}) as `,
          h("strong", null, p.connection.identity.username),
          `, Kubernetes ${p.connection.version}.`,
        ),
        h(
          "dl",
          { className: "kv small" },
          h("dt", null, "Pod"),
          h("dd", null, `${t.namespace}/${t.name}`),
          h("dt", null, "UID"),
          h("dd", { className: "mono", "data-testid": "containment-uid" }, t.uid, t.evidence_uid && t.evidence_uid !== t.uid ? ` (the evidence names ${t.evidence_uid})` : " (as in the evidence)"),
          h("dt", null, "Node"),
          h("dd", null, t.node ?? "?"),
          h("dt", null, "Labels"),
          h("dd", { className: "mono" }, Object.entries(t.labels).map(([k, v]) => `${k}=${v}`).join(", ")),
          t.owners.length ? [h("dt", null, "Owners"), h("dd", null, t.owners.map((o) => `${o.kind} ${o.name}`).join(" → "))] : null,
          t.services.length ? [h("dt", null, "Services"), h("dd", null, t.services.join(", "))] : null,
          t.policies.length ? [h("dt", null, "Policies"), h("dd", null, t.policies.map((x) => x.name).join(", "))] : null,
        ),
        p.playbook ? this.recordedGate(p.playbook) : null,
        h("h3", null, "Permissions"),
        h(
          "ul",
          { className: "checklist", "data-testid": "preflight" },
          p.preflight.checks.map((c) =>
            h(
              "li",
              { "data-testid": "preflight-check", "data-allowed": String(c.allowed) },
              h("span", { className: c.allowed ? "ok" : "missing" }, c.allowed ? "✓ " : "✗ "),
              `${c.verb} ${c.subresource ? `${c.resource}/${c.subresource}` : c.resource}${c.group ? `.${c.group}` : ""} — ${c.why}`,
            ),
          ),
        ),
        p.preflight.engines.length ? h("p", { className: "small" }, `Network-policy engine: ${p.preflight.engines.join(", ")}`) : null,
        p.preflight.warnings.length ? h("ul", { className: "warnings small", "data-testid": "preflight-warnings" }, p.preflight.warnings.map((w) => h("li", null, w))) : null,
        p.controller_note ? h("p", { className: "small" }, h("strong", null, "Then: "), p.controller_note) : null,
        h("h3", null, "The change (accepted by the server in a dry run)"),
        h("pre", { className: "raw", "data-testid": "containment-yaml" }, p.preview),
        h(
          "div",
          { className: "row" },
          p.kind === "terminate"
            ? h("label", { className: "field" }, h("span", { className: "muted small" }, `Type ${t.name} to confirm`), confirmBox)
            : h("label", null, confirmBox, " I have read the change and want to apply it"),
          apply,
        ),
      ),
    );
  }

  /** The rule and the approvals the action will be recorded with. */
  private recordedGate(g: PlaybookGate): HTMLElement {
    const given = approvalsLine(g.approvals);
    return h(
      "p",
      { className: "small", "data-testid": "containment-preview-playbook", "data-rule": g.rule ?? "" },
      h("strong", null, gateHeading(g)),
      given ? `; recorded with the approvals: ${given}.` : ".",
    );
  }

  private async apply(actionId: string, confirm: string): Promise<void> {
    if (this.busy) return;
    this.busy = true;
    this.clearProblem();
    clear(this.body);
    this.body.append(h("p", { "data-testid": "containment-progress" }, "Applying, then reading the result back…"));
    try {
      const row = await this.o.backend.clusterApply(actionId, confirm);
      this.showResult(row);
    } catch (e) {
      this.fail(e);
      clear(this.body);
      this.body.append(h("p", null, "The action did not complete; what happened is in the incident's actions and log."));
    } finally {
      this.busy = false;
    }
  }

  private showResult(row: ActionRow) {
    clear(this.body);
    this.body.append(
      h(
        "section",
        { "data-testid": "containment-result", "data-state": row.state },
        h("p", null, h("strong", null, row.id), ` ${row.kind} ${row.namespace}/${row.pod}: `, h("strong", null, row.state)),
        h("button", { type: "button", className: "primary", onclick: () => this.o.onClose() }, "Close"),
      ),
    );
    this.o.onDone(row);
  }
}
