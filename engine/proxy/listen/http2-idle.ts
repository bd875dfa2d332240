// Idle HTTP/2 sessions end with GOAWAY, as HTTP/1.1 keep-alive connections end after their
// keep-alive timeout. Idle means no open stream: a session carrying an SSE response, a long
// poll, a WebSocket or a gRPC stream is busy however quiet the wire is (http2's own
// setTimeout counts silence on the socket, so it would cut those).
import type { ServerHttp2Session, ServerHttp2Stream } from 'node:http2';

/** Closes `session` (GOAWAY, then the socket) once it has had no open stream for `idleMs`. */
export function closeWhenIdle(session: ServerHttp2Session, idleMs: number): void {
  let open = 0;
  let timer: NodeJS.Timeout | undefined;
  const arm = (): void => {
    clearTimeout(timer);
    timer = setTimeout(() => session.close(), idleMs);
    // The listener keeps the process alive; an idle session alone should not.
    timer.unref();
  };
  session.on('stream', (stream: ServerHttp2Stream) => {
    open++;
    clearTimeout(timer);
    stream.once('close', () => {
      open--;
      if (open === 0 && !session.closed && !session.destroyed) arm();
    });
  });
  session.once('close', () => clearTimeout(timer));
  arm();
}
