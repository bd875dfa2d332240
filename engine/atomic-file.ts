// Crash-safe file replacement, the one copy for the engine (CA files, owner record,
// dashboard token, pid records) and the desktop shell (its project registry): write a
// sibling temp file, fsync it, give it its final mode, rename it over the target, then
// fsync the folder so the rename itself survives a power cut. A crash at any point leaves
// either the old or the new content, never a torn file; at worst a temp file that
// isTempFileOf recognises.
// Node-side library code: it imports nothing from the engine (docs/decisions/0012).
import { randomBytes } from 'node:crypto';
import { chmod, mkdir, open, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

export interface AtomicWriteOptions {
  /** The file's final mode, whatever the umask is (a key must end up 0600). Default 0o600. */
  mode?: number;
  /** Create the parent folder (0700) when missing; otherwise a missing folder is ENOENT. */
  createParent?: boolean;
}

/** A hidden sibling of `target`, unique per process and call. */
export function tempPathFor(target: string): string {
  return join(dirname(target), `.${basename(target)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
}

/** True for the temp files writeFileAtomic leaves behind when a process dies mid-write. */
export function isTempFileOf(target: string, candidate: string): boolean {
  const name = basename(candidate);
  return name.startsWith(`.${basename(target)}.`) && name.endsWith('.tmp');
}

export async function writeFileAtomic(target: string, data: string | Uint8Array, options: AtomicWriteOptions = {}): Promise<void> {
  const mode = options.mode ?? 0o600;
  if (options.createParent === true) await mkdir(dirname(target), { recursive: true, mode: 0o700 });
  const temp = tempPathFor(target);
  try {
    const handle = await open(temp, 'wx', mode);
    try {
      await handle.writeFile(data);
      await handle.sync();
    } finally {
      await handle.close();
    }
    // The create mode is filtered by the umask.
    await chmod(temp, mode);
    await rename(temp, target);
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  }
  await syncDirectory(dirname(target));
}

async function syncDirectory(dir: string): Promise<void> {
  // Windows cannot open a directory for fsync; the rename is already durable enough there.
  if (process.platform === 'win32') return;
  try {
    const handle = await open(dir, 'r');
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  } catch {
    // Some filesystems (e.g. certain network mounts) refuse fsync on directories.
  }
}
