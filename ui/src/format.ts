import type { Severity } from "./types";

export const SEVERITIES: readonly Severity[] = ["info", "low", "medium", "high", "critical"];

export function severityRank(s: string | null | undefined): number {
  const i = SEVERITIES.indexOf((s ?? "") as Severity);
  return i < 0 ? -1 : i;
}

/**
 * Milliseconds since the epoch of an RFC 3339 time. The core writes
 * nanoseconds, which Date.parse does not promise to read: the fraction is
 * cut to milliseconds first. Null or unreadable → NaN.
 */
export function parseTime(t: string | null | undefined): number {
  if (!t) return NaN;
  const m = /^(.*T\d{2}:\d{2}:\d{2})(?:\.(\d+))?(Z|[+-]\d{2}:?\d{2})?$/.exec(t);
  if (!m) return Date.parse(t);
  const frac = (m[2] ?? "").padEnd(3, "0").slice(0, 3);
  return Date.parse(`${m[1]}.${frac}${m[3] ?? "Z"}`);
}

function pad(n: number, w = 2): string {
  return String(n).padStart(w, "0");
}

/** "2026-11-20 09:41:06" (UTC); "—" for no time. */
export function fmtTime(t: string | null | undefined): string {
  const ms = parseTime(t);
  if (Number.isNaN(ms)) return "—";
  return fmtMs(ms);
}

export function fmtMs(ms: number): string {
  const d = new Date(ms);
  return `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())} ${pad(d.getUTCHours())}:${pad(
    d.getUTCMinutes(),
  )}:${pad(d.getUTCSeconds())}`;
}

/** "09:41:06" (UTC). */
export function fmtClock(ms: number): string {
  const d = new Date(ms);
  return `${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}`;
}

export function fmtBytes(n: number): string {
  if (!Number.isFinite(n) || n < 0) return "—";
  const units = ["B", "KiB", "MiB", "GiB", "TiB"];
  let v = n;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return u === 0 ? `${v} B` : `${v.toFixed(v < 10 ? 1 : 0)} ${units[u]}`;
}

/** Splits `code spans` out of story and recommendation text (unbalanced backticks: plain text). */
export function codeSegments(text: string): { code: boolean; text: string }[] {
  const parts = text.split("`");
  if (parts.length % 2 === 0) return [{ code: false, text }];
  return parts.map((p, i) => ({ code: i % 2 === 1, text: p })).filter((s) => s.text !== "");
}
