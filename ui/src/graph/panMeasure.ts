// Frames per second while the graph pans, as a person pans it: pressing on
// the background and dragging, one step per frame (Cytoscape draws from a
// texture while a gesture pans the view). Used by the measurement page and
// by the real incident page when a measurement test asks (`kordon:measure`).

export interface PanFigures {
  panFps: number;
  panSeconds: number;
  /** How far the drag moved the pointer, and how far the graph panned (they must agree). */
  draggedPx: number;
  pannedPx: number;
}

export interface Pannable {
  readonly container: HTMLElement;
  pan(): { x: number; y: number } | null;
}

export function frame(): Promise<number> {
  return new Promise((resolve) => requestAnimationFrame((t) => resolve(t)));
}

export async function measurePan(view: Pannable, seconds: number): Promise<PanFigures> {
  const canvas = view.container.querySelector("canvas:last-of-type") ?? view.container;
  const box = view.container.getBoundingClientRect();
  let x = box.left + 12;
  const y = box.top + 12;
  const mouse = (type: string) =>
    canvas.dispatchEvent(
      new MouseEvent(type, { bubbles: true, cancelable: true, clientX: x, clientY: y, button: 0, buttons: type === "mouseup" ? 0 : 1, view: window }),
    );
  const before = view.pan();
  const x0 = x;
  mouse("mousedown");
  let frames = 0;
  const start = await frame();
  let now = start;
  while (now - start < seconds * 1000) {
    x += 2;
    mouse("mousemove");
    now = await frame();
    frames++;
  }
  mouse("mouseup");
  const panFps = frames / ((now - start) / 1000);
  await frame();
  const after = view.pan();
  return { panFps, panSeconds: seconds, draggedPx: x - x0, pannedPx: before && after ? after.x - before.x : NaN };
}
