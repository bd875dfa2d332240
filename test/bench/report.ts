// Turns the collected figures into the markdown table, the targets check and docs/benchmarks.md. Pure.
import type { ProfileSummary } from './cpu-profile.js';
import type { PerfSummary } from './perf-profile.js';
import { markdownTable, median } from './lib.js';
import { VARIANT_LABELS, type LoadSample, type PageloadResult, type PageloadVariant } from './pageload-app.js';
import { TARGET_LABELS, type TargetId } from './targets.js';
import type { Sizes } from './workloads.js';

/** Every figure of every run: target → metric → one value per run. */
export type Results = Map<TargetId, Map<string, number[]>>;

export function record(results: Results, target: TargetId, figures: Record<string, number>): void {
  const perTarget = results.get(target) ?? new Map<string, number[]>();
  for (const [key, value] of Object.entries(figures)) perTarget.set(key, [...(perTarget.get(key) ?? []), value]);
  results.set(target, perTarget);
}

export function med(results: Results, target: TargetId, key: string): number {
  return median(results.get(target)?.get(key) ?? []);
}

interface Row {
  key: string;
  label: string;
  better: 'higher' | 'lower' | 'none';
  /** Figure whose median > 0 marks the cell as having had errors. */
  errors?: string;
  digits?: number;
}

const mib = (bytes: number): string => (bytes >= 2 ** 30 ? `${bytes / 2 ** 30} GiB` : `${bytes / 2 ** 20} MiB`);

export function rows(s: Sizes): Row[] {
  return [
    { key: 'h1-small.rps', label: 'HTTP/1.1 12 B keep-alive, req/s (wrk -c50)', better: 'higher', errors: 'h1-small.errors', digits: 0 },
    { key: 'h1-small.p99', label: '↳ p99 under that load, ms', better: 'lower', digits: 2 },
    { key: 'h1-small.cpuPerK', label: '↳ CPU ms per 1,000 requests (proxy process, all threads)', better: 'lower', digits: 0 },
    { key: 'h1-browser.rps', label: 'HTTP/1.1 module requests like a page load, req/s (wrk -c6, Chromium headers)', better: 'higher', errors: 'h1-browser.errors', digits: 0 },
    { key: 'h1-browser.cpuUs', label: '↳ CPU µs per request (proxy process, all threads)', better: 'lower', digits: 1 },
    { key: 'h1-64k.rps', label: 'HTTP/1.1 64 KiB responses, req/s (wrk -c50)', better: 'higher', errors: 'h1-64k.errors', digits: 0 },
    { key: 'post-1m.rps', label: '1 MiB POSTs, req/s (wrk -c50)', better: 'higher', errors: 'post-1m.errors', digits: 0 },
    { key: 'h2.rps', label: 'HTTP/2 over TLS, req/s (h2load -c10 -m10)', better: 'higher', errors: 'h2.errors', digits: 0 },
    { key: 'ws-echo.mps', label: 'WebSocket echo, msg/s (50 sockets × 8 in flight)', better: 'higher', errors: 'ws-echo.errors', digits: 0 },
    { key: 'sse.eps', label: `SSE fan-out to ${s.sseClients.toLocaleString('en-US')} clients, events delivered/s`, better: 'higher', errors: 'sse.errors', digits: 0 },
    { key: 'sse.p99', label: '↳ one event reaches every client, p99 ms', better: 'lower', digits: 1 },
    { key: 'latency.p50', label: 'latency at 1k req/s (open loop), p50 ms', better: 'lower', errors: 'latency.errors', digits: 3 },
    { key: 'latency.p99', label: '↳ p99 ms', better: 'lower', digits: 3 },
    { key: 'latency.p50add', label: '↳ added p50 vs direct to the same upstream, ms', better: 'lower', digits: 3 },
    { key: 'latency.p99add', label: '↳ added p99 vs direct to the same upstream, ms', better: 'lower', digits: 3 },
    { key: 'idle-ws.held', label: `${s.idleSockets.toLocaleString('en-US')} idle WebSockets: held and echoing`, better: 'higher', errors: 'idle-ws.errors', digits: 0 },
    { key: 'idle-ws.rss', label: '↳ proxy RSS while held, MiB', better: 'lower', digits: 0 },
    { key: 'stream.up.growth', label: `${mib(s.streamBytes)} upload: proxy RSS growth, MiB`, better: 'lower', errors: 'stream.up.errors', digits: 1 },
    { key: 'stream.up.mibps', label: '↳ MiB/s', better: 'higher', digits: 0 },
    { key: 'stream.down.growth', label: `${mib(s.streamBytes)} download: proxy RSS growth, MiB`, better: 'lower', errors: 'stream.down.errors', digits: 1 },
    { key: 'stream.down.mibps', label: '↳ MiB/s', better: 'higher', digits: 0 },
  ];
}

export const COLUMNS: TargetId[] = ['direct', 'locald', 'locald-capture', 'node', 'caddy', 'nginx', 'portless'];

function fmt(value: number, digits = 0): string {
  if (!Number.isFinite(value)) return '—';
  return value.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
}

function ratio(a: number, b: number): string {
  return Number.isFinite(a) && Number.isFinite(b) && b !== 0 ? `${(a / b).toFixed(2)}×` : '—';
}

/** The cost of capture as a share of capture-off, signed so that a slowdown is positive. */
export function captureCost(off: number, on: number, better: Row['better']): number {
  if (!Number.isFinite(off) || !Number.isFinite(on) || off === 0) return NaN;
  return better === 'lower' ? (on - off) / off : (off - on) / off;
}

export function resultsTable(results: Results, sizes: Sizes, unavailable: Map<TargetId, string>): string {
  const header = ['workload', ...COLUMNS.map((c) => TARGET_LABELS[c]), 'locald ÷ Caddy', 'locald ÷ portless', 'capture cost'];
  const body: string[][] = [];
  for (const row of rows(sizes)) {
    const values = COLUMNS.map((c) => med(results, c, row.key));
    if (values.every((v) => !Number.isFinite(v))) continue;
    const cells = COLUMNS.map((c, i) => {
      if (unavailable.has(c)) return 'n/a';
      const errs = row.errors === undefined ? 0 : med(results, c, row.errors);
      return `${fmt(values[i] as number, row.digits)}${errs > 0 ? ` ⚠${fmt(errs)} err` : ''}`;
    });
    const locald = med(results, 'locald', row.key);
    const throughput = row.better === 'higher';
    const cost = captureCost(locald, med(results, 'locald-capture', row.key), row.better);
    body.push([
      row.label,
      ...cells,
      throughput ? ratio(locald, med(results, 'caddy', row.key)) : '',
      throughput ? ratio(locald, med(results, 'portless', row.key)) : '',
      Number.isFinite(cost) && row.key !== 'idle-ws.held' ? `${(cost * 100).toFixed(1)}%` : '',
    ]);
  }
  return markdownTable(header, body);
}

export interface Check {
  target: string;
  measured: string;
  verdict: 'pass' | 'FAIL' | 'n/a';
}

const verdict = (ok: boolean | null): Check['verdict'] => (ok === null ? 'n/a' : ok ? 'pass' : 'FAIL');
const known = (...v: number[]): boolean => v.every((x) => Number.isFinite(x));

/** `fdLimit`: the open-files limit the proxies ran under; each proxied WebSocket needs two descriptors. */
export function checkTargets(results: Results, sizes: Sizes, fullSize: boolean, fdLimit = Infinity): Check[] {
  const m = (t: TargetId, k: string): number => med(results, t, k);
  const rps = m('locald', 'h1-small.rps');
  const caddy = m('caddy', 'h1-small.rps');
  const portless = m('portless', 'h1-small.rps');
  const capture = captureCost(rps, m('locald-capture', 'h1-small.rps'), 'higher');
  const p99add = m('locald', 'latency.p99add');
  const growth = Math.max(m('locald', 'stream.up.growth'), m('locald', 'stream.down.growth'));
  const sizeNote = fullSize ? '' : ' (reduced size: --quick)';
  return [
    {
      target: 'HTTP/1.1 throughput ≥ Caddy (same run)',
      measured: known(rps, caddy) ? `${fmt(rps)} vs ${fmt(caddy)} req/s = ${ratio(rps, caddy)}` : 'not measured',
      verdict: verdict(known(rps, caddy) ? rps >= caddy : null),
    },
    {
      target: 'HTTP/1.1 throughput ≥ 3× portless',
      measured: known(rps, portless) ? `${fmt(rps)} vs ${fmt(portless)} req/s = ${ratio(rps, portless)}` : 'not measured',
      verdict: verdict(known(rps, portless) ? rps >= 3 * portless : null),
    },
    {
      target: 'capture costs ≤ 15% of HTTP/1.1 throughput',
      measured: known(capture) ? `${(capture * 100).toFixed(1)}%` : 'capture-on not measured',
      verdict: verdict(known(capture) ? capture <= 0.15 : null),
    },
    {
      target: 'added p99 < 1 ms at 1k req/s',
      measured: known(p99add) ? `${fmt(p99add, 3)} ms (p50 ${fmt(m('locald', 'latency.p50add'), 3)} ms)` : 'not measured',
      verdict: verdict(known(p99add) ? p99add < 1 : null),
    },
    {
      target: 'streaming memory growth < 50 MiB (1 GiB up and down)',
      measured: known(growth) ? `${fmt(growth, 1)} MiB${sizeNote}` : 'not measured',
      verdict: verdict(known(growth) ? growth < 50 : null),
    },
    idleWebSocketsCheck(results, sizes, fullSize, fdLimit),
  ];
}

function idleWebSocketsCheck(results: Results, sizes: Sizes, fullSize: boolean, fdLimit: number): Check {
  const target = '10k idle WebSockets held';
  const held = med(results, 'locald', 'idle-ws.held');
  if (!known(held)) return { target, measured: 'not measured', verdict: 'n/a' };
  const measured = `${fmt(held)} of ${fmt(sizes.idleSockets)}${fullSize ? '' : ' (reduced size: --quick)'}, RSS ${fmt(med(results, 'locald', 'idle-ws.rss'))} MiB`;
  // Below 2 descriptors per socket plus the process's own, no single-process proxy can pass: say so, with the best any proxy did.
  if (fdLimit < 2 * sizes.idleSockets + 200) {
    const others = (['node', 'caddy', 'nginx', 'portless'] as const).map((t) => med(results, t, 'idle-ws.held')).filter((v) => known(v));
    const best = others.length > 0 ? `; the best other proxy held ${fmt(Math.max(...others))}` : '';
    return { target, measured: `${measured} — the open-files limit (${fmt(fdLimit)}) caps any proxy near ${fmt(Math.floor(fdLimit / 2))}${best}`, verdict: 'n/a' };
  }
  return { target, measured, verdict: verdict(fullSize ? held >= 10_000 && held >= sizes.idleSockets : null) };
}

export function targetsTable(checks: Check[]): string {
  return markdownTable(
    ['target (DESIGN.md)', 'measured (locald, median)', 'verdict'],
    checks.map((c) => [c.target, c.measured, c.verdict]),
  );
}

export function profileSection(p: ProfileSummary, seconds: number): string {
  const fnTable = markdownTable(
    ['self time', 'share', 'function', 'where'],
    p.functions.map((f) => [`${fmt(f.ms)} ms`, `${(f.share * 100).toFixed(1)}%`, `\`${f.name}\``, `\`${f.where}\``]),
  );
  const fileTable = markdownTable(
    ['self time', 'share', 'file'],
    p.files.map((f) => [`${fmt(f.ms)} ms`, `${(f.share * 100).toFixed(1)}%`, `\`${f.name}\``]),
  );
  const oursTable = markdownTable(
    ['inclusive time', 'share', 'locald function', 'where'],
    p.ours.map((f) => [`${fmt(f.ms)} ms`, `${(f.share * 100).toFixed(1)}%`, `\`${f.name}\``, `\`${f.where}\``]),
  );
  return [
    `locald under \`wrk -c50\` on the 12-byte response for ${seconds} s, \`node --cpu-prof\`, start-up excluded: ${fmt(p.busyMs)} ms busy, ${fmt(p.idleMs)} ms idle. Native frames (\`writev\`, \`writeLatin1String\`, …) are mostly the socket system calls themselves.`,
    '',
    'Top functions by self time:',
    '',
    fnTable,
    '',
    'By file:',
    '',
    fileTable,
    '',
    "locald's own code, inclusive (each function with everything it calls):",
    '',
    oursTable,
  ].join('\n');
}

export function perfSection(p: PerfSummary, seconds: number): string {
  const pct = (share: number): string => `${(share * 100).toFixed(1)}%`;
  return [
    `locald (capture off) under \`wrk -c50\` on the 12-byte response, sampled for ${seconds} s by \`perf record -e cpu-clock -g\` (${fmt(p.samples)} samples, every thread of the process, kernel included; JavaScript named through \`node --perf-basic-prof\`). Shares are of all samples. V8 inlines small callees into their callers, so a JavaScript function's share includes what it inlined.`,
    '',
    markdownTable(
      ['where the CPU goes', 'share'],
      p.categories.map((c) => [c.name, pct(c.share)]),
    ),
    '',
    'Hottest symbols:',
    '',
    markdownTable(
      ['share', 'symbol'],
      p.symbols.map((f) => [pct(f.share), `\`${f.name}\``]),
    ),
    '',
    "locald's own functions:",
    '',
    markdownTable(
      ['share', 'function'],
      p.ours.map((f) => [pct(f.share), `\`${f.name}\``]),
    ),
  ].join('\n');
}

/** The page-load table: medians per variant and each one's ratio to Vite direct. */
export function pageloadTable(r: PageloadResult): string {
  const direct = pageloadMedians(r, 'direct');
  const body = (Object.keys(VARIANT_LABELS) as PageloadVariant[]).map((v) => {
    if (r.unavailable.has(v)) return [VARIANT_LABELS[v], 'n/a', '', 'n/a', '', '', '', '', '', '', r.unavailable.get(v) ?? ''];
    const m = pageloadMedians(r, v);
    const protocols = [...new Set((r.samples.get(v) ?? []).map((s) => s.protocol))].join(', ');
    return [VARIANT_LABELS[v], fmt(m.doneMs), ratio(m.doneMs, direct.doneMs), fmt(m.loadMs), ratio(m.loadMs, direct.loadMs), fmt(m.proxyCpuMs), fmt(m.serviceCpuMs), fmt(m.browserCpuMs), fmt(m.machineCpuMs), String(m.count), protocols];
  });
  return markdownTable(
    ['variant', 'all modules run, ms (median)', '÷ direct', 'load event, ms (median)', '÷ direct', 'proxy CPU per load, ms', 'Vite CPU, ms', 'Chromium CPU, ms', 'machine CPU per load, ms', 'loads', 'protocol seen'],
    body,
  );
}

export function pageloadMedians(
  r: PageloadResult,
  v: PageloadVariant,
): { doneMs: number; loadMs: number; proxyCpuMs: number; serviceCpuMs: number; browserCpuMs: number; machineCpuMs: number; count: number } {
  const samples = r.samples.get(v) ?? [];
  const of = (pick: (s: LoadSample) => number): number => median(samples.map(pick));
  return { doneMs: of((s) => s.doneMs), loadMs: of((s) => s.loadMs), proxyCpuMs: of((s) => s.proxyCpuMs), serviceCpuMs: of((s) => s.serviceCpuMs), browserCpuMs: of((s) => s.browserCpuMs), machineCpuMs: of((s) => s.machineCpuMs), count: samples.length };
}

/** Issue 13's page-load targets, judged on the later of the two moments (every module has run). */
export function pageloadChecks(r: PageloadResult): Check[] {
  const done = (v: PageloadVariant): number => pageloadMedians(r, v).doneMs;
  const [direct, h1, h2, caddyH1] = [done('direct'), done('locald-h1'), done('locald-h2'), done('caddy-h1')];
  const check = (target: string, a: number, b: number, limit: number, what: string): Check => ({
    target,
    measured: known(a, b) ? `${fmt(a)} vs ${fmt(b)} ms (${what}) = ${ratio(a, b)}` : 'not measured',
    verdict: verdict(known(a, b) ? a <= limit * b : null),
  });
  return [
    check('locald HTTP/1.1 ≤ 1.10 × direct', h1, direct, 1.1, 'direct'),
    check('locald HTTP/1.1 ≤ Caddy HTTP/1.1', h1, caddyH1, 1, 'Caddy h1'),
    check('locald HTTP/2 ≤ direct', h2, direct, 1, 'direct'),
  ];
}

export function pageloadSection(r: PageloadResult): string {
  return [
    `A Vite dev server (this repo's Vite, dev mode) serving a generated app of ${r.modules.toLocaleString('en-US')} ES modules (a tree, 8 imports per module, 5 levels), loaded in headless Chromium (\`/usr/bin/chromium\`) in a fresh browser context per load after ${r.warmups} warm-up load${r.warmups === 1 ? '' : 's'} per variant; variants interleaved, medians of ${r.loads} loads. "All modules run" is \`performance.now()\` at the entry module's last line; "load event" is the navigation entry's \`loadEventStart\`. One Vite process serves every variant but one (it is locald's service; direct and Caddy use its port); the capture-off locald, there for a same-run A/B of capture, runs its own copy. The plain Node proxy (\`peers/plain-node-proxy.mjs\`: no routing, header work or capture) shows what \`node:http\` itself costs. locald runs as \`locald up\` does by default: capture on. TLS variants run in a context with \`ignoreHTTPSErrors\` (locald's CA and Caddy's self-signed certificate are not in Chromium's store); TLS and ALPN are negotiated as usual. "Proxy CPU" is the proxy process's user + system time during the load (all threads); "Vite CPU" that of Vite and its esbuild; "Chromium CPU" that of every browser process. Machine load average (1 min) at the start and end of the measured loads: ${r.loadAverage.map((l) => l.toFixed(1)).join(' and ')} on ${r.cores} cores.`,
    '',
    pageloadTable(r),
    '',
    targetsTable(pageloadChecks(r)),
  ].join('\n');
}
