// Dot-segments (`..`, `%2e%2e`) are removed before routing, over HTTP/1.1 and HTTP/2, so
// `/api/../style.css` reaches the service that `/style.css` names, as `/style.css`.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { TestBackend, makeProject, makeService, route } from '../helpers/proxy-backend.js';
import { echoHandler, startUpstream, type EchoBody, type Upstream } from '../helpers/proxy-net.js';
import { closeSession, connectH2Tls, curl, h2Request, startTlsProxy, type TlsProxy } from '../helpers/h2-kit.js';

interface Seen {
  servedBy: string;
  url: string;
}

function parseCurl(stdout: string): Seen {
  // `-i` output: the x-served-by header, then the echoed JSON body.
  const servedBy = /^x-served-by: (\S+)/im.exec(stdout)?.[1] ?? '';
  const body = JSON.parse(stdout.slice(stdout.indexOf('{'))) as EchoBody;
  return { servedBy, url: body.url };
}

describe('proxy: dot-segments are removed before routing', () => {
  const backend = new TestBackend();
  let tp: TlsProxy;
  let web: Upstream;
  let api: Upstream;

  before(async () => {
    web = await startUpstream(echoHandler('web'));
    api = await startUpstream(echoHandler('api'));
    backend.add(makeProject('p', [makeService('web', { port: web.port }), makeService('api', { port: api.port })], [route('/', 'web'), route('/api', 'api')]));
    tp = await startTlsProxy(backend);
  });

  after(async () => {
    await tp.close();
    await Promise.all([web.close(), api.close()]);
  });

  // What curl --path-as-is sends, and where it must land.
  const cases: { path: string; servedBy: string; url: string }[] = [
    { path: '/api/../style.css?x=/a/../b', servedBy: 'web', url: '/style.css?x=/a/../b' },
    { path: '/api/%2e%2e/style.css', servedBy: 'web', url: '/style.css' },
    { path: '/api/%2E%2E/style.css', servedBy: 'web', url: '/style.css' },
    { path: '/api/.%2e/style.css', servedBy: 'web', url: '/style.css' },
    { path: '/static/../api/./users/%2e', servedBy: 'api', url: '/users/' },
    { path: '/../../api/x', servedBy: 'api', url: '/x' },
  ];

  for (const protocol of ['http/1.1', 'h2c'] as const) {
    it(`${protocol}: curl --path-as-is reaches the right service with the normalised path`, async () => {
      for (const c of cases) {
        const flags = protocol === 'h2c' ? ['--http2-prior-knowledge'] : ['--http1.1'];
        const res = await curl([...flags, '--path-as-is', '-i', '-H', 'Host: p.localhost', `http://127.0.0.1:${tp.port}${c.path}`]);
        assert.equal(res.code, 0, res.stderr);
        if (protocol === 'h2c') assert.match(res.stdout, /^HTTP\/2 200/);
        assert.deepEqual(parseCurl(res.stdout), { servedBy: c.servedBy, url: c.url }, c.path);
      }
    });
  }

  it('HTTP/2 over TLS: the :path is normalised before routing', async () => {
    const session = connectH2Tls(tp.port, 'p.localhost', tp.caPem);
    try {
      for (const c of cases) {
        const res = await h2Request(session, { ':path': c.path, ':authority': 'p.localhost' });
        assert.equal(res.status, 200, c.path);
        const body = JSON.parse(res.text) as EchoBody;
        assert.deepEqual({ servedBy: res.headers['x-served-by'], url: body.url }, { servedBy: c.servedBy, url: c.url }, c.path);
      }
    } finally {
      await closeSession(session);
    }
  });
});
