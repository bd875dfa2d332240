// The page-load workload: a Vite dev server with 1,000 ES modules, loaded in Chromium straight
// from Vite and through locald and Caddy, over HTTP/1.1 and HTTP/2 (TLS). One Vite process serves
// every variant: it is locald's service, and direct and Caddy use its port, so the only
// difference between variants is the proxy and the protocol.
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { pageloadCaddyfile, viteLocaldToml } from './configs.js';
import { freePort } from './lib.js';
import { accepts, cpuByPid, cpuSince, descendants, readCpuMs, readMachineBusyMs, readParents, sleep, startProcess, stopChild, type Started } from './procs.js';
import { VARIANT_LABELS, pageloadApp, type LoadSample, type PageloadResult, type PageloadVariant } from './pageload-app.js';
import { REPO, installed, makeCert, peerScript, runCaddy } from './targets.js';

export interface PageloadOptions {
  work: string;
  loads: number;
  /** Unmeasured loads of each variant first (interleaved), until Vite's and the proxies' JIT settle. */
  warmups: number;
  modules: number;
  /** Extra node flags for the locald process (e.g. --cpu-prof). */
  localdNodeArgs?: string[];
  /** Load only these variants (all by default). */
  only?: PageloadVariant[];
  /** Called once the warm-up loads are done, before the measured ones (to attach a profiler). */
  onMeasuring?(localdPid: number): void;
  log(line: string): void;
}

export const CHROMIUM = '/usr/bin/chromium';
// The brief's flags, plus a resolver rule so bench.localhost is 127.0.0.1 without a ::1 attempt.
const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--host-resolver-rules=MAP bench.localhost 127.0.0.1',
];

interface Running {
  variants: Map<PageloadVariant, string>;
  /** The proxy process behind each variant, whose CPU time per load is reported. */
  proxyPids: Map<PageloadVariant, number>;
  /** The locald whose child processes (Vite and its esbuild) serve each variant. */
  serviceParents: Map<PageloadVariant, number>;
  /** Every server process, so the bench's other children are the browser's. */
  serverPids: number[];
  localdPid: number;
  stop(): Promise<void>;
}

interface LocaldWithVite {
  started: Started;
  port: number;
  vitePort: number;
}

/** `locald up` on a generated copy of the app whose one service is Vite; waits until Vite listens. */
async function startLocaldWithVite(opts: PageloadOptions, dir: string, capture: boolean, onStarted: (s: Started) => void): Promise<LocaldWithVite> {
  for (const [file, text] of pageloadApp(opts.modules)) {
    const path = join(dir, 'project', 'app', file);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, text);
  }
  const vitePort = await freePort();
  const port = await freePort();
  writeFileSync(
    join(dir, 'project', 'locald.toml'),
    viteLocaldToml({ nodePath: process.execPath, viteScript: join(REPO, 'node_modules', 'vite', 'bin', 'vite.js'), port: vitePort }),
  );
  const started = await startProcess(
    `locald (page load, capture ${capture ? 'on' : 'off'})`,
    process.execPath,
    [...(capture ? (opts.localdNodeArgs ?? []) : []), join(REPO, 'bin', 'locald.js'), 'up', join(dir, 'project'), '--http-port', String(port), '--home', join(dir, 'home')],
    { env: { NO_COLOR: '1', LOCALD_CAPTURE: capture ? '1' : '0' }, cwd: dir, readyText: 'bench is running', readyPort: port, deadlineMs: 60_000 },
  );
  onStarted(started);
  const deadline = Date.now() + 30_000;
  while (!(await accepts(vitePort))) {
    if (Date.now() > deadline) throw new Error("Vite (locald's service) did not listen");
    await sleep(100);
  }
  return { started, port, vitePort };
}

async function startServers(opts: PageloadOptions, unavailable: Map<PageloadVariant, string>): Promise<Running> {
  const dir = join(opts.work, 'pageload');
  const localds: Started[] = [];
  let caddy: Started | null = null;
  let plainNode: Started | null = null;
  const stop = async (): Promise<void> => {
    if (caddy !== null) await stopChild(caddy.child, 'SIGTERM', 5000);
    if (plainNode !== null) await stopChild(plainNode.child, 'SIGTERM', 5000);
    // SIGINT: locald stops Vite (its service) and exits normally, which is when --cpu-prof writes.
    await Promise.all(localds.map((l) => stopChild(l.child, 'SIGINT', 15_000)));
  };
  try {
    // locald as `locald up` runs it by default (capture on), and one with capture off for the A/B.
    const main = await startLocaldWithVite(opts, join(dir, 'capture-on'), true, (s) => localds.push(s));
    const vitePort = main.vitePort;
    const port = main.port;
    const variants = new Map<PageloadVariant, string>([
      ['direct', `http://127.0.0.1:${vitePort}/`],
      ['locald-h1', `http://bench.localhost:${port}/`],
      ['locald-h2', `https://bench.localhost:${port}/`],
    ]);
    const pidOf = (s: Started): number => s.child.pid ?? 0;
    const proxyPids = new Map<PageloadVariant, number>([
      ['locald-h1', pidOf(main.started)],
      ['locald-h2', pidOf(main.started)],
    ]);
    const serviceParents = new Map<PageloadVariant, number>();
    if (opts.only === undefined || opts.only.includes('locald-nocapture-h1')) {
      const off = await startLocaldWithVite(opts, join(dir, 'capture-off'), false, (s) => localds.push(s));
      variants.set('locald-nocapture-h1', `http://bench.localhost:${off.port}/`);
      proxyPids.set('locald-nocapture-h1', pidOf(off.started));
      serviceParents.set('locald-nocapture-h1', pidOf(off.started));
    }
    if (opts.only === undefined || opts.only.includes('node-h1')) {
      // The smallest node:http proxy (no routing, headers or capture): what node:http itself costs.
      const nodePort = await freePort();
      plainNode = await startProcess('plain node proxy (page load)', process.execPath, [peerScript('plain-node-proxy.mjs')], {
        env: { PORT: String(nodePort), TARGET_PORT: String(vitePort) },
        readyText: 'proxy ready',
      });
      variants.set('node-h1', `http://bench.localhost:${nodePort}/`);
      proxyPids.set('node-h1', pidOf(plainNode));
    }
    if (installed('caddy')) {
      const caddyDir = join(dir, 'caddy');
      mkdirSync(caddyDir, { recursive: true });
      const httpPort = await freePort();
      const tlsPort = await freePort();
      const config = join(caddyDir, 'Caddyfile');
      writeFileSync(config, pageloadCaddyfile({ httpPort, tlsPort, upstreamPort: vitePort, ...makeCert(opts.work) }));
      caddy = await runCaddy('caddy (page load)', caddyDir, config, httpPort);
      variants.set('caddy-h1', `http://bench.localhost:${httpPort}/`);
      variants.set('caddy-h2', `https://bench.localhost:${tlsPort}/`);
      proxyPids.set('caddy-h1', pidOf(caddy));
      proxyPids.set('caddy-h2', pidOf(caddy));
    } else {
      unavailable.set('caddy-h1', 'caddy is not installed');
      unavailable.set('caddy-h2', 'caddy is not installed');
    }
    for (const v of variants.keys()) if (!serviceParents.has(v)) serviceParents.set(v, pidOf(main.started));
    const serverPids = [...localds, ...(plainNode === null ? [] : [plainNode]), ...(caddy === null ? [] : [caddy])].map(pidOf);
    return { variants, proxyPids, serviceParents, serverPids, localdPid: pidOf(main.started), stop };
  } catch (err) {
    await stop();
    throw err;
  }
}

// Evaluated in the page (strings: this file is type-checked without the DOM library).
const DONE = 'window.__done !== undefined';
const TIMINGS = `(() => {
  const nav = performance.getEntriesByType('navigation')[0];
  return { loadMs: nav.loadEventStart, doneMs: window.__done, protocol: nav.nextHopProtocol };
})()`;

/** The processes whose CPU a load reports apart: the proxy, the service (Vite), the browser. */
interface Watched {
  proxyPid: number | undefined;
  /** The service's and the browser's processes now, from one scan of /proc. */
  pids(): { service: number[]; browser: number[] };
}

function watched(running: Running, variant: PageloadVariant): Watched {
  const serviceParent = running.serviceParents.get(variant) ?? running.localdPid;
  return {
    proxyPid: running.proxyPids.get(variant),
    pids: () => {
      const parents = readParents();
      const servers = new Set(running.serverPids.flatMap((pid) => descendants(parents, pid)));
      return {
        service: descendants(parents, serviceParent).filter((pid) => pid !== serviceParent),
        browser: descendants(parents, process.pid).filter((pid) => pid !== process.pid && !servers.has(pid)),
      };
    },
  };
}

/** One load in a fresh browser context (empty cache, no open connections). */
async function loadOnce(browser: Browser, url: string, w: Watched): Promise<LoadSample> {
  const proxyPid = w.proxyPid;
  // locald's certificates come from its own CA and Caddy's is self-signed: neither is in
  // Chromium's store, so the context ignores certificate errors (TLS is still negotiated).
  const context = await browser.newContext({ ignoreHTTPSErrors: true });
  try {
    const page = await context.newPage();
    const cpuBefore = proxyPid === undefined ? NaN : readCpuMs(proxyPid);
    const before = w.pids();
    const serviceBefore = cpuByPid(before.service);
    const browserBefore = cpuByPid(before.browser);
    const machineBefore = readMachineBusyMs();
    await page.goto(url, { waitUntil: 'load', timeout: 60_000 });
    await page.waitForFunction(DONE, null, { timeout: 60_000 });
    const proxyCpuMs = proxyPid === undefined ? NaN : readCpuMs(proxyPid) - cpuBefore;
    const machineCpuMs = readMachineBusyMs() - machineBefore;
    const after = w.pids();
    const serviceCpuMs = cpuSince(serviceBefore, cpuByPid(after.service));
    const browserCpuMs = cpuSince(browserBefore, cpuByPid(after.browser));
    const timings = (await page.evaluate(TIMINGS)) as Pick<LoadSample, 'loadMs' | 'doneMs' | 'protocol'>;
    return { ...timings, proxyCpuMs, serviceCpuMs, browserCpuMs, machineCpuMs };
  } finally {
    await context.close();
  }
}

export async function pageLoad(opts: PageloadOptions): Promise<PageloadResult> {
  const unavailable = new Map<PageloadVariant, string>();
  const samples = new Map<PageloadVariant, LoadSample[]>();
  const running = await startServers(opts, unavailable);
  let browser: Browser | null = null;
  const loadAverage: [number, number] = [NaN, NaN];
  try {
    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS });
    const live = [...running.variants].filter(([v]) => opts.only === undefined || opts.only.includes(v));
    // Warm-up loads: Vite transforms every module once, pools fill, and the JIT tiers up. One
    // is not enough: locald's CPU per load still falls by half over the next four (V8 keeps
    // compiling hot functions with TurboFan; see docs/benchmarks.md, "Whose CPU a load is, and warm-up").
    for (let round = 0; round < opts.warmups; round++) {
      for (const [variant, url] of live) {
        if (unavailable.has(variant)) continue;
        try {
          const s = await loadOnce(browser, url, watched(running, variant));
          opts.log(`page load: warm-up ${round + 1}/${opts.warmups} ${VARIANT_LABELS[variant]}: load ${Math.round(s.loadMs)} ms, done ${Math.round(s.doneMs)} ms, ${s.protocol}, proxy CPU ${Math.round(s.proxyCpuMs)} ms`);
        } catch (err) {
          unavailable.set(variant, (err as Error).message.split('\n')[0] ?? 'failed');
          opts.log(`page load: ${VARIANT_LABELS[variant]} unavailable: ${(err as Error).message}`);
        }
      }
    }
    const measured = live.filter(([v]) => !unavailable.has(v));
    loadAverage[0] = loadavg()[0] ?? NaN;
    opts.onMeasuring?.(running.localdPid);
    // Interleaved, rotating the order each round, so drift on a shared machine hits every variant alike.
    for (let round = 0; round < opts.loads; round++) {
      for (let i = 0; i < measured.length; i++) {
        const [variant, url] = measured[(i + round) % measured.length] as [PageloadVariant, string];
        try {
          const s = await loadOnce(browser, url, watched(running, variant));
          samples.set(variant, [...(samples.get(variant) ?? []), s]);
          opts.log(`page load ${round + 1}/${opts.loads} ${VARIANT_LABELS[variant]}: load ${Math.round(s.loadMs)} ms, done ${Math.round(s.doneMs)} ms, ${s.protocol}, proxy CPU ${Math.round(s.proxyCpuMs)} ms, Vite ${Math.round(s.serviceCpuMs)} ms, browser ${Math.round(s.browserCpuMs)} ms, machine CPU ${Math.round(s.machineCpuMs)} ms`);
        } catch (err) {
          opts.log(`page load ${round + 1}/${opts.loads} ${VARIANT_LABELS[variant]} failed: ${(err as Error).message.split('\n')[0]}`);
        }
      }
    }
    loadAverage[1] = loadavg()[0] ?? NaN;
  } finally {
    await browser?.close().catch(() => {});
    await running.stop();
  }
  return { samples, unavailable, loads: opts.loads, warmups: opts.warmups, modules: opts.modules, localdPid: running.localdPid, loadAverage, cores: cpus().length };
}
