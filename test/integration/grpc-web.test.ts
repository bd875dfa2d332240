// gRPC-Web through locald to a plain grpc-js server: hand-built gRPC-Web requests (binary
// and -text) over HTTP/1.1 and HTTP/2, translated by the proxy as Envoy's grpc_web filter does.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import net from 'node:net';
import { ProxyServer } from '../../engine/proxy/index.js';
import { Base64StreamDecoder, decodeFrames, parseTrailerBlock } from '../../engine/proxy/grpc/web-wire.js';
import { TestBackend, makeProject, makeService, route } from '../helpers/proxy-backend.js';
import { startEchoServer, type EchoServer } from '../helpers/h2-grpc.js';
import { closeSession, connectH2c, h2Request } from '../helpers/h2-kit.js';

// Just enough protobuf for EchoRequest/EchoReply (fields: 1 string, 2 varint, 3 string, 5 bool).
function varint(n: number): Buffer {
  const out: number[] = [];
  while (n > 0x7f) {
    out.push((n & 0x7f) | 0x80);
    n >>>= 7;
  }
  out.push(n);
  return Buffer.from(out);
}
function encodeRequest(text: string, count = 0, failCode = 0): Buffer {
  const t = Buffer.from(text, 'utf8');
  const parts = [Buffer.from([0x0a]), varint(t.length), t];
  if (count > 0) parts.push(Buffer.from([0x10]), varint(count));
  if (failCode > 0) parts.push(Buffer.from([0x18]), varint(failCode));
  return Buffer.concat(parts);
}
function decodeReplyText(msg: Buffer): string {
  let at = 0;
  while (at < msg.length) {
    const key = msg[at++] as number;
    const field = key >> 3;
    const wire = key & 7;
    let len = 0;
    let shift = 0;
    for (;;) {
      const b = msg[at++] as number;
      len |= (b & 0x7f) << shift;
      shift += 7;
      if ((b & 0x80) === 0) break;
    }
    if (wire === 0) continue;
    const value = msg.subarray(at, at + len);
    at += len;
    if (field === 1) return value.toString('utf8');
  }
  return '';
}
function frame(message: Buffer): Buffer {
  const head = Buffer.alloc(5);
  head.writeUInt32BE(message.length, 1);
  return Buffer.concat([head, message]);
}

interface WebResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
}

/** A gRPC-Web call over HTTP/1.1; `chunks` are written one by one (chunked transfer). */
function postHttp1(port: number, host: string, path: string, contentType: string, chunks: (Buffer | string)[]): Promise<WebResponse> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: '127.0.0.1', port, method: 'POST', path, agent: false, headers: { host, 'content-type': contentType, 'x-grpc-web': '1', accept: contentType } },
      (res) => {
        const parts: Buffer[] = [];
        res.on('data', (c: Buffer) => parts.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(parts) }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    for (const c of chunks) req.write(c);
    req.end();
  });
}

function splitResponse(body: Buffer, text: boolean): { messages: string[]; trailers: Record<string, string> } {
  const bytes = text ? new Base64StreamDecoder().push(body.toString('latin1')) : body;
  const frames = decodeFrames(bytes);
  const last = frames.at(-1);
  assert.ok(last?.trailer === true, 'the last frame is the trailer frame (flag 0x80)');
  assert.equal(frames.filter((f) => f.trailer).length, 1);
  return { messages: frames.filter((f) => !f.trailer).map((f) => decodeReplyText(f.payload)), trailers: parseTrailerBlock(last.payload) };
}

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = net.createServer();
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

describe('proxy: gRPC-Web to a gRPC service', () => {
  const backend = new TestBackend();
  let proxy: ProxyServer;
  let port: number;
  let echo: EchoServer;
  let deadPort: number;
  let host: string;

  before(async () => {
    echo = await startEchoServer();
    deadPort = await freePort();
    backend.add(makeProject('shop', [makeService('rpc', { port: echo.port })], [route('/', 'rpc')]));
    backend.add(makeProject('dead', [makeService('gone', { port: deadPort })], [route('/', 'gone')]));
    proxy = new ProxyServer({ backend, port: 0, host: ['127.0.0.1'] });
    port = (await proxy.listen()).port;
    host = `shop.localhost:${port}`;
  });
  after(async () => {
    await proxy.close();
    await echo.close();
  });

  it('binary over HTTP/1.1: unary reply, then trailers as a 0x80 frame', async () => {
    const r = await postHttp1(port, host, '/locald.test.Echo/Unary', 'application/grpc-web+proto', [frame(encodeRequest('web'))]);
    assert.equal(r.status, 200);
    assert.equal(r.headers['content-type'], 'application/grpc-web+proto');
    assert.match(String(r.headers['access-control-expose-headers']), /grpc-status/);
    assert.equal(r.headers['x-header'], 'from-service');
    const { messages, trailers } = splitResponse(r.body, false);
    assert.deepEqual(messages, ['echo:web']);
    assert.equal(trailers['grpc-status'], '0');
    assert.equal(trailers['x-trailer'], 'from-service');
  });

  it('-text over HTTP/1.1: a base64 body sent in pieces, a streamed base64 answer', async () => {
    const b64 = frame(encodeRequest('txt', 3)).toString('base64');
    // Split on a 4-character boundary and mid-group, to exercise the decoder's buffering.
    const cut = 4;
    const r = await postHttp1(port, host, '/locald.test.Echo/ServerStream', 'application/grpc-web-text', [b64.slice(0, cut), b64.slice(cut, cut + 3), b64.slice(cut + 3)]);
    assert.equal(r.status, 200);
    assert.equal(r.headers['content-type'], 'application/grpc-web-text+proto');
    assert.match(r.body.toString('latin1'), /^[A-Za-z0-9+/=]+$/);
    const { messages, trailers } = splitResponse(r.body, true);
    assert.deepEqual(messages, ['txt#0', 'txt#1', 'txt#2']);
    assert.equal(trailers['grpc-status'], '0');
  });

  it('a gRPC error status and its trailers metadata arrive in the trailer frame', async () => {
    const r = await postHttp1(port, host, '/locald.test.Echo/Unary', 'application/grpc-web+proto', [frame(encodeRequest('bad', 0, 5))]);
    assert.equal(r.status, 200);
    const { messages, trailers } = splitResponse(r.body, false);
    assert.deepEqual(messages, []);
    assert.equal(trailers['grpc-status'], '5');
    assert.equal(decodeURIComponent(trailers['grpc-message'] ?? ''), 'failed as asked: bad');
    assert.equal(trailers['x-fail'], 'yes');
  });

  it('an unreachable service: grpc-status 14 naming the service and the port', async () => {
    const r = await postHttp1(port, `dead.localhost:${port}`, '/locald.test.Echo/Unary', 'application/grpc-web+proto', [frame(encodeRequest('x'))]);
    assert.equal(r.status, 200);
    assert.equal(r.headers['grpc-status'], '14');
    const message = decodeURIComponent(String(r.headers['grpc-message']));
    assert.match(message, /service 'gone'/);
    assert.match(message, new RegExp(String(deadPort)));
  });

  it('binary over HTTP/2', async () => {
    const session = connectH2c(port);
    try {
      const r = await h2Request(
        session,
        { ':method': 'POST', ':path': '/locald.test.Echo/Unary', ':authority': host, 'content-type': 'application/grpc-web', 'x-grpc-web': '1' },
        frame(encodeRequest('h2web')),
      );
      assert.equal(r.status, 200);
      assert.equal(r.headers['content-type'], 'application/grpc-web+proto');
      const { messages, trailers } = splitResponse(r.body, false);
      assert.deepEqual(messages, ['echo:h2web']);
      assert.equal(trailers['grpc-status'], '0');
      assert.equal(r.trailers, undefined);
    } finally {
      await closeSession(session);
    }
  });
});
