// Child processes for the bench: every one is tracked and killed on exit or Ctrl+C, every wait
// has a deadline. Plus /proc memory readings and the fd limit.
import { spawn, spawnSync, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';

const live = new Set<ChildProcess>();

export function track(child: ChildProcess): ChildProcess {
  live.add(child);
  child.once('exit', () => live.delete(child));
  return child;
}

/** Kills what is still running: SIGTERM, then SIGKILL after `graceMs`. */
export async function stopAll(graceMs = 3000): Promise<void> {
  await Promise.all([...live].map((c) => stopChild(c, 'SIGTERM', graceMs)));
}

export function stopChild(child: ChildProcess, signal: NodeJS.Signals, graceMs: number): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill(signal);
  });
}

let cleanupInstalled = false;
/** Ctrl+C or a crash must not leave proxies or upstreams behind. */
export function installCleanup(onSignal: () => Promise<void>): void {
  if (cleanupInstalled) return;
  cleanupInstalled = true;
  const bySignal = (signal: NodeJS.Signals): void => {
    process.stderr.write(`\nbench: ${signal}, stopping every child process…\n`);
    void onSignal().finally(() => process.exit(130));
  };
  process.once('SIGINT', bySignal);
  process.once('SIGTERM', bySignal);
  process.once('exit', () => {
    for (const child of live) child.kill('SIGKILL');
  });
}

export interface Started {
  child: ChildProcess;
  output(): string;
}

/**
 * Spawns a tracked process and waits until it prints `readyText` and/or accepts connections on
 * `readyPort`. Rejects (after killing it) on exit or deadline, with its output.
 */
export async function startProcess(
  name: string,
  command: string,
  args: string[],
  opts: { env?: Record<string, string>; cwd?: string; readyText?: string; readyPort?: number; deadlineMs?: number },
): Promise<Started> {
  const spawnOpts: SpawnOptions = { env: { ...process.env, ...opts.env }, cwd: opts.cwd, stdio: ['ignore', 'pipe', 'pipe'] };
  const child = track(spawn(command, args, spawnOpts));
  let out = '';
  // Keep only the tail: a chatty process must not grow the bench's memory.
  const onData = (chunk: Buffer): void => {
    out = (out + chunk.toString()).slice(-20_000);
  };
  child.stdout?.on('data', onData);
  child.stderr?.on('data', onData);
  const deadline = Date.now() + (opts.deadlineMs ?? 30_000);
  try {
    for (;;) {
      if (child.exitCode !== null || child.signalCode !== null) throw new Error(`${name} exited (${child.exitCode ?? child.signalCode}) before it was ready`);
      const textOk = opts.readyText === undefined || out.includes(opts.readyText);
      const portOk = opts.readyPort === undefined || (textOk && (await accepts(opts.readyPort)));
      if (textOk && portOk) break;
      if (Date.now() > deadline) throw new Error(`${name} not ready after ${opts.deadlineMs ?? 30_000} ms`);
      await sleep(50);
    }
  } catch (err) {
    await stopChild(child, 'SIGKILL', 1000);
    throw new Error(`${(err as Error).message}\n${out.trim().split('\n').slice(-15).join('\n')}`, { cause: err });
  }
  return { child, output: () => out };
}

export function accepts(port: number, host = '127.0.0.1'): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ port, host });
    const done = (ok: boolean): void => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(1000, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/**
 * Runs a client script (a separate process, so it does not share the bench's event loop) and
 * returns the JSON object on its last stdout line.
 */
export function runClient<T>(script: string, env: Record<string, string>, timeoutMs: number): Promise<T> {
  return new Promise((resolve, reject) => {
    const child = track(spawn(process.execPath, [script], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] }));
    let out = '';
    let err = '';
    child.stdout?.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr?.on('data', (c: Buffer) => (err = (err + c.toString()).slice(-4000)));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      const last = out.trim().split('\n').at(-1) ?? '';
      try {
        resolve(JSON.parse(last) as T);
      } catch {
        reject(new Error(`${script} ended (${code ?? signal}) without a result: ${err.trim().slice(-500) || last}`));
      }
    });
  });
}

export interface Memory {
  rssMiB: number;
  hwmMiB: number;
}

/** VmRSS and VmHWM (peak) of a process, from /proc/<pid>/status. */
export function readMemory(pid: number): Memory | null {
  try {
    return parseProcStatus(readFileSync(`/proc/${pid}/status`, 'utf8'));
  } catch {
    return null;
  }
}

export function parseProcStatus(text: string): Memory | null {
  const kib = (key: string): number | null => {
    const m = new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(text);
    return m === null ? null : Number(m[1]);
  };
  const rss = kib('VmRSS');
  const hwm = kib('VmHWM');
  if (rss === null || hwm === null) return null;
  return { rssMiB: rss / 1024, hwmMiB: hwm / 1024 };
}

/** Resets VmHWM to the current RSS (Linux: write 5 to clear_refs), so a peak can be measured per step. */
export function resetPeak(pid: number): boolean {
  try {
    writeFileSync(`/proc/${pid}/clear_refs`, '5');
    return true;
  } catch {
    return false;
  }
}

/** Raises this process's open-files limit (children inherit it); returns the soft limit in force. */
export function raiseFdLimit(wanted: number): number {
  spawnSync('prlimit', ['--pid', String(process.pid), `--nofile=${wanted}:${wanted}`], { stdio: 'ignore', timeout: 5000 });
  try {
    const m = /^Max open files\s+(\d+)/m.exec(readFileSync('/proc/self/limits', 'utf8'));
    return m === null ? NaN : Number(m[1]);
  } catch {
    return NaN;
  }
}

/** CPU time (user + system, all threads) a process has used so far, in ms; NaN when unreadable. */
export function readCpuMs(pid: number): number {
  try {
    return parseProcStat(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return NaN;
  }
}

/** Every process's parent, from /proc/<pid>/stat (processes that exit meanwhile are skipped). */
export function readParents(): Map<number, number> {
  const parents = new Map<number, number>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      parents.set(Number(name), parseParentPid(readFileSync(`/proc/${name}/stat`, 'utf8')));
    } catch {
      // exited between readdir and read
    }
  }
  return parents;
}

export function parseParentPid(text: string): number {
  return Number(text.slice(text.lastIndexOf(')') + 2).split(' ')[1]);
}

/** `root` and every process below it. */
export function descendants(parents: ReadonlyMap<number, number>, root: number): number[] {
  const children = new Map<number, number[]>();
  for (const [pid, parent] of parents) children.set(parent, [...(children.get(parent) ?? []), pid]);
  const out: number[] = [];
  for (let todo = [root]; todo.length > 0; ) {
    const pid = todo.pop() as number;
    out.push(pid);
    todo.push(...(children.get(pid) ?? []));
  }
  return out;
}

/** CPU ms used so far by each of `pids` (unreadable ones are left out). */
export function cpuByPid(pids: readonly number[]): Map<number, number> {
  const out = new Map<number, number>();
  for (const pid of pids) {
    const ms = readCpuMs(pid);
    if (!Number.isNaN(ms)) out.set(pid, ms);
  }
  return out;
}

/** CPU the processes in `after` used since `before`; a process new since then counts from zero. */
export function cpuSince(before: ReadonlyMap<number, number>, after: ReadonlyMap<number, number>): number {
  let total = 0;
  for (const [pid, ms] of after) total += ms - (before.get(pid) ?? 0);
  return total;
}

/** CPU time all cores spent busy (everything but idle and iowait) since boot, from /proc/stat. */
export function readMachineBusyMs(): number {
  try {
    return parseMachineBusy(readFileSync('/proc/stat', 'utf8'));
  } catch {
    return NaN;
  }
}

export function parseMachineBusy(text: string): number {
  const line = text.split('\n').find((l) => l.startsWith('cpu '));
  if (line === undefined) return NaN;
  // user nice system idle iowait irq softirq steal (guest time is already inside user)
  const f = line.trim().split(/\s+/).slice(1, 9).map(Number);
  const busy = (f[0] ?? 0) + (f[1] ?? 0) + (f[2] ?? 0) + (f[5] ?? 0) + (f[6] ?? 0) + (f[7] ?? 0);
  return (busy * 1000) / CLOCK_TICKS_PER_SECOND;
}

// USER_HZ is 100 on every Linux ABI Node supports.
const CLOCK_TICKS_PER_SECOND = 100;

export function parseProcStat(text: string): number {
  // The command name (field 2) may contain spaces and parentheses: count fields after the last ')'.
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
  const utime = Number(fields[11]);
  const stime = Number(fields[12]);
  return ((utime + stime) * 1000) / CLOCK_TICKS_PER_SECOND;
}
