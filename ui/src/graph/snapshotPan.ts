// Panning a large graph by moving a picture of it. In software-rendered
// WebKitGTK (no GPU), Cytoscape's own pan redraws its panning texture into
// three full-size canvas layers every frame, and the webview then scales
// each of them onto the page: about 15 frames/s for 2,000 nodes. Here a
// drag on the background flattens the layers once into one canvas of the
// stage's exact CSS size, hides them, and moves that one canvas by whole
// pixels (a transform: the webview moves its layer, no layout) while the
// pointer moves; on release the graph pans once by the
// distance dragged and draws itself for real. The areas uncovered at the
// edges stay empty until release, as with Cytoscape's texture.
//
// While the drag lasts the page around the graph is frozen (`html.panning`,
// styles.css): its scrolling panels and sticky bars stop being layers of
// their own, because a software compositor redraws every layer the window
// has, every frame — at 1920×1080 they cost the demo a fifth of its frames.
// Nothing moves when they stop: the page is not scrolled (the sticky bars sit
// where they would anyway) and the panels keep their scrollbar's room.

export interface PanTarget {
  /** The element Cytoscape drew into (its canvases are inside it). */
  container: HTMLElement;
  /** Pans the graph by this many CSS pixels, once, at the end. */
  panBy(dx: number, dy: number): void;
}

/** The canvases Cytoscape draws into, bottom layer first. */
function layers(container: HTMLElement): HTMLCanvasElement[] {
  const all = Array.from(container.querySelectorAll("canvas"));
  return all
    .map((c, i) => ({ c, z: Number.parseInt(c.style.zIndex || "0", 10) || 0, i }))
    .sort((a, b) => a.z - b.z || a.i - b.i)
    .map((x) => x.c);
}

/** One canvas as big as the stage holding what the layers show. */
export function flatten(container: HTMLElement): HTMLCanvasElement | null {
  const ls = layers(container);
  const first = ls[0];
  if (!first) return null;
  const w = Math.max(1, Math.round(first.clientWidth || container.clientWidth));
  const h = Math.max(1, Math.round(first.clientHeight || container.clientHeight));
  const pic = document.createElement("canvas");
  pic.width = w;
  pic.height = h;
  pic.className = "pan-snapshot";
  const cx = pic.getContext("2d");
  if (!cx) return null;
  for (const l of ls) cx.drawImage(l, 0, 0, w, h);
  return pic;
}

/**
 * Starts a pan at the pointer (`x`, `y`, client pixels); returns a function
 * that ends it early (the view is being torn down).
 */
export function startSnapshotPan(t: PanTarget, x: number, y: number): () => void {
  const pic = flatten(t.container);
  const ls = layers(t.container);
  const parent = ls[0]?.parentElement;
  if (!pic || !parent) return () => {};
  parent.append(pic);
  for (const l of ls) l.style.visibility = "hidden";
  const root = document.documentElement;
  const frozen = window.scrollY === 0 && window.scrollX === 0;
  if (frozen) root.classList.add("panning");
  let dx = 0;
  let dy = 0;
  const move = (e: MouseEvent) => {
    dx = Math.round(e.clientX - x);
    dy = Math.round(e.clientY - y);
    pic.style.transform = `translate(${dx}px, ${dy}px)`;
  };
  let done = false;
  const end = () => {
    if (done) return;
    done = true;
    window.removeEventListener("mousemove", move, true);
    window.removeEventListener("mouseup", up, true);
    pic.remove();
    for (const l of ls) l.style.visibility = "";
    if (frozen) root.classList.remove("panning");
  };
  const up = (e: MouseEvent) => {
    move(e);
    end();
    if (dx || dy) t.panBy(dx, dy);
  };
  window.addEventListener("mousemove", move, true);
  window.addEventListener("mouseup", up, true);
  return end;
}
