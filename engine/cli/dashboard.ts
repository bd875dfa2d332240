// `locald dashboard [--rotate-token]`: the dashboard URL with the token kept in the state folder.
import { DEFAULT_HTTP_PORT } from '../../shared/defaults.js';
import { dashboardUrl } from '../dashboard/guard.js';
import { loadOrCreateToken, rotateToken } from '../dashboard/token-store.js';
import { ensureHome, resolveHome } from '../home.js';
import { PrivatePathError } from '../private-paths.js';
import type { DashboardCommand } from './diagnose-args.js';

export async function runDashboard(command: DashboardCommand): Promise<number> {
  const warn = (message: string): void => void process.stderr.write(`locald: warning: ${message}\n`);
  let token: string;
  try {
    const home = ensureHome(resolveHome(command.home), warn);
    token = command.rotateToken ? await rotateToken(home) : await loadOrCreateToken(home, warn);
  } catch (e) {
    if (!(e instanceof PrivatePathError)) throw e;
    process.stderr.write(`locald: ${e.message}\n`);
    return 1;
  }
  // A running engine reads the new file on its next dashboard request: old cookies stop working there.
  if (command.rotateToken) process.stdout.write('locald: new dashboard token written; tabs opened with the old one must use this URL\n');
  process.stdout.write(`${dashboardUrl(command.httpPort ?? DEFAULT_HTTP_PORT, token)}\n`);
  return 0;
}
