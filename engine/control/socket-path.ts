// Where the control endpoint lives: a Unix socket in the state directory, or on Windows a
// named pipe whose name is derived from the state directory (pipes live in their own namespace).
import { createHash } from 'node:crypto';
import { join } from 'node:path';

export const CONTROL_SOCKET_FILE = 'engine.sock';

/** Unix sockets take paths of at most 104 (macOS) or 108 (Linux) bytes, including the NUL. */
export const MAX_SOCKET_PATH_BYTES = 103;

export function controlSocketPath(home: string, platform: NodeJS.Platform = process.platform): string {
  if (platform === 'win32') {
    const id = createHash('sha256').update(home.toLowerCase()).digest('hex').slice(0, 16);
    return `\\\\.\\pipe\\locald-${id}`;
  }
  return join(home, CONTROL_SOCKET_FILE);
}

/** A located error for a state directory too deep for a Unix socket path; null when it fits. */
export function socketPathProblem(path: string, platform: NodeJS.Platform = process.platform): string | null {
  if (platform === 'win32' || Buffer.byteLength(path) <= MAX_SOCKET_PATH_BYTES) return null;
  return `the control socket path ${path} is longer than the ${MAX_SOCKET_PATH_BYTES} bytes a Unix socket allows; choose a shorter state folder with --home or LOCALD_HOME`;
}
