// When the desktop app shows an OS notification about a failing service, and what it says.
// Pure: main keeps the memory between calls and does the I/O (reading the log, showing
// the notification).
//
// Limits, and why:
// - One notice per service per 30 s. A crash loop under the default backoff (0.5, 1, 2, 4,
//   8 s …) fails five times in its first 15 s; one notice says it, the tray shows the rest
//   (status, reason, restarts). Giving up is the exception: it ends a loop, happens once per
//   loop, and is the moment the user has to act, so it is not held back by this limit.
// - Three notices per minute overall. A notification interrupts; when one cause takes
//   several services down (a database gone, a shared port), more than a few per minute is
//   noise. Failures in one update become one notice ("and 2 more"), and failures held back
//   by this limit are counted into the next notice's "and N more".
// - Nothing for a project with "Notify on failures" switched off, and nothing counted for it.
import type { LogLine, ProjectState } from '../../shared/state.js';
import { serviceFailures } from '../../shared/service-failures.js';
import type { ServiceFailure, ServiceFailureKind } from '../../shared/service-failures.js';
import { menuLabel } from './tray-menu.js';

export const PER_SERVICE_INTERVAL_MS = 30_000;
export const OVERALL_WINDOW_MS = 60_000;
export const OVERALL_MAX_NOTICES = 3;
/** Notification bodies are short on every OS; a long log line is cut. */
const LINE_MAX = 200;

export interface NotifierMemory {
  /** Epoch ms of the last notice about each "project/service" (entries older than the interval are dropped). */
  readonly lastByService: Readonly<Record<string, number>>;
  /** Epoch ms of the notices shown within the overall window. */
  readonly shownAt: readonly number[];
  /** Failures the overall limit held back since the last notice. */
  readonly heldBack: number;
}

export const EMPTY_NOTIFIER_MEMORY: NotifierMemory = { lastByService: {}, shownAt: [], heldBack: 0 };

export interface NotifySettings {
  /** The project's "Notify on failures" (project registry). */
  enabled: boolean;
}

export interface FailureNotice extends ServiceFailure {
  /** Other failures this notice stands for (same update, or held back by the overall limit). */
  more: number;
}

export interface NotificationDecision {
  notice: FailureNotice | null;
  memory: NotifierMemory;
}

function serviceKey(failure: ServiceFailure): string {
  return `${failure.project}/${failure.service}`;
}

function recentByService(memory: NotifierMemory, now: number): Record<string, number> {
  const kept: Record<string, number> = {};
  for (const [key, at] of Object.entries(memory.lastByService)) if (now - at < PER_SERVICE_INTERVAL_MS) kept[key] = at;
  return kept;
}

/** At most one notice for this update of a project's state, and the memory for the next call. */
export function decideNotification(
  previous: ProjectState | undefined,
  next: ProjectState,
  now: number,
  settings: NotifySettings,
  memory: NotifierMemory,
): NotificationDecision {
  const lastByService = recentByService(memory, now);
  const shownAt = memory.shownAt.filter((at) => now - at < OVERALL_WINDOW_MS);
  const pruned: NotifierMemory = { lastByService, shownAt, heldBack: memory.heldBack };
  if (!settings.enabled) return { notice: null, memory: pruned };
  const failures = serviceFailures(previous, next).filter((failure) => failure.kind === 'gave-up' || lastByService[serviceKey(failure)] === undefined);
  const [first] = failures;
  if (first === undefined) return { notice: null, memory: pruned };
  if (shownAt.length >= OVERALL_MAX_NOTICES) return { notice: null, memory: { ...pruned, heldBack: memory.heldBack + failures.length } };
  const notified = { ...lastByService };
  for (const failure of failures) notified[serviceKey(failure)] = now;
  return {
    notice: { ...first, more: failures.length - 1 + memory.heldBack },
    memory: { lastByService: notified, shownAt: [...shownAt, now], heldBack: 0 },
  };
}

const WHAT: Record<ServiceFailureKind, string> = {
  crashed: 'crashed',
  'gave-up': 'keeps crashing; locald stopped restarting it',
  unhealthy: 'failed its readiness check',
};

export function noticeTitle(notice: FailureNotice): string {
  return `${notice.project}: ${notice.service} ${WHAT[notice.kind]}`;
}

/** The service's own last output line (not locald's status lines), or null when it printed nothing. */
export function lastServiceLine(lines: readonly LogLine[]): string | null {
  for (let i = lines.length - 1; i >= 0; i--) {
    const line = lines[i] as LogLine;
    if (line.stream !== 'system' && line.text.trim() !== '') return menuLabel(line.text, LINE_MAX);
  }
  return null;
}

/** The last log line (else the engine's reason), then what else failed. */
export function noticeBody(notice: FailureNotice, lastLine: string | null): string {
  const lines = [lastLine ?? notice.reason ?? ''];
  if (lastLine !== null && notice.reason !== null) lines.push(menuLabel(notice.reason, LINE_MAX));
  if (notice.more > 0) lines.push(`and ${notice.more} more failure${notice.more === 1 ? '' : 's'}`);
  return lines.filter((line) => line !== '').join('\n');
}
