// Capture's total cap counts headers and URLs too: a flood of requests with huge headers, or
// with long URLs to a host nothing serves, must not grow the proxy's memory past the cap (it
// took RSS to gigabytes when only bodies were counted). The proxy runs in its own process
// (test/helpers/weird-proxy-child.ts) with capture on and a 2 MiB cap; real Node clients.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { startUpstream, type Upstream } from '../helpers/proxy-net.js';
import { rssOf, startChildProxy, type ChildProxy } from '../helpers/weird-kit.js';

const MiB = 1024 * 1024;
const CAP = 2 * MiB;
const REQUESTS = 2500;
const CONCURRENCY = 8;
const BIG_HEADER = 'h'.repeat(14 * 1024);

/** Sends `count` requests, `CONCURRENCY` at a time over keep-alive connections; resolves with the statuses seen. */
async function flood(port: number, count: number, build: (i: number) => { host: string; path: string; headers?: Record<string, string> }): Promise<Map<number, number>> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: CONCURRENCY });
  const statuses = new Map<number, number>();
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < count) {
      const { host, path, headers } = build(next++);
      const status = await new Promise<number>((resolve, reject) => {
        const req = http.request({ host: '127.0.0.1', port, path, agent, headers: { host, ...headers } }, (res) => {
          res.resume();
          res.on('end', () => resolve(res.statusCode ?? 0));
          res.on('error', reject);
        });
        req.on('error', reject);
        req.end();
      });
      statuses.set(status, (statuses.get(status) ?? 0) + 1);
    }
  };
  try {
    await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  } finally {
    agent.destroy();
  }
  return statuses;
}

describe('capture cap: headers and URLs count', () => {
  let service: Upstream;
  let child: ChildProxy;

  before(async () => {
    service = await startUpstream((_req, res) => res.end('ok'));
    child = await startChildProxy(service.port, { captureCap: CAP });
  });
  after(async () => {
    await child?.stop();
    await service?.close();
  });

  it('keeps retained bytes within a 2 MiB cap, and RSS bounded, through thousands of 14 KB headers and 8 KB URLs', async () => {
    // Warm up first, so the baseline includes what any traffic costs (JIT, buffers, sockets).
    await flood(child.port, 200, () => ({ host: 'shop.localhost', path: '/warm' }));
    const baseRss = rssOf(child.pid);
    const baseHeap = (await child.probe()).heapUsed;

    const big = await flood(child.port, REQUESTS, (i) => ({ host: 'shop.localhost', path: `/big/${i}`, headers: { 'x-big': BIG_HEADER } }));
    assert.equal(big.get(200), REQUESTS, `every request with a 14 KB header was served: ${JSON.stringify([...big])}`);
    let stats = (await child.probe()).capture;
    assert.ok(stats !== null);
    assert.ok(stats.retainedBytes <= CAP, `retained ${stats.retainedBytes} bytes, cap ${CAP}`);
    // Each of those exchanges keeps its header twice (as received and as forwarded): ~28 KB.
    assert.ok(stats.exchanges < CAP / (28 * 1024) + 10, `${stats.exchanges} exchanges kept`);
    assert.ok(stats.evictedExchanges >= REQUESTS - stats.exchanges, `evictions reported: ${stats.evictedExchanges}`);
    assert.ok(stats.evictedBytes >= (REQUESTS - stats.exchanges) * 28 * 1024, `evicted bytes reported: ${stats.evictedBytes}`);

    const longPath = `/${'u'.repeat(8 * 1024)}`;
    const unknown = await flood(child.port, REQUESTS, (i) => ({ host: 'nothing-here.localhost', path: `${longPath}?${i}` }));
    assert.equal(unknown.get(404), REQUESTS, `an unknown host gets 404: ${JSON.stringify([...unknown])}`);
    const probe = await child.probe();
    stats = probe.capture;
    assert.ok(stats !== null);
    assert.ok(stats.retainedBytes <= CAP, `retained ${stats.retainedBytes} bytes, cap ${CAP}`);
    assert.ok(stats.exchanges < CAP / (8 * 1024), `${stats.exchanges} exchanges with 8 KB URLs kept`);

    // Unbounded, every header and URL stayed: ~2,500 × 28 KB plus 2,500 × 8 KB, ~90 MB of
    // heap. Bounded, the heap keeps about the cap; RSS also carries the collector's and the
    // allocator's slack (~50 MB here), hence its generous bound.
    const heapGrowth = probe.heapUsed - baseHeap;
    assert.ok(heapGrowth < 4 * CAP, `the heap grew by ${(heapGrowth / MiB).toFixed(1)} MiB after a full collection`);
    const rssGrowth = rssOf(child.pid) - baseRss;
    assert.ok(rssGrowth < 100 * MiB, `the proxy's RSS grew by ${(rssGrowth / MiB).toFixed(1)} MiB`);
  });
});
