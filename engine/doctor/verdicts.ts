// `locald doctor`'s verdicts: each check turns facts gathered by probes.ts into a line the
// user can act on. Pure, so every verdict and every fix line is tested without the machine.
import type { TrustPresence } from '../tls/trust-run.js';

export type CheckStatus = 'ok' | 'warn' | 'fail';

export interface CheckResult {
  id: 'engine' | 'resolver' | 'ca' | 'port' | 'node';
  status: CheckStatus;
  /** What was found, one sentence. */
  summary: string;
  /** What to do about it; set whenever status is not ok. */
  fix?: string;
}

/** The oldest Node locald runs on; package.json's `engines` says the same (a unit test keeps them equal). */
export const MIN_NODE = '20.11';

/** What answered on the proxy port when asked for the dashboard (Host: locald.localhost:<port>). */
export type ProxyAnswer =
  | { kind: 'refused' }
  /** An HTTP answer: locald's dashboard says so in its body, even when it refuses a request without the token. */
  | { kind: 'http'; status: number; locald: boolean; server?: string }
  | { kind: 'error'; message: string };

/**
 * Facts about the engine for this state directory. Today they come from the proxy port
 * alone; an owner record (pid, port, version) can be added as `owner` without changing callers.
 */
export interface EngineFacts {
  port: number;
  answer: ProxyAnswer;
  /** Whether the engine accepts this state directory's dashboard token, i.e. keeps its state there. */
  servesHome?: boolean;
  owner?: { pid: number; version?: string };
}

/**
 * Which port doctor asks about: the one the user named, else the port of the engine that
 * owns this state directory (its owner record, when it still describes a live process),
 * else the default. An engine on a non-default port must not read as "no engine".
 */
export function doctorPort(explicit: number | undefined, owner: { port: number; live: boolean } | null, fallback: number): number {
  if (explicit !== undefined) return explicit;
  if (owner !== null && owner.live) return owner.port;
  return fallback;
}

export function engineAnswers(facts: EngineFacts): boolean {
  return facts.answer.kind === 'http' && facts.answer.locald;
}

export function judgeEngine(facts: EngineFacts): CheckResult {
  const { port, answer } = facts;
  const start = `start one with \`locald up\` (or the desktop app), or pass the port it uses: \`locald doctor --http-port N\``;
  if (answer.kind === 'refused') {
    return { id: 'engine', status: 'warn', summary: `no engine is running on port ${port}`, fix: start };
  }
  if (answer.kind === 'error') {
    return { id: 'engine', status: 'fail', summary: `port ${port} accepts connections but does not answer HTTP (${answer.message})`, fix: 'see the port check below for the process holding it' };
  }
  if (!answer.locald) {
    const server = answer.server === undefined ? '' : ` (Server: ${answer.server})`;
    return { id: 'engine', status: 'fail', summary: `port ${port} is answered by something other than locald: HTTP ${answer.status}${server}`, fix: 'see the port check below for the process holding it' };
  }
  const owner = facts.owner === undefined ? '' : ` (pid ${facts.owner.pid}${facts.owner.version === undefined ? '' : `, version ${facts.owner.version}`})`;
  if (facts.servesHome === false) {
    return {
      id: 'engine',
      status: 'warn',
      summary: `a locald answers on port ${port}${owner}, but not with this state directory's dashboard token (it uses another --home, or the token was rotated)`,
      fix: 'run doctor with the --home (or LOCALD_HOME) that locald uses, or open the URL `locald dashboard` prints',
    };
  }
  return { id: 'engine', status: 'ok', summary: `locald is running for this state directory and answers on port ${port}${owner}` };
}

/** Loopback as the resolver may return it: 127.0.0.0/8 or ::1. */
export function isLoopback(address: string): boolean {
  return /^127\./.test(address) || address === '::1' || /^::ffff:127\./i.test(address);
}

export type ResolverFacts = { name: string; addresses: string[] } | { name: string; error: string };

export function judgeResolver(facts: ResolverFacts, port: number): CheckResult {
  if ('addresses' in facts && facts.addresses.length > 0 && facts.addresses.every(isLoopback)) {
    return { id: 'resolver', status: 'ok', summary: `*.localhost resolves to loopback on this system (${facts.name} -> ${facts.addresses.join(', ')})` };
  }
  const found = 'error' in facts ? `does not resolve (${facts.error})` : `resolves to ${facts.addresses.join(', ') || 'nothing'}, not to loopback`;
  return {
    id: 'resolver',
    status: 'fail',
    summary: `*.localhost ${found} with this system's resolver`,
    fix:
      `glibc (most Linux systems) does not resolve *.localhost; Chromium, Firefox and curl resolve it themselves, so browsers work. ` +
      `Other clients (Node, Python, wget, …) need a hosts entry per project, e.g. \`127.0.0.1 shop.localhost\` and \`::1 shop.localhost\` in /etc/hosts, ` +
      `or connect to 127.0.0.1:${port} and send the Host header (e.g. \`Host: shop.localhost:${port}\`)`,
  };
}

export interface CaFacts {
  certPath: string;
  /** null: there is no CA yet. */
  stores: TrustPresence[] | null;
}

export function judgeCa(facts: CaFacts): CheckResult {
  if (facts.stores === null) {
    return { id: 'ca', status: 'warn', summary: `no local CA yet (${facts.certPath})`, fix: 'it is created when locald first starts; then trust it with `locald ca --install`' };
  }
  const absent = facts.stores.filter((s) => s.state === 'absent');
  const unknown = facts.stores.filter((s) => s.state === 'unknown');
  const present = facts.stores.filter((s) => s.state === 'present');
  const list = (stores: TrustPresence[]): string => stores.map((s) => (s.reason === undefined ? s.store : `${s.store}: ${s.reason}`)).join('; ');
  if (facts.stores.length === 0) {
    return { id: 'ca', status: 'warn', summary: `local CA ${facts.certPath} exists, but locald found no trust store on this machine`, fix: `trust ${facts.certPath} in your browser by hand` };
  }
  if (absent.length > 0) {
    return {
      id: 'ca',
      status: 'fail',
      summary: `the local CA is not trusted in ${list(absent)}${present.length > 0 ? ` (trusted in ${present.map((s) => s.store).join(', ')})` : ''}`,
      fix: 'run `locald ca --install` (add --no-system-store to change only your browsers), then restart the browsers',
    };
  }
  if (unknown.length > 0) {
    return { id: 'ca', status: 'warn', summary: `the local CA is trusted where locald can tell; unknown for ${list(unknown)}`, fix: 'fix what is named above, then run `locald ca --install`' };
  }
  return { id: 'ca', status: 'ok', summary: `the local CA is trusted in ${present.map((s) => s.store).join(', ')}` };
}

export interface PortHolder {
  pid: number;
  /** The command line, or null when it could not be read (another user's process). */
  command: string | null;
}

export interface PortFacts {
  port: number;
  /** Whether something listens on the port (a connection to 127.0.0.1 was accepted, or the kernel lists a listener). */
  listening: boolean;
  /** Processes holding the listening socket; empty when they cannot be seen (another user's, or not Linux). */
  holders: PortHolder[];
  /** Whether the listener answered as locald (see judgeEngine). */
  locald: boolean;
}

export function describeHolder(h: PortHolder): string {
  return h.command === null ? `pid ${h.pid}` : `pid ${h.pid} (${h.command})`;
}

export function judgePort(facts: PortFacts): CheckResult {
  const { port } = facts;
  if (!facts.listening) return { id: 'port', status: 'ok', summary: `port ${port} is free` };
  const who = facts.holders.length > 0 ? facts.holders.map(describeHolder).join(', ') : 'a process locald cannot see (another user\'s, or listed only by the OS\'s own tools)';
  if (facts.locald) return { id: 'port', status: 'ok', summary: `port ${port} is held by locald: ${who}` };
  return {
    id: 'port',
    status: 'fail',
    summary: `port ${port} is held by ${who}, not by locald`,
    fix: `stop that process${facts.holders.length === 0 ? ` (find it with \`lsof -iTCP:${port} -sTCP:LISTEN\`, or \`netstat -ano\` on Windows)` : ''}, or run locald on another port: \`locald up --http-port ${port + 1 <= 65535 ? port + 1 : 7701}\``,
  };
}

/** Compares dotted versions numerically (`20.9` < `20.11`); a leading `v` is ignored. */
export function versionAtLeast(version: string, minimum: string): boolean {
  const parts = (v: string) => v.replace(/^v/, '').split('.').map((n) => Number.parseInt(n, 10) || 0);
  const a = parts(version);
  const b = parts(minimum);
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const x = a[i] ?? 0;
    const y = b[i] ?? 0;
    if (x !== y) return x > y;
  }
  return true;
}

export function judgeNode(version: string, minimum: string = MIN_NODE): CheckResult {
  if (versionAtLeast(version, minimum)) return { id: 'node', status: 'ok', summary: `Node ${version} (locald needs ${minimum} or later)` };
  return { id: 'node', status: 'fail', summary: `Node ${version} is older than ${minimum}, which locald needs`, fix: `install Node ${minimum} or later (e.g. the current LTS from https://nodejs.org or with nvm), then run locald again` };
}

/** Exit code: 1 when any check failed; warnings alone do not fail. */
export function doctorExitCode(results: readonly CheckResult[]): number {
  return results.some((r) => r.status === 'fail') ? 1 : 0;
}

const MARKS: Record<CheckStatus, string> = { ok: 'ok  ', warn: 'warn', fail: 'FAIL' };
const COLORS: Record<CheckStatus, number> = { ok: 32, warn: 33, fail: 31 };

/** The report for a terminal (colour) or a pipe (plain): one line per check, its fix indented below. */
export function formatDoctorReport(results: readonly CheckResult[], color: boolean): string {
  const lines: string[] = [];
  for (const r of results) {
    const mark = color ? `\u001b[${COLORS[r.status]}m${MARKS[r.status]}\u001b[0m` : MARKS[r.status];
    lines.push(`${mark}  ${r.id}: ${r.summary}`);
    if (r.fix !== undefined) lines.push(`      fix: ${r.fix}`);
  }
  const failed = results.filter((r) => r.status === 'fail').length;
  lines.push(failed === 0 ? 'locald doctor: nothing failed' : `locald doctor: ${failed} check${failed === 1 ? '' : 's'} failed`);
  return lines.join('\n');
}
