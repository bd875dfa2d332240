// The tray menu as plain data, built from state. Main turns it into an Electron Menu
// (electron/tray.ts); keeping it serialisable lets tests compare whole menus.
import { formatConfigIssue } from '../../shared/config.js';
import type { InspectorFilter } from '../../shared/desktop.js';
import type { ProjectState, ProjectStatus, ServiceState, ServiceStatus } from '../../shared/state.js';
import { engineReadiness, type EngineStatus } from './engine-supervision.js';

/** What the engine's utility process is doing, as main sees it. */

export interface TrayState {
  projects: ProjectState[];
  engine: EngineStatus;
  startAtLogin: boolean;
  /** Problems outside any project's own state, e.g. a registry that had to be reset. */
  configErrors: string[];
  /** Projects whose commands changed and wait for the user's approval. */
  awaitingApproval: string[];
  /** Folders picked with Add Project… that are added once the engine runs. */
  waitingToAdd: string[];
  /** Projects whose "Notify on failures" is switched off. */
  notificationsOff: string[];
}

export type TrayAction =
  | { type: 'toggleProject'; project: string; enable: boolean }
  | { type: 'openUrl'; url: string }
  | { type: 'restartService'; project: string; service: string }
  | { type: 'openInspector'; filter?: InspectorFilter }
  | { type: 'revealConfig'; path: string }
  | { type: 'removeProject'; project: string }
  | { type: 'reviewApproval'; project: string }
  | { type: 'addProject' }
  | { type: 'trustCertificate' }
  | { type: 'toggleStartAtLogin'; enable: boolean }
  | { type: 'toggleNotifications'; project: string; enable: boolean }
  | { type: 'restartEngine' }
  | { type: 'quit' };

export type MenuItemSpec =
  | { type: 'normal'; label: string; enabled: boolean; action?: TrayAction; accelerator?: string }
  | { type: 'checkbox'; label: string; checked: boolean; enabled: boolean; action: TrayAction }
  | { type: 'separator' }
  | { type: 'submenu'; label: string; enabled: boolean; submenu: MenuItemSpec[] };

/** 'attention': nothing is failing, but the user has something to decide (changed commands). */
export type TrayIconState = 'idle' | 'running' | 'attention' | 'failing';

const PROJECT_STATUS_TEXT: Record<ProjectStatus, string> = {
  stopped: 'stopped',
  starting: 'starting…',
  running: 'running',
  degraded: 'degraded',
  stopping: 'stopping…',
  error: 'error',
};

const SERVICE_STATUS_TEXT: Record<ServiceStatus, string> = {
  stopped: 'stopped',
  starting: 'starting…',
  ready: 'ready',
  unhealthy: 'unhealthy',
  crashed: 'crashed',
  backoff: 'waiting to restart',
  stopping: 'stopping…',
};

const FAILING_SERVICE: ReadonlySet<ServiceStatus> = new Set(['crashed', 'unhealthy', 'backoff']);
const ACTIVE_PROJECT: ReadonlySet<ProjectStatus> = new Set(['starting', 'running', 'degraded', 'error']);

/** Menu labels are single lines; long reasons are cut so the menu stays usable. */
export function menuLabel(text: string, max = 80): string {
  const line = text.replace(/\s+/g, ' ').trim();
  return line.length > max ? `${line.slice(0, max - 1)}…` : line;
}

function basename(path: string): string {
  const parts = path.split(/[\\/]/);
  return parts[parts.length - 1] || path;
}

function isProjectOn(project: ProjectState): boolean {
  return ACTIVE_PROJECT.has(project.status);
}

function projectHasFailure(project: ProjectState): boolean {
  return (
    project.status === 'error' ||
    project.status === 'degraded' ||
    project.configIssues.length > 0 ||
    project.services.some((service) => FAILING_SERVICE.has(service.status))
  );
}

/**
 * Commands the user has not approved: either the engine holds a changed locald.toml back
 * (pendingApproval, the old processes keep running) or main would not start a project
 * whose commands differ from the registry's approved hash (awaitingApproval).
 */
export function projectNeedsApproval(project: ProjectState, awaitingApproval: readonly string[]): boolean {
  return (project.pendingApproval ?? null) !== null || awaitingApproval.includes(project.name);
}

function serviceLabel(service: ServiceState): string {
  const port = service.port !== null && service.status === 'ready' ? ` :${service.port}` : '';
  return menuLabel(`${service.name} — ${SERVICE_STATUS_TEXT[service.status]}${port}`);
}

function serviceItem(project: ProjectState, service: ServiceState, engineUp: boolean): MenuItemSpec {
  const details: MenuItemSpec[] = [];
  if (service.reason !== null) details.push({ type: 'normal', label: menuLabel(service.reason), enabled: false });
  for (const finding of service.diagnostics) details.push({ type: 'normal', label: menuLabel(finding), enabled: false });
  if (details.length > 0) details.push({ type: 'separator' });
  details.push(
    {
      type: 'normal',
      label: `Restart ${service.name}`,
      enabled: engineUp && isProjectOn(project),
      action: { type: 'restartService', project: project.name, service: service.name },
    },
    {
      type: 'normal',
      label: 'Show in Inspector',
      enabled: true,
      action: { type: 'openInspector', filter: { project: project.name, service: service.name } },
    },
  );
  return { type: 'submenu', label: serviceLabel(service), enabled: true, submenu: details };
}

function notifyItem(project: string, on: boolean): MenuItemSpec {
  return { type: 'checkbox', label: 'Notify on failures', checked: on, enabled: true, action: { type: 'toggleNotifications', project, enable: !on } };
}

function projectSubmenu(project: ProjectState, state: TrayState, engineUp: boolean): MenuItemSpec {
  const items: MenuItemSpec[] = [];
  const on = isProjectOn(project);
  items.push({ type: 'normal', label: `Open ${project.url}`, enabled: on, action: { type: 'openUrl', url: project.url } });
  if (projectNeedsApproval(project, state.awaitingApproval)) {
    items.push({ type: 'separator' });
    for (const change of project.pendingApproval?.changes ?? []) items.push({ type: 'normal', label: menuLabel(change), enabled: false });
    items.push({ type: 'normal', label: 'Review Changed Commands…', enabled: engineUp, action: { type: 'reviewApproval', project: project.name } });
  }
  if (project.services.length > 0) {
    items.push({ type: 'separator' });
    for (const service of project.services) items.push(serviceItem(project, service, engineUp));
  }
  if (project.configIssues.length > 0) {
    items.push({ type: 'separator' });
    for (const issue of project.configIssues) {
      items.push({ type: 'normal', label: menuLabel(`⚠ ${formatConfigIssue(issue).split('\n')[0] ?? issue.message}`), enabled: false });
    }
  }
  items.push(
    { type: 'separator' },
    { type: 'normal', label: 'Open in Inspector', enabled: true, action: { type: 'openInspector', filter: { project: project.name } } },
    { type: 'normal', label: `Reveal ${basename(project.file)}`, enabled: true, action: { type: 'revealConfig', path: project.file } },
    notifyItem(project.name, !state.notificationsOff.includes(project.name)),
    { type: 'separator' },
    { type: 'normal', label: 'Remove Project…', enabled: engineUp, action: { type: 'removeProject', project: project.name } },
  );
  const marker = projectHasFailure(project) ? ' ⚠' : '';
  return { type: 'submenu', label: menuLabel(`${project.name}${marker}`), enabled: true, submenu: items };
}

function engineItems(engine: EngineStatus): MenuItemSpec[] {
  switch (engine.kind) {
    case 'running':
      return [];
    case 'starting':
      return [{ type: 'normal', label: 'Engine starting…', enabled: false }];
    case 'stopping':
      return [{ type: 'normal', label: 'Engine stopping…', enabled: false }];
    case 'restarting':
      return [
        { type: 'normal', label: menuLabel(`Engine restarting (attempt ${engine.attempt}): ${engine.message}`), enabled: false },
      ];
    case 'crashed':
      return [
        { type: 'normal', label: menuLabel(`Engine stopped: ${engine.message}`), enabled: false },
        { type: 'normal', label: 'Restart Engine', enabled: true, action: { type: 'restartEngine' } },
      ];
    case 'heldElsewhere':
      return [
        { type: 'normal', label: menuLabel(engine.message), enabled: false },
        { type: 'normal', label: 'Retry', enabled: true, action: { type: 'restartEngine' } },
      ];
  }
}

export function buildTrayMenu(state: TrayState): MenuItemSpec[] {
  const engineUp = state.engine.kind === 'running';
  const menu: MenuItemSpec[] = [];
  const notices = [
    ...engineItems(state.engine),
    ...state.waitingToAdd.map((dir): MenuItemSpec => ({ type: 'normal', label: menuLabel(`Waiting for the engine to add ${basename(dir)}…`), enabled: false })),
    ...state.configErrors.map((error): MenuItemSpec => ({ type: 'normal', label: menuLabel(`⚠ ${error}`), enabled: false })),
  ];
  if (notices.length > 0) menu.push(...notices, { type: 'separator' });

  if (state.projects.length === 0) {
    menu.push({ type: 'normal', label: 'No projects yet', enabled: false });
  } else {
    for (const project of state.projects) {
      const on = isProjectOn(project);
      const approval = projectNeedsApproval(project, state.awaitingApproval);
      // Switching on goes through "Review Changed Commands…"; switching off is always allowed.
      const blocked = approval && !on;
      const mark = approval ? ' (changes need approval)' : '';
      menu.push({
        type: 'checkbox',
        label: menuLabel(`${project.name} — ${PROJECT_STATUS_TEXT[project.status]}${mark}`),
        checked: on,
        enabled: engineUp && project.status !== 'stopping' && !blocked,
        action: { type: 'toggleProject', project: project.name, enable: !on },
      });
    }
    menu.push({ type: 'separator' });
    for (const project of state.projects) menu.push(projectSubmenu(project, state, engineUp));
  }

  menu.push(
    { type: 'separator' },
    // While the engine starts (a slow login shell) or restarts, adding waits for it rather than failing.
    { type: 'normal', label: 'Add Project…', enabled: engineReadiness(state.engine).kind !== 'unavailable', action: { type: 'addProject' } },
    { type: 'normal', label: 'Open Inspector', enabled: true, action: { type: 'openInspector' } },
    { type: 'normal', label: 'Trust HTTPS Certificate…', enabled: engineUp, action: { type: 'trustCertificate' } },
    { type: 'separator' },
    {
      type: 'checkbox',
      label: 'Start at Login',
      checked: state.startAtLogin,
      enabled: true,
      action: { type: 'toggleStartAtLogin', enable: !state.startAtLogin },
    },
    { type: 'normal', label: 'Quit locald', enabled: true, accelerator: 'CmdOrCtrl+Q', action: { type: 'quit' } },
  );
  return menu;
}

export function trayIconState(state: TrayState): TrayIconState {
  if (state.engine.kind === 'crashed' || state.engine.kind === 'restarting') return 'failing';
  if (state.engine.kind === 'heldElsewhere') return 'attention';
  if (state.configErrors.length > 0) return 'failing';
  if (state.projects.some(projectHasFailure)) return 'failing';
  if (state.projects.some((project) => projectNeedsApproval(project, state.awaitingApproval))) return 'attention';
  if (state.projects.some(isProjectOn)) return 'running';
  return 'idle';
}

/** Windows truncates tray tooltips at 127 characters. */
const TOOLTIP_MAX = 127;

function firstFailure(state: TrayState): string | null {
  if (state.engine.kind === 'crashed') return `engine stopped: ${state.engine.message}`;
  if (state.engine.kind === 'heldElsewhere') return state.engine.message;
  if (state.engine.kind === 'restarting') return `engine restarting: ${state.engine.message}`;
  const [configError] = state.configErrors;
  if (configError !== undefined) return configError;
  for (const project of state.projects) {
    const [issue] = project.configIssues;
    if (issue !== undefined) return `${project.name}: ${issue.message}`;
    const failing = project.services.find((service) => FAILING_SERVICE.has(service.status));
    if (failing !== undefined) {
      return `${project.name}: ${failing.name} ${SERVICE_STATUS_TEXT[failing.status]}${failing.reason !== null ? ` (${failing.reason})` : ''}`;
    }
    if (project.status === 'error') return `${project.name}: error`;
  }
  return null;
}

export function trayTooltip(state: TrayState): string {
  const failure = firstFailure(state);
  let text: string;
  const waiting = state.projects.filter((project) => projectNeedsApproval(project, state.awaitingApproval));
  if (failure !== null) {
    text = `locald — ${failure}`;
  } else if (waiting.length > 0) {
    text = `locald — ${waiting.map((project) => project.name).join(', ')}: changes need approval`;
  } else if (state.projects.length === 0) {
    text = 'locald — no projects';
  } else {
    const on = state.projects.filter(isProjectOn).length;
    text = `locald — ${on} of ${state.projects.length} project${state.projects.length === 1 ? '' : 's'} running`;
  }
  return menuLabel(text, TOOLTIP_MAX);
}
