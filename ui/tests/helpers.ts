import { mountApp, type App } from "../src/app";
import { mockBackend, type MockBackend } from "./mockBackend";

/** Polls until `f` returns a truthy value (or throws after `ms`). */
export async function waitFor<T>(f: () => T | null | undefined | false, ms = 4000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = f();
    if (v) return v;
    if (Date.now() > end) throw new Error(`waitFor timed out: ${f.toString()}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

export function $(sel: string, root: ParentNode = document): HTMLElement | null {
  return root.querySelector<HTMLElement>(sel);
}

export function $$(sel: string, root: ParentNode = document): HTMLElement[] {
  return [...root.querySelectorAll<HTMLElement>(sel)];
}

export function key(k: string, target: EventTarget = document.body): void {
  target.dispatchEvent(new KeyboardEvent("keydown", { key: k, bubbles: true, cancelable: true }));
}

/** Waits until the app says which screen is ready (`body[data-ready]`). */
export async function ready(v: string): Promise<void> {
  await waitFor(() => document.body.dataset.ready === v);
}

/** From the start screen, opens the demo case into the queue. */
export async function openDemo(): Promise<void> {
  await ready("start");
  $("[data-testid='open-demo']")!.click();
  await ready("queue");
}

/** A fresh document with the whole app mounted on a new mock backend (Cytoscape headless). */
export function mountFresh(): { app: App; mock: MockBackend } {
  document.body.innerHTML = '<div id="app"></div>';
  delete document.body.dataset.ready;
  history.replaceState(null, "", "#/");
  const mock = mockBackend();
  const app = mountApp(document.getElementById("app")!, mock, { headlessGraph: true });
  return { app, mock };
}
