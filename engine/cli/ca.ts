// `locald ca`: the local CA's path, or trusting/untrusting it with the OS's own tools.
import { ensureHome, resolveHome } from '../home.js';
import { PrivatePathError } from '../private-paths.js';
import { caCommand } from '../tls/index.js';
import type { CliCommand } from './args.js';

export async function runCa(command: Extract<CliCommand, { kind: 'ca' }>): Promise<number> {
  let result: Awaited<ReturnType<typeof caCommand>>;
  try {
    const home = ensureHome(resolveHome(command.home), (message) => process.stderr.write(`locald: warning: ${message}\n`));
    // The system store is the machine's; browsers (NSS) and the user's keychain are not.
    result = await caCommand(home, command.action, command.skipSystemStore === true ? { targets: { linuxSystemStore: null } } : {});
  } catch (e) {
    if (!(e instanceof PrivatePathError)) throw e;
    process.stderr.write(`locald: ${e.message}\n`);
    return 1;
  }
  process.stdout.write(`${result.output}\n`);
  return result.exitCode;
}
