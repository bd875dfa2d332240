import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { reapLeftovers } from '../../engine/supervisor/index.js';
import { writeProcessRecord } from '../../engine/supervisor/pid-records.js';
import { processStartTime } from '../../engine/supervisor/process-start-time.js';
import { FIXTURES, nodeFixture, pidExists, pidsIn, project, service, tempDir, waitFor, waitUntilGone } from './supervisor-kit.js';

const posixOnly = process.platform === 'win32' ? 'process groups and /bin/sh are POSIX' : false;

test('after locald is SIGKILLed, reapLeftovers kills its services and their grandchildren', { skip: posixOnly }, async (t) => {
  const stateDir = tempDir(t);
  const config = project('crashy', [service('spawner', nodeFixture('spawn-grandchild.js'))]);
  const host = spawn(process.execPath, ['--import', 'tsx', join(FIXTURES, 'supervisor-host.ts'), stateDir, JSON.stringify(config)], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  host.stdout.setEncoding('utf8').on('data', (c: string) => (stdout += c));
  host.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
  const leftovers: number[] = [];
  t.after(() => {
    host.kill('SIGKILL');
    for (const pid of leftovers) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // gone, as it should be
      }
    }
  });

  await waitFor(() => (stdout.includes('STARTED') ? true : undefined), 60_000, () => `the host to start the project; stderr:\n${stderr}`);
  const printedPid = async (pattern: RegExp): Promise<number> => Number(await waitFor(() => pattern.exec(stderr)?.[1], 30_000, () => `${pattern} in:\n${stderr}`));
  const childPid = await printedPid(/\bchild pid (\d+)/);
  const grandchildPid = await printedPid(/grandchild pid (\d+)/);
  leftovers.push(childPid, grandchildPid, ...pidsIn(stderr));
  assert.ok(pidExists(childPid) && pidExists(grandchildPid));
  assert.deepEqual(readdirSync(join(stateDir, 'processes')), ['crashy--spawner.json']);

  // locald dies without a chance to clean up: its services live on (they have their own group).
  host.kill('SIGKILL');
  await new Promise((resolve) => host.once('exit', resolve));
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

test('reapLeftovers kills what is left in a group whose leader already exited (Linux)', { skip: process.platform !== 'linux' ? 'needs /proc' : false }, async (t) => {
  const stateDir = tempDir(t);
  // A detached shell that backgrounds an idle process and exits: the idle process keeps the group.
  const leader = spawn('/bin/sh', ['-c', `${nodeFixture('idle.js')} & echo $!`], { detached: true, stdio: ['ignore', 'pipe', 'ignore'] });
  let out = '';
  leader.stdout.setEncoding('utf8').on('data', (c: string) => (out += c));
  const leaderPid = leader.pid ?? 0;
  const leaderStart = await processStartTime(leaderPid);
  const idlePid = Number(await waitFor(() => /^(\d+)/.exec(out)?.[1], 10_000, () => 'the idle pid'));
  t.after(() => {
    try {
      process.kill(idlePid, 'SIGKILL');
    } catch {
      // gone
    }
  });
  await new Promise((resolve) => (leader.exitCode !== null ? resolve(null) : leader.once('exit', resolve)));
  await writeProcessRecord(stateDir, {
    version: 1,
    project: 'p',
    service: 'leaver',
    command: 'x',
    pid: leaderPid,
    pgid: leaderPid,
    startTime: leaderStart,
    ownerPid: 999_999_999,
    ownerStartTime: null,
    recordedAt: 0,
  });
  const report = await reapLeftovers(stateDir);
  assert.equal(report.killed.length, 1, JSON.stringify(report));
  assert.match(report.entries[0]?.detail ?? '', /had exited; killed 1 process\(es\) left in its group/);
  await waitUntilGone(idlePid);
});
