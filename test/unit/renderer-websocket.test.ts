import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { bytesToBase64, utf8ToBase64 } from '../../renderer/src/body/bytes.js';
import { describeClose, messagePreview } from '../../renderer/src/format/websocket.js';

const closePayload = (code: number, reason = '') => new Uint8Array([code >> 8, code & 0xff, ...new TextEncoder().encode(reason)]);

describe('WebSocket message previews', () => {
  it('decodes text payloads from base64, including non-ASCII', () => {
    assert.equal(messagePreview(1, utf8ToBase64('hello from e2e')), 'hello from e2e');
    assert.equal(messagePreview(1, utf8ToBase64('grüße 👋')), 'grüße 👋');
    assert.equal(messagePreview(1, ''), '');
  });

  it('shows binary that is not text as a hex dump, and ping text as text', () => {
    const preview = messagePreview(2, bytesToBase64(new Uint8Array([0, 1, 2, 0xff])));
    assert.match(preview, /^00000000 {2}00 01 02 ff/);
    assert.equal(messagePreview(9, utf8ToBase64('keepalive')), 'keepalive');
  });

  it('reads close frames as status code, meaning and reason', () => {
    assert.equal(describeClose(closePayload(1000, 'bye')), '1000 normal closure · "bye"');
    assert.equal(describeClose(closePayload(1001)), '1001 going away');
    assert.equal(describeClose(closePayload(4321, 'room closed')), '4321 application-defined · "room closed"');
    assert.equal(describeClose(closePayload(1234)), '1234 unregistered code');
    assert.equal(describeClose(new Uint8Array()), 'no status code');
    assert.equal(messagePreview(8, bytesToBase64(closePayload(1011, 'oops'))), '1011 internal error · "oops"');
  });

  it('does not guess at malformed close payloads', () => {
    assert.match(describeClose(new Uint8Array([3])), /^malformed close payload: 00000000 {2}03/);
    assert.match(describeClose(new Uint8Array([0x03, 0xe8, 0xff, 0xfe])), /^1000 normal closure · reason bytes 00000000 {2}ff fe/);
  });
});
