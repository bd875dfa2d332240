// Exchange summaries for renderer unit tests.
import type { ExchangeSummary } from '../../shared/traffic.js';

export function summary(id: number, over: Partial<ExchangeSummary> = {}): ExchangeSummary {
  return {
    id,
    replayOf: null,
    project: 'shop',
    service: 'api',
    route: '/api',
    kind: 'http',
    clientProtocol: 'http/1.1',
    upstreamProtocol: 'http/1.1',
    method: 'GET',
    host: 'shop.localhost:7700',
    url: `/api/items/${id}`,
    forwardedUrl: `/items/${id}`,
    status: 200,
    state: 'complete',
    start: 1_700_000_000_000 + id,
    duration: 10,
    requestSize: 0,
    responseSize: 100,
    messageCount: 0,
    error: null,
    pinned: false,
    contentType: 'application/json',
    ...over,
  };
}
