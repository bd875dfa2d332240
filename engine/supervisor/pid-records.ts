// Pid records in `<stateDir>/processes/`, written atomically, so that a later run can
// reap the services of a locald that crashed.
import { mkdir, readdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '../atomic-file.js';
import type { ProcessRecord } from './types.js';

/** Environment variable that carries a record's `serviceId` into every process of the service. */
export const SERVICE_ID_ENV = 'LOCALD_SERVICE_ID';

export function processesDir(stateDir: string): string {
  return join(stateDir, 'processes');
}

/** `<project>--<service>.json`, with anything unsafe for a file name replaced. */
export function recordFileName(project: string, service: string): string {
  const safe = (s: string): string => s.replace(/[^A-Za-z0-9._-]/g, '_');
  return `${safe(project)}--${safe(service)}.json`;
}

export async function writeProcessRecord(stateDir: string, record: ProcessRecord): Promise<string> {
  const dir = processesDir(stateDir);
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const file = join(dir, recordFileName(record.project, record.service));
  await writeFileAtomic(file, `${JSON.stringify(record, null, 2)}\n`);
  return file;
}

export async function removeProcessRecord(stateDir: string, project: string, service: string): Promise<void> {
  await rm(join(processesDir(stateDir), recordFileName(project, service)), { force: true });
}

export type RecordRead = { file: string; ok: true; record: ProcessRecord } | { file: string; ok: false; error: string };

/** Every record in the directory (missing directory → none). Stale temporary files are removed. */
export async function readProcessRecords(stateDir: string): Promise<RecordRead[]> {
  const dir = processesDir(stateDir);
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
  const out: RecordRead[] = [];
  for (const name of names.sort()) {
    const file = join(dir, name);
    if (name.endsWith('.tmp')) {
      await rm(file, { force: true });
      continue;
    }
    if (!name.endsWith('.json')) continue;
    try {
      out.push({ file, ok: true, record: parseProcessRecord(await readFile(file, 'utf8')) });
    } catch (err) {
      out.push({ file, ok: false, error: err instanceof Error ? err.message : String(err) });
    }
  }
  return out;
}

export function parseProcessRecord(text: string): ProcessRecord {
  const data: unknown = JSON.parse(text);
  if (typeof data !== 'object' || data === null) throw new Error('not a JSON object');
  const r = data as Record<string, unknown>;
  const isPid = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v) && v > 0;
  const isToken = (v: unknown): v is string | null => v === null || typeof v === 'string';
  if (r.version !== 1) throw new Error(`unsupported record version ${JSON.stringify(r.version)}`);
  if (typeof r.project !== 'string' || typeof r.service !== 'string') throw new Error('missing project or service');
  if (!isPid(r.pid) || !isPid(r.pgid) || !isPid(r.ownerPid)) throw new Error('pid, pgid and ownerPid must be positive integers');
  if (!isToken(r.startTime) || !isToken(r.ownerStartTime)) throw new Error('startTime and ownerStartTime must be strings or null');
  return {
    version: 1,
    project: r.project,
    service: r.service,
    command: typeof r.command === 'string' ? r.command : '',
    pid: r.pid,
    pgid: r.pgid,
    startTime: r.startTime,
    ownerPid: r.ownerPid,
    ownerStartTime: r.ownerStartTime,
    recordedAt: typeof r.recordedAt === 'number' ? r.recordedAt : 0,
    serviceId: typeof r.serviceId === 'string' && r.serviceId !== '' ? r.serviceId : null,
  };
}
