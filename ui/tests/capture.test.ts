// "Capture from cluster…": the pure form checks and progress reducer, and
// the dialog in jsdom against the mock backend (exec trust, progress,
// cancel, a refused kind, the queue refreshed after the import).
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { App } from "../src/app";
import {
  CAPTURE_IDLE,
  captureFigures,
  captureFraction,
  captureHeading,
  captureReducer,
  captureRequest,
  emptyForm,
  failedKinds,
  formProblems,
  parseLogPods,
  parseNamespaces,
  podsOf,
} from "../src/logic/capture";
import { commandLine, runsCommand } from "../src/logic/kubeconfig";
import type { ContextInfo } from "../src/types";
import { $, $$, key, mountFresh, openDemo, ready, waitFor } from "./helpers";
import { caseFindings, DEMO_ID, demoDetail, sampleCaptureResult, type MockBackend } from "./mockBackend";

const token: ContextInfo = { name: "lab", cluster: "lab", server: "https://x", user: "u", namespace: null, current: true, auth: { kind: "token" }, command: null, files: [] };
const exec: ContextInfo = {
  ...token,
  name: "sso",
  auth: { kind: "exec", command: "kubelogin", args: ["get-token", "--login", "azurecli"], env: ["AAD_LOGIN_METHOD=<hidden>"] },
  command: "AAD_LOGIN_METHOD=<hidden> kubelogin get-token --login azurecli",
};
const gcp: ContextInfo = { ...token, name: "gke", auth: { kind: "auth-provider", name: "gcp", command: "/usr/bin/gcloud config config-helper" }, command: "/usr/bin/gcloud config config-helper" };

describe("the capture form", () => {
  it("splits namespaces on commas and spaces and rejects bad names", () => {
    expect(parseNamespaces("shop, payments  kube-system,shop")).toEqual({ namespaces: ["shop", "payments", "kube-system"], invalid: [] });
    expect(parseNamespaces("")).toEqual({ namespaces: [], invalid: [] });
    expect(parseNamespaces("Shop ok under_score").invalid).toEqual(["Shop", "under_score"]);
  });

  it("takes one namespace/pod per line and names the bad lines", () => {
    expect(parseLogPods("shop/cart-1\n\n  shop/cart-2 \nshop/cart-1")).toEqual({ pods: ["shop/cart-1", "shop/cart-2"], problems: [] });
    const bad = parseLogPods("shop/cart-1\ncart-2\nshop/Cart\na/b/c");
    expect(bad.pods).toEqual(["shop/cart-1"]);
    expect(bad.problems).toEqual([
      "line 2: “cart-2” is not namespace/pod",
      "line 3: “shop/Cart” is not namespace/pod",
      "line 4: “a/b/c” is not namespace/pod",
    ]);
  });

  it("needs a context, trust for an exec plugin, and valid fields", () => {
    const f = emptyForm(["shop/cart-1"]);
    expect(formProblems(f, undefined)).toEqual(["Choose a kubeconfig context."]);
    expect(formProblems(f, token)).toEqual([]);
    expect(formProblems(f, exec)[0]).toContain("trust");
    expect(formProblems({ ...f, trustExec: true }, exec)).toEqual([]);
    expect(formProblems({ ...f, namespaces: "BAD", logs: "nope" }, token)).toHaveLength(2);
    expect(commandLine(exec)).toBe("AAD_LOGIN_METHOD=<hidden> kubelogin get-token --login azurecli");
    expect(commandLine(token)).toBe("");
    // An auth provider's cmd-path is a command too, gated like an exec plugin.
    expect(runsCommand(gcp)).toBe(true);
    expect(commandLine(gcp)).toBe("/usr/bin/gcloud config config-helper");
    expect(runsCommand(token)).toBe(false);
  });

  it("builds the request", () => {
    expect(captureRequest({ kubeconfig: "k", context: "lab", trustExec: false, namespaces: "shop payments", logs: "shop/a\n", configmapData: true })).toEqual({
      kubeconfig: "k",
      context: "lab",
      trust_exec: false,
      namespaces: ["shop", "payments"],
      logs: ["shop/a"],
      configmap_data: true,
    });
  });

  it("prefills the incident's pods", () => {
    const pods = podsOf(demoDetail.entities);
    expect(pods).toContain("shop/cart-7f9c6d8b5-x2k4q");
    expect(demoDetail.entities.filter((e) => e.kind === "pod")).toHaveLength(pods.length);
  });
});

describe("a capture's progress", () => {
  it("follows the listing, then the import in the import panel's words, never stepping back", () => {
    let s = captureReducer(CAPTURE_IDLE, { type: "start" });
    expect(captureHeading(s)).toBe("Connecting to the cluster");
    expect(captureFraction(s)).toBeNull();
    s = captureReducer(s, { type: "progress", progress: { phase: "capture", kind: "Pod", objects: 120, kinds_done: 5, kinds_total: 20 } });
    expect(captureHeading(s)).toBe("Listing Pod");
    expect(captureFigures(s)).toBe("120 objects so far · 5 of 20 kinds");
    expect(captureFraction(s)).toBe(0.25);
    s = captureReducer(s, { type: "progress", progress: { phase: "capture", kind: "Role", objects: 90, kinds_done: 4, kinds_total: 20 } });
    expect(s.objects).toBe(120);
    expect(s.kindsDone).toBe(5);
    s = captureReducer(s, { type: "progress", progress: { phase: "import", progress: { phase: "reading", file: "x", bytes_done: 5, bytes_total: 10, records: 7 } } });
    expect(captureHeading(s)).toBe("Importing: Reading files");
    expect(captureFraction(s)).toBe(0.5);
    s = captureReducer(s, { type: "progress", progress: { phase: "capture", kind: "Secret", objects: 999, kinds_done: 20, kinds_total: 20 } });
    expect(s.phase).toBe("import");
    s = captureReducer(s, { type: "progress", progress: { phase: "import", progress: { phase: "correlating", file: null, bytes_done: 10, bytes_total: 10, records: 9 } } });
    expect(captureHeading(s)).toBe("Importing: Correlating into incidents");
    s = captureReducer(s, { type: "cancel" });
    expect(s.cancelling).toBe(true);
    expect(captureReducer(s, { type: "failed", error: { code: "cancelled", message: "x" } }).status).toBe("cancelled");
    expect(captureReducer(s, { type: "failed", error: { code: "unauthorized", message: "x" } }).status).toBe("failed");
    expect(captureReducer(s, { type: "done", result: sampleCaptureResult }).status).toBe("done");
  });

  it("names the kinds the cluster refused", () => {
    expect(failedKinds(sampleCaptureResult.snapshot)).toEqual(["Secret"]);
  });
});

let app: App;
let mock: MockBackend;

beforeEach(() => {
  ({ app, mock } = mountFresh());
});
afterEach(() => app.destroy());

async function openDialog(): Promise<HTMLElement> {
  await openDemo();
  const open = $("[data-testid='capture-open']")!;
  expect(open.hidden).toBe(false);
  open.click();
  const dialog = await waitFor(() => $("[data-testid='capture-dialog']"));
  await waitFor(() => $("[data-testid='capture-context-info']", dialog));
  return dialog;
}

function chooseContext(name: string) {
  const sel = $("[data-testid='capture-context']") as HTMLSelectElement;
  sel.value = name;
  sel.dispatchEvent(new Event("change"));
}

function type(testid: string, value: string) {
  const el = $(`[data-testid='${testid}']`) as HTMLInputElement | HTMLTextAreaElement;
  el.value = value;
  el.dispatchEvent(new Event("input"));
}

const start = () => $("[data-testid='capture-start']") as HTMLButtonElement;

describe("the capture dialog", () => {
  it("is only offered with a case open, in the top bar and beside the import", async () => {
    await ready("start");
    expect($("[data-testid='capture-open']")!.hidden).toBe(true);
    await openDemo();
    $("[data-testid='import-capture']")!.click();
    await waitFor(() => $("[data-testid='capture-dialog'] [data-testid='capture-context-info']"));
    expect(document.activeElement).toBe($("[data-testid='capture-context']"));
    $("[data-testid='capture-close']")!.click();
    expect($("[data-testid='capture-dialog']")).toBeNull();
  });

  it("shows an exec plugin's command and needs it trusted before Capture", async () => {
    const dialog = await openDialog();
    expect(start().disabled).toBe(false);
    expect($("[data-testid='capture-configmaps']", dialog)).not.toBeNull();
    expect(($("[data-testid='capture-configmaps']") as HTMLInputElement).checked).toBe(false);
    expect(dialog.textContent).toContain("Secret values are never captured");
    chooseContext("exec-lab");
    const trust = await waitFor(() => $("[data-testid='capture-exec-trust']"));
    expect($("pre", trust)!.textContent).toBe("kubelogin get-token");
    expect(start().disabled).toBe(true);
    expect($("[data-testid='capture-problems']")!.textContent).toContain("trust");
    const box = $("[data-testid='capture-trust']") as HTMLInputElement;
    box.checked = true;
    box.dispatchEvent(new Event("change"));
    expect(start().disabled).toBe(false);
    start().click();
    await waitFor(() => $("[data-testid='capture-result']"));
    const call = mock.calls.find((c) => c.cmd === "capture_snapshot")!.args as { request: { context: string; trust_exec: boolean } };
    expect(call.request).toMatchObject({ context: "exec-lab", trust_exec: true });
  });

  it("validates the namespaces and the pods", async () => {
    await openDialog();
    type("capture-logs", "shop/cart-7f9c6d8b5-x2k4q\nnot a pod");
    expect(start().disabled).toBe(true);
    expect($("[data-testid='capture-problems']")!.textContent).toContain("line 2: “not a pod” is not namespace/pod");
    type("capture-logs", "shop/cart-7f9c6d8b5-x2k4q");
    type("capture-namespaces", "shop, Payments");
    expect(start().disabled).toBe(true);
    type("capture-namespaces", "shop, payments");
    expect(start().disabled).toBe(false);
    const cm = $("[data-testid='capture-configmaps']") as HTMLInputElement;
    cm.checked = true;
    cm.dispatchEvent(new Event("change"));
    start().click();
    await waitFor(() => $("[data-testid='capture-result']"));
    const call = mock.calls.find((c) => c.cmd === "capture_snapshot")!.args as { request: unknown };
    expect(call.request).toEqual({
      kubeconfig: null,
      context: "lab",
      trust_exec: false,
      namespaces: ["shop", "payments"],
      logs: ["shop/cart-7f9c6d8b5-x2k4q"],
      configmap_data: true,
    });
  });

  it("shows the listing's progress, then the import's", async () => {
    let release!: () => void;
    mock.captureGate = new Promise<void>((r) => (release = r));
    mock.captureProgress = mock.captureProgress.filter((p) => p.phase === "capture");
    await openDialog();
    start().click();
    const progress = await waitFor(() => $("[data-testid='capture-progress']"));
    expect(progress.dataset.phase).toBe("capture");
    await waitFor(() => $("[data-testid='capture-figures']")?.textContent === "604 objects so far · 14 of 15 kinds");
    expect($("[data-testid='capture-phase']")!.textContent).toBe("Listing ValidatingWebhookConfiguration");
    expect(($("[data-testid='capture-progress'] progress") as HTMLProgressElement).value).toBeCloseTo(14 / 15);
    release();
    await waitFor(() => $("[data-testid='capture-result']"));

    // Again, held in the import phase.
    mock.captureGate = new Promise<void>((r) => (release = r));
    mock.captureProgress = [
      { phase: "capture", kind: "Pod", objects: 10, kinds_done: 1, kinds_total: 2 },
      { phase: "import", progress: { phase: "detecting", file: null, bytes_done: 10, bytes_total: 10, records: 605 } },
    ];
    $("[data-testid='capture-result-close']")!.click();
    $("[data-testid='capture-open']")!.click();
    await waitFor(() => $("[data-testid='capture-context-info']"));
    start().click();
    await waitFor(() => $("[data-testid='capture-progress'][data-phase='import']"));
    expect($("[data-testid='capture-phase']")!.textContent).toBe("Importing: Running detections");
    expect($("[data-testid='capture-figures']")!.textContent).toContain("605 records");
    release();
    await waitFor(() => $("[data-testid='capture-result']"));
  });

  it("Cancel calls cancel_capture and says nothing was added, without an error", async () => {
    mock.captureGate = new Promise<void>(() => {});
    await openDialog();
    start().click();
    const cancel = await waitFor(() => $("[data-testid='capture-cancel']"));
    await waitFor(() => $("[data-testid='capture-figures']")?.textContent?.includes("kinds"));
    cancel.click();
    const note = await waitFor(() => $("[data-testid='capture-cancelled']"));
    expect(note.textContent).toContain("Capture cancelled; nothing was added to the case");
    expect(mock.calls.some((c) => c.cmd === "cancel_capture")).toBe(true);
    expect($("[data-testid='error-banner']")).toBeNull();
    expect($("[data-testid='capture-error']")!.textContent).toBe("");
    expect(mock.calls.filter((c) => c.cmd === "list_incidents")).toHaveLength(1);
    // Back to the form, then closed.
    $("[data-testid='capture-again']")!.click();
    await waitFor(() => $("[data-testid='capture-start']"));
    $("[data-testid='capture-close']")!.click();
    expect($("[data-testid='capture-dialog']")).toBeNull();
  });

  it("Escape cancels a running capture, then closes the dialog, and does not leave the page", async () => {
    mock.captureGate = new Promise<void>(() => {});
    await openDemo();
    $(`[data-testid='incident-row'][data-id='${DEMO_ID}']`)!.click();
    await ready("incident");
    $("[data-testid='capture-open']")!.click();
    await waitFor(() => $("[data-testid='capture-context-info']"));
    // From an incident: its pods' logs are prefilled.
    expect(($("[data-testid='capture-logs']") as HTMLTextAreaElement).value).toContain("shop/cart-7f9c6d8b5-x2k4q");
    expect($("[data-testid='capture-dialog'] h2")!.textContent).toContain(DEMO_ID);
    start().click();
    await waitFor(() => $("[data-testid='capture-cancel']"));
    key("Escape");
    await waitFor(() => $("[data-testid='capture-cancelled']"));
    expect(mock.calls.some((c) => c.cmd === "cancel_capture")).toBe(true);
    expect(document.body.dataset.ready).toBe("incident");
    key("Escape");
    expect($("[data-testid='capture-dialog']")).toBeNull();
    expect(document.body.dataset.ready).toBe("incident");
  });

  it("shows the result: summary, kinds with the refused one flagged, logs, import; the queue refreshes", async () => {
    const dialog = await openDialog();
    const before = mock.calls.filter((c) => c.cmd === "list_incidents").length;
    type("capture-logs", "shop/cart-7f9c6d8b5-x2k4q");
    start().click();
    const result = await waitFor(() => $("[data-testid='capture-result']", dialog));
    expect(result.textContent).toContain("kordon-responder");
    expect(result.textContent).toContain("v1.31.2");
    expect($("[data-testid='capture-objects']", result)!.textContent).toBe(sampleCaptureResult.snapshot.objects.toLocaleString("en-US"));
    const kinds = $$("[data-testid='capture-kind']", result);
    expect(kinds).toHaveLength(sampleCaptureResult.snapshot.kinds.length);
    const refused = kinds.filter((k) => k.dataset.error === "true");
    expect(refused.map((k) => k.dataset.kind)).toEqual(["Secret"]);
    expect(refused[0]!.classList.contains("kind-error")).toBe(true);
    expect(refused[0]!.textContent).toContain("403");
    expect($("[data-testid='capture-kinds-failed']", result)!.textContent).toContain("1 kind could not be listed (Secret)");
    const logs = $$("[data-testid='capture-log']", result);
    expect(logs.map((l) => l.dataset.pod)).toEqual(["shop/cart-7f9c6d8b5-x2k4q", "shop/cart-7f9c6d8b5-x2k4q"]);
    expect(logs[1]!.dataset.error).toBe("true");
    expect($("[data-testid='import-summary']", result)!.textContent).toContain("605 new events");
    await waitFor(() => mock.calls.filter((c) => c.cmd === "list_incidents").length === before + 1);
    await waitFor(() => mock.calls.some((c) => c.cmd === "case_info"));
    expect($("[data-testid='error-banner']")).toBeNull();
    // The findings, from the result.
    $("[data-testid='capture-findings']", result)!.click();
    await ready("hardening");
    expect($("[data-testid='capture-dialog']")).toBeNull();
    await waitFor(() => $("[data-testid='hardening'][data-state='ready']"));
    expect(mock.calls.filter((c) => c.cmd === "hardening_findings").at(-1)!.args).toEqual({ incident: null });
    expect($$("[data-testid='finding']").map((c) => c.dataset.check)).toEqual(caseFindings.map((f) => f.check));
  });

  it("a failure returns to the form with the message, chosen by code", async () => {
    mock.failNextWith("capture_snapshot", "cluster_unreachable", "https://127.0.0.1:6443: connection refused");
    await openDialog();
    start().click();
    const err = await waitFor(() => ($("[data-testid='capture-error']")?.dataset.code ? $("[data-testid='capture-error']") : null));
    expect(err.dataset.code).toBe("cluster_unreachable");
    expect(err.textContent).toContain("connection refused");
    expect(err.textContent).toContain("could not be reached");
    expect($("[data-testid='capture-start']")).not.toBeNull();
    expect($("[data-testid='error-banner']")).toBeNull();
    // Retried: the error goes.
    start().click();
    await waitFor(() => $("[data-testid='capture-result']"));
    expect($("[data-testid='capture-error']")!.textContent).toBe("");
  });

  it("another kubeconfig can be chosen", async () => {
    await openDialog();
    $("[data-testid='capture-kubeconfig']")!.click();
    await waitFor(() => $("[data-testid='capture-kubeconfig-path']")?.textContent === "other/kubeconfig.yaml");
    start().click();
    await waitFor(() => $("[data-testid='capture-result']"));
    const call = mock.calls.find((c) => c.cmd === "capture_snapshot")!.args as { request: { kubeconfig: string } };
    expect(call.request.kubeconfig).toBe("other/kubeconfig.yaml");
  });
});

describe("the captured bundle's name", () => {
  it("is shown beside the case, without the folders above it", async () => {
    const { besideTheCase } = await import("../src/views/capture");
    expect(besideTheCase("/home/ana/cases/incident-42.snapshots/snapshot-20261121T080000Z.zip")).toBe("incident-42.snapshots/snapshot-20261121T080000Z.zip");
    expect(besideTheCase("C:\\cases\\x.snapshots\\snapshot-1.zip")).toBe("x.snapshots/snapshot-1.zip");
  });
});
