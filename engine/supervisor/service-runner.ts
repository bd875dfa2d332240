// The lifecycle of one service: spawn, readiness, exit, restart with backoff, stop.
// The project supervisor decides *when* to start it; this class does the rest.
import type { ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { ServiceConfig } from '../../shared/config.js';
import { describeEnvFileFailure, readEnvFiles } from '../config/env-files.js';
import type { LogLine, LogStream, ServiceExit, ServiceState, ServiceStatus } from '../../shared/state.js';
import { LineSplitter, stripAnsi } from './line-splitter.js';
import { listeningPortsOfGroup } from './group-listeners.js';
import { detectListeningPorts, portMismatchDiagnostic } from './listening-port.js';
import { LogRing } from './log-ring.js';
import { removeProcessRecord, SERVICE_ID_ENV, writeProcessRecord } from './pid-records.js';
import { injectPortFlag } from './port-flag.js';
import { isPortInUse, pickFreePort } from './ports.js';
import { isGroupAlive, signalGroup, spawnInShell, terminateGroup } from './process-group.js';
import { processStartTime } from './process-start-time.js';
import type { LoopbackHost } from './readiness.js';
import { compileReadyPattern, probe, readinessTimeoutReason } from './readiness.js';
import { gaveUpReason, nextFailedStarts, shouldGiveUp } from './give-up-policy.js';
import type { BackoffTiming } from './restart-policy.js';
import { backoffDelay, describeExit, formatDuration, isCleanExit, nextBackoffAttempt, shouldRestart } from './restart-policy.js';

export interface RunnerContext {
  project: string;
  stateDir: string;
  nextSeq: () => number;
  onLog: (line: LogLine) => void;
  /** Called with a copy of the state after every change. */
  onState: (state: ServiceState) => void;
  extraEnv: Record<string, string>;
  stopGraceMs: number;
  logRingLines: number;
  maxFailedStarts: number;
  backoff: BackoffTiming;
  /** Env files that changed since the config was approved do not run until approved (see SupervisorOptions). */
  envFilesNeedApproval: boolean;
}

/** Statuses in which a start attempt has come to a result (good or bad). */
export const SETTLED_STATUSES: ReadonlySet<ServiceStatus> = new Set(['ready', 'unhealthy', 'crashed', 'backoff', 'stopped']);

type LaunchKind = 'initial' | 'auto' | 'manual';

interface RunningProcess {
  child: ChildProcess;
  pid: number;
  port: number;
  startedAt: number;
  stopRequested: boolean;
  ready: boolean;
  exit: ServiceExit | null;
  /** Resolves on the child's 'exit' (or spawn 'error'). */
  exited: Promise<void>;
  markExited: () => void;
  abort: AbortController;
  readyPattern: RegExp | null;
  readyTimer: NodeJS.Timeout | null;
  /** Why the readiness check timed out, without diagnostics. */
  unhealthyBase: string | null;
  record: Promise<void>;
  /** Ports announced in output or seen listening before readiness, in order of first sighting. */
  seenPorts: number[];
}

const PORT_SCAN_FAST_MS = 500;
const PORT_SCAN_FAST_FOR_MS = 10_000;
const PORT_SCAN_SLOW_MS = 2_000;

// Read once: the owner's identity in every pid record.
let ownerStartTime: Promise<string | null> | null = null;

export class ServiceRunner {
  readonly ring: LogRing;
  /** Which loopback address answered the readiness check. */
  upstreamHost: LoopbackHost | null = null;
  private st: ServiceState;
  private proc: RunningProcess | null = null;
  /** Cleanup of a process that exited on its own (leftover group members, pid record). */
  private cleanup: Promise<void> = Promise.resolve();
  /** The group that cleanup is terminating, so that kill() reaches it too. */
  private leavingGroup: number | null = null;
  /** Set by kill(): stops skip the grace period. */
  private killNow = false;
  private backoffTimer: NodeJS.Timeout | null = null;
  private attempt: number | null = null;
  /** Exits in a row before readiness; at ctx.maxFailedStarts locald stops restarting. */
  private failedStarts = 0;
  /** Bumped by every launch and stop; async steps of an older launch give up. */
  private generation = 0;
  private wanted = false;
  private settleWaiters: ((state: ServiceState) => void)[] = [];
  /** Set while the supervisor holds the service back because a dependency failed. */
  blockedBy: string | null = null;

  constructor(
    readonly config: ServiceConfig,
    private readonly ctx: RunnerContext,
  ) {
    this.ring = new LogRing(ctx.logRingLines);
    this.st = {
      name: config.name,
      status: 'stopped',
      port: config.port,
      pid: null,
      restartPolicy: config.restart,
      restarts: 0,
      startedAt: null,
      lastExit: null,
      reason: null,
      nextRestartAt: null,
      diagnostics: [],
      protocol: config.protocol,
      gaveUpAfter: null,
    };
  }

  get name(): string {
    return this.config.name;
  }

  get state(): ServiceState {
    return copyState(this.st);
  }

  /** Resolves at the next settled status (ready, unhealthy, crashed, backoff, stopped). */
  nextSettle(): Promise<ServiceState> {
    return new Promise((resolve) => this.settleWaiters.push(resolve));
  }

  /** A fresh run of the project: counters start over. */
  resetForStart(): void {
    this.st.restarts = 0;
    this.attempt = null;
    this.failedStarts = 0;
    this.blockedBy = null;
  }

  /** Waiting for dependencies: shown as starting, with the reason. */
  setWaiting(reason: string): void {
    if (this.proc !== null) return;
    this.blockedBy = null;
    if (this.st.status === 'starting' && this.st.reason === reason) return;
    // Like every other change of state, said once in the log (and so in the terminal).
    this.log('system', reason);
    this.update({ status: 'starting', reason, pid: null, nextRestartAt: null, diagnostics: [] });
  }

  /** Not started because a dependency failed. */
  block(dependency: string, reason: string): void {
    if (this.proc !== null) return;
    if (this.blockedBy === dependency && this.st.reason === reason) return;
    this.blockedBy = dependency;
    this.log('system', reason);
    this.update({ status: 'stopped', reason, pid: null, nextRestartAt: null });
  }

  /** Starts the service; resolves with its state once that start has a result. */
  start(kind: LaunchKind = 'initial'): Promise<ServiceState> {
    // Never two processes for one service.
    if (this.proc !== null) return Promise.resolve(this.state);
    const settled = this.nextSettle();
    void this.launch(kind);
    return settled;
  }

  /** Stop (if running), then start again; `why` goes to the log. */
  async restart(why = 'restart requested'): Promise<ServiceState> {
    this.log('system', why);
    await this.stop();
    this.attempt = null;
    this.failedStarts = 0;
    return this.start('manual');
  }

  private async launch(kind: LaunchKind): Promise<void> {
    const gen = ++this.generation;
    this.clearBackoffTimer();
    this.wanted = true;
    this.killNow = false;
    this.blockedBy = null;
    const hadRun = this.st.startedAt !== null;
    this.update({ status: 'starting', reason: null, pid: null, nextRestartAt: null, diagnostics: [], gaveUpAfter: null });
    // A previous process may still be leaving (its group being terminated).
    await this.cleanup;
    if (gen !== this.generation) return;

    const cwdProblem = await checkDirectory(this.config.cwd);
    if (gen !== this.generation) return;
    if (cwdProblem !== null) return this.failBeforeSpawn(cwdProblem);

    let port: number;
    try {
      port = await this.choosePort();
    } catch (err) {
      if (gen !== this.generation) return;
      return this.failBeforeSpawn(err instanceof Error ? err.message : String(err));
    }
    if (gen !== this.generation) return;

    const scripts = await readPackageScripts(this.config.cwd);
    if (gen !== this.generation) return;
    const injection = injectPortFlag(this.config.command, scripts, port);
    if (injection.injected) this.log('system', `${injection.tool ?? 'this tool'} ignores $PORT, so locald passes --port ${port}`);

    const fileEnv = await this.readFileEnv();
    if (gen !== this.generation) return;
    if (typeof fileEnv === 'string') return this.failBeforeSpawn(fileEnv);

    // The id marks every process of this run as ours, for the reaper (see reap-decision.ts).
    const serviceId = randomUUID();
    const env: NodeJS.ProcessEnv = { ...process.env, ...this.ctx.extraEnv, ...fileEnv, ...this.config.env, PORT: String(port), [SERVICE_ID_ENV]: serviceId };
    this.log('system', `starting: ${injection.command} (PORT=${port}, cwd ${this.config.cwd})`);
    let child: ChildProcess;
    try {
      child = spawnInShell({ command: injection.command, cwd: this.config.cwd, env });
    } catch (err) {
      return this.failBeforeSpawn(`could not start: ${err instanceof Error ? err.message : String(err)}`);
    }
    if (child.pid === undefined) {
      // Spawn failed; Node reports why on 'error' right after.
      const error = await new Promise<Error>((resolve) => child.once('error', resolve));
      if (gen !== this.generation) return;
      return this.failBeforeSpawn(`could not start the shell: ${error.message}`);
    }

    if (kind !== 'initial' && hadRun) this.st.restarts++;
    let markExited = (): void => {};
    const exited = new Promise<void>((resolve) => (markExited = resolve));
    const proc: RunningProcess = {
      child,
      pid: child.pid,
      port,
      startedAt: Date.now(),
      stopRequested: false,
      ready: false,
      exit: null,
      exited,
      markExited,
      abort: new AbortController(),
      readyPattern: null,
      readyTimer: null,
      unhealthyBase: null,
      record: Promise.resolve(),
      seenPorts: [],
    };
    this.proc = proc;
    proc.record = this.writeRecord(proc, injection.command, serviceId);
    this.wireOutput(proc, 'stdout');
    this.wireOutput(proc, 'stderr');
    child.on('error', (err) => this.log('system', `process error: ${err.message}`));
    child.once('exit', (code, signal) => this.onExit(proc, code, signal));
    this.update({ status: 'starting', pid: proc.pid, startedAt: proc.startedAt, port, reason: null });
    this.runReadiness(proc);
    void this.watchListeningPorts(proc);
  }

  /** Until readiness, looks at the sockets the group listens on: a server that ignores $PORT may print nothing about it. */
  private async watchListeningPorts(proc: RunningProcess): Promise<void> {
    const signal = proc.abort.signal;
    while (!signal.aborted && !proc.ready) {
      // Soon after the start (the diagnosis should come within a couple of seconds), then rarely.
      await abortableDelay(Date.now() - proc.startedAt < PORT_SCAN_FAST_FOR_MS ? PORT_SCAN_FAST_MS : PORT_SCAN_SLOW_MS, signal);
      if (signal.aborted || proc.ready) return;
      this.reportListeningPorts(proc, await listeningPortsOfGroup(proc.pid));
    }
  }

  private async choosePort(): Promise<number> {
    const configured = this.config.port;
    if (configured !== null) {
      if (await isPortInUse(configured)) {
        throw new Error(`port ${configured} is already in use by another process; stop it or change services.${this.config.name}.port`);
      }
      return configured;
    }
    // Keep an auto-picked port across restarts so routes stay stable, unless it got taken.
    const previous = this.st.port;
    if (previous !== null && !(await isPortInUse(previous))) return previous;
    const port = await pickFreePort();
    if (previous !== null) this.log('system', `port ${previous} is now taken by another process; using port ${port}`);
    return port;
  }

  /** The env files read again at every start, so an edited .env takes effect; or why they cannot be used. */
  private async readFileEnv(): Promise<Record<string, string> | string> {
    if (this.config.envFiles === undefined || this.config.envFiles.length === 0) return {};
    const read = await readEnvFiles(this.config.envFiles);
    if (!read.ok) return describeEnvFileFailure(read);
    if (this.ctx.envFilesNeedApproval && JSON.stringify(read.values) !== JSON.stringify(this.config.fileEnv ?? {})) {
      return 'an env file changed since the commands were approved; approve the change to use it';
    }
    return read.values;
  }

  private failBeforeSpawn(reason: string): void {
    this.wanted = false;
    this.log('system', `failed to start: ${reason}`);
    this.update({ status: 'crashed', reason, pid: null, nextRestartAt: null });
  }

  private async writeRecord(proc: RunningProcess, command: string, serviceId: string): Promise<void> {
    try {
      ownerStartTime ??= processStartTime(process.pid);
      await writeProcessRecord(this.ctx.stateDir, {
        version: 1,
        project: this.ctx.project,
        service: this.config.name,
        command,
        pid: proc.pid,
        pgid: proc.pid,
        startTime: await processStartTime(proc.pid),
        ownerPid: process.pid,
        ownerStartTime: await ownerStartTime,
        recordedAt: Date.now(),
        serviceId,
      });
    } catch (err) {
      this.log('system', `could not write the pid record (leftovers of a crash may not be reaped): ${err instanceof Error ? err.message : String(err)}`);
    }
  }

  /** A group that is not confirmed gone keeps its record, so the next start can still reap it. */
  private async removeRecordIfGone(proc: RunningProcess, gone: boolean): Promise<void> {
    if (gone) return this.removeRecord(proc);
    await proc.record;
    this.log('system', `process group ${proc.pid} may still be running; its pid record is kept so that the next start reaps it`);
  }

  private async removeRecord(proc: RunningProcess): Promise<void> {
    await proc.record;
    try {
      await removeProcessRecord(this.ctx.stateDir, this.ctx.project, this.config.name);
    } catch (err) {
      this.log('system', `could not remove the pid record: ${err instanceof Error ? err.message : String(err)}`);
    }
  }

  private wireOutput(proc: RunningProcess, stream: 'stdout' | 'stderr'): void {
    const readable = proc.child[stream];
    if (readable === null) return;
    const splitter = new LineSplitter();
    readable.setEncoding('utf8');
    readable.on('data', (chunk: string) => {
      for (const line of splitter.push(chunk)) this.onOutputLine(proc, stream, line);
    });
    readable.on('end', () => {
      for (const line of splitter.end()) this.onOutputLine(proc, stream, line);
    });
    readable.on('error', () => {});
  }

  private onOutputLine(proc: RunningProcess, stream: LogStream, text: string): void {
    this.log(stream, text);
    if (proc !== this.proc || proc.ready || proc.exit !== null) return;
    if (proc.readyPattern !== null && proc.readyPattern.test(stripAnsi(text))) {
      this.markReady(proc, null);
      return;
    }
    this.reportListeningPorts(proc, detectListeningPorts(text));
  }

  /** Ports the service announced or was seen listening on; only before readiness: once $PORT answers, other ports (HMR, metrics) are no problem. */
  private reportListeningPorts(proc: RunningProcess, ports: readonly number[]): void {
    if (proc !== this.proc || proc.ready || proc.exit !== null) return;
    const fresh = ports.filter((p) => !proc.seenPorts.includes(p));
    if (fresh.length === 0) return;
    proc.seenPorts.push(...fresh);
    // One port diagnosis, naming every port seen so far (output and sockets agree or add up);
    // none once $PORT is among them (another port, e.g. HMR, just opened first).
    const diagnostic = portMismatchDiagnostic(proc.seenPorts, proc.port);
    const diagnostics = diagnostic === null ? [] : [diagnostic];
    if (diagnostics.join() === this.st.diagnostics.join()) return;
    if (diagnostic !== null) this.log('system', `diagnosis: ${diagnostic}`);
    this.update({ diagnostics, ...(proc.unhealthyBase !== null ? { reason: [proc.unhealthyBase, ...diagnostics].join('; ') } : {}) });
  }

  private runReadiness(proc: RunningProcess): void {
    const check = this.config.ready;
    if (check.kind === 'log') {
      const pattern = compileReadyPattern(check.pattern);
      if (typeof pattern === 'string') {
        this.markUnhealthy(proc, pattern);
        return;
      }
      proc.readyPattern = pattern;
      proc.readyTimer = setTimeout(() => this.markUnhealthy(proc, readinessTimeoutReason(check.timeoutMs, `no output line matched /${check.pattern}/`)), check.timeoutMs);
      return;
    }
    void this.pollReadiness(proc);
  }

  private async pollReadiness(proc: RunningProcess): Promise<void> {
    const check = this.config.ready;
    const started = Date.now();
    const signal = proc.abort.signal;
    let interval = 50;
    while (!signal.aborted) {
      const result = await probe(check, proc.port);
      if (signal.aborted) return;
      if (result.ok) {
        this.markReady(proc, result.host);
        return;
      }
      if (proc.unhealthyBase === null && Date.now() - started >= check.timeoutMs) {
        this.markUnhealthy(proc, readinessTimeoutReason(check.timeoutMs, result.detail));
      }
      // Keep checking after a timeout, more slowly: a slow first compile may still finish.
      await abortableDelay(proc.unhealthyBase !== null ? 1_000 : interval, signal);
      interval = Math.min(interval * 2, 250);
    }
  }

  private markReady(proc: RunningProcess, host: LoopbackHost | null): void {
    if (proc !== this.proc || proc.ready || proc.exit !== null || proc.stopRequested) return;
    proc.ready = true;
    if (proc.readyTimer !== null) clearTimeout(proc.readyTimer);
    this.upstreamHost = host;
    const late = proc.unhealthyBase !== null ? ' (after being unhealthy)' : '';
    this.log('system', `ready on port ${proc.port}${host !== null ? ` (${host})` : ''}${late}`);
    // A port seen before readiness may have been an HMR or inspector port opened first.
    this.update({ status: 'ready', reason: null, diagnostics: [] });
  }

  private markUnhealthy(proc: RunningProcess, base: string): void {
    if (proc !== this.proc || proc.ready || proc.exit !== null || proc.stopRequested) return;
    proc.unhealthyBase = base;
    const reason = [base, ...this.st.diagnostics].join('; ');
    this.log('system', `unhealthy: ${reason}`);
    this.update({ status: 'unhealthy', reason });
  }

  private onExit(proc: RunningProcess, code: number | null, signal: NodeJS.Signals | null): void {
    const exit: ServiceExit = { code, signal, at: Date.now() };
    proc.exit = exit;
    proc.abort.abort();
    if (proc.readyTimer !== null) clearTimeout(proc.readyTimer);
    proc.markExited();
    const what = describeExit(exit);
    if (proc.stopRequested || proc !== this.proc) {
      this.log('system', `stopped (${what})`);
      return; // stop() finishes the job
    }

    this.proc = null;
    // Whatever the service started in its group must not outlive it.
    this.cleanup = (async () => {
      let gone = true;
      if (await isGroupAlive(proc.pid)) {
        this.log('system', `terminating what process ${proc.pid} left running in its process group`);
        this.leavingGroup = proc.pid;
        gone = (await terminateGroup(proc.pid, this.killNow ? 0 : this.ctx.stopGraceMs)).gone;
        this.leavingGroup = null;
      }
      await this.removeRecordIfGone(proc, gone);
    })();

    const uptime = exit.at - proc.startedAt;
    this.failedStarts = nextFailedStarts(this.failedStarts, proc.ready);
    if (this.wanted && shouldRestart(this.config.restart, exit) && shouldGiveUp(this.failedStarts, this.ctx.maxFailedStarts)) {
      this.wanted = false;
      const reason = gaveUpReason(this.failedStarts);
      this.log('system', `${what}; ${reason}`);
      this.update({ status: 'crashed', pid: null, lastExit: exit, reason, nextRestartAt: null, gaveUpAfter: this.failedStarts });
      return;
    }
    if (this.wanted && shouldRestart(this.config.restart, exit)) {
      this.attempt = nextBackoffAttempt(this.attempt, uptime);
      const delay = backoffDelay(this.attempt, this.ctx.backoff);
      const gen = this.generation;
      this.log('system', `${what}; restarting in ${formatDuration(delay)}`);
      this.update({ status: 'backoff', pid: null, lastExit: exit, reason: `${what}; restarting in ${formatDuration(delay)}`, nextRestartAt: exit.at + delay });
      this.backoffTimer = setTimeout(() => {
        this.backoffTimer = null;
        if (gen === this.generation && this.wanted) void this.launch('auto');
      }, delay);
      return;
    }
    this.wanted = false;
    this.log('system', what);
    this.update({ status: isCleanExit(exit) ? 'stopped' : 'crashed', pid: null, lastExit: exit, reason: what, nextRestartAt: null });
  }

  /**
   * SIGTERM to the group, SIGKILL at `killAt` (default: after the grace period); resolves
   * when the group is gone.
   */
  async stop(killAt?: number): Promise<void> {
    this.generation++;
    this.wanted = false;
    this.clearBackoffTimer();
    const proc = this.proc;
    if (proc === null) {
      await this.cleanup;
      // After a stop every service reads 'stopped'; lastExit keeps the history.
      if (this.st.status !== 'stopped' || this.st.reason !== null || this.st.nextRestartAt !== null) {
        if (this.st.status !== 'stopped') this.log('system', this.st.status === 'backoff' ? 'stopped; the pending restart is cancelled' : 'stopped');
        this.blockedBy = null;
        this.update({ status: 'stopped', pid: null, nextRestartAt: null, reason: null });
      }
      return;
    }
    proc.stopRequested = true;
    proc.abort.abort();
    if (proc.readyTimer !== null) clearTimeout(proc.readyTimer);
    this.update({ status: 'stopping' });
    if (proc.exit === null) this.log('system', `stopping: SIGTERM to process group ${proc.pid}`);
    const grace = this.killNow ? 0 : Math.max(0, (killAt ?? Date.now() + this.ctx.stopGraceMs) - Date.now());
    const onEscalate = this.killNow
      ? undefined
      : (): void => this.log('system', `still running at the end of the ${formatDuration(this.ctx.stopGraceMs)} grace period; sending SIGKILL`);
    const result = await terminateGroup(proc.pid, grace, onEscalate);
    if (!result.gone) this.log('system', `process group ${proc.pid} did not go away even after SIGKILL`);
    // The group is gone, so the leader's exit is being reported; bounded in case it never is.
    await Promise.race([proc.exited, abortableDelay(5_000, new AbortController().signal)]);
    await this.removeRecordIfGone(proc, result.gone);
    if (this.proc === proc) {
      this.proc = null;
      this.update({ status: 'stopped', pid: null, lastExit: proc.exit ?? this.st.lastExit, reason: null, nextRestartAt: null });
    }
  }

  /** SIGKILL to the group now (a second Ctrl+C), then finishes like stop(). */
  kill(): Promise<void> {
    this.killNow = true;
    const running = this.proc !== null && this.proc.exit === null ? this.proc.pid : null;
    const stopped = this.stop(); // first: marks the exit as requested, so it is no crash to restart
    for (const group of [running, this.leavingGroup]) {
      if (group === null) continue;
      this.log('system', `killing: SIGKILL to process group ${group}`);
      signalGroup(group, 'SIGKILL');
    }
    return stopped;
  }

  private clearBackoffTimer(): void {
    if (this.backoffTimer !== null) clearTimeout(this.backoffTimer);
    this.backoffTimer = null;
  }

  private update(patch: Partial<ServiceState>): void {
    Object.assign(this.st, patch);
    const state = copyState(this.st);
    this.ctx.onState(state);
    if (SETTLED_STATUSES.has(state.status)) {
      const waiters = this.settleWaiters;
      this.settleWaiters = [];
      for (const resolve of waiters) resolve(copyState(state));
    }
  }

  log(stream: LogStream, text: string): void {
    const line: LogLine = { seq: this.ctx.nextSeq(), time: Date.now(), project: this.ctx.project, service: this.config.name, stream, text };
    this.ring.push(line);
    this.ctx.onLog(line);
  }
}

function copyState(s: ServiceState): ServiceState {
  return { ...s, diagnostics: [...s.diagnostics], lastExit: s.lastExit === null ? null : { ...s.lastExit } };
}

async function checkDirectory(dir: string): Promise<string | null> {
  try {
    const info = await stat(dir);
    return info.isDirectory() ? null : `working directory ${dir} is not a directory`;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    return code === 'ENOENT' ? `working directory ${dir} does not exist` : `working directory ${dir} is not accessible (${code ?? String(err)})`;
  }
}

/** `scripts` of package.json in `dir`, or undefined when there is none or it is unreadable. */
export async function readPackageScripts(dir: string): Promise<Record<string, string> | undefined> {
  try {
    const data: unknown = JSON.parse(await readFile(join(dir, 'package.json'), 'utf8'));
    if (typeof data !== 'object' || data === null) return undefined;
    const scripts = (data as { scripts?: unknown }).scripts;
    if (typeof scripts !== 'object' || scripts === null) return undefined;
    return Object.fromEntries(Object.entries(scripts).filter((e): e is [string, string] => typeof e[1] === 'string'));
  } catch {
    return undefined;
  }
}

function abortableDelay(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done(): void {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}
