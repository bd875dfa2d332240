// `npm run bench`: locald's proxy side by side with a plain Node proxy, Caddy, nginx and portless,
// all in front of the same upstream program, in one session. Not part of `npm test`.
//   npm run bench                       full run (3 rounds, medians), ~15 min
//   npm run bench -- --quick            1 short round, reduced sizes, ~3 min
//   npm run bench -- --only h1-small,latency --rounds 5 --seconds 8
//   npm run bench -- --only pageload --loads 7   the browser page load alone (Vite, 1,000 modules)
//   npm run bench -- --write-docs       also write the report to docs/benchmarks-run.md
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { summariseProfile, type CpuProfile, type ProfileSummary } from './cpu-profile.js';
import { perfReport, perfWorks, summarisePerfReport, type PerfSummary } from './perf-profile.js';
import { machineLine, runWrk, toolVersion } from './lib.js';
import { installCleanup, raiseFdLimit, sleep, stopAll } from './procs.js';
import { checkTargets, pageloadSection, perfSection, record, profileSection, resultsTable, targetsTable, type Results } from './report.js';
import { pageLoad } from './pageload.js';
import type { PageloadResult } from './pageload-app.js';
import {
  REPO,
  TARGET_LABELS,
  captureToggleExists,
  directTarget,
  installPortless,
  installed,
  startCaddy,
  startLocald,
  startNginx,
  startPlainNode,
  startPortless,
  startUpstream,
  type PortlessInstall,
  type Target,
  type TargetId,
} from './targets.js';
import { rulesCost } from './rules-cost.js';
import { WORKLOADS, h2, idleWebSockets, latencyAt1k, sse, streams, wrk64k, wrkBrowser, wrkPost, wrkSmall, wsEcho, type Sizes, type WorkloadId } from './workloads.js';

const USAGE = `usage: npm run bench -- [--quick] [--only ${WORKLOADS.join(',')}] [--rounds N] [--seconds N] [--loads N] [--warmups N] [--modules N] [--write-docs]`;

interface Options {
  quick: boolean;
  only: Set<WorkloadId>;
  rounds: number;
  sizes: Sizes;
  writeDocs: boolean;
  /** Page loads per variant, warm-up loads before them, and the generated app's module count. */
  loads: number;
  warmups: number;
  modules: number;
  argv: string[];
}

export function parseOptions(argv: string[]): Options {
  const { values } = parseArgs({
    args: argv,
    options: {
      quick: { type: 'boolean', default: false },
      only: { type: 'string' },
      rounds: { type: 'string' },
      seconds: { type: 'string' },
      loads: { type: 'string' },
      warmups: { type: 'string' },
      modules: { type: 'string' },
      'write-docs': { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
    strict: true,
  });
  if (values.help) {
    console.log(USAGE);
    process.exit(0);
  }
  const quick = values.quick;
  const only = new Set<WorkloadId>();
  for (const name of (values.only ?? '').split(',').map((s) => s.trim()).filter((s) => s !== '')) {
    if (!(WORKLOADS as readonly string[]).includes(name)) throw new Error(`--only: unknown workload "${name}"; choose from ${WORKLOADS.join(', ')}`);
    only.add(name as WorkloadId);
  }
  const positive = (flag: string, raw: string | undefined, fallback: number, max = 60): number => {
    if (raw === undefined) return fallback;
    const n = Number(raw);
    if (!Number.isInteger(n) || n < 1 || n > max) throw new Error(`--${flag} must be a whole number from 1 to ${max}, got "${raw}"`);
    return n;
  };
  const seconds = positive('seconds', values.seconds, quick ? 2 : 4);
  return {
    quick,
    only: only.size === 0 ? new Set(WORKLOADS) : only,
    rounds: positive('rounds', values.rounds, quick ? 1 : 3),
    sizes: {
      seconds,
      latencySeconds: quick ? 2 : 3,
      idleSockets: quick ? 2000 : 10_000,
      streamBytes: quick ? 256 * 2 ** 20 : 2 ** 30,
      sseClients: 1000,
    },
    writeDocs: values['write-docs'],
    loads: positive('loads', values.loads, quick ? 3 : 7),
    warmups: positive('warmups', values.warmups, quick ? 1 : 3),
    modules: positive('modules', values.modules, 1000, 20_000),
    argv,
  };
}

const log = (line: string): void => {
  process.stderr.write(`${line}\n`);
};

/** A target that cannot answer GET / with the upstream's body is reported, not benchmarked. */
async function probe(t: Target): Promise<void> {
  const deadline = Date.now() + 15_000;
  let last = '';
  while (Date.now() < deadline) {
    try {
      const body = execFileSync('curl', ['-sS', '--max-time', '3', '-H', `Host: ${t.host}`, `${t.base}/`], { encoding: 'utf8', timeout: 5000 });
      if (body === 'hello world\n') return;
      last = body.slice(0, 200);
    } catch (err) {
      last = (err as Error).message;
    }
    await sleep(200);
  }
  throw new Error(`GET / through it did not return the upstream's answer: ${last}`);
}

async function main(): Promise<void> {
  const opts = parseOptions(process.argv.slice(2));
  const started = Date.now();
  const running: Target[] = [];
  const work = mkdtempSync(join(tmpdir(), 'locald-bench-'));
  const cleanup = async (): Promise<void> => {
    await Promise.all(running.map((t) => t.stop().catch(() => {})));
    await stopAll();
    rmSync(work, { recursive: true, force: true });
  };
  installCleanup(cleanup);
  const notes: string[] = [];
  const fdLimit = raiseFdLimit(65_536);
  // Each proxied WebSocket costs the proxy two descriptors (client side and upstream side).
  if (opts.only.has('idle-ws') && fdLimit < 2 * opts.sizes.idleSockets + 200) {
    notes.push(`Open-files limit here is ${fdLimit} (hard limit; not raisable in this environment), so no single-process proxy can hold ${opts.sizes.idleSockets.toLocaleString('en-US')} proxied WebSockets (2 descriptors each); the idle-WebSocket row shows how many each held.`);
  }
  log(`bench: work dir ${work}, open-files limit ${fdLimit}`);
  log('bench: building the engine (npm run build:engine)…');
  try {
    execFileSync('npm', ['run', '--silent', 'build:engine'], { cwd: REPO, stdio: ['ignore', 'ignore', 'pipe'], timeout: 300_000 });
  } catch (err) {
    // tsc still emits on type errors elsewhere in the tree; a missing dist is what we cannot run without.
    if (!existsSync(join(REPO, 'dist', 'engine', 'cli', 'main.js'))) throw err;
    log('bench: build:engine reported errors; benchmarking the dist/ it produced');
    notes.push('`npm run build:engine` reported type errors in this checkout; the dist/ it emitted was benchmarked.');
  }

  const results: Results = new Map();
  const unavailable = new Map<TargetId, string>();
  let portless: PortlessInstall | null = null;
  let profile: ProfileSummary | PerfSummary | null = null;
  const sel = opts.only;
  const needPeers = [...sel].some((w) => w !== 'profile' && w !== 'pageload' && w !== 'rules');
  let pageload: PageloadResult | null = null;

  try {
    if (needPeers) {
      const upstream = await startUpstream();
      running.push({ ...directTarget(upstream), stop: upstream.stop });
      const tryStart = async (id: TargetId, start: () => Promise<Target>): Promise<void> => {
        try {
          const t = await start();
          running.push(t);
          await probe(t);
          log(`bench: ${TARGET_LABELS[id]} on ${t.base}${t.tls !== null ? `, TLS ${t.tls.connect}` : ''}`);
        } catch (err) {
          unavailable.set(id, (err as Error).message.split('\n')[0] ?? 'failed');
          log(`bench: ${TARGET_LABELS[id]} unavailable: ${(err as Error).message}`);
        }
      };
      await tryStart('locald', () => startLocald({ work, capture: false }));
      if (captureToggleExists()) await tryStart('locald-capture', () => startLocald({ work, capture: true }));
      else unavailable.set('locald-capture', 'n/a (capture not wired yet: no LOCALD_CAPTURE toggle in engine/)');
      await tryStart('node', () => startPlainNode(upstream));
      if (installed('caddy')) await tryStart('caddy', () => startCaddy(work, upstream));
      else unavailable.set('caddy', 'caddy is not installed');
      if (installed('nginx')) await tryStart('nginx', () => startNginx(work, upstream));
      else unavailable.set('nginx', 'nginx is not installed');
      log('bench: installing portless and Node 24 (npm, cached in the temp dir)…');
      const pl = installPortless();
      if ('error' in pl) unavailable.set('portless', pl.error);
      else {
        portless = pl;
        await tryStart('portless', () => startPortless(work, upstream, pl));
      }
      for (const [id, why] of unavailable) notes.push(`${TARGET_LABELS[id]}: ${why}`);
      const targets = running.filter((t) => !unavailable.has(t.id));
      const tlsLess = targets.filter((t) => t.id !== 'direct' && t.tls === null).map((t) => TARGET_LABELS[t.id]);
      if (sel.has('h2') && tlsLess.length > 0) notes.push(`HTTP/2 over TLS n/a for ${tlsLess.join(', ')}: \`curl --http2 -k https://bench.localhost:PORT/\` did not negotiate h2`);

      await throughputRounds(targets, opts, results);
      await memoryRuns(targets, opts, results);
    }
  } finally {
    await Promise.all(running.map((t) => t.stop().catch(() => {})));
    running.length = 0;
  }

  if (sel.has('pageload')) {
    try {
      pageload = await pageLoad({ work, loads: opts.loads, warmups: opts.warmups, modules: opts.modules, log });
    } catch (err) {
      log(`bench: page load failed: ${(err as Error).message}`);
      notes.push(`Page load: not measured (${(err as Error).message.split('\n')[0]})`);
    }
  }

  try {
    if (sel.has('profile')) profile = perfWorks() ? await perfProfileLocald(work, opts.sizes.seconds + 3) : await profileLocald(work, opts.sizes.seconds + 3);
  } finally {
    await stopAll();
  }

  if (sel.has('rules')) notes.push(...(await rulesCost({ seconds: opts.sizes.seconds, rounds: opts.rounds, throttleBytes: opts.quick ? 64 * 2 ** 20 : 2 ** 30 })));
  const report = renderReport(opts, results, unavailable, notes, profile, pageload, portless, Math.round((Date.now() - started) / 1000), fdLimit);
  console.log(report);
  if (opts.writeDocs) {
    // Not docs/benchmarks.md: that one carries the analysis of past runs, written by hand.
    const file = join(REPO, 'docs', 'benchmarks-run.md');
    mkdirSync(join(REPO, 'docs'), { recursive: true });
    writeFileSync(file, report);
    log(`bench: wrote ${file}`);
  }
  rmSync(work, { recursive: true, force: true });
}

async function throughputRounds(targets: Target[], opts: Options, results: Results): Promise<void> {
  const { sizes, only } = opts;
  for (let round = 0; round < opts.rounds; round++) {
    // Rotate the order each round so slow drift on a shared machine does not favour one target.
    const order = targets.map((_, i) => targets[(i + round) % targets.length] as Target);
    for (const t of order) {
      const label = `round ${round + 1}/${opts.rounds} ${TARGET_LABELS[t.id]}`;
      const step = async (w: WorkloadId, fn: () => Record<string, number> | Promise<Record<string, number>>): Promise<void> => {
        if (!only.has(w)) return;
        try {
          const figures = await fn();
          record(results, t.id, figures);
          const shown = Object.entries(figures)
            .filter(([k]) => !k.endsWith('.errors') || (figures[k] ?? 0) > 0)
            .map(([k, v]) => `${k}=${Number.isFinite(v) ? Math.round(v * 1000) / 1000 : '—'}`)
            .join(' ');
          log(`${label}: ${shown}`);
        } catch (err) {
          log(`${label}: ${w} failed: ${(err as Error).message.split('\n')[0]}`);
        }
      };
      await step('h1-small', () => wrkSmall(t, sizes));
      await step('h1-browser', () => wrkBrowser(t, sizes));
      await step('h1-64k', () => wrk64k(t, sizes));
      await step('post-1m', () => wrkPost(t, sizes));
      if (t.tls !== null) await step('h2', () => h2(t, sizes));
      if (t.id !== 'direct') {
        await step('ws-echo', () => wsEcho(t, sizes));
        await step('sse', () => sse(t, sizes));
        await step('latency', async () => {
          // Paired: the same client straight to this target's upstream, then through the target.
          const direct = await latencyAt1k(`http://127.0.0.1:${t.upstream.port}`, `127.0.0.1:${t.upstream.port}`, sizes);
          const via = await latencyAt1k(t.base, t.host, sizes);
          record(results, 'direct', { 'latency.p50': direct.p50Ms, 'latency.p99': direct.p99Ms });
          return {
            'latency.p50': via.p50Ms,
            'latency.p99': via.p99Ms,
            'latency.p50add': via.p50Ms - direct.p50Ms,
            'latency.p99add': via.p99Ms - direct.p99Ms,
            'latency.errors': via.errors,
          };
        });
      } else {
        await step('ws-echo', () => wsEcho(t, sizes));
      }
    }
  }
}

/** Memory-shaped workloads run once per target: they measure a peak, not a rate. */
async function memoryRuns(targets: Target[], opts: Options, results: Results): Promise<void> {
  for (const t of targets) {
    const run = async (w: WorkloadId, fn: () => Promise<Record<string, number>>): Promise<void> => {
      if (!opts.only.has(w)) return;
      try {
        const figures = await fn();
        record(results, t.id, figures);
        log(`${TARGET_LABELS[t.id]}: ${Object.entries(figures).map(([k, v]) => `${k}=${Math.round(v * 10) / 10}`).join(' ')}`);
      } catch (err) {
        log(`${TARGET_LABELS[t.id]}: ${w} failed: ${(err as Error).message.split('\n')[0]}`);
      }
    };
    await run('stream', () => streams(t, opts.sizes));
    if (t.id !== 'direct') await run('idle-ws', () => idleWebSockets(t, opts.sizes));
    // Give the proxy a moment to close thousands of sockets before the next one starts.
    await sleep(1000);
  }
}

/** locald under wrk, sampled by `perf record` (all threads, kernel included). */
async function perfProfileLocald(work: string, seconds: number): Promise<PerfSummary | null> {
  const data = join(work, 'perf.data');
  const t = await startLocald({ work, capture: false, nodeArgs: ['--perf-basic-prof'] });
  try {
    await probe(t);
    runWrk(`${t.base}/`, { connections: 50, seconds: 2, host: t.host }); // warm-up: JIT settles first
    const recording = spawn('perf', ['record', '-q', '-e', 'cpu-clock', '-F', '1999', '-g', '-p', String(t.pid), '-o', data, '--', 'sleep', String(seconds)], { stdio: 'ignore' });
    const recorded = new Promise<number | null>((resolve) => recording.on('exit', resolve));
    runWrk(`${t.base}/`, { connections: 50, seconds: seconds + 1, host: t.host });
    if ((await recorded) !== 0) {
      log('bench: perf record failed');
      return null;
    }
  } finally {
    await t.stop();
  }
  const report = perfReport(data);
  rmSync(`/tmp/perf-${t.pid}.map`, { force: true });
  return summarisePerfReport(report, 20);
}

/** locald under wrk with `node --cpu-prof`; the profile is written when it exits on SIGINT. */
async function profileLocald(work: string, seconds: number): Promise<ProfileSummary | null> {
  const dir = join(work, 'cpu-profile');
  mkdirSync(dir, { recursive: true });
  const spawnedAt = Date.now();
  const t = await startLocald({ work, capture: false, cpuProfileDir: dir });
  let skipMs = 0;
  try {
    await probe(t);
    runWrk(`${t.base}/`, { connections: 10, seconds: 1, host: t.host }); // warm-up, excluded below
    skipMs = Date.now() - spawnedAt;
    runWrk(`${t.base}/`, { connections: 50, seconds, host: t.host });
  } finally {
    await t.stop();
  }
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    const files = readdirSync(dir).filter((f) => f.endsWith('.cpuprofile'));
    if (files.length > 0) {
      const biggest = files.map((f) => join(dir, f)).sort((a, b) => statSync(b).size - statSync(a).size)[0] as string;
      return summariseProfile(JSON.parse(readFileSync(biggest, 'utf8')) as CpuProfile, 20, skipMs);
    }
    await sleep(200);
  }
  log('bench: no .cpuprofile was written');
  return null;
}

function renderReport(
  opts: Options,
  results: Results,
  unavailable: Map<TargetId, string>,
  notes: string[],
  profile: ProfileSummary | PerfSummary | null,
  pageload: PageloadResult | null,
  portless: PortlessInstall | null,
  elapsedS: number,
  fdLimit: number,
): string {
  const command = `npm run bench${opts.argv.length > 0 ? ` -- ${opts.argv.join(' ')}` : ''}`;
  const versions = [
    `Node ${process.version}`,
    toolVersion('wrk', ['--version']).replace(/ Copyright.*/, ''),
    toolVersion('h2load', ['--version']),
    `caddy ${toolVersion('caddy', ['version'])}`,
    toolVersion('nginx', ['-v']),
    portless !== null ? `portless ${portless.version} on Node ${portless.nodeVersion}` : 'portless: not available',
  ];
  const s = opts.sizes;
  const lines = [
    '# Benchmarks',
    '',
    `Reproduce: \`${command}\` (needs wrk, h2load, caddy and nginx on PATH; portless and Node 24 are fetched with npm into a temp dir).`,
    '',
    `Run ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC, ${elapsedS} s. Machine: ${machineLine()}.`,
    `Tools: ${versions.join('; ')}.`,
    '',
    `Medians of ${opts.rounds} round${opts.rounds === 1 ? '' : 's'} (${s.seconds} s per wrk/h2load/WebSocket/SSE step, ${s.latencySeconds} s per latency step); memory workloads run once per target. ` +
      'All targets run in the same session on loopback, in front of the same upstream program (`test/bench/peers/upstream.mjs`): ' +
      'one process shared by the plain Node proxy, Caddy, nginx and portless; locald runs its own copy as its service, because it only proxies services it supervises. ' +
      'Ratios compare medians from this run. ⚠ marks a cell whose runs had socket errors or non-2xx answers.',
    '',
    ...(results.size === 0
      ? []
      : ['## Results', '', resultsTable(results, s, unavailable), '', '## Targets', '', targetsTable(checkTargets(results, s, !opts.quick, fdLimit)), '']),
    '## Notes',
    '',
    ...[
      'Caddy runs with `admin off`, no access log and `keepalive_idle_conns_per_host 64`; Go uses every core. nginx runs as one process (`master_process off`, `worker_processes 1`), no access log, `keepalive 64`, request bodies unbuffered. locald and the plain Node proxy are single Node processes.',
      'Latency: an open-loop client (`clients/latency.mjs`) at 1,000 req/s over up to 32 keep-alive sockets, first measured straight to the upstream, then through the target; "added" is the difference of the two percentiles.',
      'SSE: the client asks the upstream directly to publish one event and waits until all clients have it; "reaches every client" is from the upstream writing it to the last client reading it (CLOCK_MONOTONIC is shared across processes).',
      'Memory: RSS from `/proc/<pid>/status`; growth is VmHWM during the transfer (reset through `/proc/<pid>/clear_refs`) minus VmRSS just before.',
      'The machine is shared with other work (tests of other parts of locald may run at the same time): compare columns of one run, not runs across machines.',
      ...notes,
    ].map((n) => `- ${n}`),
    '',
  ];
  if (pageload !== null) lines.push('## Page load', '', pageloadSection(pageload), '');
  if (profile !== null) {
    lines.push('## Where the time goes', '', 'kind' in profile ? perfSection(profile, s.seconds + 3) : profileSection(profile, s.seconds + 3), '');
  }
  return lines.join('\n');
}

main().catch(async (err: unknown) => {
  process.stderr.write(`bench: ${err instanceof Error ? err.message : String(err)}\n${USAGE}\n`);
  await stopAll();
  process.exit(1);
});
