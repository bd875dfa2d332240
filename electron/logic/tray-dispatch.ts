// What each tray item does, as calls on the app's actions: main's Electron modules
// implement TrayActionTarget; tests record the calls.
import type { InspectorFilter } from '../../shared/desktop.js';
import type { ProjectState } from '../../shared/state.js';
import type { TrayAction } from './tray-menu.js';

export interface TrayActionTarget {
  /** The engine's current state of a project, or undefined when it is gone. */
  project(name: string): ProjectState | undefined;
  setEnabled(project: ProjectState, enable: boolean): Promise<void>;
  reviewChanges(project: ProjectState): Promise<void>;
  remove(project: ProjectState): Promise<void>;
  addProject(): Promise<void>;
  openExternal(url: string): Promise<void>;
  restartService(project: string, service: string): Promise<void>;
  openInspector(filter: InspectorFilter | undefined): void;
  revealFile(path: string): void;
  trustCertificate(): Promise<void>;
  setNotifications(project: string, enable: boolean): Promise<void>;
  setStartAtLogin(enable: boolean): void;
  restartEngine(): void;
  quit(): void;
}

export async function dispatchTrayAction(action: TrayAction, target: TrayActionTarget): Promise<void> {
  switch (action.type) {
    case 'toggleProject':
    case 'reviewApproval':
    case 'removeProject': {
      // The menu may be older than the engine's last event: a project removed since is skipped.
      const project = target.project(action.project);
      if (project === undefined) return;
      if (action.type === 'toggleProject') return target.setEnabled(project, action.enable);
      // Changed commands (pendingApproval): dialog, then projects.approve; cancel keeps the old processes.
      if (action.type === 'reviewApproval') return target.reviewChanges(project);
      return target.remove(project);
    }
    case 'openUrl':
      return target.openExternal(action.url);
    case 'restartService':
      return target.restartService(action.project, action.service);
    case 'openInspector':
      return target.openInspector(action.filter);
    case 'revealConfig':
      return target.revealFile(action.path);
    case 'addProject':
      return target.addProject();
    case 'trustCertificate':
      return target.trustCertificate();
    case 'toggleNotifications':
      return target.setNotifications(action.project, action.enable);
    case 'toggleStartAtLogin':
      return target.setStartAtLogin(action.enable);
    case 'restartEngine':
      return target.restartEngine();
    case 'quit':
      return target.quit();
  }
}
