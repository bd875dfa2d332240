// Keyboard shortcuts of the traffic view, as a pure mapping so they are tested.

export type KeyAction = 'up' | 'down' | 'pageUp' | 'pageDown' | 'first' | 'last' | 'open' | 'close' | 'focusFilter' | 'resend' | 'toggleTail' | null;

export interface KeyInput {
  key: string;
  ctrlKey: boolean;
  metaKey: boolean;
  altKey: boolean;
  shiftKey: boolean;
  /** True when focus is in a text field: letters type there and are not shortcuts. */
  inTextField: boolean;
}

export function keyAction(k: KeyInput): KeyAction {
  if (k.ctrlKey || k.metaKey || k.altKey) return null;
  if (k.key === 'Escape') return 'close';
  if (k.inTextField) return null;
  switch (k.key) {
    case 'ArrowUp':
    case 'k':
      return 'up';
    case 'ArrowDown':
    case 'j':
      return 'down';
    case 'PageUp':
      return 'pageUp';
    case 'PageDown':
      return 'pageDown';
    case 'Home':
      return 'first';
    case 'End':
      return 'last';
    case 'Enter':
      return 'open';
    case '/':
      return 'focusFilter';
    case 'R':
    case 'r':
      return 'resend';
    case ' ':
      return null;
    case 'f':
      return 'toggleTail';
    default:
      return null;
  }
}

/** The row after a move, clamped to the list. -1 means nothing selected. */
export function moveSelection(current: number, action: KeyAction, rowCount: number, pageRows: number): number {
  if (rowCount === 0) return -1;
  const last = rowCount - 1;
  switch (action) {
    case 'up':
      return current <= 0 ? 0 : current - 1;
    case 'down':
      return current < 0 ? 0 : Math.min(last, current + 1);
    case 'pageUp':
      return Math.max(0, current - pageRows);
    case 'pageDown':
      return Math.min(last, Math.max(0, current) + pageRows);
    case 'first':
      return 0;
    case 'last':
      return last;
    default:
      return current;
  }
}
