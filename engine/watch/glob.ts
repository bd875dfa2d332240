// A small glob matcher for watch and ignore patterns: `**`, `*`, `?`, `{a,b}`. Pure.
// Node 20 has no stable one (path.matchesGlob is experimental before Node 22), and watch
// patterns need only these four forms. Paths use '/' separators and are relative.

function escapeRegExp(char: string): string {
  return /[\\^$.*+?()[\]{}|/]/.test(char) ? `\\${char}` : char;
}

/** The index of the `}` that closes the `{` at `open`, or -1 when it is not closed. */
function closingBrace(pattern: string, open: number): number {
  let depth = 0;
  for (let i = open; i < pattern.length; i++) {
    if (pattern[i] === '{') depth++;
    else if (pattern[i] === '}' && --depth === 0) return i;
  }
  return -1;
}

/** Splits the inside of `{…}` at top-level commas. */
function alternatives(inner: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < inner.length; i++) {
    if (inner[i] === '{') depth++;
    else if (inner[i] === '}') depth--;
    else if (inner[i] === ',' && depth === 0) {
      parts.push(inner.slice(start, i));
      start = i + 1;
    }
  }
  parts.push(inner.slice(start));
  return parts;
}

function toRegExpSource(pattern: string): string {
  let out = '';
  for (let i = 0; i < pattern.length; i++) {
    const char = pattern[i] ?? '';
    if (char === '*' && pattern[i + 1] === '*') {
      const atStart = i === 0 || pattern[i - 1] === '/';
      const atEnd = i + 2 === pattern.length || pattern[i + 2] === '/';
      if (atStart && atEnd) {
        // `**/` matches zero or more whole folders; a trailing `**` matches everything below.
        if (i + 2 === pattern.length) out += '.*';
        else {
          out += '(?:[^/]*/)*';
          i++; // the '/' after '**'
        }
        i++;
        continue;
      }
      out += '[^/]*';
      i++;
    } else if (char === '*') out += '[^/]*';
    else if (char === '?') out += '[^/]';
    else if (char === '{') {
      const close = closingBrace(pattern, i);
      if (close === -1) {
        out += '\\{';
        continue;
      }
      out += `(?:${alternatives(pattern.slice(i + 1, close)).map(toRegExpSource).join('|')})`;
      i = close;
    } else out += escapeRegExp(char);
  }
  return out;
}

/** Compiles a glob to a matcher of '/'-separated relative paths. A leading `./` is ignored. */
export function compileGlob(pattern: string): (path: string) => boolean {
  const cleaned = pattern.replace(/\\/g, '/').replace(/^(?:\.\/)+/, '').replace(/\/+$/, '');
  const regexp = new RegExp(`^${toRegExpSource(cleaned)}$`);
  return (path) => regexp.test(path);
}

export function matchesGlob(path: string, pattern: string): boolean {
  return compileGlob(pattern)(path);
}
