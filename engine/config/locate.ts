// Finds where each key of a TOML document was written, so schema errors can carry a line and column.
// smol-toml returns plain objects without positions; this small scanner re-reads the (already valid) text.
// It is best effort: on anything it does not understand it stops and keeps what it found, never throws.

export interface SourcePosition {
  /** 1-based. */
  line: number;
  /** 1-based, in UTF-16 code units like smol-toml's TomlError. */
  column: number;
}

interface Spot {
  key: SourcePosition;
  value?: SourcePosition;
}

export type KeyPath = readonly (string | number)[];

class Bail extends Error {}

class Scanner {
  private i = 0;
  private readonly lineStarts: number[] = [0];

  constructor(
    private readonly s: string,
    private readonly spots: Map<string, Spot>,
  ) {
    for (let k = 0; k < s.length; k++) if (s[k] === '\n') this.lineStarts.push(k + 1);
  }

  scanDocument(): void {
    let table: (string | number)[] = [];
    const arrayCounts = new Map<string, number>();
    for (;;) {
      this.skipBlank(true);
      if (this.i >= this.s.length) return;
      const start = this.i;
      if (this.s[this.i] === '[') {
        const isArray = this.s[this.i + 1] === '[';
        this.i += isArray ? 2 : 1;
        const keys = this.scanKey();
        this.expect(isArray ? ']]' : ']');
        table = this.recordKeys([], keys);
        if (isArray) {
          const id = JSON.stringify(table);
          const n = arrayCounts.get(id) ?? 0;
          arrayCounts.set(id, n + 1);
          table = [...table, n];
          this.record(table, keys[keys.length - 1]?.pos ?? this.pos(start));
        }
      } else {
        this.scanKeyValue(table);
      }
      this.skipBlank(false);
      if (this.i < this.s.length && this.s[this.i] !== '\n' && this.s[this.i] !== '\r') throw new Bail();
      if (this.i <= start) throw new Bail();
    }
  }

  private pos(offset: number): SourcePosition {
    // Binary search for the line containing `offset`.
    let lo = 0;
    let hi = this.lineStarts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if ((this.lineStarts[mid] ?? 0) <= offset) lo = mid;
      else hi = mid - 1;
    }
    return { line: lo + 1, column: offset - (this.lineStarts[lo] ?? 0) + 1 };
  }

  private record(path: KeyPath, key: SourcePosition, value?: SourcePosition): void {
    const id = JSON.stringify(path);
    const spot = this.spots.get(id);
    if (spot === undefined) this.spots.set(id, value === undefined ? { key } : { key, value });
    else if (spot.value === undefined && value !== undefined) spot.value = value;
  }

  private recordKeys(prefix: KeyPath, keys: { name: string; pos: SourcePosition }[]): (string | number)[] {
    const path: (string | number)[] = [...prefix];
    for (const key of keys) {
      path.push(key.name);
      this.record(path, key.pos);
    }
    return path;
  }

  /** Spaces and tabs; with `lines`, also newlines and comments. A trailing comment is always skipped. */
  private skipBlank(lines: boolean): void {
    while (this.i < this.s.length) {
      const c = this.s[this.i];
      if (c === ' ' || c === '\t') this.i++;
      else if (c === '#') {
        while (this.i < this.s.length && this.s[this.i] !== '\n') this.i++;
      } else if (lines && (c === '\n' || c === '\r')) this.i++;
      else return;
    }
  }

  private expect(token: string): void {
    this.skipBlank(false);
    if (!this.s.startsWith(token, this.i)) throw new Bail();
    this.i += token.length;
  }

  private scanKey(): { name: string; pos: SourcePosition }[] {
    const keys: { name: string; pos: SourcePosition }[] = [];
    for (;;) {
      this.skipBlank(false);
      const pos = this.pos(this.i);
      const c = this.s[this.i];
      let name: string;
      if (c === '"') name = this.scanBasicString();
      else if (c === "'") name = this.scanLiteralString();
      else {
        const m = /^[A-Za-z0-9_-]+/.exec(this.s.slice(this.i, this.i + 256));
        if (m === null) throw new Bail();
        name = m[0];
        this.i += name.length;
      }
      keys.push({ name, pos });
      this.skipBlank(false);
      if (this.s[this.i] !== '.') return keys;
      this.i++;
    }
  }

  private scanKeyValue(prefix: KeyPath): void {
    const keys = this.scanKey();
    const path = this.recordKeys(prefix, keys);
    this.expect('=');
    this.skipBlank(false);
    const last = keys[keys.length - 1];
    if (last !== undefined) this.record(path, last.pos, this.pos(this.i));
    this.scanValue(path);
  }

  private scanValue(path: KeyPath): void {
    const c = this.s[this.i];
    if (c === '"') this.scanBasicString();
    else if (c === "'") this.scanLiteralString();
    else if (c === '{') {
      this.i++;
      for (;;) {
        this.skipBlank(true);
        if (this.s[this.i] === '}') break;
        this.scanKeyValue(path);
        this.skipBlank(true);
        if (this.s[this.i] === ',') this.i++;
        else if (this.s[this.i] !== '}') throw new Bail();
      }
      this.i++;
    } else if (c === '[') {
      this.i++;
      for (let index = 0; ; index++) {
        this.skipBlank(true);
        if (this.s[this.i] === ']') break;
        const here = this.pos(this.i);
        this.record([...path, index], here, here);
        this.scanValue([...path, index]);
        this.skipBlank(true);
        if (this.s[this.i] === ',') this.i++;
        else if (this.s[this.i] !== ']') throw new Bail();
      }
      this.i++;
    } else {
      const m = /^[^,\]}\n\r#]+/.exec(this.s.slice(this.i, this.i + 512));
      if (m === null) throw new Bail();
      this.i += m[0].trimEnd().length;
    }
  }

  /** Returns the decoded content (only simple escapes are decoded; it is only used for key names). */
  private scanBasicString(): string {
    const multi = this.s.startsWith('"""', this.i);
    const quote = multi ? '"""' : '"';
    this.i += quote.length;
    let out = '';
    while (this.i < this.s.length) {
      const c = this.s[this.i] ?? '';
      if (c === '\\') {
        const next = this.s[this.i + 1] ?? '';
        const unicode = /^(u[0-9a-fA-F]{4}|U[0-9a-fA-F]{8})/.exec(this.s.slice(this.i + 1, this.i + 10));
        if (unicode !== null) {
          out += String.fromCodePoint(parseInt(unicode[0].slice(1), 16));
          this.i += 1 + unicode[0].length;
          continue;
        }
        out += ({ n: '\n', t: '\t', r: '\r', b: '\b', f: '\f', e: '\x1b' } as Record<string, string>)[next] ?? next;
        this.i += 2;
        continue;
      }
      if (this.s.startsWith(quote, this.i)) {
        this.i += quote.length;
        // A multi-line string may end with up to two extra quotes that belong to its content.
        if (multi) for (let extra = 0; extra < 2 && this.s[this.i] === '"'; extra++) this.i++;
        return out;
      }
      if (!multi && c === '\n') throw new Bail();
      out += c;
      this.i++;
    }
    throw new Bail();
  }

  private scanLiteralString(): string {
    const multi = this.s.startsWith("'''", this.i);
    const quote = multi ? "'''" : "'";
    const from = this.i + quote.length;
    const end = this.s.indexOf(quote, from);
    if (end < 0 || (!multi && this.s.slice(from, end).includes('\n'))) throw new Bail();
    this.i = end + quote.length;
    if (multi) for (let extra = 0; extra < 2 && this.s[this.i] === "'"; extra++) this.i++;
    return this.s.slice(from, end);
  }
}

/** Where each key (and its value) was first written. Look-ups fall back to the nearest written ancestor. */
export class KeyLocator {
  private readonly spots = new Map<string, Spot>();

  constructor(text: string) {
    try {
      new Scanner(text, this.spots).scanDocument();
    } catch (error) {
      if (!(error instanceof Bail)) throw error;
    }
  }

  /** Position of the key itself (for unknown or misplaced keys). */
  key(path: KeyPath): SourcePosition | undefined {
    return this.find(path, false);
  }

  /** Position of the key's value (for type and value errors); the key when the value has none of its own. */
  value(path: KeyPath): SourcePosition | undefined {
    return this.find(path, true);
  }

  private find(path: KeyPath, wantValue: boolean): SourcePosition | undefined {
    for (let n = path.length; n > 0; n--) {
      const spot = this.spots.get(JSON.stringify(path.slice(0, n)));
      if (spot !== undefined) return (wantValue && n === path.length ? spot.value : undefined) ?? spot.key;
    }
    return undefined;
  }
}
