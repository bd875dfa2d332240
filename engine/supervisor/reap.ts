// Killing what a crashed locald left running, guarded against pid reuse.
import { rm } from 'node:fs/promises';
import { groupMembers, isProcessAlive, terminateGroup } from './process-group.js';
import { processStartTime } from './process-start-time.js';
import { readProcessRecords } from './pid-records.js';
import type { ReapEntry, ReapReport } from './types.js';

const REAP_GRACE_MS = 2_000;

/**
 * For each pid record: if the locald that wrote it is gone, and the recorded process is
 * alive with the recorded start time, kill its whole process group. Records are removed
 * unless their owner is still running. Never throws for a single bad record.
 */
export async function reapLeftovers(stateDir: string): Promise<ReapReport> {
  const entries: ReapEntry[] = [];
  for (const read of await readProcessRecords(stateDir)) {
    if (!read.ok) {
      entries.push({ file: read.file, outcome: 'unreadable', project: null, service: null, pid: null, detail: read.error });
      await rm(read.file, { force: true });
      continue;
    }
    const r = read.record;
    const base = { file: read.file, project: r.project, service: r.service, pid: r.pid };

    // Possibly ourselves: a running locald's services are not leftovers.
    if (r.ownerStartTime !== null && (await processStartTime(r.ownerPid)) === r.ownerStartTime) {
      entries.push({ ...base, outcome: 'owner-running', detail: `locald pid ${r.ownerPid} that started it is still running` });
      continue;
    }
    if (!(await isProcessAlive(r.pid))) {
      // The leader is gone but its group may not be (a backgrounded grandchild). On Linux a
      // group id is never handed out as a new pid while the group exists, so members of
      // that group are what the service left behind.
      const members = process.platform === 'linux' ? await groupMembers(r.pgid) : [];
      if (members.length > 0) {
        const result = await terminateGroup(r.pgid, REAP_GRACE_MS);
        entries.push({
          ...base,
          outcome: result.gone ? 'killed' : 'kill-failed',
          detail: `pid ${r.pid} had exited; ${result.gone ? 'killed' : 'could not kill'} ${members.length} process(es) left in its group ${r.pgid}`,
        });
        if (result.gone) await rm(read.file, { force: true });
        continue;
      }
      entries.push({ ...base, outcome: 'already-gone', detail: `pid ${r.pid} is not running` });
      await rm(read.file, { force: true });
      continue;
    }
    const now = await processStartTime(r.pid);
    if (r.startTime === null || now !== r.startTime) {
      entries.push({ ...base, outcome: 'pid-reused', detail: `pid ${r.pid} started at ${now ?? 'unknown'}, recorded ${r.startTime ?? 'unknown'}: a different process` });
      await rm(read.file, { force: true });
      continue;
    }
    const result = await terminateGroup(r.pgid, REAP_GRACE_MS);
    if (result.gone) {
      entries.push({ ...base, outcome: 'killed', detail: `killed process group ${r.pgid}${result.escalated ? ' (SIGKILL)' : ''} of '${r.command}'` });
      await rm(read.file, { force: true });
    } else {
      entries.push({ ...base, outcome: 'kill-failed', detail: `process group ${r.pgid} survived SIGKILL` });
    }
  }
  return { entries, killed: entries.filter((e) => e.outcome === 'killed') };
}
