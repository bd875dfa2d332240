import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { tempPathFor } from '../../engine/atomic-file.js';
import { parseRegistry, ProjectRegistry, serializeRegistry } from '../../electron/logic/project-registry.js';

const dirs: string[] = [];
async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'locald-registry-'));
  dirs.push(dir);
  return dir;
}
after(async () => {
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
});

describe('parseRegistry', () => {
  it('reads v2', () => {
    const text = serializeRegistry([{ dir: '/a', approvedHash: 'sha256:x', enabled: true }]);
    assert.deepEqual(parseRegistry(text), { ok: true, entries: [{ dir: '/a', approvedHash: 'sha256:x', enabled: true }], migratedFrom: null });
  });

  it('migrates v1 (an array of folders): nothing approved, nothing enabled, duplicates dropped', () => {
    assert.deepEqual(parseRegistry('["/a", "/b", "/a"]'), {
      ok: true,
      entries: [
        { dir: '/a', approvedHash: null, enabled: false },
        { dir: '/b', approvedHash: null, enabled: false },
      ],
      migratedFrom: 1,
    });
  });

  it('reports located errors for bad content', () => {
    assert.deepEqual(parseRegistry('{"version":2,"projects":[{"dir":"rel","approvedHash":null,"enabled":true}]}'), {
      ok: false,
      error: 'projects[0].dir: expected an absolute folder path',
    });
    assert.deepEqual(parseRegistry('{"version":2,"projects":[{"dir":"/a","approvedHash":5,"enabled":true}]}'), {
      ok: false,
      error: 'projects[0].approvedHash: expected a string or null',
    });
    assert.deepEqual(parseRegistry('[1]'), { ok: false, error: 'projects[0]: expected an absolute folder path' });
    assert.match((parseRegistry('{"version":9,"projects":[]}') as { error: string }).error, /newer locald \(version 9/);
    assert.match((parseRegistry('{"projects":[]}') as { error: string }).error, /unknown version/);
    assert.match((parseRegistry('{"version":2,"proj') as { error: string }).error, /^not valid JSON/);
    assert.match((parseRegistry('null') as { error: string }).error, /expected an object/);
  });
});

describe('ProjectRegistry', () => {
  it('starts empty, persists changes, and reloads them', async () => {
    const dir = await tempDir();
    const registry = new ProjectRegistry(dir);
    assert.deepEqual(await registry.load(), { entries: [], error: null, migratedFrom: null });
    await registry.upsert({ dir: '/p/shop', approvedHash: 'sha256:1', enabled: true });
    await registry.upsert({ dir: '/p/blog', approvedHash: null, enabled: false });
    await registry.update('/p/blog', { enabled: true });
    assert.equal(await registry.remove('/p/nope'), false);

    const again = new ProjectRegistry(dir);
    const loaded = await again.load();
    assert.deepEqual(loaded.entries, [
      { dir: '/p/shop', approvedHash: 'sha256:1', enabled: true },
      { dir: '/p/blog', approvedHash: null, enabled: true },
    ]);
    assert.equal(await again.remove('/p/shop'), true);
    assert.deepEqual(JSON.parse(await readFile(join(dir, 'projects.json'), 'utf8')), {
      version: 2,
      projects: [{ dir: '/p/blog', approvedHash: null, enabled: true }],
    });
  });

  it('keeps "Notify on failures" (notify) across reloads and a re-approval; a bad value is a located error', async () => {
    const dir = await tempDir();
    const registry = new ProjectRegistry(dir);
    await registry.load();
    await registry.upsert({ dir: '/p/shop', approvedHash: 'sha256:1', enabled: true });
    await registry.update('/p/shop', { notify: false });
    // Approving changed commands rewrites the entry without naming notify: the setting stays.
    await registry.upsert({ dir: '/p/shop', approvedHash: 'sha256:2', enabled: true });
    const again = new ProjectRegistry(dir);
    assert.deepEqual((await again.load()).entries, [{ dir: '/p/shop', approvedHash: 'sha256:2', enabled: true, notify: false }]);
    assert.deepEqual(parseRegistry('{"version":2,"projects":[{"dir":"/a","approvedHash":null,"enabled":true,"notify":"no"}]}'), {
      ok: false,
      error: 'projects[0].notify: expected true or false',
    });
  });

  it('rejects relative folders and updates of unknown folders', async () => {
    const registry = new ProjectRegistry(await tempDir());
    await registry.load();
    await assert.rejects(registry.upsert({ dir: 'shop', approvedHash: null, enabled: false }), /must be absolute/);
    await assert.rejects(registry.update('/nowhere', { enabled: true }), /no project registered for \/nowhere/);
  });

  it('migrates a v1 file on load and rewrites it as v2', async () => {
    const dir = await tempDir();
    await writeFile(join(dir, 'projects.json'), JSON.stringify(['/p/old']));
    const result = await new ProjectRegistry(dir).load();
    assert.equal(result.migratedFrom, 1);
    assert.deepEqual(JSON.parse(await readFile(join(dir, 'projects.json'), 'utf8')), {
      version: 2,
      projects: [{ dir: '/p/old', approvedHash: null, enabled: false }],
    });
  });

  it('backs up a corrupted file, starts empty, and reports where the old file went', async () => {
    const dir = await tempDir();
    await writeFile(join(dir, 'projects.json'), '{"version":2,"projects":[{"dir":"/p/a"');
    const registry = new ProjectRegistry(dir);
    const result = await registry.load();
    assert.deepEqual(result.entries, []);
    assert.match(result.error ?? '', /projects\.json: not valid JSON .* moved to .*projects\.json\.corrupt-/);
    const names = await readdir(dir);
    const backup = names.find((name) => name.startsWith('projects.json.corrupt-'));
    assert.ok(backup, `backup missing in ${names.join(', ')}`);
    assert.equal(await readFile(join(dir, backup), 'utf8'), '{"version":2,"projects":[{"dir":"/p/a"');
    assert.deepEqual(JSON.parse(await readFile(join(dir, 'projects.json'), 'utf8')), { version: 2, projects: [] });
    // And the registry keeps working.
    await registry.upsert({ dir: '/p/new', approvedHash: null, enabled: false });
    assert.equal((await new ProjectRegistry(dir).load()).entries.length, 1);
  });

  it('a crash mid-write (temp file left behind) does not corrupt the registry, and the leftover is cleaned', async () => {
    const dir = await tempDir();
    const first = new ProjectRegistry(dir);
    await first.load();
    await first.upsert({ dir: '/p/shop', approvedHash: 'sha256:1', enabled: true });
    // Simulate a process killed after writing half of the next version to its temp file.
    const leftover = tempPathFor(join(dir, 'projects.json'));
    await writeFile(leftover, '{"version":2,"projects":[{"dir":"/p/sh');
    const second = new ProjectRegistry(dir);
    const result = await second.load();
    assert.equal(result.error, null);
    assert.deepEqual(result.entries, [{ dir: '/p/shop', approvedHash: 'sha256:1', enabled: true }]);
    assert.deepEqual((await readdir(dir)).sort(), ['projects.json']);
  });

  it('concurrent updates are serialised: the file always holds the last state', async () => {
    const dir = await tempDir();
    const registry = new ProjectRegistry(dir);
    await registry.load();
    await Promise.all(Array.from({ length: 20 }, (_, i) => registry.upsert({ dir: `/p/${i}`, approvedHash: null, enabled: i % 2 === 0 })));
    const reloaded = await new ProjectRegistry(dir).load();
    assert.equal(reloaded.entries.length, 20);
    assert.deepEqual((await readdir(dir)).sort(), ['projects.json']);
  });
});
