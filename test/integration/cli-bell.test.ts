// `locald up --bell`: the terminal bell (BEL) at each failure of a service (a crash, a
// failed readiness check), after the line that says what failed; never without --bell.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startLocald } from '../helpers/locald-cli.js';

const BEL = '\x07';

/** `alarm`: `boom` prints a line and exits 3 (not restarted); `deaf` never becomes ready (1 s). */
function failingProject(t: { after(fn: () => void): void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'locald-bell-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(join(dir, 'boom.cjs'), "console.error('boom: missing DATABASE_URL');\nprocess.exit(3);\n");
  writeFileSync(join(dir, 'deaf.cjs'), 'setInterval(() => {}, 1000);\n');
  const node = (file: string): string => JSON.stringify(`"${process.execPath}" ${file}`);
  writeFileSync(
    join(dir, 'locald.toml'),
    `name = "alarm"\n\n[services.boom]\ncommand = ${node('boom.cjs')}\nrestart = "never"\n\n` +
      `[services.deaf]\ncommand = ${node('deaf.cjs')}\nready = { log = "never printed", timeout = 1 }\nrestart = "never"\n`,
  );
  return dir;
}

async function runUntilBothFailed(dir: string, extra: string[]): Promise<string> {
  const locald = startLocald(['up', dir, '--http-port', '0', ...extra]);
  try {
    await locald.waitForOutput(/locald: alarm\/boom exited with code 3/, 30_000);
    await locald.waitForOutput(/locald: alarm\/deaf unhealthy/, 30_000);
    await locald.waitForOutput(/alarm is \w+ at/, 30_000);
  } finally {
    assert.equal(await locald.stop('SIGTERM'), 0);
  }
  return locald.output();
}

test('locald up --bell rings once per failure, right after the line that says what failed', async (t) => {
  const out = await runUntilBothFailed(failingProject(t), ['--bell']);
  assert.equal(out.split(BEL).length - 1, 2, `one BEL for the crash, one for the readiness failure:\n${JSON.stringify(out)}`);
  // Each BEL follows a complete line (it never splits one), and one comes right after the readiness failure's.
  for (const before of out.split(BEL).slice(0, -1)) assert.ok(before.endsWith('\n'), JSON.stringify(before.slice(-80)));
  const deaf = out.split('\n').findIndex((line) => line.includes('locald: alarm/deaf unhealthy'));
  assert.ok(out.split('\n')[deaf + 1]?.startsWith(BEL), JSON.stringify(out.split('\n').slice(deaf, deaf + 2)));
});

test('locald up without --bell prints the same failure lines and no BEL', async (t) => {
  const out = await runUntilBothFailed(failingProject(t), []);
  assert.match(out, /locald: alarm\/boom exited with code 3/);
  assert.ok(!out.includes(BEL), `no BEL without --bell:\n${JSON.stringify(out)}`);
});
