// Helpers for the supervisor integration tests (not a test file itself).
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { TestContext } from 'node:test';
import type { ProjectConfig, ReadyCheck, ServiceConfig } from '../../shared/config.js';
import type { LogLine, ServiceState } from '../../shared/state.js';
import { ProjectSupervisor } from '../../engine/supervisor/index.js';
import type { SupervisorOptions } from '../../engine/supervisor/index.js';

export const FIXTURES = fileURLToPath(new URL('../fixtures/services/', import.meta.url));

/** A shell command that runs a fixture script with this Node. */
export function nodeFixture(script: string): string {
  return `"${process.execPath}" "${join(FIXTURES, script)}"`;
}

export function tempDir(t: TestContext, prefix = 'locald-sup-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

export const TCP_READY: ReadyCheck = { kind: 'tcp', timeoutMs: 30_000 };

export function service(name: string, command: string, extra: Partial<ServiceConfig> = {}): ServiceConfig {
  return { name, command, port: null, cwd: FIXTURES, env: {}, dependsOn: [], ready: TCP_READY, restart: 'never', protocol: 'http1', ...extra };
}

export function project(name: string, services: ServiceConfig[]): ProjectConfig {
  return { name, dir: FIXTURES, file: join(FIXTURES, 'locald.toml'), source: 'locald.toml', services, routes: [] };
}

export interface Harness {
  supervisor: ProjectSupervisor;
  stateDir: string;
  /** Every state reported, in order. */
  history: { project: string; state: ServiceState }[];
  lines: LogLine[];
  /** Log text of one service (all streams). */
  text(service: string): string;
  /** Waits until `service`'s state satisfies `predicate`. */
  waitForState(service: string, predicate: (s: ServiceState) => boolean, what: string, timeoutMs?: number): Promise<ServiceState>;
  waitForLine(service: string, pattern: RegExp, timeoutMs?: number): Promise<RegExpMatchArray>;
}

let seq = 0;

/** A supervisor whose processes are stopped after the test, even when it fails. */
export function harness(t: TestContext, config: ProjectConfig, options: Partial<SupervisorOptions> = {}): Harness {
  const stateDir = options.stateDir ?? tempDir(t);
  const history: Harness['history'] = [];
  const lines: LogLine[] = [];
  const supervisor = new ProjectSupervisor(config, {
    stateDir,
    nextSeq: () => ++seq,
    onState: (p, s) => history.push({ project: p, state: s }),
    onLog: (l) => lines.push(l),
    stopGraceMs: 1_000,
    ...options,
  });
  t.after(async () => {
    await supervisor.stop();
    // Belt and braces: anything a failing test left behind that printed its pid.
    for (const pid of pidsIn(lines.map((l) => l.text).join('\n'))) killQuietly(pid);
  });
  const text = (name: string): string =>
    lines
      .filter((l) => l.service === name)
      .map((l) => l.text)
      .join('\n');
  return {
    supervisor,
    stateDir,
    history,
    lines,
    text,
    waitForState: (name, predicate, what, timeoutMs = 30_000) =>
      waitFor(
        () => {
          const s = supervisor.state(name);
          return s !== undefined && predicate(s) ? s : undefined;
        },
        timeoutMs,
        () => `${name} to be ${what}; it is ${JSON.stringify(supervisor.state(name))}\nlog:\n${text(name)}`,
      ),
    waitForLine: (name, pattern, timeoutMs = 30_000) =>
      waitFor(() => text(name).match(pattern) ?? undefined, timeoutMs, () => `${name} to print ${pattern}; log:\n${text(name)}`),
  };
}

/** Polls `check` until it returns a value, or fails with `what()` after `timeoutMs`. */
export async function waitFor<T>(check: () => T | undefined | Promise<T | undefined>, timeoutMs: number, what: () => string): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  while (true) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs}ms waiting for ${what()}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** process.kill(pid, 0): true while the pid exists (zombies included). */
export function pidExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code !== 'ESRCH';
  }
}

/** Waits until kill(pid, 0) throws ESRCH: the process is gone and reaped (init may take a moment). */
export async function waitUntilGone(pid: number, timeoutMs = 20_000): Promise<void> {
  await waitFor(() => (pidExists(pid) ? undefined : true), timeoutMs, () => `pid ${pid} to be gone`);
}

export function pidsIn(text: string): number[] {
  return [...text.matchAll(/\bpid (\d+)/g)].map((m) => Number(m[1]));
}

function killQuietly(pid: number): void {
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    // already gone
  }
}

export interface SupervisorHost {
  child: ChildProcess;
  stdout(): string;
  /** The services' log lines, `[service/stream] text`. */
  stderr(): string;
  /** Waits for `pattern` in stderr (the service logs) and returns the first capture as a pid. */
  printedPid(pattern: RegExp): Promise<number>;
}

/**
 * Runs `config` in a supervisor in its own process (fixtures/services/supervisor-host.ts),
 * started once it printed STARTED. The host and every pid its services printed are SIGKILLed
 * after the test. `shellPrefix` runs it through /bin/sh (e.g. `ulimit -n 256;`).
 */
export async function startSupervisorHost(
  t: TestContext,
  stateDir: string,
  config: ProjectConfig,
  options: { env?: Record<string, string>; shellPrefix?: string } = {},
): Promise<SupervisorHost> {
  const argv = [process.execPath, '--import', 'tsx', join(FIXTURES, 'supervisor-host.ts'), stateDir, JSON.stringify(config)];
  const env = { ...process.env, ...options.env };
  const child =
    options.shellPrefix === undefined
      ? spawn(argv[0] ?? '', argv.slice(1), { stdio: ['ignore', 'pipe', 'pipe'], env })
      : spawn('/bin/sh', ['-c', `${options.shellPrefix} exec "$@"`, 'sh', ...argv], { stdio: ['ignore', 'pipe', 'pipe'], env });
  let stdout = '';
  let stderr = '';
  child.stdout?.setEncoding('utf8').on('data', (c: string) => (stdout += c));
  child.stderr?.setEncoding('utf8').on('data', (c: string) => (stderr += c));
  t.after(() => {
    child.kill('SIGKILL');
    for (const pid of pidsIn(stderr)) killQuietly(pid);
  });
  await waitFor(() => (stdout.includes('STARTED') ? true : undefined), 60_000, () => `the host to start the project; stderr:\n${stderr}`);
  return {
    child,
    stdout: () => stdout,
    stderr: () => stderr,
    printedPid: async (pattern) => Number(await waitFor(() => pattern.exec(stderr)?.[1], 30_000, () => `${pattern} in:\n${stderr}`)),
  };
}
