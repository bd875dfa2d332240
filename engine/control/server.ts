// The engine's control endpoint: the engine API (shared/api.ts) as newline-delimited JSON over
// a Unix socket (named pipe on Windows) in the state directory. Binding it is also how an
// engine claims the state directory: whoever holds the socket is the one engine.
import { chmodSync, rmSync } from 'node:fs';
import net from 'node:net';
import { join } from 'node:path';
import type { EngineApi } from '../../shared/api.js';
import { serveEngineConnection } from '../api/connection.js';
import { encodeLine, LineDecoder } from './ndjson.js';
import { checkOwnerRecord, readOwnerRecord, type OwnerRecord } from './owner-record.js';
import { controlSocketPath, socketPathProblem } from './socket-path.js';
import { tryLock } from '../tls/files.js';

/** Held (O_EXCL) only while an engine binds or takes over the socket, so two never interleave. */
const CLAIM_LOCK_FILE = 'engine.lock';
const CLAIM_DEADLINE_MS = 10_000;

export class EngineRunningError extends Error {
  override name = 'EngineRunningError';
  constructor(
    readonly socket: string,
    readonly owner: OwnerRecord | null,
  ) {
    super(
      owner === null
        ? `another locald engine already serves this state directory (${socket})`
        : `another locald engine (${owner.kind}, pid ${owner.pid}, port ${owner.port}) already serves this state directory`,
    );
  }
}

export interface ControlServer {
  path: string;
  /** Starts answering: connections that arrived before wait (unread) until the engine exists. */
  serve(api: EngineApi): void;
  close(): void;
}

/** True when something accepts connections at `path` now. */
export function canConnect(path: string, timeoutMs = 2_000): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(path);
    const done = (alive: boolean): void => {
      clearTimeout(timer);
      socket.destroy();
      resolve(alive);
    };
    // A live engine answers at once; a hung one is still alive (never take its socket away).
    const timer = setTimeout(() => done(true), timeoutMs);
    socket.once('connect', () => done(true));
    socket.once('error', (e: NodeJS.ErrnoException) => done(e.code !== 'ECONNREFUSED' && e.code !== 'ENOENT'));
  });
}

function listen(server: net.Server, path: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (e: Error): void => reject(e);
    server.once('error', onError);
    server.listen(path, () => {
      server.off('error', onError);
      resolve();
    });
  });
}

/** O_EXCL lock (tls/files.ts), waited for; one whose holder died is removed by tryLock. */
async function withClaimLock<T>(home: string, work: () => Promise<T>): Promise<T> {
  const lock = join(home, CLAIM_LOCK_FILE);
  const deadline = Date.now() + CLAIM_DEADLINE_MS;
  let release = await tryLock(lock, { staleMs: CLAIM_DEADLINE_MS });
  while (release === null) {
    if (Date.now() > deadline) throw new Error(`could not claim the state directory: ${lock} stays held; remove it if no locald runs`);
    await new Promise((r) => setTimeout(r, 25));
    release = await tryLock(lock, { staleMs: CLAIM_DEADLINE_MS });
  }
  try {
    return await work();
  } finally {
    await release();
  }
}

/**
 * Binds the control endpoint for `home`, taking over a socket left by an engine that died.
 * Throws EngineRunningError when a live engine holds it.
 */
export async function claimControlSocket(home: string): Promise<ControlServer> {
  const path = controlSocketPath(home);
  const problem = socketPathProblem(path);
  if (problem !== null) throw new Error(problem);
  const sockets = new Set<net.Socket>();
  let api: EngineApi | null = null;
  const waiting: net.Socket[] = [];
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => socket.destroy());
    if (api === null) waiting.push(socket);
    else serveSocket(socket, api);
  });
  await withClaimLock(home, async () => {
    try {
      await listen(server, path);
      return;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw e;
    }
    if (await canConnect(path)) throw new EngineRunningError(path, await liveOwner(home));
    if (process.platform !== 'win32') rmSync(path, { force: true });
    await listen(server, path);
  });
  // The 0700 folder already keeps others out; the socket's own mode says so too.
  if (process.platform !== 'win32') chmodSync(path, 0o600);
  return {
    path,
    serve: (engine) => {
      api = engine;
      for (const socket of waiting.splice(0)) if (!socket.destroyed) serveSocket(socket, engine);
    },
    close: () => {
      for (const socket of sockets) socket.destroy();
      server.close();
    },
  };
}

async function liveOwner(home: string): Promise<OwnerRecord | null> {
  const record = readOwnerRecord(home);
  return record !== null && (await checkOwnerRecord(record)).live ? record : null;
}

function serveSocket(socket: net.Socket, api: EngineApi): void {
  socket.setEncoding('utf8');
  const connection = serveEngineConnection(api, (message) => {
    if (!socket.destroyed) socket.write(encodeLine(message));
  });
  const decoder = new LineDecoder();
  socket.on('data', (chunk: string) => {
    let decoded;
    try {
      decoded = decoder.push(chunk);
    } catch {
      socket.destroy();
      return;
    }
    for (const d of decoded) connection.receive(d.kind === 'message' ? d.value : null);
  });
  socket.on('close', () => connection.close());
  socket.on('error', () => connection.close());
}
