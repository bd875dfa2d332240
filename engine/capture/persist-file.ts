// One project's persisted traffic file: append-only records (persist-codec.ts), bounded.
// Opening reads every intact record and cuts off a torn tail, so that the next append starts
// on a record boundary. Each append is one synchronous write: a SIGKILL loses at most the
// exchange being written. Over the cap the file is compacted: the newest part (every pinned
// exchange, then the newest that fit in half the cap) is written to a temporary file, synced,
// and renamed over it, so a crash during compaction leaves the old file or the new, whole.
import { closeSync, fsyncSync, ftruncateSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import { decodeRecords, encodeRecord, RECORD_HEADER_BYTES } from './persist-codec.js';
import { compactedPayloads, foldRecords, newestWithin, type PersistedExchange } from './persist-log.js';

export interface OpenedTrafficFile {
  file: TrafficFile;
  /** What the file holds, oldest first. */
  exchanges: PersistedExchange[];
  /** Bytes cut off the end (a torn or corrupt tail), 0 for a clean file. */
  discardedBytes: number;
}

function readIfPresent(path: string): Buffer {
  try {
    return readFileSync(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return Buffer.alloc(0);
    throw err;
  }
}

function writeAll(fd: number, bytes: Buffer): void {
  let done = 0;
  while (done < bytes.length) done += writeSync(fd, bytes, done, bytes.length - done);
}

function syncFolder(path: string): void {
  try {
    const fd = openSync(dirname(path), 'r');
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  } catch {
    // Not every platform can sync a folder (Windows); the rename is still atomic.
  }
}

export class TrafficFile {
  private fd: number | null;
  /** Size at which to compact next: the cap, or further on after a compaction failed (disk full). */
  private compactAt: number;

  private constructor(
    readonly path: string,
    private maxBytes: number,
    private size: number,
    private readonly warn: (message: string) => void,
  ) {
    this.fd = openSync(path, 'a', 0o600);
    this.compactAt = maxBytes;
  }

  /** Reads the file (creating its folder), cuts a torn tail off and opens it for appending. */
  /** `warn` hears of compactions that failed (the appends go on; the file stays over its cap until one works). */
  static open(path: string, maxBytes: number, warn: (message: string) => void = () => undefined): OpenedTrafficFile {
    mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
    const bytes = readIfPresent(path);
    const decoded = decodeRecords(bytes);
    const file = new TrafficFile(path, maxBytes, decoded.validLength, warn);
    if (decoded.validLength < bytes.length) ftruncateSync(file.fd as number, decoded.validLength);
    const exchanges = foldRecords(decoded.payloads, RECORD_HEADER_BYTES);
    if (decoded.validLength > maxBytes) file.compact();
    return { file, exchanges, discardedBytes: bytes.length - decoded.validLength };
  }

  get bytes(): number {
    return this.size;
  }

  setMaxBytes(maxBytes: number): void {
    this.maxBytes = maxBytes;
    this.compactAt = maxBytes;
    if (this.size > maxBytes) this.compact();
  }

  /** Appends one record holding `payload` (see persist-log.ts); throws only when the record could not be written. */
  append(payload: Buffer): void {
    if (this.fd === null) return;
    const bytes = encodeRecord(payload);
    try {
      writeAll(this.fd, bytes);
    } catch (err) {
      // A short write (disk full) must not leave half a record for the next append to follow.
      ftruncateSync(this.fd, this.size);
      throw err;
    }
    this.size += bytes.length;
    if (this.size > this.compactAt) this.compact();
  }

  /** Rewrites the file as its newest part within half the cap (pinned exchanges always kept). */
  compact(): void {
    try {
      this.rewrite();
      this.compactAt = this.maxBytes;
    } catch (err) {
      // Not again on every append (each would read the whole file): after another half cap.
      this.compactAt = this.size + Math.floor(this.maxBytes / 2);
      try {
        rmSync(`${this.path}.tmp`, { force: true });
      } catch {
        // what made the compaction fail may keep it there too
      }
      this.warn(`could not compact ${this.path} (${(err as Error).message}); it stays over its size cap until a later compaction works`);
    }
  }

  private rewrite(): void {
    const decoded = decodeRecords(readIfPresent(this.path).subarray(0, this.size));
    const keep = newestWithin(foldRecords(decoded.payloads, RECORD_HEADER_BYTES), Math.floor(this.maxBytes / 2));
    const records = compactedPayloads(keep).map(encodeRecord);
    const tmp = `${this.path}.tmp`;
    const fd = openSync(tmp, 'w', 0o600);
    let size = 0;
    try {
      for (const record of records) {
        writeAll(fd, record);
        size += record.length;
      }
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, this.path);
    syncFolder(this.path);
    if (this.fd !== null) closeSync(this.fd);
    this.fd = openSync(this.path, 'a', 0o600);
    this.size = size;
  }

  close(): void {
    if (this.fd === null) return;
    closeSync(this.fd);
    this.fd = null;
  }
}
