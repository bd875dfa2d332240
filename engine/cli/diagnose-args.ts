// Arguments of `locald doctor` and `locald dashboard`: pure, like the rest of args.ts.
// Only functions cross the import cycle with args.ts, so either may be loaded first.
import { stringFlag, unknownFlag, type Flags } from './flags.js';

export type DoctorCommand = { kind: 'doctor'; httpPort: number | undefined; home: string | undefined; json: boolean };
export type DashboardCommand = { kind: 'dashboard'; rotateToken: boolean; httpPort: number | undefined; home: string | undefined };

type Parsed = { ok: true; command: DoctorCommand | DashboardCommand } | { ok: false; error: string };

export function parseDiagnoseArgs(command: 'doctor' | 'dashboard', positional: readonly string[], flags: Flags): Parsed {
  const unknown = unknownFlag(flags, command === 'doctor' ? ['json', 'http-port', 'home'] : ['rotate-token', 'http-port', 'home']);
  if (unknown !== undefined) return unknown;
  if (positional.length > 0) return { ok: false, error: `unexpected argument '${positional[0]}'` };
  const home = stringFlag(flags, 'home');
  if (home === null) return { ok: false, error: '--home needs a directory' };
  const portFlag = flags.get('http-port');
  const httpPort = portFlag === undefined ? undefined : Number(portFlag);
  // 0 means "any free port" for `up`; here a port must name the one an engine listens on.
  if (httpPort !== undefined && (portFlag === true || !Number.isInteger(httpPort) || httpPort < 1 || httpPort > 65535)) {
    return { ok: false, error: `--http-port must be a port number from 1 to 65535, got '${String(portFlag)}'` };
  }
  if (command === 'doctor') return { ok: true, command: { kind: 'doctor', httpPort, home, json: flags.has('json') } };
  return { ok: true, command: { kind: 'dashboard', rotateToken: flags.has('rotate-token'), httpPort, home } };
}
