// Descriptor hygiene: for every kind of connection the proxy takes (HTTP/1.1 with and
// without keep-alive, h2c, h2 over TLS, WebSocket over HTTP/1.1 and over HTTP/2, gRPC,
// aborted TLS handshakes, client resets), N connections are opened and closed by real
// clients, and the proxy process (a child, so the test's own sockets do not count) must
// come back to the sockets it held before. A leak shows up as sockets left in CLOSE-WAIT.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { ClientHttp2Session } from 'node:http2';
import net from 'node:net';
import { readdirSync, readlinkSync } from 'node:fs';
import tls from 'node:tls';
import { WebSocket, WebSocketServer } from 'ws';
import { H2_PREFACE } from '../../engine/proxy/listen/sniff.js';
import { connectH2c, curl } from '../helpers/h2-kit.js';
import { echoClient, startEchoServer, unary, type EchoServer } from '../helpers/h2-grpc.js';
import { request, startUpstream, waitFor, type Upstream } from '../helpers/proxy-net.js';
import { startChildProxy, type ChildProxy } from '../helpers/weird-kit.js';
import { openH2WebSocket } from '../helpers/ws-h2-client.js';

const N = 30;
const HOST = 'shop.localhost';

/** Sockets among a process's open descriptors (Linux). */
function socketsHeldBy(pid: number): number {
  let n = 0;
  for (const fd of readdirSync(`/proc/${pid}/fd`)) {
    try {
      if (readlinkSync(`/proc/${pid}/fd/${fd}`).startsWith('socket:')) n++;
    } catch {
      // closed between readdir and readlink
    }
  }
  return n;
}

/** Runs `open` N times, a few at a time, like a page loading its resources. */
async function times(open: (i: number) => Promise<void>, parallel = 5): Promise<void> {
  let next = 0;
  const lane = async (): Promise<void> => {
    while (next < N) await open(next++);
  };
  await Promise.all(Array.from({ length: parallel }, lane));
}

function connected(socket: net.Socket): Promise<void> {
  return new Promise((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  });
}

function closedSocket(socket: net.Socket): Promise<void> {
  return new Promise((resolve) => (socket.destroyed && socket.closed ? resolve() : socket.once('close', () => resolve())));
}

/** Ends a client session the way curl and browsers do: the TCP connection closes, no GOAWAY. */
function dropSession(session: ClientHttp2Session): Promise<void> {
  const closed = new Promise<void>((resolve) => session.once('close', () => resolve()));
  session.destroy();
  return closed;
}

function h2Get(session: ClientHttp2Session, path: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = session.request({ ':path': path, ':authority': HOST });
    let status = 0;
    req.on('response', (h) => (status = Number(h[':status'])));
    req.on('error', reject);
    req.resume();
    req.on('close', () => resolve(status));
    req.end();
  });
}

describe('proxy: every connection gives its descriptor back', () => {
  let web: Upstream;
  let wss: WebSocketServer;
  let grpcService: EchoServer;
  let proxy: ChildProxy;

  before(async () => {
    // Connection: close, so the proxy's own keep-alive pool to the service holds nothing
    // between the counts: every socket left is one a client connection left behind.
    web = await startUpstream((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain', connection: 'close' });
      res.end('ok');
    });
    wss = new WebSocketServer({ server: web.server });
    wss.on('connection', (ws) => ws.on('message', (m) => ws.send(`echo ${String(m)}`)));
    grpcService = await startEchoServer();
    proxy = await startChildProxy(web.port, { tls: true, grpcPort: grpcService.port });
    // The proxy keeps one pooled h2c session to a gRPC service: open it before any count.
    const warm = echoClient(proxy.port, 'grpc.localhost');
    await unary(warm, { text: 'warm' }).finally(() => warm.close());
  });
  after(async () => {
    await proxy?.stop();
    wss?.close();
    await Promise.all([web?.close(), grpcService?.close()]);
  });

  const kinds: { kind: string; open: (port: number) => Promise<void> }[] = [
    {
      kind: 'HTTP/1.1, one request per connection',
      open: async (port) => {
        const r = await request(port, { host: HOST, path: '/h1' });
        assert.equal(r.status, 200);
      },
    },
    {
      kind: 'HTTP/1.1 keep-alive, closed by the client while idle',
      open: async (port) => {
        const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
        for (const path of ['/a', '/b']) assert.equal((await request(port, { host: HOST, path, agent })).status, 200);
        agent.destroy();
      },
    },
    {
      kind: 'h2c prior knowledge (curl)',
      open: async (port) => {
        const r = await curl(['--http2-prior-knowledge', '-o', '/dev/null', '-w', '%{http_version} %{http_code}', '-H', `Host: ${HOST}`, `http://127.0.0.1:${port}/h2c`]);
        assert.equal(r.stdout, '2 200', r.stderr);
      },
    },
    {
      kind: 'h2 over TLS (curl -k)',
      open: async (port) => {
        const r = await curl(['--http2', '-k', '--resolve', `${HOST}:${port}:127.0.0.1`, '-o', '/dev/null', '-w', '%{http_version} %{http_code}', `https://${HOST}:${port}/h2`]);
        assert.equal(r.stdout, '2 200', r.stderr);
      },
    },
    {
      kind: 'h2c (Node http2, two requests, then the connection drops)',
      open: async (port) => {
        const session = connectH2c(port);
        assert.equal(await h2Get(session, '/one'), 200);
        assert.equal(await h2Get(session, '/two'), 200);
        await dropSession(session);
      },
    },
    {
      kind: 'WebSocket over HTTP/1.1 (closed with a close frame)',
      open: async (port) => {
        const ws = new WebSocket(`ws://127.0.0.1:${port}/ws`, { headers: { host: HOST } });
        await new Promise<void>((resolve, reject) => {
          ws.once('open', () => ws.send('hi'));
          ws.once('message', (m) => {
            assert.equal(String(m), 'echo hi');
            ws.close(1000);
          });
          ws.once('close', () => resolve());
          ws.once('error', reject);
        });
      },
    },
    {
      kind: 'WebSocket over HTTP/2 (RFC 8441, h2c)',
      open: async (port) => {
        const session = connectH2c(port);
        const opened = await openH2WebSocket(session, HOST, '/ws', {}, 'http');
        assert.ok('ws' in opened, 'the extended CONNECT was refused');
        opened.ws.sendText('hi');
        assert.equal((await opened.ws.next()).data.toString(), 'echo hi');
        opened.ws.close(1000);
        await opened.ws.closed;
        await dropSession(session);
      },
    },
    {
      kind: 'gRPC unary (grpc-js, h2c)',
      open: async (port) => {
        const client = echoClient(port, 'grpc.localhost');
        try {
          assert.equal((await unary(client, { text: 'x' })).reply.text, 'echo:x');
        } finally {
          client.close();
        }
      },
    },
    {
      kind: 'TLS handshake aborted by the client',
      open: async (port) => {
        // A real ClientHello, then the client gives up before the handshake completes.
        const raw = net.connect({ host: '127.0.0.1', port });
        await connected(raw);
        const client = tls.connect({ socket: raw, servername: HOST, rejectUnauthorized: false, ALPNProtocols: ['h2'] });
        client.on('error', () => undefined);
        await waitFor(() => (raw.bytesWritten > 0 ? true : undefined), 'the ClientHello to go out');
        raw.end();
        client.destroy();
        await closedSocket(raw);
      },
    },
    {
      kind: 'client RST after the HTTP/2 preface',
      open: async (port) => {
        const raw = net.connect({ host: '127.0.0.1', port });
        raw.on('error', () => undefined);
        await connected(raw);
        raw.write(H2_PREFACE);
        // The proxy's SETTINGS say the session is up; then the client resets.
        await new Promise<void>((resolve) => raw.once('data', () => resolve()));
        raw.resetAndDestroy();
        await closedSocket(raw);
      },
    },
    {
      kind: 'client RST in the middle of an HTTP/1.1 request head',
      open: async (port) => {
        const raw = net.connect({ host: '127.0.0.1', port });
        raw.on('error', () => undefined);
        await connected(raw);
        await new Promise<void>((resolve) => raw.write(`GET / HTTP/1.1\r\nHost: ${HOST}\r\n`, () => resolve()));
        raw.resetAndDestroy();
        await closedSocket(raw);
      },
    },
  ];

  for (const { kind, open } of kinds) {
    it(`${kind}: ${N} connections, then no more sockets than before`, async () => {
      const baseline = socketsHeldBy(proxy.pid);
      await times(() => open(proxy.port));
      let now = baseline;
      try {
        await waitFor(() => ((now = socketsHeldBy(proxy.pid)) <= baseline ? true : undefined), 'the proxy to close its sockets', 10_000);
      } catch {
        assert.fail(`${kind}: the proxy holds ${now} sockets after ${N} closed connections, ${baseline} before (${now - baseline} left open)`);
      }
    });
  }
});
