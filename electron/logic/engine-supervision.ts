// When the engine's utility process dies, main restarts it with exponential backoff,
// and gives up (showing "Restart Engine" in the tray) if it keeps crashing: a crash
// loop would otherwise restart every project's services over and over.

/** The engine as the tray shows it. */
export type EngineStatus =
  | { kind: 'starting' }
  | { kind: 'running' }
  | { kind: 'restarting'; attempt: number; message: string }
  | { kind: 'crashed'; message: string }
  /** Another engine (a `locald up` in a terminal) owns the state directory; the message names it. */
  | { kind: 'heldElsewhere'; message: string }
  | { kind: 'stopping' };

export interface RestartPolicy {
  /** Delay before the first restart. */
  baseDelayMs: number;
  maxDelayMs: number;
  /** Crashes older than this are forgotten: a long stable run resets the backoff. */
  windowMs: number;
  /** More crashes than this inside the window and main stops restarting. */
  maxCrashesInWindow: number;
}

export const DEFAULT_ENGINE_RESTART_POLICY: RestartPolicy = {
  baseDelayMs: 500,
  maxDelayMs: 30_000,
  windowMs: 5 * 60_000,
  maxCrashesInWindow: 5,
};

export type RestartDecision =
  | { action: 'restart'; delayMs: number; attempt: number }
  | { action: 'giveUp'; crashes: number; reason: string };

/** `history` holds the epoch-ms times of unexpected exits, including the one just seen. */
export function nextEngineRestart(history: readonly number[], now: number, policy: RestartPolicy = DEFAULT_ENGINE_RESTART_POLICY): RestartDecision {
  const recent = history.filter((time) => time <= now && now - time < policy.windowMs);
  const attempt = Math.max(1, recent.length);
  if (recent.length > policy.maxCrashesInWindow) {
    const minutes = Math.round(policy.windowMs / 60_000);
    return {
      action: 'giveUp',
      crashes: recent.length,
      reason: `the engine crashed ${recent.length} times in ${minutes} minute${minutes === 1 ? '' : 's'}`,
    };
  }
  const delayMs = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1));
  return { action: 'restart', delayMs, attempt };
}

/** Keeps only what nextEngineRestart can still use, so the history cannot grow without bound. */
export function pruneCrashHistory(history: readonly number[], now: number, policy: RestartPolicy = DEFAULT_ENGINE_RESTART_POLICY): number[] {
  return history.filter((time) => now - time < policy.windowMs).slice(-(policy.maxCrashesInWindow + 1));
}

/** Human text for an exit code, for the tray and logs. */
export function describeEngineExit(code: number): string {
  if (code === 0) return 'the engine exited';
  return `the engine exited with code ${code}`;
}

export type EngineReadiness = { kind: 'ready' } | { kind: 'wait' } | { kind: 'unavailable'; message: string };

/**
 * Whether work that needs the engine (adding a project) can go ahead, should wait, or
 * cannot happen: starting and restarting end by themselves; a crashed engine waits for
 * the user's "Restart Engine", and a stopping one is quitting.
 */
export function engineReadiness(status: EngineStatus): EngineReadiness {
  switch (status.kind) {
    case 'running':
      return { kind: 'ready' };
    case 'starting':
    case 'restarting':
      return { kind: 'wait' };
    case 'crashed':
      return { kind: 'unavailable', message: `the engine stopped: ${status.message}` };
    case 'heldElsewhere':
      return { kind: 'unavailable', message: status.message };
    case 'stopping':
      return { kind: 'unavailable', message: 'locald is quitting' };
  }
}
