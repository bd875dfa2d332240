// The I/O behind `locald doctor`: each probe gathers the facts one verdict in verdicts.ts needs.
import { lookup } from 'node:dns/promises';
import { request } from 'node:http';
import { readdir, readFile } from 'node:fs/promises';
import { DASHBOARD_HOST } from '../../shared/defaults.js';
import { procListeners, socketInodesOf } from '../supervisor/group-listeners.js';
import { TOKEN_COOKIE } from '../dashboard/guard.js';
import { parseTokenFile, tokenPath } from '../dashboard/token-store.js';
import { readTextIfExists } from '../tls/files.js';
import { checkCaTrust } from '../tls/trust-run.js';
import type { CaFacts, EngineFacts, PortHolder, ProxyAnswer, ResolverFacts } from './verdicts.js';

/** What locald's dashboard says first in every refusal and error body (server.ts). */
const LOCALD_BODY = /^locald dashboard: /;

/**
 * Asks 127.0.0.1:<port> for the dashboard without a token: locald answers 401 with its own
 * text, anything else answers differently (or not at all).
 */
export function probeProxy(port: number, timeoutMs = 3_000, path = '/', extraHeaders: Record<string, string> = {}): Promise<ProxyAnswer> {
  return new Promise((resolve) => {
    const headers = { host: `${DASHBOARD_HOST}:${port}`, connection: 'close', ...extraHeaders };
    const req = request({ host: '127.0.0.1', port, path, method: 'GET', headers, timeout: timeoutMs }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        if (body.length < 4096) body += chunk;
      });
      res.on('end', () => {
        const server = res.headers.server;
        resolve({ kind: 'http', status: res.statusCode ?? 0, locald: LOCALD_BODY.test(body), ...(typeof server === 'string' ? { server } : {}) });
      });
      res.on('error', (e) => resolve({ kind: 'error', message: e.message }));
    });
    req.on('timeout', () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    req.on('error', (e: NodeJS.ErrnoException) => resolve(e.code === 'ECONNREFUSED' ? { kind: 'refused' } : { kind: 'error', message: e.message }));
    req.end();
  });
}

/**
 * The engine for a state directory, as far as it can be told today: what answers on its
 * proxy port. An owner record (pid, port, version) slots in here as `owner`, and its port
 * replaces the default.
 */
export async function probeEngine(port: number, home: string): Promise<EngineFacts> {
  const answer = await probeProxy(port);
  if (answer.kind !== 'http' || !answer.locald) return { port, answer };
  // Read only: doctor never writes a token. The engine accepts this folder's token only when it keeps its state here.
  const token = parseTokenFile((await readTextIfExists(tokenPath(home)).catch(() => null)) ?? '');
  if (token === null) return { port, answer, servesHome: false };
  const withToken = await probeProxy(port, 3_000, '/api/info', { cookie: `${TOKEN_COOKIE}=${encodeURIComponent(token)}` });
  return { port, answer, servesHome: withToken.kind === 'http' && withToken.status === 200 };
}

/** The system resolver (getaddrinfo), as every non-browser client on this machine sees it. */
export async function probeResolver(name = 'doctor-check.localhost'): Promise<ResolverFacts> {
  try {
    const found = await lookup(name, { all: true });
    return { name, addresses: found.map((a) => a.address) };
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    return { name, error: err.code ?? err.message };
  }
}

export async function probeCa(home: string): Promise<CaFacts> {
  return checkCaTrust(home);
}

/**
 * Linux: processes with a LISTEN socket on `port` (from /proc/net/tcp{,6} and each
 * /proc/<pid>/fd). Other users' processes are invisible unless we are root; other systems
 * return [] (the verdict then says how to look).
 */
export async function probePortHolders(port: number): Promise<{ listed: boolean; holders: PortHolder[] }> {
  if (process.platform !== 'linux') return { listed: false, holders: [] };
  const inodes = new Set((await procListeners()).filter((l) => l.port === port).map((l) => l.inode));
  if (inodes.size === 0) return { listed: false, holders: [] };
  const holders: PortHolder[] = [];
  const pids = (await readdir('/proc').catch(() => [] as string[])).filter((e) => /^\d+$/.test(e)).map(Number);
  for (const pid of pids) {
    const open = await socketInodesOf(pid);
    if (![...inodes].some((inode) => open.has(inode))) continue;
    const cmdline = await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '');
    const command = cmdline.split('\0').filter((a) => a !== '').join(' ');
    holders.push({ pid, command: command === '' ? null : command });
  }
  return { listed: true, holders };
}
