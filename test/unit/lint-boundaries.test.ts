// The process boundaries eslint.config.js enforces by path (docs/decisions/0012): each
// forbidden import, linted as if it sat in that folder, is reported; the allowed ones are not.
import assert from 'node:assert/strict';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';
import { ESLint } from 'eslint';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const eslint = new ESLint({ cwd: root });

/** The no-restricted-imports messages for `source` linted as the file `file` (repo-relative). */
async function restricted(file: string, source: string): Promise<string[]> {
  const [result] = await eslint.lintText(source, { filePath: join(root, file) });
  assert.ok(result !== undefined);
  return result.messages.filter((m) => m.ruleId === 'no-restricted-imports').map((m) => m.message);
}

const forbidden: [file: string, source: string][] = [
  ['engine/probe.ts', "export { x } from '../electron/main.js';"],
  ['engine/capture/probe.ts', "export { x } from '../../renderer/src/main.js';"],
  ['engine/probe.ts', "export { app } from 'electron';"],
  ['shared/probe.ts', "export { x } from '../electron/logic/paths.js';"],
  ['shared/probe.ts', "export { x } from '../renderer/src/store/store.js';"],
  ['shared/probe.ts', "export { commandsHash } from '../engine/approval-hash.js';"],
  ['shared/probe.ts', "export { join } from 'node:path';"],
  ['renderer/src/probe.ts', "export { x } from '../../engine/capture/har.js';"],
  ['renderer/src/store/probe.ts', "export { x } from '../../../electron/logic/paths.js';"],
  ['renderer/src/probe.ts', "export { ipcRenderer } from 'electron';"],
  ['electron/logic/probe.ts', "export { commandsHash } from '../../engine/approval-hash.js';"],
  ['electron/probe.ts', "export { x } from '../renderer/src/main.js';"],
];

const allowed: [file: string, source: string][] = [
  ['engine/probe.ts', "export type { EngineApi } from '../shared/api.js';"],
  ['renderer/src/probe.ts', "export type { EngineApi } from '../../shared/api.js';"],
  ['electron/probe.ts', "export { resolveHome } from '../engine/home.js';"],
  ['electron/logic/probe.ts', "export { writeFileAtomic } from '../../engine/atomic-file.js';"],
  ['electron/probe.ts', "export { changeCaTrust } from '../engine/tls/trust-run.js';"],
  ['electron/probe.ts', "export { app } from 'electron';"],
  ['test/unit/probe.ts', "export { commandsHash } from '../../engine/approval-hash.js';"],
];

describe('lint: process boundaries by path', () => {
  for (const [file, source] of forbidden) {
    it(`reports in ${file}: ${source}`, async () => {
      assert.notDeepEqual(await restricted(file, source), []);
    });
  }
  for (const [file, source] of allowed) {
    it(`allows in ${file}: ${source}`, async () => {
      assert.deepEqual(await restricted(file, source), []);
    });
  }
});
