// File primitives for the CA's state: reading, and an exclusive creation lock. Atomic
// replacement is engine/atomic-file.ts.
import { readFile, stat, unlink, writeFile } from 'node:fs/promises';

/** Reads a text file, or returns null when it does not exist. */
export async function readTextIfExists(path: string): Promise<string | null> {
  try {
    return await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
}

export interface LockOptions {
  /** A lock older than this is taken to be left over by a crash. Creating a CA takes milliseconds. */
  staleMs?: number;
}

export function processIsAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: it exists but belongs to someone else.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Tries once to take an exclusive lock by creating `path` with O_EXCL. Returns a release
 * function, or null when another live process holds the lock. A lock whose owner is gone
 * (or that is older than `staleMs`) is removed, and the attempt repeated once.
 */
export async function tryLock(path: string, options: LockOptions = {}): Promise<(() => Promise<void>) | null> {
  const staleMs = options.staleMs ?? 60_000;
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      await writeFile(path, `${process.pid}\n`, { flag: 'wx', mode: 0o600 });
      return async () => {
        await unlink(path).catch(() => undefined);
      };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    if (!(await lockIsStale(path, staleMs))) return null;
    await unlink(path).catch(() => undefined);
  }
  return null;
}

async function lockIsStale(path: string, staleMs: number): Promise<boolean> {
  try {
    const [info, text] = await Promise.all([stat(path), readFile(path, 'utf8')]);
    if (Date.now() - info.mtimeMs > staleMs) return true;
    const pid = Number.parseInt(text, 10);
    // An empty file is a lock whose owner has not written its pid yet: alive.
    return Number.isInteger(pid) && pid > 0 && pid !== process.pid && !processIsAlive(pid);
  } catch (err) {
    // Released between our create attempt and now: not stale, just retry later.
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw err;
  }
}
