// When locald stops restarting a service that keeps failing before it ever becomes ready. Pure.

/**
 * Consecutive failed starts (exits before readiness) after which locald stops restarting.
 * 8 because with the default backoff (500ms doubling to 30s) the 8th failure comes about a
 * minute after the first: long enough for a passing cause to clear (a database still booting,
 * a port still held by a process on its way out), short enough that a broken command does
 * not restart every 30s for the rest of the day, flooding the log and burning CPU.
 */
export const DEFAULT_MAX_FAILED_STARTS = 8;

/** The failed-start count after an exit: one more when the process never became ready, else none. */
export function nextFailedStarts(previous: number, becameReady: boolean): number {
  return becameReady ? 0 : previous + 1;
}

export function shouldGiveUp(failedStarts: number, maxFailedStarts: number): boolean {
  return failedStarts >= maxFailedStarts;
}

/** The service's reason once locald gave up on it. */
export function gaveUpReason(failures: number): string {
  return `gave up after ${failures} failure${failures === 1 ? '' : 's'}; fix it and restart`;
}
