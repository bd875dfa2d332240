// `locald ca --install` / `--uninstall`: finds the trust stores on this machine, runs the
// steps from trust.ts, and reports exactly what happened in each store.
import { spawn } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { access, readdir, stat } from 'node:fs/promises';
import { homedir } from 'node:os';
import { delimiter, join } from 'node:path';
import { readTextIfExists } from './files.js';
import { caPaths } from './paths.js';
import {
  LINUX_STORE_MARKERS,
  formatCommand,
  nssLayout,
  planNssTargets,
  trustCommands,
  type LinuxSystemStore,
  type NssFacts,
  type NssLayout,
  type NssTarget,
  type TrustAction,
  type TrustPlatform,
  type TrustStep,
} from './trust.js';

export interface TrustReport {
  store: string;
  status: 'added' | 'present' | 'removed' | 'skipped' | 'failed';
  /** "added: ran …", "removed: ran …", "already there", "skipped: …" or "failed: <command>: <stderr>". */
  detail: string;
  /** What ran, or what the user should run themselves, as they would type it. */
  commands: string[];
  /** Set when browsers that read this store will still not trust the CA: which, and what to do. */
  stillUntrusted?: { browsers: string; remedy: string };
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
  /** NSS databases to change, and browsers whose database cannot be reached yet (see planNssTargets). */
  nss: NssTarget[];
}

/** Which paths of the layout exist, and which Firefox profile folders hold a cert9.db. */
export async function detectNssFacts(layout: NssLayout): Promise<NssFacts> {
  const probes = [
    ...layout.chromium.map((dir) => join(dir, 'cert9.db')),
    ...(layout.snapChromium === null ? [] : [join(layout.snapChromium.db, 'cert9.db'), layout.snapChromium.ran, layout.snapChromium.program]),
    ...layout.firefoxPrograms,
  ];
  const existing = new Set<string>();
  for (const path of probes) if (await exists(path)) existing.add(path);
  const firefoxProfiles = new Map<string, string[]>();
  for (const root of layout.firefoxRoots) {
    let entries: string[];
    try {
      entries = await readdir(root);
    } catch {
      continue;
    }
    const profiles: string[] = [];
    for (const entry of entries.sort()) {
      const profile = join(root, entry);
      if (await exists(join(profile, 'cert9.db'))) profiles.push(profile);
    }
    firefoxProfiles.set(root, profiles);
  }
  return { existing, firefoxProfiles };
}

/** Which system store and which NSS databases (Chromium's, each Firefox profile's) to change for `action`. */
export async function detectTrustTargets(platform: TrustPlatform, userHome: string, action: TrustAction): Promise<TrustTargets> {
  let linuxSystemStore: LinuxSystemStore | null = null;
  if (platform === 'linux') {
    for (const [kind, marker] of LINUX_STORE_MARKERS) {
      if (await exists(marker)) {
        linuxSystemStore = kind;
        break;
      }
    }
  }
  const layout = nssLayout(platform, userHome);
  return { linuxSystemStore, nss: planNssTargets(layout, await detectNssFacts(layout), action) };
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
  /** What a step that ran did: added (install, the default) or removed (uninstall) the CA. */
  action?: TrustAction;
  run?: CommandRunner;
  isRoot?: boolean;
  hasProgram?: (program: string) => Promise<boolean>;
}

const AGAIN = 'then run this again';

async function isPresent(step: TrustStep, run: CommandRunner): Promise<boolean> {
  if (step.presentIf === undefined) return false;
  const check = await run(step.presentIf.command);
  if (check.error !== undefined || check.code !== 0) return false;
  return step.presentIf.outputHas === undefined || check.stdout.replace(/\s+/g, '').includes(step.presentIf.outputHas);
}

/** Runs the steps one by one; a failure in one store does not stop the others. */
export async function runTrustSteps(steps: readonly TrustStep[], platform: TrustPlatform, options: RunStepsOptions = {}): Promise<TrustReport[]> {
  const run = options.run ?? ((argv) => runCommand(argv));
  const hasProgram = options.hasProgram ?? ((program) => programExists(program));
  const isRoot = options.isRoot ?? process.getuid?.() === 0;
  const done = options.action === 'uninstall' ? 'removed' : 'added';
  let sudoWorks: boolean | undefined;
  const reports: TrustReport[] = [];
  for (const step of steps) {
    const show = (prefix: string[]) => step.commands.map((argv) => formatCommand([...prefix, ...argv], platform));
    const untrusted = (remedy: string) => (step.browsers === undefined ? {} : { stillUntrusted: { browsers: step.browsers, remedy } });
    if (step.skip !== undefined) {
      reports.push({ store: step.store, status: 'skipped', detail: `skipped: ${step.skip}`, commands: [], ...untrusted(step.skip) });
      continue;
    }
    if (!(await hasProgram(step.requires.program))) {
      reports.push({
        store: step.store,
        status: 'skipped',
        detail: `skipped: ${step.requires.program} is not installed (${step.requires.hint})`,
        commands: show(step.needsRoot && !isRoot ? ['sudo'] : []),
        ...untrusted(`${step.requires.program} is not installed; ${step.requires.hint}, ${AGAIN}`),
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
    if (await isPresent(step, run)) {
      reports.push({ store: step.store, status: 'present', detail: 'already there', commands: [] });
      continue;
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
          ...untrusted(`needs administrator rights; run the commands below, ${AGAIN}`),
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
        ? { store: step.store, status: done, detail: `${done}: ran ${ran.join(' && ')}`, commands: ran }
        : { store: step.store, status: 'failed', detail: failure, commands: ran, ...untrusted(`fix the failure above, ${AGAIN}`) },
    );
  }
  return reports;
}

export interface TrustOutcome {
  certPath: string;
  /** Set when `installCa` had to create or replace the CA first, or when there is no CA. */
  caNote?: string;
  reports: TrustReport[];
}

/**
 * Trusts (or stops trusting) the CA already in `home`, in every store found on this machine.
 * Never creates a CA (installCa in command.ts does), so it needs no X.509 library: the
 * desktop shell runs it as is.
 */
export async function changeCaTrust(home: string, action: TrustAction, options: TrustRunOptions = {}): Promise<TrustOutcome> {
  const plan = await planTrust(home, action, options);
  if (plan.steps === null) {
    return { certPath: plan.certPath, caNote: action === 'install' ? 'there is no local CA yet: run locald first' : 'there is no local CA, so nothing is trusted', reports: [] };
  }
  return { certPath: plan.certPath, reports: await runTrustSteps(plan.steps, plan.platform, runnerOptions(options, action)) };
}

/** The steps for `action` on this machine, or null steps when `home` has no CA. */
async function planTrust(home: string, action: TrustAction, options: TrustRunOptions): Promise<{ certPath: string; platform: TrustPlatform; steps: TrustStep[] | null }> {
  const { certPath } = caPaths(home);
  const platform = options.platform ?? currentPlatform();
  const pem = await readTextIfExists(certPath);
  if (pem === null) return { certPath, platform, steps: null };
  const cert = new X509Certificate(pem);
  const userHome = options.userHome ?? homedir();
  const targets = { ...(await detectTrustTargets(platform, userHome, action)), ...options.targets };
  const steps = trustCommands(platform, certPath, {
    action,
    caSha1: cert.fingerprint.replaceAll(':', '').toUpperCase(),
    caName: /(?:^|\n)CN=([^\n]*)/.exec(cert.subject)?.[1] ?? '',
    caBase64: cert.raw.toString('base64'),
    userHome,
    linuxSystemStore: targets.linuxSystemStore,
    nss: targets.nss,
  });
  return { certPath, platform, steps };
}

/** Whether one store trusts the CA; unknown when locald cannot tell (its tool is missing, no profile yet). */
export interface TrustPresence {
  store: string;
  state: 'present' | 'absent' | 'unknown';
  /** Why absent or unknown, in the user's terms. */
  reason?: string;
}

/**
 * Which stores `locald ca --install` would change already trust the CA, found with the same
 * presence checks it uses; changes nothing. `stores` is null when there is no CA yet.
 */
export async function checkCaTrust(home: string, options: TrustRunOptions = {}): Promise<{ certPath: string; stores: TrustPresence[] | null }> {
  const plan = await planTrust(home, 'install', options);
  if (plan.steps === null) return { certPath: plan.certPath, stores: null };
  const run = options.run ?? ((argv) => runCommand(argv, 10_000));
  const hasProgram = options.hasProgram ?? ((program) => programExists(program));
  const stores: TrustPresence[] = [];
  for (const step of plan.steps) {
    if (step.skip !== undefined) stores.push({ store: step.store, state: 'unknown', reason: step.skip });
    else if (!(await hasProgram(step.requires.program))) {
      stores.push({ store: step.store, state: 'unknown', reason: `${step.requires.program} is not installed (${step.requires.hint})` });
    } else if (step.presentIf === undefined) {
      // Install creates a missing NSS database first; other stores (macOS keychain, Windows) have no presence check yet.
      const creates = step.commands[0]?.[0] === 'mkdir';
      stores.push(creates ? { store: step.store, state: 'absent', reason: 'the store does not exist yet' } : { store: step.store, state: 'unknown', reason: 'locald cannot check this store yet; look in it by hand' });
    }
    else if (await isPresent(step, run)) stores.push({ store: step.store, state: 'present' });
    else stores.push({ store: step.store, state: 'absent', reason: 'the CA is not in this store' });
  }
  return { certPath: plan.certPath, stores };
}

/** Removes the CA from every store found on this machine. Never creates a CA. */
export function uninstallCa(home: string, options: TrustRunOptions = {}): Promise<TrustOutcome> {
  return changeCaTrust(home, 'uninstall', options);
}

function runnerOptions(options: TrustRunOptions, action: TrustAction): RunStepsOptions {
  const out: RunStepsOptions = { action };
  if (options.run !== undefined) out.run = options.run;
  if (options.isRoot !== undefined) out.isRoot = options.isRoot;
  if (options.hasProgram !== undefined) out.hasProgram = options.hasProgram;
  return out;
}

const MARKS: Record<TrustReport['status'], string> = { added: 'added  ', present: 'present', removed: 'removed', skipped: 'skipped', failed: 'FAILED ' };

/**
 * The report as the CLI prints it: one line per store with what was done, the commands
 * left for the user, then one plain line per browser that will still not trust the CA.
 */
export function formatTrustOutcome(outcome: TrustOutcome): string {
  const lines: string[] = [`CA certificate: ${outcome.certPath}`];
  if (outcome.caNote !== undefined) lines.push(outcome.caNote);
  if (outcome.reports.length === 0 && outcome.caNote === undefined) lines.push('no trust store found on this machine');
  for (const r of outcome.reports) {
    lines.push(`${MARKS[r.status]} ${r.store}: ${r.detail.replace(/^(skipped|failed|added|removed): /, '')}`);
    if (r.status === 'skipped' || r.status === 'failed') for (const c of r.commands) lines.push(`          to do it yourself: ${c}`);
  }
  for (const r of outcome.reports) {
    if (r.stillUntrusted !== undefined) lines.push(`${r.stillUntrusted.browsers} will still not trust the CA: ${r.stillUntrusted.remedy}.`);
  }
  return lines.join('\n');
}
