// Real clients and servers for proxy tests. Clients connect to 127.0.0.1 and send the Host
// they mean (glibc here does not resolve *.localhost).
import http from 'node:http';
import net from 'node:net';
import type { AddressInfo } from 'node:net';

export interface Upstream {
  server: http.Server;
  port: number;
  close(): Promise<void>;
}

/** Starts a real HTTP server on `host` and an ephemeral port. */
export async function startUpstream(handler: http.RequestListener, host = '127.0.0.1'): Promise<Upstream> {
  const server = http.createServer(handler);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host, port: 0, ipv6Only: host.includes(':') }, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  return {
    server,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export interface EchoBody {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
  rawHeaders: string[];
  /** The proxy-side port of the connection: equal across requests means a reused connection. */
  remotePort: number;
  remoteAddress: string;
  body: string;
}

/** Answers every request with a JSON description of what it received. */
export function echoHandler(name = 'echo'): http.RequestListener {
  return (req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body: EchoBody = {
        method: req.method ?? '',
        url: req.url ?? '',
        headers: req.headers,
        rawHeaders: req.rawHeaders,
        remotePort: req.socket.remotePort ?? 0,
        remoteAddress: req.socket.remoteAddress ?? '',
        body: Buffer.concat(chunks).toString('utf8'),
      };
      const json = JSON.stringify(body);
      res.writeHead(200, { 'content-type': 'application/json', 'x-served-by': name });
      res.end(json);
    });
  };
}

export interface ClientResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  rawHeaders: string[];
  trailers: NodeJS.Dict<string>;
  body: Buffer;
  text: string;
}

export interface ClientRequestOptions {
  host: string;
  path?: string;
  method?: string;
  headers?: Record<string, string | string[]>;
  body?: Buffer | string;
  agent?: http.Agent | false;
}

/** One request through the proxy on 127.0.0.1:port with the given Host. */
export function request(port: number, opts: ClientRequestOptions): Promise<ClientResponse> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: '127.0.0.1',
        port,
        method: opts.method ?? 'GET',
        path: opts.path ?? '/',
        headers: { host: opts.host, ...opts.headers },
        agent: opts.agent ?? false,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', reject);
        res.on('end', () => {
          const body = Buffer.concat(chunks);
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            rawHeaders: res.rawHeaders,
            trailers: res.trailers,
            body,
            text: body.toString('utf8'),
          });
        });
      },
    );
    req.on('error', reject);
    req.end(opts.body);
  });
}

/** Writes raw bytes to the proxy and collects everything it sends until it closes (or the deadline). */
export function rawExchange(
  port: number,
  bytes: Buffer | string,
  deadlineMs = 10_000,
  /** Half-close after writing, so the proxy sees EOF instead of waiting for more. */
  endAfterWrite = false,
): Promise<{ data: Buffer; closed: boolean; error?: Error }> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    const chunks: Buffer[] = [];
    let error: Error | undefined;
    const timer = setTimeout(() => {
      socket.destroy();
      resolve({ data: Buffer.concat(chunks), closed: false, error });
    }, deadlineMs);
    socket.on('data', (c: Buffer) => chunks.push(c));
    socket.on('error', (e) => {
      error = e;
    });
    socket.on('close', () => {
      clearTimeout(timer);
      resolve({ data: Buffer.concat(chunks), closed: true, error });
    });
    socket.on('connect', () => (endAfterWrite ? socket.end(bytes) : socket.write(bytes)));
  });
}

/** Polls `check` until it returns a value other than undefined, or fails after the deadline. */
export async function waitFor<T>(check: () => T | undefined | Promise<T | undefined>, what: string, deadlineMs = 10_000): Promise<T> {
  const end = Date.now() + deadlineMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
