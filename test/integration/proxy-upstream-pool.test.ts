// The HTTP/1.1 pool to a service under HTTP/2 clients: a burst of streams must not open a
// connection per stream to the service, and a bound on connections must never hold a new
// request behind long-lived ones (SSE, long polls). Real h2c client, real upstream sockets.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { TestBackend, makeProject, makeService, route } from '../helpers/proxy-backend.js';
import { startUpstream, waitFor, type Upstream } from '../helpers/proxy-net.js';
import { closeSession, connectH2c, h2Request, startTlsProxy, type TlsProxy } from '../helpers/h2-kit.js';

describe('proxy: HTTP/1.1 upstream pool under HTTP/2 bursts', () => {
  const backend = new TestBackend();
  let tp: TlsProxy;
  let service: Upstream;
  let accepted = 0;
  const held: Array<() => void> = [];

  before(async () => {
    service = await startUpstream((req, res) => {
      if ((req.url ?? '').startsWith('/poll')) {
        // A long poll: answered only when the test releases it.
        held.push(() => res.end('polled'));
        return;
      }
      res.end('ok');
    });
    service.server.on('connection', () => {
      accepted += 1;
    });
    backend.add(makeProject('shop', [makeService('web', { port: service.port })], [route('/', 'web')]));
    tp = await startTlsProxy(backend, { upstreamTimeoutMs: 30_000 });
  });
  after(async () => {
    for (const release of held.splice(0)) release();
    await tp.close();
    await service.close();
  });

  it('opens far fewer connections to the service than a burst has streams', async () => {
    const session = connectH2c(tp.port);
    try {
      const authority = `shop.localhost:${tp.port}`;
      const answers = await Promise.all(Array.from({ length: 300 }, (_, i) => h2Request(session, { ':path': `/m/${i}.js`, ':authority': authority })));
      for (const r of answers) assert.equal(r.status, 200);
      // Before: one connection per concurrent stream (300); with at most 4 being opened at
      // once, the rest reuse connections that came free (64-116 measured on 2 busy cores).
      assert.ok(accepted < 250, `${accepted} connections opened for 300 streams`);
    } finally {
      await closeSession(session);
    }
  });

  it('does not hold a request behind 40 long polls in flight to the same service', async () => {
    const session = connectH2c(tp.port);
    try {
      const authority = `shop.localhost:${tp.port}`;
      const polls = Array.from({ length: 40 }, (_, i) => h2Request(session, { ':path': `/poll/${i}`, ':authority': authority }));
      await waitFor(() => (held.length === 40 ? true : undefined), 'the service to hold 40 long polls');
      const r = await h2Request(session, { ':path': '/after-polls', ':authority': authority });
      assert.equal(r.status, 200);
      assert.equal(r.body.toString(), 'ok');
      for (const release of held.splice(0)) release();
      for (const p of await Promise.all(polls)) assert.equal(p.body.toString(), 'polled');
    } finally {
      await closeSession(session);
    }
  });
});
