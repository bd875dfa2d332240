// TLS termination for the shared port. Raw sockets whose first byte is a TLS handshake are
// handed here (peeked bytes unshifted); the TLS server never listens itself. ALPN picks the
// protocol: h2 for project hosts, http/1.1 for the dashboard (which only speaks HTTP/1.1)
// and for clients that do not offer h2.
import tls from 'node:tls';
import type { Socket } from 'node:net';
import { DASHBOARD_HOST } from '../../../shared/defaults.js';

/** What `secureServerOptions(ca, projects)` (engine/tls) returns: SNI plus a default certificate. */
export interface TlsServerCredentials {
  SNICallback: NonNullable<tls.TlsOptions['SNICallback']>;
  cert: string;
  key: string;
}

export interface TlsTerminatorOptions {
  credentials: TlsServerCredentials;
  /** A decrypted connection that negotiated HTTP/2. */
  onHttp2(socket: tls.TLSSocket): void;
  /** A decrypted connection that speaks HTTP/1.x (ALPN http/1.1, or no ALPN at all). */
  onHttp1(socket: tls.TLSSocket): void;
  /** Handshake timeout; default 30 s. */
  handshakeTimeoutMs?: number;
}

/**
 * The SNI name as Node's ALPNCallback gives it: `false` (not undefined, whatever the typings
 * say) when the client sent none, as `curl -k https://127.0.0.1:PORT/` does.
 */
export type OfferedServername = string | false | undefined;

/** Hosts that must stay on HTTP/1.1 even when the client offers h2. */
export function http1OnlyServername(servername: OfferedServername): boolean {
  return typeof servername === 'string' && servername.toLowerCase().replace(/\.$/, '') === DASHBOARD_HOST;
}

/**
 * ALPN choice: h2 when offered (unless the host is HTTP/1.1-only), else http/1.1 when
 * offered. A client offering neither gets no protocol: the handshake fails with
 * no_application_protocol, which is what RFC 7301 asks for.
 */
export function chooseAlpn(servername: OfferedServername, offered: readonly string[]): string | undefined {
  if (offered.includes('h2') && !http1OnlyServername(servername)) return 'h2';
  if (offered.includes('http/1.1')) return 'http/1.1';
  if (offered.includes('http/1.0')) return 'http/1.1';
  return undefined;
}

export class TlsTerminator {
  private readonly server: tls.Server;

  constructor(opts: TlsTerminatorOptions) {
    this.server = tls.createServer({
      SNICallback: opts.credentials.SNICallback,
      cert: opts.credentials.cert,
      key: opts.credentials.key,
      ALPNCallback: ({ servername, protocols }) => chooseAlpn(servername, protocols),
      handshakeTimeout: opts.handshakeTimeoutMs ?? 30_000,
    });
    this.server.on('secureConnection', (socket: tls.TLSSocket) => {
      if (socket.alpnProtocol === 'h2') {
        opts.onHttp2(socket);
        return;
      }
      // HTTP/1.1 may half-close: a client may send its request and FIN, then read the answer
      // (the http server's httpAllowHalfOpen ends the socket once the answer is out). Node
      // reads allowHalfOpen when 'end' is emitted, after the request bytes: set in time.
      socket.allowHalfOpen = true;
      opts.onHttp1(socket);
    });
    // Bad handshakes (unknown name, wrong protocol, a scanner) end that connection only.
    this.server.on('tlsClientError', (_err, socket) => socket.destroy());
  }

  /** Takes over a raw connection whose peeked bytes were unshifted back into it. */
  accept(socket: Socket): void {
    // The TLS socket takes allowHalfOpen from this one (not from the server's options), and
    // the listener's sockets are half-open for HTTP/1.1. Not while the handshake runs: a
    // client that gives up mid-handshake (FIN) must get our FIN back and the socket close,
    // not sit in CLOSE-WAIT until the handshake timeout. HTTP/1.1 gets it back once secure.
    socket.allowHalfOpen = false;
    // No resume(): TLS reads the socket's handle itself, after replaying the buffered bytes.
    this.server.emit('connection', socket);
  }

  close(): void {
    this.server.close();
  }
}
