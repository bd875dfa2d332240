// locald's state folders and the CA key must be its user's alone: a key other users can read
// lets them impersonate every https://*.localhost site the user trusts; a folder they can
// write lets them replace the key, or plant pid records for the reaper. Folders locald keeps
// are repaired (0700) when they belong to the user; what cannot be repaired is refused.
import { chmodSync, statSync } from 'node:fs';

export interface OwnerAndMode {
  uid: number;
  /** Permission bits (st_mode & 0o7777 is enough). */
  mode: number;
}

export type Verdict = { kind: 'ok' } | { kind: 'repair'; mode: number; warning: string } | { kind: 'refuse'; reason: string };

const octal = (mode: number): string => `0${(mode & 0o777).toString(8).padStart(3, '0')}`;

/** A folder of locald's state, as seen by the user with id `uid`. */
export function judgeFolder(path: string, facts: OwnerAndMode, uid: number): Verdict {
  // A sticky folder (/tmp) is shared by design: locald did not make it and must not close it.
  if ((facts.mode & 0o1000) !== 0) return { kind: 'refuse', reason: `${path} is a shared folder (mode 0${(facts.mode & 0o7777).toString(8)})` };
  if (facts.uid === uid) {
    if ((facts.mode & 0o077) === 0) return { kind: 'ok' };
    return { kind: 'repair', mode: 0o700, warning: `${path} was open to other users (mode ${octal(facts.mode)}); locald set it to 0700` };
  }
  if (facts.uid !== 0) return { kind: 'refuse', reason: `${path} belongs to another user (uid ${facts.uid}), who could replace what locald keeps there` };
  if ((facts.mode & 0o022) !== 0) return { kind: 'refuse', reason: `${path} can be changed by other users (mode ${octal(facts.mode)})` };
  return { kind: 'ok' };
}

/** A private key: usable only when it is the user's and nobody else can read or change it. */
export function judgeKeyFile(path: string, facts: OwnerAndMode, uid: number): Verdict {
  if (facts.uid !== uid) return { kind: 'refuse', reason: `${path} belongs to another user (uid ${facts.uid}), who could have replaced it` };
  if ((facts.mode & 0o077) !== 0) return { kind: 'refuse', reason: `${path} can be read or replaced by other users (mode ${octal(facts.mode)})` };
  return { kind: 'ok' };
}

export class PrivatePathError extends Error {
  override name = 'PrivatePathError';
}

/** POSIX modes and owners mean nothing on Windows (ACLs decide there). */
function currentUid(): number | null {
  return process.platform === 'win32' || typeof process.getuid !== 'function' ? null : process.getuid();
}

/** Repairs a folder of the user's own to 0700 (one warning), or throws when it cannot be trusted. */
export function keepFolderPrivate(path: string, warn: (message: string) => void, advice: string): void {
  const uid = currentUid();
  if (uid === null) return;
  const verdict = judgeFolder(path, statSync(path), uid);
  if (verdict.kind === 'refuse') throw new PrivatePathError(`${verdict.reason}; ${advice}`);
  if (verdict.kind === 'repair') {
    chmodSync(path, verdict.mode);
    warn(verdict.warning);
  }
}

/** Throws when a key file could be known to, or replaced by, another user. */
export function assertKeyPrivate(path: string, advice: string): void {
  const uid = currentUid();
  if (uid === null) return;
  const verdict = judgeKeyFile(path, statSync(path), uid);
  if (verdict.kind === 'refuse') throw new PrivatePathError(`${verdict.reason}; ${advice}`);
}
