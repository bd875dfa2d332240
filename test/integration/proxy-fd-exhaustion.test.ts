// The proxy out of file descriptors: run in a child process under `prlimit --nofile`, it
// gets more idle connections than its limit allows. accept() then fails with EMFILE (libuv
// accepts and closes the surplus) and the proxy's own connect to the service fails with
// EMFILE. It must not crash, must say why in the 502 it sends, and must serve again once
// the connections are gone. The proxy is test/helpers/weird-proxy-child.ts (a ProxyServer
// over one fixed service, project 'shop', in its own process), started through prlimit.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import net from 'node:net';
import { request, startUpstream, waitFor, type Upstream } from '../helpers/proxy-net.js';

// Low enough that a couple of hundred connections exhaust it; high enough for Node, tsx's
// loader thread and the proxy's listener to start (they hold ~25 descriptors here).
const FD_LIMIT = 160;
const CONNECTIONS = 200;
const HOST = 'shop.localhost'; // the project weird-proxy-child.ts serves
const OUT_OF_FILES_HINT = /open-files limit \(ulimit -n\)/;

const prlimitMissing = spawnSync('prlimit', ['--version'], { stdio: 'ignore' }).error !== undefined;

interface Outcome {
  /** The status line; 'closed' when the proxy closed the connection without answering; or why nothing came. */
  status: string;
  body: string;
}

/** Starts the proxy child under the descriptor limit; resolves with its port once it listens. */
async function startLimitedProxy(servicePort: number): Promise<{ child: ChildProcessWithoutNullStreams; port: number; stderr: () => string }> {
  const script = fileURLToPath(new URL('../helpers/weird-proxy-child.ts', import.meta.url));
  const child = spawn('prlimit', [`--nofile=${FD_LIMIT}:${FD_LIMIT}`, process.execPath, '--import', 'tsx', script, String(servicePort)], {
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let err = '';
  child.stderr.on('data', (c: Buffer) => {
    err += c.toString('utf8');
  });
  const port = await new Promise<number>((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`the proxy child did not start within 30 s; stderr: ${err}`)), 30_000);
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`the proxy child exited (${code ?? signal}) before listening; stderr: ${err}`));
    });
    child.stdout.on('data', (c: Buffer) => {
      out += c.toString('utf8');
      const newline = out.indexOf('\n');
      if (newline < 0) return;
      clearTimeout(timer);
      resolve((JSON.parse(out.slice(0, newline)) as { port: number }).port);
    });
  });
  return { child, port, stderr: () => err };
}

/** Descriptors the process holds right now (Linux /proc). */
function openDescriptors(pid: number): number {
  return readdirSync(`/proc/${pid}/fd`).length;
}

/** A client connection, watched from the moment it opens: what it received and whether it closed. */
interface Conn {
  socket: net.Socket;
  chunks: Buffer[];
  closed: Promise<void>;
}

/** Opens a TCP connection to the proxy; resolves once the handshake completes (the kernel's, not necessarily accept()). */
function openIdle(port: number): Promise<Conn> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    const chunks: Buffer[] = [];
    // Listening from the start: the proxy may close the connection (libuv's EMFILE handling)
    // long before the test writes to it.
    const closed = new Promise<void>((done) => socket.once('close', () => done()));
    socket.on('data', (c: Buffer) => chunks.push(c));
    socket.once('connect', () => {
      socket.off('error', reject);
      socket.on('error', () => undefined); // ECONNRESET/EPIPE from a dropped connection: an outcome, seen on close
      resolve({ socket, chunks, closed });
    });
    socket.once('error', reject);
  });
}

/**
 * Sends one request on the connection (unless the proxy already closed it) and collects
 * what comes back until the proxy closes it. Never rejects: every ending is an outcome.
 */
async function exchange(conn: Conn, deadlineMs: number): Promise<Outcome> {
  const { socket, chunks } = conn;
  if (!socket.destroyed && socket.writable) {
    socket.write(`GET / HTTP/1.1\r\nHost: ${HOST}\r\nAccept: application/json\r\nConnection: close\r\n\r\n`);
  }
  let timer: NodeJS.Timeout | undefined;
  const timedOut = await Promise.race([
    conn.closed.then(() => false),
    new Promise<boolean>((resolve) => {
      timer = setTimeout(() => resolve(true), deadlineMs);
    }),
  ]);
  clearTimeout(timer);
  const text = Buffer.concat(chunks).toString('utf8');
  if (timedOut) {
    socket.destroy();
    return { status: `no answer within ${deadlineMs} ms: ${JSON.stringify(text.slice(0, 80))}`, body: '' };
  }
  const head = text.indexOf('\r\n\r\n');
  if (text === '') return { status: 'closed', body: '' };
  if (head < 0) return { status: `partial: ${JSON.stringify(text.slice(0, 80))}`, body: '' };
  return { status: text.slice(0, text.indexOf('\r\n')), body: text.slice(head + 4) };
}

describe('proxy out of file descriptors', { skip: prlimitMissing ? 'prlimit (util-linux) is not installed' : false, timeout: 60_000 }, () => {
  let upstream: Upstream | undefined;
  let proxy: Awaited<ReturnType<typeof startLimitedProxy>> | undefined;
  const conns: Conn[] = [];

  before(async () => {
    upstream = await startUpstream((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.end('ok');
    });
    proxy = await startLimitedProxy(upstream.port);
  });

  after(async () => {
    for (const c of conns) c.socket.destroy();
    const child = proxy?.child;
    if (child !== undefined && child.exitCode === null && child.signalCode === null) {
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      child.kill('SIGKILL');
      await exited;
    }
    await upstream?.close();
  });

  it('keeps running, explains the 502 with the open-files limit, and serves again once connections close', async (t) => {
    assert.ok(proxy !== undefined && upstream !== undefined);
    const { child, port, stderr } = proxy;
    const pid = child.pid as number;

    // The proxy answers before the flood, so whatever fails later is the limit's doing.
    const warm = await request(port, { host: HOST });
    assert.equal(warm.status, 200);
    assert.equal(warm.text, 'ok');
    const baseline = openDescriptors(pid);

    // Sequentially, so the listen backlog never overflows and every handshake completes.
    for (let i = 0; i < CONNECTIONS; i++) conns.push(await openIdle(port));

    // Wait until the proxy has accepted up to its limit (libuv holds one spare descriptor
    // for the EMFILE trick, and it counts in /proc too).
    await waitFor(() => (openDescriptors(pid) >= FD_LIMIT - 1 ? true : undefined), `the proxy to reach ${FD_LIMIT} open descriptors`, 15_000);

    const outcomes = await Promise.all(conns.map((c) => exchange(c, 15_000)));
    const summary = new Map<string, number>();
    for (const o of outcomes) summary.set(o.status, (summary.get(o.status) ?? 0) + 1);
    const described = JSON.stringify(Object.fromEntries(summary));
    t.diagnostic(`outcomes of ${CONNECTIONS} connections: ${described}`);

    assert.equal(child.exitCode, null, `the proxy exited (${child.exitCode}); stderr: ${stderr()}`);
    assert.equal(child.signalCode, null, `the proxy was killed by ${child.signalCode}; stderr: ${stderr()}`);
    assert.ok(
      (summary.get('closed') ?? 0) > 0,
      `some connections past the limit should have been closed by the proxy (libuv's EMFILE handling); outcomes: ${described}`,
    );

    const explained = outcomes.filter((o) => o.status.startsWith('HTTP/1.1 502'));
    assert.ok(explained.length > 0, `expected at least one 502; outcomes: ${described}`);
    const problem = JSON.parse(explained[0]?.body ?? '') as { type?: string; hint?: string; error?: string };
    assert.equal(problem.type, 'urn:locald:problem:upstream-error', `the 502: ${explained[0]?.body}`);
    assert.equal(problem.error, 'EMFILE', `the 502: ${explained[0]?.body}`);
    assert.match(problem.hint ?? '', OUT_OF_FILES_HINT, `the 502: ${explained[0]?.body}`);
    for (const o of explained) assert.match(o.body, OUT_OF_FILES_HINT, `every 502 names the limit; one was: ${o.body}`);

    // Every other answer is either a real 200 from the service or a closed connection; nothing hangs half-sent.
    for (const o of outcomes) {
      assert.ok(o.status === 'closed' || o.status.startsWith('HTTP/1.1 502') || o.status.startsWith('HTTP/1.1 200'), `unexpected outcome ${o.status}; all: ${described}`);
    }

    // Free the descriptors; the proxy releases them asynchronously, so poll for a good answer.
    for (const c of conns) c.socket.destroy();
    const recovered = await waitFor(
      async () => {
        try {
          const r = await request(port, { host: HOST });
          return r.status === 200 ? r : undefined;
        } catch {
          return undefined; // still out of descriptors: the proxy dropped the connection
        }
      },
      'a 200 through the proxy after the idle connections closed',
      15_000,
    );
    assert.equal(recovered.text, 'ok');
    assert.equal(child.exitCode, null, `the proxy exited after recovering; stderr: ${stderr()}`);

    // Nothing leaks: once the service drops its idle keep-alive connections (so the proxy's
    // pool holds none), the proxy is back to what it held before the flood.
    upstream.server.closeIdleConnections();
    await waitFor(
      () => (openDescriptors(pid) <= baseline ? true : undefined),
      `the proxy to release the flood's descriptors (held ${baseline} before it)`,
      15_000,
    ).catch((err: unknown) => {
      throw new Error(`${(err as Error).message}; holds ${openDescriptors(pid)} now`);
    });
  });
});
