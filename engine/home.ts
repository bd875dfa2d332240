// Where locald keeps its state: pid records, the local CA, the dashboard token.
import { mkdirSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { keepFolderPrivate } from './private-paths.js';

/** `--home` wins, then `LOCALD_HOME`, then a per-user default. */
export function resolveHome(flag: string | undefined, env: NodeJS.ProcessEnv = process.env, platform: NodeJS.Platform = process.platform): string {
  if (flag !== undefined && flag !== '') return resolve(flag);
  const fromEnv = env.LOCALD_HOME;
  if (fromEnv !== undefined && fromEnv !== '') return resolve(fromEnv);
  if (platform === 'win32') {
    const base = env.LOCALAPPDATA ?? join(homedir(), 'AppData', 'Local');
    return join(base, 'locald');
  }
  const xdg = env.XDG_STATE_HOME;
  if (platform !== 'darwin' && xdg !== undefined && xdg !== '') return join(xdg, 'locald');
  return join(homedir(), '.locald');
}

/**
 * Creates the state folder (0700), or repairs one of the user's own that others could enter
 * (one warning); throws for a folder another user owns or can write.
 */
export function ensureHome(home: string, warn: (message: string) => void = () => undefined): string {
  mkdirSync(home, { recursive: true, mode: 0o700 });
  keepFolderPrivate(home, warn, 'choose a state folder of your own with --home or LOCALD_HOME');
  return home;
}
