// The engine's traffic service: the capture store, plus replays sent back through the
// proxy itself so they are routed, forwarded and captured like any other request.
import http from 'node:http';
import type { ExchangeSummary, ReplayEdits } from '../shared/traffic.js';
import { buildReplayRequest } from './capture/replay.js';
import type { TrafficStore } from './capture/index.js';
import type { TrafficPersistence } from './capture/persistence.js';
import { EngineError, invalidFieldError } from './engine-error.js';
import { EXCHANGE_ID_HEADER, REPLAY_HEADER } from './proxy/headers/markers.js';
import type { TrafficService } from './traffic-service.js';

const REPLAY_TIMEOUT_MS = 120_000;

export function createTrafficService(store: TrafficStore, proxyPort: () => number, persistence: TrafficPersistence | null = null): TrafficService {
  return {
    list: (limit) => store.list(limit),
    get: (id) => store.get(id),
    body: (id, which, decode, original) => store.body(id, which, decode, original === true),
    pin: (id, pinned) => store.pin(id, pinned),
    clear: () => store.clear(),
    toHar: (ids) => store.toHar(ids),
    replay: (id, edits) => replay(store, proxyPort(), id, edits),
    importHar: (har) => store.importHar(har),
    stats: () => store.stats(),
    configureProject: (project, settings) => void persistence?.configure(project, settings),
    forgetProject: (project) => persistence?.forget(project),
  };
}

async function replay(store: TrafficStore, port: number, id: number, edits: ReplayEdits): Promise<ExchangeSummary> {
  const original = store.get(id);
  if (original === undefined) throw new EngineError('not_found', `no captured exchange with id ${id}`);
  const captured = store.body(id, 'request', false);
  const built = buildReplayRequest(
    original,
    captured === undefined ? null : { bytes: Buffer.from(captured.base64, 'base64'), truncated: captured.truncated },
    edits,
  );
  if ('error' in built) throw invalidFieldError(built);

  const raw: string[] = [];
  for (const [name, value] of built.headers) raw.push(name, value);
  raw.push(REPLAY_HEADER, String(id));
  const startedAt = Date.now();
  const newId = await new Promise<number | null>((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, method: built.method, path: built.path, headers: raw, agent: false, setHost: false });
    req.setTimeout(REPLAY_TIMEOUT_MS, () => req.destroy(new Error(`no response within ${REPLAY_TIMEOUT_MS / 1000}s`)));
    req.on('response', (res) => {
      const header = res.headers[EXCHANGE_ID_HEADER];
      // Drain: the proxy captures the body; completion is what we wait for.
      res.resume();
      res.on('end', () => resolve(typeof header === 'string' ? Number(header) : null));
      res.on('error', () => resolve(typeof header === 'string' ? Number(header) : null));
    });
    req.on('error', (err) => reject(new EngineError('internal', `replay failed: ${err.message}`)));
    req.end(built.body);
  });
  const found =
    (newId !== null ? store.summary(newId) : undefined) ??
    store
      .list()
      .reverse()
      .find((s) => s.replayOf === id && s.start >= startedAt - 1);
  if (found === undefined) throw new EngineError('internal', 'the replay was sent but its exchange was not captured (is capture off?)');
  return found;
}
