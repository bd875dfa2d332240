// Real HTTP/2 clients and a TLS-enabled proxy for the HTTP/2, h2c and gRPC tests.
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import http2 from 'node:http2';
import type { ClientHttp2Session, IncomingHttpHeaders, OutgoingHttpHeaders } from 'node:http2';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ProxyServer, type ProxyOptions } from '../../engine/proxy/index.js';
import type { ProxyBackend } from '../../engine/proxy/backend.js';
import { LocalCa, secureServerOptions } from '../../engine/tls/index.js';

export interface TlsProxy {
  proxy: ProxyServer;
  port: number;
  caPem: string;
  /** The CA certificate on disk, for curl --cacert. */
  caFile: string;
  close(): Promise<void>;
}

/** A ProxyServer with HTTPS from a fresh local CA in a temporary home. */
export async function startTlsProxy(backend: ProxyBackend, extra: Partial<Omit<ProxyOptions, 'backend' | 'port' | 'host' | 'tls'>> = {}): Promise<TlsProxy> {
  const home = await mkdtemp(join(tmpdir(), 'locald-h2-'));
  const ca = await LocalCa.open(home);
  const proxy = new ProxyServer({ backend, port: 0, host: ['127.0.0.1'], tls: await secureServerOptions(ca, backend), ...extra });
  const { port } = await proxy.listen();
  const caFile = join(home, 'test-ca.pem');
  await writeFile(caFile, ca.certPem);
  return {
    proxy,
    port,
    caPem: ca.certPem,
    caFile,
    close: async () => {
      await proxy.close();
      await rm(home, { recursive: true, force: true });
    },
  };
}

/** HTTP/2 over TLS to 127.0.0.1, SNI `servername`, verified against `caPem`. */
export function connectH2Tls(port: number, servername: string, caPem: string): ClientHttp2Session {
  const session = http2.connect(`https://127.0.0.1:${port}`, { servername, ca: [caPem] });
  session.on('error', () => undefined);
  return session;
}

/** h2c with prior knowledge to 127.0.0.1. */
export function connectH2c(port: number): ClientHttp2Session {
  const session = http2.connect(`http://127.0.0.1:${port}`);
  session.on('error', () => undefined);
  return session;
}

export interface H2Response {
  status: number;
  headers: IncomingHttpHeaders;
  trailers: IncomingHttpHeaders | undefined;
  body: Buffer;
  text: string;
  /** Set when the stream ended with RST_STREAM instead of END_STREAM. */
  rstCode: number | undefined;
  /** The response arrived as one HEADERS frame with END_STREAM. */
  headersEndedStream: boolean;
}

/** One request on a session; resolves when the stream closes (cleanly or reset). */
export function h2Request(session: ClientHttp2Session, headers: OutgoingHttpHeaders, body?: Buffer | string | (Buffer | string)[]): Promise<H2Response> {
  return new Promise((resolve, reject) => {
    const endStream = body === undefined;
    const req = session.request(headers, { endStream });
    let status = 0;
    let resHeaders: IncomingHttpHeaders = {};
    let trailers: IncomingHttpHeaders | undefined;
    let headersEndedStream = false;
    const chunks: Buffer[] = [];
    req.on('response', (h, flags) => {
      status = Number(h[':status']);
      resHeaders = h;
      headersEndedStream = (flags & http2.constants.NGHTTP2_FLAG_END_STREAM) !== 0;
    });
    req.on('trailers', (t) => {
      trailers = t;
    });
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('error', (err: Error) => {
      if (status === 0 && (req.rstCode === undefined || req.rstCode === 0)) reject(err);
    });
    req.on('close', () => {
      const all = Buffer.concat(chunks);
      resolve({
        status,
        headers: resHeaders,
        trailers,
        body: all,
        text: all.toString('utf8'),
        rstCode: req.rstCode !== undefined && req.rstCode !== 0 ? req.rstCode : undefined,
        headersEndedStream,
      });
    });
    if (Array.isArray(body)) {
      for (const part of body) req.write(part);
      req.end();
    } else if (body !== undefined) {
      req.end(body);
    }
  });
}

export interface CurlResult {
  code: number;
  stdout: string;
  stderr: string;
}

export function curl(args: string[], timeoutMs = 20_000): Promise<CurlResult> {
  return new Promise((resolve) => {
    execFile('curl', ['--silent', '--show-error', '--max-time', String(Math.ceil(timeoutMs / 1000)), ...args], { timeout: timeoutMs + 5_000 }, (err, stdout, stderr) => {
      const code = err === null ? 0 : typeof (err as { code?: unknown }).code === 'number' ? ((err as { code: number }).code) : -1;
      resolve({ code, stdout, stderr });
    });
  });
}

export function closeSession(session: ClientHttp2Session): Promise<void> {
  return new Promise((resolve) => {
    if (session.closed || session.destroyed) {
      resolve();
      return;
    }
    session.close(() => resolve());
  });
}
