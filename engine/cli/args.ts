// Command-line parsing: pure, so every error message is tested.

export type CliCommand =
  | { kind: 'up'; dirs: string[]; httpPort: number | undefined; home: string | undefined; capture: boolean; captureMaxTotalBytes?: number; bell: boolean }
  | { kind: 'check'; target: string }
  | { kind: 'ca'; action: 'path' | 'install' | 'uninstall'; home: string | undefined; skipSystemStore?: true }
  | { kind: 'help' }
  | { kind: 'version' };

export type ParseResult = { ok: true; command: CliCommand } | { ok: false; error: string };

export const USAGE = `Usage:
  locald up [DIR...] [--http-port N] [--home DIR] [--no-capture] [--capture-max-total BYTES] [--bell]
                                                    run projects in the foreground (default DIR: .);
                                                    --bell rings the terminal bell when a service
                                                    crashes, gives up or fails its readiness check
  locald check [DIR|FILE]                           validate a locald.toml; exit 1 with located errors
  locald ca [--install | --uninstall] [--home DIR]  print the local CA certificate path, or (un)trust it
            [--no-system-store]                     (un)trust it in your browsers only, not system-wide
  locald --version | --help

Environment:
  LOCALD_HOME   state directory (pid records, CA, tokens); --home overrides it`;

export function parseArgs(argv: readonly string[]): ParseResult {
  const [command, ...rest] = argv;
  if (command === undefined || command === '--help' || command === '-h' || command === 'help') {
    return { ok: true, command: { kind: 'help' } };
  }
  if (command === '--version' || command === '-v' || command === 'version') {
    return { ok: true, command: { kind: 'version' } };
  }
  const parsed = splitFlags(rest);
  if (!parsed.ok) return parsed;
  const { positional, flags } = parsed;
  switch (command) {
    case 'up': {
      const unknown = unknownFlag(flags, ['http-port', 'home', 'no-capture', 'capture-max-total', 'bell']);
      if (unknown !== undefined) return unknown;
      let httpPort: number | undefined;
      const portFlag = flags.get('http-port');
      if (portFlag !== undefined) {
        const n = Number(portFlag);
        if (portFlag === true || !Number.isInteger(n) || n < 0 || n > 65535) {
          return { ok: false, error: `--http-port must be a port number from 0 to 65535, got '${String(portFlag)}'` };
        }
        httpPort = n;
      }
      const home = stringFlag(flags, 'home');
      if (home === null) return { ok: false, error: '--home needs a directory, e.g. --home ~/.locald' };
      const bellFlag = flags.get('bell');
      if (bellFlag !== undefined && bellFlag !== true) return { ok: false, error: `--bell takes no value, got '--bell=${bellFlag}'` };
      const totalFlag = flags.get('capture-max-total');
      const captureMaxTotalBytes = totalFlag === undefined ? undefined : Number(totalFlag);
      if (captureMaxTotalBytes !== undefined && (totalFlag === true || !Number.isSafeInteger(captureMaxTotalBytes) || captureMaxTotalBytes < 1024)) {
        return { ok: false, error: `--capture-max-total must be a number of bytes, at least 1024, got '${String(totalFlag)}'` };
      }
      return {
        ok: true,
        command: {
          kind: 'up',
          dirs: positional.length > 0 ? positional : ['.'],
          httpPort,
          home,
          capture: !flags.has('no-capture'),
          bell: flags.has('bell'),
          ...(captureMaxTotalBytes === undefined ? {} : { captureMaxTotalBytes }),
        },
      };
    }
    case 'check': {
      const unknown = unknownFlag(flags, []);
      if (unknown !== undefined) return unknown;
      if (positional.length > 1) return { ok: false, error: 'locald check takes one DIR or FILE' };
      return { ok: true, command: { kind: 'check', target: positional[0] ?? '.' } };
    }
    case 'ca': {
      const unknown = unknownFlag(flags, ['install', 'uninstall', 'home', 'no-system-store']);
      if (unknown !== undefined) return unknown;
      if (flags.has('install') && flags.has('uninstall')) return { ok: false, error: 'choose one of --install or --uninstall' };
      const skipSystemStore = flags.has('no-system-store');
      if (skipSystemStore && !flags.has('install') && !flags.has('uninstall')) return { ok: false, error: '--no-system-store goes with --install or --uninstall' };
      if (positional.length > 0) return { ok: false, error: `unexpected argument '${positional[0]}'` };
      const home = stringFlag(flags, 'home');
      if (home === null) return { ok: false, error: '--home needs a directory' };
      const action = flags.has('install') ? 'install' : flags.has('uninstall') ? 'uninstall' : 'path';
      return { ok: true, command: { kind: 'ca', action, home, ...(skipSystemStore ? { skipSystemStore: true as const } : {}) } };
    }
    default:
      return { ok: false, error: `unknown command '${command}'. Commands: up, check, ca` };
  }
}

type Flags = Map<string, string | true>;

function splitFlags(args: readonly string[]): { ok: true; positional: string[]; flags: Flags } | { ok: false; error: string } {
  const positional: string[] = [];
  const flags: Flags = new Map();
  const valued = new Set(['http-port', 'home', 'capture-max-total']);
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] as string;
    if (arg === '--') {
      positional.push(...args.slice(i + 1));
      break;
    }
    if (!arg.startsWith('--')) {
      positional.push(arg);
      continue;
    }
    const eq = arg.indexOf('=');
    const name = eq === -1 ? arg.slice(2) : arg.slice(2, eq);
    if (eq !== -1) {
      flags.set(name, arg.slice(eq + 1));
    } else if (valued.has(name)) {
      const value = args[i + 1];
      if (value === undefined || value.startsWith('--')) return { ok: false, error: `--${name} needs a value` };
      flags.set(name, value);
      i++;
    } else {
      flags.set(name, true);
    }
  }
  return { ok: true, positional, flags };
}

function unknownFlag(flags: Flags, allowed: string[]): { ok: false; error: string } | undefined {
  for (const name of flags.keys()) {
    if (!allowed.includes(name)) {
      const valid = allowed.length > 0 ? ` (valid: ${allowed.map((a) => `--${a}`).join(', ')})` : '';
      return { ok: false, error: `unknown option --${name}${valid}` };
    }
  }
  return undefined;
}

/** undefined: absent; null: present without a usable value. */
function stringFlag(flags: Flags, name: string): string | undefined | null {
  const value = flags.get(name);
  if (value === undefined) return undefined;
  if (value === true || value === '') return null;
  return value;
}
