// Runs the built `locald` CLI as a real child process and reads what it prints.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO = fileURLToPath(new URL('../../', import.meta.url));
export const LOCALD_BIN = join(REPO, 'bin', 'locald.js');

export interface LocaldProcess {
  child: ChildProcess;
  home: string;
  /** Everything printed so far (stdout and stderr interleaved). */
  output(): string;
  waitForOutput(pattern: RegExp, deadlineMs?: number): Promise<RegExpMatchArray>;
  /** The proxy port, once `locald up` printed it. */
  port(): Promise<number>;
  /** Resolves with the exit code (or signal name) of a process that exits by itself; SIGKILLs it after the deadline. */
  waitForExit(deadlineMs?: number): Promise<number | string>;
  /** Sends a signal and resolves with the exit code (or signal name). */
  stop(signal?: NodeJS.Signals, deadlineMs?: number): Promise<number | string>;
}

export function tempHome(prefix = 'locald-test-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

export function startLocald(args: string[], options: { home?: string; env?: Record<string, string>; cwd?: string } = {}): LocaldProcess {
  const home = options.home ?? tempHome();
  const child = spawn(process.execPath, [LOCALD_BIN, ...args, '--home', home], {
    cwd: options.cwd ?? REPO,
    env: { ...process.env, NO_COLOR: '1', ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let text = '';
  const waiters = new Set<() => void>();
  const onData = (chunk: Buffer): void => {
    text += chunk.toString();
    for (const w of waiters) w();
  };
  child.stdout?.on('data', onData);
  child.stderr?.on('data', onData);
  const exited = new Promise<number | string>((resolve) => {
    child.once('exit', (code, signal) => {
      for (const w of waiters) w();
      resolve(code ?? signal ?? -1);
    });
  });

  const waitForOutput = (pattern: RegExp, deadlineMs = 30_000): Promise<RegExpMatchArray> =>
    new Promise((resolve, reject) => {
      const check = (): void => {
        const m = text.match(pattern);
        if (m !== null) {
          cleanup();
          resolve(m);
        } else if (child.exitCode !== null || child.signalCode !== null) {
          cleanup();
          reject(new Error(`locald exited (${child.exitCode ?? child.signalCode}) before printing ${pattern}:\n${text}`));
        }
      };
      const timer = setTimeout(() => {
        cleanup();
        reject(new Error(`timed out after ${deadlineMs} ms waiting for ${pattern}; output so far:\n${text}`));
      }, deadlineMs);
      const cleanup = (): void => {
        clearTimeout(timer);
        waiters.delete(check);
      };
      waiters.add(check);
      check();
    });

  return {
    child,
    home,
    output: () => text,
    waitForOutput,
    port: async () => Number((await waitForOutput(/proxy on http:\/\/127\.0\.0\.1:(\d+)/))[1]),
    waitForExit: async (deadlineMs = 30_000) => {
      const timer = setTimeout(() => child.kill('SIGKILL'), deadlineMs);
      const result = await exited;
      clearTimeout(timer);
      return result;
    },
    stop: async (signal = 'SIGTERM', deadlineMs = 30_000) => {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      const timer = setTimeout(() => child.kill('SIGKILL'), deadlineMs);
      const result = await exited;
      clearTimeout(timer);
      return result;
    },
  };
}

/** True while a process with this pid exists and is not a zombie awaiting its reaper. */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
  try {
    // Field 3 of /proc/<pid>/stat is the state; 'Z' is dead but not yet reaped (no init in some containers).
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return process.platform !== 'linux';
  }
}

/** A fresh project folder holding `toml` as its locald.toml. */
export function writeProjectDir(toml: string, prefix = 'locald-project-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  writeFileSync(join(dir, 'locald.toml'), toml);
  return dir;
}

/** SIGKILLs each pid that is still alive (test cleanup; by pid, never by name). */
export function killAlive(pids: Iterable<number>): void {
  for (const pid of pids) {
    if (!isAlive(pid)) continue;
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // gone meanwhile
    }
  }
}
