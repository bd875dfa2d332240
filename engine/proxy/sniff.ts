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

/**
 * What we say to protocols the port will speak later: an HTTP/2 SETTINGS + GOAWAY with
 * HTTP_1_1_REQUIRED and a debug message, so h2c clients report a reason instead of a reset.
 */
export function h2NotSupportedFrames(message: string): Buffer {
  const frame = (type: number, payload: Buffer): Buffer => {
    const header = Buffer.alloc(9);
    header.writeUIntBE(payload.length, 0, 3);
    header[3] = type;
    header[4] = 0;
    header.writeUInt32BE(0, 5);
    return Buffer.concat([header, payload]);
  };
  const debug = Buffer.from(message, 'utf8');
  const goaway = Buffer.alloc(8 + debug.length);
  goaway.writeUInt32BE(0, 0); // last stream id: none processed
  goaway.writeUInt32BE(0x0d, 4); // HTTP_1_1_REQUIRED
  debug.copy(goaway, 8);
  return Buffer.concat([frame(0x4, Buffer.alloc(0)), frame(0x7, goaway)]);
}

/** A fatal TLS alert (handshake_failure), so TLS clients fail fast with a protocol error. */
export const TLS_HANDSHAKE_FAILURE_ALERT = Buffer.from([0x15, 0x03, 0x03, 0x00, 0x02, 0x02, 0x28]);
