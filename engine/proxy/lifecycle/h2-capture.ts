// Capture for HTTP/2 streams: describing the stream for the recorder, and the words for
// how it ended. Capture only observes: listeners here never pause or buffer a stream.
import http2 from 'node:http2';
import type { ExchangeKind } from '../../../shared/traffic.js';
import type { ArrivedRequest } from './capture.js';
import { isGrpcContentType } from '../grpc/status.js';
import { grpcWebMode } from '../grpc/web-wire.js';
import { fieldValue, type H2RequestHead } from '../headers/http2-headers.js';
import { h2ErrorName } from '../problems/h2.js';

const { NGHTTP2_NO_ERROR } = http2.constants;

/** What the request says it is; the store refines it from the response's content type too. */
export function h2RequestKind(head: H2RequestHead): ExchangeKind {
  const contentType = fieldValue(head.fields, 'content-type');
  if (grpcWebMode(contentType) !== null) return 'grpc-web';
  if (isGrpcContentType(contentType)) return 'grpc';
  if (/^\s*text\/event-stream\b/i.test(fieldValue(head.fields, 'accept') ?? '')) return 'sse';
  return 'http';
}

/** An HTTP/2 stream described for capture: 'h2' over TLS, 'h2c' with prior knowledge. */
export function arrivedH2(head: H2RequestHead, rawHeaders: readonly string[], encrypted: boolean, clientAddress: string | null): ArrivedRequest {
  return {
    clientProtocol: encrypted ? 'h2' : 'h2c',
    method: head.method,
    host: head.authority ?? '',
    url: head.path,
    rawHeaders,
    clientAddress,
    replayOf: null,
  };
}

/** Why the exchange stopped when the client's side of the stream closed early. */
export function h2AbortReason(rstCode: number | undefined): string {
  return rstCode !== undefined && rstCode !== NGHTTP2_NO_ERROR
    ? `The client reset the stream (RST_STREAM ${h2ErrorName(rstCode)}) before the exchange completed.`
    : 'The client closed its HTTP/2 connection before the exchange completed.';
}
