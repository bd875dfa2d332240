// Which ancestors `locald up` watches so that it stops when whatever started it goes away.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ancestorsToWatch, parentChanged, parsePsAncestor, startedByNpm, type Ancestor } from '../../engine/cli/parent-watch.js';
import { parseProcStat } from '../../engine/supervisor/process-start-time.js';

const npx: Ancestor[] = [
  { pid: 300, ppid: 200, command: 'sh' },
  { pid: 200, ppid: 100, command: 'node' },
  { pid: 100, ppid: 50, command: 'bash' },
  { pid: 50, ppid: 1, command: 'sshd' },
];

test('under npm, the shell npm runs us through and npm itself are watched, nothing above npm', () => {
  assert.deepEqual(ancestorsToWatch(npx, true), [300, 200]);
});

test('npm running us without a shell: npm alone', () => {
  assert.deepEqual(ancestorsToWatch(npx.slice(1), true), [200]);
});

test('not under npm: only the parent, even when it is a shell (the terminal closing is a hang-up already)', () => {
  assert.deepEqual(ancestorsToWatch(npx, false), [300]);
  assert.deepEqual(ancestorsToWatch([], true), []);
});

test('never init, never more than four levels of shells', () => {
  assert.deepEqual(ancestorsToWatch([{ pid: 9, ppid: 1, command: 'sh' }, { pid: 1, ppid: 0, command: 'systemd' }], true), [9]);
  const shells = [5, 4, 3, 2, 1].map((pid) => ({ pid: pid + 10, ppid: pid + 9, command: 'sh' }));
  assert.equal(ancestorsToWatch(shells, true).length, 4);
});

test('npm is recognised by the variables it sets for what it runs', () => {
  assert.equal(startedByNpm({ npm_execpath: '/usr/lib/node_modules/npm/bin/npm-cli.js' }), true);
  assert.equal(startedByNpm({ npm_lifecycle_event: 'npx' }), true);
  assert.equal(startedByNpm({ PATH: '/usr/bin' }), false);
});

const pick = (a: Ancestor | null): Ancestor | null => (a === null ? null : { pid: a.pid, ppid: a.ppid, command: a.command });

test('/proc stat and ps lines parse into pid, ppid and command', () => {
  const stat = (pid: number, comm: string, ppid: number): string => `${pid} (${comm}) S ${ppid} ${pid} ${ppid} 0 -1 4194560 ${'0 '.repeat(13)}98765 0`;
  assert.deepEqual(pick(parseProcStat(stat(4242, 'sh', 4100))), { pid: 4242, ppid: 4100, command: 'sh' });
  assert.deepEqual(parsePsAncestor(88, '  512 /bin/zsh\n'), { pid: 88, ppid: 512, command: 'zsh' });
  assert.deepEqual(parsePsAncestor(88, '  512 -bash\n'), { pid: 88, ppid: 512, command: 'bash' });
  assert.equal(parsePsAncestor(88, ''), null);
  assert.equal(parentChanged(10, 10), false);
  assert.equal(parentChanged(10, 1), true);
});
