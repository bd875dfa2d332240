// An incremental HTTP/1.1 response parser for the service's side of the proxy: status line,
// header fields, 1xx interim responses, and the body's framing (RFC 9112 §6.3: no body,
// Content-Length, chunked with trailers, or until the connection closes). Pure: bytes in,
// events out. Strict where a lenient reading could join or split messages wrongly (bad
// Content-Length, obs-fold, bare LF, junk chunk sizes): those end the connection with an
// error that says what was wrong and where. Node's own client is the same protocol at about
// twice the CPU per request (docs/decisions/0013-upstream-http1-client.md).
import { INVALID_FIELD_VALUE_CHAR as BAD_VALUE, TOKEN } from '../../../shared/http-syntax.js';
import { tokens } from '../headers/headers.js';

export interface ParsedHead {
  status: number;
  /** The reason phrase; '' when the service sent none. */
  statusMessage: string;
  /** Flat `[name, value, …]` as received (names as sent, values without surrounding blanks). */
  rawHeaders: string[];
  /** The connection can carry another request after this response. */
  keepAlive: boolean;
  /** The service's `Keep-Alive: timeout=N` hint, in ms; 0 when it gave none. */
  keepAliveMs: number;
  /** The body runs until the connection closes (no Content-Length, not chunked). */
  untilClose: boolean;
  /** The response has a body section at all (not HEAD, 204, 304; not Content-Length: 0). */
  hasBody: boolean;
}

export interface ResponseParserEvents {
  /** A 1xx other than 101 (100 Continue, 102, 103 Early Hints). */
  informational(status: number, rawHeaders: string[]): void;
  head(head: ParsedHead): void;
  body(chunk: Buffer): void;
  complete(trailers: string[]): void;
}

/** The service's bytes are not a valid HTTP/1.1 response. `code` is errno-style, for problems and capture. */
export class ResponseParseError extends Error {
  readonly code = 'EPROTO';
  constructor(message: string) {
    super(`not valid HTTP/1.1: ${message}`);
  }
}

/** Largest response head (status line and fields) or trailer section accepted. */
export const MAX_HEAD_BYTES = 64 * 1024;
// A chunk-size line with extensions; real ones are a few bytes.
const MAX_CHUNK_LINE = 4096;

const CRLF_CRLF = Buffer.from('\r\n\r\n');
const CRLF = Buffer.from('\r\n');
const DIGITS = /^[0-9]+$/;
const HEX = /^[0-9A-Fa-f]{1,15}$/;

const enum State {
  Head,
  Length,
  ChunkSize,
  ChunkData,
  ChunkDataEnd,
  Trailers,
  UntilClose,
  Done,
}

function trimBlanks(s: string): string {
  let start = 0;
  let end = s.length;
  while (start < end && (s.charCodeAt(start) === 32 || s.charCodeAt(start) === 9)) start++;
  while (end > start && (s.charCodeAt(end - 1) === 32 || s.charCodeAt(end - 1) === 9)) end--;
  return start === 0 && end === s.length ? s : s.slice(start, end);
}

/** Splits a head or trailer section into fields, checking each line; `what` names it in errors. */
function parseFields(lines: string[], from: number, what: string, into: string[]): void {
  for (let i = from; i < lines.length; i++) {
    const line = lines[i] as string;
    const colon = line.indexOf(':');
    if (colon <= 0) {
      const first = line.charCodeAt(0);
      const why = first === 32 || first === 9 ? 'a folded line (obs-fold)' : 'no colon';
      throw new ResponseParseError(`${what} line ${i + 1} has ${why}: "${line.slice(0, 60)}"`);
    }
    const name = line.slice(0, colon);
    if (!TOKEN.test(name)) throw new ResponseParseError(`${what} line ${i + 1}: "${name.slice(0, 60)}" is not a valid field name`);
    const value = trimBlanks(line.slice(colon + 1));
    if (BAD_VALUE.test(value)) throw new ResponseParseError(`${what} line ${i + 1}: field "${name}" has a control character in its value`);
    into.push(name, value);
  }
}

/** Splits at CRLF, refusing a bare CR or LF inside (two messages could hide in one). */
function splitLines(text: string, what: string): string[] {
  const lines = text.split('\r\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] as string;
    if (line.includes('\n') || line.includes('\r')) throw new ResponseParseError(`${what} line ${i + 1} ends with a bare LF or CR instead of CRLF`);
  }
  return lines;
}

/** Content-Length: digits, or a list of equal values (RFC 9110 §8.6); anything else is refused. */
function contentLength(value: string, prior: number): number {
  let length: number;
  if (DIGITS.test(value)) length = Number(value);
  else {
    const parts = value.split(',').map(trimBlanks);
    if (!parts.every((p) => DIGITS.test(p)) || !parts.every((p) => p === parts[0])) {
      throw new ResponseParseError(`Content-Length "${value.slice(0, 60)}" is not a number`);
    }
    length = Number(parts[0]);
  }
  if (!Number.isSafeInteger(length)) throw new ResponseParseError(`Content-Length "${value.slice(0, 60)}" is too large`);
  if (prior !== -1 && prior !== length) throw new ResponseParseError(`two different Content-Length values (${prior} and ${length})`);
  return length;
}

function lastCodingIsChunked(value: string): boolean {
  const comma = value.lastIndexOf(',');
  return trimBlanks(comma === -1 ? value : value.slice(comma + 1)).toLowerCase() === 'chunked';
}

function keepAliveTimeoutMs(value: string): number {
  const m = /(?:^|[,;\s])timeout\s*=\s*(\d+)/i.exec(value);
  return m === null ? 0 : Number(m[1]) * 1000;
}

export class ResponseParser {
  private state = State.Done;
  private pending: Buffer | null = null;
  private remaining = 0;
  private noBody = false;
  private trailers: string[] = [];
  /** Bytes arrived after the response ended: the service broke the one-response-per-request rule. */
  extraBytes = false;

  constructor(private readonly events: ResponseParserEvents) {}

  /** Expect the response to a request with `method` (a HEAD's response has no body). */
  expect(method: string): void {
    this.state = State.Head;
    this.pending = null;
    this.remaining = 0;
    this.noBody = method === 'HEAD';
    this.trailers = [];
    this.extraBytes = false;
  }

  get done(): boolean {
    return this.state === State.Done;
  }

  /** Nothing of the response has arrived yet. */
  get nothingYet(): boolean {
    return this.state === State.Head && this.pending === null;
  }

  get readsUntilClose(): boolean {
    return this.state === State.UntilClose;
  }

  /** Feeds bytes from the connection; throws ResponseParseError. */
  execute(chunk: Buffer): void {
    let data = chunk;
    if (this.pending !== null) {
      data = Buffer.concat([this.pending, chunk]);
      this.pending = null;
    }
    let at = 0;
    while (at < data.length) {
      switch (this.state) {
        case State.Head: {
          const end = data.indexOf(CRLF_CRLF, at);
          if (end === -1) return this.keep(data, at, MAX_HEAD_BYTES, 'the response head');
          if (end - at > MAX_HEAD_BYTES) throw new ResponseParseError(`the response head is larger than ${MAX_HEAD_BYTES / 1024} KiB`);
          const text = data.toString('latin1', at, end);
          at = end + 4;
          this.onHead(text);
          break;
        }
        case State.Length: {
          const take = Math.min(this.remaining, data.length - at);
          this.remaining -= take;
          const piece = at === 0 && take === data.length ? data : data.subarray(at, at + take);
          at += take;
          this.events.body(piece);
          if (this.remaining === 0) this.finish();
          break;
        }
        case State.ChunkSize: {
          const end = data.indexOf(CRLF, at);
          if (end === -1) return this.keep(data, at, MAX_CHUNK_LINE, 'a chunk-size line');
          const line = data.toString('latin1', at, end);
          at = end + 2;
          const semi = line.indexOf(';');
          const size = trimBlanks(semi === -1 ? line : line.slice(0, semi));
          if (!HEX.test(size)) throw new ResponseParseError(`chunk size "${line.slice(0, 40)}" is not a hexadecimal number`);
          this.remaining = parseInt(size, 16);
          this.state = this.remaining === 0 ? State.Trailers : State.ChunkData;
          break;
        }
        case State.ChunkData: {
          const take = Math.min(this.remaining, data.length - at);
          this.remaining -= take;
          const piece = data.subarray(at, at + take);
          at += take;
          this.events.body(piece);
          if (this.remaining === 0) this.state = State.ChunkDataEnd;
          break;
        }
        case State.ChunkDataEnd: {
          if (data.length - at < 2) return this.keep(data, at, 2, 'a chunk end');
          if (data[at] !== 13 || data[at + 1] !== 10) throw new ResponseParseError('a chunk is longer than its size says');
          at += 2;
          this.state = State.ChunkSize;
          break;
        }
        case State.Trailers: {
          // The trailer section ends with an empty line; with no trailers that is the next CRLF.
          if (data.length - at >= 2 && data[at] === 13 && data[at + 1] === 10) {
            at += 2;
            this.finish();
            break;
          }
          const end = data.indexOf(CRLF_CRLF, at);
          if (end === -1) return this.keep(data, at, MAX_HEAD_BYTES, 'the trailers');
          parseFields(splitLines(data.toString('latin1', at, end), 'trailer'), 0, 'trailer', this.trailers);
          at = end + 4;
          this.finish();
          break;
        }
        case State.UntilClose: {
          this.events.body(at === 0 ? data : data.subarray(at));
          return;
        }
        case State.Done: {
          this.extraBytes = true;
          return;
        }
      }
    }
  }

  /** The connection closed: the end of an until-close body, or a response cut short (false). */
  end(): boolean {
    if (this.state !== State.UntilClose) return this.state === State.Done;
    this.finish();
    return true;
  }

  private keep(data: Buffer, at: number, limit: number, what: string): void {
    if (data.length - at > limit) throw new ResponseParseError(`${what} is larger than ${limit >= 1024 ? `${limit / 1024} KiB` : `${limit} bytes`}`);
    this.pending = at === 0 ? data : data.subarray(at);
  }

  private finish(): void {
    this.state = State.Done;
    this.events.complete(this.trailers);
  }

  private onHead(text: string): void {
    const lines = splitLines(text, 'response head');
    const statusLine = lines[0] as string;
    // HTTP/1.x SP 3DIGIT [SP reason]
    if (!/^HTTP\/1\.[01] [0-9]{3}(?: |$)/.test(statusLine)) {
      throw new ResponseParseError(`the status line "${statusLine.slice(0, 60)}" is not "HTTP/1.1 <status> <reason>"`);
    }
    const http10 = statusLine.charCodeAt(7) === 48;
    const status = Number(statusLine.slice(9, 12));
    const reason = statusLine.length > 13 ? statusLine.slice(13) : '';
    if (BAD_VALUE.test(reason)) throw new ResponseParseError('the status line has a control character in its reason phrase');
    const raw: string[] = [];
    parseFields(lines, 1, 'response head', raw);
    if (status < 200) {
      if (status === 101) throw new ResponseParseError('101 Switching Protocols to a request that asked for no upgrade');
      if (status < 100) throw new ResponseParseError(`status ${status} is not a valid status code`);
      this.events.informational(status, raw);
      return; // the final response follows
    }
    let length = -1;
    let chunked = false;
    let transferEncoding = false;
    let close = false;
    let keepAliveToken = false;
    let keepAliveMs = 0;
    for (let i = 0; i < raw.length; i += 2) {
      const name = raw[i] as string;
      if (name.length !== 10 && name.length !== 14 && name.length !== 17) continue;
      const lower = name.toLowerCase();
      const value = raw[i + 1] as string;
      if (lower === 'content-length') length = contentLength(value, length);
      else if (lower === 'transfer-encoding') {
        transferEncoding = true;
        chunked = lastCodingIsChunked(value);
      } else if (lower === 'connection') {
        const options = tokens(value);
        if (options.includes('close')) close = true;
        if (options.includes('keep-alive')) keepAliveToken = true;
      } else if (lower === 'keep-alive') keepAliveMs = keepAliveTimeoutMs(value);
    }
    const noBody = this.noBody || status === 204 || status === 304;
    let keepAlive = !close && (!http10 || keepAliveToken);
    let untilClose = false;
    if (noBody) this.state = State.Done;
    else if (transferEncoding) {
      // Both framings at once is how responses get split differently by two parsers: use
      // Transfer-Encoding (RFC 9112 §6.3) and never reuse the connection.
      if (length !== -1) keepAlive = false;
      if (chunked) this.state = State.ChunkSize;
      else {
        untilClose = true;
        keepAlive = false;
        this.state = State.UntilClose;
      }
    } else if (length !== -1) {
      this.remaining = length;
      this.state = length === 0 ? State.Done : State.Length;
    } else {
      untilClose = true;
      keepAlive = false;
      this.state = State.UntilClose;
    }
    const hasBody = this.state !== State.Done;
    this.events.head({ status, statusMessage: reason, rawHeaders: raw, keepAlive, keepAliveMs, untilClose, hasBody });
    if (!hasBody) this.finish();
  }
}
