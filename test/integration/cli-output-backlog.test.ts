// `locald up | less`, paused: nobody reads locald's stdout while a service prints 100 MB.
// What waits for the terminal is bounded: lines are dropped and counted instead of piling up
// in memory, and when the reader comes back one line says how many were dropped.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startLocald } from '../helpers/locald-cli.js';
import { waitFor } from '../helpers/proxy-net.js';

const TOTAL_BYTES = 100 * 1024 * 1024;
const RSS_BOUND_BYTES = 300 * 1024 * 1024;

/** Prints TOTAL_BYTES of 100-byte lines as fast as its pipe takes them, then writes `printed`. */
const FLOOD = `
const fs = require('node:fs');
const http = require('node:http');
http.createServer((req, res) => res.end('ok')).listen(Number(process.env.PORT), '127.0.0.1');
const chunk = Buffer.from(('x'.repeat(99) + '\\n').repeat(655));
let left = ${TOTAL_BYTES};
function more() {
  while (left > 0) {
    left -= chunk.length;
    if (!process.stdout.write(chunk)) return process.stdout.once('drain', more);
  }
  fs.writeFileSync('printed', '');
}
more();
`;

function rssBytes(pid: number): number {
  const kb = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
  return Number(kb ?? 0) * 1024;
}

test('a service printing 100 MB to a paused terminal: RSS stays bounded, then the dropped lines are counted', { timeout: 180_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'locald-flood-'));
  writeFileSync(join(dir, 'flood.cjs'), FLOOD);
  writeFileSync(join(dir, 'locald.toml'), `name = "flood"\n\n[services.loud]\ncommand = ${JSON.stringify(`"${process.execPath}" flood.cjs`)}\n`);
  const locald = startLocald(['up', dir, '--http-port', '0']);
  // Like a paused pager: the pipe fills and nothing more is read from it.
  locald.child.stdout?.pause();
  const pid = locald.child.pid as number;
  let maxRss = 0;
  const sampler = setInterval(() => {
    try {
      maxRss = Math.max(maxRss, rssBytes(pid));
    } catch {
      // Exited; the waits below report it.
    }
  }, 50);
  try {
    await waitFor(() => existsSync(join(dir, 'printed')) || undefined, 'the service to print 100 MB', 150_000);
    // The last lines are read and handled by locald shortly after the service's last write.
    const settled = Date.now() + 2_000;
    await waitFor(() => Date.now() > settled || undefined, 'locald to handle the last lines', 5_000);
    clearInterval(sampler);
    assert.ok(maxRss > 0, 'RSS was sampled');
    assert.ok(maxRss < RSS_BOUND_BYTES, `locald's RSS peaked at ${(maxRss / 2 ** 20).toFixed(0)} MB`);

    locald.child.stdout?.resume();
    const m = await locald.waitForOutput(/locald: (\d+) log lines dropped while the terminal was not reading/, 30_000);
    assert.ok(Number(m[1]) > 0);
    console.log(`peak RSS ${(maxRss / 2 ** 20).toFixed(0)} MB; ${m[1]} lines dropped`);
  } finally {
    clearInterval(sampler);
    locald.child.stdout?.resume();
    assert.equal(await locald.stop(), 0);
  }
});
