// The "no project here" 404 lists locald's projects only to hosts that are this machine
// (`*.localhost`, loopback literals). A DNS-rebinding page sends `Host: attacker.example`
// and must learn nothing: not the project names, URLs or states, over HTTP/1.1 or HTTP/2.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ProxyServer } from '../../engine/proxy/index.js';
import { TestBackend, makeProject, makeService, route } from '../helpers/proxy-backend.js';
import { rawExchange, request } from '../helpers/proxy-net.js';
import { closeSession, connectH2c, h2Request } from '../helpers/h2-kit.js';

const ACCEPTS = {
  html: 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8',
  json: 'application/json',
};
const SECRET = 'secretshop';

describe('proxy: the unknown-host 404 and who may see the project list', () => {
  const backend = new TestBackend();
  let proxy: ProxyServer;
  let port: number;

  before(async () => {
    backend.add(makeProject(SECRET, [makeService('web', { port: 1 })], [route('/', 'web')]));
    proxy = new ProxyServer({ backend, port: 0, host: ['127.0.0.1'] });
    port = (await proxy.listen()).port;
  });

  after(async () => {
    await proxy.close();
  });

  const foreign = () => ['attacker.example', `attacker.example:${port}`, 'localhost.attacker.example', '127.0.0.1.nip.io', '192.168.1.20', '[fe80::1]'];
  const local = () => ['localhost', `localhost:${port}`, `127.0.0.1:${port}`, `[::1]:${port}`, 'nope.localhost'];

  function assertRevealsNothing(text: string, what: string): void {
    assert.doesNotMatch(text, new RegExp(SECRET), what);
    assert.doesNotMatch(text, /\.localhost/, what);
    assert.doesNotMatch(text, /"projects"/, what);
  }

  it('HTTP/1.1: a foreign Host gets a minimal 404, as HTML and as problem+json', async () => {
    for (const host of foreign()) {
      for (const [kind, accept] of Object.entries(ACCEPTS)) {
        const res = await request(port, { host, headers: { accept } });
        assert.equal(res.status, 404, `${host} ${kind}`);
        assert.equal(res.headers['content-type'], kind === 'html' ? 'text/html; charset=utf-8' : 'application/problem+json');
        assertRevealsNothing(res.text, `${host} ${kind}`);
      }
    }
    // No Host at all (HTTP/1.0) names nothing either.
    const raw = await rawExchange(port, 'GET / HTTP/1.0\r\nAccept: application/json\r\n\r\n');
    assert.match(raw.data.toString('latin1'), /^HTTP\/1\.1 404/);
    assertRevealsNothing(raw.data.toString('latin1'), 'no Host');
  });

  it('HTTP/1.1: *.localhost and loopback hosts still get the project list', async () => {
    for (const host of local()) {
      const res = await request(port, { host, headers: { accept: ACCEPTS.json } });
      assert.equal(res.status, 404, host);
      const body = JSON.parse(res.text) as { projects: { name: string }[] };
      assert.deepEqual(body.projects.map((p) => p.name), [SECRET], host);
      const page = await request(port, { host, headers: { accept: ACCEPTS.html } });
      assert.match(page.text, new RegExp(`>${SECRET}</a>`), host);
    }
  });

  it('HTTP/2: the same split by :authority', async () => {
    const session = connectH2c(port);
    try {
      for (const host of foreign()) {
        for (const [kind, accept] of Object.entries(ACCEPTS)) {
          const res = await h2Request(session, { ':path': '/', ':authority': host, accept });
          assert.equal(res.status, 404, `${host} ${kind}`);
          assertRevealsNothing(res.text, `h2 ${host} ${kind}`);
        }
      }
      for (const host of local()) {
        const res = await h2Request(session, { ':path': '/', ':authority': host, accept: ACCEPTS.json });
        assert.equal(res.status, 404, host);
        assert.match(res.text, new RegExp(`"name": "${SECRET}"`), host);
      }
    } finally {
      await closeSession(session);
    }
  });
});
