import assert from 'node:assert/strict';
import path from 'node:path';
import { describe, it } from 'node:test';
import type { ConfigIssue, ConfigResult } from '../../shared/config.js';
import { DEFAULT_CAPTURE_SETTINGS } from '../../shared/config.js';
import { parseProjectConfig } from '../../engine/config/index.js';

const DIR = path.resolve('/projects/shop');
const FILE = path.join(DIR, 'locald.toml');
const SERVICE = '[services.web]\ncommand = "npm run dev"\n';

function parse(text: string): ConfigResult {
  return parseProjectConfig(text, FILE, DIR);
}

function issuesOf(text: string): ConfigIssue[] {
  const result = parse(text);
  if (result.ok) assert.fail(`expected issues, got ${JSON.stringify(result.config.capture)}`);
  return result.issues;
}

describe('[capture] in locald.toml', () => {
  it('is optional: without it traffic is not persisted and the cap is 64 MiB', () => {
    const result = parse(SERVICE);
    assert.ok(result.ok);
    assert.equal(result.config.capture, undefined);
    assert.deepEqual(DEFAULT_CAPTURE_SETTINGS, { persist: false, maxBytes: 64 * 1024 * 1024 });
    const empty = parse(`${SERVICE}\n[capture]\n`);
    assert.ok(empty.ok);
    assert.deepEqual(empty.config.capture, DEFAULT_CAPTURE_SETTINGS);
  });

  it('persist = true and max_mib set the settings', () => {
    const result = parse(`${SERVICE}\n[capture]\npersist = true\nmax_mib = 8\n`);
    assert.ok(result.ok);
    assert.deepEqual(result.config.capture, { persist: true, maxBytes: 8 * 1024 * 1024 });
  });

  it('a wrong type is located at its value and says what to write', () => {
    const [issue] = issuesOf(`${SERVICE}\n[capture]\npersist = "yes"\n`);
    assert.equal(issue?.keyPath, 'capture.persist');
    assert.deepEqual([issue?.line, issue?.column], [5, 11]);
    assert.match(issue?.message ?? '', /persist must be a boolean, not a string \("yes"\)/);
    assert.equal(issue?.hint, 'persist = true');
  });

  it('max_mib out of range or not an integer is located', () => {
    const [zero] = issuesOf(`${SERVICE}\n[capture]\nmax_mib = 0\n`);
    assert.equal(zero?.keyPath, 'capture.max_mib');
    assert.deepEqual([zero?.line, zero?.column], [5, 11]);
    assert.match(zero?.message ?? '', /out of range/);
    const [float] = issuesOf(`${SERVICE}\n[capture]\nmax_mib = 1.5\n`);
    assert.match(float?.message ?? '', /max_mib must be an integer, not 1.5/);
  });

  it('an unknown key in [capture] suggests the nearest, at its line', () => {
    const [issue] = issuesOf(`${SERVICE}\n[capture]\npersit = true\n`);
    assert.equal(issue?.keyPath, 'capture.persit');
    assert.deepEqual([issue?.line, issue?.column], [5, 1]);
    assert.match(issue?.hint ?? '', /persist/);
  });

  it('capture must be a table', () => {
    const [issue] = issuesOf(`capture = true\n${SERVICE}`);
    assert.equal(issue?.keyPath, 'capture');
    assert.deepEqual([issue?.line, issue?.column], [1, 11]);
    assert.match(issue?.hint ?? '', /\[capture\]/);
  });
});
