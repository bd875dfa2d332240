// The gRPC-Web wire format, as Envoy's grpc_web filter translates it. Pure.
//  - content types: application/grpc-web[+proto] (binary), application/grpc-web-text[+proto] (base64);
//  - the response's trailers become a last frame, flag 0x80, holding `name: value\r\n` lines;
//  - -text bodies are base64 in both directions, and may arrive as several padded chunks.

export interface GrpcWebMode {
  text: boolean;
  /** What the gRPC service gets: application/grpc plus the same suffix (e.g. +proto). */
  upstreamContentType: string;
  /** What the client gets back. */
  responseContentType: string;
}

/** The gRPC-Web variant of a content type, or null when it is not gRPC-Web. */
export function grpcWebMode(contentType: string | undefined): GrpcWebMode | null {
  if (contentType === undefined) return null;
  const type = (contentType.split(';')[0] ?? '').trim().toLowerCase();
  const m = /^application\/grpc-web(-text)?(\+[a-z0-9.-]+)?$/.exec(type);
  if (m === null) return null;
  const text = m[1] !== undefined;
  const suffix = m[2] ?? '';
  return {
    text,
    upstreamContentType: `application/grpc${suffix}`,
    responseContentType: `application/grpc-web${text ? '-text' : ''}${suffix === '' ? '+proto' : suffix}`,
  };
}

/** The 0x80 trailer frame: a 5-byte prefix, then `name: value\r\n` per trailer (names lower-case). */
export function encodeTrailerFrame(trailers: Readonly<Record<string, string | readonly string[] | number | undefined>>): Buffer {
  let text = '';
  for (const [name, value] of Object.entries(trailers)) {
    if (value === undefined || name.startsWith(':')) continue;
    const values = Array.isArray(value) ? (value as readonly string[]) : [String(value)];
    for (const v of values) text += `${name.toLowerCase()}: ${v}\r\n`;
  }
  const payload = Buffer.from(text, 'latin1');
  const frame = Buffer.alloc(5 + payload.length);
  frame[0] = 0x80;
  frame.writeUInt32BE(payload.length, 1);
  payload.copy(frame, 5);
  return frame;
}

export interface GrpcWebFrame {
  trailer: boolean;
  payload: Buffer;
}

/** Splits a whole gRPC(-Web) body into frames; throws on a truncated frame. */
export function decodeFrames(body: Buffer): GrpcWebFrame[] {
  const frames: GrpcWebFrame[] = [];
  let at = 0;
  while (at < body.length) {
    if (body.length - at < 5) throw new Error(`truncated gRPC frame header at byte ${at}`);
    const flags = body[at] as number;
    const length = body.readUInt32BE(at + 1);
    if (body.length - at - 5 < length) throw new Error(`truncated gRPC frame at byte ${at}: ${length} bytes announced`);
    frames.push({ trailer: (flags & 0x80) !== 0, payload: body.subarray(at + 5, at + 5 + length) });
    at += 5 + length;
  }
  return frames;
}

/** Parses a trailer frame's `name: value\r\n` lines. */
export function parseTrailerBlock(payload: Buffer): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of payload.toString('latin1').split('\r\n')) {
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    out[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  return out;
}

const BASE64_CHAR = /[A-Za-z0-9+/=]/;

/**
 * Decodes base64 that arrives in arbitrary pieces: only whole 4-character groups are
 * decoded, so chunk boundaries never split a group, and padded groups in the middle
 * (clients that encode each message separately) decode as they come.
 */
export class Base64StreamDecoder {
  private pending = '';

  push(chunk: string): Buffer {
    let clean = '';
    for (const c of chunk) {
      if (BASE64_CHAR.test(c)) clean += c;
      else if (!/\s/.test(c)) throw new Error(`invalid character ${JSON.stringify(c)} in a grpc-web-text body`);
    }
    const all = this.pending + clean;
    const whole = all.length - (all.length % 4);
    this.pending = all.slice(whole);
    return decodeGroups(all.slice(0, whole));
  }

  /** Throws when the body ended mid-group. */
  end(): void {
    if (this.pending !== '') throw new Error('the grpc-web-text body ends in the middle of a base64 group');
  }
}

function decodeGroups(text: string): Buffer {
  if (text === '') return Buffer.alloc(0);
  // Buffer.from stops at the first '=': decode padded groups one by one.
  if (!text.slice(0, -4).includes('=')) return Buffer.from(text, 'base64');
  const parts: Buffer[] = [];
  for (let i = 0; i < text.length; i += 4) parts.push(Buffer.from(text.slice(i, i + 4), 'base64'));
  return Buffer.concat(parts);
}

/**
 * -text responses: each piece is encoded on its own (padded), as Envoy does, so a streamed
 * message reaches the client at once instead of waiting for the next one to fill a group.
 */
export function encodeTextChunk(chunk: Buffer): string {
  return chunk.toString('base64');
}
