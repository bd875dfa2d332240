// A proxy in its own process, so a test can read its memory (/proc/<pid>/status) and its
// descriptors (/proc/<pid>/fd) without counting the test's own clients and services.
// argv[2]: the service port; argv[3] (optional): ChildProxyConfig as JSON. Prints
// `{"port":N}` once listening; answers each `probe` line on stdin with one JSON line: the
// capture store's CaptureStats (null without captureCap) and the heap in use after a full
// collection (the child runs with --expose-gc); exits when stdin closes.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { TrafficStore } from '../../engine/capture/index.js';
import { DEFAULT_CAPTURE_LIMITS } from '../../shared/traffic.js';
import { LocalCa, secureServerOptions } from '../../engine/tls/index.js';
import { TestBackend, makeProject, makeService, route } from './proxy-backend.js';
import { proxyOver, type ChildProxyConfig } from './weird-kit.js';

const servicePort = Number(process.argv[2]);
const config = JSON.parse(process.argv[3] ?? '{}') as ChildProxyConfig;
const backend = new TestBackend();
// gRPC goes over h2c, so it needs a service that speaks it: project `grpc`.
if (config.grpcPort !== undefined) backend.add(makeProject('grpc', [makeService('echo', { port: config.grpcPort })], [route('/', 'echo')]));
const home = config.tls === true ? mkdtempSync(join(tmpdir(), 'locald-child-')) : null;
const tls = home === null ? undefined : await secureServerOptions(await LocalCa.open(home), backend);
const capture = config.captureCap === undefined ? undefined : new TrafficStore({ ...DEFAULT_CAPTURE_LIMITS, maxTotalBytes: config.captureCap });
const { proxy, port } = await proxyOver(servicePort, { tls, capture }, backend);
process.stdout.write(`${JSON.stringify({ port })}\n`);
const lines = createInterface({ input: process.stdin });
lines.on('line', (line) => {
  if (line.trim() !== 'probe') return;
  (globalThis as { gc?: () => void }).gc?.();
  process.stdout.write(`${JSON.stringify({ capture: capture?.stats() ?? null, heapUsed: process.memoryUsage().heapUsed })}\n`);
});
lines.on('close', () => {
  capture?.close();
  void proxy.close().then(() => {
    if (home !== null) rmSync(home, { recursive: true, force: true });
    process.exit(0);
  });
});
