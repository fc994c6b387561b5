import { describe, expect, it } from "vitest";
import { BackendError, errorText, toBackendError } from "../src/errors";
import { fmtBytes, fmtTime, parseTime } from "../src/format";

describe("backend errors", () => {
  it("keeps the code of {code, message} objects", () => {
    const e = toBackendError({ code: "unknown_format", message: "no format recognised in x.bin" });
    expect(e).toBeInstanceOf(BackendError);
    expect(e.code).toBe("unknown_format");
    expect(e.message).toBe("no format recognised in x.bin");
  });

  it("gives other rejections the code internal", () => {
    expect(toBackendError("boom").code).toBe("internal");
    expect(toBackendError(new Error("x")).code).toBe("internal");
    expect(toBackendError(undefined).code).toBe("internal");
  });

  it("chooses the text by code, not by message", () => {
    expect(errorText({ code: "cancelled", message: "whatever the core says" }, "import")).toBe("Import cancelled");
    expect(errorText({ code: "zip_bomb", message: "refused: ratio 1:5000" })).toBe("refused: ratio 1:5000");
  });

  it("tells a full disk from a read-only medium, with what to do", () => {
    const full = errorText({ code: "disk_full", message: "disk full: writing case.kordon" });
    expect(full).toContain("disk full: writing case.kordon");
    expect(full).toContain("Free some space");
    const ro = errorText({ code: "read_only", message: "case.kordon: read-only medium" });
    expect(ro).toContain("copy the case to a folder you can write to");
    expect(ro).not.toContain("Free some space");
  });
});

describe("formatting", () => {
  it("reads nanosecond times", () => {
    expect(parseTime("2026-11-20T09:41:06.874211000Z")).toBe(Date.UTC(2026, 10, 20, 9, 41, 6, 874));
    expect(parseTime("2026-11-20T09:41:06Z")).toBe(Date.UTC(2026, 10, 20, 9, 41, 6));
    expect(Number.isNaN(parseTime(null))).toBe(true);
    expect(fmtTime("2026-11-20T09:41:06.874211000Z")).toBe("2026-11-20 09:41:06");
    expect(fmtTime(null)).toBe("—");
    expect(fmtBytes(20480)).toBe("20 KiB");
  });
});
