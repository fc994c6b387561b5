// Kubeconfig contexts as the dialogs that reach a cluster show them (pure).
import type { ContextInfo } from "../types";

/**
 * Whether the context gets its credentials by running a command on this
 * machine (an exec plugin, or an auth provider's cmd-path): the core says
 * which command, so every way a kubeconfig can start a program is gated alike.
 */
export function runsCommand(ctx: ContextInfo | undefined | null): boolean {
  return !!ctx?.command;
}

/** The command line getting the credentials runs, as the core shows it (secrets hidden); "" when none. */
export function commandLine(ctx: ContextInfo | undefined | null): string {
  return ctx?.command ?? "";
}

/** The context to preselect: the named one, else the kubeconfig's current one, else the first. */
export function defaultContext(contexts: readonly ContextInfo[], preferred?: string | null): ContextInfo | undefined {
  return contexts.find((c) => c.name === preferred) ?? contexts.find((c) => c.current) ?? contexts[0];
}
