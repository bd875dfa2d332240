// Noticing that the process that started us went away. `npx locald up` runs locald under
// npm, which does not forward every signal: npm dies and locald lives on with its services.
// npm starts us through a shell (`npm exec` → `sh -c locald …` → locald), and that shell
// stays alive when npm is SIGKILLed, so our own parent never changes. So under npm we also
// watch the ancestors up to npm itself; otherwise the parent alone (a re-parented locald
// sees getppid() change, which is the portable signal).
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { parseProcStat } from '../supervisor/process-start-time.js';
import { processIsAlive } from '../tls/files.js';

const DEFAULT_INTERVAL_MS = 750;
/** How far up the watch may reach: npm → shell → locald needs two; a wrapper script one more. */
const MAX_WATCHED = 4;
const SHELLS = new Set(['sh', 'bash', 'dash', 'zsh', 'ash', 'ksh', 'cmd.exe', 'cmd']);

export interface Ancestor {
  pid: number;
  ppid: number;
  /** The executable's base name (`sh`, `node`, `npm exec …` is `node`). */
  command: string;
}

/** Whether a ppid reading says the original parent is gone. */
export function parentChanged(originalPpid: number, currentPpid: number): boolean {
  return currentPpid !== originalPpid;
}

/** Whether npm (npm exec, npx, npm run) started this process: npm sets these for what it runs. */
export function startedByNpm(env: NodeJS.ProcessEnv): boolean {
  return env.npm_execpath !== undefined || env.npm_lifecycle_event !== undefined;
}

/**
 * The pids to watch, given our ancestry (parent first). Always the parent; under npm also
 * every shell above us and the first process above the shells (npm itself), never further:
 * a terminal or a session manager further up is not what started this run.
 */
export function ancestorsToWatch(chain: readonly Ancestor[], underNpm: boolean): number[] {
  const first = chain[0];
  if (first === undefined) return [];
  if (!underNpm) return [first.pid];
  const watched: number[] = [];
  for (const a of chain) {
    if (watched.length >= MAX_WATCHED || a.pid <= 1) break;
    watched.push(a.pid);
    if (!SHELLS.has(a.command)) break;
  }
  return watched;
}

/** Parses `ps -o ppid=,comm= -p PID` (macOS, BSD). */
export function parsePsAncestor(pid: number, text: string): Ancestor | null {
  const m = /^\s*(\d+)\s+(.+?)\s*$/.exec(text);
  if (m === null) return null;
  const command = (m[2] ?? '').split('/').pop() ?? '';
  return { pid, ppid: Number(m[1]), command: command.replace(/^-/, '') };
}

function readAncestor(pid: number): Ancestor | null {
  try {
    if (process.platform === 'linux') return parseProcStat(readFileSync(`/proc/${pid}/stat`, 'utf8'));
    if (process.platform === 'win32') return null;
    return parsePsAncestor(pid, execFileSync('ps', ['-o', 'ppid=,comm=', '-p', String(pid)], { encoding: 'utf8', timeout: 2_000 }));
  } catch {
    return null;
  }
}

/** Our ancestry, parent first, as far as it can be read (read once, at start). */
function readAncestry(): Ancestor[] {
  const chain: Ancestor[] = [];
  let pid = process.ppid;
  while (chain.length < MAX_WATCHED && pid > 1) {
    const a = readAncestor(pid);
    if (a === null) break;
    chain.push(a);
    pid = a.ppid;
  }
  return chain;
}

/** Whether `pid` still runs. A zombie does not: npm killed by SIGKILL may wait unreaped. */
function exists(pid: number): boolean {
  if (process.platform !== 'linux') return processIsAlive(pid);
  try {
    return parseProcStat(readFileSync(`/proc/${pid}/stat`, 'utf8'))?.state !== 'Z';
  } catch (e) {
    // Out of descriptors says nothing about the process: assume it is still there.
    return (e as NodeJS.ErrnoException).code !== 'ENOENT';
  }
}

/**
 * Calls `onGone` once when our parent, or under npm any watched ancestor, goes away. The
 * timer is unref'd (it never keeps the process alive). Returns a function that stops watching.
 */
export function watchParent(onGone: () => void, intervalMs = DEFAULT_INTERVAL_MS): () => void {
  const original = process.ppid;
  const watched = ancestorsToWatch(readAncestry(), startedByNpm(process.env)).filter((pid) => pid !== original);
  const timer = setInterval(() => {
    if (!parentChanged(original, process.ppid) && watched.every(exists)) return;
    clearInterval(timer);
    onGone();
  }, intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}
