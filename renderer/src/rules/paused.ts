// Countdowns of paused exchanges.

/** "4m 12s", "9s", or "now" once the moment has passed. */
export function remainingText(at: number, now: number): string {
  const s = Math.ceil((at - now) / 1000);
  if (s <= 0) return 'now';
  const m = Math.floor(s / 60);
  return m === 0 ? `${s}s` : `${m}m ${String(s % 60).padStart(2, '0')}s`;
}
