// The record that says which engine owns a state directory: written atomically when the
// engine has bound its proxy, read by every `locald` command that wants to know who runs.
import { randomBytes } from 'node:crypto';
import { readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export const OWNER_RECORD_FILE = 'engine.json';

export interface OwnerRecord {
  pid: number;
  /** The kernel's start time of `pid` (Linux: field 22 of /proc/<pid>/stat), to tell a reused pid apart; null where unknown. */
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

/** The start time of a process, or null when the platform does not tell (not Linux) or it is gone. */
export function processStartTime(pid: number): string | null {
  if (process.platform !== 'linux') return null;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may hold spaces and parentheses: count fields after the last ')'.
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19] ?? null;
  } catch {
    return null;
  }
}

function pidExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
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

export function checkOwnerRecord(record: OwnerRecord): RecordVerdict {
  const exists = pidExists(record.pid);
  return judgeOwnerRecord(record, exists, exists ? processStartTime(record.pid) : null);
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
export function writeOwnerRecord(home: string, record: OwnerRecord): void {
  const tmp = join(home, `.${OWNER_RECORD_FILE}.${process.pid}.${randomBytes(4).toString('hex')}`);
  writeFileSync(tmp, `${JSON.stringify(record, null, 2)}\n`, { mode: 0o600 });
  renameSync(tmp, ownerRecordPath(home));
}

/** Removes the record only when it is still this process's (a successor's must stay). */
export function removeOwnRecord(home: string, pid: number = process.pid): void {
  const record = readOwnerRecord(home);
  if (record !== null && record.pid === pid) rmSync(ownerRecordPath(home), { force: true });
}
