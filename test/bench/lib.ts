// Shared plumbing for benchmarks: child processes, free ports, wrk, medians, markdown.
import { spawn, spawnSync, execFileSync, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { cpus, totalmem } from 'node:os';

export interface Peer {
  name: string;
  port: number;
  child: ChildProcess;
  stop(): Promise<void>;
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const address = srv.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

/** Starts a process and resolves once it prints `readyText` (or rejects after the deadline). */
export async function startPeer(
  name: string,
  command: string,
  args: string[],
  env: Record<string, string>,
  readyText: string | RegExp,
  port: number,
  deadlineMs = 20_000,
): Promise<Peer> {
  const child = spawn(command, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${name} not ready after ${deadlineMs} ms:\n${output}`)), deadlineMs);
    const onData = (chunk: Buffer): void => {
      output += chunk.toString();
      if (typeof readyText === 'string' ? output.includes(readyText) : readyText.test(output)) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${name} exited with ${code} before it was ready:\n${output}`));
    });
  });
  child.stdout?.resume();
  child.stderr?.resume();
  return {
    name,
    port,
    child,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
        setTimeout(() => child.kill('SIGKILL'), 3000).unref();
      }),
  };
}

export interface WrkResult {
  rps: number;
  p50ms: number;
  p99ms: number;
  errors: number;
}

/** wrk with latency percentiles. `rate` is unsupported by wrk 4; use runHeyAtRate for fixed rates. */
export function runWrk(url: string, opts: { connections: number; seconds: number; threads?: number; script?: string; host?: string }): WrkResult {
  const args = ['-t', String(opts.threads ?? 1), '-c', String(opts.connections), '-d', `${opts.seconds}s`, '--latency'];
  if (opts.script !== undefined) args.push('-s', opts.script);
  if (opts.host !== undefined) args.push('-H', `Host: ${opts.host}`);
  args.push(url);
  const out = execFileSync('wrk', args, { encoding: 'utf8', timeout: (opts.seconds + 30) * 1000 });
  return parseWrk(out);
}

export function parseWrk(out: string): WrkResult {
  const rps = Number(/Requests\/sec:\s+([\d.]+)/.exec(out)?.[1] ?? NaN);
  const p50ms = toMs(/\s50%\s+([\d.]+\w+)/.exec(out)?.[1]);
  const p99ms = toMs(/\s99%\s+([\d.]+\w+)/.exec(out)?.[1]);
  const errMatch = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(out);
  const non2xx = Number(/Non-2xx or 3xx responses: (\d+)/.exec(out)?.[1] ?? 0);
  const errors = (errMatch ? errMatch.slice(1).reduce((a, b) => a + Number(b), 0) : 0) + non2xx;
  return { rps, p50ms, p99ms, errors };
}

function toMs(value: string | undefined): number {
  if (value === undefined) return NaN;
  const m = /^([\d.]+)(us|ms|s)$/.exec(value);
  if (m === null) return NaN;
  const n = Number(m[1]);
  return m[2] === 'us' ? n / 1000 : m[2] === 's' ? n * 1000 : n;
}

export function median(values: number[]): number {
  const sorted = values.filter((v) => Number.isFinite(v)).sort((a, b) => a - b);
  if (sorted.length === 0) return NaN;
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

export function markdownTable(header: string[], rows: (string | number)[][]): string {
  const fmt = (v: string | number): string => (typeof v === 'number' ? (Number.isFinite(v) ? v.toLocaleString('en-US', { maximumFractionDigits: 2 }) : '—') : v);
  const lines = [`| ${header.join(' | ')} |`, `| ${header.map(() => '---').join(' | ')} |`];
  for (const row of rows) lines.push(`| ${row.map(fmt).join(' | ')} |`);
  return lines.join('\n');
}

export function toolVersion(cmd: string, args: string[]): string {
  // Several tools (wrk, nginx) print their version to stderr or exit non-zero; take whatever they said.
  const r = spawnSync(cmd, args, { encoding: 'utf8', timeout: 5000 });
  if (r.error !== undefined) return `${cmd}: not installed`;
  const text = `${r.stdout ?? ''}\n${r.stderr ?? ''}`.split('\n').map((l) => l.trim()).find((l) => l !== '');
  return text ?? `${cmd}: unknown version`;
}

export function machineLine(): string {
  const cpu = cpus()[0]?.model ?? 'unknown CPU';
  return `${cpus().length} × ${cpu}, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}, ${process.platform}`;
}
