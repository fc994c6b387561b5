// Pieces the dialogs that reach a cluster share: what a kubeconfig context
// is (server, user, namespace, credentials) and, when its credentials come
// from a command (exec plugin, auth provider cmd-path), that command with the box that trusts it.
import { h } from "../dom";
import { commandLine, runsCommand } from "../logic/kubeconfig";
import type { Backend, ContextInfo } from "../types";

export function contextInfoView(ctx: ContextInfo, testid: string): HTMLElement {
  return h(
    "dl",
    { className: "kv small", "data-testid": testid },
    h("dt", null, "Server"),
    h("dd", { className: "mono" }, ctx.server),
    h("dt", null, "User"),
    h("dd", null, ctx.user),
    h("dt", null, "Namespace"),
    h("dd", null, ctx.namespace ?? "default"),
    h("dt", null, "Credentials"),
    h("dd", null, runsCommand(ctx) ? `${ctx.auth.kind}, running a command (below)` : ctx.auth.kind),
  );
}

export interface ExecTrustOptions {
  checked: boolean;
  onChange: (trusted: boolean) => void;
  /** data-testid of the box and of its checkbox. */
  testid: string;
  checkTestid: string;
}

/** The command getting the credentials runs and the "I trust this command" checkbox; null when none runs. */
export function execTrustView(ctx: ContextInfo | undefined, o: ExecTrustOptions): HTMLElement | null {
  if (!runsCommand(ctx)) return null;
  return h(
    "div",
    { className: "exec-trust", "data-testid": o.testid },
    h("p", null, "This context gets its credentials by running a command on this machine:"),
    h("pre", { className: "raw" }, commandLine(ctx)),
    h(
      "label",
      null,
      h("input", {
        type: "checkbox",
        "data-testid": o.checkTestid,
        checked: o.checked,
        onchange: (e: Event) => o.onChange((e.target as HTMLInputElement).checked),
      }),
      " I trust this command: let Kordon run it",
    ),
  );
}

/** The button that picks another kubeconfig file and hands its path on. */
export function kubeconfigPicker(o: { testid: string; label: string; pick: () => Promise<string | null>; chosen: (path: string) => Promise<void>; onError: (e: unknown) => void }): HTMLElement {
  return h(
    "button",
    {
      type: "button",
      "data-testid": o.testid,
      title: "Use another kubeconfig file",
      onclick: async () => {
        try {
          const path = await o.pick();
          if (path) await o.chosen(path);
        } catch (e) {
          o.onError(e);
        }
      },
    },
    o.label,
  );
}

/** The contexts of a kubeconfig (null: the default one); none, after `onError`, when it cannot be read. */
export async function readContexts(backend: Pick<Backend, "clusterContexts">, kubeconfig: string | null, onError: (e: unknown) => void): Promise<ContextInfo[]> {
  try {
    return (await backend.clusterContexts(kubeconfig)).contexts;
  } catch (e) {
    onError(e);
    return [];
  }
}
