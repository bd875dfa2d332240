// Weird streams through the proxy: 1xx, HEAD/204/304 framing, a service dying mid-body,
// slow readers on either side (the proxy's memory, measured in its own process), SSE with
// long gaps and a long poll past Node's keep-alive timeout, half-closed TCP both ways, and
// client disconnects reaching the service.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import net from 'node:net';
import type { Readable } from 'node:stream';
import { rawExchange, waitFor } from '../helpers/proxy-net.js';
import { curl, listen, proxyOver, rssOf, splitResponses, startChildProxy, type ProxyOver } from '../helpers/weird-kit.js';

const HOST = 'Host: shop.localhost\r\n';
const MB = 1024 * 1024;

/** Waits until `read()` has not changed for `quietMs` (the stream has stalled on backpressure). */
async function settled(read: () => number, what: string, quietMs = 750, deadlineMs = 15_000): Promise<number> {
  let last = read();
  let since = Date.now();
  return waitFor(
    () => {
      const now = read();
      if (now !== last) {
        last = now;
        since = Date.now();
        return undefined;
      }
      return Date.now() - since >= quietMs ? now : undefined;
    },
    what,
    deadlineMs,
  );
}

describe('weird streams: interim responses, bodiless responses, broken bodies', () => {
  let service: http.Server;
  let px: ProxyOver;
  const closedEarly: string[] = [];
  let uploadSinkBytes = 0;

  before(async () => {
    service = http.createServer((req, res) => {
      switch (req.url) {
        case '/hints':
          res.writeProcessing();
          res.writeEarlyHints({ link: '</style.css>; rel=preload; as=style', 'x-hint': 'yes' });
          setTimeout(() => res.end('final'), 50);
          return;
        case '/head':
          res.writeHead(200, { 'content-length': '1000', 'content-type': 'text/plain' });
          res.end(req.method === 'HEAD' ? undefined : 'x'.repeat(1000));
          return;
        case '/204':
          res.writeHead(204, { 'x-kind': 'no-content' });
          res.end();
          return;
        case '/304':
          res.writeHead(304, { etag: '"v1"', 'cache-control': 'max-age=0' });
          res.end();
          return;
        case '/after':
          res.end('after-body');
          return;
        case '/die/length':
          res.writeHead(200, { 'content-length': String(MB) });
          res.write(Buffer.alloc(64 * 1024, 'a'));
          setTimeout(() => res.socket?.destroy(), 50);
          return;
        case '/die/chunked':
          res.writeHead(200, { 'content-type': 'text/plain' });
          res.write(Buffer.alloc(64 * 1024, 'a'));
          setTimeout(() => res.socket?.destroy(), 50);
          return;
        case '/stream-forever': {
          res.writeHead(200, { 'content-type': 'application/octet-stream' });
          const timer = setInterval(() => res.write(Buffer.alloc(1024, 'z')), 20);
          res.on('close', () => {
            clearInterval(timer);
            if (!res.writableFinished) closedEarly.push(req.url ?? '');
          });
          return;
        }
        case '/upload-sink':
          req.on('data', (c: Buffer) => (uploadSinkBytes += c.length));
          req.on('close', () => {
            if (!req.complete) closedEarly.push(req.url ?? '');
          });
          return;
        default:
          res.writeHead(404);
          res.end();
      }
    });
    px = await proxyOver(await listen(service));
  });
  after(async () => {
    await px.proxy.close();
    service.closeAllConnections();
    await new Promise<void>((r) => service.close(() => r()));
  });

  it('relays 102 Processing and 103 Early Hints before the final response', async () => {
    const interim: { status: number; headers: http.IncomingHttpHeaders }[] = [];
    const text = await new Promise<string>((resolve, reject) => {
      const req = http.request({ host: '127.0.0.1', port: px.port, path: '/hints', headers: { host: 'shop.localhost' }, agent: false }, (res) => {
        let t = '';
        res.on('data', (c: Buffer) => (t += c.toString()));
        res.on('end', () => resolve(`${res.statusCode} ${t}`));
      });
      req.on('information', (info) => interim.push({ status: info.statusCode, headers: info.headers }));
      req.on('error', reject);
      req.end();
    });
    assert.equal(text, '200 final');
    assert.deepEqual(
      interim.map((i) => i.status),
      [102, 103],
    );
    assert.equal(interim[1]?.headers.link, '</style.css>; rel=preload; as=style');
    assert.equal(interim[1]?.headers['x-hint'], 'yes');
  });

  it('HEAD, 204 and 304 carry no body and leak no framing into the next response on the connection', async () => {
    const reqs: [string, string][] = [
      ['HEAD', '/head'],
      ['GET', '/204'],
      ['GET', '/304'],
      ['GET', '/head'],
      ['GET', '/after'],
    ];
    const bytes = reqs.map(([m, p], i) => `${m} ${p} HTTP/1.1\r\n${HOST}${i === reqs.length - 1 ? 'Connection: close\r\n' : ''}\r\n`).join('');
    const { data } = await rawExchange(px.port, bytes);
    const responses = splitResponses(
      data,
      reqs.map(([m]) => m),
    );
    assert.deepEqual(
      responses.map((r) => r.status),
      [200, 204, 304, 200, 200],
    );
    const [head, noContent, notModified, full, last] = responses;
    assert.match(head?.head ?? '', /^content-length: 1000$/im, 'HEAD keeps the length of what GET would send');
    assert.equal(head?.body.length, 0);
    for (const r of [noContent, notModified]) {
      assert.doesNotMatch(r?.head ?? '', /^(transfer-encoding|content-length):/im, r?.head);
      assert.equal(r?.body.length, 0);
    }
    assert.match(notModified?.head ?? '', /^etag: "v1"$/im);
    assert.equal(full?.body.toString(), 'x'.repeat(1000));
    assert.equal(last?.body.toString(), 'after-body');
  });

  for (const kind of ['length', 'chunked']) {
    it(`the service dies mid-body (${kind}): the client sees an error, never a clean end`, async () => {
      const outcome = await new Promise<{ aborted: boolean; complete: boolean; bytes: number }>((resolve) => {
        const req = http.request({ host: '127.0.0.1', port: px.port, path: `/die/${kind}`, headers: { host: 'shop.localhost' }, agent: false }, (res) => {
          let bytes = 0;
          let aborted = false;
          res.on('data', (c: Buffer) => (bytes += c.length));
          res.on('aborted', () => (aborted = true));
          res.on('error', () => (aborted = true));
          res.on('close', () => resolve({ aborted, complete: res.complete, bytes }));
        });
        req.on('error', () => resolve({ aborted: true, complete: false, bytes: 0 }));
        req.end();
      });
      assert.equal(outcome.complete, false);
      assert.equal(outcome.aborted, true);
      // curl agrees: a transfer that ended early (18: partial file, 56: receive failure).
      const r = await curl(['-H', 'Host: shop.localhost', '-o', '/dev/null', `http://127.0.0.1:${px.port}/die/${kind}`]);
      assert.ok(r.code === 18 || r.code === 56, `curl exit ${r.code}: ${r.stderr}`);
    });
  }

  it('a client that disconnects mid-download aborts the service response', async () => {
    const socket = net.connect({ host: '127.0.0.1', port: px.port });
    socket.on('error', () => undefined);
    socket.write(`GET /stream-forever HTTP/1.1\r\n${HOST}\r\n`);
    await new Promise<void>((r) => socket.once('data', () => r()));
    socket.destroy();
    await waitFor(() => (closedEarly.includes('/stream-forever') ? true : undefined), 'the service to see the download aborted');
  });

  it('a client that half-closes once the response is streaming is treated as gone: the service sees the abort', async () => {
    closedEarly.length = 0;
    const socket = net.connect({ host: '127.0.0.1', port: px.port, allowHalfOpen: true });
    socket.on('error', () => undefined);
    socket.write(`GET /stream-forever HTTP/1.1\r\n${HOST}\r\n`);
    await new Promise<void>((r) => socket.once('data', () => r()));
    socket.end();
    socket.resume();
    await waitFor(() => (closedEarly.includes('/stream-forever') ? true : undefined), 'the service to see the download aborted');
    socket.destroy();
  });

  it('a client that disconnects mid-upload aborts the service request', async () => {
    const socket = net.connect({ host: '127.0.0.1', port: px.port });
    socket.on('error', () => undefined);
    socket.write(`POST /upload-sink HTTP/1.1\r\n${HOST}Content-Length: ${10 * MB}\r\n\r\n`);
    socket.write(Buffer.alloc(256 * 1024, 'u'));
    // Wait until the service has the request, then vanish with most of the body unsent.
    await waitFor(() => (uploadSinkBytes > 0 ? true : undefined), 'the service to be receiving the upload');
    socket.destroy();
    await waitFor(() => (closedEarly.includes('/upload-sink') ? true : undefined), 'the service to see the upload aborted');
  });
});

describe('weird streams: half-closed TCP', () => {
  let service: http.Server;
  let rawService: net.Server;
  let px: ProxyOver;
  let rawPx: ProxyOver;
  const big = Buffer.alloc(MB, 'b');

  before(async () => {
    service = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        // A little later than at once: the client's FIN is surely in by then.
        setTimeout(() => {
          res.writeHead(200, { 'content-type': 'application/octet-stream', 'x-got': String(Buffer.concat(chunks).length) });
          res.end(big);
        }, 100);
      });
    });
    // Answers, then half-closes (FIN) while still reading: close-delimited on /eof, with a length otherwise.
    rawService = net.createServer({ allowHalfOpen: true }, (socket) => {
      let head = '';
      socket.on('error', () => undefined);
      socket.on('data', (c: Buffer) => {
        head += c.toString('latin1');
        if (!head.includes('\r\n\r\n')) return;
        if (head.startsWith('GET /eof ')) socket.end('HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nConnection: close\r\n\r\nbody until FIN');
        else socket.end('HTTP/1.1 200 OK\r\nContent-Length: 11\r\n\r\nwith length');
        head = '';
      });
    });
    px = await proxyOver(await listen(service));
    rawPx = await proxyOver(await listen(rawService));
  });
  after(async () => {
    await Promise.all([px.proxy.close(), rawPx.proxy.close()]);
    service.closeAllConnections();
    await Promise.all([new Promise<void>((r) => service.close(() => r())), new Promise<void>((r) => rawService.close(() => r()))]);
  });

  it('a client that shuts down its write side right after a GET still gets the whole response', async () => {
    const { data, closed } = await rawExchange(px.port, `GET /big HTTP/1.1\r\n${HOST}\r\n`, 15_000, true);
    assert.ok(closed);
    const [res] = splitResponses(data, ['GET']);
    assert.equal(res?.status, 200);
    assert.equal(res?.body.length, big.length);
    assert.ok(res?.body.equals(big));
  });

  it('a client that shuts down its write side right after a POST body still gets the whole response', async () => {
    const body = Buffer.alloc(300 * 1024, 'p');
    const { data, closed } = await rawExchange(
      px.port,
      Buffer.concat([Buffer.from(`POST /upload HTTP/1.1\r\n${HOST}Content-Length: ${body.length}\r\n\r\n`), body]),
      15_000,
      true,
    );
    assert.ok(closed);
    const [res] = splitResponses(data, ['POST']);
    assert.equal(res?.status, 200);
    assert.match(res?.head ?? '', new RegExp(`^x-got: ${body.length}$`, 'im'));
    assert.equal(res?.body.length, big.length);
  });

  it('pipelined requests then a FIN: every response arrives', async () => {
    const bytes = `GET /a HTTP/1.1\r\n${HOST}\r\nGET /b HTTP/1.1\r\n${HOST}\r\n`;
    const { data } = await rawExchange(px.port, bytes, 15_000, true);
    assert.deepEqual(
      splitResponses(data, ['GET', 'GET']).map((r) => [r.status, r.body.length]),
      [
        [200, MB],
        [200, MB],
      ],
    );
  });

  it('a service that half-closes after a close-delimited body: the client gets all of it and a clean end', async () => {
    for (let i = 0; i < 2; i++) {
      const r = await curl(['-H', 'Host: shop.localhost', `http://127.0.0.1:${rawPx.port}/eof`]);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stdout, 'body until FIN');
    }
  });

  it('a service that half-closes after a response with a length: the connection is not reused, the next request works', async () => {
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    try {
      for (let i = 0; i < 3; i++) {
        const text = await new Promise<string>((resolve, reject) => {
          const req = http.request({ host: '127.0.0.1', port: rawPx.port, path: `/len${i}`, headers: { host: 'shop.localhost' }, agent }, (res) => {
            let t = '';
            res.on('data', (c: Buffer) => (t += c.toString()));
            res.on('end', () => resolve(`${res.statusCode} ${t}`));
          });
          req.on('error', reject);
          req.end();
        });
        assert.equal(text, '200 with length');
      }
    } finally {
      agent.destroy();
    }
  });
});

describe('weird streams: long gaps and long polls', () => {
  let service: http.Server;
  let px: ProxyOver;
  let quick: ProxyOver;
  const GAP_MS = 6_000; // beyond Node's default keepAliveTimeout (5 s)

  before(async () => {
    service = http.createServer((req, res) => {
      if (req.url === '/sse') {
        res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
        res.write('data: one\n\n');
        setTimeout(() => res.end('data: two\n\n'), GAP_MS);
        return;
      }
      if (req.url === '/poll') {
        // A long poll: nothing at all (not even headers) until the answer is ready.
        setTimeout(() => res.end('news'), GAP_MS);
        return;
      }
      res.end('ok');
    });
    const servicePort = await listen(service);
    px = await proxyOver(servicePort);
    // The proxy's only time limit on a service is for response headers; set it far below
    // the gaps to show it never applies once a response is streaming.
    quick = await proxyOver(servicePort, { upstreamTimeoutMs: 1_500 });
  });
  after(async () => {
    await Promise.all([px.proxy.close(), quick.proxy.close()]);
    service.closeAllConnections();
    await new Promise<void>((r) => service.close(() => r()));
  });

  it('an SSE stream with a 6 s gap keeps flowing, and a long poll answered after 6 s arrives', async () => {
    const sse = new Promise<{ events: string[]; complete: boolean }>((resolve, reject) => {
      const events: string[] = [];
      const req = http.request({ host: '127.0.0.1', port: quick.port, path: '/sse', headers: { host: 'shop.localhost', accept: 'text/event-stream' }, agent: false }, (res) => {
        assert.equal(res.statusCode, 200);
        res.setEncoding('utf8');
        res.on('data', (c: string) => events.push(c));
        res.on('end', () => resolve({ events, complete: res.complete }));
        res.on('error', reject);
      });
      req.on('error', reject);
      req.end();
    });
    // Keep-alive client: the long poll follows a first request on the same connection, so the
    // proxy's keepAliveTimeout (5 s) would be the one to bite if it applied to a pending request.
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    const get = (path: string): Promise<{ status: number; text: string; port: number }> =>
      new Promise((resolve, reject) => {
        const req = http.request({ host: '127.0.0.1', port: px.port, path, headers: { host: 'shop.localhost' }, agent }, (res) => {
          let t = '';
          res.on('data', (c: Buffer) => (t += c.toString()));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, text: t, port: req.socket?.localPort ?? 0 }));
        });
        req.on('error', reject);
        req.end();
      });
    try {
      const first = await get('/warm');
      const poll = await get('/poll');
      assert.deepEqual([poll.status, poll.text], [200, 'news']);
      assert.equal(poll.port, first.port, 'the long poll ran on the kept-alive connection');
      const { events, complete } = await sse;
      assert.equal(complete, true);
      assert.equal(events.join(''), 'data: one\n\ndata: two\n\n');
      assert.equal(events[0], 'data: one\n\n', 'the first event arrives on its own, before the gap');
    } finally {
      agent.destroy();
    }
  });
});

describe('weird streams: slow readers keep the proxy memory bounded', () => {
  const TOTAL = 200 * MB;
  const LIMIT = 50 * MB;
  let service: http.Server;
  let written = 0;
  let uploadReceived = 0;
  let releaseUpload: () => http.IncomingMessage = () => {
    throw new Error('no upload yet');
  };
  let child: Awaited<ReturnType<typeof startChildProxy>>;

  before(async () => {
    const chunk = Buffer.alloc(256 * 1024, 'd');
    service = http.createServer((req, res) => {
      if (req.url === '/download') {
        written = 0;
        res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': String(TOTAL) });
        // As fast as the proxy lets us: write until told to wait, resume on drain.
        const pump = (): void => {
          while (written < TOTAL) {
            written += chunk.length;
            if (!res.write(chunk)) {
              res.once('drain', pump);
              return;
            }
          }
          res.end();
        };
        pump();
        return;
      }
      if (req.url === '/upload') {
        uploadReceived = 0;
        // Reads nothing until released: the upload must back up to the client, not into the proxy.
        req.pause();
        releaseUpload = () => {
          req.on('data', (c: Buffer) => (uploadReceived += c.length));
          req.pause();
          return req;
        };
        req.on('end', () => res.end(String(uploadReceived)));
        return;
      }
      res.end('ok');
    });
    child = await startChildProxy(await listen(service));
  });
  after(async () => {
    await child.stop();
    service.closeAllConnections();
    await new Promise<void>((r) => service.close(() => r()));
  });

  /** Samples the proxy's RSS every 50 ms from now until stop(), which returns the peak growth. */
  const sampleGrowth = (): { stop(): number } => {
    const base = rssOf(child.pid);
    let peak = base;
    const sample = (): void => {
      try {
        peak = Math.max(peak, rssOf(child.pid));
      } catch {
        // the child is gone; the exchange fails on its own
      }
    };
    const timer = setInterval(sample, 50);
    return {
      stop: () => {
        clearInterval(timer);
        sample();
        return peak - base;
      },
    };
  };

  /** A slow reader: five reads of 1 MB, each followed by a pause of 100 ms. */
  const readSlowly = async (stream: Readable): Promise<void> => {
    for (let round = 0; round < 5; round++) {
      await new Promise<void>((resolve) => {
        let got = 0;
        const onData = (c: Buffer): void => {
          got += c.length;
          if (got < MB) return;
          stream.pause();
          stream.off('data', onData);
          resolve();
        };
        stream.on('data', onData);
        stream.resume();
      });
      await new Promise((r) => setTimeout(r, 100));
    }
  };

  // What is measured is the proxy's growth while a reader is slow: without backpressure it
  // would buffer the whole 200 MB. The final full-speed drain is checked for correctness but
  // not for memory: its RSS peak is garbage awaiting GC (tens of MB, more on Node 24), not
  // retained buffering.
  it('a client reading a 200 MB download slowly: backpressure reaches the service, memory stays bounded', async (t) => {
    // Warm the proxy's code paths so the baseline is not its first request.
    const warm = await rawExchange(child.port, `GET /ok HTTP/1.1\r\n${HOST}Connection: close\r\n\r\n`);
    assert.match(warm.data.toString(), /200 OK/);
    let received = 0;
    const socket = net.connect({ host: '127.0.0.1', port: child.port });
    socket.on('error', () => undefined);
    const done = new Promise<void>((resolve) => socket.on('close', () => resolve()));
    const sampler = sampleGrowth();
    socket.write(`GET /download HTTP/1.1\r\n${HOST}Connection: close\r\n\r\n`);
    socket.on('data', (c: Buffer) => (received += c.length));
    await waitFor(() => (received > 0 ? true : undefined), 'the first bytes');
    socket.pause();
    // The reader stops; the service must soon be unable to write more.
    const stalledAt = await settled(() => written, 'the service writes to stall');
    await readSlowly(socket);
    const growth = sampler.stop();
    socket.resume();
    await done;
    t.diagnostic(`the service stalled after ${(stalledAt / MB).toFixed(1)} MB; proxy RSS grew by ${(growth / MB).toFixed(1)} MB while the client read slowly`);
    assert.ok(stalledAt < TOTAL / 4, `the service wrote ${stalledAt} bytes while the client read nothing`);
    assert.ok(growth < LIMIT, `proxy RSS grew by ${(growth / MB).toFixed(1)} MB`);
    assert.ok(received >= TOTAL, `the client got ${received} bytes`);
  });

  it('a service reading a 200 MB upload slowly: backpressure reaches the client, memory stays bounded', async (t) => {
    let sent = 0;
    let answer = '';
    const socket = net.connect({ host: '127.0.0.1', port: child.port });
    socket.on('error', () => undefined);
    socket.setEncoding('latin1');
    socket.on('data', (c: string) => (answer += c));
    const done = new Promise<void>((resolve) => socket.on('close', () => resolve()));
    await new Promise<void>((r) => socket.on('connect', () => r()));
    const sampler = sampleGrowth();
    socket.write(`POST /upload HTTP/1.1\r\n${HOST}Content-Length: ${TOTAL}\r\nConnection: close\r\n\r\n`);
    const chunk = Buffer.alloc(256 * 1024, 'u');
    const writer = (async () => {
      while (sent < TOTAL) {
        sent += chunk.length;
        if (!socket.write(chunk)) await new Promise((r) => socket.once('drain', r));
      }
    })();
    const stalledAt = await settled(() => sent, 'the client writes to stall');
    const serviceReq = releaseUpload();
    await readSlowly(serviceReq);
    const growth = sampler.stop();
    serviceReq.resume();
    await writer;
    await done;
    t.diagnostic(`the client stalled after ${(stalledAt / MB).toFixed(1)} MB; proxy RSS grew by ${(growth / MB).toFixed(1)} MB while the service read slowly`);
    assert.ok(stalledAt < TOTAL / 4, `the client pushed ${stalledAt} bytes into a service reading nothing`);
    assert.ok(growth < LIMIT, `proxy RSS grew by ${(growth / MB).toFixed(1)} MB`);
    assert.match(answer, new RegExp(`^HTTP/1\\.1 200 [\\s\\S]*\\r\\n\\r\\n${TOTAL}$`));
    assert.equal(uploadReceived, TOTAL);
  });
});
