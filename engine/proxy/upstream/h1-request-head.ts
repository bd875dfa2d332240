// The request head the proxy writes to a service over HTTP/1.1, as one latin1 string. Pure.
// The fields come from a parsed request, but rules and map targets can change them, so every
// name, value, method and path is checked: a CR or LF here would start a second request.
import { INVALID_FIELD_VALUE_CHAR as BAD_VALUE, TOKEN } from '../../../shared/http-syntax.js';

// Request targets are sent as they arrived: anything but controls, space and non-latin1.
const BAD_TARGET = /[^\x21-\x7e\x80-\xff]/;

/** A request the proxy will not write: it says which part was wrong. */
export class RequestHeadError extends Error {
  readonly code = 'ERR_INVALID_REQUEST_HEAD';
}

/**
 * `METHOD path HTTP/1.1`, the fields, then `Host: defaultHost` when the fields have no Host
 * and `Connection: keep-alive` when they do not say otherwise. Throws RequestHeadError.
 */
export function requestHead(method: string, path: string, fields: readonly string[], defaultHost: string): string {
  if (!TOKEN.test(method)) throw new RequestHeadError(`the method "${method.slice(0, 40)}" is not a valid token`);
  if (path.length === 0 || BAD_TARGET.test(path)) throw new RequestHeadError(`the path "${path.slice(0, 80)}" has a space, control or non-latin1 character`);
  let head = `${method} ${path} HTTP/1.1\r\n`;
  let host = false;
  let connection = false;
  for (let i = 0; i + 1 < fields.length; i += 2) {
    const name = fields[i] as string;
    const value = fields[i + 1] as string;
    if (!TOKEN.test(name)) throw new RequestHeadError(`"${name.slice(0, 40)}" is not a valid header name`);
    if (BAD_VALUE.test(value)) throw new RequestHeadError(`the value of header "${name}" has a line break or control character`);
    if (name.length === 4 && name.toLowerCase() === 'host') host = true;
    else if (name.length === 10 && name.toLowerCase() === 'connection') connection = true;
    head += `${name}: ${value}\r\n`;
  }
  if (!host) head += `Host: ${defaultHost}\r\n`;
  if (!connection) head += 'Connection: keep-alive\r\n';
  return `${head}\r\n`;
}

/** `Host` for a service reached at `address:port` when the request carried none. */
export function hostFor(address: string, port: number): string {
  return address.includes(':') ? `[${address}]:${port}` : `${address}:${port}`;
}
