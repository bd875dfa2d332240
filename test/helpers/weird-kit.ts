// Tools for the "weird traffic" suite: an upstream that counts requests and records the raw
// bytes the proxy sent it (through a TCP tap, so nothing the HTTP parser hides is lost),
// a proxy over it, raw HTTP/1.1 response splitting, and curl.
import { execFile, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import http from 'node:http';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import type { CaptureStats } from '../../shared/traffic.js';
import { ProxyServer, type ProxyOptions } from '../../engine/proxy/index.js';
import { TestBackend, makeProject, makeService, route } from './proxy-backend.js';

export interface SeenRequest {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
  rawHeaders: string[];
  body: Buffer;
  complete: boolean;
}

export interface TappedUpstream {
  /** The tap's port: give this to the proxy. */
  port: number;
  server: http.Server;
  /** Every request the service parsed, in arrival order (body filled in once read). */
  seen: SeenRequest[];
  /** Everything the proxy wrote to the service, all connections, in order. */
  raw(): string;
  /** Connections the proxy opened to the service. */
  connections(): number;
  close(): Promise<void>;
}

/**
 * A real node:http service behind a byte-recording TCP tap. `handler` runs after the
 * request is recorded; when it is omitted the service echoes `METHOD URL body=<json>`.
 */
export async function startTappedUpstream(handler?: http.RequestListener): Promise<TappedUpstream> {
  const seen: SeenRequest[] = [];
  const server = http.createServer((req, res) => {
    const entry: SeenRequest = { method: req.method ?? '', url: req.url ?? '', headers: req.headers, rawHeaders: req.rawHeaders, body: Buffer.alloc(0), complete: false };
    seen.push(entry);
    if (handler !== undefined) {
      handler(req, res);
      return;
    }
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      entry.body = Buffer.concat(chunks);
      entry.complete = true;
      res.end(`${entry.method} ${entry.url} body=${JSON.stringify(entry.body.toString('latin1'))}`);
    });
  });
  await listen(server);
  const upstreamPort = (server.address() as AddressInfo).port;
  const bytes: Buffer[] = [];
  const sockets = new Set<net.Socket>();
  let connections = 0;
  const tap = net.createServer({ allowHalfOpen: true }, (client) => {
    connections++;
    const service = net.connect({ host: '127.0.0.1', port: upstreamPort, allowHalfOpen: true });
    sockets.add(client).add(service);
    client.on('data', (c: Buffer) => bytes.push(c));
    client.pipe(service);
    service.pipe(client);
    const both = (): void => {
      client.destroy();
      service.destroy();
    };
    client.on('error', both);
    service.on('error', both);
    client.on('close', () => (service.writableEnded ? undefined : service.destroy()));
    service.on('close', both);
  });
  await listen(tap);
  return {
    port: (tap.address() as AddressInfo).port,
    server,
    seen,
    raw: () => Buffer.concat(bytes).toString('latin1'),
    connections: () => connections,
    close: async () => {
      for (const s of sockets) s.destroy();
      server.closeAllConnections();
      await Promise.all([new Promise<void>((r) => tap.close(() => r())), new Promise<void>((r) => server.close(() => r()))]);
    },
  };
}

export function listen(server: net.Server, host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host, port: 0 }, () => resolve((server.address() as AddressInfo).port));
  });
}

export interface ProxyOver {
  proxy: ProxyServer;
  port: number;
  backend: TestBackend;
}

/** A proxy whose project `shop` (added to `backend`) sends every path to one service on `servicePort`. */
export async function proxyOver(servicePort: number, extra: Partial<Omit<ProxyOptions, 'backend' | 'port' | 'host'>> = {}, backend = new TestBackend()): Promise<ProxyOver> {
  backend.add(makeProject('shop', [makeService('api', { port: servicePort })], [route('/', 'api')]));
  const proxy = new ProxyServer({ backend, port: 0, host: ['127.0.0.1'], ...extra });
  const { port } = await proxy.listen();
  return { proxy, port, backend };
}

export interface RawResponse {
  status: number;
  head: string;
  body: Buffer;
}

/**
 * Splits what a connection received into responses, following HTTP/1.1 framing exactly
 * (Content-Length, chunked, or no body for HEAD/1xx/204/304), so a framing leak from one
 * response shows up as garbage at the start of the next. `methods` lists the request
 * methods in order; 1xx responses are returned too and do not consume a method.
 */
export function splitResponses(data: Buffer, methods: readonly string[]): RawResponse[] {
  const out: RawResponse[] = [];
  let pos = 0;
  let m = 0;
  while (pos < data.length) {
    const end = data.indexOf('\r\n\r\n', pos);
    if (end < 0) throw new Error(`incomplete response head at ${pos}: ${JSON.stringify(data.subarray(pos, pos + 80).toString('latin1'))}`);
    const head = data.subarray(pos, end).toString('latin1');
    const match = /^HTTP\/1\.[01] (\d{3})/.exec(head);
    if (match === null) throw new Error(`not a response at ${pos}: ${JSON.stringify(head.slice(0, 80))}`);
    const status = Number(match[1]);
    pos = end + 4;
    const header = (name: string): string | undefined => new RegExp(`^${name}:\\s*(.*)$`, 'im').exec(head)?.[1]?.trim();
    if (status < 200) {
      out.push({ status, head, body: Buffer.alloc(0) });
      continue;
    }
    const method = methods[m++] ?? 'GET';
    let body: Buffer = Buffer.alloc(0);
    if (method !== 'HEAD' && status !== 204 && status !== 304) {
      const length = header('content-length');
      if (header('transfer-encoding')?.toLowerCase() === 'chunked') {
        const parts: Buffer[] = [];
        for (;;) {
          const lineEnd = data.indexOf('\r\n', pos);
          if (lineEnd < 0) throw new Error('incomplete chunk size line');
          const size = parseInt(data.subarray(pos, lineEnd).toString('latin1'), 16);
          pos = lineEnd + 2;
          if (size === 0) {
            const trailerEnd = data.indexOf('\r\n\r\n', pos - 2);
            pos = trailerEnd + 4;
            break;
          }
          parts.push(data.subarray(pos, pos + size));
          pos += size + 2;
        }
        body = Buffer.concat(parts);
      } else if (length !== undefined) {
        body = data.subarray(pos, pos + Number(length));
        pos += Number(length);
      } else {
        body = data.subarray(pos);
        pos = data.length;
      }
    }
    out.push({ status, head, body });
  }
  return out;
}

export interface CurlResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export function curl(args: string[], timeoutMs = 20_000): Promise<CurlResult> {
  return new Promise((resolve) => {
    execFile('/usr/bin/curl', ['--silent', '--show-error', ...args], { timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024 }, (err, stdout, stderr) => {
      const code = err === null ? 0 : typeof (err as NodeJS.ErrnoException & { code?: unknown }).code === 'number' ? ((err as unknown as { code: number }).code) : null;
      resolve({ code, stdout, stderr });
    });
  });
}

/** Resident memory of a process in bytes (Linux), from /proc/<pid>/status VmRSS. */
export function rssOf(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = /^VmRSS:\s+(\d+)\s+kB/m.exec(status)?.[1];
  if (kb === undefined) throw new Error(`no VmRSS for pid ${pid}`);
  return Number(kb) * 1024;
}

export interface ChildProxyConfig {
  /** HTTPS on the proxy's port, from a fresh local CA in a temporary home. */
  tls?: boolean;
  /** An h2c (gRPC) service, as project `grpc`. */
  grpcPort?: number;
  /** Traffic capture on, with this total cap in bytes (see ChildProxy.probe). */
  captureCap?: number;
}

export interface ChildProbe {
  /** The capture store's stats when the child was started with a capture cap, else null. */
  capture: CaptureStats | null;
  /** V8 heap in use after a full collection: what the proxy retains, without the collector's slack. */
  heapUsed: number;
}

export interface ChildProxy {
  pid: number;
  port: number;
  /** What the child's memory holds now (see weird-proxy-child.ts). */
  probe(): Promise<ChildProbe>;
  stop(): Promise<void>;
}

/** Starts test/helpers/weird-proxy-child.ts in a child Node process over `servicePort`. */
export async function startChildProxy(servicePort: number, config: ChildProxyConfig = {}): Promise<ChildProxy> {
  const script = fileURLToPath(new URL('./weird-proxy-child.ts', import.meta.url));
  const child = spawn(process.execPath, ['--expose-gc', '--import', 'tsx', script, String(servicePort), JSON.stringify(config)], { stdio: ['pipe', 'pipe', 'inherit'] });
  // Each line the child prints answers, in order: first the port, then each `probe`.
  const waiting: ((line: string) => void)[] = [];
  let out = '';
  child.stdout.on('data', (c: Buffer) => {
    out += c.toString('utf8');
    for (let newline = out.indexOf('\n'); newline >= 0; newline = out.indexOf('\n')) {
      const line = out.slice(0, newline);
      out = out.slice(newline + 1);
      waiting.shift()?.(line);
    }
  });
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('the child proxy did not start within 30 s')), 30_000);
    child.once('exit', (code) => reject(new Error(`the child proxy exited (${code}) before listening`)));
    waiting.push((line) => {
      clearTimeout(timer);
      resolve((JSON.parse(line) as { port: number }).port);
    });
  });
  return {
    pid: child.pid as number,
    port,
    probe: () =>
      new Promise<ChildProbe>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error('the child proxy did not answer `probe` within 10 s')), 10_000);
        waiting.push((line) => {
          clearTimeout(timer);
          resolve(JSON.parse(line) as ChildProbe);
        });
        child.stdin.write('probe\n');
      }),
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) {
          resolve();
          return;
        }
        const kill = setTimeout(() => child.kill('SIGKILL'), 5_000);
        child.once('exit', () => {
          clearTimeout(kill);
          resolve();
        });
        child.stdin.end();
      }),
  };
}
