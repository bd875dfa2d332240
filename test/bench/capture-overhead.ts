// What capture costs the proxy's data path per exchange, with the recorder alone (no sockets).
// Not part of npm test.
//
// `realistic` (the default): exchanges shaped like the proxy's — a fresh ~15-header rawHeaders
// array per request (fresh strings, as Node's parser makes them), the forwarded copy, upstream
// connected, request sent, ~8 response headers and their forwarded copy, one small chunk, end;
// a turn of the event loop every `--flush-every` exchanges (so the batch timer fires as usual).
// The same loop runs with capture off, and the difference is what capture costs. Reported per
// window of exchanges, so cost that grows as the ring fills (default limits: 100k) shows up.
//
// `bulk`: begin + headers + 3 × `--chunk` bytes + end, reusing one header array (the body path).
//
//   npx tsx test/bench/capture-overhead.ts [--exchanges 200000] [--window 20000] [--flush-every 300] [--max-exchanges 100000]
//   npx tsx test/bench/capture-overhead.ts --mode bulk [--exchanges 100000] [--chunk 4096] [--rounds 3]
// Add `node --expose-gc --import tsx` to report retained heap per exchange.
import { PerformanceObserver } from 'node:perf_hooks';
import { TrafficStore } from '../../engine/capture/store.js';
import { DEFAULT_CAPTURE_LIMITS } from '../../shared/traffic.js';

// Main-thread GC pauses, summed: how much of the cost is the collector's.
let gcMs = 0;
new PerformanceObserver((list) => {
  for (const e of list.getEntries()) gcMs += e.duration;
}).observe({ entryTypes: ['gc'] });

const arg = (name: string, fallback: number): number => {
  const i = process.argv.indexOf(`--${name}`);
  return i === -1 ? fallback : Number(process.argv[i + 1]);
};
const textArg = (name: string, fallback: string): string => {
  const i = process.argv.indexOf(`--${name}`);
  return i === -1 ? fallback : (process.argv[i + 1] ?? fallback);
};

// --- realistic ---

const REQUEST_HEADERS: [string, string][] = [
  ['Host', 'shop.localhost:7700'],
  ['Connection', 'keep-alive'],
  ['sec-ch-ua', '"Chromium";v="130", "Google Chrome";v="130", "Not?A_Brand";v="99"'],
  ['sec-ch-ua-mobile', '?0'],
  ['sec-ch-ua-platform', '"Linux"'],
  ['Upgrade-Insecure-Requests', '1'],
  ['User-Agent', 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0 Safari/537.36'],
  ['Accept', 'text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8'],
  ['Sec-Fetch-Site', 'same-origin'],
  ['Sec-Fetch-Mode', 'navigate'],
  ['Sec-Fetch-Dest', 'document'],
  ['Referer', 'http://shop.localhost:7700/'],
  ['Accept-Encoding', 'gzip, deflate, br, zstd'],
  ['Accept-Language', 'en-US,en;q=0.9'],
  ['Cookie', 'sid=0123456789abcdef; theme=dark'],
];
const RESPONSE_HEADERS: [string, string][] = [
  ['X-Powered-By', 'Express'],
  ['Content-Type', 'text/plain; charset=utf-8'],
  ['Content-Length', '12'],
  ['ETag', 'W/"c-Lve95gjOVATpfV8EL5X4nxwjKHE"'],
  ['Cache-Control', 'no-cache'],
  ['Date', new Date().toUTCString()],
  ['Connection', 'keep-alive'],
  ['Keep-Alive', 'timeout=5'],
];

/** Fresh strings from one latin1 buffer, as Node's HTTP parser hands them out per message. */
class FreshHeaders {
  private readonly buf: Buffer;
  private readonly spans: [number, number][] = [];
  constructor(pairs: [string, string][]) {
    const flat = pairs.flat();
    this.buf = Buffer.from(flat.join(''), 'latin1');
    let at = 0;
    for (const s of flat) {
      this.spans.push([at, at + s.length]);
      at += s.length;
    }
  }
  make(): string[] {
    const out: string[] = new Array<string>(this.spans.length);
    for (let i = 0; i < this.spans.length; i++) {
      const [a, b] = this.spans[i] as [number, number];
      out[i] = this.buf.toString('latin1', a, b);
    }
    return out;
  }
}

const freshRequest = new FreshHeaders(REQUEST_HEADERS);
const freshResponse = new FreshHeaders(RESPONSE_HEADERS);
const smallBody = Buffer.from('Hello world\n');

function proxyLikeForwarded(raw: string[]): string[] {
  // What upstreamRequestHeaders() builds: a new array, hop-by-hop dropped, forwarding added.
  const out: string[] = [];
  for (let i = 0; i < raw.length; i += 2) if ((raw[i] as string).toLowerCase() !== 'connection') out.push(raw[i] as string, raw[i + 1] as string);
  out.push('X-Forwarded-For', '127.0.0.1', 'X-Forwarded-Host', 'shop.localhost:7700', 'X-Forwarded-Proto', 'http', 'Via', '1.1 locald');
  return out;
}

function proxyLikeResponse(raw: string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < raw.length; i += 2) {
    const n = (raw[i] as string).toLowerCase();
    if (n !== 'connection' && n !== 'keep-alive') out.push(raw[i] as string, raw[i + 1] as string);
  }
  out.push('Via', '1.1 locald');
  return out;
}

async function realistic(): Promise<void> {
  const exchanges = arg('exchanges', 200_000);
  const window = arg('window', 20_000);
  const flushEvery = arg('flush-every', 300);
  const maxExchanges = arg('max-exchanges', DEFAULT_CAPTURE_LIMITS.maxExchanges);
  const windows = Math.ceil(exchanges / window);

  const runOnce = async (enabled: boolean): Promise<{ ns: number[]; gc: number[]; heapPerExchange: number; kept: number }> => {
    let delivered = 0;
    const store = new TrafficStore({ ...DEFAULT_CAPTURE_LIMITS, maxExchanges }, { enabled, onBatch: (b) => (delivered += b.length) });
    const ns: number[] = [];
    const gc: number[] = [];
    globalThis.gc?.();
    const heapBefore = process.memoryUsage().heapUsed;
    // CPU time of the whole process (GC threads included): on a shared machine it moves far
    // less than wall time, and it is what the proxy benchmark's "CPU per 1k requests" counts.
    let t0 = process.cpuUsage();
    for (let i = 0; i < exchanges; i++) {
      const rawHeaders = freshRequest.make();
      const rec = store.begin({
        kind: 'http',
        clientProtocol: 'http/1.1',
        method: 'GET',
        host: rawHeaders[1] as string,
        url: '/',
        requestHeaders: rawHeaders,
        clientAddress: '127.0.0.1',
        project: 'shop',
        service: 'web',
        route: '/',
        replayOf: null,
      });
      rec.forwarded('/', proxyLikeForwarded(rawHeaders), 'http/1.1');
      rec.upstreamConnected('127.0.0.1:5173');
      rec.requestSent();
      const upRaw = freshResponse.make();
      rec.response(200, upRaw, proxyLikeResponse(upRaw));
      // A slice of a bigger read buffer, as the socket hands it over.
      rec.responseChunk(smallBody.subarray(0, 12));
      rec.end();
      // A turn of the event loop: the batch timer fires when due, GC entries are delivered.
      if ((i + 1) % flushEvery === 0) await new Promise(setImmediate);
      if ((i + 1) % window === 0 || i + 1 === exchanges) {
        await new Promise(setImmediate);
        const t = process.cpuUsage(t0);
        ns.push(((t.user + t.system) * 1000) / ((i % window) + 1));
        gc.push((gcMs * 1e6) / ((i % window) + 1));
        gcMs = 0;
        t0 = process.cpuUsage();
      }
    }
    store.flush();
    globalThis.gc?.();
    const heapPerExchange = (process.memoryUsage().heapUsed - heapBefore) / Math.max(1, store.size);
    const kept = store.size;
    if (process.env.DEBUG_QUEUES) console.log(store.queuedEntries());
    store.close();
    if (enabled && delivered === 0) throw new Error('no batches delivered');
    return { ns, gc, heapPerExchange, kept };
  };

  console.log(`capture overhead (realistic): ${exchanges} exchanges, ${REQUEST_HEADERS.length} request / ${RESPONSE_HEADERS.length} response headers, 12 B body, event loop turn every ${flushEvery}; Node ${process.version}`);
  await runOnce(false); // warm-up: JIT
  const off = await runOnce(false);
  const on = await runOnce(true);
  console.log('CPU ns per exchange (all threads); GC = main-thread GC pauses, ns per exchange\nwindow (exchanges)      off ns   on ns   capture ns/exchange   GC off   GC on');
  for (let w = 0; w < windows; w++) {
    const a = off.ns[w] ?? NaN;
    const b = on.ns[w] ?? NaN;
    const label = `${w * window + 1}-${Math.min(exchanges, (w + 1) * window)}`;
    const gcOff = Math.round(off.gc[w] ?? NaN).toString().padStart(8);
    const gcOn = Math.round(on.gc[w] ?? NaN).toString().padStart(7);
    console.log(`${label.padEnd(22)} ${Math.round(a).toString().padStart(7)} ${Math.round(b).toString().padStart(7)} ${Math.round(b - a).toString().padStart(10)}          ${gcOff} ${gcOn}`);
  }
  const mean = (xs: number[]): number => xs.reduce((s, x) => s + x, 0) / xs.length;
  console.log(`mean capture cost ${Math.round(mean(on.ns) - mean(off.ns))} ns/exchange; kept ${on.kept}` + (globalThis.gc !== undefined ? `, retained ${Math.round(on.heapPerExchange)} B/exchange (heap)` : ''));
}

// --- bulk ---

function bulk(): void {
  const exchanges = arg('exchanges', 100_000);
  const chunkSize = arg('chunk', 4096);
  const rounds = arg('rounds', 3);
  const requestHeaders = REQUEST_HEADERS.flat();
  const forwardedHeaders = proxyLikeForwarded(requestHeaders);
  const responseHeaders = ['Content-Type', 'text/html; charset=utf-8', 'Content-Length', String(chunkSize * 3), 'Cache-Control', 'no-cache', 'Date', new Date().toUTCString()];
  const chunk = Buffer.alloc(chunkSize, 'a');
  const sseEvent = 'event: tick\ndata: {"n":1,"text":"hello"}\nid: 42\n\n';
  const sseEventsPerChunk = Math.max(1, Math.floor(chunkSize / sseEvent.length));
  const sseChunk = Buffer.from(sseEvent.repeat(sseEventsPerChunk));

  type Scenario = 'off' | 'http' | 'sse';
  const run = (scenario: Scenario): { nsPerExchange: number; heapMiB: number; kept: number } => {
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
      if ((i + 1) % 300 === 0) store.flush();
    }
    const elapsed = Number(process.hrtime.bigint() - t0);
    const heapMiB = (process.memoryUsage().heapUsed - heapBefore) / 1024 / 1024;
    const kept = store.size;
    store.close();
    return { nsPerExchange: elapsed / exchanges, heapMiB, kept };
  };

  console.log(`capture overhead (bulk): ${exchanges} exchanges × (begin + headers + 3 × ${chunkSize} B + end), Node ${process.version}`);
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
}

if (textArg('mode', 'realistic') === 'bulk') bulk();
else await realistic();
