// Desktop notifications when a service fails: logic/failure-notifications.ts decides,
// this shows them and opens the inspector on a click.
import { Notification } from 'electron';
import type { EngineApi } from '../shared/api.js';
import type { ProjectState } from '../shared/state.js';
import { decideNotification, EMPTY_NOTIFIER_MEMORY, lastServiceLine, noticeBody, noticeTitle } from './logic/failure-notifications.js';
import type { FailureNotice } from './logic/failure-notifications.js';
import type { InspectorWindow } from './windows.js';

/** Log lines read back for a notice's "last log line": enough to get past locald's own status lines. */
const NOTICE_LOG_LINES = 50;
/** Notifications kept referenced until clicked or closed (a collected one loses its click handler); the oldest go first. */
const MAX_LIVE_NOTIFICATIONS = 20;

export interface FailureNotifierDeps {
  engine: EngineApi;
  inspector: InspectorWindow;
  enabledFor: (project: ProjectState) => boolean;
}

export class FailureNotifier {
  private memory = EMPTY_NOTIFIER_MEMORY;
  private readonly live = new Set<Notification>();

  constructor(private readonly deps: FailureNotifierDeps) {}

  /** Call with every project state; `quitting`: services stopping because the app quits are not failures. */
  onState(previous: ProjectState | undefined, next: ProjectState, quitting: boolean): void {
    if (quitting || !Notification.isSupported()) return;
    const decision = decideNotification(previous, next, Date.now(), { enabled: this.deps.enabledFor(next) }, this.memory);
    this.memory = decision.memory;
    if (decision.notice !== null) void this.show(decision.notice);
  }

  private async show(notice: FailureNotice): Promise<void> {
    // The engine logged the service's output before it reported the exit (that state event
    // has just crossed to main), so the log read now holds the line it failed with.
    const lines = await this.deps.engine.call('logs.read', { project: notice.project, service: notice.service, limit: NOTICE_LOG_LINES }).catch(() => []);
    const notification = new Notification({ title: noticeTitle(notice), body: noticeBody(notice, lastServiceLine(lines)) });
    const forget = (): void => void this.live.delete(notification);
    notification.on('click', () => {
      forget();
      // The same path as the tray's "Show in Inspector": reuses an open window and filters it.
      this.deps.inspector.open({ project: notice.project, service: notice.service });
    });
    notification.on('close', forget);
    this.live.add(notification);
    for (const old of this.live) {
      if (this.live.size <= MAX_LIVE_NOTIFICATIONS) break;
      this.live.delete(old);
    }
    notification.show();
  }
}
