import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { describeThrown, guardOutput, isOutputGoneError } from '../../engine/guarded-output.js';

function coded(code: string): NodeJS.ErrnoException {
  return Object.assign(new Error(`write ${code}`), { code, syscall: 'write' });
}

/** A real Writable that records what reaches it, and fails every write with `failure` once it is set. */
function sink(): { stream: Writable; written: string[]; failWith(e: Error | null): void } {
  const written: string[] = [];
  let failure: Error | null = null;
  const stream = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      if (failure !== null) return callback(failure);
      written.push(chunk.toString());
      callback();
    },
  });
  return { stream, written, failWith: (e) => (failure = e) };
}

const settle = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));
const state = (gone: Promise<void>): Promise<string> => Promise.race([gone.then(() => 'gone'), settle().then(() => 'open')]);

test('isOutputGoneError: a closed pipe, a reset socket, a hung-up terminal and a destroyed stream mean the reader is gone', () => {
  for (const code of ['EPIPE', 'ECONNRESET', 'ENOTCONN', 'EIO', 'ERR_STREAM_DESTROYED', 'ERR_STREAM_WRITE_AFTER_END']) {
    assert.equal(isOutputGoneError(coded(code)), true, code);
  }
  assert.equal(isOutputGoneError({ code: 'EPIPE' }), true, 'any object with the code, not only Error');
});

test('isOutputGoneError: other failures and non-errors do not', () => {
  for (const value of [coded('ENOSPC'), coded('EAGAIN'), new Error('EPIPE'), { code: 32 }, 'EPIPE', null, undefined, 0]) {
    assert.equal(isOutputGoneError(value), false, String(value));
  }
});

test('describeThrown: stacks for errors, text for the rest, and never throws', () => {
  const e = new Error('boom');
  assert.equal(describeThrown(e), e.stack);
  assert.equal(describeThrown(null), 'null');
  assert.equal(describeThrown('text'), 'text');
  assert.equal(describeThrown(Object.create(null)), 'a value that cannot be printed');
  assert.equal(describeThrown({ toString: () => { throw new Error('nope'); } }), 'a value that cannot be printed');
});

test('guardOutput: lines reach their stream while the output works', async () => {
  const stdout = sink();
  const stderr = sink();
  const output = guardOutput(stdout.stream, stderr.stream);
  output.out('to stdout');
  output.err('to stderr');
  await settle();
  assert.deepEqual(stdout.written, ['to stdout\n']);
  assert.deepEqual(stderr.written, ['to stderr\n']);
  assert.equal(await state(output.gone), 'open');
});

test('guardOutput: an EPIPE is handled (no uncaught error), resolves gone, and silences both streams', async () => {
  const stdout = sink();
  const stderr = sink();
  const output = guardOutput(stdout.stream, stderr.stream);
  stdout.failWith(coded('EPIPE'));
  output.out('fails');
  await output.gone;
  output.out('after');
  output.err('after');
  await settle();
  assert.deepEqual(stdout.written, []);
  assert.deepEqual(stderr.written, [], 'nothing more is written anywhere once the output is gone');
});

test('guardOutput: a failure that is not the reader going away mutes that stream only', async () => {
  const stdout = sink();
  const stderr = sink();
  const output = guardOutput(stdout.stream, stderr.stream);
  stdout.failWith(coded('ENOSPC'));
  output.out('fails');
  await settle();
  stdout.failWith(null);
  output.out('muted');
  output.err('still written');
  await settle();
  assert.deepEqual(stdout.written, []);
  assert.deepEqual(stderr.written, ['still written\n']);
  assert.equal(await state(output.gone), 'open');
});

test('guardOutput: a synchronous throw from write and a stream someone destroyed both count', async () => {
  const throwing = new Writable({ write: (_c, _e, cb) => cb() });
  throwing.write = () => {
    throw coded('EIO');
  };
  const thrown = guardOutput(throwing, sink().stream);
  assert.doesNotThrow(() => thrown.out('line'));
  await thrown.gone;

  const destroyed = sink();
  destroyed.stream.destroy();
  const afterDestroy = guardOutput(sink().stream, destroyed.stream);
  afterDestroy.err('line');
  await afterDestroy.gone;
});
