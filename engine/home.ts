// Where locald keeps its state: pid records, the local CA, the dashboard token.
import { mkdirSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';

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

export function ensureHome(home: string): string {
  mkdirSync(home, { recursive: true, mode: 0o700 });
  return home;
}
