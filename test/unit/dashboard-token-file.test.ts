import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TokenFile, loadOrCreateToken, parseTokenFile, rotateToken, tokenPath } from '../../engine/dashboard/token-store.js';

function home(t: { after(fn: () => void): void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'locald-token-unit-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

test('parseTokenFile accepts only what locald writes', () => {
  assert.equal(parseTokenFile('abcdefghijklmnopqrstuvwxyzABCDEF_-12\n'), 'abcdefghijklmnopqrstuvwxyzABCDEF_-12');
  assert.equal(parseTokenFile('short'), null);
  assert.equal(parseTokenFile('has spaces in it and is long enough really'), null);
  assert.equal(parseTokenFile(''), null);
});

test('the token is created once (0600) and read back; a damaged or readable file is replaced with a warning', async (t) => {
  const h = home(t);
  const first = await loadOrCreateToken(h);
  assert.equal(statSync(tokenPath(h)).mode & 0o777, 0o600);
  assert.equal(await loadOrCreateToken(h), first);
  writeFileSync(tokenPath(h), 'garbage');
  const warnings: string[] = [];
  const replaced = await loadOrCreateToken(h, (m) => warnings.push(m));
  assert.notEqual(replaced, first);
  assert.match(warnings.join('\n'), /did not hold a dashboard token/);
  if (process.platform !== 'win32') {
    chmodSync(tokenPath(h), 0o644);
    const again = await loadOrCreateToken(h, (m) => warnings.push(m));
    assert.notEqual(again, replaced);
    assert.match(warnings.join('\n'), /can be read or replaced by other users/);
    assert.equal(statSync(tokenPath(h)).mode & 0o777, 0o600);
  }
});

test('TokenFile follows a rotation on disk and tells its listeners once', async (t) => {
  const h = home(t);
  const file = await TokenFile.open(h);
  t.after(() => file.close());
  const before = file.current();
  let rotations = 0;
  file.onRotate(() => rotations++);
  assert.equal(file.current(), before);
  const after = await rotateToken(h);
  assert.equal(readFileSync(tokenPath(h), 'utf8').trim(), after);
  assert.equal(file.current(), after);
  assert.equal(file.current(), after);
  assert.equal(rotations, 1);
  rmSync(tokenPath(h));
  assert.equal(file.current(), after, 'a removed file keeps the token in memory');
});
