// One function per workload: run it against one target, return named numbers.
// Every step is bounded: wrk/h2load get a duration and a process timeout, clients a kill timer.
import { execFileSync, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { runWrk, type WrkResult } from './lib.js';
import { readCpuMs, readMemory, resetPeak, runClient, sleep, track, stopChild } from './procs.js';
import { clientScript, type Target } from './targets.js';

export const WORKLOADS = ['h1-small', 'h1-browser', 'h1-64k', 'post-1m', 'h2', 'ws-echo', 'sse', 'latency', 'idle-ws', 'stream', 'profile', 'pageload', 'rules'] as const;
export type WorkloadId = (typeof WORKLOADS)[number];

export interface Sizes {
  seconds: number;
  latencySeconds: number;
  idleSockets: number;
  streamBytes: number;
  sseClients: number;
}

export type Figures = Record<string, number>;

const POST_SCRIPT = fileURLToPath(new URL('./post-1m.lua', import.meta.url));

/** wrk after a 1 s warm-up (pools, JIT), and the CPU the target's process spent per request, in µs. */
function wrkWithCpu(t: Target, url: string, connections: number, s: Sizes, script?: string): { r: WrkResult; cpuUsPerRequest: number } {
  runWrk(url, { connections: Math.min(connections, 10), seconds: 1, host: t.host, script });
  const cpuBefore = readCpuMs(t.pid);
  const r = runWrk(url, { connections, seconds: s.seconds, host: t.host, script });
  // CPU per request barely depends on what else the machine is doing, unlike req/s.
  return { r, cpuUsPerRequest: ((readCpuMs(t.pid) - cpuBefore) * 1000) / (r.rps * s.seconds) };
}

export function wrkSmall(t: Target, s: Sizes): Figures {
  const { r, cpuUsPerRequest } = wrkWithCpu(t, `${t.base}/`, 50, s);
  return { 'h1-small.rps': r.rps, 'h1-small.p99': r.p99ms, 'h1-small.cpuPerK': cpuUsPerRequest, 'h1-small.errors': r.errors };
}

const BROWSER_HEADERS = fileURLToPath(new URL('./browser-headers.lua', import.meta.url));

/**
 * A page load's requests without the browser: six keep-alive connections (Chromium's HTTP/1.1
 * limit per host), Chromium's request headers for a module, answered with the headers and size
 * of a Vite module. The page load is CPU-bound on two cores, so CPU per request is its figure.
 */
export function wrkBrowser(t: Target, s: Sizes): Figures {
  const { r, cpuUsPerRequest } = wrkWithCpu(t, `${t.base}/module.js`, 6, s, BROWSER_HEADERS);
  return { 'h1-browser.rps': r.rps, 'h1-browser.cpuUs': cpuUsPerRequest, 'h1-browser.errors': r.errors };
}

export function wrk64k(t: Target, s: Sizes): Figures {
  const r = runWrk(`${t.base}/64k`, { connections: 50, seconds: s.seconds, host: t.host });
  return { 'h1-64k.rps': r.rps, 'h1-64k.errors': r.errors };
}

export function wrkPost(t: Target, s: Sizes): Figures {
  const r = runWrk(`${t.base}/upload`, { connections: 50, seconds: s.seconds, host: t.host, script: POST_SCRIPT });
  return { 'post-1m.rps': r.rps, 'post-1m.errors': r.errors };
}

/** h2load: 10 connections × 10 streams over TLS, for `seconds`. */
export function h2(t: Target, s: Sizes): Figures {
  if (t.tls === null) return {};
  const args = ['-c', '10', '-m', '10', '-D', String(s.seconds), '--warm-up-time', '1', `--connect-to=${t.tls.connect}`, t.tls.url];
  const out = execFileSync('h2load', args, { encoding: 'utf8', timeout: (s.seconds + 30) * 1000 });
  return parseH2load(out);
}

export function parseH2load(out: string): Figures {
  const rps = Number(/finished in [\d.]+\w+, ([\d.]+) req\/s/.exec(out)?.[1] ?? NaN);
  const m = /requests: \d+ total, \d+ started, \d+ done, (\d+) succeeded, (\d+) failed, (\d+) errored/.exec(out);
  const failed = m === null ? NaN : Number(m[2]) + Number(m[3]);
  // h2load counts non-2xx as "succeeded" too; the status line tells them apart.
  const status = /status codes: (\d+) 2xx, (\d+) 3xx, (\d+) 4xx, (\d+) 5xx/.exec(out);
  const bad = status === null ? 0 : Number(status[3]) + Number(status[4]);
  const protocol = /Application protocol: (\S+)/.exec(out)?.[1];
  return { 'h2.rps': protocol === 'h2' ? rps : NaN, 'h2.errors': failed + bad };
}

const wsUrl = (t: Target): string => `${t.base.replace('http://', 'ws://')}/ws`;

export async function wsEcho(t: Target, s: Sizes): Promise<Figures> {
  const r = await runClient<{ messagesPerSec: number; errors: number }>(
    clientScript('ws-echo.mjs'),
    { URL: wsUrl(t), HOST: t.host, CONNECTIONS: '50', WINDOW: '8', SECONDS: String(s.seconds) },
    (s.seconds + 60) * 1000,
  );
  return { 'ws-echo.mps': r.messagesPerSec, 'ws-echo.errors': r.errors };
}

export async function sse(t: Target, s: Sizes): Promise<Figures> {
  const r = await runClient<{ clients: number; eventsPerSec: number; reachAllP50Ms: number; reachAllP99Ms: number; errors: number }>(
    clientScript('sse-fanout.mjs'),
    {
      URL: `${t.base}/sse`,
      HOST: t.host,
      PUBLISH: `http://127.0.0.1:${t.upstream.port}/sse/publish`,
      CLIENTS: String(s.sseClients),
      SECONDS: String(s.seconds),
    },
    (s.seconds + 90) * 1000,
  );
  return {
    'sse.eps': r.clients === s.sseClients ? r.eventsPerSec : NaN,
    'sse.p50': r.reachAllP50Ms,
    'sse.p99': r.reachAllP99Ms,
    'sse.clients': r.clients,
    'sse.errors': r.errors,
  };
}

export interface LatencyFigures {
  p50Ms: number;
  p99Ms: number;
  errors: number;
}

/** Open-loop 1,000 req/s on the 12-byte response, through `base` (a proxy or the upstream itself). */
export async function latencyAt1k(base: string, host: string, s: Sizes): Promise<LatencyFigures> {
  const r = await runClient<{ p50Ms: number; p99Ms: number; errors: number }>(
    clientScript('latency.mjs'),
    { URL: `${base}/`, HOST: host, RATE: '1000', SECONDS: String(s.latencySeconds), WARMUP: '1', CONNECTIONS: '32' },
    (s.latencySeconds + 60) * 1000,
  );
  return { p50Ms: r.p50Ms, p99Ms: r.p99Ms, errors: r.errors };
}

/**
 * Opens `idleSockets` WebSockets through the proxy, reads the proxy's RSS while they are held,
 * then checks every one still echoes.
 */
export async function idleWebSockets(t: Target, s: Sizes): Promise<Figures> {
  const before = readMemory(t.pid);
  const child = track(
    spawn(process.execPath, [clientScript('idle-ws.mjs')], {
      env: { ...process.env, URL: wsUrl(t), HOST: t.host, COUNT: String(s.idleSockets), BATCH: '250' },
      stdio: ['pipe', 'pipe', 'pipe'],
    }),
  );
  const killTimer = setTimeout(() => child.kill('SIGKILL'), 180_000);
  let stderr = '';
  child.stderr?.on('data', (c: Buffer) => (stderr = (stderr + c.toString()).slice(-2000)));
  const lines = createInterface({ input: child.stdout! });
  const results: Record<string, number | string>[] = [];
  try {
    for await (const line of lines) {
      const parsed = JSON.parse(line) as Record<string, number | string>;
      results.push(parsed);
      if (results.length === 1) {
        // Let the proxy settle (GC, buffers) before reading what it holds.
        await sleep(1500);
        const held = readMemory(t.pid);
        parsed.rssMiB = held?.rssMiB ?? NaN;
        child.stdin?.write('verify\n');
      } else break;
    }
  } finally {
    clearTimeout(killTimer);
    await stopChild(child, 'SIGTERM', 3000);
  }
  const opened = results[0];
  const verified = results[1];
  if (opened === undefined) throw new Error(`idle-ws client gave no result: ${stderr}`);
  const heldCount = Number(opened.held);
  const echoed = Number(verified?.echoed ?? 0);
  return {
    'idle-ws.held': Math.min(heldCount, echoed),
    'idle-ws.rss': Number(opened.rssMiB),
    'idle-ws.rssGrowth': Number(opened.rssMiB) - (before?.rssMiB ?? NaN),
    'idle-ws.errors': Number(opened.errors),
  };
}

/**
 * 1 GiB up, then 1 GiB down. Growth = the proxy's peak RSS during the transfer minus its RSS just
 * before (VmHWM reset per step where the kernel allows; else the peak since start, which can only overstate).
 */
export async function streams(t: Target, s: Sizes): Promise<Figures> {
  const figures: Figures = {};
  for (const mode of ['upload', 'download'] as const) {
    await sleep(500);
    resetPeak(t.pid);
    const before = readMemory(t.pid);
    const r = await runClient<{ mibPerSec: number; ok: boolean }>(
      clientScript('stream.mjs'),
      { URL: t.base, HOST: t.host, MODE: mode, BYTES: String(s.streamBytes) },
      300_000,
    );
    const after = readMemory(t.pid);
    const key = mode === 'upload' ? 'up' : 'down';
    figures[`stream.${key}.growth`] = before !== null && after !== null ? Math.max(0, after.hwmMiB - before.rssMiB) : NaN;
    figures[`stream.${key}.mibps`] = r.ok ? r.mibPerSec : NaN;
    figures[`stream.${key}.errors`] = r.ok ? 0 : 1;
  }
  return figures;
}
