// Inspector responsiveness under load (not part of `npm test`): serves the built renderer
// with a synthetic engine over a real WebSocket that pushes `traffic.batch` events at
// 2,000 exchanges/s up to 100k, drives Chromium, and reports long tasks and frame times
// during ingest and while scrolling through every row. The synthetic engine is here only
// to measure the UI; e2e tests use the real engine.
//   npx tsx test/bench/ui-ingest.ts [--total 100000] [--rate 2000]
import { mkdtempSync, readFileSync, rmSync, existsSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { extname, join, normalize } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { WebSocketServer } from 'ws';
import type { WireMessage } from '../../shared/api.js';
import type { ExchangeDetail, ExchangeSummary } from '../../shared/traffic.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const staticDir = join(root, 'dist/renderer');
const arg = (name: string, fallback: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i === -1 ? fallback : Number(process.argv[i + 1]);
};
const TOTAL = arg('total', 100_000);
const RATE = arg('rate', 2_000);
const TICK_MS = 50;
/** --profile: print the functions with the most self time during ingest (build with --minify false for names). */
const PROFILE = process.argv.includes('--profile');

interface CpuProfile {
  nodes: { id: number; callFrame: { functionName: string; url: string; lineNumber: number } }[];
  samples: number[];
  timeDeltas: number[];
}

function printProfile(profile: CpuProfile): void {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const self = new Map<string, number>();
  profile.samples.forEach((id, i) => {
    const frame = byId.get(id)?.callFrame;
    if (frame === undefined) return;
    const key = `${frame.functionName || '(anonymous)'} ${frame.url.split('/').pop() ?? ''}:${frame.lineNumber + 1}`;
    self.set(key, (self.get(key) ?? 0) + (profile.timeDeltas[i] ?? 0) / 1000);
  });
  console.log('self time during ingest:');
  for (const [key, ms] of [...self.entries()].sort((a, b) => b[1] - a[1]).slice(0, 20)) console.log(`${ms.toFixed(0).padStart(7)} ms  ${key}`);
}

if (!existsSync(join(staticDir, 'index.html'))) {
  console.error('dist/renderer is missing: build the renderer first (vite build -c renderer/vite.config.ts)');
  process.exit(1);
}

const methods = ['GET', 'GET', 'GET', 'POST', 'PUT', 'DELETE'];
const services = ['web', 'api', 'auth', 'live'];
function synthetic(id: number): ExchangeSummary {
  const status = id % 97 === 0 ? 502 : id % 13 === 0 ? 404 : 200;
  const service = services[id % services.length] ?? 'api';
  return {
    id,
    replayOf: null,
    project: id % 5 === 0 ? 'blog' : 'shop',
    service,
    route: `/${service}`,
    kind: id % 50 === 0 ? 'websocket' : 'http',
    clientProtocol: id % 3 === 0 ? 'h2' : 'http/1.1',
    upstreamProtocol: 'http/1.1',
    method: methods[id % methods.length] ?? 'GET',
    host: 'shop.localhost:7700',
    url: `/${service}/items/${id}?page=${id % 40}`,
    forwardedUrl: `/items/${id}`,
    status,
    state: status === 502 ? 'error' : 'complete',
    start: Date.now(),
    duration: (id * 7) % 900,
    requestSize: id % 4 === 0 ? 512 : 0,
    responseSize: (id * 131) % 200_000,
    messageCount: 0,
    error: status === 502 ? { code: 'connection_refused', title: `Service '${service}' is not listening`, detail: 'connect ECONNREFUSED 127.0.0.1:4000' } : null,
    pinned: false,
    contentType: 'application/json',
  };
}

const MIME: Record<string, string> = { '.html': 'text/html', '.js': 'text/javascript', '.css': 'text/css', '.map': 'application/json' };
const server = createServer((req, res) => {
  const path = normalize(decodeURIComponent((req.url ?? '/').split('?')[0] ?? '/')).replace(/^(\.\.[/\\])+/, '');
  const file = join(staticDir, path === '/' ? 'index.html' : path);
  if (!file.startsWith(staticDir) || !existsSync(file)) {
    res.writeHead(404).end();
    return;
  }
  res.writeHead(200, { 'content-type': MIME[extname(file)] ?? 'application/octet-stream', 'content-security-policy': "script-src 'self'" });
  res.end(readFileSync(file));
});

let ingestStarted: (() => void) | null = null;
const ingestStart = new Promise<void>((resolve) => (ingestStarted = resolve));
let pushed = 0;
let pushing: Promise<void> = Promise.resolve();

const wss = new WebSocketServer({ server, path: '/api/ws' });
wss.on('connection', (ws) => {
  const send = (m: WireMessage) => ws.send(JSON.stringify(m));
  ws.on('message', (data) => {
    const req = JSON.parse(data.toString()) as { id: number; method: string; params: { id?: number } };
    const reply = (result: unknown) => send({ type: 'response', id: req.id, ok: true, result });
    switch (req.method) {
      case 'projects.list':
        return reply([]);
      case 'traffic.list':
        reply([]);
        ingestStarted?.();
        return;
      case 'traffic.get': {
        const s = synthetic(req.params.id ?? 1);
        const detail: ExchangeDetail = {
          ...s,
          requestHeaders: [['host', s.host]],
          forwardedRequestHeaders: [['host', s.host]],
          responseHeaders: [['content-type', 'application/json']],
          forwardedResponseHeaders: [['content-type', 'application/json']],
          requestTrailers: [],
          responseTrailers: [],
          timings: { start: s.start, upstreamConnected: 1, requestSent: 2, firstByte: 5, end: 8 },
          requestBody: { size: 0, captured: 0, truncated: false, dropped: false },
          responseBody: { size: 0, captured: 0, truncated: false, dropped: false },
          websocketMessages: [],
          sseEvents: [],
          grpcFrames: [],
          logLines: [],
          upstreamAddress: '127.0.0.1:4000',
          clientAddress: '127.0.0.1:50000',
        };
        return reply(detail);
      }
      default:
        return send({ type: 'response', id: req.id, ok: false, error: { code: 'unknown_method', message: `synthetic engine: ${req.method}` } });
    }
  });
  pushing = ingestStart.then(
    () =>
      new Promise<void>((resolve) => {
        const perTick = Math.max(1, Math.round((RATE * TICK_MS) / 1000));
        const started = Date.now();
        const timer = setInterval(() => {
          // Catch up to the schedule so the rate holds even when a tick is late.
          const due = Math.min(TOTAL, Math.round(((Date.now() - started) / 1000) * RATE) + perTick);
          const batch: ExchangeSummary[] = [];
          while (pushed < due) batch.push(synthetic(++pushed));
          if (batch.length > 0) send({ type: 'event', event: 'traffic.batch', data: batch });
          if (pushed >= TOTAL) {
            clearInterval(timer);
            resolve();
          }
        }, TICK_MS);
      }),
  );
});

const MEASURE = `
  window.__bench = { phase: 'load', frames: [], longtasks: [] };
  new PerformanceObserver((list) => {
    for (const e of list.getEntries()) window.__bench.longtasks.push({ phase: window.__bench.phase, duration: e.duration });
  }).observe({ type: 'longtask', buffered: true });
  let last = performance.now();
  const loop = (t) => { window.__bench.frames.push({ phase: window.__bench.phase, dt: t - last }); last = t; requestAnimationFrame(loop); };
  requestAnimationFrame(loop);
`;

const SCROLL = `new Promise((resolve) => {
  const el = document.querySelector('.traffic-scroller');
  el.scrollTop = 0;
  const step = 24 * 150;
  const tick = () => {
    el.scrollTop += step;
    if (el.scrollTop + el.clientHeight >= el.scrollHeight - 1) return resolve(el.scrollHeight);
    requestAnimationFrame(tick);
  };
  requestAnimationFrame(tick);
})`;

interface Stat {
  phase: string;
  frames: number;
  meanMs: number;
  p50: number;
  p95: number;
  p99: number;
  maxMs: number;
  over50: number;
  longTasks: number;
  longTaskMs: number;
  maxLongTask: number;
}

function stats(phase: string, frames: number[], longtasks: number[]): Stat {
  const sorted = [...frames].sort((a, b) => a - b);
  const q = (p: number) => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? 0;
  const r = (n: number) => Math.round(n * 10) / 10;
  return {
    phase,
    frames: frames.length,
    meanMs: r(frames.reduce((a, b) => a + b, 0) / Math.max(1, frames.length)),
    p50: r(q(0.5)),
    p95: r(q(0.95)),
    p99: r(q(0.99)),
    maxMs: r(sorted[sorted.length - 1] ?? 0),
    over50: frames.filter((f) => f > 50).length,
    longTasks: longtasks.length,
    longTaskMs: r(longtasks.reduce((a, b) => a + b, 0)),
    maxLongTask: r(Math.max(0, ...longtasks)),
  };
}

async function main(): Promise<void> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  const userDataDir = mkdtempSync(join(tmpdir(), 'locald-bench-chromium-'));
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: '/usr/bin/chromium',
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    viewport: { width: 1440, height: 900 },
  });
  try {
    const page = context.pages()[0] ?? (await context.newPage());
    await page.addInitScript(MEASURE);
    await page.goto(url);
    await ingestStart;
    await page.evaluate("window.__bench.phase = 'ingest'");
    const t0 = Date.now();
    const cdp = PROFILE ? await context.newCDPSession(page) : null;
    if (cdp !== null) {
      await cdp.send('Profiler.enable');
      await cdp.send('Profiler.start');
    }
    await pushing;
    if (cdp !== null) printProfile(((await cdp.send('Profiler.stop')) as { profile: CpuProfile }).profile);
    await page.waitForFunction(`document.querySelector('.match-count')?.textContent?.startsWith(${JSON.stringify(TOTAL.toLocaleString('en-US'))})`, undefined, { timeout: 120_000 });
    const ingestSeconds = (Date.now() - t0) / 1000;
    // Clicking a row while idle: the details pane opens on a 100k list.
    await page.evaluate("window.__bench.phase = 'select'");
    await page.locator('.traffic-row').first().click();
    await page.keyboard.press('Enter');
    await page.locator('.details').waitFor();
    await page.keyboard.press('Escape');
    await page.evaluate("window.__bench.phase = 'scroll'");
    await page.evaluate(SCROLL);
    await page.evaluate("window.__bench.phase = 'filter'");
    const input = page.getByRole('combobox', { name: 'Filter traffic' });
    await input.fill('status:5xx');
    await page.waitForFunction(`/ of /.test(document.querySelector('.match-count')?.textContent ?? '')`);
    await page.evaluate("window.__bench.phase = 'done'");
    const bench = (await page.evaluate('window.__bench')) as { frames: { phase: string; dt: number }[]; longtasks: { phase: string; duration: number }[] };
    const rows: Stat[] = ['ingest', 'scroll', 'filter'].map((phase) =>
      stats(
        phase,
        bench.frames.filter((f) => f.phase === phase).map((f) => f.dt),
        bench.longtasks.filter((l) => l.phase === phase).map((l) => l.duration),
      ),
    );
    console.log(`locald inspector: ${TOTAL.toLocaleString('en-US')} exchanges pushed at ${RATE}/s over a real WebSocket; all shown after ${ingestSeconds.toFixed(1)} s`);
    console.table(rows);
    const rendered = await page.locator('.traffic-row').count();
    console.log(`rows in the DOM at the end: ${rendered} (virtualized)`);
  } finally {
    await context.close();
    rmSync(userDataDir, { recursive: true, force: true });
    wss.close();
    server.close();
  }
}

main().catch((e: unknown) => {
  console.error(e);
  process.exitCode = 1;
});
