// How a WebSocket message's payload reads in the messages table. Pure and DOM-free.
import { base64ToBytes, decodeText, hexDump } from '../body/bytes.js';

/** RFC 6455 §7.4.1 and the IANA registry: the codes a developer meets in practice. */
const CLOSE_CODES: Record<number, string> = {
  1000: 'normal closure',
  1001: 'going away',
  1002: 'protocol error',
  1003: 'unsupported data',
  1005: 'no status received',
  1006: 'abnormal closure',
  1007: 'invalid payload data',
  1008: 'policy violation',
  1009: 'message too big',
  1010: 'mandatory extension',
  1011: 'internal error',
  1012: 'service restart',
  1013: 'try again later',
  1014: 'bad gateway',
  1015: 'TLS handshake failure',
};

/** A close frame's status code, its meaning and the reason text, e.g. `1000 normal closure · "bye"`. */
export function describeClose(bytes: Uint8Array): string {
  if (bytes.length === 0) return 'no status code';
  // A one-byte close payload is a protocol violation (RFC 6455 §5.5.1); show the byte rather than guess.
  if (bytes.length === 1) return `malformed close payload: ${hexDump(bytes).join('')}`;
  const code = ((bytes[0] ?? 0) << 8) | (bytes[1] ?? 0);
  const meaning = CLOSE_CODES[code] ?? (code >= 4000 && code <= 4999 ? 'application-defined' : 'unregistered code');
  const rest = bytes.subarray(2);
  if (rest.length === 0) return `${code} ${meaning}`;
  const reason = decodeText(rest);
  return `${code} ${meaning} · ${reason === null ? `reason bytes ${hexDump(rest, 1).join('')}` : JSON.stringify(reason)}`;
}

/** The payload as text when it is text, a close frame as code and reason, anything else as a short hex dump. */
export function messagePreview(opcode: number, base64: string): string {
  const bytes = base64ToBytes(base64);
  if (opcode === 8) return describeClose(bytes);
  if (bytes.length === 0) return '';
  return decodeText(bytes) ?? hexDump(bytes.subarray(0, 64), 4).join('\n');
}
