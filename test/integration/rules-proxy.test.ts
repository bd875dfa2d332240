// Rules acting on the data path of a real `locald up` (issue 14), seen by real clients: curl
// and Node over HTTP/1.1, HTTP/2 over TLS and h2c, and @grpc/grpc-js. The rules come from the
// project's locald.rules.toml, except the breakpoints, added and released over the engine API.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, type ChildProcess } from 'node:child_process';
import type { ClientRequest, IncomingHttpHeaders } from 'node:http';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ExchangeSummary } from '../../shared/traffic.js';
import { engineCall } from '../e2e/harness.js';
import { startLocald, tempHome, writeProjectDir, type LocaldProcess } from '../helpers/locald-cli.js';
import { request, startUpstream, waitFor, type Upstream } from '../helpers/proxy-net.js';
import { closeSession, connectH2c, curl, h2Request } from '../helpers/h2-kit.js';
import { echoClient, unary, type EchoClient, type grpc } from '../helpers/h2-grpc.js';
import WebSocket, { WebSocketServer } from 'ws';

// Each service answers with what it received, as JSON; /big is 64 KiB, /rewrite-body is text.
const SERVICE = `
const name = process.argv[2];
require('node:http').createServer((q, s) => {
  const chunks = [];
  q.on('data', (c) => chunks.push(c));
  q.on('end', () => {
    if (q.url.startsWith('/big') || q.url.startsWith('/cut')) { s.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': 65536 }); s.end(Buffer.alloc(65536, 97)); return; }
    if (q.url.startsWith('/events')) { s.writeHead(200, { 'content-type': 'text/event-stream' }); s.write('data: one\\n\\n'); return; }
    if (q.url.startsWith('/missing')) { s.writeHead(404, { 'content-type': 'text/plain' }); s.end('not here'); return; }
    if (q.url.startsWith('/upload')) { s.end(String(Buffer.concat(chunks).length)); return; }
    if (q.url.startsWith('/rewrite-body')) { s.writeHead(200, { 'content-type': 'text/plain' }); s.end('hello world, got ' + Buffer.concat(chunks).toString()); return; }
    s.writeHead(200, { 'content-type': 'application/json', 'x-secret': 'hidden' });
    s.end(JSON.stringify({ service: name, method: q.method, url: q.url, headers: q.headers, body: Buffer.concat(chunks).toString() }));
  });
}).listen(+process.env.PORT, '127.0.0.1');
`;

// An h2c service (the other upstream kind): what it received, as JSON.
const H2C_SERVICE = `
require('node:http2').createServer((q, s) => {
  const chunks = [];
  q.on('data', (c) => chunks.push(c));
  q.on('end', () => {
    s.writeHead(200, { 'content-type': 'application/json' });
    s.end(JSON.stringify({ service: 'h2svc', headers: q.headers, body: Buffer.concat(chunks).toString(), note: 'secret' }));
  });
}).listen(+process.env.PORT, '127.0.0.1');
`;

const TOML = `name = "rulz"
[services.web]
command = "node service.js web"
[services.api]
command = "node service.js api"
[services.h2svc]
command = "node h2c.js"
protocol = "h2c"
[routes]
"/h2c" = "h2svc"
"/" = "web"
`;

function rulesFile(elsewherePort: number): string {
  return `
[[rule]]
match = "path:/mock-flags"
mock = { status = 200, headers = { "content-type" = "application/json" }, body = '{"beta":true}' }

[[rule]]
match = "path:/mock-file"
mock = { status = 201, headers = { "content-type" = "application/json" }, body_file = "mocks/flags.json" }

[[rule]]
match = "path:/mock-once"
mock = { status = 202, body = "first", times = 1 }

[[rule]]
match = "path:/legacy"
map = { service = "api", path = "/v1" }

[[rule]]
match = "path:/elsewhere"
map = { url = "http://127.0.0.1:${elsewherePort}", host = "other.example" }

[[rule]]
match = "path:/hdr"
set_request_headers = { "x-added" = "yes" }
remove_request_headers = ["x-drop"]
set_response_headers = { "x-debug" = "1" }
remove_response_headers = ["x-secret"]
replace_url = { find = "old", replace = "new" }

[[rule]]
match = "path:/missing status:404"
mock = { status = 200, headers = { "content-type" = "text/plain" }, body = "found by a rule" }

[[rule]]
match = "path:/h2c/rw"
set_request_headers = { "x-added" = "h2c" }
set_response_headers = { "x-debug" = "h2c" }
replace_request_body = { find = "ping", replace = "pong" }
replace_response_body = { find = "secret", replace = "public" }

[[rule]]
match = "path:/rewrite-body"
replace_response_body = { find = "world", replace = "rules" }
replace_request_body = { find = "ping", replace = "pong" }

[[rule]]
match = "path:/slow-req"
delay = "300ms"

[[rule]]
match = "path:/slow-head"
response_delay = "300ms"

[[rule]]
match = "path:/big"
throttle = "64kb/s"

[[rule]]
match = "path:/upload-slow"
throttle = "32kb/s"

[[rule]]
match = "path:/reset"
fail = "reset"

[[rule]]
match = "path:/cut-slow"
throttle = "2kb/s"
fail = "close-after:1kb"

[[rule]]
match = "path:/cut"
fail = "close-after:1kb"

[[rule]]
match = "path:/unavailable"
fail = 503

[[rule]]
match = "path:/ws-refused"
mock = { status = 403, headers = { "x-mock" = "refused", "content-type" = "text/plain" }, body = "no sockets today" }

[[rule]]
match = "path:/ws-welcome"
mock = { status = 200, body = "welcome" }

[[rule]]
match = "path:/ws-moved"
delay = "300ms"
map = { url = "http://127.0.0.1:${elsewherePort}" }

[[rule]]
match = "path:/locald.test.Echo"
mock = { status = 200, headers = { "grpc-status" = "7", "grpc-message" = "denied by a mock" } }

[[rule]]
match = "path:/mock-framed"
mock = { status = 200, headers = { "content-length" = "999", "connection" = "x-gone", "x-gone" = "1", "x-kept" = "yes" }, body = "short" }
`;
}

const HOST = 'rulz.localhost';

interface Echoed {
  service: string;
  method: string;
  url: string;
  headers: Record<string, string>;
  body: string;
}

describe('rules on the data path (locald up, real clients)', () => {
  let locald: LocaldProcess;
  let target: { dashboardUrl: string; port: number };
  let port: number;
  let elsewhere: Upstream;
  const children: ChildProcess[] = [];

  before(async () => {
    elsewhere = await startUpstream((req, res) => {
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ service: 'elsewhere', url: req.url, headers: req.headers }));
    });
    new WebSocketServer({ server: elsewhere.server }).on('connection', (socket, req) => socket.send(`elsewhere saw ${req.url}`));
    const dir = writeProjectDir(TOML, 'locald-rules-proxy-');
    writeFileSync(join(dir, 'service.js'), SERVICE);
    writeFileSync(join(dir, 'h2c.js'), H2C_SERVICE);
    mkdirSync(join(dir, 'mocks'));
    writeFileSync(join(dir, 'mocks', 'flags.json'), '{"fromFile":true}');
    writeFileSync(join(dir, 'locald.rules.toml'), rulesFile(elsewhere.port));
    locald = startLocald(['up', dir, '--http-port', '0'], { home: tempHome() });
    port = await locald.port();
    const dashboardUrl = (await locald.waitForOutput(/http:\/\/locald\.localhost:\d+\/\?token=[\w-]+/))[0];
    target = { dashboardUrl, port };
    await waitFor(async () => {
      const r = await request(port, { host: HOST, path: '/ready' }).catch(() => undefined);
      return r?.status === 200 ? r : undefined;
    }, 'the web service to answer', 30_000);
    await waitFor(async () => {
      const r = await request(port, { host: HOST, path: '/legacy' }).catch(() => undefined);
      return r?.status === 200 ? r : undefined;
    }, 'the api service to answer', 30_000);
    await waitFor(async () => {
      const r = await request(port, { host: HOST, path: '/h2c/ready' }).catch(() => undefined);
      return r?.status === 200 ? r : undefined;
    }, 'the h2c service to answer', 30_000);
  });
  after(async () => {
    for (const c of children) if (c.exitCode === null && c.pid !== undefined) process.kill(c.pid, 'SIGKILL');
    await locald?.stop();
    await elsewhere?.close();
  });

  const get = (path: string, headers: Record<string, string> = {}, body?: string): ReturnType<typeof request> =>
    request(port, { host: HOST, path, headers, ...(body !== undefined ? { method: 'POST', body } : {}) });

  async function captured(path: string): Promise<ExchangeSummary> {
    return waitFor(async () => {
      const list = await engineCall(target, 'traffic.list', { limit: 200 });
      return list.find((e) => e.url === path && e.state !== 'pending' && e.state !== 'streaming');
    }, `the capture of ${path}`);
  }

  test('mock: inline, from a project file, only the first N times; capture names the rule', async () => {
    const inline = await get('/mock-flags');
    assert.equal(inline.status, 200);
    assert.equal(inline.text, '{"beta":true}');
    assert.equal(inline.headers['content-type'], 'application/json');
    const file = await get('/mock-file');
    assert.equal(file.status, 201);
    assert.equal(file.text, '{"fromFile":true}');
    assert.equal((await get('/mock-once')).text, 'first');
    const second = await get('/mock-once');
    assert.equal(second.status, 200, 'times = 1: the second request reaches the service');
    assert.equal((JSON.parse(second.text) as Echoed).service, 'web');
    const summary = await captured('/mock-flags');
    assert.equal(summary.ruleId, 'project:0');
    assert.equal(summary.ruleAction, 'mock');
  });

  test('a response-phase mock (status:404) replaces the service answer; capture keeps the original status', async () => {
    const r = await get('/missing');
    assert.equal(r.status, 200);
    assert.equal(r.text, 'found by a rule');
    const summary = await captured('/missing');
    assert.equal(summary.ruleAction, 'mock');
    const detail = await engineCall(target, 'traffic.get', { id: summary.id });
    assert.equal(detail.rewrite?.originalStatus, 404);
  });

  test('mock over HTTP/2 (TLS, curl) and h2c (Node)', async () => {
    const r = await curl(['-k', '--http2', '-i', '--resolve', `${HOST}:${port}:127.0.0.1`, `https://${HOST}:${port}/mock-flags`]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^HTTP\/2 200/);
    assert.match(r.stdout, /\{"beta":true\}$/);
    const session = connectH2c(port);
    try {
      const h2 = await h2Request(session, { ':path': '/mock-file', ':authority': `${HOST}:${port}` });
      assert.equal(h2.headers[':status'], 201);
      assert.equal(h2.body.toString(), '{"fromFile":true}');
    } finally {
      await closeSession(session);
    }
  });

  test("a mock's own content-length and connection headers give way to the body it sends (HTTP/1.1 and HTTP/2)", async () => {
    const h1 = await curl(['-sS', '-i', '--resolve', `${HOST}:${port}:127.0.0.1`, `http://${HOST}:${port}/mock-framed`]);
    assert.equal(h1.code, 0, h1.stderr);
    assert.equal(h1.stdout.match(/^content-length:/gim)?.length, 1, h1.stdout);
    assert.match(h1.stdout, /^content-length: 5\r?$/im);
    assert.match(h1.stdout, /^x-kept: yes\r?$/im);
    assert.doesNotMatch(h1.stdout, /^x-gone:/im);
    assert.match(h1.stdout, /\r?\n\r?\nshort$/);
    const h2 = await curl(['-sS', '-k', '--http2', '-i', '--resolve', `${HOST}:${port}:127.0.0.1`, `https://${HOST}:${port}/mock-framed`]);
    assert.equal(h2.code, 0, h2.stderr);
    assert.match(h2.stdout, /^HTTP\/2 200/);
    assert.match(h2.stdout, /short$/);
  });

  test('map: to another service with another path, and to a loopback URL with its Host', async () => {
    const mapped = JSON.parse((await get('/legacy?x=1')).text) as Echoed;
    assert.equal(mapped.service, 'api');
    assert.equal(mapped.url, '/v1?x=1');
    const session = connectH2c(port);
    try {
      const h2 = await h2Request(session, { ':path': '/elsewhere/a', ':authority': `${HOST}:${port}` });
      const body = JSON.parse(h2.body.toString()) as Echoed;
      assert.equal(body.service, 'elsewhere');
      assert.equal(body.url, '/elsewhere/a');
      assert.equal(body.headers.host, 'other.example');
    } finally {
      await closeSession(session);
    }
  });

  test('rewrite: request and response headers, the URL, and text bodies; capture keeps before and after', async () => {
    const r = await get('/hdr/old', { 'x-drop': 'me', 'x-keep': 'me' });
    const seen = JSON.parse(r.text) as Echoed;
    assert.equal(seen.url, '/hdr/new');
    assert.equal(seen.headers['x-added'], 'yes');
    assert.equal(seen.headers['x-drop'], undefined);
    assert.equal(seen.headers['x-keep'], 'me');
    assert.equal(r.headers['x-debug'], '1');
    assert.equal(r.headers['x-secret'], undefined);
    const summary = await captured('/hdr/old');
    assert.equal(summary.ruleAction, 'rewrite');
    const detail = await engineCall(target, 'traffic.get', { id: summary.id });
    assert.equal(detail.forwardedUrl, '/hdr/new', 'the URL as forwarded, next to the one received');
    assert.ok(detail.requestHeaders.some(([n]) => n.toLowerCase() === 'x-drop'), 'the request as received keeps x-drop');
    assert.ok(!detail.forwardedRequestHeaders.some(([n]) => n.toLowerCase() === 'x-drop'), 'the request as forwarded has no x-drop');
    assert.ok(detail.responseHeaders.some(([n]) => n.toLowerCase() === 'x-secret'), 'the response as received keeps x-secret');
    assert.ok(!detail.forwardedResponseHeaders.some(([n]) => n.toLowerCase() === 'x-secret'));
    assert.deepEqual(detail.rewrite?.applied, [{ ruleId: 'project:5', actions: ['rewrite'] }]);

    const body = await get('/rewrite-body', { 'content-type': 'text/plain' }, 'ping');
    assert.equal(body.text, 'hello rules, got pong');
    assert.equal(body.headers['content-length'], String(Buffer.byteLength('hello rules, got pong')));
    const rewritten = await captured('/rewrite-body');
    const rewrittenDetail = await engineCall(target, 'traffic.get', { id: rewritten.id });
    assert.equal(rewrittenDetail.rewrite?.originalResponseBody?.size, Buffer.byteLength('hello world, got pong'));
    const sent = await engineCall(target, 'traffic.body', { id: rewritten.id, which: 'response' });
    const before = await engineCall(target, 'traffic.body', { id: rewritten.id, which: 'response', original: true });
    assert.equal(Buffer.from(sent.base64, 'base64').toString(), 'hello rules, got pong');
    assert.equal(Buffer.from(before.base64, 'base64').toString(), 'hello world, got pong');
    const requestBefore = await engineCall(target, 'traffic.body', { id: rewritten.id, which: 'request', original: true });
    const requestSent = await engineCall(target, 'traffic.body', { id: rewritten.id, which: 'request' });
    assert.equal(Buffer.from(requestBefore.base64, 'base64').toString(), 'ping');
    assert.equal(Buffer.from(requestSent.base64, 'base64').toString(), 'pong');
  });

  test('rewrite to an h2c service (HTTP/2 upstream): headers both ways and both bodies', async () => {
    for (const client of ['http/1.1', 'h2c'] as const) {
      let text: string;
      let debug: unknown;
      if (client === 'http/1.1') {
        const r = await get('/h2c/rw', { 'content-type': 'text/plain' }, 'ping');
        text = r.text;
        debug = r.headers['x-debug'];
      } else {
        const session = connectH2c(port);
        try {
          const r = await h2Request(session, { ':method': 'POST', ':path': '/h2c/rw', ':authority': `${HOST}:${port}`, 'content-type': 'text/plain' }, 'ping');
          text = r.body.toString();
          debug = r.headers['x-debug'];
        } finally {
          await closeSession(session);
        }
      }
      const seen = JSON.parse(text) as Echoed & { note: string };
      assert.equal(seen.service, 'h2svc', client);
      assert.equal(seen.body, 'pong', client);
      assert.equal(seen.headers['x-added'], 'h2c', client);
      assert.equal(seen.note, 'public', client);
      assert.equal(debug, 'h2c', client);
    }
  });

  test('delay: before the request and before the response head, at least the configured latency', async () => {
    for (const path of ['/slow-req', '/slow-head']) {
      const started = performance.now();
      const r = await get(path);
      assert.equal(r.status, 200);
      assert.ok(performance.now() - started >= 300, `${path} took at least 300 ms`);
    }
  });

  test('throttle: 64 KiB at 64 KiB/s takes at least 0.8 s, whole', async () => {
    const started = performance.now();
    const r = await get('/big');
    const took = performance.now() - started;
    assert.equal(r.body.length, 65536);
    assert.ok(took >= 800, `took ${Math.round(took)} ms`);
  });

  test('throttle on the request body: 32 KiB at 32 KiB/s reaches the service whole after at least 0.8 s', async () => {
    const started = performance.now();
    const r = await get('/upload-slow', { 'content-type': 'application/octet-stream' }, 'x'.repeat(32 * 1024));
    const took = performance.now() - started;
    assert.equal(r.text, String(32 * 1024));
    assert.ok(took >= 800, `took ${Math.round(took)} ms`);
  });

  test('fail: reset, close after 1 KiB, an explained 503', async () => {
    await assert.rejects(get('/reset'), /socket hang up|ECONNRESET/);
    const cutStarted = performance.now();
    const cut = await curl(['-s', '-o', '/dev/null', '-w', '%{size_download}', '-H', `Host: ${HOST}`, `http://127.0.0.1:${port}/cut`]);
    // The cut is the connection closing, not the keep-alive timeout (5 s) running out.
    assert.ok(performance.now() - cutStarted < 3000, `the close came ${Math.round(performance.now() - cutStarted)} ms later`);
    assert.notEqual(cut.code, 0, 'curl sees the transfer closed early');
    assert.equal(cut.stdout, '1024');
    const unavailable = await get('/unavailable', { accept: 'application/json' });
    assert.equal(unavailable.status, 503);
    assert.match(unavailable.text, /rule-fail/);
    const h2 = await curl(['-k', '--http2', '-o', '/dev/null', '-w', '%{http_code}', '--resolve', `${HOST}:${port}:127.0.0.1`, `https://${HOST}:${port}/unavailable`]);
    assert.equal(h2.stdout, '503');
    const h2Reset = await curl(['-k', '--http2', '-o', '/dev/null', '--resolve', `${HOST}:${port}:127.0.0.1`, `https://${HOST}:${port}/reset`]);
    assert.notEqual(h2Reset.code, 0, 'curl over HTTP/2 sees the stream reset');
    const h2Cut = await curl(['-k', '--http2', '-o', '/dev/null', '-w', '%{size_download}', '--resolve', `${HOST}:${port}:127.0.0.1`, `https://${HOST}:${port}/cut`]);
    assert.notEqual(h2Cut.code, 0, 'curl over HTTP/2 sees the stream reset after the first KiB');
    assert.equal(h2Cut.stdout, '1024');
  });

  test('throttle and close-after together: the first KiB arrives at the throttled rate, then the cut', async () => {
    const started = performance.now();
    const cut = await curl(['-s', '-o', '/dev/null', '-w', '%{size_download}', '-H', `Host: ${HOST}`, `http://127.0.0.1:${port}/cut-slow`]);
    const took = performance.now() - started;
    assert.notEqual(cut.code, 0, 'curl sees the transfer closed early');
    assert.equal(cut.stdout, '1024');
    // 1 KiB at 2 KiB/s: the last piece is due about 450 ms after the first; then the close,
    // not the 5 s keep-alive timeout.
    assert.ok(took >= 400, `took ${Math.round(took)} ms: the throttle was not applied`);
    assert.ok(took < 3000, `took ${Math.round(took)} ms: the connection was not cut`);
  });

  test('gRPC-Web: a mock answers with grpc-status in the head (Node over HTTP/1.1)', async () => {
    const r = await request(port, { host: HOST, path: '/locald.test.Echo/Unary', method: 'POST', headers: { 'content-type': 'application/grpc-web+proto' }, body: Buffer.from([0, 0, 0, 0, 0]) });
    assert.equal(r.status, 200);
    const status = r.headers['grpc-status'] ?? r.trailers['grpc-status'] ?? /grpc-status:\s*(\d+)/.exec(r.text)?.[1];
    assert.equal(status, '7');
  });

  test('gRPC: a mock answers with its grpc-status and message (grpc-js over h2c)', async () => {
    const client: EchoClient = echoClient(port, `${HOST}:${port}`);
    try {
      await assert.rejects(unary(client, { text: 'hi' }), (err: grpc.ServiceError) => {
        assert.equal(err.code, 7);
        assert.equal(err.details, 'denied by a mock');
        return true;
      });
    } finally {
      client.close();
    }
  });

  test('breakpoints: a request released with an edited header reaches the service; a paused response edited reaches curl', async () => {
    const added = await engineCall(target, 'rules.add', { project: 'rulz', rule: { match: 'path:/bp-req', breakpoint: 'request' } });
    const responseRule = await engineCall(target, 'rules.add', { project: 'rulz', rule: { match: 'path:/bp-resp', breakpoint: 'response' } });
    try {
      const pending = get('/bp-req', { 'x-before': '1' });
      const paused = await waitFor(async () => (await engineCall(target, 'breakpoints.list', { project: 'rulz' })).find((p) => p.ruleId === added.id), 'the request to pause');
      assert.equal(paused.phase, 'request');
      const summary = await waitFor(async () => (await engineCall(target, 'traffic.list', { limit: 200 })).find((e) => e.url === '/bp-req' && e.pausedBy === paused.id), 'capture to show it paused');
      assert.equal(summary.ruleAction, 'breakpoint');
      await engineCall(target, 'breakpoints.resume', { id: paused.id, request: { headers: [...paused.request.headers, ['x-edited', 'by-breakpoint']] } });
      const seen = JSON.parse((await pending).text) as Echoed;
      assert.equal(seen.headers['x-edited'], 'by-breakpoint');

      const args = ['-s', '-i', '-H', `Host: ${HOST}`, `http://127.0.0.1:${port}/bp-resp`];
      const curled = new Promise<{ stdout: string }>((resolve) => {
        const child = execFile('curl', ['--max-time', '20', ...args], (_err, stdout) => resolve({ stdout }));
        children.push(child);
      });
      const pausedResponse = await waitFor(async () => (await engineCall(target, 'breakpoints.list', { project: 'rulz' })).find((p) => p.ruleId === responseRule.id), 'the response to pause');
      assert.equal(pausedResponse.response?.status, 200);
      await engineCall(target, 'breakpoints.resume', {
        id: pausedResponse.id,
        response: { status: 418, headers: [['content-type', 'text/plain'], ['x-paused', 'edited']], body: Buffer.from('edited body').toString('base64') },
      });
      const { stdout } = await curled;
      assert.match(stdout, /^HTTP\/1\.1 418/);
      assert.match(stdout, /x-paused: edited/i);
      assert.match(stdout, /edited body$/);
    } finally {
      await engineCall(target, 'rules.remove', { project: 'rulz', id: added.id });
      await engineCall(target, 'rules.remove', { project: 'rulz', id: responseRule.id });
    }
  });

  test('a request breakpoint on an Expect: 100-continue upload: locald sends the 100 itself, pauses with the body, and the edited body reaches the service', async () => {
    const rule = await engineCall(target, 'rules.add', { project: 'rulz', rule: { match: 'path:/bp-continue', breakpoint: 'request' } });
    const { request: httpRequest } = await import('node:http');
    let continues = 0;
    try {
      // Like curl for large bodies and Node's own clients: the body goes only after 100 Continue.
      const pending = new Promise<{ status: number; text: string }>((resolve, reject) => {
        const req = httpRequest({ host: '127.0.0.1', port, method: 'POST', path: '/bp-continue', headers: { host: HOST, expect: '100-continue', 'content-type': 'text/plain', 'content-length': '12' } }, (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString() }));
        });
        req.on('continue', () => {
          continues += 1;
          req.end('hello paused');
        });
        req.on('error', reject);
      });
      const paused = await waitFor(async () => (await engineCall(target, 'breakpoints.list', { project: 'rulz' })).find((p) => p.ruleId === rule.id), 'the upload to pause');
      assert.equal(Buffer.from(paused.request.body ?? '', 'base64').toString(), 'hello paused', 'the paused request shows the body the client sent after 100');
      assert.ok(!paused.request.headers.some(([n]) => n.toLowerCase() === 'expect'), 'the service is not asked to continue again');
      await engineCall(target, 'breakpoints.resume', { id: paused.id, request: { body: Buffer.from('hello edited').toString('base64') } });
      const answer = await pending;
      assert.equal(answer.status, 200);
      assert.equal((JSON.parse(answer.text) as Echoed).body, 'hello edited');
      assert.equal(continues, 1, 'one 100 Continue reached the client');
    } finally {
      await engineCall(target, 'rules.remove', { project: 'rulz', id: rule.id });
    }
  });

  test('a request breakpoint on a body that trickles pauses without it after a short wait; what was read and the rest both reach the service', async () => {
    const rule = await engineCall(target, 'rules.add', { project: 'rulz', rule: { match: 'path:/bp-trickle', breakpoint: 'request' } });
    const { request: httpRequest } = await import('node:http');
    try {
      let upload: ClientRequest | undefined;
      const pending = new Promise<{ status: number; text: string }>((resolve, reject) => {
        upload = httpRequest({ host: '127.0.0.1', port, method: 'POST', path: '/bp-trickle', headers: { host: HOST, 'content-type': 'text/plain' } }, (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString() }));
        });
        upload.on('error', reject);
        // Chunked, and not ended: the rest comes only after the pause has shown.
        upload.write('first ');
      });
      const paused = await waitFor(async () => (await engineCall(target, 'breakpoints.list', { project: 'rulz' })).find((p) => p.ruleId === rule.id), 'the upload to pause before its body ends');
      assert.equal(paused.request.body, null, 'a body still arriving is not shown');
      upload?.end('second');
      await engineCall(target, 'breakpoints.resume', { id: paused.id, request: { headers: [...paused.request.headers, ['x-edited', 'yes']] } });
      const answer = await pending;
      assert.equal(answer.status, 200);
      const seen = JSON.parse(answer.text) as Echoed;
      assert.equal(seen.body, 'first second', 'the part read before the pause went on, then the rest');
      assert.equal(seen.headers['x-edited'], 'yes');
    } finally {
      await engineCall(target, 'rules.remove', { project: 'rulz', id: rule.id });
    }
  });

  test('a response breakpoint on an event stream pauses its head; the edited head and the stream reach curl', async () => {
    const rule = await engineCall(target, 'rules.add', { project: 'rulz', rule: { match: 'path:/events', breakpoint: 'response' } });
    try {
      const streamed = new Promise<string>((resolve) => {
        const child = execFile('curl', ['-s', '-N', '-i', '--max-time', '3', '-H', `Host: ${HOST}`, `http://127.0.0.1:${port}/events`], (_err, stdout) => resolve(stdout));
        children.push(child);
      });
      const paused = await waitFor(async () => (await engineCall(target, 'breakpoints.list', { project: 'rulz' })).find((p) => p.ruleId === rule.id), 'the event stream head to pause');
      assert.equal(paused.response?.body, null, 'an endless body is not held');
      await engineCall(target, 'breakpoints.resume', { id: paused.id, response: { headers: [...(paused.response?.headers ?? []), ['x-paused', 'sse']] } });
      const out = await streamed;
      assert.match(out, /x-paused: sse/i);
      assert.match(out, /data: one/);
    } finally {
      await engineCall(target, 'rules.remove', { project: 'rulz', id: rule.id });
    }
  });

  test('breakpoints over HTTP/2: answer with a fixed response, abort as a reset; a client that leaves releases the pause', async () => {
    const rule = await engineCall(target, 'rules.add', { project: 'rulz', rule: { match: 'path:/bp-h2', breakpoint: 'request' } });
    const pausedNow = async (): Promise<{ id: string; exchangeId: number | null }[]> => (await engineCall(target, 'breakpoints.list', { project: 'rulz' })).filter((p) => p.ruleId === rule.id);
    const h2url = `https://${HOST}:${port}/bp-h2`;
    const h2args = ['-k', '--http2', '--resolve', `${HOST}:${port}:127.0.0.1`];
    try {
      const answered = curl([...h2args, '-i', h2url]);
      const first = await waitFor(async () => (await pausedNow())[0], 'the HTTP/2 request to pause');
      await engineCall(target, 'breakpoints.answer', { id: first.id, response: { status: 451, headers: [['content-type', 'text/plain']], body: Buffer.from('answered at the breakpoint').toString('base64') } });
      const a = await answered;
      assert.match(a.stdout, /^HTTP\/2 451/);
      assert.match(a.stdout, /answered at the breakpoint$/);

      const aborted = curl([...h2args, '-o', '/dev/null', h2url]);
      const second = await waitFor(async () => (await pausedNow())[0], 'the second request to pause');
      await engineCall(target, 'breakpoints.abort', { id: second.id });
      assert.notEqual((await aborted).code, 0, 'curl sees the stream reset');

      const leaving = curl([...h2args, '--max-time', '1', '-o', '/dev/null', h2url], 1000);
      await waitFor(async () => (await pausedNow())[0], 'the third request to pause');
      await leaving;
      await waitFor(async () => ((await pausedNow()).length === 0 ? true : undefined), 'the pause to be released when curl gave up');
    } finally {
      await engineCall(target, 'rules.remove', { project: 'rulz', id: rule.id });
    }
  });

  test('WebSocket: a mock refuses the upgrade with exactly its status, headers and body (ws over HTTP/1.1, extended CONNECT over h2c); a delayed map opens it elsewhere', async () => {
    const refused = new WebSocket(`ws://127.0.0.1:${port}/ws-refused`, { headers: { host: HOST, accept: 'application/json' } });
    const answer = await new Promise<{ status: number; headers: IncomingHttpHeaders; body: string }>((resolve, reject) => {
      refused.on('unexpected-response', (_req, res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString() }));
      });
      refused.on('open', () => reject(new Error('the refused upgrade opened')));
      refused.on('error', () => undefined);
    });
    assert.equal(answer.status, 403);
    // The mock's own answer, not a problem page that quotes it (the client asked for JSON).
    assert.equal(answer.body, 'no sockets today');
    assert.equal(answer.headers['x-mock'], 'refused');
    assert.equal(answer.headers['content-type'], 'text/plain');
    const summary = await captured('/ws-refused');
    assert.equal(summary.status, 403);
    assert.equal(summary.ruleAction, 'mock');
    assert.equal(summary.error, null);
    // Over HTTP/1.1 a 2xx is an ordinary answer to an Upgrade request: sent as it is.
    const welcome = await get('/ws-welcome', { connection: 'Upgrade', upgrade: 'websocket', 'sec-websocket-version': '13', 'sec-websocket-key': 'dGhlIHNhbXBsZSBub25jZQ==' });
    assert.equal(welcome.status, 200);
    assert.equal(welcome.text, 'welcome');

    // The same rule for a WebSocket over HTTP/2 (extended CONNECT on h2c).
    const session = connectH2c(port);
    try {
      await waitFor(() => (session.remoteSettings.enableConnectProtocol === true ? true : undefined), 'the h2c session settings');
      const h2 = await h2Request(session, { ':method': 'CONNECT', ':protocol': 'websocket', ':scheme': 'http', ':path': '/ws-refused', ':authority': `${HOST}:${port}`, 'sec-websocket-version': '13', accept: 'application/json' });
      assert.equal(h2.headers[':status'], 403);
      assert.equal(h2.body.toString(), 'no sockets today');
      assert.equal(h2.headers['x-mock'], 'refused');
      // A 2xx would open an extended CONNECT's tunnel with nothing behind it: refused, and the problem says why.
      const welcome = await h2Request(session, { ':method': 'CONNECT', ':protocol': 'websocket', ':scheme': 'http', ':path': '/ws-welcome', ':authority': `${HOST}:${port}`, 'sec-websocket-version': '13', accept: 'application/json' });
      assert.equal(welcome.headers[':status'], 403);
      assert.match(welcome.body.toString(), /mocks this upgrade with 200, which cannot be sent as it is: over HTTP\/2 a 200 to an extended CONNECT opens the tunnel/);
    } finally {
      await closeSession(session);
    }

    const started = performance.now();
    const moved = new WebSocket(`ws://127.0.0.1:${port}/ws-moved`, { headers: { host: HOST } });
    try {
      const first = await new Promise<string>((resolve, reject) => {
        moved.once('message', (data: Buffer) => resolve(data.toString()));
        moved.once('error', reject);
      });
      assert.equal(first, 'elsewhere saw /ws-moved');
      assert.ok(performance.now() - started >= 300, 'the upgrade waited for the delay');
    } finally {
      moved.terminate();
    }
  });

  test('a request no rule matches is forwarded unchanged', async () => {
    const r = await get('/plain', { 'x-drop': 'kept' });
    const seen = JSON.parse(r.text) as Echoed;
    assert.equal(seen.url, '/plain');
    assert.equal(seen.headers['x-drop'], 'kept');
    assert.equal(r.headers['x-secret'], 'hidden');
    const summary = await captured('/plain');
    assert.equal(summary.ruleId, undefined);
  });
});

