// Incremental Server-Sent Events parser following the WHATWG EventSource rules
// (https://html.spec.whatwg.org/multipage/server-sent-events.html#event-stream-interpretation):
// CRLF, LF or CR line ends (also split across chunks), `data` lines joined with LF, `id`
// persisting across events, `event`, `retry` (digits only), comments ignored, and a pending
// event discarded at end of stream. Fields longer than the cap are cut, never buffered whole.
import { StringDecoder } from 'node:string_decoder';

export interface ParsedSseEvent {
  /** The last event ID at dispatch, or null when it is empty. */
  id: string | null;
  /** The `event` field, or null for the default 'message'. */
  event: string | null;
  data: string;
  /** A `retry` value seen since the previous dispatch, or null. */
  retry: number | null;
  /** True when the data was cut at the cap. */
  truncated: boolean;
}

export class SseParser {
  private readonly decoder = new StringDecoder('utf8');
  private line = '';
  private lineOverflow = false;
  private afterCr = false;
  private started = false;
  private data = '';
  private hasData = false;
  private dataTruncated = false;
  private eventType = '';
  private lastEventId = '';
  private retry: number | null = null;

  constructor(
    private readonly onEvent: (event: ParsedSseEvent) => void,
    private readonly maxFieldChars = 1024 * 1024,
  ) {}

  push(chunk: Uint8Array): void {
    let text = this.decoder.write(chunk as Buffer);
    if (!this.started && text.length > 0) {
      this.started = true;
      if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
    }
    this.feed(text);
  }

  /** End of stream: whatever event was being built is discarded, as EventSource does. */
  end(): void {
    this.decoder.end();
    this.line = '';
    this.data = '';
    this.hasData = false;
  }

  private feed(text: string): void {
    let pos = 0;
    const n = text.length;
    if (this.afterCr && n > 0) {
      this.afterCr = false;
      if (text.charCodeAt(0) === 10) pos = 1;
    }
    while (pos < n) {
      let lf = text.indexOf('\n', pos);
      let cr = text.indexOf('\r', pos);
      if (lf === -1) lf = n;
      if (cr === -1) cr = n;
      const end = lf < cr ? lf : cr;
      if (end === n) {
        this.appendToLine(text, pos, n);
        return;
      }
      this.appendToLine(text, pos, end);
      this.processLine(this.line);
      this.line = '';
      this.lineOverflow = false;
      pos = end + 1;
      if (end === cr) {
        if (pos === n) this.afterCr = true;
        else if (text.charCodeAt(pos) === 10) pos++;
      }
    }
  }

  private appendToLine(text: string, from: number, to: number): void {
    if (from >= to || this.lineOverflow) return;
    // Room for the field name and colon on top of a full-size value.
    const room = this.maxFieldChars + 64 - this.line.length;
    if (to - from > room) {
      this.line += text.slice(from, from + Math.max(0, room));
      this.lineOverflow = true;
      return;
    }
    this.line += from === 0 && to === text.length ? text : text.slice(from, to);
  }

  private processLine(line: string): void {
    if (line.length === 0) {
      this.dispatch();
      return;
    }
    if (line.charCodeAt(0) === 58 /* ':' */) return;
    const colon = line.indexOf(':');
    let field: string;
    let value: string;
    if (colon === -1) {
      field = line;
      value = '';
    } else {
      field = line.slice(0, colon);
      value = line.charCodeAt(colon + 1) === 32 ? line.slice(colon + 2) : line.slice(colon + 1);
    }
    switch (field) {
      case 'data': {
        if (this.lineOverflow) this.dataTruncated = true;
        const room = this.maxFieldChars - this.data.length;
        if (room <= 0) {
          this.dataTruncated = true;
        } else if (value.length + 1 > room) {
          this.data += value.slice(0, room);
          this.dataTruncated = true;
        } else {
          this.data += value + '\n';
        }
        this.hasData = true;
        break;
      }
      case 'event':
        this.eventType = value;
        break;
      case 'id':
        if (!value.includes('\u0000')) this.lastEventId = value;
        break;
      case 'retry':
        if (/^[0-9]+$/.test(value)) this.retry = Number(value);
        break;
      default:
        break;
    }
  }

  private dispatch(): void {
    if (!this.hasData) {
      this.data = '';
      this.eventType = '';
      this.dataTruncated = false;
      return;
    }
    let data = this.data;
    if (data.endsWith('\n')) data = data.slice(0, -1);
    const event: ParsedSseEvent = {
      id: this.lastEventId === '' ? null : this.lastEventId,
      event: this.eventType === '' ? null : this.eventType,
      data,
      retry: this.retry,
      truncated: this.dataTruncated,
    };
    this.data = '';
    this.hasData = false;
    this.eventType = '';
    this.retry = null;
    this.dataTruncated = false;
    this.onEvent(event);
  }
}
