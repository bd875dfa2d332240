// GUI apps on macOS start with launchd's minimal PATH, so `npm`, `go` or a version
// manager's shims are not found. Like a terminal would, locald asks the user's login
// shell for its environment once, and passes that to the engine and its services.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';

export interface ShellCommand {
  file: string;
  args: string[];
  /** Printed before and after the environment so rc-file output can be cut away. */
  marker: string;
}

/** Variables that describe the probe shell itself, not the user's environment. */
const PROBE_ONLY = new Set(['PWD', 'OLDPWD', 'SHLVL', '_', 'LOCALD_RESOLVING_SHELL_ENV']);

export function buildShellEnvCommand(shell: string, marker: string = `LOCALD${randomBytes(8).toString('hex')}`): ShellCommand {
  if (!/^[A-Za-z0-9]+$/.test(marker)) throw new Error('marker must be alphanumeric');
  const half = Math.floor(marker.length / 2);
  // The marker is printed in two halves so that a shell echoing its commands (set -x,
  // or zsh's verbose options) never prints the marker itself anywhere but in output.
  const print = `printf '%s%s' '${marker.slice(0, half)}' '${marker.slice(half)}'`;
  // `env -0` keeps multi-line values intact; older BSD env lacks it, so fall back to `env`.
  const script = `${print}; env -0 2>/dev/null || env; ${print}`;
  return { file: shell, args: ['-i', '-l', '-c', script], marker };
}

const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Extracts the environment printed between the markers. Pure. */
export function parseShellEnvOutput(stdout: string, marker: string): Record<string, string> | null {
  const start = stdout.indexOf(marker);
  if (start === -1) return null;
  const end = stdout.indexOf(marker, start + marker.length);
  if (end === -1) return null;
  const body = stdout.slice(start + marker.length, end);
  const env: Record<string, string> = {};
  if (body.includes('\0')) {
    for (const record of body.split('\0')) {
      const eq = record.indexOf('=');
      if (eq <= 0) continue;
      const name = record.slice(0, eq);
      if (NAME.test(name)) env[name] = record.slice(eq + 1);
    }
  } else {
    // Newline-separated `env` output: a line that does not start a NAME= belongs to the previous value.
    let last: string | null = null;
    for (const line of body.split('\n')) {
      const eq = line.indexOf('=');
      const name = eq > 0 ? line.slice(0, eq) : '';
      if (NAME.test(name)) {
        env[name] = line.slice(eq + 1);
        last = name;
      } else if (last !== null && line !== '') {
        env[last] += `\n${line}`;
      }
    }
  }
  for (const name of PROBE_ONLY) delete env[name];
  return env;
}

/** The login shell's variables win (that is the point), but Electron's own switches never leak to services. */
export function mergeShellEnv(base: NodeJS.ProcessEnv, fromShell: Record<string, string>): Record<string, string> {
  const merged: Record<string, string> = {};
  for (const [key, value] of Object.entries(base)) if (value !== undefined) merged[key] = value;
  Object.assign(merged, fromShell);
  for (const key of Object.keys(merged)) if (key.startsWith('ELECTRON_')) delete merged[key];
  return merged;
}

export interface RunResult {
  stdout: string;
  stderr: string;
  code: number | null;
  signal: string | null;
}

export type ShellRunner = (command: ShellCommand, timeoutMs: number) => Promise<RunResult>;

export class ShellEnvTimeoutError extends Error {
  constructor(shell: string, timeoutMs: number) {
    super(`login shell ${shell} did not print its environment within ${timeoutMs} ms (check your shell startup files)`);
    this.name = 'ShellEnvTimeoutError';
  }
}

const MAX_OUTPUT = 4 * 1024 * 1024;

/** Runs the probe in its own process group so a timeout kills everything the rc files started. */
export const spawnShellRunner: ShellRunner = (command, timeoutMs) =>
  new Promise((resolve, reject) => {
    const child = spawn(command.file, command.args, {
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: process.platform !== 'win32',
      env: { ...process.env, LOCALD_RESOLVING_SHELL_ENV: '1' },
      windowsHide: true,
    });
    let stdout = '';
    let stderr = '';
    let settled = false;
    const finish = (action: () => void): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      action();
    };
    const killGroup = (): void => {
      try {
        if (child.pid !== undefined && process.platform !== 'win32') process.kill(-child.pid, 'SIGKILL');
        else child.kill('SIGKILL');
      } catch {
        // Already gone.
      }
    };
    const timer = setTimeout(() => {
      killGroup();
      finish(() => reject(new ShellEnvTimeoutError(command.file, timeoutMs)));
    }, timeoutMs);
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      if (stdout.length < MAX_OUTPUT) stdout += chunk;
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      if (stderr.length < 64 * 1024) stderr += chunk;
    });
    child.on('error', (error) => finish(() => reject(error)));
    child.on('close', (code, signal) => {
      finish(() => resolve({ stdout, stderr, code, signal }));
    });
  });

export type ShellEnvResult =
  | { ok: true; env: Record<string, string>; shell: string }
  | { ok: false; error: string; shell: string };

export interface ResolveOptions {
  shell: string;
  timeoutMs: number;
  run?: ShellRunner;
  /** Bypass the per-shell cache (e.g. after the user edited their rc files). */
  refresh?: boolean;
}

const cache = new Map<string, Promise<ShellEnvResult>>();

export function clearShellEnvCache(): void {
  cache.clear();
}

/** Never rejects: a broken shell setup is reported, and the caller keeps its own environment. */
export function resolveLoginShellEnv(options: ResolveOptions): Promise<ShellEnvResult> {
  const key = options.shell;
  const cached = cache.get(key);
  if (cached !== undefined && options.refresh !== true) return cached;
  const result = probe(options);
  cache.set(key, result);
  return result;
}

async function probe({ shell, timeoutMs, run = spawnShellRunner }: ResolveOptions): Promise<ShellEnvResult> {
  const command = buildShellEnvCommand(shell);
  try {
    const output = await run(command, timeoutMs);
    const env = parseShellEnvOutput(output.stdout, command.marker);
    if (env === null) {
      const how = output.signal !== null ? `was killed by ${output.signal}` : `exited with code ${output.code}`;
      const said = output.stderr.trim().split('\n').slice(-3).join(' | ');
      return { ok: false, shell, error: `login shell ${shell} ${how} without printing its environment${said ? `: ${said}` : ''}` };
    }
    return { ok: true, shell, env };
  } catch (error) {
    const message = error instanceof ShellEnvTimeoutError ? error.message : `could not run login shell ${shell}: ${(error as Error).message}`;
    return { ok: false, shell, error: message };
  }
}
