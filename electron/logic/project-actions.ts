// What the tray's project items do, with every side effect injected: the engine API,
// the registry, and the dialogs. main.ts supplies Electron's dialogs; tests supply
// scripted answers. Errors are returned as text for the user, never thrown at the tray.
import type { EngineApi, ProjectRequestResult } from '../../shared/api.js';
import type { ProjectConfig } from '../../shared/config.js';
import type { ProjectPreview } from '../../shared/engine-host.js';
import { formatConfigIssue } from '../../shared/config.js';
import type { ProjectState } from '../../shared/state.js';
import type { ApprovalPrompt } from './approval.js';
import { approvalPrompt, needsApproval, pendingChangesPrompt } from './approval.js';
import type { ProjectRegistry } from './project-registry.js';

export interface ProjectActionDeps {
  engine: EngineApi;
  registry: ProjectRegistry;
  /** The engine's host.preview: the config and its commands hash. */
  preview: (dir: string) => Promise<ProjectPreview>;
  /** Resolves once the engine runs (waiting while it starts); rejects when it will not. */
  engineReady: () => Promise<void>;
  /** Called when `waitingForEngine` changes, so the tray can say what it waits for. */
  changed?: () => void;
  askApproval: (prompt: ApprovalPrompt) => Promise<boolean>;
  pickFolder: () => Promise<string | null>;
  confirmRemove: (project: string) => Promise<boolean>;
}

export type ActionOutcome = { ok: true; project?: ProjectState } | { ok: false; cancelled?: true; message: string };

/** Project statuses in which the user has it switched on. */
const ACTIVE: ReadonlySet<ProjectState['status']> = new Set(['starting', 'running', 'degraded', 'error']);

function configProblem(result: Extract<ProjectPreview, { ok: false }>): string {
  return result.issues.map(formatConfigIssue).join('\n');
}

export class ProjectActions {
  /** Project names whose changed commands wait for approval (shown in the tray). */
  readonly awaitingApproval = new Set<string>();
  /** Folders picked with Add Project… while the engine was not running yet. */
  readonly waitingForEngine = new Set<string>();

  constructor(private readonly deps: ProjectActionDeps) {}

  /** Loads the config and, when its commands are new or changed, asks the user. */
  private async approve(dir: string): Promise<{ ok: true; config: ProjectConfig; hash: string } | { ok: false; cancelled?: true; message: string }> {
    const result = await this.deps.preview(dir);
    if (!result.ok) return { ok: false, message: configProblem(result) };
    const entry = this.deps.registry.get(dir);
    if (!needsApproval(entry, result.hash)) return { ok: true, config: result.config, hash: result.hash };
    const changed = entry !== undefined && entry.approvedHash !== null;
    if (!(await this.deps.askApproval(approvalPrompt(result.config, changed)))) {
      return { ok: false, cancelled: true, message: `${result.config.name}: commands not approved` };
    }
    return { ok: true, config: result.config, hash: result.hash };
  }

  async addProject(): Promise<ActionOutcome> {
    const dir = await this.deps.pickFolder();
    if (dir === null) return { ok: false, cancelled: true, message: 'cancelled' };
    return this.addFolder(dir);
  }

  /** Add Project… after the folder is known; also what a terminal's `locald up DIR` asks for. */
  async addFolder(dir: string): Promise<ActionOutcome> {
    return this.guard(async () => {
      await this.untilEngineRuns(dir);
      const approval = await this.approve(dir);
      if (!approval.ok) return approval;
      await this.deps.registry.upsert({ dir, approvedHash: approval.hash, enabled: true });
      await this.deps.engine.call('projects.add', { dir });
      const project = await this.deps.engine.call('projects.start', { project: approval.config.name });
      this.awaitingApproval.delete(project.name);
      return { ok: true, project };
    });
  }

  async setEnabled(project: ProjectState, enable: boolean): Promise<ActionOutcome> {
    return this.guard(async () => {
      if (!enable) {
        const stopped = await this.deps.engine.call('projects.stop', { project: project.name });
        await this.updateIfRegistered(project.dir, { enabled: false });
        return { ok: true, project: stopped };
      }
      if ((project.pendingApproval ?? null) !== null) {
        // The engine holds changed commands back; approving them comes before starting.
        const reviewed = await this.reviewChanges(project);
        if (!reviewed.ok) return reviewed;
        await this.deps.registry.update(project.dir, { enabled: true });
        const started = await this.deps.engine.call('projects.start', { project: project.name });
        return { ok: true, project: started };
      }
      const approval = await this.approve(project.dir);
      if (!approval.ok) {
        if (approval.cancelled === true) this.awaitingApproval.add(project.name);
        return approval;
      }
      const hash = approval.hash;
      if (this.deps.registry.get(project.dir) === undefined) {
        await this.deps.registry.upsert({ dir: project.dir, approvedHash: hash, enabled: true });
      } else {
        await this.deps.registry.update(project.dir, { approvedHash: hash, enabled: true });
      }
      this.awaitingApproval.delete(project.name);
      const started = await this.deps.engine.call('projects.start', { project: project.name });
      return { ok: true, project: started };
    });
  }

  /**
   * "Review Changed Commands…". With `pendingApproval` (the engine saw locald.toml change
   * what runs and keeps the old processes): shows the changes and the new commands, and
   * on approval has the engine apply them (`projects.approve`) and records their hash.
   * Cancel changes nothing: the old processes keep running. Without it (main would not
   * start the project because its commands differ from the approved hash), this is
   * switching the project on, which asks first.
   *
   * The hash is of the config from `host.preview`, read before the dialog, so the hash
   * covers exactly the commands the dialog listed. A second preview after approving
   * checks that the file did not change again meanwhile; if it did, the registry keeps
   * the old hash and the engine (whose watcher sees the newer file) asks again.
   */
  async reviewChanges(project: ProjectState): Promise<ActionOutcome> {
    const pending = project.pendingApproval ?? null;
    if (pending === null) return this.setEnabled(project, true);
    return this.guard(async () => {
      const shown = await this.deps.preview(project.dir);
      if (!shown.ok) return { ok: false, message: configProblem(shown) };
      if (!(await this.deps.askApproval(pendingChangesPrompt(shown.config, pending.changes)))) {
        return { ok: false, cancelled: true, message: `${project.name}: changes not approved; the previous commands keep running` };
      }
      const hash = shown.hash;
      // The engine refuses if what it would apply is not what the dialog showed.
      const approved = await this.deps.engine.call('projects.approve', { project: project.name, hash });
      const now = await this.deps.preview(project.dir);
      if (!now.ok || now.hash !== hash) {
        return {
          ok: false,
          message: `${project.file} changed again while you were reviewing it; locald will ask about the newer commands.`,
        };
      }
      await this.recordApproval(project, hash);
      this.awaitingApproval.delete(project.name);
      return { ok: true, project: approved };
    });
  }

  async remove(project: ProjectState): Promise<ActionOutcome> {
    if (!(await this.deps.confirmRemove(project.name))) return { ok: false, cancelled: true, message: 'cancelled' };
    return this.guard(async () => {
      await this.deps.engine.call('projects.remove', { project: project.name });
      await this.deps.registry.remove(project.dir);
      this.awaitingApproval.delete(project.name);
      return { ok: true };
    });
  }

  /**
   * After the engine (re)starts: add every registered folder, and start the enabled ones
   * whose commands are still the approved ones. Changed commands wait for the user.
   */
  async restoreAll(): Promise<string[]> {
    const problems: string[] = [];
    for (const entry of this.deps.registry.list()) {
      try {
        const state = await this.deps.engine.call('projects.add', { dir: entry.dir });
        if (!entry.enabled) continue;
        const result = await this.deps.preview(entry.dir);
        if (!result.ok) {
          problems.push(`${entry.dir}: ${configProblem(result)}`);
          continue;
        }
        if (needsApproval(entry, result.hash)) {
          this.awaitingApproval.add(state.name);
          continue;
        }
        await this.deps.engine.call('projects.start', { project: state.name });
      } catch (error) {
        problems.push(`${entry.dir}: ${(error as Error).message}`);
      }
    }
    return problems;
  }

  private async recordApproval(project: ProjectState, approvedHash: string): Promise<void> {
    if (this.deps.registry.get(project.dir) === undefined) {
      await this.deps.registry.upsert({ dir: project.dir, approvedHash, enabled: ACTIVE.has(project.status) });
    } else {
      await this.deps.registry.update(project.dir, { approvedHash });
    }
  }

  private async updateIfRegistered(dir: string, change: { enabled: boolean }): Promise<void> {
    if (this.deps.registry.get(dir) !== undefined) await this.deps.registry.update(dir, change);
  }

  /** Add Project… may be chosen while the engine starts (a slow login shell); it waits, and the tray says so. */
  private async untilEngineRuns(dir: string): Promise<void> {
    this.waitingForEngine.add(dir);
    this.deps.changed?.();
    try {
      await this.deps.engineReady();
    } finally {
      this.waitingForEngine.delete(dir);
      this.deps.changed?.();
    }
  }

  private async guard(work: () => Promise<ActionOutcome>): Promise<ActionOutcome> {
    try {
      return await work();
    } catch (error) {
      return { ok: false, message: (error as Error).message };
    }
  }
}

/**
 * The error dialog text for an outcome, or null when there is nothing to show: success,
 * the user's own cancel, or anything failing while locald quits (the user is leaving, and
 * quitting is what made the engine refuse).
 */
export function outcomeError(outcome: ActionOutcome, quitting: boolean): string | null {
  if (outcome.ok || outcome.cancelled === true || quitting) return null;
  return outcome.message;
}

/** A terminal's `locald up DIR` (projects.request) gets the app's answer. */
export function projectRequestAnswer(outcome: ActionOutcome, dir: string): ProjectRequestResult {
  if (outcome.ok && outcome.project !== undefined) return { outcome: 'approved', project: outcome.project };
  if (outcome.ok) return { outcome: 'declined', message: `${dir}: the locald app added nothing` };
  if (outcome.cancelled === true) return { outcome: 'declined', message: 'not approved in the locald app; nothing was added' };
  return { outcome: 'declined', message: outcome.message };
}
