import "./styles.css";
import { mountApp } from "./app";
import { tauriBackend } from "./backend";
import type { Backend } from "./types";

async function pickBackend(): Promise<Backend> {
  // `npm run dev` in a plain browser: the golden-file mock stands in for the core.
  // The branch is dropped from production builds.
  if (import.meta.env.DEV && !("__TAURI_INTERNALS__" in window)) {
    const { mockBackend } = await import("../tests/mockBackend");
    return mockBackend();
  }
  return tauriBackend();
}

const root = document.getElementById("app");
if (root) void pickBackend().then((b) => mountApp(root, b));
