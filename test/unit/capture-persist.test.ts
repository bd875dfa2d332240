import assert from 'node:assert/strict';
import { appendFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { crc32, decodeRecords, encodeRecord, tableCrc32 } from '../../engine/capture/persist-codec.js';
import { TrafficFile } from '../../engine/capture/persist-file.js';
import { clearPayload, exchangePayload, foldRecords, parseEntry, pinPayload } from '../../engine/capture/persist-log.js';
import { TrafficPersistence } from '../../engine/capture/persistence.js';
import { TrafficStore } from '../../engine/capture/store.js';
import { DEFAULT_CAPTURE_SETTINGS } from '../../shared/config.js';

const root = mkdtempSync(join(tmpdir(), 'locald-persist-'));
after(() => rmSync(root, { recursive: true, force: true }));
let n = 0;
const fresh = (): string => join(root, `case-${++n}`);

const payload = (text: string): Buffer => Buffer.from(text, 'utf8');

test('crc32 is the IEEE CRC-32 (the check value of "123456789" is cbf43926)', () => {
  for (const f of [crc32, tableCrc32]) {
    assert.equal(f(payload('123456789')), 0xcbf43926);
    assert.equal(f(Buffer.alloc(0)), 0);
  }
  const random = Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 7919) & 0xff));
  assert.equal(crc32(random), tableCrc32(random), 'the native CRC (Node 22.2+) and the table agree');
});

test('records round-trip, including an empty payload and binary bytes', () => {
  const parts = [payload('one'), Buffer.alloc(0), Buffer.from([0, 255, 1, 254]), payload('ü'.repeat(1000))];
  const bytes = Buffer.concat(parts.map(encodeRecord));
  const out = decodeRecords(bytes);
  assert.deepEqual(out.payloads.map((p) => p.toString('hex')), parts.map((p) => p.toString('hex')));
  assert.equal(out.validLength, bytes.length);
  assert.equal(out.stoppedAt, null);
});

test('a torn tail (a record cut anywhere in its header or payload) loses that record only', () => {
  const first = encodeRecord(payload('first'));
  const second = encodeRecord(payload('second'));
  const third = encodeRecord(payload('third record'));
  const whole = Buffer.concat([first, second, third]);
  for (let cut = 1; cut < third.length; cut++) {
    const out = decodeRecords(whole.subarray(0, whole.length - cut));
    assert.deepEqual(out.payloads.map(String), ['first', 'second'], `cut ${cut}`);
    assert.equal(out.validLength, first.length + second.length);
    assert.equal(out.stoppedAt?.reason, 'torn');
  }
});

test('a corrupt checksum in the middle stops reading there: nothing after it is trusted', () => {
  const records = ['a', 'b', 'c', 'd'].map((t) => encodeRecord(payload(t)));
  const bytes = Buffer.concat(records);
  const at = (records[0] as Buffer).length + (records[1] as Buffer).length + 8; // the payload of 'c'
  bytes[at] = 'x'.charCodeAt(0);
  const out = decodeRecords(bytes);
  assert.deepEqual(out.payloads.map(String), ['a', 'b']);
  assert.equal(out.stoppedAt?.reason, 'checksum');
  assert.equal(out.validLength, at - 8);
  // A length field no record could have (garbage) stops it too.
  const garbage = Buffer.concat([records[0] as Buffer, Buffer.from([0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0])]);
  assert.equal(decodeRecords(garbage).stoppedAt?.reason, 'length');
});

test('folding: a later pin record pins, a later copy replaces in place, clear drops the unpinned before it', () => {
  const out = foldRecords([
    exchangePayload('k1', false, { n: 1 }),
    exchangePayload('k2', false, { n: 2 }),
    pinPayload('k2', true),
    exchangePayload('k3', false, { n: 3 }),
    clearPayload(),
    exchangePayload('k4', false, { n: 4 }),
    exchangePayload('k2', true, { n: 22 }),
    payload('not json'),
    payload('{"t":"x","key":5}\n{}'),
    payload('{"t":"x","key":"no-entry"}'),
  ]);
  assert.deepEqual(
    out.map((x) => [x.key, x.pinned, parseEntry(x)]),
    [
      ['k2', true, { n: 22 }],
      ['k4', false, { n: 4 }],
    ],
  );
});

test('truncate and append: opening a file with a torn tail cuts it, and the next record follows the last good one', () => {
  const path = join(fresh(), 'shop.log');
  const opened = TrafficFile.open(path, 1024 * 1024);
  opened.file.append(exchangePayload('k1', false, { n: 1 }));
  opened.file.append(exchangePayload('k2', false, { n: 2 }));
  opened.file.close();
  const good = statSync(path).size;
  // What a crash in the middle of a write leaves: a header and part of a payload.
  appendFileSync(path, encodeRecord(exchangePayload('k3', false, { n: 3 })).subarray(0, 20));
  const again = TrafficFile.open(path, 1024 * 1024);
  assert.equal(again.discardedBytes, 20);
  assert.deepEqual(again.exchanges.map((x) => x.key), ['k1', 'k2']);
  assert.equal(statSync(path).size, good, 'the torn tail is cut before anything is appended');
  again.file.append(exchangePayload('k4', false, { n: 4 }));
  again.file.close();
  const read = decodeRecords(readFileSync(path));
  assert.equal(read.stoppedAt, null);
  assert.deepEqual(foldRecords(read.payloads).map((x) => x.key), ['k1', 'k2', 'k4']);
});

test('the size cap: over it the file is rewritten as its newest part, the oldest dropped and pinned ones kept', () => {
  const path = join(fresh(), 'shop.log');
  const max = 16 * 1024;
  const { file } = TrafficFile.open(path, max);
  file.append(exchangePayload('pinned-first', true, { pad: 'p'.repeat(100) }));
  for (let i = 0; i < 200; i++) {
    file.append(exchangePayload(`k${i}`, false, { pad: 'x'.repeat(200) }));
    assert.ok(statSync(path).size <= max, `after ${i}: ${statSync(path).size} bytes`);
  }
  file.close();
  assert.equal(existsSync(`${path}.tmp`), false);
  const keys = foldRecords(decodeRecords(readFileSync(path)).payloads).map((x) => x.key);
  assert.equal(keys[0], 'pinned-first');
  assert.equal(keys.at(-1), 'k199');
  assert.ok(!keys.includes('k0') && keys.length > 20, `kept ${keys.length}`);
  const numbers = keys.slice(1).map((k) => Number(k.slice(1)));
  assert.deepEqual(numbers, numbers.map((_, i) => (numbers[0] as number) + i), 'a contiguous newest run');
  // A file already over a smaller cap is compacted on open.
  const reopened = TrafficFile.open(path, 4 * 1024);
  reopened.file.close();
  assert.ok(statSync(path).size <= 4 * 1024);
});

test('a compaction that fails (the temporary file cannot be made) is reported, appends go on, and it is retried only after another half cap', () => {
  const path = join(fresh(), 'shop.log');
  const max = 8 * 1024;
  const failures: string[] = [];
  const { file } = TrafficFile.open(path, max, (m) => failures.push(m));
  mkdirSync(`${path}.tmp`); // openSync(tmp, 'w') now fails with EISDIR
  for (let i = 0; i < 40; i++) file.append(exchangePayload(`k${i}`, false, { pad: 'x'.repeat(200) }));
  assert.ok(failures.length >= 1 && failures.length <= 2, `compaction attempts: ${failures.length}`);
  assert.match(failures[0] ?? '', /could not compact .*shop\.log \(EISDIR/);
  assert.equal(foldRecords(decodeRecords(readFileSync(path)).payloads).length, 40, 'every append still reached the file');
  rmSync(`${path}.tmp`, { recursive: true });
  for (let i = 40; i < 80; i++) file.append(exchangePayload(`k${i}`, false, { pad: 'x'.repeat(200) }));
  file.close();
  assert.ok(statSync(path).size <= max, 'compaction works again once it can');
});

/** A finished GET with a JSON response, in `project`. */
function capture(store: TrafficStore, project: string, url: string, body = '{"ok":true}'): number {
  const rec = store.begin({ clientProtocol: 'http/1.1', method: 'POST', host: `${project}.localhost:7700`, url, requestHeaders: ['Host', `${project}.localhost:7700`, 'Content-Type', 'text/plain'], project, service: 'api', route: '/' });
  rec.requestChunk(Buffer.from(`request to ${url}`));
  rec.response(200, ['Content-Type', 'application/json']);
  rec.responseChunk(Buffer.from(body));
  rec.end();
  return rec.id;
}

test('persist on: finished exchanges are written and read back by the next engine, marked earlier, with bodies to replay', async () => {
  const dir = fresh();
  const first = new TrafficStore();
  const p1 = new TrafficPersistence(first, dir);
  await p1.configure('shop', { ...DEFAULT_CAPTURE_SETTINGS, persist: true });
  capture(first, 'shop', '/a');
  const pinned = capture(first, 'shop', '/b');
  first.pin(pinned, true);
  capture(first, 'other', '/not-configured');
  p1.close();
  assert.equal(existsSync(join(dir, 'other.log')), false);

  const second = new TrafficStore();
  const p2 = new TrafficPersistence(second, dir);
  await p2.configure('shop', { ...DEFAULT_CAPTURE_SETTINGS, persist: true });
  const list = second.list();
  assert.deepEqual(list.map((s) => [s.url, s.earlier, s.pinned, s.project, s.status]), [
    ['/a', true, false, 'shop', 200],
    ['/b', true, true, 'shop', 200],
  ]);
  const id = (list[0] as { id: number }).id;
  assert.equal(Buffer.from(second.body(id, 'request')?.base64 ?? '', 'base64').toString(), 'request to /a');
  assert.equal(Buffer.from(second.body(id, 'response')?.base64 ?? '', 'base64').toString(), '{"ok":true}');
  assert.equal(second.get(id)?.method, 'POST');
  // Unpinning an earlier exchange is remembered too: with persist off, the next run no longer loads it.
  second.pin((list[1] as { id: number }).id, false);
  capture(second, 'shop', '/c');
  p2.close();
  const third = new TrafficStore();
  await new TrafficPersistence(third, dir).configure('shop', { ...DEFAULT_CAPTURE_SETTINGS, persist: false });
  assert.deepEqual(third.list(), []);
});

test('persist off: nothing is written except pinned exchanges (pinned before or after they finish); clear keeps the pinned', async () => {
  const dir = fresh();
  const store = new TrafficStore();
  const persistence = new TrafficPersistence(store, dir);
  await persistence.configure('shop', DEFAULT_CAPTURE_SETTINGS);
  capture(store, 'shop', '/plain');
  assert.equal(statSync(join(dir, 'shop.log')).size, 0, 'an unpinned exchange is not written');
  store.pin(capture(store, 'shop', '/pinned-after'), true);
  const running = store.begin({ clientProtocol: 'http/1.1', method: 'GET', host: 'shop.localhost', url: '/pinned-while-running', requestHeaders: [], project: 'shop' });
  store.pin(running.id, true);
  running.response(204, []);
  running.end();
  store.pin(capture(store, 'shop', '/pinned-then-unpinned'), true);
  store.pin(store.list().at(-1)?.id ?? 0, false);
  store.clear();
  persistence.close();

  const next = new TrafficStore();
  await new TrafficPersistence(next, dir).configure('shop', { ...DEFAULT_CAPTURE_SETTINGS, persist: true });
  assert.deepEqual(next.list().map((s) => [s.url, s.pinned, s.earlier]), [
    ['/pinned-after', true, true],
    ['/pinned-while-running', true, true],
  ]);
});

test('a file that cannot be written (its folder is a file) is reported, and capture goes on', async () => {
  const blocker = fresh();
  writeFileSync(blocker, 'not a folder');
  const warnings: string[] = [];
  const store = new TrafficStore();
  await new TrafficPersistence(store, blocker, (m) => warnings.push(m)).configure('shop', { ...DEFAULT_CAPTURE_SETTINGS, persist: true });
  capture(store, 'shop', '/still-captured');
  assert.equal(store.size, 1);
  assert.match(warnings[0] ?? '', /traffic of shop could not be persisted/);
});
