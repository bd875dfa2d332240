// One port serves HTTP/1.1, TLS and h2c: the first bytes of a connection say which.
// Pure; the listener feeds it what it has read so far.

export type ConnectionKind = 'http1' | 'tls' | 'h2c' | 'undecided';

/** The HTTP/2 client connection preface (RFC 9113 §3.4). */
export const H2_PREFACE = Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n', 'latin1');
const TLS_HANDSHAKE = 0x16;

export function sniffConnection(first: Buffer): ConnectionKind {
  if (first.length === 0) return 'undecided';
  if (first[0] === TLS_HANDSHAKE) return 'tls';
  const n = Math.min(first.length, H2_PREFACE.length);
  if (first.subarray(0, n).equals(H2_PREFACE.subarray(0, n))) return n === H2_PREFACE.length ? 'h2c' : 'undecided';
  return 'http1';
}

/** A fatal TLS alert (handshake_failure), so TLS clients fail fast with a protocol error. */
export const TLS_HANDSHAKE_FAILURE_ALERT = Buffer.from([0x15, 0x03, 0x03, 0x00, 0x02, 0x02, 0x28]);
