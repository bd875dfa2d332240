import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import type { IncomingMessage } from 'node:http';
import net from 'node:net';
import { NOOP_RECORDER, type ExchangeRecorder } from '../../engine/capture/index.js';
import type { UpstreamTarget } from '../../engine/proxy/target.js';
import { requestHasBody } from '../../engine/proxy/headers/request-headers.js';
import { dashboardOverH2Problem } from '../../engine/proxy/problems/problems.js';
import { UpstreamAttempts, upstreamLabel, whenConnected } from '../../engine/proxy/upstream/attempts.js';
import { describeUpstreamError, UpstreamPool } from '../../engine/proxy/upstream/pool.js';
import { makeProject, makeService, route } from '../helpers/proxy-backend.js';

const PORT = 4123;
const service = makeService('api', { port: PORT });
const project = makeProject('shop', [service], [route('/', 'api')]);
const target: UpstreamTarget = { project, service, port: PORT, path: '/' };

function errno(code: string, message = `connect ${code}`): Error {
  return Object.assign(new Error(message), { code });
}

function recorderSeeing(connected: string[]): ExchangeRecorder {
  return { ...NOOP_RECORDER, upstreamConnected: (address: string) => connected.push(address) };
}

describe('upstreamLabel', () => {
  it('brackets IPv6 and leaves IPv4 bare', () => {
    assert.equal(upstreamLabel('127.0.0.1', 3000), '127.0.0.1:3000');
    assert.equal(upstreamLabel('::1', 3000), '[::1]:3000');
  });
});

describe('UpstreamAttempts', () => {
  it('starts on 127.0.0.1 and moves to ::1 only for "not there" errors', () => {
    const attempts = new UpstreamAttempts(new UpstreamPool(), PORT);
    assert.equal(attempts.address(), '127.0.0.1');
    assert.equal(attempts.nextAddress(errno('ECONNRESET')), false);
    assert.equal(attempts.nextAddress(new Error('no code')), false);
    assert.equal(attempts.address(), '127.0.0.1', 'a failed move leaves the address as it was');
    assert.equal(attempts.nextAddress(errno('ECONNREFUSED')), true);
    assert.equal(attempts.address(), '::1');
    assert.equal(attempts.nextAddress(errno('ECONNREFUSED')), false, 'no third address');
    assert.equal(attempts.address(), '::1');
  });

  it('treats unavailable-address errors like a refusal', () => {
    for (const code of ['EADDRNOTAVAIL', 'EAFNOSUPPORT', 'ENETUNREACH', 'EHOSTUNREACH']) {
      const attempts = new UpstreamAttempts(new UpstreamPool(), PORT);
      attempts.address();
      assert.equal(attempts.nextAddress(errno(code)), true, code);
    }
  });

  it('starts on the address the pool remembered, and connected() remembers and reports the one that answered', () => {
    const pool = new UpstreamPool();
    const connected: string[] = [];
    const first = new UpstreamAttempts(pool, PORT);
    first.address();
    first.nextAddress(errno('ECONNREFUSED'));
    first.connected(first.address(), recorderSeeing(connected));
    assert.deepEqual(connected, ['[::1]:4123']);
    const second = new UpstreamAttempts(pool, PORT);
    assert.equal(second.address(), '::1');
    assert.equal(new UpstreamAttempts(pool, PORT + 1).address(), '127.0.0.1', 'other ports are not affected');
  });

  it('reports connection-refused with every distinct address tried, in order', () => {
    const attempts = new UpstreamAttempts(new UpstreamPool(), PORT);
    attempts.address();
    attempts.address();
    attempts.nextAddress(errno('ECONNREFUSED'));
    attempts.address();
    const problem = attempts.failure(target, errno('ECONNREFUSED'));
    assert.equal(problem.code, 'connection-refused');
    assert.deepEqual(problem.extensions?.tried, ['127.0.0.1', '::1']);
    assert.match(problem.detail, /127\.0\.0\.1:4123 or \[::1\]:4123/);
  });

  it('reports any other error as an upstream error naming it', () => {
    const attempts = new UpstreamAttempts(new UpstreamPool(), PORT);
    attempts.address();
    const problem = attempts.failure(target, errno('ECONNRESET', 'socket hang up'));
    assert.equal(problem.code, 'upstream-error');
    assert.equal(problem.extensions?.error, 'ECONNRESET');
  });

  it('allows one resend after a reset of a reused socket, for safe methods only', () => {
    const reset = errno('ECONNRESET');
    for (const method of ['GET', 'HEAD', 'OPTIONS', 'TRACE', 'PUT', 'DELETE']) {
      const attempts = new UpstreamAttempts(new UpstreamPool(), PORT);
      assert.equal(attempts.resendAfterReset(reset, true, method), true, method);
      assert.equal(attempts.resendAfterReset(reset, true, method), false, `${method}: only once`);
    }
    for (const method of ['POST', 'PATCH', 'CONNECT', 'get']) {
      assert.equal(new UpstreamAttempts(new UpstreamPool(), PORT).resendAfterReset(reset, true, method), false, method);
    }
  });

  it('does not resend on a fresh socket or for other errors, and a refusal does not use up the resend', () => {
    const attempts = new UpstreamAttempts(new UpstreamPool(), PORT);
    assert.equal(attempts.resendAfterReset(errno('ECONNRESET'), false, 'GET'), false);
    assert.equal(attempts.resendAfterReset(errno('ECONNREFUSED'), true, 'GET'), false);
    assert.equal(attempts.resendAfterReset(new Error('socket hang up'), true, 'GET'), false);
    assert.equal(attempts.resendAfterReset(errno('ECONNRESET'), true, 'GET'), true);
  });
});

describe('describeUpstreamError', () => {
  it('names a reset, else the code, else the message', () => {
    assert.equal(describeUpstreamError(errno('ECONNRESET')), 'reset the connection');
    assert.equal(describeUpstreamError(errno('EPIPE')), 'failed (EPIPE)');
    assert.equal(describeUpstreamError(new Error('socket hang up')), 'failed (socket hang up)');
  });
});

describe('requestHasBody', () => {
  const req = (headers: Record<string, string>) => ({ headers }) as unknown as IncomingMessage;
  it('is true for chunked or a non-zero Content-Length, false otherwise', () => {
    assert.equal(requestHasBody(req({ 'transfer-encoding': 'chunked' })), true);
    assert.equal(requestHasBody(req({ 'content-length': '5' })), true);
    assert.equal(requestHasBody(req({ 'content-length': '0' })), false);
    assert.equal(requestHasBody(req({})), false);
  });
});

describe('whenConnected', () => {
  it('waits for a connecting socket and runs at once for a connected one', async () => {
    const server = net.createServer((s) => s.end());
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const { port } = server.address() as net.AddressInfo;
    const socket = net.connect(port, '127.0.0.1');
    try {
      const calls: string[] = [];
      assert.equal(socket.connecting, true);
      whenConnected(socket, () => calls.push('first'));
      assert.equal(calls.length, 0, 'not before the connect');
      await once(socket, 'connect');
      assert.deepEqual(calls, ['first']);
      whenConnected(socket, () => calls.push('second'));
      assert.deepEqual(calls, ['first', 'second'], 'synchronously once connected');
    } finally {
      socket.destroy();
      server.close();
    }
  });
});

describe('dashboardOverH2Problem', () => {
  it('is a 421 dashboard-unavailable, a fresh object each time', () => {
    const problem = dashboardOverH2Problem();
    assert.equal(problem.status, 421);
    assert.equal(problem.code, 'dashboard-unavailable');
    assert.notEqual(dashboardOverH2Problem(), problem);
  });
});
