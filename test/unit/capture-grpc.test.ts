import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Base64StreamDecoder, GrpcFrameParser, parseGrpcWebTrailers, type ParsedGrpcFrame } from '../../engine/capture/grpc-frames.js';
import { TrafficStore } from '../../engine/capture/store.js';

function message(payload: Buffer, flags = 0): Buffer {
  const head = Buffer.alloc(5);
  head[0] = flags;
  head.writeUInt32BE(payload.length, 1);
  return Buffer.concat([head, payload]);
}

function parse(chunks: Buffer[], max = 1 << 20): ParsedGrpcFrame[] {
  const frames: ParsedGrpcFrame[] = [];
  const parser = new GrpcFrameParser((f) => frames.push(f), max);
  for (const c of chunks) parser.push(c);
  return frames;
}

test('gRPC frames: length-prefixed messages split at every byte boundary, empty and compressed ones included', () => {
  const a = Buffer.from('0a0568656c6c6f', 'hex');
  const b = Buffer.alloc(0);
  const c = Buffer.alloc(300, 7);
  const stream = Buffer.concat([message(a), message(b), message(c, 1)]);
  const expected = [
    { compressed: false, trailers: false, size: a.length, payload: a, truncated: false },
    { compressed: false, trailers: false, size: 0, payload: b, truncated: false },
    { compressed: true, trailers: false, size: 300, payload: c, truncated: false },
  ];
  for (let i = 0; i <= stream.length; i++) {
    assert.deepEqual(parse([stream.subarray(0, i), stream.subarray(i)]), expected, `split at ${i}`);
  }
  assert.deepEqual(
    parse([...stream].map((x) => Buffer.from([x]))),
    expected,
  );
});

test('gRPC frames: a message beyond the cap is cut and flagged, and the next one still parses', () => {
  const frames = parse([Buffer.concat([message(Buffer.alloc(1000, 1)), message(Buffer.from('ok'))])], 10);
  assert.equal(frames.length, 2);
  assert.equal(frames[0]?.size, 1000);
  assert.equal(frames[0]?.payload.length, 10);
  assert.equal(frames[0]?.truncated, true);
  assert.equal(frames[1]?.payload.toString(), 'ok');
});

test('gRPC frames: a body cut mid-message reports midFrame', () => {
  const parser = new GrpcFrameParser(() => undefined, 100);
  parser.push(message(Buffer.from('hello')).subarray(0, 7));
  assert.equal(parser.midFrame, true);
  parser.push(Buffer.from('llo'));
  assert.equal(parser.midFrame, false);
});

test('gRPC-Web-text: base64 with separately padded segments decodes across any chunking; non-base64 fails cleanly', () => {
  const m1 = message(Buffer.from('a'));
  const m2 = message(Buffer.from('bc'));
  const text = m1.toString('base64') + m2.toString('base64');
  assert.ok(text.includes('='), 'the first segment is padded');
  for (let i = 0; i <= text.length; i++) {
    const decoder = new Base64StreamDecoder();
    const out = Buffer.concat([decoder.push(Buffer.from(text.slice(0, i))) ?? Buffer.alloc(0), decoder.push(Buffer.from(text.slice(i))) ?? Buffer.alloc(0)]);
    assert.deepEqual(out, Buffer.concat([m1, m2]), `split at ${i}`);
  }
  const bad = new Base64StreamDecoder();
  assert.equal(bad.push(Buffer.from('AAAA\u0000')), null);
  assert.equal(bad.failed, true);
  assert.equal(bad.push(Buffer.from('AAAA')), null);
});

test('gRPC-Web trailers frames are read as headers', () => {
  assert.deepEqual(parseGrpcWebTrailers(Buffer.from('grpc-status: 0\r\ngrpc-message: OK\r\n')), [
    ['grpc-status', '0'],
    ['grpc-message', 'OK'],
  ]);
});

test('gRPC through the recorder: request and response frames, trailers, kind detection', () => {
  const store = new TrafficStore();
  const rec = store.begin({
    clientProtocol: 'h2',
    method: 'POST',
    host: 'shop.localhost:7700',
    url: '/pkg.Greeter/SayHello',
    requestHeaders: ['content-type', 'application/grpc+proto', 'te', 'trailers'],
  });
  const req = message(Buffer.from('request'));
  rec.requestChunk(req.subarray(0, 3));
  rec.requestChunk(req.subarray(3));
  rec.response(200, ['content-type', 'application/grpc']);
  const res = Buffer.concat([message(Buffer.from('reply 1')), message(Buffer.from('reply 2'))]);
  rec.responseChunk(res.subarray(0, 9));
  rec.responseChunk(res.subarray(9));
  rec.responseTrailers(['grpc-status', '0']);
  rec.end();
  const d = store.get(rec.id);
  assert.ok(d);
  assert.equal(d.kind, 'grpc');
  assert.deepEqual(
    d.grpcFrames.map((f) => [f.direction, Buffer.from(f.payload, 'base64').toString()]),
    [
      ['client', 'request'],
      ['server', 'reply 1'],
      ['server', 'reply 2'],
    ],
  );
  assert.equal(d.messageCount, 3);
  assert.deepEqual(d.responseTrailers, [['grpc-status', '0']]);
  store.close();
});

test('gRPC-Web-text through the recorder: frames decoded from base64, the trailers frame becomes trailers', () => {
  const store = new TrafficStore();
  const rec = store.begin({
    clientProtocol: 'http/1.1',
    method: 'POST',
    host: 'shop.localhost',
    url: '/pkg.Svc/Call',
    requestHeaders: [['Content-Type', 'application/grpc-web-text']],
  });
  rec.requestChunk(Buffer.from(message(Buffer.from('hi')).toString('base64')));
  rec.response(200, [['Content-Type', 'application/grpc-web-text+proto']]);
  const body = message(Buffer.from('answer')).toString('base64') + message(Buffer.from('grpc-status: 0\r\ngrpc-message: fine\r\n'), 0x80).toString('base64');
  for (let i = 0; i < body.length; i += 5) rec.responseChunk(Buffer.from(body.slice(i, i + 5)));
  rec.end();
  const d = store.get(rec.id);
  assert.equal(d?.kind, 'grpc-web');
  assert.deepEqual(
    d?.grpcFrames.map((f) => Buffer.from(f.payload, 'base64').toString()),
    ['hi', 'answer'],
  );
  assert.deepEqual(d?.responseTrailers, [
    ['grpc-status', '0'],
    ['grpc-message', 'fine'],
  ]);
  store.close();
});
