// The .env syntax people write, parsed without I/O: comments, blank lines, `export ` prefixes,
// single quotes (literal), double quotes (escapes, `${VAR}`), unquoted values with ` #` comments,
// values spanning lines inside quotes, and `${VAR}` / `$VAR` / `${VAR:-default}` expansion of
// earlier keys, then of `lookup` (earlier files, the process environment).
// Error messages never quote a value: .env files hold secrets, and errors reach logs and pages.

export type DotenvResult =
  | { ok: true; values: Record<string, string> }
  | { ok: false; line: number; column: number; message: string };

class DotenvError extends Error {
  constructor(
    readonly line: number,
    readonly column: number,
    message: string,
  ) {
    super(message);
  }
}

const KEY = /^[A-Za-z_][A-Za-z0-9_.-]*$/;
const EXPANSION = /\\\$|\$\{([A-Za-z_][A-Za-z0-9_.-]*)(?::?-([^}]*))?\}|\$([A-Za-z_][A-Za-z0-9_]*)/g;

function expand(value: string, lookup: (name: string) => string | undefined): string {
  return value.replace(EXPANSION, (whole, braced: string | undefined, fallback: string | undefined, bare: string | undefined) => {
    if (whole === '\\$') return '$';
    const found = lookup(braced ?? bare ?? '');
    return found !== undefined && (found !== '' || fallback === undefined) ? found : (fallback ?? '');
  });
}

const DOUBLE_ESCAPES: Record<string, string> = { n: '\n', r: '\r', t: '\t', '"': '"', '\\': '\\', $: '\\$' };

/** After a closing quote only blanks and a comment may follow. */
function checkRest(rest: string, line: number, column: number): void {
  const trimmed = rest.trimStart();
  if (trimmed !== '' && !trimmed.startsWith('#')) {
    throw new DotenvError(line, column + rest.length - trimmed.length, 'unexpected text after the closing quote (put a # before a comment)');
  }
}

interface Cursor {
  lines: string[];
  index: number;
}

/** A quoted value from `start` (just after the opening quote), possibly over several lines. */
function readQuoted(cursor: Cursor, text: string, start: number, quote: string, column: number): { raw: string; rest: string } {
  const firstLine = cursor.index;
  let current = text;
  let from = start;
  let raw = '';
  for (;;) {
    let i = from;
    while (i < current.length) {
      if (current[i] === '\\' && quote === '"') i += 2;
      else if (current[i] === quote) return { raw: raw + current.slice(from, i), rest: current.slice(i + 1) };
      else i++;
    }
    raw += current.slice(from) + '\n';
    cursor.index++;
    if (cursor.index >= cursor.lines.length) throw new DotenvError(firstLine + 1, column, `the ${quote === '"' ? 'double' : 'single'} quote opened here is never closed`);
    current = cursor.lines[cursor.index] ?? '';
    from = 0;
  }
}

function parseLine(cursor: Cursor, values: Record<string, string>, lookup: (name: string) => string | undefined): void {
  const text = cursor.lines[cursor.index] ?? '';
  const lineNo = cursor.index + 1;
  const indent = text.length - text.trimStart().length;
  let body = text.trimStart();
  if (body === '' || body.startsWith('#')) return;
  let offset = indent;
  const exported = /^export\s+/.exec(body);
  if (exported !== null) {
    body = body.slice(exported[0].length);
    offset += exported[0].length;
  }
  const eq = body.indexOf('=');
  if (eq === -1) throw new DotenvError(lineNo, offset + 1, 'expected KEY=value (a value over several lines needs quotes)');
  const key = body.slice(0, eq).trim();
  if (!KEY.test(key)) throw new DotenvError(lineNo, offset + 1, `${JSON.stringify(key)} is not a valid variable name (letters, digits and _, not starting with a digit)`);
  const afterEq = body.slice(eq + 1);
  const valueText = afterEq.trimStart();
  const valueColumn = offset + eq + 2 + afterEq.length - valueText.length;
  const scope = (name: string): string | undefined => (Object.hasOwn(values, name) ? values[name] : lookup(name));
  const quote = valueText[0];
  if (quote === '"' || quote === "'") {
    const startLine = cursor.index;
    const { raw, rest } = readQuoted(cursor, cursor.lines[startLine] ?? '', text.length - valueText.length + 1, quote, valueColumn);
    checkRest(rest, cursor.index + 1, (cursor.lines[cursor.index] ?? '').length - rest.length + 1);
    values[key] = quote === "'" ? raw : expand(raw.replace(/\\(.)/g, (whole, c: string) => DOUBLE_ESCAPES[c] ?? whole), scope);
    return;
  }
  // Unquoted: a comment starts at a "#" after whitespace (as in docker compose: `COLOR=#fff` is a value); surrounding blanks are not part of the value.
  values[key] = expand(valueText.replace(/\s#.*$/, '').trim(), scope);
}

/** Parses one .env file's text. `lookup` resolves names the file does not define itself. */
export function parseDotenv(text: string, lookup: (name: string) => string | undefined = () => undefined): DotenvResult {
  const cursor: Cursor = { lines: text.replace(/^\uFEFF/, '').split(/\r?\n/), index: 0 };
  const values: Record<string, string> = {};
  try {
    for (; cursor.index < cursor.lines.length; cursor.index++) parseLine(cursor, values, lookup);
  } catch (error) {
    if (error instanceof DotenvError) return { ok: false, line: error.line, column: error.column, message: error.message };
    throw error;
  }
  return { ok: true, values };
}
