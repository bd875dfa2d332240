// `locald` command-line entry: parses arguments, runs one command, sets the exit code.
import { parseArgs, USAGE } from './args.js';
import { runCheck } from './check.js';
import { runUp } from './up.js';
import { readVersion } from '../version.js';

async function main(argv: string[]): Promise<number> {
  const parsed = parseArgs(argv);
  if (!parsed.ok) {
    process.stderr.write(`locald: ${parsed.error}\n\n${USAGE}\n`);
    return 2;
  }
  const command = parsed.command;
  switch (command.kind) {
    case 'help':
      process.stdout.write(`${USAGE}\n`);
      return 0;
    case 'version':
      process.stdout.write(`${readVersion()}\n`);
      return 0;
    case 'check':
      return runCheck(command.target);
    case 'up':
      return runUp(command);
    case 'ls':
    case 'status':
    case 'logs':
    case 'restart':
    case 'stop':
    case 'open': {
      const { runEngineCommand } = await import('./engine-commands.js');
      return runEngineCommand(command);
    }
    case 'ca': {
      const { runCa } = await import('./ca.js');
      return runCa(command);
    }
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`locald: internal error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exitCode = 70;
  },
);
