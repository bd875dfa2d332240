// gRPC status codes and the bits of the gRPC wire protocol the proxy speaks itself. Pure.
import type { OutgoingHttpHeaders } from 'node:http2';

export const GRPC_STATUS = {
  OK: 0,
  CANCELLED: 1,
  UNKNOWN: 2,
  INTERNAL: 13,
  UNIMPLEMENTED: 12,
  UNAVAILABLE: 14,
  UNAUTHENTICATED: 16,
  PERMISSION_DENIED: 7,
} as const;

/** The HTTP → gRPC status mapping of grpc/doc/http-grpc-status-mapping.md. */
export function grpcStatusForHttp(status: number): number {
  switch (status) {
    case 400:
      return GRPC_STATUS.INTERNAL;
    case 401:
      return GRPC_STATUS.UNAUTHENTICATED;
    case 403:
      return GRPC_STATUS.PERMISSION_DENIED;
    case 404:
      return GRPC_STATUS.UNIMPLEMENTED;
    case 429:
    case 502:
    case 503:
    case 504:
      return GRPC_STATUS.UNAVAILABLE;
    default:
      return GRPC_STATUS.UNKNOWN;
  }
}

/** grpc-message is percent-encoded: everything outside printable ASCII, and '%' itself. */
export function encodeGrpcMessage(message: string): string {
  let out = '';
  for (const byte of Buffer.from(message, 'utf8')) {
    if (byte >= 0x20 && byte <= 0x7e && byte !== 0x25) out += String.fromCharCode(byte);
    else out += `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

export function decodeGrpcMessage(encoded: string): string {
  try {
    return decodeURIComponent(encoded);
  } catch {
    return encoded;
  }
}

/** True for gRPC proper (`application/grpc`, `application/grpc+proto`, …), not gRPC-Web. */
export function isGrpcContentType(contentType: string | undefined): boolean {
  if (contentType === undefined) return false;
  const type = contentType.toLowerCase();
  if (!type.startsWith('application/grpc')) return false;
  const rest = type.slice('application/grpc'.length);
  return rest === '' || rest.startsWith('+') || rest.startsWith(';');
}

/** Headers of a trailers-only response: HTTP 200 with the status in the only HEADERS frame. */
export function grpcTrailersOnlyHeaders(status: number, message: string, contentType = 'application/grpc'): OutgoingHttpHeaders {
  return { ':status': 200, 'content-type': contentType, 'grpc-status': String(status), 'grpc-message': encodeGrpcMessage(message) };
}
