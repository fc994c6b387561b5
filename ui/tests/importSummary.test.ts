import { describe, expect, it } from "vitest";
import type { ImportReport } from "../src/types";
import { fileStatus, summaryView } from "../src/views/importPanel";
import { sampleReport } from "./mockBackend";

/** A folder of EKS exports with a README: the shapes and the attachment. */
const managedReport: ImportReport = {
  ...sampleReport,
  import: {
    ...sampleReport.import,
    files: [
      {
        name: "evidence/filter-log-events-pages.json",
        format: "eks-cloudwatch",
        size: 38628,
        sha256: "0cf3a58827e634db5d7f9a1c3e5b7d9f1a3c5e7b9d1f3a5c7e9b1d3f5a7c9e1b",
        records: 27,
        events_new: 15,
        events_merged: 11,
        errors: 1,
        shape: "EKS CloudWatch Logs, filter-log-events, 3 pages, 11 audit events, 4 control-plane lines",
      },
      {
        name: "evidence/firehose.gz",
        format: "eks-cloudwatch",
        compression: "gzip",
        size: 2375,
        sha256: "5c0e5d7f9a1c3e5b7d9f1a3c5e7b9d1f3a5c7e9b1d3f5a7c9e1b3d5f7a9c1e3b",
        records: 14,
        events_new: 0,
        events_merged: 14,
        errors: 0,
        shape: "EKS CloudWatch Logs, subscription (Firehose) objects, 3 objects, 7 audit events, 2 control-plane lines, 1 record skipped",
        skipped_records: { "CloudWatch Logs control message (a subscription health check)": 1 },
      },
      {
        name: "evidence/README.md",
        format: "attachment",
        size: 77,
        sha256: "a1c3e5b7d9f1a3c5e7b9d1f3a5c7e9b1d3f5a7c9e1b3d5f7a9c1e3b5d7f9a1c3",
        records: 0,
        events_new: 0,
        events_merged: 0,
        errors: 0,
        shape: "Attachment: not a format Kordon knows; its bytes are kept in the case",
      },
    ],
    files_imported: 3,
    files_skipped: 0,
    attachments: 1,
  },
};

describe("import summary", () => {
  it("names each file's shape and says which files are kept as attachments", () => {
    const el = summaryView(managedReport);
    const shapes = [...el.querySelectorAll("[data-testid='import-file-shape']")].map((e) => e.textContent);
    expect(shapes[0]).toBe("EKS CloudWatch Logs, filter-log-events, 3 pages, 11 audit events, 4 control-plane lines");
    expect(shapes[2]).toContain("Attachment: not a format Kordon knows");
    expect(el.querySelector("[data-testid='import-attachments']")!.textContent).toBe(
      "1 file Kordon cannot read kept as attachment (name, size, SHA-256)",
    );
    const rows = [...el.querySelectorAll("[data-testid='import-file']")];
    expect(rows[2]!.textContent).toContain("kept as an attachment");
  });

  it("says what was skipped inside a file, and why", () => {
    expect(fileStatus(managedReport.import.files[1]!)).toBe(
      "imported; 1 skipped (CloudWatch Logs control message (a subscription health check))",
    );
    expect(fileStatus(managedReport.import.files[0]!)).toBe("imported");
    expect(fileStatus(sampleReport.import.files[1]!)).toBe("skipped: already in the case");
  });

  it("leaves out the attachment line when there are none", () => {
    expect(summaryView(sampleReport).querySelector("[data-testid='import-attachments']")).toBeNull();
  });
});
