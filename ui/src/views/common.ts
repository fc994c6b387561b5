// Small shared renderers.
import { clear, h } from "../dom";
import { codeSegments, fmtTime } from "../format";
import { tacticColor, tacticName, tacticShort } from "../tactics";
import type { EntityRef, RawRecord } from "../types";

export function severityBadge(sev: string | null | undefined): HTMLElement {
  const s = sev ?? "none";
  return h("span", { className: `sev sev-${s}`, title: `severity ${s}` }, s);
}

export function tacticChip(id: string, label: "short" | "name" = "name"): HTMLElement {
  return h(
    "span",
    { className: "chip tactic-chip", style: `--chip:${tacticColor(id)}`, title: `${tacticName(id)} (${id})`, "data-tactic": id },
    label === "short" ? tacticShort(id) : tacticName(id),
  );
}

/** Text with `code spans` rendered as <code>, all through text nodes. */
export function richText(text: string): HTMLElement {
  return h(
    "span",
    null,
    codeSegments(text).map((seg) => (seg.code ? h("code", null, seg.text) : seg.text)),
  );
}

export function entityLabel(e: EntityRef): string {
  const key = e.kind === "container" && /^[0-9a-f]{64}$/.test(e.key) ? e.key.slice(0, 12) : e.key;
  return `${e.kind} ${key}`;
}

export function timeSpan(a: string | null, b: string | null): string {
  const fa = fmtTime(a);
  const fb = fmtTime(b);
  if (fa === fb) return `${fa} UTC`;
  // Same day: the second time without its date.
  if (fa.slice(0, 10) === fb.slice(0, 10)) return `${fa} – ${fb.slice(11)} UTC`;
  return `${fa} – ${fb} UTC`;
}

/** The raw record behind an event: source file, digest and the record itself. */
export function rawRecordView(rec: RawRecord): HTMLElement {
  const where = [rec.file, rec.line !== null ? `line ${rec.line}` : `offset ${rec.offset}`].join(", ");
  return h(
    "section",
    { className: "raw-record", "data-testid": "raw-record", "data-id": rec.id },
    h(
      "dl",
      { className: "kv" },
      h("dt", null, "Event"),
      h("dd", null, h("code", null, rec.id)),
      h("dt", null, "Source file"),
      h("dd", { className: "wrap" }, where),
      h("dt", null, "SHA-256"),
      h("dd", { className: "mono wrap", "data-testid": "raw-sha256" }, rec.sha256),
    ),
    h("pre", { className: "raw", tabindex: 0 }, rec.pretty ?? rec.raw),
  );
}

export function emptyNote(text: string): HTMLElement {
  return h("p", { className: "empty" }, text);
}

/**
 * Shows event `id`'s raw record in `into`: a loading note, then the record,
 * or a note and `onError` when it cannot be read. `current()` says whether
 * this is still the record asked for last (a later click wins).
 */
export async function showRawRecord(
  read: (id: string) => Promise<RawRecord>,
  id: string,
  into: HTMLElement,
  current: () => boolean,
  onError: (e: unknown) => void,
): Promise<void> {
  clear(into);
  into.append(h("p", { className: "muted" }, "Loading the raw record…"));
  try {
    const rec = await read(id);
    if (!current()) return;
    clear(into);
    into.append(rawRecordView(rec));
  } catch (e) {
    if (!current()) return;
    clear(into);
    into.append(emptyNote("The raw record could not be read."));
    onError(e);
  }
}
