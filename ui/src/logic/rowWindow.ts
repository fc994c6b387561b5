// Which rows of a long list to draw: those in view and a few either side.
// The evidence tab draws every event of an incident this way, however many,
// with the list's scroll height that of all of them. Pure.

export interface RowWindow {
  /** First row drawn (inclusive) and the row after the last one drawn. */
  start: number;
  end: number;
}

export function rowWindow(scrollTop: number, viewHeight: number, rowHeight: number, total: number, overscan = 8): RowWindow {
  if (total <= 0 || rowHeight <= 0) return { start: 0, end: 0 };
  const first = Math.floor(Math.max(0, scrollTop) / rowHeight);
  const count = Math.ceil(Math.max(0, viewHeight) / rowHeight) + 1;
  const start = Math.max(0, Math.min(total - 1, first) - overscan);
  const end = Math.min(total, first + count + overscan);
  return { start, end: Math.max(start, end) };
}

/** The scroll position that brings row `index` into view, moving as little as it can. */
export function scrollToRow(index: number, scrollTop: number, viewHeight: number, rowHeight: number): number {
  const top = index * rowHeight;
  if (top < scrollTop) return top;
  if (top + rowHeight > scrollTop + viewHeight) return Math.max(0, top + rowHeight - viewHeight);
  return scrollTop;
}
