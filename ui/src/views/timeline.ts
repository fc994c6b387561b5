// Timeline tab: events on a time axis, one lane per tactic; drag selects a span.
import { h, s } from "../dom";
import { fmtClock, fmtTime, parseTime } from "../format";
import type { Span } from "../logic/evidence";
import { rowCategories } from "../logic/evidence";
import { lanes, spanFromDrag, ticks, timeExtent, xOf, type Axis } from "../logic/timeline";
import { tacticColor, tacticName } from "../tactics";
import type { EvidenceEvent } from "../types";
import { emptyNote } from "./common";

const W = 1000;
const LANE_H = 28;
const TOP = 24;
const LEFT = 150;
const RIGHT = 16;

export class TimelineView {
  readonly el: HTMLElement;
  private sel: SVGRectElement | null = null;
  private axis: Axis | null = null;
  private span: Span | null = null;

  constructor(
    rows: EvidenceEvent[],
    private readonly onSpan: (span: Span | null) => void,
    private readonly onPick: (id: string) => void,
  ) {
    const extent = timeExtent(rows);
    if (!extent) {
      this.el = h("div", { className: "timeline-view" }, emptyNote("No timed events."));
      return;
    }
    const ls = lanes(rows);
    const height = TOP + ls.length * LANE_H + 8;
    this.axis = { extent, x0: LEFT, x1: W - RIGHT };
    const axis = this.axis;
    const svg = s("svg", {
      viewBox: `0 0 ${W} ${height}`,
      className: "timeline",
      "data-testid": "timeline-svg",
      role: "img",
      "aria-label": "Incident events over time by tactic; drag to select a time span",
      preserveAspectRatio: "none",
      style: `height:${height * 1.1}px`,
    });
    ls.forEach((l, i) => {
      const y = TOP + i * LANE_H;
      svg.append(
        s("rect", { x: 0, y, width: W, height: LANE_H, className: i % 2 ? "lane odd" : "lane" }),
        s("text", { x: 8, y: y + LANE_H / 2 + 4, className: "lane-label" }, tacticName(l)),
      );
    });
    for (const t of ticks(extent)) {
      const x = xOf(axis, t);
      svg.append(
        s("line", { x1: x, x2: x, y1: TOP - 4, y2: height, className: "tick" }),
        s("text", { x, y: TOP - 8, className: "tick-label", "text-anchor": "middle" }, fmtClock(t)),
      );
    }
    const laneIndex = new Map(ls.map((l, i) => [l, i]));
    for (const r of rows) {
      const ms = parseTime(r.time);
      if (Number.isNaN(ms)) continue;
      const x = xOf(axis, ms);
      for (const cat of rowCategories(r)) {
        const y = TOP + laneIndex.get(cat)! * LANE_H + LANE_H / 2;
        const dot = s(
          "circle",
          {
            cx: x,
            cy: y,
            r: r.signal ? 6 : 3,
            fill: tacticColor(cat),
            className: r.signal ? "dot signal" : "dot",
            "data-testid": "timeline-dot",
            "data-id": r.id,
          },
          s("title", null, `${fmtTime(r.time)} ${r.source}: ${r.title}`),
        );
        dot.addEventListener("click", (e) => {
          e.stopPropagation();
          this.onPick(r.id);
        });
        svg.append(dot);
      }
    }
    const sel = s("rect", { x: 0, y: TOP, width: 0, height: height - TOP, className: "selection", visibility: "hidden" });
    svg.append(sel);
    this.sel = sel;
    this.attachDrag(svg, sel);
    this.el = h(
      "div",
      { className: "timeline-view" },
      h("p", { className: "hint" }, "Drag across the timeline to filter the evidence to a time span. ", `${fmtTime(new Date(extent.min).toISOString())} – ${fmtClock(extent.max)} UTC`),
      svg,
    );
  }

  private toX(svg: SVGSVGElement, clientX: number): number {
    const rect = svg.getBoundingClientRect();
    if (!rect.width) return clientX;
    return ((clientX - rect.left) * W) / rect.width;
  }

  private attachDrag(svg: SVGSVGElement, sel: SVGRectElement) {
    let start: number | null = null;
    const draw = (a: number, b: number) => {
      sel.setAttribute("x", String(Math.min(a, b)));
      sel.setAttribute("width", String(Math.abs(b - a)));
      sel.setAttribute("visibility", "visible");
    };
    svg.addEventListener("mousedown", (e) => {
      start = this.toX(svg, e.clientX);
      draw(start, start);
    });
    svg.addEventListener("mousemove", (e) => {
      if (start !== null) draw(start, this.toX(svg, e.clientX));
    });
    const end = (e: MouseEvent) => {
      if (start === null || !this.axis) return;
      const span = spanFromDrag(this.axis, start, this.toX(svg, e.clientX));
      start = null;
      if (span) this.onSpan(span);
      else this.showSpan(this.span);
    };
    svg.addEventListener("mouseup", end);
    svg.addEventListener("mouseleave", (e) => {
      if (start !== null) end(e);
    });
  }

  /** Mirrors the evidence tab's span filter. */
  showSpan(span: Span | null): void {
    this.span = span;
    if (!this.sel || !this.axis) return;
    if (!span) {
      this.sel.setAttribute("visibility", "hidden");
      return;
    }
    const a = xOf(this.axis, span.from);
    const b = xOf(this.axis, span.to);
    this.sel.setAttribute("x", String(Math.min(a, b)));
    this.sel.setAttribute("width", String(Math.max(1, Math.abs(b - a))));
    this.sel.setAttribute("visibility", "visible");
  }
}
