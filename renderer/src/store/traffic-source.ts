// Where details and bodies come from: the engine for live traffic (fetched on demand,
// a few kept), or the imported HAR session held in memory.
import type { BodyContent, ExchangeDetail } from '../../../shared/traffic.js';
import { LruMap } from '../../../shared/lru.js';
import { explainFetchError } from './exchange-dropped.js';
import { useUi } from './store.js';

const details = new LruMap<number, ExchangeDetail>(32);
const bodies = new LruMap<string, BodyContent>(12);

export function forgetCached(): void {
  details.clear();
  bodies.clear();
}

function live<T>(id: number, call: Promise<T>): Promise<T> {
  return call.catch((e: unknown) => {
    throw explainFetchError(id, e);
  });
}

export async function fetchDetail(id: number, fresh = false): Promise<ExchangeDetail> {
  const { imported, api } = useUi.getState();
  if (imported !== null) {
    const found = imported.byId.get(id);
    if (found === undefined) throw new Error(`exchange #${id} is not in the imported file`);
    return found.detail;
  }
  const cached = fresh ? undefined : details.get(id);
  if (cached !== undefined && cached.state !== 'pending' && cached.state !== 'streaming') return cached;
  if (api === null) throw new Error('not connected to the locald engine');
  const detail = await live(id, api.call('traffic.get', { id }));
  details.set(id, detail);
  return detail;
}

export async function fetchBody(id: number, which: 'request' | 'response'): Promise<BodyContent | null> {
  const { imported, api } = useUi.getState();
  if (imported !== null) {
    const found = imported.byId.get(id);
    return (which === 'request' ? found?.requestBody : found?.responseBody) ?? null;
  }
  const key = `${id}:${which}`;
  const cached = bodies.get(key);
  if (cached !== undefined) return cached;
  if (api === null) throw new Error('not connected to the locald engine');
  const body = await live(id, api.call('traffic.body', { id, which, decode: true }));
  bodies.set(key, body);
  return body;
}
