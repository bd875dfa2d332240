// `locald ca --install` / `--uninstall`: finds the trust stores on this machine, runs the
// steps from trust.ts, and reports exactly what happened in each store.
import { spawn } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { access, readdir, stat } from 'node:fs/promises';
import { homedir } from 'node:os';
import { delimiter, join } from 'node:path';
import { LocalCa } from './ca.js';
import { readTextIfExists } from './files.js';
import { caPaths } from './paths.js';
import {
  LINUX_STORE_MARKERS,
  formatCommand,
  nssProfileRoots,
  trustCommands,
  type LinuxSystemStore,
  type TrustPlatform,
  type TrustStep,
} from './trust.js';

export interface TrustReport {
  store: string;
  status: 'ok' | 'skipped' | 'failed';
  /** "ran …", "skipped: …" or "failed: <stderr>". */
  detail: string;
  /** What ran, or what the user should run themselves, as they would type it. */
  commands: string[];
}

export interface CommandResult {
  code: number | null;
  stdout: string;
  stderr: string;
  /** Set when the program could not be started or timed out. */
  error?: string;
}

export type CommandRunner = (argv: readonly string[]) => Promise<CommandResult>;

/** Runs a command without a shell. Generous timeout: the OS may be waiting for the user to confirm. */
export function runCommand(argv: readonly string[], timeoutMs = 300_000): Promise<CommandResult> {
  return new Promise((resolve) => {
    const [program, ...args] = argv;
    if (program === undefined) {
      resolve({ code: null, stdout: '', stderr: '', error: 'empty command' });
      return;
    }
    const child = spawn(program, args, { stdio: ['ignore', 'pipe', 'pipe'], windowsHide: true });
    let stdout = '';
    let stderr = '';
    let error: string | undefined;
    const timer = setTimeout(() => {
      error = `timed out after ${Math.round(timeoutMs / 1000)} s`;
      child.kill();
    }, timeoutMs);
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', (err) => {
      error = err.message;
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve(error === undefined ? { code, stdout, stderr } : { code, stdout, stderr, error });
    });
  });
}

async function exists(path: string): Promise<boolean> {
  try {
    await access(path);
    return true;
  } catch {
    return false;
  }
}

/** Whether `program` is on PATH (with PATHEXT on Windows). */
export async function programExists(program: string, env: NodeJS.ProcessEnv = process.env, platform: NodeJS.Platform = process.platform): Promise<boolean> {
  const dirs = (env.PATH ?? env.Path ?? '').split(delimiter).filter((d) => d.length > 0);
  const exts = platform === 'win32' ? (env.PATHEXT ?? '.COM;.EXE;.BAT;.CMD').split(';') : [''];
  for (const dir of dirs) {
    for (const ext of exts) {
      try {
        const info = await stat(join(dir, program + ext));
        if (info.isFile()) return true;
      } catch {
        // not in this directory
      }
    }
  }
  return false;
}

export interface TrustTargets {
  linuxSystemStore: LinuxSystemStore | null;
  nssDatabases: string[];
}

/** Which system store and which NSS databases (Chromium's, each Firefox profile's) this user has. */
export async function detectTrustTargets(platform: TrustPlatform, userHome: string): Promise<TrustTargets> {
  let linuxSystemStore: LinuxSystemStore | null = null;
  if (platform === 'linux') {
    for (const [kind, marker] of LINUX_STORE_MARKERS) {
      if (await exists(marker)) {
        linuxSystemStore = kind;
        break;
      }
    }
  }
  const { shared, firefoxRoots } = nssProfileRoots(platform, userHome);
  const nssDatabases: string[] = [];
  for (const dir of shared) if (await exists(join(dir, 'cert9.db'))) nssDatabases.push(dir);
  for (const root of firefoxRoots) {
    let entries: string[];
    try {
      entries = await readdir(root);
    } catch {
      continue;
    }
    for (const entry of entries.sort()) {
      const profile = join(root, entry);
      if (await exists(join(profile, 'cert9.db'))) nssDatabases.push(profile);
    }
  }
  return { linuxSystemStore, nssDatabases };
}

export interface TrustRunOptions {
  platform?: TrustPlatform;
  /** The user's home directory (keychain, NSS databases). Defaults to os.homedir(). */
  userHome?: string;
  /** Overrides detection, e.g. to leave the system store alone. */
  targets?: Partial<TrustTargets>;
  run?: CommandRunner;
  /** Whether this process is root. Defaults to process.getuid() === 0. */
  isRoot?: boolean;
  /** Whether a program is installed. Defaults to a PATH search. */
  hasProgram?: (program: string) => Promise<boolean>;
}

function currentPlatform(): TrustPlatform {
  const p = process.platform;
  return p === 'darwin' || p === 'win32' ? p : 'linux';
}

function lastLines(text: string): string {
  return text.trim().split(/\r?\n/).filter((l) => l.trim().length > 0).slice(-3).join(' / ');
}

export interface RunStepsOptions {
  run?: CommandRunner;
  isRoot?: boolean;
  hasProgram?: (program: string) => Promise<boolean>;
}

/** Runs the steps one by one; a failure in one store does not stop the others. */
export async function runTrustSteps(steps: readonly TrustStep[], platform: TrustPlatform, options: RunStepsOptions = {}): Promise<TrustReport[]> {
  const run = options.run ?? ((argv) => runCommand(argv));
  const hasProgram = options.hasProgram ?? ((program) => programExists(program));
  const isRoot = options.isRoot ?? process.getuid?.() === 0;
  let sudoWorks: boolean | undefined;
  const reports: TrustReport[] = [];
  for (const step of steps) {
    const show = (prefix: string[]) => step.commands.map((argv) => formatCommand([...prefix, ...argv], platform));
    if (!(await hasProgram(step.requires.program))) {
      reports.push({
        store: step.store,
        status: 'skipped',
        detail: `skipped: ${step.requires.program} is not installed (${step.requires.hint})`,
        commands: show(step.needsRoot && !isRoot ? ['sudo'] : []),
      });
      continue;
    }
    if (step.onlyIf !== undefined) {
      const check = await run(step.onlyIf);
      if (check.code !== 0) {
        reports.push({ store: step.store, status: 'skipped', detail: 'skipped: the CA is not in this store', commands: [] });
        continue;
      }
    }
    let prefix: string[] = [];
    if (step.needsRoot && !isRoot) {
      // Only a sudo that needs no password: locald may have no terminal to ask in.
      sudoWorks ??= (await hasProgram('sudo')) && (await run(['sudo', '-n', 'true'])).code === 0;
      if (!sudoWorks) {
        reports.push({
          store: step.store,
          status: 'skipped',
          detail: 'skipped: needs administrator rights; run these commands yourself',
          commands: show(['sudo']),
        });
        continue;
      }
      prefix = ['sudo', '-n'];
    }
    const ran: string[] = [];
    let failure: string | null = null;
    for (const argv of step.commands) {
      const full = [...prefix, ...argv];
      ran.push(formatCommand(full, platform));
      const result = await run(full);
      if (result.error !== undefined || result.code !== 0) {
        const why = result.error ?? (lastLines(result.stderr) || lastLines(result.stdout) || `exit code ${result.code}`);
        failure = `failed: ${formatCommand(full, platform)}: ${why}`;
        break;
      }
    }
    reports.push(
      failure === null
        ? { store: step.store, status: 'ok', detail: `ran ${ran.join(' && ')}: ok`, commands: ran }
        : { store: step.store, status: 'failed', detail: failure, commands: ran },
    );
  }
  return reports;
}

export interface TrustOutcome {
  certPath: string;
  /** Set when `installCa` had to create or replace the CA first. */
  caNote?: string;
  reports: TrustReport[];
}

/** Trusts the CA (creating it first if needed) in every store found on this machine. */
export async function installCa(home: string, options: TrustRunOptions = {}): Promise<TrustOutcome> {
  const ca = await LocalCa.open(home);
  const platform = options.platform ?? currentPlatform();
  const userHome = options.userHome ?? homedir();
  const targets = { ...(await detectTrustTargets(platform, userHome)), ...options.targets };
  const steps = trustCommands(platform, ca.certPath, {
    action: 'install',
    caSha1: ca.sha1,
    caName: ca.commonName,
    userHome,
    linuxSystemStore: targets.linuxSystemStore,
    nssDatabases: targets.nssDatabases,
  });
  const reports = await runTrustSteps(steps, platform, runnerOptions(options));
  const caNote =
    ca.origin.kind === 'created' ? 'created a new local CA' : ca.origin.kind === 'replaced' ? `created a new local CA (${ca.origin.reason})` : undefined;
  return caNote === undefined ? { certPath: ca.certPath, reports } : { certPath: ca.certPath, caNote, reports };
}

/** Removes the CA from every store found on this machine. Never creates a CA. */
export async function uninstallCa(home: string, options: TrustRunOptions = {}): Promise<TrustOutcome> {
  const { certPath } = caPaths(home);
  const pem = await readTextIfExists(certPath);
  if (pem === null) return { certPath, caNote: 'there is no local CA, so nothing is trusted', reports: [] };
  const cert = new X509Certificate(pem);
  const platform = options.platform ?? currentPlatform();
  const userHome = options.userHome ?? homedir();
  const targets = { ...(await detectTrustTargets(platform, userHome)), ...options.targets };
  const steps = trustCommands(platform, certPath, {
    action: 'uninstall',
    caSha1: cert.fingerprint.replaceAll(':', '').toUpperCase(),
    caName: /(?:^|\n)CN=([^\n]*)/.exec(cert.subject)?.[1] ?? '',
    userHome,
    linuxSystemStore: targets.linuxSystemStore,
    nssDatabases: targets.nssDatabases,
  });
  return { certPath, reports: await runTrustSteps(steps, platform, runnerOptions(options)) };
}

function runnerOptions(options: TrustRunOptions): RunStepsOptions {
  const out: RunStepsOptions = {};
  if (options.run !== undefined) out.run = options.run;
  if (options.isRoot !== undefined) out.isRoot = options.isRoot;
  if (options.hasProgram !== undefined) out.hasProgram = options.hasProgram;
  return out;
}

/** The report as the CLI prints it: one line per store, then any commands left for the user. */
export function formatTrustOutcome(outcome: TrustOutcome): string {
  const lines: string[] = [`CA certificate: ${outcome.certPath}`];
  if (outcome.caNote !== undefined) lines.push(outcome.caNote);
  if (outcome.reports.length === 0 && outcome.caNote === undefined) lines.push('no trust store found on this machine');
  for (const r of outcome.reports) {
    const mark = r.status === 'ok' ? 'ok     ' : r.status === 'skipped' ? 'skipped' : 'FAILED ';
    lines.push(`${mark} ${r.store}: ${r.detail.replace(/^(skipped|failed): /, '')}`);
    if (r.status !== 'ok') for (const c of r.commands) lines.push(`          to do it yourself: ${c}`);
  }
  return lines.join('\n');
}
