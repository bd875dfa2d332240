import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { inflateSync } from 'node:zlib';
import { allTrayIconFiles } from '../../electron/logic/tray-icons.js';
import { APP_ID, ENGINE_ENTRY, PRELOAD_BUNDLE, TRAY_RESOURCES_DIR } from '../../electron/logic/paths.js';

const root = join(import.meta.dirname, '..', '..');
const require = createRequire(import.meta.url);

// electron-builder's own loader and validator (the code `electron-builder` runs before packaging).
const { getConfig, validateConfiguration } = require('app-builder-lib/out/util/config/config.js') as {
  getConfig: (projectDir: string, configPath: string | null, fromOptions: null) => Promise<Record<string, unknown>>;
  validateConfiguration: (config: unknown, logger: unknown) => Promise<void>;
};
const { DebugLogger, log } = require('builder-util') as { DebugLogger: new (enabled: boolean) => unknown; log: { stream: NodeJS.WritableStream } };
// electron-builder logs to stdout, which `node --test` uses for its own reporting stream.
log.stream = process.stderr;
const { validateSchema } = require('app-builder-lib/out/util/config/schemaValidator.js') as {
  validateSchema: (schema: unknown, data: unknown) => void;
};
const schema: unknown = JSON.parse(readFileSync(join(root, 'node_modules', 'app-builder-lib', 'scheme.json'), 'utf8'));

// Parsed YAML is untyped; the assertions below check each field they read.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
async function loadConfig(): Promise<Record<string, any>> {
  return getConfig(root, join(root, 'electron-builder.yml'), null);
}

function pngSize(file: string): { width: number; height: number } {
  const bytes = readFileSync(file);
  assert.deepEqual([...bytes.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a], `${file} is not a PNG`);
  assert.equal(bytes.subarray(12, 16).toString('ascii'), 'IHDR');
  const width = bytes.readUInt32BE(16);
  const height = bytes.readUInt32BE(20);
  // Decompress the image data to be sure the file is complete.
  let offset = 8;
  const idat: Buffer[] = [];
  while (offset < bytes.length) {
    const length = bytes.readUInt32BE(offset);
    const type = bytes.subarray(offset + 4, offset + 8).toString('ascii');
    if (type === 'IDAT') idat.push(bytes.subarray(offset + 8, offset + 8 + length));
    offset += 12 + length;
  }
  const raw = inflateSync(Buffer.concat(idat));
  assert.equal(raw.length, height * (width * 4 + 1), `${file}: pixel data size`);
  return { width, height };
}

describe('electron-builder.yml', () => {
  it('passes electron-builder’s own validation against scheme.json', async () => {
    const config = await loadConfig();
    await validateConfiguration(config, new DebugLogger(false));
  });

  it('the validator really rejects a bad config (so the test above means something)', async () => {
    const config = await loadConfig();
    assert.throws(() => validateSchema(schema, { ...config, nsis: { ...config.nsis, oneClick: 'sometimes' } }), /nsis/);
    assert.throws(() => validateSchema(schema, { ...config, electronFuses: { runAsNode: false, notAFuse: true } }), /electronFuses|notAFuse/);
    assert.throws(() => validateSchema(schema, { ...config, macc: {} }), /macc/);
  });

  it('identifies the app', async () => {
    const config = await loadConfig();
    assert.equal(config.appId, 'dev.locald.app');
    assert.equal(APP_ID, config.appId, 'main sets this AppUserModelID on Windows (notifications need it)');
    assert.equal(config.productName, 'locald');
  });

  it('macOS: dmg, menu-bar only (LSUIElement), developer-tools category, hardened runtime with entitlements, notarization', async () => {
    const { mac } = await loadConfig();
    assert.deepEqual(mac.target.map((t: { target: string }) => t.target), ['dmg']);
    assert.equal(mac.extendInfo.LSUIElement, true);
    assert.equal(mac.category, 'public.app-category.developer-tools');
    assert.equal(mac.hardenedRuntime, true);
    assert.equal(mac.notarize, true);
    for (const file of [mac.entitlements, mac.entitlementsInherit]) {
      const plist = readFileSync(join(root, file), 'utf8');
      assert.match(plist, /com\.apple\.security\.cs\.allow-jit/);
      assert.doesNotMatch(plist, /disable-library-validation|allow-dyld-environment-variables|get-task-allow/);
    }
  });

  it('Windows: per-user one-click NSIS', async () => {
    const { win, nsis } = await loadConfig();
    assert.deepEqual(win.target.map((t: { target: string }) => t.target), ['nsis']);
    assert.equal(nsis.oneClick, true);
    assert.equal(nsis.perMachine, false);
  });

  it('Linux: AppImage', async () => {
    const { linux } = await loadConfig();
    assert.deepEqual(linux.target, ['AppImage']);
  });

  it('flips the security fuses', async () => {
    assert.deepEqual((await loadConfig()).electronFuses, {
      runAsNode: false,
      enableCookieEncryption: true,
      enableNodeOptionsEnvironmentVariable: false,
      enableNodeCliInspectArguments: false,
      enableEmbeddedAsarIntegrityValidation: true,
      onlyLoadAppFromAsar: true,
      grantFileProtocolExtraPrivileges: false,
    });
  });

  it('packages the built app and ships tray images where main looks for them', async () => {
    const config = await loadConfig();
    assert.equal(config.asar, true);
    // electron-builder normalises `files` to [{ filter: [...] }].
    const files = (config.files as Array<string | { filter: string[] }>).flatMap((entry) => (typeof entry === 'string' ? [entry] : entry.filter));
    assert.ok(files.includes('dist/**/*'), 'dist/ holds main, preload and the engine');
    assert.ok(files.includes('package.json'));
    assert.ok(ENGINE_ENTRY.startsWith('dist/') && PRELOAD_BUNDLE.startsWith('dist/'));
    assert.deepEqual(config.extraResources, [{ from: 'build/tray', to: TRAY_RESOURCES_DIR, filter: ['*.png'] }]);
    assert.equal(config.publish, null);
  });

  it('every icon exists and is a valid PNG of the right size', async () => {
    const config = await loadConfig();
    for (const icon of [config.mac.icon, config.win.icon, config.linux.icon]) {
      assert.deepEqual(pngSize(join(root, icon)), { width: 512, height: 512 });
    }
    for (const file of allTrayIconFiles()) {
      const path = join(root, 'build', TRAY_RESOURCES_DIR, file);
      assert.ok(existsSync(path), `missing tray image ${file}`);
      const size = pngSize(path);
      const expected = file.endsWith('Template.png') ? 16 : 32;
      assert.deepEqual(size, { width: expected, height: expected }, file);
    }
  });
});

describe('release workflow', () => {
  it('builds on version tags for macOS and Windows without publishing, and uploads the installers', () => {
    const text = readFileSync(join(root, '.github', 'workflows', 'release.yml'), 'utf8');
    // js-yaml is electron-builder's own YAML parser; resolve it from there rather than relying on hoisting.
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- parsed YAML is untyped
    const yaml = createRequire(require.resolve('app-builder-lib/package.json'))('js-yaml') as { load: (text: string) => any };
    const workflow = yaml.load(text);
    assert.deepEqual(workflow.on.push.tags, ['v*']);
    const job = workflow.jobs.package;
    assert.deepEqual(job.strategy.matrix.os, ['macos-latest', 'windows-latest']);
    const runs = job.steps.map((step: { run?: string }) => step.run).filter(Boolean);
    assert.ok(runs.includes('npm ci'));
    assert.ok(runs.includes('npm run build'));
    assert.ok(runs.includes('npx electron-builder --publish never'));
    const upload = job.steps.find((step: { uses?: string }) => step.uses?.startsWith('actions/upload-artifact'));
    assert.match(upload.with.path, /release\/\*\.dmg/);
    assert.match(upload.with.path, /release\/\*\.exe/);
  });
});
