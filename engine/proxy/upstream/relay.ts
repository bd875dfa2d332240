// Streams a body from one side of the proxy to the other with backpressure, showing each
// chunk to capture in the same step. Used where pipe() was: pipe() registers and later
// removes about ten listeners per message (unpipe, drain, error, close, finish on the
// destination), which showed up in the per-request profile. Here the source gets one
// 'data' and one 'end' listener, and the destination a 'drain' listener only while it is
// full. Tearing down is not relay's job: the forwarder destroys the other side when either
// side closes early.
import type { Readable } from 'node:stream';

/** What relayBody writes to: a ServerResponse, a ClientRequest or any Writable. */
export interface BodySink {
  write(chunk: Buffer): boolean;
  once(event: 'drain', listener: () => void): unknown;
}

export function relayBody(source: Readable, sink: BodySink, onChunk: (chunk: Buffer) => void, onEnd: () => void): void {
  let waiting = false;
  const resume = (): void => {
    waiting = false;
    source.resume();
  };
  source.on('data', (chunk: Buffer) => {
    onChunk(chunk);
    if (!sink.write(chunk) && !waiting) {
      waiting = true;
      source.pause();
      sink.once('drain', resume);
    }
  });
  source.on('end', onEnd);
}
