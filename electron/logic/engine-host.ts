// Runs the engine process and keeps it running: starts it, restarts it with backoff
// when it dies, fails requests in flight instead of leaving them hanging, and on quit
// asks it to stop every service and waits (then kills it after a grace period).
// The process itself is injected, so main passes an Electron utilityProcess and the
// tests a real Node child process.
import type { EngineInfo, ProjectRequestResult } from '../../shared/api.js';
import type { HostToEngine, ProjectPreview } from '../../shared/engine-host.js';
import { ENGINE_SHUTDOWN_GRACE_MS } from '../../shared/engine-host.js';
import { EngineBridge } from './engine-bridge.js';
import type { RestartPolicy } from './engine-supervision.js';
import { DEFAULT_ENGINE_RESTART_POLICY, describeEngineExit, engineReadiness, nextEngineRestart, pruneCrashHistory } from './engine-supervision.js';
import type { EngineStatus } from './engine-supervision.js';
import { isEventMessage, isResponseMessage } from '../../shared/wire.js';

/**
 * V8 flags for the engine process. Electron's Node 24 sizes the young generation larger than
 * Node 20 did, and a tray app runs all day: a young generation capped at 8 MiB semi-spaces kept
 * the engine's RSS 100 MiB lower under sustained proxying with capture on (450–472 MiB against
 * 565–579 MiB after 150k requests), and a service printing 100 MB of logs peaked at 253–267 MiB
 * against 320, at no CPU per request that wrk could tell apart (93–109 µs against 90–103).
 */
export const ENGINE_EXEC_ARGV: readonly string[] = ['--max-semi-space-size=8'];

export interface EngineProcess {
  send(message: HostToEngine): void;
  kill(): void;
  onMessage(listener: (message: unknown) => void): void;
  onExit(listener: (code: number) => void): void;
}

export interface EngineHostOptions {
  spawn: () => EngineProcess;
  onStatus?: (status: EngineStatus) => void;
  onReady?: (info: EngineInfo) => void;
  onProblem?: (text: string) => void;
  /** A client of the engine (a terminal's `locald up DIR`) asks to run a folder: show the approval dialog. */
  onProjectRequest?: (dir: string) => Promise<ProjectRequestResult>;
  policy?: RestartPolicy;
  shutdownGraceMs?: number;
  /** How long a started engine may take to send host.ready before it counts as crashed. */
  readyTimeoutMs?: number;
  now?: () => number;
}

const QUITTING = 'locald is quitting';

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}

export class EngineHost {
  readonly bridge: EngineBridge;
  private process: EngineProcess | null = null;
  // Created to be started: until start() (main first reads the login shell), it is "starting".
  private statusValue: EngineStatus = { kind: 'starting' };
  private runningWaiters: Array<{ resolve: () => void; reject: (error: Error) => void }> = [];
  private crashes: number[] = [];
  private restartTimer: ReturnType<typeof setTimeout> | null = null;
  private readyTimer: ReturnType<typeof setTimeout> | null = null;
  private stopping: Promise<void> | null = null;
  private infoValue: EngineInfo | null = null;
  private nextPreviewId = 1;
  private readonly previews = new Map<number, { resolve: (result: ProjectPreview) => void; reject: (error: Error) => void }>();
  private readonly options: Required<Omit<EngineHostOptions, 'onStatus' | 'onReady' | 'onProblem' | 'onProjectRequest'>> &
    Pick<EngineHostOptions, 'onStatus' | 'onReady' | 'onProblem' | 'onProjectRequest'>;

  constructor(options: EngineHostOptions) {
    this.options = {
      policy: DEFAULT_ENGINE_RESTART_POLICY,
      shutdownGraceMs: ENGINE_SHUTDOWN_GRACE_MS,
      readyTimeoutMs: 60_000,
      now: Date.now,
      ...options,
    };
    this.bridge = new EngineBridge({
      sendToEngine: (message) => this.process?.send(message),
      ...(options.onProblem !== undefined ? { onProblem: options.onProblem } : {}),
    });
  }

  get status(): EngineStatus {
    return this.statusValue;
  }

  get info(): EngineInfo | null {
    return this.infoValue;
  }

  start(): void {
    if (this.stopping !== null) throw new Error('engine host is shutting down');
    if (this.process !== null) return;
    this.clearRestartTimer();
    this.setStatus(this.crashes.length > 0 && this.statusValue.kind === 'restarting' ? this.statusValue : { kind: 'starting' });
    this.launch();
  }

  /** The user chose "Restart Engine" after main gave up: forget the crash history. */
  restartAfterGivingUp(): void {
    this.crashes = [];
    this.start();
  }

  /** Loads a folder's config in the engine without adding it (for the approval dialog). */
  preview(dir: string): Promise<ProjectPreview> {
    const process = this.process;
    if (process === null || this.statusValue.kind !== 'running') return Promise.reject(new Error('the engine is not running'));
    const id = this.nextPreviewId++;
    return new Promise<ProjectPreview>((resolve, reject) => {
      this.previews.set(id, { resolve, reject });
      process.send({ type: 'host.preview', id, dir });
    });
  }

  /**
   * Resolves once the engine runs: at once, or after it finishes starting or restarting.
   * Rejects when it will not run without the user (it gave up, or reported a fatal
   * error) or when locald is quitting.
   */
  whenRunning(): Promise<void> {
    const now = engineReadiness(this.statusValue);
    if (now.kind === 'ready') return Promise.resolve();
    if (now.kind === 'unavailable') return Promise.reject(new Error(now.message));
    return new Promise((resolve, reject) => this.runningWaiters.push({ resolve, reject }));
  }

  /**
   * Stops the engine (and so every service). Resolves once the process has exited.
   * New requests are refused at once; those in flight (a project being switched off, say)
   * may finish first, within the grace period: they stop what quitting stops, and cutting
   * them off would only turn them into errors.
   */
  stop(): Promise<void> {
    if (this.stopping !== null) return this.stopping;
    this.clearRestartTimer();
    this.clearReadyTimer();
    const process = this.process;
    this.setStatus({ kind: 'stopping' });
    this.bridge.refuseNewRequests(QUITTING);
    if (process === null) {
      this.failRequestsInFlight(QUITTING);
      this.stopping = Promise.resolve();
      return this.stopping;
    }
    const exited = new Promise<void>((resolve) => process.onExit(() => resolve()));
    this.stopping = this.drain(exited).then(() => {
      this.failRequestsInFlight(QUITTING);
      return this.shutdown(process, exited);
    });
    return this.stopping;
  }

  private async drain(exited: Promise<void>): Promise<void> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const deadline = new Promise<void>((resolve) => (timer = setTimeout(resolve, this.options.shutdownGraceMs)));
    await Promise.race([this.bridge.whenIdle(), exited, deadline]);
    clearTimeout(timer);
  }

  private shutdown(process: EngineProcess, exited: Promise<void>): Promise<void> {
    if (this.process !== process) return exited;
    const killTimer = setTimeout(() => {
      this.options.onProblem?.(`engine did not stop within ${this.options.shutdownGraceMs} ms; killing it`);
      process.kill();
    }, this.options.shutdownGraceMs);
    try {
      process.send({ type: 'host.shutdown' });
    } catch {
      process.kill();
    }
    return exited.finally(() => clearTimeout(killTimer));
  }

  /** Engine requests and config previews still waiting fail now instead of hanging. */
  private failRequestsInFlight(reason: string): void {
    this.bridge.engineUnavailable(reason);
    const previews = [...this.previews.values()];
    this.previews.clear();
    for (const waiting of previews) waiting.reject(new Error(reason));
  }

  private launch(): void {
    let process: EngineProcess;
    try {
      process = this.options.spawn();
    } catch (error) {
      this.handleExit(null, `could not start the engine: ${(error as Error).message}`);
      return;
    }
    this.process = process;
    let fatal: string | null = null;
    let heldElsewhere = false;
    process.onMessage((message) => {
      if (isRecord(message) && message.type === 'host.fatal' && typeof message.message === 'string') {
        fatal = message.message;
        heldElsewhere = message.heldElsewhere === true;
      }
      this.handleMessage(process, message);
    });
    process.onExit((code) => {
      if (this.process !== process) return;
      this.process = null;
      this.clearReadyTimer();
      if (this.stopping !== null) return;
      if (heldElsewhere && fatal !== null) this.heldElsewhere(fatal);
      else this.handleExit(fatal, describeEngineExit(code));
    });
    this.readyTimer = setTimeout(() => {
      this.options.onProblem?.(`engine did not report ready within ${this.options.readyTimeoutMs} ms; restarting it`);
      process.kill();
    }, this.options.readyTimeoutMs);
  }

  private handleMessage(from: EngineProcess, message: unknown): void {
    if (this.process !== from) return;
    if (isResponseMessage(message) || isEventMessage(message)) {
      this.bridge.fromEngine(message);
      return;
    }
    if (!isRecord(message)) {
      this.options.onProblem?.('engine sent a message that is not an object');
      return;
    }
    switch (message.type) {
      case 'host.ready': {
        this.clearReadyTimer();
        this.infoValue = message.info as EngineInfo;
        this.bridge.engineAvailable();
        this.setStatus({ kind: 'running' });
        this.options.onReady?.(this.infoValue);
        return;
      }
      case 'host.previewResult': {
        const id = message.id as number;
        const waiting = this.previews.get(id);
        if (waiting === undefined) return;
        this.previews.delete(id);
        waiting.resolve(message.result as ProjectPreview);
        return;
      }
      case 'host.projectRequest': {
        const id = message.id as number;
        const dir = message.dir as string;
        const ask = this.options.onProjectRequest ?? (() => Promise.resolve<ProjectRequestResult>({ outcome: 'ask_terminal' }));
        void ask(dir)
          .catch((error: unknown): ProjectRequestResult => ({ outcome: 'declined', message: (error as Error).message }))
          .then((result) => {
            // The engine that asked may have been restarted meanwhile; its successor never asked.
            if (this.process === from) from.send({ type: 'host.projectAnswer', id, result });
          });
        return;
      }
      case 'host.stopped':
        return;
      case 'host.fatal':
        // An engine that cannot run is not waited for (until the ready timeout): once it
        // is gone, its exit reports the reason and the tray offers Restart Engine.
        if (this.stopping === null) from.kill();
        return;
      default:
        this.options.onProblem?.(`engine sent an unknown message type ${JSON.stringify(message.type)}`);
    }
  }

  /** Not a crash: nothing restarts it until the user chooses Retry (after quitting the other engine). */
  private heldElsewhere(message: string): void {
    this.failRequestsInFlight(message);
    this.setStatus({ kind: 'heldElsewhere', message });
  }

  private handleExit(fatal: string | null, exitText: string): void {
    const reason = fatal ?? exitText;
    this.bridge.engineUnavailable(`${reason}; locald is restarting it`);
    const previews = [...this.previews.values()];
    this.previews.clear();
    for (const waiting of previews) waiting.reject(new Error(reason));
    if (fatal !== null) {
      this.setStatus({ kind: 'crashed', message: fatal });
      return;
    }
    const now = this.options.now();
    this.crashes = pruneCrashHistory([...this.crashes, now], now, this.options.policy);
    const decision = nextEngineRestart(this.crashes, now, this.options.policy);
    if (decision.action === 'giveUp') {
      this.setStatus({ kind: 'crashed', message: `${reason}; ${decision.reason}` });
      return;
    }
    this.setStatus({ kind: 'restarting', attempt: decision.attempt, message: reason });
    this.restartTimer = setTimeout(() => {
      this.restartTimer = null;
      if (this.stopping === null) this.launch();
    }, decision.delayMs);
  }

  private setStatus(status: EngineStatus): void {
    this.statusValue = status;
    const now = engineReadiness(status);
    if (now.kind !== 'wait') {
      const waiters = this.runningWaiters;
      this.runningWaiters = [];
      for (const waiter of waiters) {
        if (now.kind === 'ready') waiter.resolve();
        else waiter.reject(new Error(now.message));
      }
    }
    this.options.onStatus?.(status);
  }

  private clearRestartTimer(): void {
    if (this.restartTimer !== null) clearTimeout(this.restartTimer);
    this.restartTimer = null;
  }

  private clearReadyTimer(): void {
    if (this.readyTimer !== null) clearTimeout(this.readyTimer);
    this.readyTimer = null;
  }
}
