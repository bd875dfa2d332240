// What main knows between events, shared by the tray, the actions and the lifecycle: the
// engine's projects and status, problems to show, and whether the app is quitting. Plain
// data and pure rules; the Electron modules read and change it.
import type { ProjectState } from '../../shared/state.js';
import type { EngineStatus } from './engine-supervision.js';
import type { TrayState } from './tray-menu.js';

export class ShellState {
  readonly projects = new Map<string, ProjectState>();
  engineStatus: EngineStatus = { kind: 'starting' };
  /** Problems outside any project's own state (a reset registry, an unreadable login shell). */
  readonly configErrors: string[] = [];
  /** Set by before-quit: from then on, failures caused by the quit are not errors to show. */
  quitting = false;
  /**
   * Projects a terminal's `locald up` had approved here: its Ctrl+C switches them off
   * (projects.stop), and the registry follows, so the next launch does not start them again.
   */
  readonly fromTerminal = new Set<string>();

  addConfigErrors(problems: readonly string[]): void {
    for (const problem of problems) if (!this.configErrors.includes(problem)) this.configErrors.push(problem);
  }

  /**
   * Records a project's new state and returns its previous one. `true` in `switchOff` when
   * the registry should record it as switched off: a terminal-approved project stopped
   * (its `locald up` ended), not because the app quits.
   */
  applyProjectState(next: ProjectState, registered: boolean): { previous: ProjectState | undefined; switchOff: boolean } {
    const previous = this.projects.get(next.name);
    this.projects.set(next.name, next);
    const switchOff = next.status === 'stopped' && this.fromTerminal.delete(next.name) && !this.quitting && registered;
    return { previous, switchOff };
  }
}

export interface TrayInputs {
  startAtLogin: boolean;
  awaitingApproval: Iterable<string>;
  waitingToAdd: Iterable<string>;
  notificationsOn: (project: ProjectState) => boolean;
}

export function trayStateOf(state: ShellState, inputs: TrayInputs): TrayState {
  const projects = [...state.projects.values()];
  return {
    projects,
    engine: state.engineStatus,
    startAtLogin: inputs.startAtLogin,
    configErrors: state.configErrors,
    awaitingApproval: [...inputs.awaitingApproval],
    waitingToAdd: [...inputs.waitingToAdd],
    notificationsOff: projects.filter((project) => !inputs.notificationsOn(project)).map((project) => project.name),
  };
}
