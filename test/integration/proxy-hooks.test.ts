// The lifecycle's hook points (engine/proxy/lifecycle/hooks.ts), driven by real HTTP/1.1 and
// HTTP/2 clients through the real proxy to a real service: a local answer, a problem, a
// reset, a delay, a mapped path, an edited request head, an edited response head and a
// response-body transform. The rules layer (issue 14) builds on exactly these.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Transform } from 'node:stream';
import type { ClientHttp2Session } from 'node:http2';
import { ProxyServer, type ExchangeHooks } from '../../engine/proxy/index.js';
import { TestBackend, makeProject, makeService, route } from '../helpers/proxy-backend.js';
import { request, startUpstream, type Upstream } from '../helpers/proxy-net.js';
import { closeSession, connectH2c, h2Request } from '../helpers/h2-kit.js';

const HOST = 'shop.localhost';

function upperCase(): Transform {
  return new Transform({
    transform(chunk: Buffer, _enc, cb) {
      cb(null, Buffer.from(chunk.toString('utf8').toUpperCase()));
    },
  });
}

const hooks: ExchangeHooks = {
  beforeUpstream(request) {
    const path = request.target.path;
    if (path === '/mock') return { kind: 'answer', answer: { status: 202, headers: ['x-mock', 'yes', 'content-type', 'text/plain'], body: Buffer.from('mocked') } };
    if (path === '/fail') return { kind: 'problem', problem: { status: 503, code: 'upstream-error', title: 'Failed by a rule', detail: 'a rule answered 503' } };
    if (path === '/reset') return { kind: 'reset' };
    if (path === '/slow') return { kind: 'delay', ms: 30 };
    if (path === '/map') request.target = { ...request.target, path: '/mapped' };
    if (Array.isArray(request.headers)) request.headers.push('x-rule', 'set');
    else request.headers['x-rule'] = 'set';
    return undefined;
  },
  atResponseHead(request, head) {
    if (request.target.path !== '/edit') return undefined;
    head.status = 201;
    head.fields.push('x-edited', 'yes');
    return undefined;
  },
  responseBody(request) {
    return request.target.path === '/upper' ? [upperCase()] : [];
  },
};

describe('proxy: lifecycle hook points', () => {
  let service: Upstream;
  let proxy: ProxyServer;
  let port: number;
  let session: ClientHttp2Session;

  before(async () => {
    service = await startUpstream((req: IncomingMessage, res: ServerResponse) => {
      res.writeHead(200, { 'content-type': 'text/plain', 'x-seen-rule': String(req.headers['x-rule']) });
      res.end(`service saw ${req.url}`);
    });
    const backend = new TestBackend().add(makeProject('shop', [makeService('web', { port: service.port })], [route('/', 'web')]));
    proxy = new ProxyServer({ backend, port: 0, host: ['127.0.0.1'], hooks });
    ({ port } = await proxy.listen());
    session = connectH2c(port);
  });

  after(async () => {
    await closeSession(session);
    await proxy.close();
    await service.close();
  });

  it('a request hook edits the head the service gets, over HTTP/1.1 and HTTP/2', async () => {
    const h1 = await request(port, { host: HOST, path: '/plain' });
    assert.equal(h1.status, 200);
    assert.equal(h1.headers['x-seen-rule'], 'set');
    const h2 = await h2Request(session, { ':path': '/plain', ':authority': HOST });
    assert.equal(h2.headers['x-seen-rule'], 'set');
  });

  it('answers locally (a mock) without the service', async () => {
    const h1 = await request(port, { host: HOST, path: '/mock' });
    assert.equal(h1.status, 202);
    assert.equal(h1.headers['x-mock'], 'yes');
    assert.equal(h1.text, 'mocked');
    const h2 = await h2Request(session, { ':path': '/mock', ':authority': HOST });
    assert.equal(h2.status, 202);
    assert.equal(h2.text, 'mocked');
  });

  it('answers with a problem, or resets', async () => {
    const failed = await request(port, { host: HOST, path: '/fail' });
    assert.equal(failed.status, 503);
    assert.match(failed.text, /a rule answered 503/);
    await assert.rejects(request(port, { host: HOST, path: '/reset' }));
    const h2 = await h2Request(session, { ':path': '/reset', ':authority': HOST });
    assert.notEqual(h2.rstCode, undefined);
  });

  it('delays, then forwards', async () => {
    const res = await request(port, { host: HOST, path: '/slow' });
    assert.equal(res.text, 'service saw /slow');
  });

  it('maps the request to another path', async () => {
    const res = await request(port, { host: HOST, path: '/map' });
    assert.equal(res.text, 'service saw /mapped');
  });

  it('edits the response head and transforms the response body', async () => {
    const edited = await request(port, { host: HOST, path: '/edit' });
    assert.equal(edited.status, 201);
    assert.equal(edited.headers['x-edited'], 'yes');
    const upper = await request(port, { host: HOST, path: '/upper' });
    assert.equal(upper.text, 'SERVICE SAW /UPPER');
    const h2 = await h2Request(session, { ':path': '/upper', ':authority': HOST });
    assert.equal(h2.text, 'SERVICE SAW /UPPER');
  });
});
