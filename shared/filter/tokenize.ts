// Splits a filter string into tokens with their positions, so errors and autosuggest
// can point at the exact text. Double quotes group words: path:"/a b" or "two words".

export interface Token {
  /** The token with quotes removed. */
  text: string;
  /** The token exactly as typed, quotes included. */
  raw: string;
  start: number;
  end: number;
}

export function tokenize(input: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < input.length) {
    while (i < input.length && isSpace(input[i])) i++;
    if (i >= input.length) break;
    const start = i;
    let text = '';
    let quoted = false;
    while (i < input.length && (quoted || !isSpace(input[i]))) {
      const ch = input[i] as string;
      if (ch === '"') {
        quoted = !quoted;
      } else if (ch === '\\' && quoted && i + 1 < input.length) {
        i++;
        text += input[i];
      } else {
        text += ch;
      }
      i++;
    }
    tokens.push({ text, raw: input.slice(start, i), start, end: i });
  }
  return tokens;
}

function isSpace(ch: string | undefined): boolean {
  return ch === ' ' || ch === '\t' || ch === '\n' || ch === '\r';
}

/** The token the cursor is in (or right after), or an empty token at the cursor. */
export function tokenAt(input: string, cursor: number): Token {
  for (const t of tokenize(input)) {
    if (cursor >= t.start && cursor <= t.end) return t;
  }
  return { text: '', raw: '', start: cursor, end: cursor };
}
