// Large answers (graph, evidence, detail, search) come from the core as raw
// UTF-8 JSON bytes (tauri::ipc::Response), which the webview receives as an
// ArrayBuffer; small ones arrive already parsed. This reads both.

export function decodePayload<T>(value: unknown): T {
  // By tag rather than instanceof: the buffer may come from another realm.
  if (Object.prototype.toString.call(value) === "[object ArrayBuffer]")
    return JSON.parse(new TextDecoder().decode(new Uint8Array(value as ArrayBuffer))) as T;
  if (ArrayBuffer.isView(value)) {
    const v = value as ArrayBufferView;
    return JSON.parse(new TextDecoder().decode(new Uint8Array(v.buffer, v.byteOffset, v.byteLength))) as T;
  }
  // Some bridges hand bytes over as a plain number array.
  if (Array.isArray(value) && value.length > 0 && value.every((b) => typeof b === "number")) {
    return JSON.parse(new TextDecoder().decode(Uint8Array.from(value as number[]))) as T;
  }
  return value as T;
}
