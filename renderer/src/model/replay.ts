import type { ExchangeSummary } from '../../../shared/traffic.js';

/** A WebSocket is a connection, not a request: the engine refuses to replay it, so the UI does not offer it. */
export function canReplay(exchange: Pick<ExchangeSummary, 'kind'>, readOnly: boolean): boolean {
  return !readOnly && exchange.kind !== 'websocket';
}
