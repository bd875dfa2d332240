// The bench's pure parts: tool output parsers, the profile summary, /proc parsing, generated configs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { caddyfile, localdToml, nginxConf } from '../bench/configs.js';
import { shortUrl, summariseProfile, type CpuProfile } from '../bench/cpu-profile.js';
import { summarisePerfReport } from '../bench/perf-profile.js';
import { parseWrk } from '../bench/lib.js';
import { cpuSince, descendants, parseMachineBusy, parseParentPid, parseProcStatus } from '../bench/procs.js';
import { captureCost, checkTargets, record, type Results } from '../bench/report.js';
import { parseH2load } from '../bench/workloads.js';

const WRK = `Running 4s test @ http://127.0.0.1:1/
  1 threads and 50 connections
  Latency Distribution
     50%  812.00us
     75%    1.20ms
     90%    2.00ms
     99%    1.50s
  40000 requests in 4.00s, 5.00MB read
  Socket errors: connect 0, read 2, write 0, timeout 3
  Non-2xx or 3xx responses: 7
Requests/sec:  10000.50
`;

test('parseWrk reads req/s, percentiles in any unit, and counts socket errors plus non-2xx', () => {
  assert.deepEqual(parseWrk(WRK), { rps: 10000.5, p50ms: 0.812, p99ms: 1500, errors: 12 });
});

test('parseWrk gives NaN, not 0, when wrk printed no result', () => {
  const r = parseWrk('unable to connect to 127.0.0.1:1 Connection refused');
  assert.ok(Number.isNaN(r.rps));
});

test('parseH2load takes req/s only when h2 was negotiated, and counts failures and 4xx/5xx', () => {
  const out = `Application protocol: h2
finished in 2.00s, 3830.50 req/s, 1.2MB/s
requests: 7661 total, 7700 started, 7661 done, 7600 succeeded, 50 failed, 11 errored, 0 timeout
status codes: 7600 2xx, 0 3xx, 3 4xx, 1 5xx`;
  assert.deepEqual(parseH2load(out), { 'h2.rps': 3830.5, 'h2.errors': 65 });
  const h1 = parseH2load(out.replace('Application protocol: h2', 'Application protocol: http/1.1'));
  assert.ok(Number.isNaN(h1['h2.rps']));
});

test('summariseProfile sums self time per function and per file, and keeps idle apart', () => {
  const frame = (functionName: string, url: string, lineNumber = 0) => ({ functionName, url, lineNumber, scriptId: '0', columnNumber: 0 });
  const profile: CpuProfile = {
    nodes: [
      { id: 1, callFrame: frame('(idle)', '') },
      { id: 2, callFrame: frame('forwardHttp', 'file:///repo/dist/engine/proxy/http1.js', 9) },
      { id: 3, callFrame: frame('parserOnHeadersComplete', 'node:_http_common') },
      { id: 4, callFrame: frame('forwardHttp', 'file:///repo/dist/engine/proxy/http1.js', 9) },
    ],
    samples: [1, 2, 3, 4, 2],
    timeDeltas: [5000, 1000, 500, 1000, 500],
  };
  const s = summariseProfile(profile);
  assert.equal(s.idleMs, 5);
  assert.equal(s.busyMs, 3);
  assert.deepEqual(s.functions[0], { name: 'forwardHttp', where: 'dist/engine/proxy/http1.js:10', ms: 2.5, share: 2.5 / 3 });
  assert.equal(s.files[1]?.name, 'node:_http_common');
});

test('shortUrl names repo files from the repo root and packages from node_modules', () => {
  assert.equal(shortUrl('file:///work/main/dist/engine/proxy/http1.js'), 'dist/engine/proxy/http1.js');
  assert.equal(shortUrl('file:///work/main/node_modules/ws/lib/receiver.js'), 'ws/lib/receiver.js');
  assert.equal(shortUrl(''), '(native)');
});

test('parseProcStatus reads VmRSS and VmHWM in MiB, and null when they are missing', () => {
  assert.deepEqual(parseProcStatus('Name:\tnode\nVmHWM:\t  204800 kB\nVmRSS:\t  102400 kB\n'), { rssMiB: 100, hwmMiB: 200 });
  assert.equal(parseProcStatus('Name:\tzombie\n'), null);
});

test('captureCost is positive for a slowdown whichever way the metric points', () => {
  assert.equal(captureCost(1000, 900, 'higher'), 0.1);
  assert.equal(captureCost(2, 3, 'lower'), 0.5);
  assert.ok(Number.isNaN(captureCost(NaN, 900, 'higher')));
});

test('checkTargets compares locald with Caddy and portless, and says n/a for what was not measured', () => {
  const results: Results = new Map();
  record(results, 'locald', { 'h1-small.rps': 9000, 'latency.p99add': 0.4, 'stream.up.growth': 12, 'stream.down.growth': 60 });
  record(results, 'caddy', { 'h1-small.rps': 10000 });
  record(results, 'portless', { 'h1-small.rps': 2500 });
  const sizes = { seconds: 4, latencySeconds: 3, idleSockets: 10000, streamBytes: 2 ** 30, sseClients: 1000 };
  const verdicts = checkTargets(results, sizes, true).map((c) => c.verdict);
  assert.deepEqual(verdicts, ['FAIL', 'pass', 'n/a', 'pass', 'FAIL', 'n/a']);
});

test('checkTargets says n/a for 10k WebSockets when the open-files limit rules it out for every proxy', () => {
  const results: Results = new Map();
  record(results, 'locald', { 'idle-ws.held': 9948, 'idle-ws.rss': 251 });
  record(results, 'nginx', { 'idle-ws.held': 9995 });
  const sizes = { seconds: 4, latencySeconds: 3, idleSockets: 10000, streamBytes: 2 ** 30, sseClients: 1000 };
  const capped = checkTargets(results, sizes, true, 20_000).at(-1);
  assert.equal(capped?.verdict, 'n/a');
  assert.match(capped?.measured ?? '', /9,948 of 10,000.*open-files limit \(20,000\).*best other proxy held 9,995/);
  assert.equal(checkTargets(results, sizes, true, 65_536).at(-1)?.verdict, 'FAIL');
});

test('generated configs point every proxy at the upstream and keep connections alive', () => {
  const ports = { httpPort: 1001, tlsPort: 1002, upstreamPort: 1003, certFile: '/t/c.pem', keyFile: '/t/k.pem' };
  const caddy = caddyfile(ports);
  assert.match(caddy, /admin off/);
  assert.match(caddy, /http:\/\/:1001 \{/);
  assert.match(caddy, /reverse_proxy 127\.0\.0\.1:1003/);
  assert.match(caddy, /tls \/t\/c\.pem \/t\/k\.pem/);
  const nginx = nginxConf({ ...ports, prefix: '/t/nginx' });
  assert.match(nginx, /server 127\.0\.0\.1:1003;\s+keepalive 64;/);
  assert.match(nginx, /proxy_http_version 1\.1;/);
  assert.match(nginx, /listen 127\.0\.0\.1:1002 ssl http2;/);
  const toml = localdToml({ nodePath: '/usr/bin/node', upstreamScript: "/it's/up.mjs", port: 1003 });
  assert.match(toml, /^command = "\\"\/usr\/bin\/node\\" \\"\/it's\/up\.mjs\\""$/m);
  assert.match(toml, /^port = 1003$/m);
});

test('summarisePerfReport sorts samples into categories and names locald\'s own functions', () => {
  const report = `# Samples: 19K of event 'cpu-clock'
# Event count (approx.): 4753000000
#
    30.00%  [kernel.kallsyms]    [k] pvm_irq_enable
    10.00%  node                 [.] v8::internal::Scavenger::ScavengeObject<v8::internal::FullHeapObjectSlot>
     5.00%  node                 [.] llhttp__internal_execute
     4.00%  [JIT] tid 16473      [.] JS:*relayResponse file:///work/main/dist/engine/proxy/http1.js:216:23
     6.00%  [JIT] tid 16473      [.] JS:*Socket._writeGeneric node:net:927:42
     2.00%  [JIT] tid 16473      [.] JS:~onData file:///work/main/node_modules/ws/lib/receiver.js:1:1
    20.00%  node                 [.] Builtins_KeyedLoadIC_Megamorphic
     8.00%  node                 [.] node::StreamBase::Writev
     9.00%  libc.so.6            [.] __memmove_avx512_unaligned_erms
     6.00%  libfoo.so            [.] mystery
`;
  const p = summarisePerfReport(report, 3);
  assert.equal(p.samples, 19_000);
  const share = (name: string): number => Math.round((p.categories.find((c) => c.name === name)?.share ?? 0) * 100);
  assert.equal(share('kernel (loopback TCP, syscalls, scheduling)'), 30);
  assert.equal(share('garbage collection'), 10);
  assert.equal(share('HTTP parsing (llhttp)'), 5);
  assert.equal(share("locald's JavaScript"), 4);
  assert.equal(share("Node.js's JavaScript (http, net, streams, events)"), 6);
  assert.equal(share('other JavaScript'), 2, 'node_modules code is not ours');
  assert.equal(share('V8 builtins and runtime (property access, calls, allocation)'), 20);
  assert.equal(share('Node.js and libuv C++'), 8);
  assert.equal(share('libc (memcpy, malloc, syscall stubs)'), 9);
  assert.equal(share('other'), 6);
  assert.deepEqual(
    p.symbols.map((s) => s.name),
    ['pvm_irq_enable', 'Builtins_KeyedLoadIC_Megamorphic', 'v8::internal::Scavenger::ScavengeObject<v8::internal::FullHeapObjectSlot>'],
  );
  assert.deepEqual(p.ours, [{ name: 'relayResponse dist/engine/proxy/http1.js:216:23', share: 0.04 }]);
});

test('parseMachineBusy counts every CPU state but idle and iowait, in ms (USER_HZ 100)', () => {
  // user nice system idle iowait irq softirq steal guest guest_nice
  const stat = 'cpu  100 20 30 5000 400 1 2 3 50 0\ncpu0 50 10 15 2500 200 0 1 1 25 0\nintr 1\n';
  assert.equal(parseMachineBusy(stat), (100 + 20 + 30 + 1 + 2 + 3) * 10);
  assert.ok(Number.isNaN(parseMachineBusy('intr 1\n')));
});

test('parseParentPid reads field 4 even when the command name holds spaces and parentheses', () => {
  assert.equal(parseParentPid('4242 (Web Content (x)) S 17 4242 4242 0 -1'), 17);
});

test('descendants walks the whole tree below a root and nothing beside it', () => {
  const parents = new Map([
    [10, 1],
    [11, 10],
    [12, 11],
    [13, 10],
    [20, 1],
    [21, 20],
  ]);
  assert.deepEqual(descendants(parents, 10).sort(), [10, 11, 12, 13]);
  assert.deepEqual(descendants(parents, 21), [21]);
});

test('cpuSince counts a process that appeared meanwhile from zero and ignores one that is gone', () => {
  const before = new Map([
    [1, 100],
    [2, 50],
  ]);
  const after = new Map([
    [1, 130],
    [3, 20],
  ]);
  assert.equal(cpuSince(before, after), 50);
});
