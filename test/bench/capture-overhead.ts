// What capture costs the proxy's data path per exchange: begin + forwarding + response headers
// + 3 body chunks + end, for 100k exchanges, against the default limits (so the ring fills and
// evicts). Not part of npm test.
//   npx tsx test/bench/capture-overhead.ts [--exchanges 100000] [--chunk 4096] [--rounds 3]
import { TrafficStore } from '../../engine/capture/store.js';

const arg = (name: string, fallback: number): number => {
  const i = process.argv.indexOf(`--${name}`);
  return i === -1 ? fallback : Number(process.argv[i + 1]);
};
const exchanges = arg('exchanges', 100_000);
const chunkSize = arg('chunk', 4096);
const rounds = arg('rounds', 3);

const requestHeaders = [
  'Host', 'shop.localhost:7700',
  'User-Agent', 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0 Safari/537.36',
  'Accept', 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8',
  'Accept-Encoding', 'gzip, deflate, br, zstd',
  'Accept-Language', 'en-US,en;q=0.9',
  'Cookie', 'sid=0123456789abcdef; theme=dark',
];
const forwardedHeaders = [...requestHeaders, 'X-Forwarded-For', '127.0.0.1', 'X-Forwarded-Proto', 'http', 'Via', '1.1 locald-bench'];
const responseHeaders = ['Content-Type', 'text/html; charset=utf-8', 'Content-Length', String(chunkSize * 3), 'Cache-Control', 'no-cache', 'Date', new Date().toUTCString()];
const chunk = Buffer.alloc(chunkSize, 'a');
const sseEvent = 'event: tick\ndata: {"n":1,"text":"hello"}\nid: 42\n\n';
const sseEventsPerChunk = Math.max(1, Math.floor(chunkSize / sseEvent.length));
const sseChunk = Buffer.from(sseEvent.repeat(sseEventsPerChunk));

type Scenario = 'off' | 'http' | 'sse';

function run(scenario: Scenario): { nsPerExchange: number; heapMiB: number; kept: number } {
  const store = new TrafficStore(undefined, { enabled: scenario !== 'off', onBatch: () => undefined });
  const body = scenario === 'sse' ? sseChunk : chunk;
  const headers = scenario === 'sse' ? ['Content-Type', 'text/event-stream'] : responseHeaders;
  globalThis.gc?.();
  const heapBefore = process.memoryUsage().heapUsed;
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < exchanges; i++) {
    const rec = store.begin({ clientProtocol: 'http/1.1', method: 'GET', host: 'shop.localhost:7700', url: '/index.html', requestHeaders, clientAddress: '127.0.0.1', project: 'shop', service: 'web', route: '/' });
    rec.forwarded('/index.html', forwardedHeaders, 'http/1.1');
    rec.upstreamConnected('127.0.0.1:5173');
    rec.requestSent();
    rec.response(200, headers, headers);
    rec.responseChunk(body);
    rec.responseChunk(body);
    rec.responseChunk(body);
    rec.end();
  }
  const elapsed = Number(process.hrtime.bigint() - t0);
  const heapMiB = (process.memoryUsage().heapUsed - heapBefore) / 1024 / 1024;
  const kept = store.size;
  store.close();
  return { nsPerExchange: elapsed / exchanges, heapMiB, kept };
}

console.log(`capture overhead: ${exchanges} exchanges × (begin + headers + 3 × ${chunkSize} B + end), Node ${process.version}`);
console.log('(default limits: once 256 MiB are held, every new body makes the oldest drop theirs; numbers include GC)');
for (const scenario of ['off', 'http', 'sse'] as const) {
  const results = Array.from({ length: rounds }, () => run(scenario));
  const best = Math.min(...results.map((r) => r.nsPerExchange));
  const last = results.at(-1);
  console.log(
    `${scenario.padEnd(5)} best ${Math.round(best).toString().padStart(6)} ns/exchange` +
      `  (rounds: ${results.map((r) => Math.round(r.nsPerExchange)).join(', ')}; kept ${last?.kept ?? 0}, heap +${(last?.heapMiB ?? 0).toFixed(0)} MiB)` +
      (scenario === 'sse' ? `  = ${Math.round(best / (3 * sseEventsPerChunk))} ns per SSE event` : ''),
  );
}
