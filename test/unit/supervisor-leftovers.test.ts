// The decisions behind stopping and reaping: when a process group counts as gone (never when
// /proc cannot be read), and which members of a recorded group are the service's leftovers.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { groupLiveness, groupMembers, type ProcReader } from '../../engine/supervisor/process-group.js';
import type { ProcStat } from '../../engine/supervisor/process-start-time.js';
import { decideLeftovers, startedBefore, type MemberFacts } from '../../engine/supervisor/reap-decision.js';

const emfile = (): never => {
  throw Object.assign(new Error('EMFILE: too many open files'), { code: 'EMFILE' });
};
const stat = (pid: number, pgrp: number, state = 'S'): ProcStat => ({ pid, command: 'node', pgrp, state, ppid: 1, starttime: '100' });

/** A /proc with these processes; `failing` pids cannot be read (EMFILE). */
function fakeProc(stats: ProcStat[], failing: number[] = []): ProcReader {
  return {
    readdir: () => Promise.resolve(['self', 'stat', ...stats.map((s) => String(s.pid)), ...failing.map(String), '424242']),
    readStat: (pid) => (failing.includes(pid) ? Promise.reject(emfile()) : Promise.resolve(stats.find((s) => s.pid === pid) ?? null)),
  };
}

test('groupMembers: live members only; a /proc that cannot be read is unknown (null), never empty', async () => {
  const procs = [stat(10, 10), stat(11, 10), stat(12, 10, 'Z'), stat(20, 20)];
  // 424242 vanished between readdir and reading its stat: gone, not an error.
  assert.deepEqual((await groupMembers(10, fakeProc(procs)))?.sort(), [10, 11]);
  assert.deepEqual(await groupMembers(30, fakeProc(procs)), []);
  assert.equal(await groupMembers(10, { ...fakeProc(procs), readdir: () => Promise.reject(emfile()) }), null);
  assert.equal(await groupMembers(10, fakeProc(procs, [15])), null, 'one unreadable process could be a member');
});

test('groupLiveness: only a group confirmed empty is gone', () => {
  assert.equal(groupLiveness(false, null), 'gone', 'kill(-pgid, 0) found no such group');
  assert.equal(groupLiveness(true, []), 'gone', 'only zombies left');
  assert.equal(groupLiveness(true, [5]), 'alive');
  assert.equal(groupLiveness(true, null), 'unknown');
});

test('startedBefore compares Linux start ticks, and nothing else', () => {
  assert.equal(startedBefore('linux:99', 'linux:100'), true);
  assert.equal(startedBefore('linux:100', 'linux:100'), false);
  assert.equal(startedBefore('linux:123456789012345678901', 'linux:2'), false);
  assert.equal(startedBefore(null, 'linux:1'), null);
  assert.equal(startedBefore('ps:Mon Jan  1 00:00:00 2024', 'ps:Tue Jan  2 00:00:00 2024'), null);
});

test('decideLeftovers: kill only when every member carries the run id and started after the leader', () => {
  const record = { pgid: 10, startTime: 'linux:100', serviceId: 'run-1' };
  const ours = (pid: number, start: string | null = 'linux:150'): MemberFacts => ({ pid, startTime: start, serviceId: 'run-1' });
  assert.deepEqual(decideLeftovers(record, []), { kind: 'gone' });
  assert.deepEqual(decideLeftovers(record, [ours(11), ours(12, null)]), { kind: 'kill', pids: [11, 12] });

  const notOurs = (members: MemberFacts[], r: Parameters<typeof decideLeftovers>[0] = record): string => {
    const d = decideLeftovers(r, members);
    assert.equal(d.kind, 'not-ours', JSON.stringify(d));
    return d.kind === 'not-ours' ? d.detail : '';
  };
  // After a reboot (or pid wrap-around) the group id belongs to a program without our id.
  assert.match(notOurs([{ pid: 11, startTime: 'linux:150', serviceId: null }]), /process 11 .* does not carry the service's LOCALD_SERVICE_ID/);
  assert.match(notOurs([ours(11), { pid: 12, startTime: 'linux:150', serviceId: 'run-2' }]), /process 12/);
  assert.match(notOurs([ours(11, 'linux:99')]), /process 11 .* started before the service did/);
  // A record of an older locald has no id: the group is skipped, whatever runs in it.
  assert.match(notOurs([ours(11)], { ...record, serviceId: null }), /no service id/);
  assert.match(notOurs([ours(11)], { pgid: 10, startTime: 'linux:100' }), /no service id/);
});
