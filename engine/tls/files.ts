// File primitives for the CA's state: atomic replacement and an exclusive creation lock.
import { randomBytes } from 'node:crypto';
import { mkdir, open, readFile, rename, stat, unlink, writeFile, chmod } from 'node:fs/promises';
import { dirname } from 'node:path';

/**
 * Replaces `path` with `data` so that readers see the old file or the new one, never a
 * partial one: write a sibling temp file with the final mode, then rename over the target.
 */
export async function writeFileAtomic(path: string, data: string, mode: number): Promise<void> {
  await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  const tmp = `${path}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`;
  try {
    const handle = await open(tmp, 'wx', mode);
    try {
      await handle.writeFile(data);
      await handle.sync();
    } finally {
      await handle.close();
    }
    // The create mode is filtered by the umask; a key must end up 0600 whatever the umask is.
    await chmod(tmp, mode);
    await rename(tmp, path);
  } catch (err) {
    await unlink(tmp).catch(() => undefined);
    throw err;
  }
}

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
