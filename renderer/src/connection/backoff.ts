// Reconnect delays: quick at first, then doubling up to a ceiling, with jitter so many
// windows do not reconnect in lockstep after the engine restarts.

export const BACKOFF_BASE_MS = 250;
export const BACKOFF_MAX_MS = 10_000;

/** `random` is in [0, 1); the delay is 50–100% of the exponential step. */
export function reconnectDelay(attempt: number, random: number = Math.random()): number {
  const step = Math.min(BACKOFF_MAX_MS, BACKOFF_BASE_MS * 2 ** Math.max(0, Math.min(attempt, 16)));
  return Math.round(step * (0.5 + random / 2));
}

export function engineSocketUrl(origin: string): string {
  return `${origin.replace(/^http/, 'ws')}/api/ws`;
}
