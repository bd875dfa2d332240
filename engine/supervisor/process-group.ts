// Spawning a service in its own process group, and signalling/awaiting that group.
import { spawn, execFile } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { readdir } from 'node:fs/promises';
import type { ProcStat } from './process-start-time.js';
import { readProcStat, readProcStatOrThrow } from './process-start-time.js';

export interface SpawnServiceOptions {
  command: string;
  cwd: string;
  env: NodeJS.ProcessEnv;
}

/** Runs `command` through the platform shell, as the leader of a new process group on POSIX. */
export function spawnInShell(opts: SpawnServiceOptions): ChildProcess {
  if (process.platform === 'win32') {
    // What Node's own `shell: true` does on Windows; taskkill /T handles the tree.
    const shell = process.env.ComSpec ?? 'cmd.exe';
    return spawn(shell, ['/d', '/s', '/c', `"${opts.command}"`], {
      cwd: opts.cwd,
      env: opts.env,
      stdio: ['ignore', 'pipe', 'pipe'],
      windowsVerbatimArguments: true,
      windowsHide: true,
    });
  }
  return spawn('/bin/sh', ['-c', opts.command], {
    cwd: opts.cwd,
    env: opts.env,
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
}

/** Whether a single pid exists (zombies count as gone on Linux). */
export async function isProcessAlive(pid: number): Promise<boolean> {
  if (!signalOk(pid, 0)) return false;
  if (process.platform === 'linux') {
    const stat = await readProcStat(pid);
    return stat !== null && stat.state !== 'Z';
  }
  return true;
}

/**
 * Whether group `pgid` may still have a running process: true unless it is confirmed gone.
 * Zombies do not count: an orphaned grandchild that died waits for init to reap it, which
 * can take a while. When membership cannot be read (out of descriptors) the group counts as
 * alive, so that it is still signalled and its pid record kept.
 */
export async function isGroupAlive(pgid: number): Promise<boolean> {
  if (process.platform === 'win32') return signalOk(pgid, 0);
  if (!signalOk(-pgid, 0)) return false;
  if (process.platform !== 'linux') return true;
  return groupLiveness(true, await groupMembers(pgid)) !== 'gone';
}

export type GroupLiveness = 'alive' | 'gone' | 'unknown';

/**
 * `exists`: kill(-pgid, 0) found the group (zombies included). `members`: its live members,
 * or null when they could not be read. Only a group confirmed empty is gone.
 */
export function groupLiveness(exists: boolean, members: readonly number[] | null): GroupLiveness {
  if (!exists) return 'gone';
  if (members === null) return 'unknown';
  return members.length > 0 ? 'alive' : 'gone';
}

/** How /proc is read; a parameter so that the failure paths can be tested. */
export interface ProcReader {
  readdir(path: string): Promise<string[]>;
  /** null: no such process; throws when it cannot tell. */
  readStat(pid: number): Promise<ProcStat | null>;
}

const PROC: ProcReader = { readdir: (path) => readdir(path), readStat: readProcStatOrThrow };

/**
 * Live (non-zombie) pids of group `pgid`, from /proc. Linux only. null when /proc could not
 * be read (EMFILE and the like): "unknown", never "empty".
 */
export async function groupMembers(pgid: number, proc: ProcReader = PROC): Promise<number[] | null> {
  let entries: string[];
  try {
    entries = await proc.readdir('/proc');
  } catch {
    return null;
  }
  try {
    const stats = await Promise.all(entries.filter((e) => /^\d+$/.test(e)).map((e) => proc.readStat(Number(e))));
    return stats.filter((s): s is ProcStat => s !== null && s.pgrp === pgid && s.state !== 'Z').map((s) => s.pid);
  } catch {
    return null;
  }
}

/** Sends `signal` to the whole group. Returns false when the group no longer exists. */
export function signalGroup(pgid: number, signal: NodeJS.Signals): boolean {
  if (process.platform === 'win32') {
    // No process groups: kill the tree. taskkill has no graceful mode for console apps.
    execFile('taskkill', ['/pid', String(pgid), '/T', '/F'], { windowsHide: true }, () => {});
    return true;
  }
  return signalOk(-pgid, signal);
}

function signalOk(target: number, signal: NodeJS.Signals | 0): boolean {
  try {
    process.kill(target, signal);
    return true;
  } catch (err) {
    // EPERM: it exists but is not ours; treat as alive, and never as killable.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export interface TerminateResult {
  /** Whether SIGKILL was needed. */
  escalated: boolean;
  /** Whether the group is gone at the end. */
  gone: boolean;
}

/**
 * SIGTERM to the group, then SIGKILL if anything is left after `graceMs`, then wait
 * (bounded) until the group is gone. `onEscalate` is told before SIGKILL.
 */
export async function terminateGroup(pgid: number, graceMs: number, onEscalate?: () => void): Promise<TerminateResult> {
  if (!(await isGroupAlive(pgid))) return { escalated: false, gone: true };
  signalGroup(pgid, 'SIGTERM');
  if (await waitUntilGroupGone(pgid, graceMs)) return { escalated: false, gone: true };
  onEscalate?.();
  signalGroup(pgid, 'SIGKILL');
  // SIGKILL cannot be ignored; this only waits for the kernel (and, for D-state, for I/O).
  const gone = await waitUntilGroupGone(pgid, 10_000);
  return { escalated: true, gone };
}

export async function waitUntilGroupGone(pgid: number, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  let interval = 10;
  while (true) {
    if (!(await isGroupAlive(pgid))) return true;
    const left = deadline - Date.now();
    if (left <= 0) return false;
    await delay(Math.min(interval, left));
    interval = Math.min(interval * 2, 100);
  }
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
