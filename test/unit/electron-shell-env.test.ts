import assert from 'node:assert/strict';
import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import {
  buildShellEnvCommand,
  clearShellEnvCache,
  mergeShellEnv,
  parseShellEnvOutput,
  resolveLoginShellEnv,
  spawnShellRunner,
} from '../../electron/logic/shell-env.js';
import type { ShellRunner } from '../../electron/logic/shell-env.js';

const posix = process.platform !== 'win32';

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function waitFor(check: () => boolean | Promise<boolean>, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

describe('buildShellEnvCommand', () => {
  it('runs an interactive login shell and never prints the marker literally in the command', () => {
    const command = buildShellEnvCommand('/bin/zsh', 'LOCALDabc123');
    assert.equal(command.file, '/bin/zsh');
    assert.deepEqual(command.args.slice(0, 3), ['-i', '-l', '-c']);
    assert.ok(!command.args[3]?.includes('LOCALDabc123'));
    assert.match(command.args[3] ?? '', /env -0/);
  });

  it('uses a fresh random marker each time and rejects unsafe markers', () => {
    assert.notEqual(buildShellEnvCommand('/bin/sh').marker, buildShellEnvCommand('/bin/sh').marker);
    assert.throws(() => buildShellEnvCommand('/bin/sh', "x'; rm -rf ~"), /alphanumeric/);
  });
});

describe('parseShellEnvOutput', () => {
  const M = 'LOCALDmark';

  it('cuts rc-file noise before and after the markers (NUL-separated)', () => {
    const out = `Welcome to fish!\nnvm: using 20\n${M}PATH=/opt/bin:/usr/bin\0MULTI=line1\nline2\0EMPTY=\0PWD=/x\0SHLVL=2\0_=/usr/bin/env\0${M}bye\n`;
    assert.deepEqual(parseShellEnvOutput(out, M), { PATH: '/opt/bin:/usr/bin', MULTI: 'line1\nline2', EMPTY: '' });
  });

  it('falls back to newline-separated env output, joining continuation lines', () => {
    const out = `${M}PATH=/usr/bin\nMULTI=a\nb\nX=1=2\n${M}`;
    assert.deepEqual(parseShellEnvOutput(out, M), { PATH: '/usr/bin', MULTI: 'a\nb', X: '1=2' });
  });

  it('returns null when the markers are missing', () => {
    assert.equal(parseShellEnvOutput('PATH=/usr/bin\n', M), null);
    assert.equal(parseShellEnvOutput(`${M}PATH=/usr/bin`, M), null);
  });

  it('skips records that are not NAME=value', () => {
    assert.deepEqual(parseShellEnvOutput(`${M}=nope\x001BAD=x\0GOOD=y\0${M}`, M), { GOOD: 'y' });
  });
});

describe('mergeShellEnv', () => {
  it('lets the login shell win and drops Electron switches', () => {
    assert.deepEqual(mergeShellEnv({ PATH: '/usr/bin', HOME: '/h', ELECTRON_RUN_AS_NODE: '1', UNSET: undefined }, { PATH: '/opt/homebrew/bin:/usr/bin' }), {
      PATH: '/opt/homebrew/bin:/usr/bin',
      HOME: '/h',
    });
  });
});

describe('resolveLoginShellEnv (real processes)', { skip: !posix && 'POSIX shells only' }, () => {
  let dir = '';
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'locald-shellenv-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('reads the environment of a real /bin/sh login shell', async () => {
    clearShellEnvCache();
    const result = await resolveLoginShellEnv({ shell: '/bin/sh', timeoutMs: 20_000 });
    assert.equal(result.ok, true, result.ok ? '' : result.error);
    if (!result.ok) return;
    assert.ok(typeof result.env.PATH === 'string' && result.env.PATH.length > 0);
    assert.equal(result.env.HOME, process.env.HOME);
    assert.equal(result.env.LOCALD_RESOLVING_SHELL_ENV, undefined);
  });

  it('strips output printed by startup files and keeps exported variables', async () => {
    const shell = join(dir, 'noisy-shell');
    // A "shell" whose startup prints noise, exports a variable, then runs the probe with /bin/sh.
    await writeFile(shell, '#!/bin/sh\necho "motd: hello"\nexport FROM_RC="rc value"\nshift 3\nexec /bin/sh -c "$1"\n');
    await chmod(shell, 0o755);
    const result = await resolveLoginShellEnv({ shell, timeoutMs: 20_000, refresh: true });
    assert.equal(result.ok, true, result.ok ? '' : result.error);
    if (result.ok) assert.equal(result.env.FROM_RC, 'rc value');
  });

  it('times out a shell that hangs, kills it, and reports it', async () => {
    const pidFile = join(dir, 'hang.pid');
    const shell = join(dir, 'hanging-shell');
    await writeFile(shell, `#!/bin/sh\necho $$ > '${pidFile}'\nexec sleep 30\n`);
    await chmod(shell, 0o755);
    const result = await resolveLoginShellEnv({ shell, timeoutMs: 1_500 });
    assert.equal(result.ok, false);
    if (!result.ok) assert.match(result.error, /did not print its environment within 1500 ms/);
    const pid = Number((await readFile(pidFile, 'utf8')).trim());
    assert.ok(pid > 0);
    await waitFor(() => !isAlive(pid), `hung shell ${pid} to be killed`);
  });

  it('reports a shell that exits without printing anything', async () => {
    const result = await resolveLoginShellEnv({ shell: '/bin/false', timeoutMs: 10_000 });
    assert.deepEqual(result, { ok: false, shell: '/bin/false', error: 'login shell /bin/false exited with code 1 without printing its environment' });
  });

  it('reports a shell that does not exist', async () => {
    const result = await resolveLoginShellEnv({ shell: join(dir, 'no-such-shell'), timeoutMs: 10_000 });
    assert.equal(result.ok, false);
    if (!result.ok) assert.match(result.error, /could not run login shell .*no-such-shell: .*ENOENT/);
  });

  it('caches per shell until asked to refresh', async () => {
    let runs = 0;
    const run: ShellRunner = async (command, timeoutMs) => {
      runs++;
      return spawnShellRunner(command, timeoutMs);
    };
    clearShellEnvCache();
    const first = await resolveLoginShellEnv({ shell: '/bin/sh', timeoutMs: 20_000, run });
    const second = await resolveLoginShellEnv({ shell: '/bin/sh', timeoutMs: 20_000, run });
    assert.equal(first, second);
    assert.equal(runs, 1);
    await resolveLoginShellEnv({ shell: '/bin/sh', timeoutMs: 20_000, run, refresh: true });
    assert.equal(runs, 2);
  });
});
