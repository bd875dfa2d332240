// Paused exchanges. The data path pauses and awaits the promise; the API resumes (with edits),
// aborts or answers it; a timeout (default 5 minutes) or the client leaving lets it continue.
import { randomUUID } from 'node:crypto';
import {
  DEFAULT_BREAKPOINT_TIMEOUT_MS,
  type BreakpointAnswer,
  type BreakpointOutcome,
  type BreakpointRequestEdits,
  type BreakpointResponseEdits,
  type BreakpointResumed,
  type PausedExchange,
} from '../../shared/rules.js';

/** How a pause ended; the data path acts on it. `timeout` and `client-gone` mean: continue unchanged (or stop, if the client left). */
export type BreakpointResolution =
  | { outcome: 'resumed'; request?: BreakpointRequestEdits; response?: BreakpointResponseEdits }
  | { outcome: 'aborted' }
  | { outcome: 'answered'; response: BreakpointAnswer }
  | { outcome: 'timeout' }
  | { outcome: 'client-gone' };

export type PauseRequest = Omit<PausedExchange, 'id' | 'pausedAt' | 'timeoutAt'>;

export interface BreakpointEvents {
  paused(exchange: PausedExchange): void;
  resumed(event: BreakpointResumed): void;
}

interface Pending {
  exchange: PausedExchange;
  settle: (resolution: BreakpointResolution) => void;
}

export class BreakpointRegistry {
  private readonly pending = new Map<string, Pending>();

  constructor(
    private readonly events: BreakpointEvents,
    private readonly timeoutMs = DEFAULT_BREAKPOINT_TIMEOUT_MS,
  ) {}

  /** Pauses until the user decides, the timeout passes, or `signal` aborts (the client went away). */
  pause(request: PauseRequest, signal?: AbortSignal): Promise<BreakpointResolution> {
    const pausedAt = Date.now();
    const exchange: PausedExchange = { ...request, id: `bp-${randomUUID()}`, pausedAt, timeoutAt: pausedAt + this.timeoutMs };
    return new Promise((resolve) => {
      const timer = setTimeout(() => settle({ outcome: 'timeout' }), this.timeoutMs);
      const onAbort = (): void => settle({ outcome: 'client-gone' });
      const settle = (resolution: BreakpointResolution): void => {
        if (!this.pending.delete(exchange.id)) return;
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        this.events.resumed({ id: exchange.id, project: exchange.project, outcome: resolution.outcome });
        resolve(resolution);
      };
      this.pending.set(exchange.id, { exchange, settle });
      this.events.paused(exchange);
      if (signal?.aborted === true) onAbort();
      else signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  list(project?: string): PausedExchange[] {
    const all = [...this.pending.values()].map((p) => p.exchange);
    return project === undefined ? all : all.filter((e) => e.project.toLowerCase() === project.toLowerCase());
  }

  get(id: string): PausedExchange | undefined {
    return this.pending.get(id)?.exchange;
  }

  resume(id: string, edits: { request?: BreakpointRequestEdits; response?: BreakpointResponseEdits } = {}): boolean {
    return this.settle(id, { outcome: 'resumed', ...edits });
  }

  abort(id: string): boolean {
    return this.settle(id, { outcome: 'aborted' });
  }

  answer(id: string, response: BreakpointAnswer): boolean {
    return this.settle(id, { outcome: 'answered', response });
  }

  /** Lets every paused exchange of a project (or all) continue, e.g. when its rules are removed or the engine stops. */
  releaseAll(project?: string, outcome: Extract<BreakpointOutcome, 'timeout' | 'client-gone'> = 'timeout'): void {
    for (const e of this.list(project)) this.settle(e.id, { outcome } as BreakpointResolution);
  }

  private settle(id: string, resolution: BreakpointResolution): boolean {
    const p = this.pending.get(id);
    if (p === undefined) return false;
    p.settle(resolution);
    return true;
  }
}
