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
const measure = /^#\/measure-graph\/(\d+)\/(\d+)(?:\/(\d+)x(\d+))?$/.exec(location.hash);
const ceiling = /^#\/measure-pan\/(\d+)x(\d+)$/.exec(location.hash);
if (root && ceiling) {
  // This webview's ceiling for a pan of that size (src-tauri/tests/measure.rs).
  void import("./measure").then(async (m) => {
    const r = await m.measureBarePan(root, { width: Number(ceiling[1]), height: Number(ceiling[2]) });
    document.body.dataset.measure = JSON.stringify(r);
  });
} else if (root && measure) {
  // The graph measurement page (src-tauri/tests/measure.rs), not part of the app's navigation.
  void import("./measure").then(async (m) => {
    const stage = measure[3] ? { width: Number(measure[3]), height: Number(measure[4]) } : null;
    const r = await m.measureGraph(root, Number(measure[1]), Number(measure[2]), stage);
    document.body.dataset.measure = JSON.stringify(r);
  });
} else if (root) void pickBackend().then((b) => mountApp(root, b));
