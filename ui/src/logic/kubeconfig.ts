// Kubeconfig contexts as the dialogs that reach a cluster show them (pure).
import type { ContextInfo } from "../types";

/** Whether the context gets its credentials by running a command on this machine. */
export function isExec(ctx: ContextInfo | undefined | null): boolean {
  return ctx?.auth.kind === "exec";
}

/** The exact command line an exec plugin runs (environment, command, arguments); "" for other credentials. */
export function execCommandLine(ctx: ContextInfo | undefined | null): string {
  if (!ctx || !isExec(ctx)) return "";
  return [...(ctx.auth.env ?? []), ctx.auth.command ?? "", ...(ctx.auth.args ?? [])].join(" ");
}

/** The context to preselect: the named one, else the kubeconfig's current one, else the first. */
export function defaultContext(contexts: readonly ContextInfo[], preferred?: string | null): ContextInfo | undefined {
  return contexts.find((c) => c.name === preferred) ?? contexts.find((c) => c.current) ?? contexts[0];
}
