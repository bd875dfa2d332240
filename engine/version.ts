import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

let cachedRoot: { root: string; version: string } | null = null;

/** The locald package folder and version, found by walking up from this file (works from engine/ and dist/engine/). */
function findPackage(): { root: string; version: string } {
  if (cachedRoot !== null) return cachedRoot;
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    try {
      const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'locald' && typeof pkg.version === 'string') {
        cachedRoot = { root: dir, version: pkg.version };
        return cachedRoot;
      }
    } catch {
      // not here; keep walking
    }
    dir = dirname(dir);
  }
  cachedRoot = { root: dirname(fileURLToPath(import.meta.url)), version: '0.0.0-unknown' };
  return cachedRoot;
}

export function readVersion(): string {
  return findPackage().version;
}

export function packageRoot(): string {
  return findPackage().root;
}

/** Where `npm run build` puts the renderer; the dashboard serves it. */
export function rendererDir(): string {
  return join(packageRoot(), 'dist', 'renderer');
}
