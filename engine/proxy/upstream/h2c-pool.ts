// One pooled HTTP/2 cleartext (h2c, prior knowledge) session per service port, for gRPC and
// `protocol = "h2c"` services. Like the HTTP/1.1 pool: 127.0.0.1 first, then ::1, and the
// address that answered is remembered. A session that gets GOAWAY, errors or closes leaves
// the pool; the next request connects again.
import http2 from 'node:http2';
import type { ClientHttp2Session, ClientHttp2Stream, OutgoingHttpHeaders } from 'node:http2';
import { shouldTryNextAddress, type LoopbackAddress, type UpstreamPool } from './pool.js';

export interface H2cConnectError extends Error {
  /** The addresses tried, in order. */
  tried: LoopbackAddress[];
  /** True when nothing accepted a connection (ECONNREFUSED and friends). */
  refused: boolean;
}

function connectError(err: Error, tried: LoopbackAddress[]): H2cConnectError {
  return Object.assign(err, { tried: [...tried], refused: shouldTryNextAddress(err) });
}

export function isH2cConnectError(err: unknown): err is H2cConnectError {
  return err instanceof Error && Array.isArray((err as Partial<H2cConnectError>).tried);
}

function urlFor(address: LoopbackAddress, port: number): string {
  return address.includes(':') ? `http://[${address}]:${port}` : `http://${address}:${port}`;
}

function connectOnce(address: LoopbackAddress, port: number): Promise<ClientHttp2Session> {
  return new Promise((resolve, reject) => {
    const session = http2.connect(urlFor(address, port), { settings: { enablePush: false } });
    const onError = (err: Error): void => {
      session.destroy();
      reject(err);
    };
    session.once('error', onError);
    session.once('connect', () => {
      session.off('error', onError);
      resolve(session);
    });
  });
}

export class H2cSessionPool {
  private readonly sessions = new Map<number, { pending: Promise<ClientHttp2Session>; session?: ClientHttp2Session }>();
  private readonly live = new Set<ClientHttp2Session>();
  private closed = false;

  /** `addresses` is the HTTP/1.1 pool: both pools share what they learnt about each port's address. */
  constructor(private readonly addresses: UpstreamPool) {}

  /** A connected session to `port`, pooled. Rejects with an H2cConnectError. */
  session(port: number): Promise<ClientHttp2Session> {
    if (this.closed) return Promise.reject(connectError(new Error('the proxy is shutting down'), []));
    const existing = this.sessions.get(port);
    if (existing !== undefined) return existing.pending;
    const entry: { pending: Promise<ClientHttp2Session>; session?: ClientHttp2Session } = { pending: this.connect(port) };
    this.sessions.set(port, entry);
    entry.pending.then(
      (session) => {
        entry.session = session;
      },
      () => {
        if (this.sessions.get(port) === entry) this.sessions.delete(port);
      },
    );
    return entry.pending;
  }

  /** Opens a stream on the pooled session; a session that died in between is replaced once. */
  async request(port: number, headers: OutgoingHttpHeaders, options: http2.ClientSessionRequestOptions): Promise<ClientHttp2Stream> {
    for (let attempt = 0; ; attempt++) {
      const session = await this.session(port);
      if (!session.closed && !session.destroyed) {
        try {
          return session.request(headers, options);
        } catch (err) {
          if (attempt > 0) throw err;
        }
      }
      this.forget(port, session);
      if (attempt > 0) throw connectError(new Error('the HTTP/2 session to the service closed'), []);
    }
  }

  close(): void {
    this.closed = true;
    for (const session of this.live) session.destroy();
    this.live.clear();
    this.sessions.clear();
  }

  private forget(port: number, session: ClientHttp2Session): void {
    const entry = this.sessions.get(port);
    if (entry !== undefined && entry.session === session) this.sessions.delete(port);
  }

  private async connect(port: number): Promise<ClientHttp2Session> {
    const tried: LoopbackAddress[] = [];
    let last: Error = new Error('no address to try');
    for (const address of this.addresses.addressOrder(port)) {
      tried.push(address);
      try {
        const session = await connectOnce(address, port);
        this.addresses.remember(port, address);
        this.adopt(port, session);
        return session;
      } catch (err) {
        last = err as Error;
        if (!shouldTryNextAddress(err)) break;
      }
    }
    throw connectError(last, tried);
  }

  private adopt(port: number, session: ClientHttp2Session): void {
    if (this.closed) {
      session.destroy();
      return;
    }
    this.live.add(session);
    // Idle pooled sessions must not keep the process alive.
    session.unref();
    const drop = (): void => this.forget(port, session);
    session.on('goaway', drop);
    session.on('error', drop);
    session.on('close', () => {
      this.live.delete(session);
      drop();
    });
  }
}
