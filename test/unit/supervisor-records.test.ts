import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { parseProcessRecord, readProcessRecords, recordFileName, writeProcessRecord } from '../../engine/supervisor/pid-records.js';
import { parseProcStat } from '../../engine/supervisor/process-start-time.js';
import type { ProcessRecord } from '../../engine/supervisor/types.js';

test('parseProcStat copes with spaces and parentheses in the command name', () => {
  const fields = ['S', '1', '4242', '4242', '0', '-1', '4194560', '0', '0', '0', '0', '0', '0', '0', '0', '20', '0', '1', '0', '987654'];
  const stat = parseProcStat(`4243 (my (weird) name) ${fields.join(' ')} 1 2 3`);
  assert.deepEqual(stat, { pid: 4243, command: 'my (weird) name', state: 'S', ppid: 1, pgrp: 4242, starttime: '987654' });
  assert.equal(parseProcStat('garbage'), null);
  assert.equal(parseProcStat('1 (x) S 1'), null);
});

test('record file names are safe and follow <project>--<service>.json', () => {
  assert.equal(recordFileName('shop', 'api'), 'shop--api.json');
  assert.equal(recordFileName('shop', '../etc/x'), 'shop--.._etc_x.json');
});

const record: ProcessRecord = {
  version: 1,
  project: 'shop',
  service: 'api',
  command: 'node server.js',
  pid: 1234,
  pgid: 1234,
  startTime: 'linux:99',
  ownerPid: 1000,
  ownerStartTime: 'linux:50',
  recordedAt: 1,
  serviceId: 'c0ffee',
};

test('parseProcessRecord validates every field it relies on', () => {
  assert.deepEqual(parseProcessRecord(JSON.stringify(record)), record);
  assert.throws(() => parseProcessRecord('[1'), SyntaxError);
  assert.throws(() => parseProcessRecord('null'), /not a JSON object/);
  assert.throws(() => parseProcessRecord(JSON.stringify({ ...record, version: 2 })), /unsupported record version 2/);
  assert.throws(() => parseProcessRecord(JSON.stringify({ ...record, pid: -5 })), /positive integers/);
  assert.throws(() => parseProcessRecord(JSON.stringify({ ...record, startTime: 5 })), /strings or null/);
  // Records of older versions have no service id: the reaper then never kills by group alone.
  assert.equal(parseProcessRecord(JSON.stringify({ ...record, serviceId: undefined })).serviceId, null);
});

test('records are written atomically, read back, and stale temp files are cleaned', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'locald-records-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const file = await writeProcessRecord(dir, record);
  assert.equal(file, join(dir, 'processes', 'shop--api.json'));
  await writeProcessRecord(dir, { ...record, pid: 5678 });
  assert.equal((JSON.parse(readFileSync(file, 'utf8')) as ProcessRecord).pid, 5678);
  writeFileSync(join(dir, 'processes', 'shop--web.json.123.abc.tmp'), '{half');
  writeFileSync(join(dir, 'processes', 'bad--x.json'), '{half');
  const reads = await readProcessRecords(dir);
  assert.equal(reads.length, 2);
  const [bad, good] = reads;
  assert.ok(bad !== undefined && !bad.ok && bad.file.endsWith('bad--x.json'));
  assert.ok(good !== undefined && good.ok && good.record.pid === 5678);
  assert.deepEqual(readdirSync(join(dir, 'processes')).sort(), ['bad--x.json', 'shop--api.json']);
  assert.deepEqual(await readProcessRecords(join(dir, 'missing')), []);
});
