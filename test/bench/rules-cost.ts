// What rules cost the data path (issue 14's Cost section), in one process and one run:
//   - wrk through the real ProxyServer to one upstream: no hooks at all, the rules hooks with no
//     rules, 100 rules that do not match, and 1 matching response-header rewrite (req/s, p99);
//   - matching only: µs per request to evaluate 100 typical non-matching rules (no sockets);
//   - memory: `throttleBytes` (1 GiB; 64 MiB with --quick) through a 10 MiB/s throttle, RSS growth.
// Run by `npm run bench -- --only rules`, or alone: npx tsx test/bench/rules-cost.ts [--quick]
import { execFile } from 'node:child_process';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ProxyServer } from '../../engine/proxy/index.js';
import { rulesHooks } from '../../engine/proxy/rules/rules-hooks.js';
import { RulesService } from '../../engine/rules/store.js';
import { compileRules, evaluateRequest } from '../../engine/rules/evaluate.js';
import type { RequestView } from '../../engine/rules/rule-filter.js';
import type { Rule } from '../../shared/rules.js';
import { TestBackend, makeProject, makeService, route } from '../helpers/proxy-backend.js';
import { parseWrk, type WrkResult } from './lib.js';

const HOST = 'bench.localhost';
const MIB = 1024 * 1024;

interface RulesCostOptions {
  seconds: number;
  rounds: number;
  throttleBytes: number;
}

/** wrk without blocking this process: the proxy under test runs in it. */
function wrkAsync(port: number, path: string, seconds: number, connections: number): Promise<WrkResult> {
  const args = ['-t', '1', '-c', String(connections), '-d', `${seconds}s`, '--latency', '-H', `Host: ${HOST}`, `http://127.0.0.1:${port}${path}`];
  return new Promise((resolve, reject) => {
    execFile('wrk', args, { encoding: 'utf8', timeout: (seconds + 30) * 1000 }, (err, stdout) => (err !== null ? reject(err) : resolve(parseWrk(stdout))));
  });
}

function listen(server: http.Server | ProxyServer): Promise<number> {
  if (server instanceof ProxyServer) return server.listen().then((b) => b.port);
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port)));
}

/** The four shapes of rule the issue calls typical, none matching the request below. */
function typicalRuleMatch(i: number): string {
  return [`method:POST path:/api/orders/${i}`, `path:/legacy/${i}`, `header:x-${i}=1`, `service:api host:foo${i}`][i % 4] ?? '';
}

/**
 * The µs one request spends deciding 100 non-matching rules: the pure forRequest path
 * (compile once, evaluate per request), no sockets, averaged over `n` requests; the best of
 * three such runs, as the machine's other load only ever adds time.
 */
function matchingMicros(n: number): number {
  const rules = Array.from({ length: 100 }, (_, i): Rule => ({ id: `r${i}`, enabled: true, source: 'user', match: typicalRuleMatch(i), setResponseHeaders: { 'x-rule': String(i) } }));
  const compiled = compileRules(rules);
  const view: RequestView = { project: 'bench', service: 'web', route: '/', kind: 'http', clientProtocol: 'http/1.1', method: 'GET', host: `${HOST}:7700`, url: '/api/items?page=2', headers: [['accept', '*/*'], ['user-agent', 'wrk'], ['content-type', 'application/json']] };
  const mockUses = new Map<string, number>();
  for (let i = 0; i < 50_000; i++) evaluateRequest(compiled, view, mockUses);
  let best = Infinity;
  for (let run = 0; run < 3; run++) {
    const started = process.hrtime.bigint();
    for (let i = 0; i < n; i++) evaluateRequest(compiled, view, mockUses);
    best = Math.min(best, Number(process.hrtime.bigint() - started) / 1000 / n);
  }
  return best;
}

/** Streams `bytes` through the throttled route and samples RSS; the growth over the start. */
async function throttledRss(port: number, bytes: number): Promise<{ seconds: number; rssGrowthMiB: number }> {
  const before = process.memoryUsage().rss;
  let peak = before;
  const timer = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 250);
  const started = Date.now();
  try {
    await new Promise<void>((resolve, reject) => {
      const req = http.get({ host: '127.0.0.1', port, path: `/stream?bytes=${bytes}`, headers: { host: HOST }, agent: false }, (res) => {
        res.on('data', () => undefined);
        res.on('end', resolve);
        res.on('error', reject);
      });
      req.on('error', reject);
    });
  } finally {
    clearInterval(timer);
  }
  return { seconds: (Date.now() - started) / 1000, rssGrowthMiB: (peak - before) / MIB };
}

export async function rulesCost(opts: RulesCostOptions): Promise<string[]> {
  const chunk = Buffer.alloc(64 * 1024, 97);
  const upstream = http.createServer((req, res) => {
    const bytes = Number(new URL(req.url ?? '/', 'http://x').searchParams.get('bytes') ?? '0');
    if (bytes === 0) {
      res.end('ok');
      return;
    }
    res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': bytes });
    let left = bytes;
    const more = (): void => {
      while (left > 0) {
        const piece = left >= chunk.length ? chunk : chunk.subarray(0, left);
        left -= piece.length;
        if (!res.write(piece)) return void res.once('drain', more);
      }
      res.end();
    };
    more();
  });
  const upstreamPort = await listen(upstream);
  const backend = new TestBackend().add(makeProject('bench', [makeService('web', { port: upstreamPort })], [route('/', 'web')]));
  const home = mkdtempSync(join(tmpdir(), 'locald-bench-rules-'));
  const rules = new RulesService({ home, emit: () => undefined, watch: false });
  await rules.openProject('bench', home);
  const plain = new ProxyServer({ backend, port: 0, host: ['127.0.0.1'] });
  const hooked = new ProxyServer({ backend, port: 0, host: ['127.0.0.1'], hooks: rulesHooks(rules) });
  const plainPort = await listen(plain);
  const hookedPort = await listen(hooked);
  const lines: string[] = [];
  try {
    const wrk = async (port: number): Promise<{ rps: number; p99: number }> => {
      const r = await wrkAsync(port, '/api/items', opts.seconds, 50);
      return { rps: r.rps, p99: r.p99ms };
    };
    await wrkAsync(plainPort, '/', 1, 10);
    await wrkAsync(hookedPort, '/', 1, 10);
    // Variants interleaved round by round (A B C D A B C D …), medians: the machine's load drifts.
    const clear = async (): Promise<void> => {
      for (const r of rules.list('bench').rules) await rules.remove('bench', r.id);
    };
    const variants: { name: string; port: number; setup: () => Promise<void> }[] = [
      { name: 'no hooks (ProxyServer without rules)', port: plainPort, setup: clear },
      { name: 'rules hooks, no rules', port: hookedPort, setup: clear },
      {
        name: '100 rules, none matching',
        port: hookedPort,
        setup: async () => {
          await clear();
          for (let i = 0; i < 100; i++) await rules.add('bench', { match: `method:POST path:/never/${i}`, setResponseHeaders: { 'x-rule': String(i) } });
        },
      },
      {
        name: '1 matching header rewrite',
        port: hookedPort,
        setup: async () => {
          await clear();
          await rules.add('bench', { match: 'path:/api', setResponseHeaders: { 'x-rule': 'matched' } });
        },
      },
    ];
    const runs = new Map<string, { rps: number[]; p99: number[] }>();
    let micros100 = 0;
    for (let round = 0; round < opts.rounds; round++) {
      for (const v of variants) {
        await v.setup();
        const r = await wrk(v.port);
        const kept = runs.get(v.name) ?? { rps: [], p99: [] };
        kept.rps.push(r.rps);
        kept.p99.push(r.p99);
        runs.set(v.name, kept);
        if (v.name.startsWith('100 rules') && round === 0) micros100 = matchingMicros(200_000);
      }
    }
    const med = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;
    const rows = variants.map((v): [string, { rps: number; p99: number }] => {
      const r = runs.get(v.name) ?? { rps: [], p99: [] };
      return [v.name, { rps: med(r.rps), p99: med(r.p99) }];
    });
    const base = rows[0]?.[1].rps ?? 1;
    lines.push(`rules cost (same run, ${opts.rounds} interleaved rounds, medians; wrk -c 50, GET "ok" through the proxy):`);
    for (const [name, r] of rows) lines.push(`  ${name}: ${Math.round(r.rps)} req/s (${((r.rps / base - 1) * 100).toFixed(1)}% vs no hooks), ${(1e6 / r.rps).toFixed(1)} µs/request, p99 ${r.p99.toFixed(2)} ms`);
    lines.push(`  100 rules, matching only: ${micros100.toFixed(2)} µs per request (none matching; method+path, path, header, service+host)`);
    await clear();
    await rules.add('bench', { match: 'path:/stream', throttle: 10 * MIB });
    const t = await throttledRss(hookedPort, opts.throttleBytes);
    lines.push(`  ${Math.round(opts.throttleBytes / MIB)} MiB through a 10 MiB/s throttle: ${t.seconds.toFixed(1)} s (${(opts.throttleBytes / MIB / t.seconds).toFixed(2)} MiB/s), RSS growth ${t.rssGrowthMiB.toFixed(1)} MiB`);
  } finally {
    await plain.close();
    await hooked.close();
    upstream.closeAllConnections();
    upstream.close();
    rules.close();
    rmSync(home, { recursive: true, force: true });
  }
  return lines;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const quick = process.argv.includes('--quick');
  for (const line of await rulesCost({ seconds: quick ? 2 : 5, rounds: quick ? 1 : 3, throttleBytes: quick ? 64 * MIB : 1024 * MIB })) console.log(line);
}
