// A drawer beside the graph: open, it shows its content at the width the
// investigator dragged it to; closed, a slim tab that opens it again. Its
// inner edge is a separator that resizes it by pointer or keyboard.
import { h } from "../dom";
import { dragged, keyed, type DrawerName } from "../logic/drawers";
import type { DrawerPref } from "../types";

export interface DrawerOptions {
  name: DrawerName;
  title: string;
  /** Which side of the graph it sits on (its edge is the other side). */
  side: "left" | "right";
  state: DrawerPref;
  content: HTMLElement;
  /** After an open, a close or the end of a resize: remember it. */
  onChange: (state: DrawerPref) => void;
  /** While the width changes (the canvas beside it resizes). */
  onLayout?: () => void;
}

export class Drawer {
  readonly el: HTMLElement;
  private readonly panel: HTMLElement;
  private readonly edge: HTMLElement;
  private state: DrawerPref;

  constructor(private readonly o: DrawerOptions) {
    this.state = { ...o.state };
    const close = h(
      "button",
      { type: "button", className: "drawer-close", "data-testid": `drawer-close-${o.name}`, title: `Close ${o.title.toLowerCase()}`, "aria-label": `Close ${o.title.toLowerCase()}`, onclick: () => this.setOpen(false) },
      o.side === "left" ? "«" : "»",
    );
    this.edge = h("div", {
      className: "drawer-edge",
      role: "separator",
      tabindex: 0,
      "aria-orientation": "vertical",
      "aria-label": `Resize ${o.title.toLowerCase()}`,
      "data-testid": `drawer-edge-${o.name}`,
      onpointerdown: ((e: PointerEvent) => this.startDrag(e)) as EventListener,
      onkeydown: ((e: KeyboardEvent) => this.onKey(e)) as EventListener,
    });
    this.panel = h(
      "div",
      { className: "drawer-panel" },
      h("div", { className: "drawer-head" }, h("span", { className: "drawer-title" }, o.title), close),
      h("div", { className: "drawer-body" }, o.content),
    );
    const tab = h(
      "button",
      { type: "button", className: "drawer-tab", "data-testid": `drawer-open-${o.name}`, title: `Open ${o.title.toLowerCase()}`, onclick: () => this.setOpen(true) },
      o.title,
    );
    this.el = h("div", { className: `drawer drawer-${o.side}`, "data-drawer": o.name, "data-testid": `drawer-${o.name}` }, o.side === "left" ? [this.panel, this.edge] : [this.edge, this.panel], tab);
    this.render();
  }

  get open(): boolean {
    return this.state.open;
  }

  get width(): number {
    return this.state.width;
  }

  setOpen(open: boolean): void {
    if (open === this.state.open) return;
    this.state = { ...this.state, open };
    this.render();
    this.o.onLayout?.();
    this.o.onChange({ ...this.state });
  }

  private render() {
    this.el.dataset.open = String(this.state.open);
    this.panel.style.width = `${this.state.width}px`;
    this.edge.setAttribute("aria-valuenow", String(this.state.width));
  }

  private setWidth(width: number) {
    if (width === this.state.width) return;
    this.state = { ...this.state, width };
    this.render();
    this.o.onLayout?.();
  }

  private startDrag(e: PointerEvent) {
    if (e.button !== 0) return;
    e.preventDefault();
    const x0 = e.clientX;
    const w0 = this.state.width;
    const move = (m: PointerEvent) => this.setWidth(dragged(w0, m.clientX - x0, this.o.side, window.innerWidth));
    const up = () => {
      window.removeEventListener("pointermove", move);
      window.removeEventListener("pointerup", up);
      this.el.classList.remove("resizing");
      if (this.state.width !== w0) this.o.onChange({ ...this.state });
    };
    this.el.classList.add("resizing");
    window.addEventListener("pointermove", move);
    window.addEventListener("pointerup", up);
  }

  private onKey(e: KeyboardEvent) {
    const w = keyed(this.state.width, e.key, e.shiftKey, this.o.side, window.innerWidth);
    if (w === null) return;
    e.preventDefault();
    e.stopPropagation();
    this.setWidth(w);
    this.o.onChange({ ...this.state });
  }
}
