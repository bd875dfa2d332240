// Fixed-height row windowing: which rows to render for a scroll position.

export interface RowWindow {
  first: number;
  /** Exclusive. */
  last: number;
  /** px from the top of the scroller to the first rendered row. */
  offset: number;
  /** Full scroll height in px. */
  height: number;
}

export function rowWindow(scrollTop: number, viewportHeight: number, rowHeight: number, rowCount: number, overscan = 8): RowWindow {
  const height = rowCount * rowHeight;
  const top = Math.max(0, Math.min(scrollTop, Math.max(0, height - viewportHeight)));
  const first = Math.max(0, Math.floor(top / rowHeight) - overscan);
  const last = Math.min(rowCount, Math.ceil((top + viewportHeight) / rowHeight) + overscan);
  return { first, last, offset: first * rowHeight, height };
}

/** The scrollTop that brings `row` into view, or null when it already is. */
export function scrollToReveal(row: number, scrollTop: number, viewportHeight: number, rowHeight: number): number | null {
  const top = row * rowHeight;
  if (top < scrollTop) return top;
  if (top + rowHeight > scrollTop + viewportHeight) return top + rowHeight - viewportHeight;
  return null;
}

/** The scrollTop that puts `row` in the middle of the viewport (a jump to it), never above the top. */
export function scrollToCentre(row: number, viewportHeight: number, rowHeight: number): number {
  return Math.max(0, row * rowHeight - Math.floor((viewportHeight - rowHeight) / 2));
}
