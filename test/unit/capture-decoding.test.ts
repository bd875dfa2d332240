import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';
import zlib from 'node:zlib';
import { decodeBody, ZSTD_SUPPORTED } from '../../engine/capture/content-decoding.js';
import { TrafficStore } from '../../engine/capture/store.js';

const original = Buffer.from(JSON.stringify({ items: Array.from({ length: 400 }, (_, i) => ({ id: i, name: `item ${i}`, tags: ['a', 'b'] })) }));

test('decoding: gzip, x-gzip, deflate (zlib and raw), br, each from real compressed bytes', () => {
  const cases: [string, Buffer][] = [
    ['gzip', zlib.gzipSync(original)],
    ['x-gzip', zlib.gzipSync(original)],
    ['deflate', zlib.deflateSync(original)],
    ['deflate', zlib.deflateRawSync(original)],
    ['br', zlib.brotliCompressSync(original)],
  ];
  for (const [coding, compressed] of cases) {
    const result = decodeBody(compressed, [coding], false);
    assert.equal(result.error, null, coding);
    assert.equal(result.decodedFrom, coding);
    assert.ok(result.body.equals(original), coding);
  }
});

test('decoding: several codings are removed in reverse order of application', () => {
  const twice = zlib.brotliCompressSync(zlib.gzipSync(original));
  const result = decodeBody(twice, ['gzip', 'br'], false);
  assert.equal(result.error, null);
  assert.equal(result.decodedFrom, 'gzip, br');
  assert.ok(result.body.equals(original));
});

test('decoding: zstd from the real zstd tool, or a clear error on a Node without zstd', (t) => {
  const tool = spawnSync('zstd', ['-c', '-q'], { input: original });
  if (tool.error !== undefined || tool.status !== 0) {
    t.skip('the zstd command is not installed');
    return;
  }
  const result = decodeBody(tool.stdout, ['zstd'], false);
  if (ZSTD_SUPPORTED) {
    assert.equal(result.error, null);
    assert.ok(result.body.equals(original));
  } else {
    assert.match(result.error ?? '', /zstd decoding needs Node 22\.15 or later \(this is Node /);
    assert.ok(result.body.equals(tool.stdout), 'the raw bytes come back');
    assert.equal(result.decodedFrom, null);
  }
});

test('decoding: a truncated gzip body yields the part that can be decoded', () => {
  const big = Buffer.alloc(2_000_000);
  for (let i = 0; i < big.length; i++) big[i] = (i * 7919) % 251;
  const gz = zlib.gzipSync(big, { level: 1 });
  const cut = gz.subarray(0, Math.floor(gz.length / 2));
  const result = decodeBody(cut, ['gzip'], true);
  assert.equal(result.error, null);
  assert.ok(result.body.length > 0 && result.body.length < big.length, `decoded ${result.body.length} bytes`);
  assert.ok(big.subarray(0, result.body.length).equals(result.body));
});

test('decoding: garbage, unsupported codings and bombs return the raw bytes with a reason', () => {
  const garbage = Buffer.from('definitely not gzip');
  const bad = decodeBody(garbage, ['gzip'], false);
  assert.ok(bad.body.equals(garbage));
  assert.match(bad.error ?? '', /^cannot decode gzip: /);
  assert.equal(bad.decodedFrom, null);

  const unsupported = decodeBody(garbage, ['compress'], false);
  assert.equal(unsupported.error, "unsupported content-coding 'compress'");

  const bomb = zlib.gzipSync(Buffer.alloc(10 * 1024 * 1024));
  const limited = decodeBody(bomb, ['gzip'], false, 1024 * 1024);
  assert.equal(limited.error, 'cannot decode gzip: the decoded body is larger than the decode limit');
  assert.ok(limited.body.equals(bomb));

  assert.deepEqual(decodeBody(garbage, [], false), { body: garbage, decodedFrom: null, error: null });
});

test('store.body(): decodes a captured gzip response sent in chunks; raw on request; identity ignored', () => {
  const store = new TrafficStore();
  const rec = store.begin({ clientProtocol: 'http/1.1', method: 'POST', host: 'a.localhost', url: '/x', requestHeaders: ['Content-Type', 'text/plain', 'Content-Encoding', 'identity'] });
  rec.requestChunk(Buffer.from('plain request'));
  const gz = zlib.gzipSync(original);
  rec.response(200, ['Content-Type', 'application/json', 'Content-Encoding', 'gzip']);
  for (let i = 0; i < gz.length; i += 100) rec.responseChunk(gz.subarray(i, i + 100));
  rec.end();
  const decoded = store.body(rec.id, 'response', true);
  assert.ok(decoded);
  assert.equal(decoded.decodedFrom, 'gzip');
  assert.equal(decoded.decodeError, null);
  assert.ok(Buffer.from(decoded.base64, 'base64').equals(original));
  assert.equal(decoded.size, gz.length);
  assert.equal(decoded.contentType, 'application/json');
  const raw = store.body(rec.id, 'response', false);
  assert.ok(Buffer.from(raw?.base64 ?? '', 'base64').equals(gz));
  assert.equal(raw?.decodedFrom, null);
  const request = store.body(rec.id, 'request');
  assert.equal(Buffer.from(request?.base64 ?? '', 'base64').toString(), 'plain request');
  assert.equal(request?.decodedFrom, null);
  assert.equal(store.body(9999, 'request'), undefined);
  store.close();
});
