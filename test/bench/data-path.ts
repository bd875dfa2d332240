// Why the proxy's data path is plain node:http: the same upstream behind three minimal proxies,
// measured in one run. Feeds docs/decisions/0001-proxy-data-path.md.
//   npx tsx test/bench/data-path.ts [--rounds 3] [--seconds 5]
import { fileURLToPath } from 'node:url';
import { freePort, machineLine, markdownTable, median, runWrk, startPeer, toolVersion, type Peer } from './lib.js';

const arg = (name: string, fallback: number): number => {
  const i = process.argv.indexOf(`--${name}`);
  return i === -1 ? fallback : Number(process.argv[i + 1]);
};
const rounds = arg('rounds', 3);
const seconds = arg('seconds', 5);
const peer = (file: string): string => fileURLToPath(new URL(`./peers/${file}`, import.meta.url));

const upstreamPort = await freePort();
const upstream = await startPeer('upstream', process.execPath, [peer('upstream.mjs')], { PORT: String(upstreamPort) }, 'upstream ready', upstreamPort);

const candidates: { name: string; file: string | null }[] = [
  { name: 'upstream direct (no proxy)', file: null },
  { name: 'node:http + keep-alive Agent', file: 'plain-node-proxy.mjs' },
  { name: 'undici Pool', file: 'undici-proxy.mjs' },
  { name: 'http-proxy-middleware + Express', file: 'hpm-express-proxy.mjs' },
];

const results = new Map<string, { small: number[]; big: number[]; p99: number[] }>();
try {
  for (let round = 0; round < rounds; round++) {
    for (const c of candidates) {
      let proxy: Peer | null = null;
      let port = upstreamPort;
      if (c.file !== null) {
        port = await freePort();
        proxy = await startPeer(c.name, process.execPath, [peer(c.file)], { PORT: String(port), TARGET_PORT: String(upstreamPort) }, 'proxy ready', port);
      }
      try {
        runWrk(`http://127.0.0.1:${port}/`, { connections: 10, seconds: 1 }); // warm-up
        const small = runWrk(`http://127.0.0.1:${port}/`, { connections: 50, seconds });
        const big = runWrk(`http://127.0.0.1:${port}/64k`, { connections: 50, seconds });
        const r = results.get(c.name) ?? { small: [], big: [], p99: [] };
        r.small.push(small.rps);
        r.big.push(big.rps);
        r.p99.push(small.p99ms);
        results.set(c.name, r);
        process.stderr.write(`round ${round + 1}/${rounds} ${c.name}: ${Math.round(small.rps)} req/s small, ${Math.round(big.rps)} req/s 64 KiB\n`);
      } finally {
        await proxy?.stop();
      }
    }
  }
} finally {
  await upstream.stop();
}

const baseline = median(results.get('node:http + keep-alive Agent')?.small ?? []);
const rows = candidates.map((c) => {
  const r = results.get(c.name) ?? { small: [], big: [], p99: [] };
  const small = median(r.small);
  return [c.name, Math.round(small), Math.round(median(r.big)), median(r.p99), `${(small / baseline).toFixed(2)}x`];
});
console.log(`\nmachine: ${machineLine()}; ${toolVersion('wrk', ['--version'])}`);
console.log(`wrk -t1 -c50 -d${seconds}s, median of ${rounds} rounds\n`);
console.log(markdownTable(['proxy', 'req/s (12 B)', 'req/s (64 KiB)', 'p99 ms (12 B)', 'vs node:http'], rows));
