// The gRPC and gRPC-Web wire pieces the proxy speaks itself.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Base64StreamDecoder, decodeFrames, encodeTextChunk, encodeTrailerFrame, grpcWebMode, parseTrailerBlock } from '../../engine/proxy/grpc/web-wire.js';
import { decodeGrpcMessage, encodeGrpcMessage, grpcStatusForHttp, grpcTrailersOnlyHeaders, isGrpcContentType } from '../../engine/proxy/grpc/status.js';

describe('grpcWebMode', () => {
  it('maps each gRPC-Web content type to the gRPC one and back', () => {
    assert.deepEqual(grpcWebMode('application/grpc-web'), { text: false, upstreamContentType: 'application/grpc', responseContentType: 'application/grpc-web+proto' });
    assert.deepEqual(grpcWebMode('application/grpc-web+proto'), { text: false, upstreamContentType: 'application/grpc+proto', responseContentType: 'application/grpc-web+proto' });
    assert.deepEqual(grpcWebMode('application/grpc-web-text; charset=utf-8'), { text: true, upstreamContentType: 'application/grpc', responseContentType: 'application/grpc-web-text+proto' });
    assert.equal(grpcWebMode('application/grpc-web-text+proto')?.text, true);
  });
  it('is null for gRPC proper and everything else', () => {
    for (const t of [undefined, 'application/grpc', 'application/grpc+proto', 'application/json', 'application/grpc-webx']) assert.equal(grpcWebMode(t), null, String(t));
  });
});

describe('trailer frames', () => {
  it('encodes name: value lines behind flag 0x80 and a big-endian length', () => {
    const frame = encodeTrailerFrame({ 'grpc-status': '0', 'Grpc-Message': 'ok', 'x-list': ['a', 'b'], ':status': 200 });
    assert.equal(frame[0], 0x80);
    const text = 'grpc-status: 0\r\ngrpc-message: ok\r\nx-list: a\r\nx-list: b\r\n';
    assert.equal(frame.readUInt32BE(1), text.length);
    assert.equal(frame.subarray(5).toString('latin1'), text);
    const [decoded] = decodeFrames(frame);
    assert.equal(decoded?.trailer, true);
    assert.equal(parseTrailerBlock(decoded?.payload ?? Buffer.alloc(0))['grpc-message'], 'ok');
  });
  it('decodeFrames rejects truncated input with the byte offset', () => {
    assert.throws(() => decodeFrames(Buffer.from([0, 0, 0, 0, 9, 1])), /truncated gRPC frame at byte 0: 9 bytes/);
    assert.throws(() => decodeFrames(Buffer.from([0, 0])), /truncated gRPC frame header at byte 0/);
  });
});

describe('Base64StreamDecoder', () => {
  const payload = Buffer.from('the quick brown fox jumps over the lazy dog, 0123456789');
  it('decodes any split of the text, one character at a time included', () => {
    const text = payload.toString('base64');
    for (const size of [1, 2, 3, 5, 7, text.length]) {
      const d = new Base64StreamDecoder();
      const parts: Buffer[] = [];
      for (let i = 0; i < text.length; i += size) parts.push(d.push(text.slice(i, i + size)));
      d.end();
      assert.deepEqual(Buffer.concat(parts), payload, `size ${size}`);
    }
  });
  it('decodes concatenated, separately padded chunks (one per message)', () => {
    const a = Buffer.from('a');
    const b = Buffer.from('bc');
    const d = new Base64StreamDecoder();
    assert.deepEqual(d.push(encodeTextChunk(a) + encodeTextChunk(b) + '\r\n'), Buffer.from('abc'));
  });
  it('rejects foreign characters and a body ending mid-group', () => {
    assert.throws(() => new Base64StreamDecoder().push('ab*d'), /invalid character "\*"/);
    const d = new Base64StreamDecoder();
    d.push('abc');
    assert.throws(() => d.end(), /middle of a base64 group/);
  });
});

describe('grpc status helpers', () => {
  it('recognises gRPC content types but not gRPC-Web', () => {
    assert.equal(isGrpcContentType('application/grpc'), true);
    assert.equal(isGrpcContentType('application/grpc+proto'), true);
    assert.equal(isGrpcContentType('application/grpc;charset=x'), true);
    assert.equal(isGrpcContentType('application/grpc-web'), false);
    assert.equal(isGrpcContentType(undefined), false);
  });
  it('maps HTTP statuses as the gRPC spec does', () => {
    assert.equal(grpcStatusForHttp(503), 14);
    assert.equal(grpcStatusForHttp(502), 14);
    assert.equal(grpcStatusForHttp(404), 12);
    assert.equal(grpcStatusForHttp(400), 13);
    assert.equal(grpcStatusForHttp(418), 2);
  });
  it('percent-encodes grpc-message outside printable ASCII, and % itself', () => {
    const m = "nothing on 127.0.0.1:5 — 100% 'gone'\n";
    const enc = encodeGrpcMessage(m);
    assert.match(enc, /^[\x20-\x7e]+$/);
    assert.ok(enc.includes('%25') && enc.includes('%0A'));
    assert.equal(decodeGrpcMessage(enc), m);
    assert.deepEqual(grpcTrailersOnlyHeaders(14, 'x y'), { ':status': 200, 'content-type': 'application/grpc', 'grpc-status': '14', 'grpc-message': 'x y' });
  });
});
