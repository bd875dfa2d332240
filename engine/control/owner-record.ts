// The record that says which engine owns a state directory: written atomically when the
// engine has bound its proxy, read by every `locald` command that wants to know who runs.
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { processStartTime } from '../supervisor/process-start-time.js';
import { writeFileAtomic } from '../atomic-file.js';
import { processIsAlive } from '../tls/files.js';

export const OWNER_RECORD_FILE = 'engine.json';

export interface OwnerRecord {
  pid: number;
  /** The start time of `pid` (supervisor/process-start-time.ts), to tell a reused pid apart; null where unknown. */
  processStart: string | null;
  /** Epoch ms when the engine started. */
  startedAt: number;
  /** 'locald up' or 'desktop app'. */
  kind: string;
  port: number;
  version: string;
  socket: string;
  /** The dashboard address with its token (the record is as private as the token: 0600 in a 0700 folder). */
  dashboardUrl: string;
}

export function ownerRecordPath(home: string): string {
  return join(home, OWNER_RECORD_FILE);
}

export type RecordVerdict = { live: true } | { live: false; reason: string };

/** Pure: whether a record still describes a running process, from what the system says about its pid. */
export function judgeOwnerRecord(record: OwnerRecord, exists: boolean, startNow: string | null): RecordVerdict {
  if (!exists) return { live: false, reason: `engine pid ${record.pid} is not running` };
  if (record.processStart !== null && startNow !== null && record.processStart !== startNow) {
    return { live: false, reason: `pid ${record.pid} now belongs to another process` };
  }
  return { live: true };
}

export async function checkOwnerRecord(record: OwnerRecord): Promise<RecordVerdict> {
  const startNow = await processStartTime(record.pid);
  // Where start times are known a missing one means the process is gone (or a zombie).
  const exists = record.processStart !== null ? startNow !== null : processIsAlive(record.pid);
  return judgeOwnerRecord(record, exists, startNow);
}

export function isOwnerRecord(value: unknown): value is OwnerRecord {
  if (typeof value !== 'object' || value === null) return false;
  const r = value as Record<string, unknown>;
  return (
    Number.isInteger(r.pid) &&
    (r.processStart === null || typeof r.processStart === 'string') &&
    typeof r.startedAt === 'number' &&
    typeof r.kind === 'string' &&
    Number.isInteger(r.port) &&
    typeof r.version === 'string' &&
    typeof r.socket === 'string' &&
    typeof r.dashboardUrl === 'string'
  );
}

/** The record, or null when there is none or it is unreadable (a reader never trusts a damaged one). */
export function readOwnerRecord(home: string): OwnerRecord | null {
  try {
    const parsed = JSON.parse(readFileSync(ownerRecordPath(home), 'utf8')) as unknown;
    return isOwnerRecord(parsed) ? parsed : null;
  } catch {
    return null;
  }
}

/** Write-then-rename: a reader sees the old record or the new one, never half of one. */
export function writeOwnerRecord(home: string, record: OwnerRecord): Promise<void> {
  return writeFileAtomic(ownerRecordPath(home), `${JSON.stringify(record, null, 2)}\n`, { mode: 0o600, createParent: true });
}

/** Removes the record only when it is still this process's (a successor's must stay). */
export function removeOwnRecord(home: string, pid: number = process.pid): void {
  const record = readOwnerRecord(home);
  if (record !== null && record.pid === pid) rmSync(ownerRecordPath(home), { force: true });
}
