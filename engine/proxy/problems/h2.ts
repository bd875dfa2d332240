// Proxy-made answers on an HTTP/2 stream: the same error pages as HTTP/1.1 (HTML or
// problem+json), or for gRPC clients a trailers-only response they can understand.
import type { OutgoingHttpHeaders, ServerHttp2Stream } from 'node:http2';
import { renderProblem, sentAnswer, type SentAnswer } from './render.js';
import { grpcStatusForHttp, grpcTrailersOnlyHeaders } from '../grpc/status.js';
import { problemText, type ProxyProblem } from './problems.js';

/**
 * Resets a stream with INTERNAL_ERROR and no END_STREAM before it. (`stream.close(code)`
 * ends the writable side first, which sends END_STREAM: a truncated body would then look
 * complete to a client that got no Content-Length.)
 */
export function resetStream(stream: ServerHttp2Stream): void {
  if (stream.destroyed) return;
  stream.destroy(new Error('locald: the upstream exchange failed'));
}

/**
 * Answers the stream with the problem; a stream whose headers already went out is reset
 * instead. Returns what was sent (null when nothing was).
 */
export function sendH2Problem(stream: ServerHttp2Stream, problem: ProxyProblem, accept: string | undefined, method: string): SentAnswer | null {
  if (stream.destroyed || stream.closed) return null;
  if (stream.headersSent) {
    resetStream(stream);
    return null;
  }
  const rendered = renderProblem(problem, accept);
  const headers: OutgoingHttpHeaders = { ':status': rendered.status };
  for (const [k, v] of Object.entries(rendered.headers)) headers[k.toLowerCase()] = v;
  const head = method.toUpperCase() === 'HEAD';
  try {
    stream.respond(headers, { endStream: head });
    if (!head) stream.end(rendered.body);
    return sentAnswer(rendered, !head, true);
  } catch {
    resetStream(stream);
    return null;
  }
}

/** A gRPC client gets the problem as grpc-status/grpc-message in one HEADERS frame with END_STREAM. */
export function sendGrpcProblem(stream: ServerHttp2Stream, problem: ProxyProblem, contentType = 'application/grpc'): void {
  if (stream.destroyed || stream.closed) return;
  if (stream.headersSent) {
    resetStream(stream);
    return;
  }
  try {
    stream.respond(grpcTrailersOnlyHeaders(grpcStatusForHttp(problem.status), `locald: ${problemText(problem)}`, contentType), { endStream: true });
  } catch {
    resetStream(stream);
  }
}

const H2_ERROR_NAMES = [
  'NO_ERROR',
  'PROTOCOL_ERROR',
  'INTERNAL_ERROR',
  'FLOW_CONTROL_ERROR',
  'SETTINGS_TIMEOUT',
  'STREAM_CLOSED',
  'FRAME_SIZE_ERROR',
  'REFUSED_STREAM',
  'CANCEL',
  'COMPRESSION_ERROR',
  'CONNECT_ERROR',
  'ENHANCE_YOUR_CALM',
  'INADEQUATE_SECURITY',
  'HTTP_1_1_REQUIRED',
];

/** `8` → `CANCEL (8)`. */
export function h2ErrorName(code: number): string {
  const name = H2_ERROR_NAMES[code];
  return name === undefined ? `error ${code}` : `${name} (${code})`;
}

