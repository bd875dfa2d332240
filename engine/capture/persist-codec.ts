// The record format of persisted traffic (pure): each record is a 4-byte big-endian payload
// length, a 4-byte CRC-32 (IEEE, as zip and PNG use it) of the payload, then the payload.
// A reader stops at the first record that is short or whose checksum does not match: a torn
// write at a crash costs the record being written, never the ones before it.

/** No one record is larger than this; a bigger length field is garbage (a torn header). */
export const MAX_RECORD_BYTES = 256 * 1024 * 1024;
export const RECORD_HEADER_BYTES = 8;

import zlib from 'node:zlib';

// Node 20 has no zlib.crc32 (it came in 22.2; Electron's Node 24 has it), so the usual table there.
const nativeCrc32 = (zlib as { crc32?: (data: Uint8Array) => number }).crc32;
const CRC_TABLE = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

export function tableCrc32(bytes: Uint8Array): number {
  let crc = 0xffffffff;
  for (let i = 0; i < bytes.length; i++) crc = (CRC_TABLE[(crc ^ (bytes[i] as number)) & 0xff] as number) ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}

export const crc32: (bytes: Uint8Array) => number = nativeCrc32 !== undefined ? (bytes) => nativeCrc32(bytes) >>> 0 : tableCrc32;

/** One record: header and payload in one buffer, so it reaches the file in one write. */
export function encodeRecord(payload: Uint8Array): Buffer {
  if (payload.length > MAX_RECORD_BYTES) throw new RangeError(`a record holds at most ${MAX_RECORD_BYTES} bytes, not ${payload.length}`);
  const out = Buffer.allocUnsafe(RECORD_HEADER_BYTES + payload.length);
  out.writeUInt32BE(payload.length, 0);
  out.writeUInt32BE(crc32(payload), 4);
  out.set(payload, RECORD_HEADER_BYTES);
  return out;
}

export interface DecodedRecords {
  /** The intact records, in file order (views into the input). */
  payloads: Buffer[];
  /** Bytes up to the end of the last intact record: where a writer truncates before appending. */
  validLength: number;
  /** Why reading stopped early, or null when the input ended on a record boundary. */
  stoppedAt: { offset: number; reason: 'torn' | 'checksum' | 'length' } | null;
}

export function decodeRecords(bytes: Buffer): DecodedRecords {
  const payloads: Buffer[] = [];
  let offset = 0;
  while (offset < bytes.length) {
    if (bytes.length - offset < RECORD_HEADER_BYTES) return { payloads, validLength: offset, stoppedAt: { offset, reason: 'torn' } };
    const length = bytes.readUInt32BE(offset);
    if (length > MAX_RECORD_BYTES) return { payloads, validLength: offset, stoppedAt: { offset, reason: 'length' } };
    const end = offset + RECORD_HEADER_BYTES + length;
    if (end > bytes.length) return { payloads, validLength: offset, stoppedAt: { offset, reason: 'torn' } };
    const payload = bytes.subarray(offset + RECORD_HEADER_BYTES, end);
    if (crc32(payload) !== bytes.readUInt32BE(offset + 4)) return { payloads, validLength: offset, stoppedAt: { offset, reason: 'checksum' } };
    payloads.push(payload);
    offset = end;
  }
  return { payloads, validLength: offset, stoppedAt: null };
}
