// The Tauri backend, with Tauri's modules replaced: argument names, byte
// payloads, progress channel and error normalisation.
import { beforeEach, describe, expect, it, vi } from "vitest";
import { decodePayload } from "../src/payload";

const invoke = vi.fn();
class FakeChannel<T> {
  onmessage: (m: T) => void = () => {};
}
vi.mock("@tauri-apps/api/core", () => ({ invoke: (...a: unknown[]) => invoke(...a), Channel: FakeChannel }));
vi.mock("@tauri-apps/api/webview", () => ({
  getCurrentWebview: () => ({
    onDragDropEvent: async (h: (e: { payload: unknown }) => void) => {
      h({ payload: { type: "drop", paths: ["a.zip"], position: { x: 1, y: 2 } } });
      h({ payload: { type: "leave" } });
      return () => {};
    },
  }),
}));
vi.mock("@tauri-apps/plugin-dialog", () => ({
  open: async (o: { multiple?: boolean }) => (o.multiple ? ["x.json", "y.json"] : null),
  save: async () => "new.kordon",
}));

const { tauriBackend } = await import("../src/backend");

const bytes = (v: unknown) => new TextEncoder().encode(JSON.stringify(v)).buffer;

beforeEach(() => invoke.mockReset());

describe("payload decoding", () => {
  it("reads ArrayBuffers, typed arrays, byte arrays and plain values", () => {
    expect(decodePayload(bytes({ a: 1 }))).toEqual({ a: 1 });
    expect(decodePayload(new TextEncoder().encode("[1,2]"))).toEqual([1, 2]);
    expect(decodePayload([...new TextEncoder().encode('{"b":"é"}')])).toEqual({ b: "é" });
    expect(decodePayload({ c: 3 })).toEqual({ c: 3 });
    expect(decodePayload(null)).toBeNull();
  });
});

describe("tauriBackend", () => {
  it("sends camelCase arguments and decodes byte answers", async () => {
    invoke.mockResolvedValueOnce(bytes({ nodes: [], edges: [], incident: "INC-1" }));
    const g = await tauriBackend().incidentGraph("INC-1", ["agg-1"]);
    expect(invoke).toHaveBeenCalledWith("incident_graph", { id: "INC-1", expand: ["agg-1"] });
    expect(g.incident).toBe("INC-1");
    invoke.mockResolvedValueOnce(bytes([]));
    await tauriBackend().search("xmrig stratum", 50);
    expect(invoke).toHaveBeenLastCalledWith("search", { text: "xmrig stratum", limit: 50 });
  });

  it("passes a progress channel as onProgress", async () => {
    const seen: unknown[] = [];
    invoke.mockImplementationOnce(async (_cmd: string, args: { onProgress: FakeChannel<unknown> }) => {
      args.onProgress.onmessage({ phase: "reading", file: "a", bytes_done: 1, bytes_total: 2, records: 0 });
      return { import: {}, detections: {}, correlation: {}, errors: [] };
    });
    await tauriBackend().importPaths(["a"], (p) => seen.push(p));
    expect(invoke.mock.calls[0]![0]).toBe("import_paths");
    expect(invoke.mock.calls[0]![1].paths).toEqual(["a"]);
    expect(seen).toHaveLength(1);
  });

  it("asks for hardening findings of an incident or the whole case", async () => {
    invoke.mockResolvedValueOnce(bytes([{ check: "identity-can", objects: ["a"] }]));
    const f = await tauriBackend().hardeningFindings("INC-1");
    expect(invoke).toHaveBeenLastCalledWith("hardening_findings", { incident: "INC-1" });
    expect(f[0]!.check).toBe("identity-can");
    invoke.mockResolvedValueOnce(bytes([]));
    await tauriBackend().hardeningFindings(null);
    expect(invoke).toHaveBeenLastCalledWith("hardening_findings", { incident: null });
    invoke.mockRejectedValueOnce({ code: "not_found", message: "no snapshot objects" });
    await expect(tauriBackend().hardeningFindings(null)).rejects.toMatchObject({ code: "not_found" });
  });

  it("captures with a request and a progress channel, and cancels", async () => {
    const seen: unknown[] = [];
    invoke.mockImplementationOnce(async (_cmd: string, args: { onProgress: FakeChannel<unknown> }) => {
      args.onProgress.onmessage({ phase: "capture", kind: "Pod", objects: 3, kinds_done: 1, kinds_total: 9 });
      args.onProgress.onmessage({ phase: "import", progress: { phase: "reading", file: null, bytes_done: 0, bytes_total: 1, records: 0 } });
      return bytes({ snapshot: { objects: 3 }, import: {} });
    });
    const request = { kubeconfig: null, context: "lab", trust_exec: false, namespaces: [], logs: ["shop/cart-1"], configmap_data: false };
    const r = await tauriBackend().captureSnapshot(request, (p) => seen.push(p));
    expect(invoke.mock.calls[0]![0]).toBe("capture_snapshot");
    expect(invoke.mock.calls[0]![1].request).toEqual(request);
    expect(invoke.mock.calls[0]![1].onProgress).toBeInstanceOf(FakeChannel);
    expect(seen).toHaveLength(2);
    expect(r.snapshot.objects).toBe(3);
    invoke.mockResolvedValueOnce(null);
    await tauriBackend().cancelCapture();
    expect(invoke).toHaveBeenLastCalledWith("cancel_capture", undefined);
    invoke.mockRejectedValueOnce({ code: "cancelled", message: "capture cancelled" });
    await expect(tauriBackend().captureSnapshot(request, () => {})).rejects.toMatchObject({ code: "cancelled" });
  });

  it("rejects with {code, message}", async () => {
    invoke.mockRejectedValueOnce({ code: "unknown_format", message: "no format" });
    await expect(tauriBackend().importPaths(["x"], () => {})).rejects.toMatchObject({ code: "unknown_format", message: "no format" });
    invoke.mockRejectedValueOnce("plain string");
    await expect(tauriBackend().listIncidents()).rejects.toMatchObject({ code: "internal" });
  });

  it("wraps dialogs and drops", async () => {
    const b = tauriBackend();
    expect(await b.pickImportFiles()).toEqual(["x.json", "y.json"]);
    expect(await b.pickCaseToOpen()).toBeNull();
    expect(await b.pickCaseToCreate()).toBe("new.kordon");
    const evs: unknown[] = [];
    await b.onFileDrop((e) => evs.push(e));
    expect(evs).toEqual([
      { type: "drop", paths: ["a.zip"] },
      { type: "leave", paths: [] },
    ]);
  });
});
