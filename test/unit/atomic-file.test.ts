// The one atomic file write (engine/atomic-file.ts), used by the engine's CA, owner record,
// dashboard token and pid records and by the desktop shell's project registry.
import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { isTempFileOf, tempPathFor, writeFileAtomic } from '../../engine/atomic-file.js';
import { readProcessRecords } from '../../engine/supervisor/pid-records.js';

const dirs: string[] = [];
async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'locald-atomic-'));
  dirs.push(dir);
  return dir;
}
after(async () => {
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
});

describe('writeFileAtomic', () => {
  it('replaces content and leaves no temp files', async () => {
    const dir = await tempDir();
    const file = join(dir, 'state.json');
    await writeFileAtomic(file, 'one');
    await writeFileAtomic(file, new TextEncoder().encode('two'));
    assert.equal(await readFile(file, 'utf8'), 'two');
    assert.deepEqual(await readdir(dir), ['state.json']);
  });

  it('fails cleanly when the folder does not exist, leaving nothing behind', async () => {
    const dir = await tempDir();
    await assert.rejects(writeFileAtomic(join(dir, 'missing', 'x.json'), 'x'), { code: 'ENOENT' });
    assert.deepEqual(await readdir(dir), []);
  });

  it('createParent makes a private folder; the mode is the one asked for whatever the umask', { skip: process.platform === 'win32' }, async () => {
    const dir = await tempDir();
    const cert = join(dir, 'ca', 'root.pem');
    const key = join(dir, 'ca', 'root-key.pem');
    const umask = process.umask(0o077);
    try {
      await writeFileAtomic(cert, 'cert', { mode: 0o644, createParent: true });
      await writeFileAtomic(key, 'key', { createParent: true });
    } finally {
      process.umask(umask);
    }
    assert.equal((await stat(join(dir, 'ca'))).mode & 0o777, 0o700);
    assert.equal((await stat(cert)).mode & 0o777, 0o644);
    assert.equal((await stat(key)).mode & 0o777, 0o600);
  });

  it('recognises its own temp files', () => {
    const target = '/d/projects.json';
    assert.equal(isTempFileOf(target, tempPathFor(target)), true);
    assert.notEqual(tempPathFor(target), tempPathFor(target));
    assert.equal(isTempFileOf(target, '/d/projects.json'), false);
    assert.equal(isTempFileOf(target, '/d/.other.json.1.tmp'), false);
  });

  it('a temp file a crash left among the pid records is what their reader cleans up', async () => {
    const dir = await tempDir();
    const leftover = tempPathFor(join(dir, 'processes', 'shop--web.json'));
    await writeFileAtomic(join(dir, 'processes', 'shop--web.json'), '{', { createParent: true });
    await writeFileAtomic(leftover, '{half');
    await readProcessRecords(dir);
    assert.deepEqual(await readdir(join(dir, 'processes')), ['shop--web.json']);
  });
});
