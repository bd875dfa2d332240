import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { PassThrough, Writable } from 'node:stream';
import { once } from 'node:events';
import { relayBody } from '../../engine/proxy/upstream/relay.js';

/** A sink that accepts `highWaterMark` bytes, then holds writes until release() is called. */
function slowSink(highWaterMark: number) {
  const received: Buffer[] = [];
  const pending: (() => void)[] = [];
  const sink = new Writable({
    highWaterMark,
    write(chunk: Buffer, _enc, done) {
      received.push(chunk);
      pending.push(done);
    },
  });
  const release = (): void => {
    for (const done of pending.splice(0)) done();
  };
  return { sink, received, release };
}

describe('relayBody', () => {
  it('passes every chunk in order, shows each to onChunk once, and calls onEnd after the last', async () => {
    const source = new PassThrough();
    const out: Buffer[] = [];
    const seen: Buffer[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _enc, done) {
        out.push(chunk);
        done();
      },
    });
    const ended = new Promise<number>((resolve) => relayBody(source, sink, (c) => seen.push(c), () => resolve(out.length)));
    for (const word of ['a', 'bb', 'ccc']) source.write(word);
    source.end();
    const chunksAtEnd = await ended;
    assert.equal(Buffer.concat(out).toString(), 'abbccc');
    assert.equal(Buffer.concat(seen).toString(), 'abbccc');
    assert.equal(chunksAtEnd, out.length, 'onEnd runs after the last chunk was written');
  });

  it('pauses the source while the sink is full and resumes it on drain', async () => {
    const source = new PassThrough({ highWaterMark: 16 });
    const { sink, received, release } = slowSink(8);
    let ended = false;
    let mostDrainListeners = 0;
    sink.on('newListener', (event: string) => {
      if (event === 'drain') mostDrainListeners = Math.max(mostDrainListeners, sink.listenerCount('drain') + 1);
    });
    relayBody(source, sink, () => {}, () => (ended = true));
    const paused = once(source, 'pause');
    source.write(Buffer.alloc(32, 1));
    await paused;
    assert.equal(source.isPaused(), true, 'a full sink pauses the source');
    source.write(Buffer.alloc(32, 2));
    source.end();
    // Release the sink until everything went through.
    const deadline = Date.now() + 5_000;
    while (!ended && Date.now() < deadline) {
      release();
      await new Promise((r) => setImmediate(r));
    }
    assert.equal(ended, true);
    assert.equal(Buffer.concat(received).length, 64);
    assert.ok(mostDrainListeners >= 1, 'the relay waited for drain at least once');
    assert.equal(mostDrainListeners, 1, 'never more than one drain listener at a time');
  });
});
