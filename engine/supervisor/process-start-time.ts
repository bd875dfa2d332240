// A process's start time, used to tell "our" pid from a reused one.
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';

export interface ProcStat {
  pid: number;
  /** The executable's name as the kernel keeps it (`comm`, at most 15 characters). */
  command: string;
  /** Single-letter state: R, S, D, Z, T ... */
  state: string;
  ppid: number;
  pgrp: number;
  /** Field 22: clock ticks since boot; stable for the life of the process. */
  starttime: string;
}

/** Parses /proc/<pid>/stat. The command name may contain spaces and parentheses, so split after the last ')'. */
export function parseProcStat(text: string): ProcStat | null {
  const open = text.indexOf('(');
  const close = text.lastIndexOf(')');
  if (open === -1 || close < open) return null;
  const pid = Number(text.slice(0, open).trim());
  const fields = text.slice(close + 1).trim().split(/\s+/);
  // fields[0] is field 3 (state); starttime is field 22 → index 19.
  const state = fields[0];
  const ppid = Number(fields[1]);
  const pgrp = Number(fields[2]);
  const starttime = fields[19];
  if (!Number.isInteger(pid) || state === undefined || starttime === undefined || !/^\d+$/.test(starttime)) return null;
  return { pid, command: text.slice(open + 1, close), state, ppid, pgrp, starttime };
}

export async function readProcStat(pid: number): Promise<ProcStat | null> {
  try {
    return await readProcStatOrThrow(pid);
  } catch {
    return null;
  }
}

/**
 * Like readProcStat, but only "no such process" is null: any other failure (EMFILE when out
 * of descriptors, EACCES) throws, because it says nothing about whether the process exists.
 */
export async function readProcStatOrThrow(pid: number): Promise<ProcStat | null> {
  try {
    return parseProcStat(await readFile(`/proc/${pid}/stat`, 'utf8'));
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ESRCH') return null;
    throw err;
  }
}

/**
 * An opaque token that is equal for the same process and (practically) never for a
 * later process that got the same pid. Linux: /proc starttime; elsewhere `ps -o lstart=`
 * (second resolution, best effort). null when the process does not exist or it can't be read.
 */
export async function processStartTime(pid: number, platform: NodeJS.Platform = process.platform): Promise<string | null> {
  if (platform === 'linux') {
    const stat = await readProcStat(pid);
    return stat === null || stat.state === 'Z' ? null : `linux:${stat.starttime}`;
  }
  if (platform === 'win32') return null;
  return new Promise((resolve) => {
    execFile('ps', ['-o', 'lstart=', '-p', String(pid)], { timeout: 5_000, env: { ...process.env, LC_ALL: 'C' } }, (err, stdout) => {
      const text = String(stdout).trim();
      resolve(err !== null || text === '' ? null : `ps:${text}`);
    });
  });
}
