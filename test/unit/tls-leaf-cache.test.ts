// Bounds on what the local CA keeps: leaves in memory (LRU), leaf files on disk (pruned to
// project names), and the LruMap both use.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LocalCa } from '../../engine/tls/ca.js';
import { LruMap } from '../../shared/lru.js';
import { caPaths, leafLabelsOfFile } from '../../engine/tls/paths.js';

describe('LruMap', () => {
  test('never holds more than its bound, forgetting the least recently used first', () => {
    const lru = new LruMap<string, number>(3);
    for (let i = 0; i < 100; i++) lru.set(`k${i}`, i);
    assert.equal(lru.size, 3);
    assert.deepEqual(['k97', 'k98', 'k99'].map((k) => lru.get(k)), [97, 98, 99]);
    assert.equal(lru.has('k96'), false);
  });

  test('a read makes an entry young again', () => {
    const lru = new LruMap<string, number>(2);
    lru.set('a', 1);
    lru.set('b', 2);
    assert.equal(lru.get('a'), 1);
    lru.set('c', 3);
    assert.equal(lru.has('a'), true);
    assert.equal(lru.has('b'), false);
  });

  test('re-setting a key replaces it without growing', () => {
    const lru = new LruMap<string, number>(2);
    lru.set('a', 1);
    lru.set('a', 2);
    assert.equal(lru.size, 1);
    assert.equal(lru.get('a'), 2);
    assert.equal(lru.delete('a'), true);
    assert.equal(lru.size, 0);
  });

  test('rejects a bound that is not a positive integer', () => {
    assert.throws(() => new LruMap(0), RangeError);
    assert.throws(() => new LruMap(1.5), RangeError);
  });
});

describe('leafLabelsOfFile', () => {
  test('names the labels a leaf file may belong to, and nothing for other files', () => {
    assert.deepEqual(leafLabelsOfFile('shop.pem'), ['shop']);
    assert.deepEqual(leafLabelsOfFile('shop-key.pem'), ['shop', 'shop-key']);
    assert.deepEqual(leafLabelsOfFile('a-b-key-key.pem'), ['a-b-key', 'a-b-key-key']);
    assert.deepEqual(leafLabelsOfFile('shop.pem.123.abcdef.tmp'), []);
    assert.deepEqual(leafLabelsOfFile('README'), []);
    assert.deepEqual(leafLabelsOfFile('-key.pem'), []);
  });
});

describe('LocalCa leaf bounds', () => {
  let home: string;
  before(async () => {
    home = await mkdtemp(join(tmpdir(), 'locald-leaf-cache-'));
  });
  after(async () => {
    await rm(home, { recursive: true, force: true });
  });

  test('keeps at most maxCachedLeaves leaves in memory', async () => {
    const ca = await LocalCa.open(home, { maxCachedLeaves: 2 });
    const first = await ca.leafFor('one');
    assert.equal(await ca.leafFor('one'), first, 'served from memory while cached');
    await ca.leafFor('two');
    await ca.leafFor('three');
    const again = await ca.leafFor('one');
    // Forgotten in memory, so read back from disk: the same certificate, a new object.
    assert.notEqual(again, first);
    assert.equal(again.certPem, first.certPem);
  });

  test('pruneLeaves removes the files (cert and key) of labels that are not kept', async () => {
    const ca = await LocalCa.open(home);
    await ca.leafFor('shop');
    await ca.leafFor('shop-key');
    await ca.leafFor('junk');
    await ca.leafFor('locald');
    const { leavesDir } = caPaths(home);
    await writeFile(join(leavesDir, 'notes.txt'), 'not a leaf');
    const keep = new Set(['shop', 'shop-key', 'locald']);
    // junk, one, two, three: a cert and a key each.
    assert.equal(await ca.pruneLeaves((label) => keep.has(label)), 8);
    assert.deepEqual((await readdir(leavesDir)).sort(), [
      'locald-key.pem',
      'locald.pem',
      'notes.txt',
      'shop-key-key.pem',
      'shop-key.pem',
      'shop.pem',
    ]);
    // Pruning `shop` alone keeps `shop-key.pem`: it is also the certificate of project shop-key.
    assert.equal(await ca.pruneLeaves((label) => label !== 'shop'), 1);
    assert.deepEqual((await readdir(leavesDir)).sort(), ['locald-key.pem', 'locald.pem', 'notes.txt', 'shop-key-key.pem', 'shop-key.pem']);
    // A pruned leaf is issued again when asked for.
    assert.match((await ca.leafFor('junk')).dnsNames.join(' '), /junk\.localhost/);
  });

  test('pruneLeaves is best effort: an unreadable leaves folder is a warning, not a failure', async () => {
    const other = await mkdtemp(join(tmpdir(), 'locald-leaf-prune-'));
    try {
      const warnings: string[] = [];
      const ca = await LocalCa.open(other, { onWarning: (m) => warnings.push(m) });
      assert.equal(await ca.pruneLeaves(() => false), 0, 'no leaves folder yet');
      await writeFile(caPaths(other).leavesDir, 'a file where the folder should be');
      assert.equal(await ca.pruneLeaves(() => false), 0);
      assert.match(warnings.join('\n'), /could not list .*leaves/);
    } finally {
      await rm(other, { recursive: true, force: true });
    }
  });
});
