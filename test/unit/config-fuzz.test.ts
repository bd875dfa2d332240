// Malformed and random input: parsing must never throw, and every issue must say where it is.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ConfigResult } from '../../shared/config.js';
import { isDnsLabel, parseProcfile, parseProjectConfig } from '../../engine/config/index.js';

const FILE = '/fuzz/app/locald.toml';

/** Deterministic, so a failure can be replayed from the printed case. */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const SEED_TEXT = `name = "shop"
[services.web]
command = "npm run dev"
cwd = "frontend"
env = { NODE_ENV = "development", 'X' = "1" }
depends_on = ["api"]
ready = { http = "/healthz", timeout = 5 }
restart = "on-failure"
protocol = "http1"

[services.api]
command = """go run
main.go"""
port = 8080
ready = { log = 'listening on \\d+' }

[routes]
"/" = "web"
"/api" = "api"
"/v2/api" = { service = "api", strip_prefix = false }
`;

const TOKENS = [
  '[', ']', '[[', ']]', '{', '}', '=', ',', '.', '"', "'", '"""', "'''", '#', '\n', '\r\n', ' ', '\t', '\\', '\\u0000',
  'services', 'service', 'routes', 'name', 'command', 'port', 'cwd', 'env', 'depends_on', 'ready', 'restart', 'protocol',
  'tcp', 'http', 'log', 'timeout', 'strip_prefix', 'web', 'api', '"/"', '"/api"', 'true', 'false', '0', '3000', '70000',
  '-1', '1.5', 'inf', 'nan', '1979-05-27', '__proto__', 'constructor', '"("', '"x"', '[service "web"]', '[services.web]',
  '\u00e9', '\u{1F600}', '\u2028',
];

function mutate(text: string, random: () => number): string {
  let out = text;
  const edits = 1 + Math.floor(random() * 4);
  for (let n = 0; n < edits; n++) {
    const at = Math.floor(random() * (out.length + 1));
    const kind = Math.floor(random() * 5);
    if (kind === 0) out = out.slice(0, at) + out.slice(at + 1 + Math.floor(random() * 8));
    else if (kind === 1) out = out.slice(0, at) + (TOKENS[Math.floor(random() * TOKENS.length)] ?? '') + out.slice(at);
    else if (kind === 2) out = out.slice(0, at) + String.fromCharCode(Math.floor(random() * 128)) + out.slice(at);
    else {
      const lines = out.split('\n');
      const i = Math.floor(random() * lines.length);
      const j = Math.floor(random() * lines.length);
      if (kind === 3) [lines[i], lines[j]] = [lines[j] ?? '', lines[i] ?? ''];
      else lines.splice(i, 0, lines[j] ?? '');
      out = lines.join('\n');
    }
  }
  return out;
}

function randomTokens(random: () => number): string {
  let out = '';
  const count = Math.floor(random() * 40);
  for (let n = 0; n < count; n++) out += TOKENS[Math.floor(random() * TOKENS.length)] ?? '';
  return out;
}

function checkResult(result: ConfigResult, text: string, label: string): void {
  const lineCount = text.split(/\r?\n/).length;
  if (!result.ok) {
    assert.ok(result.issues.length > 0, label);
    for (const issue of result.issues) {
      assert.equal(issue.file, FILE, label);
      assert.ok(issue.message.length > 0, label);
      assert.ok(issue.hint !== undefined && issue.hint.length > 0, `${label}: no hint in ${JSON.stringify(issue)}`);
      assert.ok(issue.line !== undefined || issue.keyPath !== undefined, `${label}: unlocated ${JSON.stringify(issue)}`);
      if (issue.line !== undefined) {
        assert.ok(issue.line >= 1 && issue.line <= lineCount, `${label}: line out of range in ${JSON.stringify(issue)}`);
        assert.ok(issue.column !== undefined && issue.column >= 1, `${label}: bad column in ${JSON.stringify(issue)}`);
      }
    }
    return;
  }
  const { config } = result;
  assert.ok(isDnsLabel(config.name), label);
  assert.ok(config.services.length > 0, label);
  const names = new Set(config.services.map((service) => service.name));
  for (const service of config.services) {
    assert.ok(isDnsLabel(service.name), label);
    assert.ok(service.command.trim().length > 0, label);
    for (const dep of service.dependsOn) assert.ok(names.has(dep) && dep !== service.name, label);
  }
  for (const route of config.routes) {
    assert.ok(names.has(route.service), label);
    assert.ok(route.prefix.startsWith('/'), label);
  }
}

describe('config fuzz', () => {
  it('never throws on mutated versions of a valid file, and every issue is located with a hint', () => {
    const random = mulberry32(0x10ca1d);
    let invalid = 0;
    for (let n = 0; n < 1500; n++) {
      const text = mutate(SEED_TEXT, random);
      const label = `mutation case ${n}: ${JSON.stringify(text)}`;
      let result: ConfigResult;
      try {
        result = parseProjectConfig(text, FILE, '/fuzz/app');
      } catch (error) {
        assert.fail(`${label} threw ${String(error)}`);
      }
      if (!result.ok) invalid++;
      checkResult(result, text, label);
    }
    // The mutations must actually exercise the error paths, not just produce valid files.
    assert.ok(invalid > 500, `only ${invalid} invalid cases`);
  });

  it('never throws on random token soup', () => {
    const random = mulberry32(42);
    for (let n = 0; n < 1500; n++) {
      const text = randomTokens(random);
      const label = `token case ${n}: ${JSON.stringify(text)}`;
      let result: ConfigResult;
      try {
        result = parseProjectConfig(text, FILE, '/fuzz/app');
      } catch (error) {
        assert.fail(`${label} threw ${String(error)}`);
      }
      checkResult(result, text, label);
    }
  });

  it('survives pathological input', () => {
    const cases = ['[', '"', '{'.repeat(5000), `a = ${'['.repeat(5000)}`, 'a.'.repeat(3000) + 'b = 1', '\0', 'x'.repeat(100_000), '\uFEFFname = "x"'];
    for (const text of cases) {
      const result = parseProjectConfig(text, FILE, '/fuzz/app');
      checkResult(result, text, `pathological ${JSON.stringify(text.slice(0, 40))}`);
    }
  });

  it('never throws on random Procfiles', () => {
    const random = mulberry32(7);
    for (let n = 0; n < 500; n++) {
      const text = randomTokens(random).replace(/=/g, ':');
      const { entries, issues } = parseProcfile(text, '/p/Procfile');
      for (const issue of issues) assert.ok(issue.hint !== undefined, JSON.stringify(issue));
      for (const entry of entries) assert.ok(isDnsLabel(entry.name) && entry.command.length > 0);
    }
  });
});
