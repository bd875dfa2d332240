// Command-line parsing: pure, so every error message is tested.
import { parseDiagnoseArgs, type DashboardCommand, type DoctorCommand } from './diagnose-args.js';
import { stringFlag, unknownFlag, type Flags } from './flags.js';
import { parseDuration } from '../../shared/filter/units.js';

export type CliCommand =
  | {
      kind: 'up';
      dirs: string[];
      httpPort: number | undefined;
      home: string | undefined;
      capture: boolean;
      captureMaxTotalBytes?: number;
      /** Ring the terminal bell at each service failure. */
      bell: boolean;
      /** With an engine already running: approve the commands without asking. */
      yes?: boolean;
      /** With an engine already running: leave the added projects running and exit. */
      detach?: boolean;
    }
  | { kind: 'ls' | 'status'; home: string | undefined; json: boolean }
  | {
      kind: 'logs';
      home: string | undefined;
      project: string;
      service: string | undefined;
      follow: boolean;
      grep: string | undefined;
      /** Only lines newer than this many milliseconds. */
      sinceMs: number | undefined;
    }
  | { kind: 'restart'; home: string | undefined; project: string; service: string | undefined }
  | { kind: 'stop'; home: string | undefined; project: string }
  | { kind: 'open'; home: string | undefined; project: string | undefined }
  | { kind: 'check'; target: string }
  | { kind: 'ca'; action: 'path' | 'install' | 'uninstall'; home: string | undefined; skipSystemStore?: true }
  | { kind: 'help' }
  | { kind: 'version' }
  | DoctorCommand
  | DashboardCommand;

export type ParseResult = { ok: true; command: CliCommand } | { ok: false; error: string };

export const USAGE = `Usage:
  locald up [DIR...] [--http-port N] [--home DIR] [--no-capture] [--capture-max-total BYTES] [--bell]
                                                    run projects in the foreground (default DIR: .);
                                                    --bell rings the terminal bell when a service
                                                    crashes, gives up or fails its readiness check
      [--yes] [--detach]                            with an engine already running: add the projects to it
                                                    (--yes approves their commands; --detach leaves them running)
  locald ls [--json]                                projects, services, states and URLs of the running engine
  locald status [--json]                            which engine runs: pid, port, uptime, projects
  locald logs PROJECT[/SERVICE] [-f] [--grep RE] [--service NAME] [--since DURATION]
                                                    a project's logs (-f follows; DURATION like 30s, 5m, 2h)
  locald restart PROJECT[/SERVICE]                  restart a project, or one of its services
  locald stop PROJECT                               stop a project's services
  locald open [PROJECT]                             open a project's site, or the dashboard, in the browser
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
      const unknown = unknownFlag(flags, ['http-port', 'home', 'no-capture', 'capture-max-total', 'bell', 'yes', 'detach']);
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
          ...(flags.has('yes') ? { yes: true } : {}),
          ...(flags.has('detach') ? { detach: true } : {}),
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
    case 'ls':
    case 'status':
    case 'logs':
    case 'restart':
    case 'stop':
    case 'open':
      return parseEngineCommand(command, positional, flags);
    case 'doctor':
    case 'dashboard':
      return parseDiagnoseArgs(command, positional, flags);
    default:
      return { ok: false, error: `unknown command '${command}'. Commands: up, ls, status, logs, restart, stop, open, check, ca, doctor, dashboard` };
  }
}

/** The commands that talk to a running engine. */
function parseEngineCommand(command: 'ls' | 'status' | 'logs' | 'restart' | 'stop' | 'open', positional: string[], flags: Flags): ParseResult {
  const allowed: Record<typeof command, string[]> = {
    ls: ['home', 'json'],
    status: ['home', 'json'],
    logs: ['home', 'follow', 'grep', 'service', 'since'],
    restart: ['home'],
    stop: ['home'],
    open: ['home'],
  };
  const unknown = unknownFlag(flags, allowed[command]);
  if (unknown !== undefined) return unknown;
  const home = stringFlag(flags, 'home');
  if (home === null) return { ok: false, error: '--home needs a directory' };
  const maxArgs = command === 'ls' || command === 'status' ? 0 : 1;
  if (positional.length > maxArgs) return { ok: false, error: `unexpected argument '${positional[maxArgs]}'` };
  if (command === 'ls' || command === 'status') return { ok: true, command: { kind: command, home, json: flags.has('json') } };
  const target = positional[0];
  if (command === 'open') return { ok: true, command: { kind: 'open', home, project: target } };
  if (target === undefined || target === '') return { ok: false, error: `locald ${command} needs a PROJECT, e.g. locald ${command} shop` };
  const slash = target.indexOf('/');
  const project = slash === -1 ? target : target.slice(0, slash);
  let service = slash === -1 ? undefined : target.slice(slash + 1);
  if (project === '' || service === '') return { ok: false, error: `'${target}' is not PROJECT or PROJECT/SERVICE` };
  if (command === 'stop') {
    if (service !== undefined) return { ok: false, error: `locald stop takes a PROJECT; to restart one service use locald restart ${target}` };
    return { ok: true, command: { kind: 'stop', home, project } };
  }
  if (command === 'restart') return { ok: true, command: { kind: 'restart', home, project, service } };
  const serviceFlag = stringFlag(flags, 'service');
  if (serviceFlag === null) return { ok: false, error: '--service needs a service name' };
  if (serviceFlag !== undefined) {
    if (service !== undefined && service !== serviceFlag) return { ok: false, error: `'${target}' and --service ${serviceFlag} name different services` };
    service = serviceFlag;
  }
  const grep = stringFlag(flags, 'grep');
  if (grep === null) return { ok: false, error: '--grep needs a regular expression' };
  if (grep !== undefined) {
    try {
      new RegExp(grep);
    } catch (e) {
      return { ok: false, error: `--grep: ${e instanceof Error ? e.message : String(e)}` };
    }
  }
  const since = flags.get('since');
  // A bare number is milliseconds in filters; for --since it is almost surely a mistake (30 ms of logs), so a unit is required.
  const sinceMs = since === undefined ? undefined : since === true || /^[\d.]+$/.test(since.trim()) ? null : parseDuration(since);
  if (sinceMs === null) return { ok: false, error: `--since must be a duration like 30s, 5m, 2h or 1d, got '${String(since)}'` };
  return { ok: true, command: { kind: 'logs', home, project, service, follow: flags.has('follow'), grep, sinceMs } };
}

function splitFlags(args: readonly string[]): { ok: true; positional: string[]; flags: Flags } | { ok: false; error: string } {
  const positional: string[] = [];
  const flags: Flags = new Map();
  const valued = new Set(['http-port', 'home', 'capture-max-total', 'grep', 'service', 'since']);
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] as string;
    if (arg === '--') {
      positional.push(...args.slice(i + 1));
      break;
    }
    if (arg === '-f' || arg === '-y') {
      flags.set(arg === '-f' ? 'follow' : 'yes', true);
      continue;
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
