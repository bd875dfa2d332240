// Connection lifetimes: a connection that has not said which protocol it speaks is dropped
// at an absolute deadline from accept (however it dribbles its bytes), an HTTP/2 session
// with no open stream gets GOAWAY after the idle timeout, and an open stream (SSE here)
// keeps its session however long the wire stays silent. Short timeouts, real clients.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import http2 from 'node:http2';
import type { ClientHttp2Session } from 'node:http2';
import net from 'node:net';
import { H2_PREFACE } from '../../engine/proxy/listen/sniff.js';
import { TestBackend, makeProject, makeService, route } from '../helpers/proxy-backend.js';
import { startUpstream, type Upstream } from '../helpers/proxy-net.js';
import { connectH2c, h2Request, startTlsProxy, type TlsProxy } from '../helpers/h2-kit.js';

const SNIFF_DEADLINE_MS = 1_000;
const IDLE_MS = 1_000;
const HOST = 'shop.localhost';

/** Opens an h2 session over TLS (no certificate check: the CA is not what is tested here). */
function connectH2Tls(port: number): ClientHttp2Session {
  const session = http2.connect(`https://127.0.0.1:${port}`, { servername: HOST, rejectUnauthorized: false });
  session.on('error', () => undefined);
  return session;
}

/** Resolves when the session closes; records whether the server said GOAWAY first. */
function watchSession(session: ClientHttp2Session): { closed: Promise<void>; goaway: () => boolean } {
  let goaway = false;
  session.on('goaway', () => (goaway = true));
  const closed = new Promise<void>((resolve) => (session.closed || session.destroyed ? resolve() : session.once('close', () => resolve())));
  return { closed, goaway: () => goaway };
}

function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`${what}: not within ${ms} ms`)), ms)));
  return Promise.race([promise, deadline]).finally(() => clearTimeout(timer));
}

describe('proxy: connection lifetimes', () => {
  let web: Upstream;
  let tp: TlsProxy;

  before(async () => {
    web = await startUpstream((req, res) => {
      if (req.url === '/sse') {
        // One event, a silence well past the idle timeout, a second event, the end.
        res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
        res.write('data: first\n\n');
        const timer = setTimeout(() => res.end('data: second\n\n'), IDLE_MS * 3);
        res.on('close', () => clearTimeout(timer));
        return;
      }
      res.end('ok');
    });
    const backend = new TestBackend().add(makeProject('shop', [makeService('web', { port: web.port })], [route('/', 'web')]));
    tp = await startTlsProxy(backend, { sniffDeadlineMs: SNIFF_DEADLINE_MS, http2IdleTimeoutMs: IDLE_MS });
  });
  after(async () => {
    await tp?.close();
    await web?.close();
  });

  it('drops a client dribbling the HTTP/2 preface a byte at a time at the deadline from accept', async () => {
    const socket = net.connect({ host: '127.0.0.1', port: tp.port });
    socket.on('error', () => undefined);
    const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
    let sent = 0;
    // A byte every 250 ms: the whole preface would take 6 s, each gap far below the deadline.
    const dribble = setInterval(() => {
      if (sent < H2_PREFACE.length && socket.writable) socket.write(H2_PREFACE.subarray(sent, ++sent));
    }, 250);
    try {
      await within(closed, SNIFF_DEADLINE_MS + 3_000, 'the proxy closing the dribbling connection');
    } finally {
      clearInterval(dribble);
      socket.destroy();
    }
    assert.ok(sent < H2_PREFACE.length, `closed only after the whole preface (${sent} bytes)`);
  });

  it('drops a connection that never says a word at the deadline', async () => {
    const socket = net.connect({ host: '127.0.0.1', port: tp.port });
    socket.on('error', () => undefined);
    const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
    try {
      await within(closed, SNIFF_DEADLINE_MS + 3_000, 'the proxy closing the silent connection');
    } finally {
      socket.destroy();
    }
  });

  for (const [name, connect] of [
    ['h2c', connectH2c],
    ['h2 over TLS', connectH2Tls],
  ] as const) {
    it(`${name}: a session with no open stream gets GOAWAY and is closed after the idle timeout`, async () => {
      const session = connect(tp.port);
      const watched = watchSession(session);
      const r = await h2Request(session, { ':path': '/', ':authority': HOST });
      assert.equal(r.status, 200);
      try {
        await within(watched.closed, IDLE_MS + 4_000, 'the proxy closing the idle session');
      } finally {
        session.destroy();
      }
      assert.equal(watched.goaway(), true, 'closed without GOAWAY');
    });
  }

  it('an SSE stream over h2 that stays silent longer than the idle timeout is not cut, and the session idles out after it', async () => {
    const session = connectH2c(tp.port);
    const watched = watchSession(session);
    try {
      const r = await h2Request(session, { ':path': '/sse', ':authority': HOST, accept: 'text/event-stream' });
      assert.equal(r.status, 200);
      assert.equal(r.rstCode, undefined, 'the stream was reset');
      assert.equal(r.text, 'data: first\n\ndata: second\n\n');
      assert.equal(watched.goaway(), false, 'GOAWAY while the stream was open');
      await within(watched.closed, IDLE_MS + 4_000, 'the proxy closing the session once the stream ended');
    } finally {
      session.destroy();
    }
  });
});
