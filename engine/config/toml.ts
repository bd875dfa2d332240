// TOML text → plain data, with syntax errors turned into located ConfigIssues that say how to fix them.
import { parse, TomlError } from 'smol-toml';
import type { ConfigIssue } from '../../shared/config.js';
import { tomlKey, tomlString, type TomlTableValue } from './toml-text.js';

export interface TomlParseResult {
  /** Present when the text parsed, possibly after repairing draft-syntax headers (which are still reported). */
  data?: TomlTableValue;
  /** The text that parsed: the input with any draft headers repaired (same lines, same columns elsewhere). */
  text: string;
  issues: ConfigIssue[];
}

interface DraftHeader {
  column: number;
  written: string;
  fixed: string;
}

// `[service "frontend"]` (an early draft of the design), `[services 'x']`, `[service x]`.
const DRAFT_HEADER = /^(\s*)(\[\s*services?\s+(?:"([^"]*)"|'([^']*)'|([A-Za-z0-9_-]+))\s*\])\s*(#.*)?$/;

export function matchDraftHeader(line: string): DraftHeader | undefined {
  const m = DRAFT_HEADER.exec(line);
  if (m === null) return undefined;
  const name = m[3] ?? m[4] ?? m[5] ?? '';
  return { column: (m[1] ?? '').length + 1, written: m[2] ?? '', fixed: `[services.${tomlKey(name)}]` };
}

function draftIssue(file: string, line: number, draft: DraftHeader): ConfigIssue {
  return {
    file,
    line,
    column: draft.column,
    message: `\`${draft.written}\` is not valid TOML (it is the syntax of an early locald draft)`,
    hint: `write ${draft.fixed}`,
  };
}

const BARE_VALUE_START = /^(?:["'[{+\-0-9]|true\b|false\b|inf\b|nan\b)/;
const KEY_VALUE_LINE = /^\s*([A-Za-z0-9_.-]+)\s*=\s*(.*?)\s*$/;

function syntaxHint(message: string, line: string): string {
  const kv = KEY_VALUE_LINE.exec(line);
  if (kv !== null) {
    const [, key = '', value = ''] = kv;
    if (value !== '' && !BARE_VALUE_START.test(value)) return `strings need quotes: ${key} = ${tomlString(value)}`;
  }
  if (/unfinished string/.test(message)) return 'close the string with the same quote it opened with, on the same line (use """…""" for text over several lines)';
  if (/redefine/.test(message)) return 'each table and key may be defined only once; merge the two definitions';
  if (/^\s*[A-Za-z0-9_-]+\s+["'0-9[{]/.test(line)) return 'a key and its value are written key = value';
  if (/key/.test(message) && /^\s*\[/.test(line)) return 'a table header is written [services.name]; quote names with other characters: [services."my app"]';
  return 'a service is written as a [services.<name>] header followed by key = value lines; strings need quotes (see https://toml.io)';
}

function syntaxIssue(file: string, error: unknown, lines: readonly string[]): ConfigIssue {
  if (!(error instanceof TomlError)) {
    return { file, message: `cannot parse TOML: ${error instanceof Error ? error.message : String(error)}`, hint: 'see https://toml.io for the syntax' };
  }
  const reason = (error.message.split('\n')[0] ?? '').replace(/^Invalid TOML document:\s*/, '');
  return { file, line: error.line, column: error.column, message: `invalid TOML: ${reason}`, hint: syntaxHint(reason, lines[error.line - 1] ?? '') };
}


/**
 * Parses TOML. Draft-syntax headers are reported and repaired in place so that parsing (and, by the caller,
 * validation) can go on and report everything else in the same pass.
 */
export function parseToml(text: string, file: string): TomlParseResult {
  const issues: ConfigIssue[] = [];
  const lines = text.split(/\r?\n/);
  const original = [...lines];
  const repaired = new Set<number>();
  for (;;) {
    try {
      const current = repaired.size === 0 ? text : lines.join('\n');
      const data = parse(current, { integersAsBigInt: true }) as TomlTableValue;
      return { data, text: current, issues };
    } catch (error) {
      const lineIndex = error instanceof TomlError ? error.line - 1 : -1;
      const draft = lineIndex >= 0 && !repaired.has(lineIndex) ? matchDraftHeader(lines[lineIndex] ?? '') : undefined;
      if (draft !== undefined) {
        issues.push(draftIssue(file, lineIndex + 1, draft));
        repaired.add(lineIndex);
        lines[lineIndex] = `${(lines[lineIndex] ?? '').slice(0, draft.column - 1)}${draft.fixed}`; // same line count, same columns elsewhere
        continue;
      }
      issues.push(syntaxIssue(file, error, original));
      // Parsing stops here, but draft headers further down are almost certainly real: report them too.
      for (let i = Math.max(lineIndex + 1, 0); i < lines.length; i++) {
        const later = matchDraftHeader(lines[i] ?? '');
        if (later !== undefined && !repaired.has(i)) issues.push(draftIssue(file, i + 1, later));
      }
      return { text, issues };
    }
  }
}
