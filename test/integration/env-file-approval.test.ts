// A changed .env is a change of what the user approved: with the desktop's 'approve' policy it
// waits for projects.approve, and a restart meanwhile does not run the unapproved values.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { Engine } from '../../engine/engine.js';
import { tempHome } from '../helpers/locald-cli.js';
import { waitFor } from '../helpers/proxy-net.js';
import { nodeFixture } from './supervisor-kit.js';

const dirs: string[] = [];
let engine: Engine | null = null;
after(async () => {
  await engine?.shutdown();
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

async function word(port: number): Promise<string | null> {
  const res = await fetch(`http://127.0.0.1:${port}/env?names=WORD`);
  return ((await res.json()) as { WORD: string | null }).WORD;
}

test('approve: an edited env file waits for approval, and a restart meanwhile keeps the approved values out', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'locald-envapprove-'));
  dirs.push(dir);
  mkdirSync(join(dir, 'src'));
  writeFileSync(join(dir, 'src', 'version.txt'), 'v1');
  writeFileSync(join(dir, '.env'), 'WORD=one\n');
  writeFileSync(join(dir, 'locald.toml'), `name = "envy"\n[services.web]\ncommand = ${JSON.stringify(nodeFixture('serve-file.js'))}\nenv_file = ".env"\n`);
  engine = new Engine({ home: tempHome(), httpPort: 0, version: 'test', reloadPolicy: 'approve', stopGraceMs: 2000 });
  await engine.addProject(dir);
  assert.equal((await engine.startProject('envy')).status, 'running');
  const port = (): number => engine?.getProject('envy')?.services[0]?.port ?? 0;
  assert.equal(await word(port()), 'one');

  writeFileSync(join(dir, '.env'), 'WORD=two\n');
  const waiting = await waitFor(() => {
    const s = engine?.getProject('envy');
    return s?.pendingApproval != null ? s : undefined;
  }, 'pendingApproval after the .env edit', 15_000);
  assert.deepEqual(waiting.pendingApproval?.changes, ["'web' environment changed"]);
  assert.equal(await word(port()), 'one', 'the approved values still run');

  const restarted = await engine.restartService('envy', 'web');
  assert.equal(restarted.status, 'crashed');
  assert.match(restarted.reason ?? '', /env file changed since the commands were approved/);

  const approved = await engine.call('projects.approve', { project: 'envy', hash: waiting.pendingApproval?.hash ?? '' });
  assert.equal(approved.pendingApproval, null);
  await waitFor(async () => ((await word(port()).catch(() => null)) === 'two' ? true : undefined), 'WORD=two after approval', 15_000);
});
