// The request editor shows headers as "Name: value" lines; these convert both ways.
import type { HeaderList } from '../../../shared/traffic.js';

export function headersToText(headers: HeaderList): string {
  return headers.map(([name, value]) => `${name}: ${value}`).join('\n');
}

export interface HeaderParse {
  headers: HeaderList;
  errors: { line: number; message: string }[];
}

const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

export function textToHeaders(text: string): HeaderParse {
  const headers: HeaderList = [];
  const errors: HeaderParse['errors'] = [];
  text.split('\n').forEach((raw, i) => {
    const line = raw.replace(/\r$/, '');
    if (line.trim() === '') return;
    const colon = line.indexOf(':', line.startsWith(':') ? 1 : 0);
    if (colon <= 0) {
      errors.push({ line: i + 1, message: `line ${i + 1}: expected "Name: value"` });
      return;
    }
    const name = line.slice(0, colon).trim();
    const value = line.slice(colon + 1).trim();
    if (!TOKEN.test(name.replace(/^:/, ''))) {
      errors.push({ line: i + 1, message: `line ${i + 1}: "${name}" is not a valid header name` });
      return;
    }
    headers.push([name, value]);
  });
  return { headers, errors };
}

export function sameHeaders(a: HeaderList, b: HeaderList): boolean {
  return a.length === b.length && a.every(([n, v], i) => b[i]?.[0] === n && b[i]?.[1] === v);
}
