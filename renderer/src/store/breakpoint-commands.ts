// Releasing paused exchanges: continue (with edits), abort or answer.
import type { BreakpointAnswer, BreakpointRequestEdits, BreakpointResponseEdits } from '../../../shared/rules.js';
import { errorText, liveApi } from './commands.js';
import { actions } from './store.js';

/** Each resolves true when the engine let the exchange go (false: it had already gone on, e.g. timed out). */
async function release(what: string, call: () => Promise<boolean>): Promise<boolean> {
  try {
    const done = await call();
    actions.notify(done ? what : 'That exchange had already gone on (timed out or its client left)');
    return true;
  } catch (e) {
    actions.notify(`${what} failed: ${errorText(e)}`, 'error');
    return false;
  }
}

export function resumePaused(id: string, edits: { request?: BreakpointRequestEdits; response?: BreakpointResponseEdits }): Promise<boolean> {
  return release('Continued', async () => (await liveApi().call('breakpoints.resume', { id, ...edits })).resumed);
}

export function abortPaused(id: string): Promise<boolean> {
  return release('Aborted', async () => (await liveApi().call('breakpoints.abort', { id })).aborted);
}

export function answerPaused(id: string, response: BreakpointAnswer): Promise<boolean> {
  return release('Answered', async () => (await liveApi().call('breakpoints.answer', { id, response })).answered);
}

/** At (re)connect: an engine without breakpoints leaves the Paused tab empty rather than raising an alert on every connect. */
export async function loadPaused(): Promise<void> {
  try {
    actions.setPaused(await liveApi().call('breakpoints.list', {}));
  } catch {
    actions.setPaused([]);
  }
}
