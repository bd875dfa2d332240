// `locald ca`: the local CA's path, or trusting/untrusting it with the OS's own tools.
import { ensureHome, resolveHome } from '../home.js';
import { caCommand } from '../tls/index.js';
import type { CliCommand } from './args.js';

export async function runCa(command: Extract<CliCommand, { kind: 'ca' }>): Promise<number> {
  const home = ensureHome(resolveHome(command.home));
  const result = await caCommand(home, command.action);
  process.stdout.write(`${result.output}\n`);
  return result.exitCode;
}
