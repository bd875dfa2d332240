// Killing what a crashed locald left running, guarded against pid reuse.
import { readFile, rm } from 'node:fs/promises';
import { groupMembers, isProcessAlive, terminateGroup } from './process-group.js';
import { processStartTime } from './process-start-time.js';
import { readProcessRecords, SERVICE_ID_ENV } from './pid-records.js';
import { decideLeftovers, type MemberFacts } from './reap-decision.js';
import type { ProcessRecord, ReapEntry, ReapReport } from './types.js';

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
      const entry = await reapWithoutLeader(r, base);
      if (entry.outcome !== 'unknown' && entry.outcome !== 'kill-failed') await rm(read.file, { force: true });
      entries.push(entry);
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

/**
 * The leader is gone but its group may not be (a backgrounded grandchild). Kills the group
 * only when every live member is provably the service's (reap-decision.ts); keeps the record
 * ('unknown') when that cannot be read.
 */
async function reapWithoutLeader(r: ProcessRecord, base: Omit<ReapEntry, 'outcome' | 'detail'>): Promise<ReapEntry> {
  const gone: ReapEntry = { ...base, outcome: 'already-gone', detail: `pid ${r.pid} is not running` };
  if (process.platform !== 'linux') return gone;
  const pids = await groupMembers(r.pgid);
  let members: MemberFacts[] | null = null;
  if (pids !== null) {
    members = await Promise.all(
      pids.map(async (pid) => ({ pid, startTime: await processStartTime(pid), serviceId: await environValue(pid, SERVICE_ID_ENV) })),
    ).catch(() => null);
  }
  if (members === null) {
    return { ...base, outcome: 'unknown', detail: `pid ${r.pid} had exited and the processes of its group ${r.pgid} could not be read; record kept for the next start` };
  }
  const decision = decideLeftovers(r, members);
  if (decision.kind === 'gone') return gone;
  if (decision.kind === 'not-ours') return { ...base, outcome: 'not-ours', detail: `pid ${r.pid} had exited; left alone: ${decision.detail}` };
  const result = await terminateGroup(r.pgid, REAP_GRACE_MS);
  return {
    ...base,
    outcome: result.gone ? 'killed' : 'kill-failed',
    detail: `pid ${r.pid} had exited; ${result.gone ? 'killed' : 'could not kill'} ${decision.pids.length} process(es) left in its group ${r.pgid}`,
  };
}

/**
 * `name` in the environment a process started with (/proc/<pid>/environ). null when the
 * process is gone, not ours to read (another user's) or has no such variable; throws when it
 * cannot tell (out of descriptors).
 */
async function environValue(pid: number, name: string): Promise<string | null> {
  let text: string;
  try {
    text = await readFile(`/proc/${pid}/environ`, 'latin1');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ESRCH' || code === 'EACCES' || code === 'EPERM') return null;
    throw err;
  }
  const prefix = `${name}=`;
  const entry = text.split('\0').find((e) => e.startsWith(prefix));
  return entry === undefined ? null : entry.slice(prefix.length);
}
