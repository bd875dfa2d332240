#!/usr/bin/env node
// Thin launcher: the CLI is compiled from engine/cli by `npm run build:engine`
// (run automatically by `npm ci` through the prepare script).
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const entry = new URL('../dist/engine/cli/main.js', import.meta.url);
if (!existsSync(fileURLToPath(entry))) {
  process.stderr.write('locald: not built yet. Run `npm ci` (or `npm run build:engine`) in the locald folder first.\n');
  process.exit(1);
}
await import(entry.href);
