// A live exchange the engine no longer holds. The list only shows what capture sent, so a
// not_found for one of its rows means capture evicted it (its traffic.evicted may still be
// on the way): said as such, not as a bare engine error.
import { EngineCallError } from '../../../shared/wire-client.js';
import { droppedExchangeText } from '../format/capture-stats.js';

export class ExchangeDroppedError extends Error {
  constructor(readonly id: number) {
    super(droppedExchangeText(id));
    this.name = 'ExchangeDroppedError';
  }
}

/** The error a details or body fetch of exchange `id` should surface. */
export function explainFetchError(id: number, error: unknown): unknown {
  return error instanceof EngineCallError && error.code === 'not_found' ? new ExchangeDroppedError(id) : error;
}
