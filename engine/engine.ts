// The engine: projects, their supervisors, and the typed API every client uses.
// It knows nothing about transports (CLI, WebSocket, MessagePort) or about Electron.
import { EventEmitter } from 'node:events';
import { watch, type FSWatcher } from 'node:fs';
import { basename, dirname, isAbsolute, resolve } from 'node:path';
import { DEFAULT_CAPTURE_SETTINGS, formatConfigIssue, type CaptureSettings, type ConfigIssue, type ProjectConfig } from '../shared/config.js';
import type {
  EngineApi,
  EngineEvent,
  EngineEvents,
  EngineInfo,
  EngineMethod,
  EngineMethods,
  ParamsOf,
  ProjectRequestResult,
  ResultOf,
} from '../shared/api.js';
import { DASHBOARD_HOST } from '../shared/defaults.js';
import type { LogLine, ProjectState, ServiceState } from '../shared/state.js';
import { loadProject } from './config/index.js';
import { commandsHash } from './approval-hash.js';
import { decideReload, type ReloadPolicy } from './config-reload.js';
import { EngineError, invalidFieldError } from './engine-error.js';
import { projectUrl, summariseProject } from './project-status.js';
import type { ProxyBackend } from './proxy/backend.js';
import { ProjectSupervisor } from './supervisor/index.js';
import type { TrafficService } from './traffic-service.js';
import { isFieldError, parseReplayEdits } from './capture/replay-validate.js';
import type { ExchangeSummary } from '../shared/traffic.js';
import { rulesHandlers } from './rules/handlers.js';
import { RulesService } from './rules/store.js';

export interface EngineOptions {
  home: string;
  /** The proxy's port, for URLs. Set it once the proxy is listening. */
  httpPort: number;
  version: string;
  /** Extra environment for every service (e.g. NODE_EXTRA_CA_CERTS). */
  serviceEnv?: Record<string, string>;
  stopGraceMs?: number;
  /** How often batched log events are flushed. */
  logFlushMs?: number;
  /**
   * What a changed config file does: 'apply' (the terminal user who ran `locald up` owns the
   * file) or 'approve' (the desktop app: changed commands wait for the user's approval).
   */
  reloadPolicy?: ReloadPolicy;
  /** Watch config files and reload on change; default true. */
  watch?: boolean;
  /**
   * Who approves a project a client asks to run (`projects.request`): the desktop app's
   * dialog. Without it (`locald up`), the client is told to ask on its own terminal.
   */
  requestProject?: (dir: string) => Promise<ProjectRequestResult>;
  /** How long a breakpoint holds an exchange before it continues unchanged; default 5 minutes. */
  breakpointTimeoutMs?: number;
}

interface ProjectEntry {
  key: string;
  dir: string;
  file: string;
  config: ProjectConfig | null;
  issues: ConfigIssue[];
  supervisor: ProjectSupervisor | null;
  enabled: boolean;
  stopping: boolean;
  /** Serialises start/stop so a toggle storm never interleaves them. */
  transition: Promise<unknown>;
  /**
   * The supervisor whose start() is in progress. A start resolves only when every service is
   * ready or has failed (a readiness timeout can be minutes), so a stop queued behind it
   * would wait that long: a stop stops this supervisor at once instead, which ends the start.
   */
  starting: ProjectSupervisor | null;
  /** Bumped by every stop request: a start queued before it does not run. */
  stopRequests: number;
  cached: ProjectState | null;
  /** A changed config waiting for approval, and what changed. */
  pending: { config: ProjectConfig; changes: string[] } | null;
  watcher: FSWatcher | null;
  reloadTimer: NodeJS.Timeout | null;
  /** Set by projects.persistTraffic (the UI's toggle); wins over `[capture] persist` until the engine stops. */
  persistOverride: boolean | null;
}

const RELOAD_DEBOUNCE_MS = 150;

type Handler<M extends EngineMethod> = (params: ParamsOf<M>) => Promise<ResultOf<M>> | ResultOf<M>;

export class Engine implements EngineApi, ProxyBackend {
  private readonly projects = new Map<string, ProjectEntry>();
  private readonly events = new EventEmitter();
  private seq = 0;
  private pendingLogs: LogLine[] = [];
  private logTimer: NodeJS.Timeout | null = null;
  private readonly handlers: { [M in EngineMethod]: Handler<M> };
  private traffic: TrafficService | null = null;
  /** Each project's rules and the paused exchanges; the proxy asks it per exchange (forRequest / forResponse). */
  readonly rules: RulesService;

  constructor(private readonly options: EngineOptions) {
    this.events.setMaxListeners(0);
    this.rules = new RulesService({
      home: options.home,
      emit: (event, data) => this.events.emit(event, data),
      log: (project, text) => this.queueLog({ seq: ++this.seq, time: Date.now(), project, service: 'locald', stream: 'system', text }),
      ...(options.breakpointTimeoutMs !== undefined ? { breakpointTimeoutMs: options.breakpointTimeoutMs } : {}),
      watch: options.watch !== false,
    });
    this.handlers = {
      'engine.info': () => this.info(),
      'projects.list': () => this.listProjects(),
      'projects.add': (p) => this.addProject(requireString(p, 'dir')),
      'projects.request': (p) => this.requestProject(requireString(p, 'dir')),
      'projects.remove': (p) => this.removeProject(requireString(p, 'project')),
      'projects.start': (p) => this.startProject(requireString(p, 'project')),
      'projects.stop': (p) => this.stopProject(requireString(p, 'project')),
      'projects.approve': (p) => this.approveProject(requireString(p, 'project'), typeof p.hash === 'string' ? p.hash : undefined),
      'projects.persistTraffic': (p) => this.persistTraffic(requireString(p, 'project'), (p as { persist?: unknown }).persist === true),
      'services.restart': (p) => this.restartService(requireString(p, 'project'), requireString(p, 'service')),
      'logs.read': (p) => this.readLogs(p),
      'traffic.list': (p) => this.requireTraffic().list(optionalNumber(p, 'limit')),
      'traffic.get': (p) => found(this.requireTraffic().get(requireId(p)), p),
      'traffic.body': (p) => {
        const which = (p as { which?: unknown }).which;
        if (which !== 'request' && which !== 'response') throw new EngineError('invalid_params', "'which' must be 'request' or 'response'");
        const q = p as { decode?: unknown; original?: unknown };
        return found(this.requireTraffic().body(requireId(p), which, q.decode !== false, q.original === true), p);
      },
      'traffic.pin': (p) => found(this.requireTraffic().pin(requireId(p), (p as { pinned?: unknown }).pinned === true), p),
      'traffic.clear': () => {
        const cleared = this.requireTraffic().clear();
        this.events.emit('traffic.cleared', { cleared });
        return { cleared };
      },
      'traffic.har': (p) => {
        const ids = (p as { ids?: unknown }).ids;
        if (ids !== undefined && (!Array.isArray(ids) || !ids.every((i) => Number.isInteger(i)))) {
          throw new EngineError('invalid_params', "'ids' must be an array of exchange ids");
        }
        return this.requireTraffic().toHar(ids as number[] | undefined);
      },
      'traffic.replay': (p) => {
        const id = requireId(p);
        if (this.requireTraffic().get(id) === undefined) throw new EngineError('not_found', `no captured exchange with id ${id}`);
        const edits = parseReplayEdits((p as { edits?: unknown }).edits);
        if (isFieldError(edits)) throw invalidFieldError(edits);
        return this.requireTraffic().replay(id, edits);
      },
      'traffic.stats': () => this.requireTraffic().stats(),
      'traffic.importHar': (p) => {
        const har = (p as { har?: unknown }).har;
        if (har === undefined) throw new EngineError('invalid_params', "'har' must be a HAR 1.2 object ({ log: { entries: [...] } })");
        return this.requireTraffic().importHar(har);
      },
      ...rulesHandlers(this.rules, (project) => this.requireProject(project)),
    };
  }

  private captureSettings(entry: ProjectEntry, config: ProjectConfig | null = entry.config): CaptureSettings {
    const settings = config?.capture ?? DEFAULT_CAPTURE_SETTINGS;
    return entry.persistOverride === null ? settings : { ...settings, persist: entry.persistOverride };
  }

  private configureCapture(entry: ProjectEntry, config: ProjectConfig): void {
    this.traffic?.configureProject(config.name, this.captureSettings(entry, config));
  }

  /** The inspector's toggle: keep this project's traffic on disk across restarts, or stop. */
  persistTraffic(project: string, persist: boolean): ProjectState {
    const entry = this.requireProject(project);
    entry.persistOverride = persist;
    if (entry.config !== null) this.configureCapture(entry, entry.config);
    this.publish(entry);
    return this.stateOf(entry);
  }

  /** Connects traffic capture; its batches become `traffic.batch` events. */
  attachTraffic(traffic: TrafficService): void {
    this.traffic = traffic;
  }

  /** For capture: forwards evicted ids, then the batch of new or changed exchanges, to subscribers. */
  publishTraffic(batch: ExchangeSummary[], evicted: number[] = []): void {
    if (batch.length === 0 && evicted.length === 0) return;
    // Evictions first: the two sets are disjoint, and a list that drops rows before adding never overshoots.
    if (evicted.length > 0) this.events.emit('traffic.evicted', { ids: evicted });
    if (batch.length > 0) this.events.emit('traffic.batch', batch);
    // With each batch, so the UI can say how full capture is and what its limits let go of.
    if (this.traffic !== null) this.events.emit('traffic.stats', this.traffic.stats());
  }

  // ---- EngineApi -------------------------------------------------------

  async call<M extends EngineMethod>(method: M, params: ParamsOf<M>): Promise<ResultOf<M>> {
    const handler = this.handlers[method] as Handler<M> | undefined;
    if (handler === undefined) throw new EngineError('unknown_method', `unknown method '${String(method)}'`);
    if (params === null || typeof params !== 'object') {
      throw new EngineError('invalid_params', `${method}: params must be an object`);
    }
    return handler(params);
  }

  subscribe<E extends EngineEvent>(event: E, handler: (data: EngineEvents[E]) => void): () => void {
    const listener = (data: EngineEvents[E]): void => {
      try {
        handler(data);
      } catch {
        // A faulty subscriber must not break the engine or other subscribers.
      }
    };
    this.events.on(event, listener);
    return () => this.events.off(event, listener);
  }

  // ---- ProxyBackend ----------------------------------------------------

  getProject(name: string): ProjectState | undefined {
    const entry = this.projects.get(name.toLowerCase());
    return entry === undefined ? undefined : this.stateOf(entry);
  }

  listProjects(): ProjectState[] {
    return [...this.projects.values()].map((e) => this.stateOf(e));
  }

  recentLogs(project: string, service: string, limit: number): LogLine[] {
    const entry = this.projects.get(project.toLowerCase());
    return entry?.supervisor?.logs({ service, limit }) ?? [];
  }

  // ---- methods ---------------------------------------------------------

  info(): EngineInfo {
    return {
      version: this.options.version,
      httpPort: this.options.httpPort,
      dashboardUrl: `http://${DASHBOARD_HOST}:${this.options.httpPort}/`,
      home: this.options.home,
      pid: process.pid,
    };
  }

  /** The client's folder must be absolute: the engine's working directory is not the client's. */
  private async requestProject(dir: string): Promise<ProjectRequestResult> {
    if (!isAbsolute(dir)) throw new EngineError('invalid_params', `dir: must be an absolute path, got ${JSON.stringify(dir)}`, { field: 'dir' });
    const ask = this.options.requestProject;
    return ask === undefined ? { outcome: 'ask_terminal' } : ask(dir);
  }

  setHttpPort(port: number): void {
    this.options.httpPort = port;
    for (const entry of this.projects.values()) this.invalidate(entry);
  }

  /**
   * Loads a project folder (or a locald.toml path). An invalid config is not thrown away:
   * it is registered with its issues so every surface can show them, and the call fails
   * with `config_invalid` carrying the issues.
   */
  async addProject(dirOrFile: string): Promise<ProjectState> {
    const result = await loadProject(resolve(dirOrFile));
    if (!result.ok) {
      const file = result.issues[0]?.file ?? resolve(dirOrFile);
      throw new EngineError('config_invalid', `invalid config in ${file}`, { issues: result.issues });
    }
    const config = result.config;
    const key = config.name.toLowerCase();
    const existing = this.projects.get(key);
    if (existing !== undefined && existing.dir !== config.dir) {
      const issue: ConfigIssue = {
        file: config.file,
        keyPath: 'name',
        message: `project name '${config.name}' is already used by ${existing.file}`,
        hint: `set a different name, e.g. name = "${config.name}-${basename(config.dir).toLowerCase().replace(/[^a-z0-9-]/g, '-')}"`,
      };
      throw new EngineError('config_invalid', issue.message, { issues: [issue] });
    }
    if (existing !== undefined) return this.stateOf(existing);
    const entry: ProjectEntry = {
      key,
      dir: config.dir,
      file: config.file,
      config,
      issues: result.warnings,
      supervisor: null,
      enabled: false,
      stopping: false,
      transition: Promise.resolve(),
      starting: null,
      stopRequests: 0,
      cached: null,
      pending: null,
      watcher: null,
      reloadTimer: null,
      persistOverride: null,
    };
    entry.supervisor = this.createSupervisor(config);
    this.projects.set(key, entry);
    await this.rules.openProject(config.name, config.dir, serviceNames(config));
    this.configureCapture(entry, config);
    if (this.options.watch !== false) this.watch(entry);
    this.publish(entry);
    return this.stateOf(entry);
  }

  async removeProject(project: string): Promise<{ removed: boolean }> {
    const entry = this.projects.get(project.toLowerCase());
    if (entry === undefined) return { removed: false };
    await this.stopProject(project);
    this.unwatch(entry);
    this.projects.delete(entry.key);
    this.rules.closeProject(entry.config?.name ?? entry.key);
    this.traffic?.forgetProject(entry.config?.name ?? entry.key);
    this.events.emit('project.removed', { project: entry.config?.name ?? entry.key });
    return { removed: true };
  }

  startProject(project: string): Promise<ProjectState> {
    const entry = this.requireProject(project);
    const stopRequests = entry.stopRequests;
    return this.serialise(entry, async () => {
      if (entry.stopRequests !== stopRequests) return this.stateOf(entry); // a later stop cancelled it
      entry.enabled = true;
      this.publish(entry);
      if (entry.supervisor !== null) await this.startSupervisor(entry, entry.supervisor);
      this.publish(entry);
      return this.stateOf(entry);
    });
  }

  stopProject(project: string): Promise<ProjectState> {
    const entry = this.requireProject(project);
    entry.stopRequests++;
    // Cancels a start in progress now (readiness and dependency waits end, nothing more is
    // spawned); the serialised stop below then finds it stopping or stopped.
    void entry.starting?.stop().catch(() => undefined); // the serialised stop reports failures
    return this.serialise(entry, async () => {
      if (entry.supervisor === null) {
        entry.enabled = false;
        return this.stateOf(entry);
      }
      entry.stopping = true;
      this.publish(entry);
      try {
        await entry.supervisor.stop();
      } finally {
        entry.stopping = false;
        entry.enabled = false;
        this.publish(entry);
      }
      return this.stateOf(entry);
    });
  }

  async restartService(project: string, service: string): Promise<ServiceState> {
    const entry = this.requireProject(project);
    const supervisor = entry.supervisor;
    if (supervisor === null || supervisor.state(service) === undefined) {
      const known = entry.config?.services.map((s) => s.name).join(', ') ?? '';
      throw new EngineError('not_found', `project '${project}' has no service '${service}' (services: ${known})`);
    }
    entry.enabled = true;
    const state = await supervisor.restartService(service);
    this.publish(entry);
    return state;
  }

  readLogs(params: EngineMethods['logs.read']['params']): LogLine[] {
    const entry = this.requireProject(requireString(params, 'project'));
    const opts: { service?: string; limit?: number; afterSeq?: number } = {};
    if (typeof params.service === 'string') opts.service = params.service;
    if (typeof params.limit === 'number') opts.limit = Math.max(0, Math.min(10_000, Math.floor(params.limit)));
    if (typeof params.afterSeq === 'number') opts.afterSeq = params.afterSeq;
    return entry.supervisor?.logs(opts) ?? [];
  }

  /** Applies the config change that waits for approval; restarts the project if it runs. */
  approveProject(project: string, hash?: string): Promise<ProjectState> {
    const entry = this.requireProject(project);
    const pending = entry.pending;
    if (pending === null) throw new EngineError('not_found', `project '${project}' has no change waiting for approval`);
    if (hash !== undefined && hash !== commandsHash(pending.config)) {
      throw new EngineError('invalid_params', `the commands of '${project}' changed again since they were shown; review them again`);
    }
    return this.serialise(entry, () => this.applyConfig(entry, pending.config, true));
  }

  /** Re-reads a project's config file now (the watcher calls this after a change). */
  reloadProject(project: string): Promise<ProjectState> {
    const entry = this.requireProject(project);
    return this.serialise(entry, async () => {
      const current = entry.config;
      if (current === null) return this.stateOf(entry);
      const decision = decideReload(current, await loadProject(entry.file), this.options.reloadPolicy ?? 'apply');
      switch (decision.kind) {
        case 'invalid':
          // The last good config keeps running; every surface shows why the new one was refused.
          entry.issues = decision.issues;
          this.queueSystemLog(entry, `config not reloaded: ${decision.issues.map(formatConfigIssue).join('; ')}`);
          this.publish(entry);
          return this.stateOf(entry);
        case 'unchanged':
          entry.issues = decision.warnings;
          entry.pending = null;
          this.publish(entry);
          return this.stateOf(entry);
        case 'approve':
          entry.issues = decision.warnings;
          entry.pending = { config: decision.config, changes: decision.changed };
          this.queueSystemLog(entry, `config changed; waiting for approval: ${decision.changed.join('; ')}`);
          this.publish(entry);
          return this.stateOf(entry);
        case 'apply':
          entry.issues = decision.warnings;
          this.queueSystemLog(entry, decision.restart ? 'config changed; restarting the project' : 'config changed; routes updated');
          return this.applyConfig(entry, decision.config, decision.restart);
      }
    });
  }

  /** Stops every project and waits until every process is gone. */
  async shutdown(): Promise<void> {
    for (const entry of this.projects.values()) this.unwatch(entry);
    this.rules.close();
    await Promise.allSettled([...this.projects.values()].map((e) => this.stopProject(e.key)));
    this.flushLogs();
  }

  /**
   * SIGKILL to every service's process group now, without a grace period (a second Ctrl+C).
   * A stop in progress then finishes at once; resolves when the groups are gone.
   */
  async killAll(): Promise<void> {
    const supervisors = new Set<ProjectSupervisor>();
    for (const entry of this.projects.values()) {
      entry.stopRequests++;
      for (const s of [entry.supervisor, entry.starting]) if (s !== null) supervisors.add(s);
    }
    await Promise.allSettled([...supervisors].map((s) => s.kill()));
    this.flushLogs();
  }

  // ---- internals -------------------------------------------------------

  private async applyConfig(entry: ProjectEntry, config: ProjectConfig, restart: boolean): Promise<ProjectState> {
    entry.pending = null;
    this.configureCapture(entry, config);
    await this.rules.setServices(config.name, serviceNames(config));
    if (!restart) {
      // Routes and other proxy-only settings: the proxy reads them from the state on every request.
      entry.config = config;
      this.publish(entry);
      return this.stateOf(entry);
    }
    const wasEnabled = entry.enabled;
    if (entry.supervisor !== null && wasEnabled) {
      entry.stopping = true;
      this.publish(entry);
      try {
        await entry.supervisor.stop();
      } finally {
        entry.stopping = false;
      }
    }
    entry.config = config;
    entry.supervisor = this.createSupervisor(config);
    this.publish(entry);
    if (wasEnabled) await this.startSupervisor(entry, entry.supervisor);
    this.publish(entry);
    return this.stateOf(entry);
  }

  private async startSupervisor(entry: ProjectEntry, supervisor: ProjectSupervisor): Promise<void> {
    entry.starting = supervisor;
    try {
      await supervisor.start();
    } finally {
      if (entry.starting === supervisor) entry.starting = null;
    }
  }

  private watch(entry: ProjectEntry): void {
    try {
      // The folder, not the file: editors save by renaming a new file over the old one.
      // Env files next to it count too (per the config of the moment): their values are part of what the user approved.
      const watchedNames = (): string[] =>
        [entry.file, ...(entry.config?.services.flatMap((s) => s.envFiles ?? []).map((ref) => ref.path) ?? [])].filter((file) => dirname(file) === dirname(entry.file)).map((file) => basename(file));
      entry.watcher = watch(dirname(entry.file), { persistent: false }, (_event, changed) => {
        if (changed !== null && !watchedNames().includes(changed.toString())) return;
        if (entry.reloadTimer !== null) clearTimeout(entry.reloadTimer);
        entry.reloadTimer = setTimeout(() => {
          entry.reloadTimer = null;
          void this.reloadProject(entry.key).catch(() => undefined);
        }, RELOAD_DEBOUNCE_MS);
        entry.reloadTimer.unref();
      });
      entry.watcher.on('error', () => this.unwatch(entry));
    } catch {
      // Watching is a convenience; a folder that cannot be watched still runs.
      entry.watcher = null;
    }
  }

  private unwatch(entry: ProjectEntry): void {
    entry.watcher?.close();
    entry.watcher = null;
    if (entry.reloadTimer !== null) clearTimeout(entry.reloadTimer);
    entry.reloadTimer = null;
  }

  private queueSystemLog(entry: ProjectEntry, text: string): void {
    this.queueLog({ seq: ++this.seq, time: Date.now(), project: entry.config?.name ?? entry.key, service: 'locald', stream: 'system', text });
  }

  private createSupervisor(config: ProjectConfig): ProjectSupervisor {
    return new ProjectSupervisor(config, {
      stateDir: this.options.home,
      nextSeq: () => ++this.seq,
      onState: (project) => {
        const entry = this.projects.get(project.toLowerCase());
        if (entry !== undefined) this.publish(entry);
      },
      onLog: (line) => this.queueLog(line),
      ...(this.options.serviceEnv !== undefined ? { extraEnv: this.options.serviceEnv } : {}),
      ...(this.options.stopGraceMs !== undefined ? { stopGraceMs: this.options.stopGraceMs } : {}),
      envFilesNeedApproval: this.options.reloadPolicy === 'approve',
    });
  }

  private requireTraffic(): TrafficService {
    if (this.traffic === null) throw new EngineError('internal', 'traffic capture is not running in this engine');
    return this.traffic;
  }

  private requireProject(project: string): ProjectEntry {
    const entry = this.projects.get(project.toLowerCase());
    if (entry === undefined) {
      const known = [...this.projects.values()].map((e) => e.config?.name ?? e.key);
      throw new EngineError(
        'not_found',
        `no project named '${project}'` + (known.length > 0 ? ` (projects: ${known.join(', ')})` : ' (no projects are loaded)'),
      );
    }
    return entry;
  }

  private serialise<T>(entry: ProjectEntry, work: () => Promise<T>): Promise<T> {
    const next = entry.transition.then(work, work);
    entry.transition = next.catch(() => undefined);
    return next;
  }

  private stateOf(entry: ProjectEntry): ProjectState {
    if (entry.cached !== null) return entry.cached;
    const services = entry.supervisor?.states() ?? [];
    const name = entry.config?.name ?? entry.key;
    const state: ProjectState = {
      name,
      dir: entry.dir,
      file: entry.file,
      status: summariseProject(
        { enabled: entry.enabled, stopping: entry.stopping, unloadable: entry.config === null },
        services,
      ),
      url: projectUrl(name, this.options.httpPort),
      services,
      routes: entry.config?.routes ?? [],
      configIssues: entry.issues,
      pendingApproval: entry.pending === null ? null : { changes: entry.pending.changes, hash: commandsHash(entry.pending.config) },
    };
    if (this.captureSettings(entry).persist) state.persistTraffic = true;
    entry.cached = state;
    return state;
  }

  private invalidate(entry: ProjectEntry): void {
    entry.cached = null;
  }

  private publish(entry: ProjectEntry): void {
    // The log lines that led to this state go out first, so subscribers see them in order.
    this.flushLogs();
    this.invalidate(entry);
    this.events.emit('project.state', this.stateOf(entry));
  }

  private queueLog(line: LogLine): void {
    this.pendingLogs.push(line);
    if (this.logTimer === null) {
      this.logTimer = setTimeout(() => this.flushLogs(), this.options.logFlushMs ?? 50);
      this.logTimer.unref();
    }
  }

  private flushLogs(): void {
    if (this.logTimer !== null) clearTimeout(this.logTimer);
    this.logTimer = null;
    if (this.pendingLogs.length === 0) return;
    const batch = this.pendingLogs;
    this.pendingLogs = [];
    this.events.emit('service.log', batch);
  }
}

function requireId(params: object): number {
  const id = (params as Record<string, unknown>).id;
  if (typeof id !== 'number' || !Number.isInteger(id) || id < 0) throw new EngineError('invalid_params', "'id' must be an exchange id");
  return id;
}

function optionalNumber(params: object, key: string): number | undefined {
  const value = (params as Record<string, unknown>)[key];
  if (value === undefined) return undefined;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) throw new EngineError('invalid_params', `'${key}' must be a non-negative number`);
  return Math.floor(value);
}

function found<T>(value: T | undefined, params: object): T {
  if (value === undefined) throw new EngineError('not_found', `no captured exchange with id ${String((params as { id?: unknown }).id)}`);
  return value;
}

function requireString(params: object, key: string): string {
  const value = (params as Record<string, unknown>)[key];
  if (typeof value !== 'string' || value === '') {
    throw new EngineError('invalid_params', `'${key}' must be a non-empty string`);
  }
  return value;
}

function serviceNames(config: ProjectConfig): string[] {
  return config.services.map((s) => s.name);
}
