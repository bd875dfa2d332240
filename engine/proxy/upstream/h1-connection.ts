// One keep-alive TCP connection to a service, speaking HTTP/1.1 on a raw socket: writes a
// request head (and body, framed), parses the response (h1-response-parser.ts) and tells
// the request using it what happened. One request at a time; the pool (pool.ts) hands it to
// the next one when the response has ended and the request has been sent whole.
import type { Socket } from 'node:net';
import { Writable } from 'node:stream';
import { ResponseParser, type ParsedHead, type ResponseParserEvents } from './h1-response-parser.js';

/** What one request on a connection hears back, in order: connected, then the response. */
export interface ResponseListener {
  /** The connection is up (at once when it was idle in the pool). */
  connected(): void;
  /** The whole request has been written. */
  requestSent(): void;
  informational(status: number, rawHeaders: string[]): void;
  head(head: ParsedHead): void;
  body(chunk: Buffer): void;
  complete(trailers: string[]): void;
  /** The connection broke (or the response was invalid) before the response completed. */
  failed(err: Error): void;
}

/** The pool's side of a connection. */
export interface ConnectionHome {
  /** A new connection is up, or failed to come up. */
  opened(conn: UpstreamConnection): void;
  /** The response ended and the connection can carry another request. */
  release(conn: UpstreamConnection): void;
  /** The connection closed. */
  gone(conn: UpstreamConnection): void;
}

/**
 * The service closed the connection before the response ended. "socket hang up" and
 * ECONNRESET as Node names it, so the resend-after-reset rule applies to it too.
 */
export class HangUp extends Error {
  readonly code = 'ECONNRESET';
  constructor() {
    super('socket hang up');
  }
}

const LAST_CHUNK = '0\r\n\r\n';

/** The request body's sink: chunks framed for the service (chunked or as-is under Content-Length). */
class RequestBody extends Writable {
  constructor(
    private readonly conn: UpstreamConnection,
    private readonly chunked: boolean,
  ) {
    super();
    // A connection torn down mid-body (client gone, service reset) is reported elsewhere.
    this.on('error', () => {});
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    const socket = this.conn.socket;
    if (socket.destroyed) return callback(new HangUp());
    if (!this.chunked) {
      socket.write(chunk, callback);
      return;
    }
    if (chunk.length === 0) return callback();
    socket.cork();
    socket.write(`${chunk.length.toString(16)}\r\n`, 'latin1');
    socket.write(chunk);
    socket.write('\r\n', 'latin1', callback);
    socket.uncork();
  }

  override _final(callback: (error?: Error | null) => void): void {
    const done = (err?: Error | null): void => {
      callback(err);
      if (err === undefined || err === null) this.conn.bodySent();
    };
    if (this.conn.socket.destroyed) return callback(new HangUp());
    if (this.chunked) this.conn.socket.write(LAST_CHUNK, 'latin1', done);
    else done();
  }
}

export class UpstreamConnection implements ResponseParserEvents {
  private listener: ResponseListener | null = null;
  private readonly parser = new ResponseParser(this);
  private opening: boolean;
  /** Requests this connection has carried, the current one included. */
  private requests = 0;
  private requestWritten = false;
  private responseEnded = false;
  private keepAlive = false;
  /** The current response completed inside onData: release once the parser has returned. */
  private releaseAfterData = false;
  /** The service's Keep-Alive timeout hint (ms), 0 if none; when it went idle. */
  keepAliveMs = 0;
  idleSince = 0;

  private readonly afterHeadWritten = (err?: Error | null): void => {
    if (err === undefined || err === null) this.bodySent();
  };

  constructor(
    readonly socket: Socket,
    private readonly home: ConnectionHome,
  ) {
    this.opening = socket.connecting;
    socket.on('connect', () => this.onConnect());
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('end', () => this.onEnd());
    socket.on('error', (err: Error) => this.onBroken(err));
    socket.on('close', () => this.onClose());
  }

  /** This request is not the connection's first: the service may have closed it meanwhile. */
  get reused(): boolean {
    return this.requests > 1;
  }

  /** Writes the request head (and, later, the body through `bodySink`) for `listener`. */
  send(listener: ResponseListener, method: string, head: string, hasBody: boolean): void {
    this.listener = listener;
    this.requests += 1;
    this.requestWritten = false;
    this.responseEnded = false;
    this.keepAlive = false;
    this.parser.expect(method);
    // The previous response may have ended while its client was full (the socket paused).
    if (this.socket.isPaused()) this.socket.resume();
    this.socket.write(head, 'latin1', hasBody ? undefined : this.afterHeadWritten);
    if (!this.opening) listener.connected();
  }

  /** Where the request body goes once `connected` was called. */
  bodySink(chunked: boolean): Writable {
    return new RequestBody(this, chunked);
  }

  /** Backpressure from `listener`'s client; ignored once the connection serves another request. */
  pause(listener: ResponseListener): void {
    if (this.listener === listener) this.socket.pause();
  }

  resume(listener: ResponseListener): void {
    if (this.listener === listener) this.socket.resume();
  }

  /**
   * `listener`'s request is over early (client gone, deadline, local answer): the connection
   * closes, unless it has already moved on to another request.
   */
  abandon(listener: ResponseListener): void {
    if (this.listener !== listener) return;
    this.listener = null;
    this.socket.destroy();
  }

  /** Closes an idle connection. */
  close(): void {
    this.socket.destroy();
  }

  /** The whole request (head and body) is written. */
  bodySent(): void {
    this.requestWritten = true;
    this.listener?.requestSent();
    if (this.responseEnded) this.afterExchange();
  }

  // --- ResponseParserEvents ---

  informational(status: number, rawHeaders: string[]): void {
    this.listener?.informational(status, rawHeaders);
  }

  head(head: ParsedHead): void {
    this.keepAlive = head.keepAlive;
    this.keepAliveMs = head.keepAliveMs;
    this.listener?.head(head);
  }

  body(chunk: Buffer): void {
    this.listener?.body(chunk);
  }

  complete(trailers: string[]): void {
    this.responseEnded = true;
    const listener = this.listener;
    listener?.complete(trailers);
    this.releaseAfterData = true;
  }

  // --- socket events ---

  private onConnect(): void {
    this.opening = false;
    this.home.opened(this);
    this.listener?.connected();
  }

  private onData(chunk: Buffer): void {
    if (this.listener === null) {
      // Bytes nobody asked for on an idle connection: it is out of step with the service.
      this.socket.destroy();
      return;
    }
    try {
      this.parser.execute(chunk);
    } catch (err) {
      this.onBroken(err as Error);
      return;
    }
    if (this.releaseAfterData) {
      this.releaseAfterData = false;
      if (this.requestWritten) this.afterExchange();
    }
  }

  /** Response ended and request written: back to the pool, or closed when it cannot go on. */
  private afterExchange(): void {
    this.listener = null;
    if (this.keepAlive && !this.parser.extraBytes && !this.socket.destroyed) this.home.release(this);
    else this.socket.destroy();
  }

  private onEnd(): void {
    // The end of an until-close body is the response's end; anything else is a hang-up.
    if (this.listener !== null && this.parser.readsUntilClose) this.parser.end();
    else if (this.listener !== null && !this.responseEnded) this.onBroken(new HangUp());
    this.socket.destroy();
  }

  private onBroken(err: Error): void {
    const listener = this.listener;
    this.listener = null;
    this.socket.destroy();
    if (listener !== null && !this.responseEnded) listener.failed(err);
  }

  private onClose(): void {
    if (this.opening) {
      this.opening = false;
      this.home.opened(this);
    }
    if (this.listener !== null && !this.responseEnded) this.onBroken(new HangUp());
    this.listener = null;
    this.home.gone(this);
  }
}
