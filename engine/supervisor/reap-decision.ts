// Which processes of a recorded group are the service's leftovers, once its leader is gone.
// A group id is free for reuse as soon as the service's last process exits, so "has the
// recorded group id" proves nothing (a record that outlived a reboot names someone else's
// group). Every process a service starts inherits its run's LOCALD_SERVICE_ID, and none can
// have started before the service's leader did.
import type { ProcessRecord } from './types.js';

/** What the reaper read about one live member of the recorded group. */
export interface MemberFacts {
  pid: number;
  /** Start-time token (process-start-time.ts); null when unreadable. */
  startTime: string | null;
  /** LOCALD_SERVICE_ID in its environment; null when absent or unreadable (another user's). */
  serviceId: string | null;
}

export type LeftoverDecision =
  /** Every member is the service's: kill the group. */
  | { kind: 'kill'; pids: number[] }
  /** At least one member is provably not the service's: kill nothing. */
  | { kind: 'not-ours'; detail: string }
  /** Nothing left in the group. */
  | { kind: 'gone' };

export function decideLeftovers(record: Pick<ProcessRecord, 'pgid' | 'startTime' | 'serviceId'>, members: readonly MemberFacts[]): LeftoverDecision {
  if (members.length === 0) return { kind: 'gone' };
  const id = record.serviceId ?? null;
  if (id === null) {
    return { kind: 'not-ours', detail: `the record has no service id (older locald), so the ${members.length} process(es) now in group ${record.pgid} cannot be told from another program's` };
  }
  for (const m of members) {
    if (m.serviceId !== id) {
      return { kind: 'not-ours', detail: `process ${m.pid} in group ${record.pgid} does not carry the service's LOCALD_SERVICE_ID: the group id now belongs to another program` };
    }
    if (startedBefore(m.startTime, record.startTime) === true) {
      return { kind: 'not-ours', detail: `process ${m.pid} in group ${record.pgid} started before the service did: it is another program's` };
    }
  }
  return { kind: 'kill', pids: members.map((m) => m.pid) };
}

/** Whether start-time token `a` is earlier than `b`; null when they cannot be compared (unknown, or not Linux ticks). */
export function startedBefore(a: string | null, b: string | null | undefined): boolean | null {
  const ticks = (token: string | null | undefined): bigint | null => {
    const m = token === null || token === undefined ? null : /^linux:(\d+)$/.exec(token);
    return m === null ? null : BigInt(m[1] ?? '');
  };
  const ta = ticks(a);
  const tb = ticks(b);
  return ta === null || tb === null ? null : ta < tb;
}
