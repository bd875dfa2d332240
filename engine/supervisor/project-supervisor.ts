// Runs one project's services: dependency order on start, reverse order on stop,
// and holding back services whose dependencies failed.
import type { ProjectConfig } from '../../shared/config.js';
import { DEFAULT_LOG_RING_LINES, DEFAULT_STOP_GRACE_MS } from '../../shared/defaults.js';
import type { LogLine, ServiceState, ServiceStatus } from '../../shared/state.js';
import { ChangeRestarts } from './change-restarts.js';
import type { DependencyPlan } from './dependency-order.js';
import { planDependencies, stopOrder, transitiveDependents } from './dependency-order.js';
import { DEFAULT_MAX_FAILED_STARTS } from './give-up-policy.js';
import { selectLogs } from './log-ring.js';
import type { LoopbackHost } from './readiness.js';
import { DEFAULT_BACKOFF } from './restart-policy.js';
import { SETTLED_STATUSES, ServiceRunner } from './service-runner.js';
import type { SupervisorOptions } from './types.js';

export class ProjectSupervisor {
  readonly config: ProjectConfig;
  private readonly runners = new Map<string, ServiceRunner>();
  private readonly plan: DependencyPlan;
  private readonly options: SupervisorOptions;
  private readonly stopGraceMs: number;
  /** Between start() and stop(): services whose dependencies become ready get started. */
  private active = false;
  /** Services that start as soon as all their dependencies are ready. */
  private readonly awaiting = new Set<string>();
  /** Services whose first start of this run has no result yet. */
  private readonly unsettled = new Set<string>();
  private startPromise: Promise<void> | null = null;
  private resolveStart: (() => void) | null = null;
  private stopPromise: Promise<void> | null = null;
  private scheduling = false;
  private scheduleAgain = false;
  /** Watches the files of services with `watch`, between start() and stop(). */
  private changeRestarts: ChangeRestarts | null = null;

  constructor(config: ProjectConfig, options: SupervisorOptions) {
    this.config = config;
    this.options = options;
    const stopGraceMs = options.stopGraceMs ?? DEFAULT_STOP_GRACE_MS;
    this.stopGraceMs = stopGraceMs;
    const logRingLines = options.logRingLines ?? DEFAULT_LOG_RING_LINES;
    const maxFailedStarts = options.maxFailedStarts ?? DEFAULT_MAX_FAILED_STARTS;
    const backoff = options.backoff ?? DEFAULT_BACKOFF;
    if (!(stopGraceMs >= 0)) throw new RangeError(`stopGraceMs must be >= 0, got ${stopGraceMs}`);
    if (!Number.isInteger(logRingLines) || logRingLines < 1) throw new RangeError(`logRingLines must be a positive integer, got ${logRingLines}`);
    if (!Number.isInteger(maxFailedStarts) || maxFailedStarts < 1) throw new RangeError(`maxFailedStarts must be a positive integer, got ${maxFailedStarts}`);
    if (!(backoff.initialMs >= 0 && backoff.maxMs >= backoff.initialMs)) throw new RangeError(`backoff must have 0 <= initialMs <= maxMs, got ${JSON.stringify(backoff)}`);
    for (const service of config.services) {
      if (this.runners.has(service.name)) throw new Error(`project '${config.name}' defines service '${service.name}' twice`);
      this.runners.set(
        service.name,
        new ServiceRunner(service, {
          project: config.name,
          stateDir: options.stateDir,
          nextSeq: options.nextSeq,
          onLog: (line) => guard('onLog', () => options.onLog(line)),
          onState: (state) => this.onRunnerState(state),
          extraEnv: options.extraEnv ?? {},
          stopGraceMs,
          logRingLines,
          maxFailedStarts,
          backoff,
          envFilesNeedApproval: options.envFilesNeedApproval ?? false,
        }),
      );
    }
    this.plan = planDependencies(config.services);
  }

  /** Resolves when every service is ready or has failed (never rejects for a service failure). */
  start(): Promise<void> {
    if (this.startPromise !== null) return this.startPromise;
    if (this.active) return Promise.resolve(); // already started; restartService() restarts single services
    const begin = async (): Promise<void> => {
      if (this.stopPromise !== null) await this.stopPromise;
      const done = new Promise<void>((resolve) => (this.resolveStart = resolve));
      for (const runner of this.runners.values()) runner.resetForStart();
      for (const problem of this.plan.problems) this.runner(problem.service).block(problem.service, `not started: ${problem.reason}`);
      const problems = new Set(this.plan.problems.map((p) => p.service));
      for (const name of this.runners.keys()) {
        if (problems.has(name)) continue;
        this.awaiting.add(name);
        this.unsettled.add(name);
      }
      // Only services that have dependencies wait; the others start in schedule() below.
      for (const name of this.awaiting) {
        const runner = this.runner(name);
        const deps = runner.config.dependsOn;
        if (deps.length > 0) runner.setWaiting(`waiting for ${deps.map((d) => `'${d}'`).join(', ')}`);
      }
      // Only now: scheduling while the old statuses were still showing would block on stale 'stopped'.
      this.active = true;
      this.changeRestarts = new ChangeRestarts(this.config, {
        restart: (name, changed) => this.restartForChange(name, changed),
        log: (name, text) => this.runner(name).log('system', text),
      });
      const watching = this.changeRestarts.start();
      this.schedule();
      this.checkStarted();
      await Promise.all([done, watching]);
    };
    const promise = begin().finally(() => {
      if (this.startPromise === promise) this.startPromise = null;
    });
    this.startPromise = promise;
    return promise;
  }

  /**
   * Stops dependents before their dependencies; resolves when every process group is gone.
   * Cancels a start in progress: services waiting for dependencies are never spawned.
   * One SIGKILL deadline for the whole project, however many dependency levels it has.
   */
  stop(): Promise<void> {
    if (this.stopPromise !== null) return this.stopPromise;
    this.active = false;
    this.awaiting.clear();
    this.changeRestarts?.close();
    this.changeRestarts = null;
    const killAt = Date.now() + this.stopGraceMs;
    const run = async (): Promise<void> => {
      for (const level of stopOrder(this.plan)) {
        await Promise.all(level.map((name) => this.runner(name).stop(killAt)));
      }
      this.unsettled.clear();
      this.checkStarted();
    };
    const promise = run().finally(() => {
      this.stopPromise = null;
    });
    this.stopPromise = promise;
    return promise;
  }

  /** SIGKILL to every service's group now (no grace period); resolves when the project is stopped. */
  async kill(): Promise<void> {
    this.active = false;
    this.awaiting.clear();
    this.changeRestarts?.close();
    this.changeRestarts = null;
    await Promise.all([...this.runners.values()].map((r) => r.kill()));
    await this.stop();
  }

  /** Stops and starts one service (even if its dependencies are not ready: the user asked). */
  async restartService(name: string, why?: string): Promise<ServiceState> {
    const runner = this.runners.get(name);
    if (runner === undefined) {
      const known = [...this.runners.keys()].map((n) => `'${n}'`).join(', ') || 'none';
      throw new Error(`project '${this.config.name}' has no service '${name}' (services: ${known})`);
    }
    if (this.stopPromise !== null) throw new Error(`project '${this.config.name}' is stopping; start it again to restart '${name}'`);
    this.awaiting.delete(name);
    return runner.restart(why);
  }

  /** Open file-watch handles (inotify watches on Linux), for tests and diagnostics. */
  get watchHandles(): number {
    return this.changeRestarts?.handles ?? 0;
  }

  /**
   * A watched file changed: restart the service (graceful stop, start, readiness), even when it had
   * crashed or locald gave up on it; then, with restart_dependents and once it is ready, its dependents in start order.
   */
  private async restartForChange(name: string, changed: string): Promise<void> {
    if (!this.active || this.stopPromise !== null) return;
    const state = await this.restartService(name, `${changed} changed: restarting`);
    // Dependents of a service that did not come back would only fail against it.
    if (this.runner(name).config.watch?.restartDependents !== true || state.status !== 'ready') return;
    const dependents = new Set(transitiveDependents(this.config.services, name));
    for (const level of this.plan.levels) {
      for (const dependent of level.filter((n) => dependents.has(n))) {
        if (!this.active || this.stopPromise !== null) return;
        await this.restartService(dependent, `'${name}' restarted after ${changed} changed: restarting`);
      }
    }
  }

  states(): ServiceState[] {
    return [...this.runners.values()].map((r) => r.state);
  }

  state(name: string): ServiceState | undefined {
    return this.runners.get(name)?.state;
  }

  /** Oldest first; the newest `limit` lines after `afterSeq`, of one service or all. */
  logs(opts: { service?: string; limit?: number; afterSeq?: number } = {}): LogLine[] {
    const rings =
      opts.service === undefined
        ? [...this.runners.values()].map((r) => r.ring)
        : [this.runners.get(opts.service)?.ring].filter((r) => r !== undefined);
    return selectLogs(rings, opts);
  }

  /** The loopback address a ready service answered on (some servers listen on ::1 only). */
  upstreamHost(name: string): LoopbackHost | null {
    return this.runners.get(name)?.upstreamHost ?? null;
  }

  private runner(name: string): ServiceRunner {
    const runner = this.runners.get(name);
    if (runner === undefined) throw new Error(`internal: no runner for '${name}'`);
    return runner;
  }

  private onRunnerState(state: ServiceState): void {
    guard('onState', () => this.options.onState(this.config.name, state));
    if (SETTLED_STATUSES.has(state.status) && this.unsettled.delete(state.name)) this.checkStarted();
    if (this.active) this.schedule();
  }

  /** Starts every awaiting service whose dependencies are all ready; holds back those with a failed one. */
  private schedule(): void {
    // Starting a service changes its state, which calls schedule() again: run the loop once more instead.
    if (this.scheduling) {
      this.scheduleAgain = true;
      return;
    }
    this.scheduling = true;
    try {
      do {
        this.scheduleAgain = false;
        this.scheduleOnce();
      } while (this.scheduleAgain && this.active);
    } finally {
      this.scheduling = false;
    }
  }

  private scheduleOnce(): void {
    for (const name of [...this.awaiting]) {
      if (!this.awaiting.has(name)) continue;
      const runner = this.runner(name);
      const deps = runner.config.dependsOn.map((d) => this.runner(d));
      if (deps.every((d) => d.state.status === 'ready')) {
        this.awaiting.delete(name);
        void runner.start('initial');
        continue;
      }
      const failed = deps.find((d) => isFailed(d.state.status) && !(this.awaiting.has(d.name) && d.blockedBy === null));
      if (failed !== undefined) {
        runner.block(failed.name, `not started: dependency '${failed.name}' ${describeFailure(failed.state)}`);
      } else if (runner.blockedBy === null) {
        const pending = deps.filter((d) => d.state.status !== 'ready').map((d) => `'${d.name}'`);
        runner.setWaiting(`waiting for ${pending.join(', ')}`);
      }
    }
  }

  private checkStarted(): void {
    if (this.unsettled.size === 0 && this.resolveStart !== null) {
      const resolve = this.resolveStart;
      this.resolveStart = null;
      resolve();
    }
  }
}

function isFailed(status: ServiceStatus): boolean {
  return status === 'crashed' || status === 'unhealthy' || status === 'backoff' || status === 'stopped';
}

function describeFailure(state: ServiceState): string {
  const why = state.reason !== null ? ` (${state.reason})` : '';
  switch (state.status) {
    case 'crashed':
      return `failed${why}`;
    case 'backoff':
      return `crashed and is restarting${why}`;
    case 'unhealthy':
      return `is not ready${why}`;
    default:
      return `is ${state.status}${why}`;
  }
}

/**
 * The engine's callbacks run inside child-process event handlers, where a throw would
 * take down the whole engine. Report it instead.
 */
function guard(name: string, fn: () => void): void {
  try {
    fn();
  } catch (err) {
    process.emitWarning(`supervisor ${name} callback threw: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
  }
}
