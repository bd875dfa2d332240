// The HTTP/2 side of the shared port: one http2 server (never listening itself) takes h2
// connections from the TLS terminator and h2c prior-knowledge connections from the sniffer.
// Streams use the core API and go to the service over HTTP/1.1 (the shared pool), or over
// h2c for gRPC and for services with `protocol = "h2c"`.
import http2 from 'node:http2';
import type { IncomingHttpHeaders, ServerHttp2Session, ServerHttp2Stream } from 'node:http2';
import type { Duplex } from 'node:stream';
import { isGrpcContentType } from '../grpc/status.js';
import { handleGrpcWebH2, isGrpcWebContentType } from '../grpc/web-forward.js';
import { normalizeClientIp } from '../headers/headers.js';
import { fieldValue, parseH2Request } from '../headers/http2-headers.js';
import { H2Client, type H2StreamInfo } from '../lifecycle/client-h2.js';
import { arrivedH2, h2RequestKind } from '../lifecycle/h2-capture.js';
import { connectNotSupportedProblem } from '../problems/problems.js';
import { decideH2 } from '../route/decide.js';
import { answerProblem, dispatch } from '../route/dispatch.js';
import { handleExtendedConnect } from '../tunnel/http2-client.js';
import { WEBSOCKET_OVER_H2, isExtendedConnect } from '../tunnel/websocket-handshake.js';
import type { ProxyContext } from '../context.js';
import { closeWhenIdle } from './http2-idle.js';

const { NGHTTP2_FLAG_END_STREAM } = http2.constants;

/**
 * Session limits. Hot-reload clients cancel many streams at once, so the per-session
 * allowances for rejected streams and invalid frames are raised well above Node's
 * defaults (100 and 1000). nghttp2's own RST_STREAM rate limit (the CVE-2023-44487
 * mitigation: a burst of 1000, then 33 per second) cannot be changed from Node and
 * stays in force: bursts up to 1000 cancels are fine, a sustained flood gets GOAWAY.
 */
export const H2_SERVER_OPTIONS: http2.ServerOptions = {
  maxSessionRejectedStreams: 10_000,
  maxSessionInvalidFrames: 10_000,
  // Browsers open many parallel streams for module graphs (Vite serves hundreds of files).
  // enableConnectProtocol: WebSockets over HTTP/2 (RFC 8441), bridged in http2-websocket.ts.
  settings: { maxConcurrentStreams: 1000, enableConnectProtocol: WEBSOCKET_OVER_H2 },
  maxHeaderListPairs: 2000,
};

/** http2 gives rawHeaders with the 'stream' event; rebuild them from the object if a runtime does not. */
function rawFrom(headers: IncomingHttpHeaders): string[] {
  const raw: string[] = [];
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined) continue;
    if (Array.isArray(value)) for (const v of value) raw.push(name, v);
    else raw.push(name, String(value));
  }
  return raw;
}

export interface Http2FrontendOptions {
  /** A session with no open stream for this long gets GOAWAY and is closed. */
  idleTimeoutMs: number;
}

export class Http2Frontend {
  readonly server: http2.Http2Server;
  private readonly sessions = new Set<ServerHttp2Session>();

  constructor(
    private readonly ctx: ProxyContext,
    opts: Http2FrontendOptions,
  ) {
    this.server = http2.createServer(H2_SERVER_OPTIONS);
    this.server.on('session', (session: ServerHttp2Session) => {
      this.sessions.add(session);
      session.on('close', () => this.sessions.delete(session));
      session.on('error', () => session.destroy());
      closeWhenIdle(session, opts.idleTimeoutMs);
    });
    this.server.on('sessionError', () => undefined);
    this.server.on('stream', (stream: ServerHttp2Stream, headers: IncomingHttpHeaders, flags: number, rawHeaders?: string[]) => {
      try {
        this.onStream(stream, headers, flags, rawHeaders ?? rawFrom(headers));
      } catch {
        if (!stream.destroyed) stream.close(http2.constants.NGHTTP2_INTERNAL_ERROR);
      }
    });
  }

  /** Takes over a connection (TLS with ALPN h2, or a raw socket with the peeked preface unshifted). */
  accept(socket: Duplex): void {
    // HTTP/2 has no half-closed connections: a client that sends FIN can send no more
    // frames, not even WINDOW_UPDATE, and curl and browsers send FIN without GOAWAY. Our
    // listener sockets are half-open for HTTP/1.1's sake, and nothing in http2 reacts to
    // the FIN, so the socket would sit in CLOSE-WAIT for good. Not half-open, as under
    // Node's own http2 listener, the socket ends our side on the client's FIN (Duplex
    // allowHalfOpen, read when 'end' is emitted), closes, and the session cancels whatever
    // streams were still open, so their services see the client go.
    socket.allowHalfOpen = false;
    // No resume(): the session reads the socket's handle itself (buffered bytes included).
    this.server.emit('connection', socket);
  }

  close(): void {
    for (const session of this.sessions) session.destroy();
    this.sessions.clear();
    this.server.close();
  }

  private onStream(stream: ServerHttp2Stream, _headers: IncomingHttpHeaders, flags: number, rawHeaders: string[]): void {
    stream.on('error', () => undefined);
    const head = parseH2Request(rawHeaders);
    const socket = stream.session?.socket;
    const encrypted = stream.session?.encrypted === true;
    const info: H2StreamInfo = {
      head,
      clientIp: normalizeClientIp(socket?.remoteAddress),
      proto: encrypted ? 'https' : 'http',
      endStreamWithHeaders: (flags & NGHTTP2_FLAG_END_STREAM) !== 0 || stream.endAfterHeaders,
    };
    const arrived = arrivedH2(head, rawHeaders, encrypted, socket?.remoteAddress ?? null);
    if (isExtendedConnect(head)) {
      handleExtendedConnect(this.ctx, stream, info, arrived);
      return;
    }
    const contentType = fieldValue(head.fields, 'content-type');
    if (isGrpcWebContentType(contentType)) {
      handleGrpcWebH2(this.ctx, stream, info, arrived);
      return;
    }
    const client = new H2Client(stream, info, arrived, isGrpcContentType(contentType));
    if (head.method.toUpperCase() === 'CONNECT') answerProblem(this.ctx, client, connectNotSupportedProblem(), null, h2RequestKind(head));
    else dispatch(this.ctx, client, decideH2(this.ctx, head), h2RequestKind(head));
  }
}
