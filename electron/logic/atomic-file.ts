// Crash-safe file replacement: write a sibling temp file, fsync it, rename it over the
// target, then fsync the folder so the rename itself survives a power cut. A crash at
// any point leaves either the old or the new content, never a torn file.
import { open, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

let counter = 0;

export function tempPathFor(target: string): string {
  counter = (counter + 1) % 1_000_000;
  return join(dirname(target), `.${basename(target)}.${process.pid}.${Date.now()}.${counter}.tmp`);
}

/** True for the temp files writeFileAtomic leaves behind when a process dies mid-write. */
export function isTempFileOf(target: string, candidate: string): boolean {
  const prefix = `.${basename(target)}.`;
  const name = basename(candidate);
  return name.startsWith(prefix) && name.endsWith('.tmp');
}

export async function writeFileAtomic(target: string, data: string | Uint8Array): Promise<void> {
  const temp = tempPathFor(target);
  try {
    const handle = await open(temp, 'wx', 0o600);
    try {
      await handle.writeFile(data);
      await handle.sync();
    } finally {
      await handle.close();
    }
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
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } catch {
    // Some filesystems (e.g. certain network mounts) refuse fsync on directories.
  } finally {
    await handle.close();
  }
}
