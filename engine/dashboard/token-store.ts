// The dashboard token lives in the state directory, so a tab that already has the cookie
// reconnects by itself after locald restarts. `locald dashboard --rotate-token` replaces the
// file; a running engine notices the new file on its next dashboard request (or within a
// second, by polling) and from then on refuses the old cookie and drops the sockets opened with it.
import { randomBytes } from 'node:crypto';
import { readFileSync, statSync, unwatchFile, watchFile } from 'node:fs';
import { join } from 'node:path';
import { judgeKeyFile } from '../private-paths.js';
import { writeFileAtomic } from '../atomic-file.js';
import { readTextIfExists } from '../tls/files.js';

export const TOKEN_FILE = 'dashboard-token';

export function tokenPath(home: string): string {
  return join(home, TOKEN_FILE);
}

export function newToken(): string {
  return randomBytes(24).toString('base64url');
}

/** A token read from disk is used only when it looks like one we wrote (32 base64url characters or more). */
export function parseTokenFile(text: string): string | null {
  const token = text.trim();
  return /^[A-Za-z0-9_-]{32,}$/.test(token) ? token : null;
}

/**
 * Why a token file cannot be trusted (another user owns it or can read it), or null. Anyone
 * who can read it can drive the engine, which runs commands as this user.
 */
function untrustedReason(path: string): string | null {
  if (process.platform === 'win32' || typeof process.getuid !== 'function') return null;
  const verdict = judgeKeyFile(path, statSync(path), process.getuid());
  return verdict.kind === 'refuse' ? verdict.reason : null;
}

/** Writes a fresh token (0600, atomically), which invalidates every cookie holding the old one. */
export async function rotateToken(home: string): Promise<string> {
  const token = newToken();
  await writeFileAtomic(tokenPath(home), `${token}\n`, { mode: 0o600, createParent: true });
  return token;
}

/** The token kept in `home`, or a new one written there when there is none usable. */
export async function loadOrCreateToken(home: string, warn: (message: string) => void = () => undefined): Promise<string> {
  const path = tokenPath(home);
  const text = await readTextIfExists(path);
  if (text !== null) {
    const token = parseTokenFile(text);
    const distrust = untrustedReason(path);
    if (token !== null && distrust === null) return token;
    warn(distrust !== null ? `${distrust}; locald wrote a new dashboard token` : `${path} did not hold a dashboard token; locald wrote a new one`);
  }
  return rotateToken(home);
}

/** File identity that changes when the file is replaced (rename gives a new inode) or rewritten. */
function fileStamp(path: string): string | null {
  const info = statSync(path, { throwIfNoEntry: false });
  return info === undefined ? null : `${info.ino}:${info.mtimeMs}:${info.size}`;
}

/**
 * The current token of a running engine: follows the file, so a rotation by another process
 * takes effect without a restart. A file that disappears or turns unreadable keeps the
 * token in memory (the dashboard must not lock the user out because of a stray `rm`).
 */
export class TokenFile {
  private token: string;
  private stamp: string | null;
  private readonly listeners: (() => void)[] = [];

  private constructor(
    private readonly path: string,
    token: string,
  ) {
    this.token = token;
    this.stamp = fileStamp(path);
    // Polling the path (not fs.watch): a rotation replaces the file by rename, which a watch on
    // the old inode would miss. Not persistent: it must not keep the process alive.
    watchFile(path, { interval: 1_000, persistent: false }, () => void this.current());
  }

  close(): void {
    unwatchFile(this.path);
  }

  static async open(home: string, warn?: (message: string) => void): Promise<TokenFile> {
    return new TokenFile(tokenPath(home), await loadOrCreateToken(home, warn));
  }

  /** Called after the token changed on disk (e.g. to drop the sockets opened with the old one). */
  onRotate(listener: () => void): void {
    this.listeners.push(listener);
  }

  current(): string {
    let stamp: string | null;
    try {
      stamp = fileStamp(this.path);
    } catch {
      return this.token;
    }
    if (stamp === null || stamp === this.stamp) return this.token;
    this.stamp = stamp;
    try {
      const token = parseTokenFile(readFileSync(this.path, 'utf8'));
      if (token !== null && untrustedReason(this.path) === null && token !== this.token) {
        this.token = token;
        for (const listener of this.listeners) listener();
      }
    } catch {
      // Replaced again while we read it: the next request looks again.
      this.stamp = null;
    }
    return this.token;
  }
}
