// Panning a large graph by moving one flattened picture of its layers.
import { afterEach, describe, expect, it, vi } from "vitest";
import { flatten, startSnapshotPan } from "../src/graph/snapshotPan";

function stage(): { container: HTMLElement; layers: HTMLCanvasElement[]; drawn: HTMLCanvasElement[] } {
  const container = document.createElement("div");
  const inner = document.createElement("div");
  container.append(inner);
  const layers = [2, 1, 0].map((z) => {
    const c = document.createElement("canvas");
    c.style.zIndex = String(z);
    Object.defineProperty(c, "clientWidth", { value: 640 });
    Object.defineProperty(c, "clientHeight", { value: 400 });
    inner.append(c);
    return c;
  });
  document.body.append(container);
  const drawn: HTMLCanvasElement[] = [];
  vi.spyOn(HTMLCanvasElement.prototype, "getContext").mockImplementation(function () {
    return { drawImage: (src: HTMLCanvasElement) => drawn.push(src) } as unknown as CanvasRenderingContext2D;
  } as never);
  return { container, layers, drawn };
}

const mouse = (type: string, x: number, y: number) => window.dispatchEvent(new MouseEvent(type, { clientX: x, clientY: y, bubbles: true }));

afterEach(() => {
  vi.restoreAllMocks();
  document.body.replaceChildren();
});

describe("snapshot panning", () => {
  it("flattens the layers bottom first into one canvas of the stage's CSS size", () => {
    const { container, layers, drawn } = stage();
    const pic = flatten(container)!;
    expect([pic.width, pic.height]).toEqual([640, 400]);
    expect(drawn).toEqual([layers[2], layers[1], layers[0]]);
  });

  it("moves the picture by whole pixels, then pans the graph once by the distance dragged", () => {
    const { container, layers } = stage();
    const panBy = vi.fn();
    startSnapshotPan({ container, panBy }, 100, 100);
    const pic = container.querySelector<HTMLCanvasElement>("canvas.pan-snapshot")!;
    expect(pic).not.toBeNull();
    expect(layers.every((l) => l.style.visibility === "hidden")).toBe(true);
    mouse("mousemove", 130.4, 90);
    expect(pic.style.transform).toBe("translate(30px, -10px)");
    expect(panBy).not.toHaveBeenCalled();
    mouse("mouseup", 150, 80);
    expect(panBy).toHaveBeenCalledExactlyOnceWith(50, -20);
    expect(container.querySelector(".pan-snapshot")).toBeNull();
    expect(layers.every((l) => l.style.visibility === "")).toBe(true);
    mouse("mousemove", 300, 300);
    expect(panBy).toHaveBeenCalledTimes(1);
  });

  it("a click without a drag does not pan, and ending early restores the layers", () => {
    const { container, layers } = stage();
    const panBy = vi.fn();
    startSnapshotPan({ container, panBy }, 10, 10);
    mouse("mouseup", 10, 10);
    expect(panBy).not.toHaveBeenCalled();
    const end = startSnapshotPan({ container, panBy }, 10, 10);
    end();
    expect(container.querySelector(".pan-snapshot")).toBeNull();
    expect(layers.every((l) => l.style.visibility === "")).toBe(true);
    mouse("mouseup", 60, 60);
    expect(panBy).not.toHaveBeenCalled();
  });

  it("freezes the page around the graph while the drag lasts, unless the page is scrolled", () => {
    const { container } = stage();
    const root = document.documentElement;
    const end = startSnapshotPan({ container, panBy: () => {} }, 10, 10);
    expect(root.classList.contains("panning")).toBe(true);
    mouse("mouseup", 40, 10);
    expect(root.classList.contains("panning")).toBe(false);
    end();
    // Scrolled, the sticky bars would jump if they stopped sticking.
    vi.spyOn(window, "scrollY", "get").mockReturnValue(120);
    const again = startSnapshotPan({ container, panBy: () => {} }, 10, 10);
    expect(root.classList.contains("panning")).toBe(false);
    again();
  });
});
