// Types of the supervisor's public surface that are engine-only (not part of shared/).
import type { LogLine, ServiceState } from '../../shared/state.js';
import type { BackoffTiming } from './restart-policy.js';

export interface SupervisorOptions {
  /** locald's state directory; pid records go to `<stateDir>/processes/`. */
  stateDir: string;
  /** Engine-wide monotonic sequence for log lines. */
  nextSeq: () => number;
  onState: (project: string, service: ServiceState) => void;
  onLog: (line: LogLine) => void;
  /** Added to every service's environment (below the service's own env), e.g. NODE_EXTRA_CA_CERTS. */
  extraEnv?: Record<string, string>;
  /** How long a process group gets between SIGTERM and SIGKILL. */
  stopGraceMs?: number;
  /** Lines kept per service. */
  logRingLines?: number;
  /** Consecutive failed starts after which a service is no longer restarted (see give-up-policy.ts). */
  maxFailedStarts?: number;
  /** Restart delays; tests shorten them. */
  backoff?: BackoffTiming;
  /**
   * When true (the desktop app, which asks before commands change), a service whose env files
   * no longer hold what was loaded and approved is not started until the change is approved.
   */
  envFilesNeedApproval?: boolean;
}

/** What locald writes for each running service, so a later run can reap it after a crash. */
export interface ProcessRecord {
  version: 1;
  project: string;
  service: string;
  command: string;
  pid: number;
  /** Process group (POSIX); equals pid because every service leads its own group. */
  pgid: number;
  /** Opaque start-time token of `pid` (see process-start-time.ts); null when it could not be read. */
  startTime: string | null;
  /** The locald process that owns the service, and its start time, so a live owner is never reaped. */
  ownerPid: number;
  ownerStartTime: string | null;
  /** Epoch ms. */
  recordedAt: number;
  /**
   * Random id in the environment (`LOCALD_SERVICE_ID`) of every process of this run: how the
   * reaper tells the service's leftovers from whatever reuses the group id later. Absent in
   * records of older versions.
   */
  serviceId?: string | null;
}

export type ReapOutcome =
  /** The process was alive, its start time matched, and its group was killed. */
  | 'killed'
  /** Nothing to do: the recorded process had already exited. */
  | 'already-gone'
  /** The pid is alive but belongs to another process now (start time differs): left alone. */
  | 'pid-reused'
  /** The locald that wrote the record is still running: left alone. */
  | 'owner-running'
  /** The record could not be parsed; it was removed. */
  | 'unreadable'
  /** The group was signalled but did not go away. */
  | 'kill-failed'
  /** The leader is gone and what has its group id now is not provably the service's: nothing killed. */
  | 'not-ours'
  /** Whether the group is the service's could not be read (e.g. out of descriptors): record kept for the next start. */
  | 'unknown';

export interface ReapEntry {
  file: string;
  outcome: ReapOutcome;
  project: string | null;
  service: string | null;
  pid: number | null;
  /** Human detail, e.g. "start time 123 != recorded 456". */
  detail: string;
}

export interface ReapReport {
  entries: ReapEntry[];
  /** The entries whose outcome is 'killed': process groups that were left over and are gone now. */
  killed: ReapEntry[];
}
