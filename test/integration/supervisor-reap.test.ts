import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { reapLeftovers } from '../../engine/supervisor/index.js';
import type { ProcessRecord } from '../../engine/supervisor/index.js';
import { SERVICE_ID_ENV, writeProcessRecord } from '../../engine/supervisor/pid-records.js';
import { processStartTime } from '../../engine/supervisor/process-start-time.js';
import { FIXTURES, nodeFixture, pidExists, project, service, startSupervisorHost, tempDir, waitFor, waitUntilGone } from './supervisor-kit.js';

const posixOnly = process.platform === 'win32' ? 'process groups and /bin/sh are POSIX' : false;

test('after locald is SIGKILLed, reapLeftovers kills its services and their grandchildren', { skip: posixOnly }, async (t) => {
  const stateDir = tempDir(t);
  const config = project('crashy', [service('spawner', nodeFixture('spawn-grandchild.js'))]);
  const host = await startSupervisorHost(t, stateDir, config);
  const childPid = await host.printedPid(/\bchild pid (\d+)/);
  const grandchildPid = await host.printedPid(/grandchild pid (\d+)/);
  assert.ok(pidExists(childPid) && pidExists(grandchildPid));
  assert.deepEqual(readdirSync(join(stateDir, 'processes')), ['crashy--spawner.json']);

  // locald dies without a chance to clean up: its services live on (they have their own group).
  host.child.kill('SIGKILL');
  await new Promise((resolve) => host.child.once('exit', resolve));
  assert.ok(pidExists(childPid) && pidExists(grandchildPid), 'the services outlived locald');

  const report = await reapLeftovers(stateDir);
  assert.equal(report.killed.length, 1, JSON.stringify(report));
  assert.equal(report.entries.length, 1);
  assert.equal(report.entries[0]?.outcome, 'killed');
  assert.equal(report.entries[0]?.service, 'spawner');
  await waitUntilGone(childPid);
  await waitUntilGone(grandchildPid);
  assert.equal(existsSync(join(stateDir, 'processes', 'crashy--spawner.json')), false);

  const again = await reapLeftovers(stateDir);
  assert.deepEqual(again, { entries: [], killed: [] });
});

test('reapLeftovers leaves a live pid alone when its start time does not match (pid reuse), and cleans dead records', { skip: posixOnly }, async (t) => {
  const stateDir = tempDir(t);
  const bystander = spawn(process.execPath, [join(FIXTURES, 'idle.js')], { stdio: 'ignore' });
  t.after(() => bystander.kill('SIGKILL'));
  const pid = bystander.pid ?? 0;
  await waitFor(async () => ((await processStartTime(pid)) !== null ? true : undefined), 10_000, () => 'the bystander to run');
  const base = { version: 1 as const, command: 'x', ownerPid: 999_999_999, ownerStartTime: 'linux:1', recordedAt: 0 };
  await writeProcessRecord(stateDir, { ...base, project: 'p', service: 'reused', pid, pgid: pid, startTime: 'linux:1' });
  // A pid that certainly does not exist (above pid_max).
  await writeProcessRecord(stateDir, { ...base, project: 'p', service: 'dead', pid: 999_999_998, pgid: 999_999_998, startTime: 'linux:1' });
  // A record whose owner (this test process) is still running is never touched.
  await writeProcessRecord(stateDir, {
    ...base,
    project: 'p',
    service: 'owned',
    pid,
    pgid: pid,
    startTime: await processStartTime(pid),
    ownerPid: process.pid,
    ownerStartTime: await processStartTime(process.pid),
  });

  const report = await reapLeftovers(stateDir);
  const outcomes = Object.fromEntries(report.entries.map((e) => [e.service, e.outcome]));
  assert.deepEqual(outcomes, { dead: 'already-gone', owned: 'owner-running', reused: 'pid-reused' });
  assert.deepEqual(report.killed, []);
  assert.ok(pidExists(pid), 'the unrelated process is alive');
  assert.deepEqual(readdirSync(join(stateDir, 'processes')), ['p--owned.json']);
});

/**
 * A detached shell that backgrounds an idle process and exits: the idle process keeps the
 * group (whose leader is gone). `env` goes to both.
 */
async function groupWithoutLeader(t: TestContext, env: Record<string, string>): Promise<{ pgid: number; leaderStart: string | null; idlePid: number }> {
  const leader = spawn('/bin/sh', ['-c', `${nodeFixture('idle.js')} & echo $!`], { detached: true, stdio: ['ignore', 'pipe', 'ignore'], env: { ...process.env, ...env } });
  let out = '';
  leader.stdout.setEncoding('utf8').on('data', (c: string) => (out += c));
  const pgid = leader.pid ?? 0;
  const leaderStart = await processStartTime(pgid);
  const idlePid = Number(await waitFor(() => /^(\d+)/.exec(out)?.[1], 10_000, () => 'the idle pid'));
  t.after(() => {
    try {
      process.kill(idlePid, 'SIGKILL');
    } catch {
      // gone
    }
  });
  await new Promise((resolve) => (leader.exitCode !== null ? resolve(null) : leader.once('exit', resolve)));
  return { pgid, leaderStart, idlePid };
}

/** A record of a crashed locald (its owner is not running) for group `pgid`, whose leader is gone. */
function staleRecord(pgid: number, startTime: string | null, serviceId: string | null): ProcessRecord {
  return { version: 1, project: 'p', service: 'leaver', command: 'x', pid: pgid, pgid, startTime, ownerPid: 999_999_999, ownerStartTime: null, recordedAt: 0, serviceId };
}

const linuxOnly = process.platform !== 'linux' ? 'needs /proc' : false;

test('reapLeftovers kills what is left in a group whose leader already exited (Linux)', { skip: linuxOnly }, async (t) => {
  const stateDir = tempDir(t);
  const { pgid, leaderStart, idlePid } = await groupWithoutLeader(t, { [SERVICE_ID_ENV]: 'run-1' });
  await writeProcessRecord(stateDir, staleRecord(pgid, leaderStart, 'run-1'));
  const report = await reapLeftovers(stateDir);
  assert.equal(report.killed.length, 1, JSON.stringify(report));
  assert.match(report.entries[0]?.detail ?? '', /had exited; killed 1 process\(es\) left in its group/);
  await waitUntilGone(idlePid);
});

test('a stale record whose group id now belongs to another program kills nothing (Linux)', { skip: linuxOnly }, async (t) => {
  const stateDir = tempDir(t);
  // The record was written (by a locald that then crashed, before a reboot) long before this
  // unrelated group got the same id: its processes started after the record.
  const before = await processStartTime(process.pid);
  const other = await groupWithoutLeader(t, {});
  const reused = await groupWithoutLeader(t, { [SERVICE_ID_ENV]: 'another-run' });
  await writeProcessRecord(stateDir, staleRecord(other.pgid, before, 'run-1'));
  await writeProcessRecord(stateDir, { ...staleRecord(reused.pgid, before, 'run-1'), service: 'other-run' });
  // A record of an older locald, without a service id: its group can never be told apart.
  await writeProcessRecord(stateDir, { ...staleRecord(other.pgid, before, null), service: 'old' });

  const report = await reapLeftovers(stateDir);
  assert.deepEqual(report.killed, []);
  assert.deepEqual(
    report.entries.map((e) => [e.service, e.outcome]),
    [['leaver', 'not-ours'], ['old', 'not-ours'], ['other-run', 'not-ours']],
  );
  assert.match(report.entries[0]?.detail ?? '', /does not carry the service's LOCALD_SERVICE_ID/);
  assert.ok(pidExists(other.idlePid) && pidExists(reused.idlePid), 'the unrelated processes are alive');
  // Their records can never become reapable: dropped.
  assert.deepEqual(readdirSync(join(stateDir, 'processes')), []);
});
