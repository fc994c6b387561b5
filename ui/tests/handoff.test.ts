// What leaves the app: the report and the case archive, through the mock backend.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { App } from "../src/app";
import { archiveProgress, archiveRestored, archiveSaved, fileName, reportSaved, size } from "../src/logic/handoff";
import { $, mountFresh, openDemo, ready, waitFor } from "./helpers";
import { DEMO_ID, type MockBackend } from "./mockBackend";

let app: App;
let mock: MockBackend;
beforeEach(() => {
  ({ app, mock } = mountFresh());
});
afterEach(() => app.destroy());

describe("the words", () => {
  it("say what was saved, how big, and what a restore proved", () => {
    expect(size(900)).toBe("900 B");
    expect(size(312_000)).toBe("305 KB");
    expect(size(2_400_000)).toBe("2.3 MB");
    expect(fileName("C:\\cases\\x.zip")).toBe("x.zip");
    expect(reportSaved({ path: "/r/INC-1-report.pdf", format: "pdf", bytes: 312_000, incidents: 1, pages: 9 })).toBe("Report saved: INC-1-report.pdf (PDF, 9 pages, 305 KB)");
    expect(reportSaved({ path: "/r/all.html", format: "html", bytes: 2048, incidents: 5 })).toBe("Report saved: all.html (HTML, 5 incidents, 2 KB)");
    expect(archiveProgress({ phase: "compressing", done: 1, total: 3 })).toBe("Compressing… 33 %");
    expect(archiveProgress({ phase: "verifying", done: 0, total: 0 })).toBe("Verifying the restored case…");
    const manifest = { created: "2026-11-21T08:00:00Z", kordon_version: "0.1.0", schema_version: 20, case_file: "case.kordon", activity_head: null, counts: { incidents: 5, events: 10 }, files: [] };
    expect(archiveSaved({ archive: "/a/c.zip", archive_size: 2048, archive_sha256: "ab".repeat(32), manifest })).toContain(`SHA-256 ${"ab".repeat(32)} by another channel`);
    const restored = { case: "/c/r.kordon", archive: "/a/c.zip", archive_sha256: "", archive_sha256_checked: false, manifest, upgraded_to: null, verification: mock.verification, limits: ["integrity, not authenticity"] };
    expect(archiveRestored(restored)).toBe(
      "Restored r.kordon from c.zip, archived 2026-11-21T08:00:00Z: 5 incidents, 10 events; every file matched the manifest and the activity log's head is the one archived. Not proven: integrity, not authenticity",
    );
  });
});

async function openIncident(): Promise<void> {
  await openDemo();
  $(`[data-testid='incident-row'][data-id='${DEMO_ID}']`)!.click();
  await ready("incident");
}

describe("Export report…", () => {
  it("writes the incident's report in the format chosen and says where", async () => {
    await openIncident();
    $("[data-testid='report-menu'] summary")!.click();
    $("[data-testid='report-pdf']")!.click();
    const notice = await waitFor(() => $("[data-testid='notice-banner']"));
    expect(notice.textContent).toContain(`Report saved: ${DEMO_ID}-report.pdf (PDF, 9 pages`);
    expect(mock.reports).toEqual([{ incident: DEMO_ID, format: "pdf" }]);
    expect(($("[data-testid='report-pdf']") as HTMLButtonElement).disabled).toBe(false);
    $("[data-testid='report-html']")!.click();
    await waitFor(() => mock.reports.length === 2);
    expect(mock.reports[1]).toEqual({ incident: DEMO_ID, format: "html" });
  });

  it("says nothing when the dialog is cancelled, and the core's error by its code", async () => {
    await openIncident();
    mock.reportDialog = false;
    $("[data-testid='report-pdf']")!.click();
    await waitFor(() => mock.calls.some((c) => c.cmd === "export_report"));
    await new Promise((r) => setTimeout(r, 20));
    expect($("[data-testid='notice-banner']")).toBeNull();
    expect($("[data-testid='report-status']")!.textContent).toBe("");
    mock.reportDialog = true;
    mock.failNextWith("export_report", "read_only", "/media/cdrom is read-only");
    $("[data-testid='report-html']")!.click();
    const banner = await waitFor(() => $("[data-testid='error-banner']"));
    expect(banner.dataset.code).toBe("read_only");
    expect(($("[data-testid='report-html']") as HTMLButtonElement).disabled).toBe(false);
    expect(mock.reports).toEqual([]);
  });

  it("of every incident, from the queue", async () => {
    await openDemo();
    $("[data-testid='queue'] [data-testid='report-pdf']")!.click();
    const notice = await waitFor(() => $("[data-testid='notice-banner']"));
    expect(mock.reports).toEqual([{ incident: null, format: "pdf" }]);
    expect(notice.textContent).toContain(`Report saved: kordon-report.pdf (PDF, 9 pages, ${mock.incidents.length} incidents`);
  });

  it("keeps its state when a triage change redraws the header while the report is written", async () => {
    await openIncident();
    const header = $(".incident-header");
    const control = $("[data-testid='report-menu']");
    let release = () => {};
    const gate = new Promise<void>((r) => (release = r));
    const write = mock.exportReport;
    mock.exportReport = async (incident, format) => {
      await gate;
      return write(incident, format);
    };
    $("[data-testid='report-html']")!.click();
    expect($("[data-testid='report-status']")!.textContent).toBe("Writing the report…");
    // Ticking a follow-up item redraws the header with the new triage.
    $("[data-testid='follow-up-tick'][data-item='rotate-credentials']")!.click();
    await waitFor(() => $(".incident-header") !== header);
    expect($("[data-testid='report-menu']")).toBe(control);
    expect($("[data-testid='report-status']")!.textContent).toBe("Writing the report…");
    expect(($("[data-testid='report-pdf']") as HTMLButtonElement).disabled).toBe(true);
    release();
    const notice = await waitFor(() => $("[data-testid='notice-banner']"));
    expect(notice.textContent).toContain(`Report saved: ${DEMO_ID}-report.html`);
    expect($("[data-testid='report-status']")!.textContent).toBe("");
  });
});

describe("the case archive", () => {
  it("is saved from the open case with its progress, and names the hash to send apart", async () => {
    await openDemo();
    app.navigate({ name: "start" });
    await ready("start");
    const seen: string[] = [];
    const status = $("[data-testid='archive-status']")!;
    new MutationObserver(() => seen.push(status.textContent ?? "")).observe(status, { childList: true, characterData: true, subtree: true });
    $("[data-testid='save-archive']")!.click();
    const notice = await waitFor(() => $("[data-testid='notice-banner']"));
    expect(notice.textContent).toContain("Case archive saved: demo-archive.zip (2.3 MB)");
    expect(notice.textContent).toContain("ab".repeat(32));
    expect(seen).toContain("Copying the case… 50 %");
  });

  it("opens as a new case, checked first, and says what was not proven", async () => {
    await ready("start");
    $("[data-testid='open-archive']")!.click();
    await ready("queue");
    const call = mock.calls.find((c) => c.cmd === "open_case_archive")!;
    expect(call.args).toEqual({ archive: "handoff/case-archive.zip", case: "cases/restored.kordon" });
    const notice = await waitFor(() => $("[data-testid='notice-banner']"));
    expect(notice.textContent).toContain("Restored restored.kordon from case-archive.zip");
    expect(notice.textContent).toContain("Not proven: the archive is checked for integrity, not authenticity");
  });

  it("stays on the start screen when the archive is refused", async () => {
    await ready("start");
    mock.failNextWith("open_case_archive", "hash_mismatch", "case.kordon: SHA-256 differs from the manifest");
    $("[data-testid='open-archive']")!.click();
    const banner = await waitFor(() => $("[data-testid='error-banner']"));
    expect(banner.dataset.code).toBe("hash_mismatch");
    expect(document.body.dataset.ready).toBe("start");
    mock.archiveDialog.restoreAs = null;
    $("[data-testid='open-archive']")!.click();
    await new Promise((r) => setTimeout(r, 20));
    expect(mock.calls.filter((c) => c.cmd === "open_case_archive").length).toBe(1);
  });
});
