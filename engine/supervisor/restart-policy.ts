// When and how soon a service that exited is started again. Pure.
import type { RestartPolicy } from '../../shared/config.js';

export const BACKOFF_INITIAL_MS = 500;
export const BACKOFF_MAX_MS = 30_000;
/** A service that stayed up this long is considered healthy again: its backoff starts over. */
export const BACKOFF_RESET_AFTER_MS = 10_000;

export interface BackoffTiming {
  initialMs: number;
  maxMs: number;
}

export const DEFAULT_BACKOFF: BackoffTiming = { initialMs: BACKOFF_INITIAL_MS, maxMs: BACKOFF_MAX_MS };

/** Delay before restart number `attempt` (0-based): 500ms, 1s, 2s, 4s ... capped at 30s by default. */
export function backoffDelay(attempt: number, timing: BackoffTiming = DEFAULT_BACKOFF): number {
  if (attempt <= 0) return timing.initialMs;
  // Clamp the exponent so huge attempt counts never overflow to Infinity.
  return Math.min(timing.maxMs, timing.initialMs * 2 ** Math.min(attempt, 30));
}

/**
 * The backoff attempt to use after an exit: the previous attempt plus one, or 0
 * when the process had stayed up long enough to count as healthy.
 */
export function nextBackoffAttempt(previousAttempt: number | null, uptimeMs: number): number {
  if (previousAttempt === null || uptimeMs >= BACKOFF_RESET_AFTER_MS) return 0;
  return previousAttempt + 1;
}

export interface ExitFacts {
  code: number | null;
  signal: string | null;
}

export function isCleanExit(exit: ExitFacts): boolean {
  return exit.code === 0 && exit.signal === null;
}

/** Whether a process that exited on its own (not stopped by locald) should be started again. */
export function shouldRestart(policy: RestartPolicy, exit: ExitFacts): boolean {
  switch (policy) {
    case 'always':
      return true;
    case 'never':
      return false;
    case 'on-failure':
      return !isCleanExit(exit);
  }
}

/** "exited with code 3", "killed by SIGKILL". */
export function describeExit(exit: ExitFacts): string {
  if (exit.signal !== null) return `killed by ${exit.signal}`;
  if (exit.code !== null) return `exited with code ${exit.code}`;
  return 'exited';
}

/** "500ms", "2s", "1.5s", "2m". */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)}ms`;
  if (ms < 120_000 || ms % 60_000 !== 0) {
    const s = ms / 1000;
    return `${Number.isInteger(s) ? s : s.toFixed(1)}s`;
  }
  return `${ms / 60_000}m`;
}
