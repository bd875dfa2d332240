// The one place a tunnel's sockets are tuned. A tunnel is long-lived and interactive: the
// server's idle timeout must not cut a quiet WebSocket, small frames must not wait for
// Nagle, and a peer that vanished without a FIN must be noticed eventually.
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';

/** TCP keep-alive probe delay for tunnel sockets. */
export const TUNNEL_KEEPALIVE_MS = 30_000;

/** Tunes `socket` for a tunnel; a Duplex that is not a socket (an HTTP/2 stream) is left alone. */
export function tuneTunnelSocket(socket: Duplex | Socket): void {
  const s = socket as Partial<Socket>;
  if (typeof s.setNoDelay !== 'function') return;
  s.setTimeout?.(0);
  s.setNoDelay(true);
  s.setKeepAlive?.(true, TUNNEL_KEEPALIVE_MS);
}
