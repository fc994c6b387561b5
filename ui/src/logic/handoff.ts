// Words for what leaves the app: the report, the case archive, and a case
// restored from one. Pure: the views show them, tests check them.
import type { ArchiveProgress, ArchiveSummary, ReportWritten, RestoredArchive } from "../types";

/** "312 KB", "1.4 MB": sizes as a person reads them. */
export function size(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${Math.round(bytes / 1024)} KB`;
  return `${(bytes / (1024 * 1024)).toFixed(1)} MB`;
}

/** The last part of a path, whichever separator it uses. */
export function fileName(path: string): string {
  return path.split(/[\\/]/).pop() || path;
}

/** "Report saved: INC-0001-report.pdf (PDF, 9 pages, 312 KB)". */
export function reportSaved(w: ReportWritten): string {
  const what = [w.format.toUpperCase()];
  if (w.pages !== undefined) what.push(`${w.pages} page${w.pages === 1 ? "" : "s"}`);
  if (w.incidents > 1) what.push(`${w.incidents} incidents`);
  what.push(size(w.bytes));
  return `Report saved: ${fileName(w.path)} (${what.join(", ")})`;
}

const PHASES: Record<ArchiveProgress["phase"], string> = {
  copying: "Copying the case",
  compressing: "Compressing",
  checking: "Hashing the archive",
  unpacking: "Unpacking the case",
  verifying: "Verifying the restored case",
};

/** "Compressing… 42 %". */
export function archiveProgress(p: ArchiveProgress): string {
  const pct = p.total > 0 ? ` ${Math.min(100, Math.floor((p.done / p.total) * 100))} %` : "";
  return `${PHASES[p.phase] ?? p.phase}…${pct}`;
}

/** What to say once an archive is written: where, how big, and the hash to send separately. */
export function archiveSaved(s: ArchiveSummary): string {
  return `Case archive saved: ${fileName(s.archive)} (${size(s.archive_size)}). Send its SHA-256 ${s.archive_sha256} by another channel: it is what proves the archive unaltered.`;
}

/** What a restore proved, and what it could not. */
export function archiveRestored(r: RestoredArchive): string {
  const c = r.manifest.counts;
  const parts = [`Restored ${fileName(r.case)} from ${fileName(r.archive)}, archived ${r.manifest.created}`];
  parts.push(`${c.incidents ?? 0} incidents, ${c.events ?? 0} events; every file matched the manifest and the activity log's head is the one archived`);
  const text = `${parts.join(": ")}.`;
  return r.limits.length ? `${text} Not proven: ${r.limits[0]}` : text;
}
