// Undoes Content-Encoding for display. Codings are removed in reverse order of application;
// a truncated capture is decoded as far as its bytes allow; anything that cannot be decoded
// comes back as the raw bytes with a reason, never as an exception.
import zlib from 'node:zlib';

export interface DecodeResult {
  body: Buffer;
  /** The codings removed, as in the header (e.g. 'gzip' or 'gzip, br'), or null. */
  decodedFrom: string | null;
  error: string | null;
}

type Decoder = (input: Buffer, partial: boolean, maxOutput: number) => Buffer;

interface ZstdZlib {
  zstdDecompressSync?: (input: Buffer, options?: { maxOutputLength?: number; finishFlush?: number }) => Buffer;
}

const zstd = (zlib as unknown as ZstdZlib).zstdDecompressSync;

/** True when this Node can decode zstd (Node ≥ 22.15 / 23.8; Electron 45's Node 24 can). */
export const ZSTD_SUPPORTED = typeof zstd === 'function';

function gunzip(input: Buffer, partial: boolean, maxOutputLength: number): Buffer {
  return zlib.gunzipSync(input, { maxOutputLength, ...(partial ? { finishFlush: zlib.constants.Z_SYNC_FLUSH } : {}) });
}

// RFC 9110 says zlib-wrapped; some servers send raw deflate anyway.
function inflate(input: Buffer, partial: boolean, maxOutputLength: number): Buffer {
  const options = { maxOutputLength, ...(partial ? { finishFlush: zlib.constants.Z_SYNC_FLUSH } : {}) };
  try {
    return zlib.inflateSync(input, options);
  } catch (err) {
    if ((err as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE') throw err;
    return zlib.inflateRawSync(input, options);
  }
}

function brotli(input: Buffer, partial: boolean, maxOutputLength: number): Buffer {
  return zlib.brotliDecompressSync(input, { maxOutputLength, ...(partial ? { finishFlush: zlib.constants.BROTLI_OPERATION_FLUSH } : {}) });
}

function unzstd(input: Buffer, partial: boolean, maxOutputLength: number): Buffer {
  if (zstd === undefined) {
    throw new Error(`zstd decoding needs Node 22.15 or later (this is Node ${process.versions.node})`);
  }
  const flush = (zlib.constants as Record<string, number>).ZSTD_e_flush;
  return zstd(input, { maxOutputLength, ...(partial && flush !== undefined ? { finishFlush: flush } : {}) });
}

const DECODERS: Record<string, Decoder> = {
  gzip: gunzip,
  'x-gzip': gunzip,
  deflate: inflate,
  br: brotli,
  zstd: unzstd,
};

function describe(err: unknown): string {
  const e = err as { code?: string; message?: string };
  if (e.code === 'ERR_BUFFER_TOO_LARGE') return 'the decoded body is larger than the decode limit';
  return e.message ?? String(err);
}

/**
 * Removes `codings` (in the order they were applied, e.g. from `contentCodings()`).
 * `truncated`: the bytes are only the start of the body, so decode what is there.
 */
export function decodeBody(raw: Buffer, codings: readonly string[], truncated: boolean, maxOutput = 64 * 1024 * 1024): DecodeResult {
  if (codings.length === 0) return { body: raw, decodedFrom: null, error: null };
  const label = codings.join(', ');
  if (raw.length === 0) return { body: raw, decodedFrom: label, error: null };
  let body = raw;
  for (let i = codings.length - 1; i >= 0; i--) {
    const coding = codings[i] as string;
    const decoder = DECODERS[coding];
    if (decoder === undefined) {
      return { body: raw, decodedFrom: null, error: `unsupported content-coding '${coding}'` };
    }
    try {
      body = decoder(body, truncated, maxOutput);
    } catch (err) {
      return { body: raw, decodedFrom: null, error: `cannot decode ${coding}: ${describe(err)}` };
    }
    if (truncated && body.length === 0) {
      return { body: raw, decodedFrom: null, error: `cannot decode ${coding}: the captured part of the body is too short to decode` };
    }
  }
  return { body, decodedFrom: label, error: null };
}
