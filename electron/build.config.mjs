// Bundles the Electron shell with esbuild: `node electron/build.config.mjs`.
//   dist/electron/main.js     ESM (package.json "type": "module"), node platform;
//                             npm dependencies stay external and load from app.asar's node_modules.
//   dist/electron/preload.cjs CommonJS, one file: sandboxed preloads cannot load ES modules
//                             and may require only 'electron'.
// Type-checking is separate: `tsc -p tsconfig.electron.json`.
import { build } from 'esbuild';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

export async function buildElectron({ outDir = join(root, 'dist', 'electron'), minify = false } = {}) {
  const common = { bundle: true, sourcemap: true, minify, logLevel: 'warning', absWorkingDir: root };
  await Promise.all([
    build({
      ...common,
      entryPoints: [join(root, 'electron', 'main.ts')],
      outfile: join(outDir, 'main.js'),
      platform: 'node',
      format: 'esm',
      target: 'node22',
      packages: 'external',
    }),
    build({
      ...common,
      entryPoints: [join(root, 'electron', 'preload.ts')],
      outfile: join(outDir, 'preload.cjs'),
      platform: 'browser',
      format: 'cjs',
      target: 'chrome140',
      external: ['electron'],
    }),
  ]);
  return { main: join(outDir, 'main.js'), preload: join(outDir, 'preload.cjs') };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const out = await buildElectron({ minify: process.argv.includes('--minify') });
  console.log(`built ${out.main} and ${out.preload}`);
}
