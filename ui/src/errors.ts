import type { BackendErrorShape } from "./types";

/** An error from the core, with its stable code. */
export class BackendError extends Error implements BackendErrorShape {
  readonly code: string;
  constructor(code: string, message: string) {
    super(message);
    this.name = "BackendError";
    this.code = code;
  }
}

/**
 * Normalises whatever a rejected call produced into a BackendError. The core
 * sends `{code, message}`; anything else (a thrown string, a JS error) gets
 * the code `internal`.
 */
export function toBackendError(e: unknown): BackendError {
  if (e instanceof BackendError) return e;
  if (e && typeof e === "object" && typeof (e as { code?: unknown }).code === "string") {
    const o = e as { code: string; message?: unknown };
    return new BackendError(o.code, typeof o.message === "string" ? o.message : o.code);
  }
  if (typeof e === "string") return new BackendError("internal", e);
  if (e instanceof Error) return new BackendError("internal", e.message);
  return new BackendError("internal", String(e));
}

/** What the error banner says, chosen by code (never by message text). */
export function errorText(err: BackendErrorShape, context?: "import"): string {
  switch (err.code) {
    case "cancelled":
      return context === "import" ? "Import cancelled" : "Cancelled";
    // What to do next differs, and the core's message says which file.
    case "read_only":
      return `${err.message}. Nothing was changed: copy the case to a folder you can write to and open the copy.`;
    case "disk_full":
      return `${err.message}. Nothing was changed: the case is as it was. Free some space and try again.`;
    default:
      return err.message || err.code;
  }
}

/** Errors the user caused by choice, shown as information rather than failure. */
export function isBenign(err: BackendErrorShape): boolean {
  return err.code === "cancelled";
}
