import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseDotenv } from '../../engine/config/dotenv.js';

// Lines as they appear in real projects' .env files (Rails, Laravel, Next.js, Django, docker compose).
const cases: Array<[name: string, text: string, expected: Record<string, string>]> = [
  ['plain', 'PORT=3000', { PORT: '3000' }],
  ['blanks around =', 'DB_HOST = localhost ', { DB_HOST: 'localhost' }],
  ['comments and blank lines', '# database\n\nDB=app\n   # indented comment\n', { DB: 'app' }],
  ['export prefix', 'export NODE_ENV=development', { NODE_ENV: 'development' }],
  ['inline comment after unquoted value', 'DEBUG=true # verbose', { DEBUG: 'true' }],
  ['# inside an unquoted value stays', 'COLOR=#ff0000\nURL=http://x/#frag', { COLOR: '#ff0000', URL: 'http://x/#frag' }],
  ['double quotes keep blanks and #', 'GREETING="hello # world  "', { GREETING: 'hello # world  ' }],
  ['single quotes are literal', "PASS='p@$$w0rd\\n${HOME}'", { PASS: 'p@$$w0rd\\n${HOME}' }],
  ['escaped newlines in double quotes', 'KEY="-----BEGIN KEY-----\\nabc\\n-----END KEY-----"', { KEY: '-----BEGIN KEY-----\nabc\n-----END KEY-----' }],
  ['escaped quote and backslash', 'JSON="{\\"a\\": \\"b\\\\c\\"}"', { JSON: '{"a": "b\\c"}' }],
  ['multi-line double-quoted value', 'CERT="line1\nline2"\nNEXT=1', { CERT: 'line1\nline2', NEXT: '1' }],
  ['comment after closing quote', 'NAME="x" # the name', { NAME: 'x' }],
  ['empty values', 'EMPTY=\nQUOTED=""', { EMPTY: '', QUOTED: '' }],
  ['equals in value', 'DATABASE_URL=postgres://u:p@h/db?sslmode=require&a=b', { DATABASE_URL: 'postgres://u:p@h/db?sslmode=require&a=b' }],
  ['${VAR} of an earlier key', 'HOST=localhost\nURL=http://${HOST}:3000', { HOST: 'localhost', URL: 'http://localhost:3000' }],
  ['$VAR without braces', 'A=x\nB=$A-y', { A: 'x', B: 'x-y' }],
  ['expansion in double quotes', 'A=x\nB="${A} y"', { A: 'x', B: 'x y' }],
  ['unknown variable expands to empty', 'B=${NOPE_NOT_SET}end', { B: 'end' }],
  ['default for unset variable', 'B=${NOPE_NOT_SET:-fallback}', { B: 'fallback' }],
  ['escaped dollar', 'PRICE="\\$5"\nRAW=\\$HOME', { PRICE: '$5', RAW: '$HOME' }],
  ['later key overrides earlier', 'A=1\nA=2', { A: '2' }],
  ['CRLF line endings', 'A=1\r\nB="2"\r\n', { A: '1', B: '2' }],
  ['dots and dashes in keys', 'spring.datasource.url=jdbc', { 'spring.datasource.url': 'jdbc' }],
];

describe('parseDotenv: real-world lines', () => {
  for (const [name, text, expected] of cases) {
    it(name, () => {
      assert.deepEqual(parseDotenv(text), { ok: true, values: expected });
    });
  }

  it('expands names from the lookup (earlier files, process env), own keys first', () => {
    const lookup = (name: string): string | undefined => ({ HOME: '/home/u', A: 'outer' })[name];
    assert.deepEqual(parseDotenv('CACHE=${HOME}/.cache\nA=inner\nB=$A', lookup), { ok: true, values: { CACHE: '/home/u/.cache', A: 'inner', B: 'inner' } });
  });
});

describe('parseDotenv: errors name the line and column', () => {
  it('a line without =', () => {
    const result = parseDotenv('A=1\n\nnot a secret-value');
    assert.deepEqual(result, { ok: false, line: 3, column: 1, message: 'expected KEY=value (a value over several lines needs quotes)' });
  });

  it('an invalid key', () => {
    const result = parseDotenv('export 1ABC=x');
    assert.equal(result.ok, false);
    assert.ok(!result.ok && result.line === 1 && result.column === 8 && /not a valid variable name/.test(result.message));
  });

  it('an unclosed quote points at its opening line', () => {
    const result = parseDotenv('A=1\nB="open\nC=2');
    assert.ok(!result.ok && result.line === 2 && result.column === 3 && /never closed/.test(result.message), JSON.stringify(result));
  });

  it('text after a closing quote', () => {
    const result = parseDotenv("A='x' y");
    assert.ok(!result.ok && result.line === 1 && result.column === 7 && /after the closing quote/.test(result.message), JSON.stringify(result));
  });
});
