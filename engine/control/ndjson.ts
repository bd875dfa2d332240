// Newline-delimited JSON framing for the control socket: one wire message (shared/api.ts)
// per line. Pure, so the framing rules are tested without sockets.

export const MAX_CONTROL_LINE_BYTES = 4 * 1024 * 1024;

export function encodeLine(message: unknown): string {
  // JSON.stringify escapes every newline inside strings, so a message is always one line.
  return `${JSON.stringify(message)}\n`;
}

export type Decoded = { kind: 'message'; value: unknown } | { kind: 'invalid'; text: string };

/**
 * Splits a byte stream into JSON messages. A line that is not JSON decodes as `invalid` (the
 * peer gets an error for it); a line longer than the cap throws, because the peer is not
 * speaking this protocol and the connection should end.
 */
export class LineDecoder {
  private pending = '';

  constructor(private readonly maxBytes: number = MAX_CONTROL_LINE_BYTES) {}

  push(chunk: string): Decoded[] {
    const out: Decoded[] = [];
    let text = this.pending + chunk;
    let nl = text.indexOf('\n');
    while (nl !== -1) {
      const line = text.slice(0, nl).trim();
      text = text.slice(nl + 1);
      if (line !== '') out.push(decode(line));
      nl = text.indexOf('\n');
    }
    if (text.length > this.maxBytes) throw new RangeError(`a control message exceeded ${this.maxBytes} bytes without a newline`);
    this.pending = text;
    return out;
  }
}

function decode(line: string): Decoded {
  try {
    return { kind: 'message', value: JSON.parse(line) as unknown };
  } catch {
    return { kind: 'invalid', text: line };
  }
}
