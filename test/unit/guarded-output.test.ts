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

test('guardOutput: log lines beyond the bound are dropped, counted, and reported once the reader catches up', async () => {
  const written: string[] = [];
  let release: (() => void) | null = null;
  // A reader that takes the first line and then stalls until released, like a paused pager.
  const stream = new Writable({
    highWaterMark: 16,
    write(chunk: Buffer, _encoding, callback) {
      written.push(chunk.toString());
      if (written.length === 1) release = callback;
      else callback();
    },
  });
  const output = guardOutput(stream, sink().stream, { maxPendingBytes: 64 });
  for (let i = 0; i < 100; i++) output.outDroppable(`line ${String(i).padStart(3, '0')}`);
  const kept = stream.writableLength;
  assert.ok(kept <= 64 + 'line 000\n'.length, `at most the bound waits: ${kept} bytes`);
  output.out('locald: its own lines always go out');
  (release as unknown as () => void)();
  await settle();
  const notice = written.find((l) => l.includes('dropped'));
  const keptLines = written.filter((l) => l.startsWith('line ')).length;
  assert.equal(notice, `locald: ${100 - keptLines} log lines dropped while the terminal was not reading\n`);
  assert.ok(keptLines > 0 && keptLines < 100);
  assert.ok(written.includes('locald: its own lines always go out\n'));
  // Once reported, the count starts again: no second notice without new drops.
  output.outDroppable('after');
  await settle();
  assert.equal(written.filter((l) => l.includes('dropped')).length, 1);
  assert.equal(written.at(-1), 'after\n');
});
