// Copy-as-cURL and copy-as-fetch are checked by running them: the cURL command through
// a real shell and curl, the fetch snippet in Node, both against a real local server.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { base64ToBytes, bytesToBase64, decodeText, detectBodyKind, hexDump, sniffImage, utf8Length } from '../../renderer/src/body/bytes.js';
import { diffStats, lineDiff } from '../../renderer/src/diff/line-diff.js';
import { headersToText, sameHeaders, textToHeaders } from '../../renderer/src/export/headers-text.js';
import { importHar, parseHarText } from '../../renderer/src/export/har-import.js';
import { shellQuote, toCurl, toFetch, type CopyableRequest } from '../../renderer/src/export/request-copy.js';
import { absoluteUrl, countOf, formatBytes, formatDuration, serviceStatusText, statusTone } from '../../renderer/src/format/format.js';
import { timingSegments } from '../../renderer/src/format/timing.js';
import { TrafficStore } from '../../engine/capture/store.js';

interface Seen {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

let server: Server;
let base: string;
const seen: Seen[] = [];

before(async () => {
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      seen.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks) });
      res.end('ok');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
after(() => new Promise<void>((resolve) => server.close(() => resolve())));

function runShell(script: string): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile('sh', ['-c', `${script} --silent --show-error --output /dev/null`], { timeout: 20_000 }, (err, _out, stderr) => (err ? reject(new Error(`${err.message}\n${stderr}`)) : resolve()));
  });
}

async function runFetch(snippet: string): Promise<void> {
  const AsyncFunction = Object.getPrototypeOf(async () => {}).constructor as new (...args: string[]) => () => Promise<unknown>;
  await new AsyncFunction(snippet)();
}

const tricky = "it's a \"test\"\nwith $HOME, `backticks`, \\ and !history";

describe('copy as cURL (run through sh and curl)', () => {
  it('quotes single quotes, newlines and shell metacharacters', async () => {
    const request: CopyableRequest = {
      method: 'PUT',
      url: `${base}/a/b?q=it's&x=$(id)`,
      headers: [
        ['Host', new URL(base).host],
        ['X-Quote', "it's 'quoted'"],
        ['X-Dollar', '$PATH `id`'],
        ['Content-Type', 'text/plain'],
        ['Content-Length', '999'],
      ],
      body: new TextEncoder().encode(tricky),
    };
    const cmd = toCurl(request);
    assert.ok(!cmd.includes("-H 'Host:"), 'Host equal to the URL host is left to curl');
    assert.ok(!/content-length/i.test(cmd), 'Content-Length is left to curl');
    seen.length = 0;
    await runShell(cmd);
    const got = seen[0];
    assert.ok(got);
    assert.equal(got.method, 'PUT');
    assert.equal(got.url, "/a/b?q=it's&x=$(id)");
    assert.equal(got.headers['x-quote'], "it's 'quoted'");
    assert.equal(got.headers['x-dollar'], '$PATH `id`');
    assert.equal(got.body.toString('utf8'), tricky);
  });
  it('pipes binary bodies in on stdin (--data-binary @-)', async () => {
    const bytes = new Uint8Array([0, 1, 2, 255, 39, 10, 0, 128]);
    const cmd = toCurl({ method: 'POST', url: `${base}/bin`, headers: [['Content-Type', 'application/octet-stream']], body: bytes });
    assert.match(cmd, /^# binary body \(8 bytes\)/);
    assert.match(cmd, /--data-binary @-/);
    seen.length = 0;
    await runShell(cmd);
    assert.deepEqual([...(seen[0]?.body ?? [])], [...bytes]);
    assert.equal(seen[0]?.method, 'POST');
  });
  it('omits -X for GET and for POST with a body, and skips HTTP/2 pseudo-headers', () => {
    assert.equal(toCurl({ method: 'GET', url: 'http://x.localhost/', headers: [[':authority', 'x.localhost']], body: null }), "curl 'http://x.localhost/'");
    assert.ok(!toCurl({ method: 'POST', url: 'http://x/', headers: [], body: new TextEncoder().encode('a') }).includes('-X'));
    assert.ok(toCurl({ method: 'DELETE', url: 'http://x/', headers: [], body: null }).includes("-X 'DELETE'"));
  });
  it('shell-quotes the empty string and embedded quotes', () => {
    assert.equal(shellQuote(''), "''");
    assert.equal(shellQuote("a'b"), "'a'\\''b'");
  });
});

describe('copy as fetch (run in Node)', () => {
  it('reproduces method, headers and a text body with JSON escaping', async () => {
    const snippet = toFetch({
      method: 'PATCH',
      url: `${base}/f?x="y"`,
      headers: [
        ['Host', 'shop.localhost'],
        ['X-A', 'one'],
        ['X-A', 'two'],
        ['X-Line', "it's </script>"],
        ['Connection', 'keep-alive'],
      ],
      body: new TextEncoder().encode(tricky),
    });
    assert.ok(!snippet.includes('"Host"'), 'forbidden headers are left out');
    seen.length = 0;
    await runFetch(snippet);
    const got = seen[0];
    assert.ok(got);
    assert.equal(got.method, 'PATCH');
    assert.equal(got.headers['x-a'], 'one, two');
    assert.equal(got.headers['x-line'], "it's </script>");
    assert.equal(got.body.toString('utf8'), tricky);
  });
  it('sends binary bodies byte for byte', async () => {
    const bytes = new Uint8Array([0, 255, 10, 13, 34, 92]);
    seen.length = 0;
    await runFetch(toFetch({ method: 'POST', url: `${base}/b`, headers: [], body: bytes }));
    assert.deepEqual([...(seen[0]?.body ?? [])], [...bytes]);
  });
});

describe('header text for the editor', () => {
  it('round-trips in order, with repeats', () => {
    const headers: [string, string][] = [
      ['Accept', 'a'],
      ['X-Two', '1'],
      ['X-Two', '2'],
      ['Cookie', 'a=b; c=d:e'],
    ];
    const back = textToHeaders(headersToText(headers));
    assert.deepEqual(back.errors, []);
    assert.ok(sameHeaders(back.headers, headers));
  });
  it('reports malformed lines with their number', () => {
    const r = textToHeaders('Accept: x\nno colon here\nBad Name: y\n\n');
    assert.deepEqual(
      r.errors.map((e) => e.line),
      [2, 3],
    );
    assert.equal(r.headers.length, 1);
  });
});

describe('line diff', () => {
  it('finds added and removed lines', () => {
    const ops = lineDiff('a\nb\nc\nd', 'a\nc\nd\ne');
    assert.deepEqual(
      ops.map((o) => `${o.op[0]}${o.text}`),
      ['sa', 'rb', 'sc', 'sd', 'ae'],
    );
    assert.deepEqual(diffStats(ops), { added: 1, removed: 1 });
  });
  it('handles empty sides and identical text', () => {
    assert.deepEqual(lineDiff('', ''), []);
    assert.deepEqual(
      lineDiff('', 'x').map((o) => o.op),
      ['added'],
    );
    assert.deepEqual(diffStats(lineDiff('same\ntext', 'same\ntext')), { added: 0, removed: 0 });
  });
  it('stays bounded for large different texts', () => {
    const a = Array.from({ length: 5000 }, (_, i) => `a${i}`).join('\n');
    const b = Array.from({ length: 5000 }, (_, i) => `b${i}`).join('\n');
    const ops = lineDiff(a, b);
    assert.deepEqual(diffStats(ops), { added: 5000, removed: 5000 });
  });
});

describe('body bytes', () => {
  it('round-trips base64 and detects text', () => {
    const bytes = new Uint8Array([104, 105, 0, 255]);
    assert.deepEqual([...base64ToBytes(bytesToBase64(bytes))], [...bytes]);
    assert.equal(decodeText(new TextEncoder().encode('héllo\n')), 'héllo\n');
    assert.equal(decodeText(bytes), null);
    assert.equal(decodeText(new Uint8Array([0xc3, 0x28])), null, 'invalid UTF-8');
    assert.equal(utf8Length('é'), 2);
  });
  it('chooses the viewer from content type and content', () => {
    const enc = (s: string) => new TextEncoder().encode(s);
    assert.equal(detectBodyKind('application/json; charset=utf-8', enc('{"a":1}')), 'json');
    assert.equal(detectBodyKind('text/plain', enc('[1,2]')), 'json');
    assert.equal(detectBodyKind('application/json', enc('{broken')), 'text');
    assert.equal(detectBodyKind('text/html', enc('<script>alert(1)</script>')), 'html');
    assert.equal(detectBodyKind('application/octet-stream', new Uint8Array([0, 1, 2])), 'binary');
    assert.equal(detectBodyKind('text/plain', new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0, 0])), 'image', 'magic bytes win');
    assert.equal(detectBodyKind(null, new Uint8Array()), 'empty');
    assert.equal(sniffImage(new Uint8Array([0xff, 0xd8, 0xff, 0xe0])), 'image/jpeg');
  });
  it('dumps hex with offsets and ASCII', () => {
    const lines = hexDump(new TextEncoder().encode('ABCDEFGHIJKLMNOPQ'));
    assert.equal(lines.length, 2);
    assert.equal(lines[0], '00000000  41 42 43 44 45 46 47 48  49 4a 4b 4c 4d 4e 4f 50  |ABCDEFGHIJKLMNOP|');
    assert.ok((lines[1] ?? '').startsWith('00000010  51 '));
    assert.equal(hexDump(new Uint8Array(100), 2).length, 2);
  });
});

describe('formatting', () => {
  it('formats sizes, durations, tones and URLs', () => {
    assert.equal(formatBytes(512), '512 B');
    assert.equal(formatBytes(1536), '1.5 KB');
    assert.equal(formatBytes(5 * 1024 * 1024), '5 MB');
    assert.equal(formatDuration(null), '…');
    assert.equal(formatDuration(12.4), '12 ms');
    assert.equal(formatDuration(1500), '1.5 s');
    assert.equal(statusTone({ status: 503, error: null, state: 'complete' }), 'server-error');
    assert.equal(statusTone({ status: null, error: { code: 'x', title: 't', detail: 'd' }, state: 'error' }), 'failed');
    assert.equal(statusTone({ status: null, error: null, state: 'pending' }), 'pending');
    const dropped = { code: 'websocket-dropped', title: 'The WebSocket connection dropped', detail: 'd' };
    assert.equal(statusTone({ status: 101, error: dropped, state: 'error' }), 'failed', 'a WebSocket that dropped after its 101 failed');
    assert.equal(statusTone({ status: 101, error: null, state: 'complete' }), 'info');
    assert.equal(statusTone({ status: 200, error: { code: 'client_aborted', title: 't', detail: 'd' }, state: 'aborted' }), 'ok');
    assert.equal(absoluteUrl({ clientProtocol: 'h2', host: 'shop.localhost:7700', url: '/x' }), 'https://shop.localhost:7700/x');
    assert.equal(absoluteUrl({ clientProtocol: 'http/1.1', host: 'shop.localhost', url: '/' }), 'http://shop.localhost/');
  });
  it('a service badge says when locald gave up on it', () => {
    assert.equal(serviceStatusText({ status: 'crashed', gaveUpAfter: 8 }), 'gave up');
    assert.equal(serviceStatusText({ status: 'crashed', gaveUpAfter: null }), 'crashed');
    assert.equal(serviceStatusText({ status: 'backoff' }), 'backoff');
  });
  it('splits timings into phases and skips missing ones', () => {
    const segs = timingSegments({ start: 0, upstreamConnected: 2, requestSent: 3, firstByte: 10, end: 12 });
    assert.deepEqual(
      segs.map((s) => [s.phase, s.from, s.ms]),
      [
        ['connect', 0, 2],
        ['send', 2, 1],
        ['wait', 3, 7],
        ['receive', 10, 2],
      ],
    );
    assert.deepEqual(
      timingSegments({ start: 0, upstreamConnected: null, requestSent: null, firstByte: 5, end: null }).map((s) => s.phase),
      ['wait'],
    );
  });
});

describe('HAR import', () => {
  const entry = (over: Record<string, unknown> = {}) => ({
    startedDateTime: '2024-05-01T10:00:00.000Z',
    time: 42,
    request: {
      method: 'post',
      url: 'http://shop.localhost:7700/api/echo?x=1',
      httpVersion: 'HTTP/1.1',
      headers: [
        { name: 'Content-Type', value: 'application/json' },
        { name: 'X-B', value: '2' },
      ],
      postData: { mimeType: 'application/json', text: '{"a":"é"}' },
    },
    response: {
      status: 200,
      httpVersion: 'HTTP/1.1',
      headers: [{ name: 'Content-Type', value: 'image/png' }],
      content: { size: 4, mimeType: 'image/png', text: 'iVBORw==', encoding: 'base64' },
    },
    timings: { blocked: 1, dns: 0, connect: 2, send: 1, wait: 30, receive: 8 },
    _project: 'shop',
    _service: 'api',
    ...over,
  });
  it('imports valid entries with headers in order and bodies', () => {
    const r = importHar({ log: { version: '1.2', creator: { name: 'locald', version: '0.1.0' }, entries: [entry()] } });
    assert.deepEqual(r.errors, []);
    assert.equal(r.creator, 'locald 0.1.0');
    const x = r.exchanges[0];
    assert.ok(x);
    assert.equal(x.detail.method, 'POST');
    assert.equal(x.detail.host, 'shop.localhost:7700');
    assert.equal(x.detail.url, '/api/echo?x=1');
    assert.equal(x.detail.project, 'shop');
    assert.deepEqual(x.detail.requestHeaders[1], ['X-B', '2']);
    assert.equal(x.detail.requestSize, utf8Length('{"a":"é"}'));
    assert.equal(x.responseBody?.base64, 'iVBORw==');
    assert.equal(x.responseBody?.size, 4);
    assert.equal(x.detail.timings.firstByte, 34);
    assert.equal(new TextDecoder().decode(base64ToBytes(x.requestBody?.base64 ?? '')), '{"a":"é"}');
  });
  it('skips broken entries with located messages and keeps the rest', () => {
    const r = importHar({
      log: {
        entries: [
          entry(),
          entry({ request: { method: 'GET', url: 'not a url' } }),
          entry({ startedDateTime: 'yesterday' }),
          entry({ response: { status: 'ok' } }),
          entry({ request: { method: 'GET', url: 'http://x/', headers: [{ name: 1 }] } }),
          42,
          entry({ response: { status: 200, content: { text: '%%%', encoding: 'base64' } } }),
        ],
      },
    });
    assert.equal(r.exchanges.length, 2, 'an entry with a bad body is kept without that body');
    assert.equal(r.exchanges[1]?.responseBody, null);
    assert.deepEqual(r.errors, [
      'log.entries[1].request.url: "not a url" is not an absolute URL',
      'log.entries[2].startedDateTime: expected an ISO 8601 date',
      'log.entries[3].response.status: expected an integer',
      'log.entries[4].request.headers[0]: expected {name: string, value: string}',
      'log.entries[5]: expected an object',
      'log.entries[6].response.content.text: encoding is base64 but the text is not base64',
    ]);
  });
  it('refuses what is not a HAR', () => {
    assert.match(parseHarText('{oops').errors[0] ?? '', /^not JSON/);
    assert.deepEqual(importHar([]).errors, ['expected an object with a "log" object (HAR 1.2)']);
    assert.deepEqual(importHar({ log: {} }).errors, ['log.entries: expected an array']);
  });
  it("keeps locald's own fields from a locald export: service, error, replay link, forwarded headers, log lines", () => {
    // The real exporter (the engine's store), then the inspector's importer, as a user round-trips a HAR file.
    const store = new TrafficStore(undefined, { version: '9.9.9' });
    const original = store.begin({ clientProtocol: 'http/1.1', method: 'GET', host: 'shop.localhost:7700', url: '/api/hello', requestHeaders: ['Host', 'shop.localhost:7700'], project: 'shop', service: 'api', route: '/api' });
    original.forwarded('/hello', ['Host', 'shop.localhost:7700', 'X-Forwarded-Proto', 'http'], 'http/1.1');
    original.response(200, ['Content-Type', 'text/plain'], ['Content-Type', 'text/plain', 'Via', '1.1 locald']);
    original.responseChunk(Buffer.from('hi'));
    original.end();
    // Exported ids are not 1, 2: the store has seen other exchanges before.
    for (let i = 0; i < 3; i++) store.begin({ clientProtocol: 'http/1.1', method: 'GET', host: 'x.localhost', url: '/', requestHeaders: [] }).end();
    const replay = store.begin({ clientProtocol: 'http/1.1', method: 'GET', host: 'shop.localhost:7700', url: '/api/hello', requestHeaders: [], project: 'shop', service: 'api', replayOf: original.id });
    const error = { code: 'connection_refused', title: "Service 'api' is not listening", detail: 'nothing on port 5173' };
    replay.fail(error, [{ seq: 7, time: 1, project: 'shop', service: 'api', stream: 'stderr', text: 'Error: boom' }], 502);
    const har = JSON.parse(JSON.stringify(store.toHar([original.id, replay.id]))) as unknown;
    store.close();

    const r = importHar(har);
    assert.deepEqual(r.errors, []);
    const [first, second] = r.exchanges.map((x) => x.detail);
    assert.ok(first && second);
    assert.deepEqual([first.id, second.id], [original.id, replay.id], 'ids as exported, so #numbers and links match');
    assert.deepEqual({ project: first.project, service: first.service, route: first.route, forwardedUrl: first.forwardedUrl }, { project: 'shop', service: 'api', route: '/api', forwardedUrl: '/hello' });
    assert.deepEqual(first.forwardedRequestHeaders.map(([n]) => n), ['Host', 'X-Forwarded-Proto']);
    assert.deepEqual(first.responseHeaders.map(([n]) => n), ['Content-Type'], 'as the service sent them');
    assert.deepEqual(first.forwardedResponseHeaders.map(([n]) => n), ['Content-Type', 'Via'], 'as the client got them');
    assert.equal(second.replayOf, original.id);
    assert.deepEqual(second.error, error);
    assert.equal(second.status, 502);
    assert.equal(second.service, 'api');
    assert.deepEqual(second.logLines.map((l) => [l.stream, l.text]), [['stderr', 'Error: boom']]);
  });
  it('gives entries without a usable _locald.id the free ids, and reports a malformed _locald.error', () => {
    const r = importHar({ log: { entries: [entry({ _locald: { id: 2 } }), entry(), entry({ _locald: { id: 2, error: 'boom' } })] } });
    assert.deepEqual(r.exchanges.map((x) => x.detail.id), [2, 1, 3]);
    assert.deepEqual(r.errors, ['log.entries[2]._locald.error: expected {code, title, detail}; ignored']);
    assert.equal(r.exchanges[2]?.detail.error, null);
  });
  it('reads Chrome WebSocket messages', () => {
    const r = importHar({ log: { entries: [entry({ _webSocketMessages: [{ type: 'send', time: 1714557600.5, opcode: 1, data: 'hi' }, { type: 'receive', time: 1714557601, opcode: 1, data: 'hi' }] })] } });
    const d = r.exchanges[0]?.detail;
    assert.equal(d?.kind, 'websocket');
    assert.equal(d?.websocketMessages.length, 2);
    assert.equal(d?.websocketMessages[0]?.direction, 'client');
    assert.equal(d?.websocketMessages[0]?.time, 1714557600500);
  });
});

describe('counts in words', () => {
  it('pluralises the noun only when the count is not one', () => {
    assert.equal(countOf(1, 'restart'), '1 restart');
    assert.equal(countOf(2, 'restart'), '2 restarts');
    assert.equal(countOf(0, 'line'), '0 lines');
    assert.equal(countOf(1, 'entry', 'entries'), '1 entry');
    assert.equal(countOf(12_000, 'entry', 'entries'), '12,000 entries');
  });
});
