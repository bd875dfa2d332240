// What `locald up` prints about services: one line per change of state, marked as locald's
// (`locald: app/api ready on port …`), never under the service's own `app/api |` prefix; a
// service without dependencies is not "waiting for its dependencies". And `locald` alone is help.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { LOCALD_BIN, startLocald } from '../helpers/locald-cli.js';

const SERVER = `require('node:http').createServer((req, res) => res.end('ok')).listen(Number(process.env.PORT), '127.0.0.1', () => console.log('listening'));\n`;

/** `app`: web depends on api; both plain Node HTTP servers. */
function twoServiceProject(): string {
  const dir = mkdtempSync(join(tmpdir(), 'locald-lines-'));
  writeFileSync(join(dir, 'server.cjs'), SERVER);
  const command = JSON.stringify(`"${process.execPath}" server.cjs`);
  writeFileSync(
    join(dir, 'locald.toml'),
    `name = "app"\n\n[services.api]\ncommand = ${command}\n\n[services.web]\ncommand = ${command}\ndepends_on = ["api"]\n`,
  );
  return dir;
}

/** The first word of each `locald: app/<service> …` line: the states it went through, in order. */
function changesOf(output: string, service: string): string[] {
  const prefix = `locald: app/${service} `;
  return output
    .split('\n')
    .filter((l) => l.startsWith(prefix))
    .map((l) => (/^[a-z]+/.exec(l.slice(prefix.length))?.[0] ?? l));
}

test('locald up: one line per change of state per service, marked as locald', async () => {
  const locald = startLocald(['up', twoServiceProject(), '--http-port', '0']);
  let code: number | string;
  try {
    await locald.waitForOutput(/app is running at/, 60_000);
    await locald.waitForOutput(/app\/web\s+\| listening/);
  } finally {
    code = await locald.stop('SIGTERM');
  }
  assert.equal(code, 0);
  const out = locald.output();
  assert.deepEqual(changesOf(out, 'api'), ['starting', 'ready', 'stopping', 'stopped'], out);
  assert.deepEqual(changesOf(out, 'web'), ['waiting', 'starting', 'ready', 'stopping', 'stopped'], out);
  assert.match(out, /^locald: app\/web waiting for 'api'$/m);
  assert.doesNotMatch(out, /waiting for its dependencies/);
  // The service's prefix carries only what the service printed.
  const underPrefix = out.split('\n').filter((l) => /^app\/(api|web)\s+\| /.test(l));
  assert.deepEqual(underPrefix.map((l) => l.replace(/^app\/(api|web)\s+\| /, '')), ['listening', 'listening'], out);
});

test('locald with no arguments prints the help and exits 0', async () => {
  const { stdout, stderr } = await promisify(execFile)(process.execPath, [LOCALD_BIN]);
  assert.match(stdout, /^Usage:\n {2}locald up /);
  assert.equal(stderr, '');
});
