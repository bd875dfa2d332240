import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { H2_PREFACE, sniffConnection } from '../../engine/proxy/listen/sniff.js';

describe('sniffConnection', () => {
  it('TLS starts with a handshake record', () => assert.equal(sniffConnection(Buffer.from([0x16, 0x03, 0x01])), 'tls'));
  it('the full h2 preface is h2c', () => assert.equal(sniffConnection(Buffer.concat([H2_PREFACE, Buffer.from([0, 0, 0])])), 'h2c'));
  it('a prefix of the preface needs more bytes', () => {
    for (let n = 1; n < H2_PREFACE.length; n++) assert.equal(sniffConnection(H2_PREFACE.subarray(0, n)), 'undecided', `n=${n}`);
    assert.equal(sniffConnection(Buffer.alloc(0)), 'undecided');
  });
  it('HTTP/1 methods, including ones starting with P', () => {
    for (const m of ['GET / HTTP/1.1', 'POST /', 'PUT /', 'PATCH /', 'PROPFIND /', 'PRI / HTTP/1.1', 'OPTIONS *', 'G']) {
      assert.equal(sniffConnection(Buffer.from(m)), 'http1', m);
    }
    assert.equal(sniffConnection(Buffer.from('PRI * HTTP/1.1\r\n')), 'http1');
  });
  it('garbage goes to the HTTP parser, which answers 400', () => assert.equal(sniffConnection(Buffer.from([0x00, 0xff])), 'http1'));
});
