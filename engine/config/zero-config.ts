// Zero-config: what to run in a folder that has no locald.toml. Reads the files; the decisions are in zero-config-build.ts.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { ConfigIssue, ConfigResult } from '../../shared/config.js';
import { packageJsonScript, projectFromPackageScript, projectFromProcfile } from './zero-config-build.js';

/** The file's text, or undefined when it does not exist; other read errors are returned as issues. */
async function readOptional(file: string): Promise<string | undefined | ConfigIssue> {
  try {
    return await readFile(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
    return { file, message: `cannot read ${path.basename(file)}: ${code ?? (error instanceof Error ? error.message : String(error))}`, hint: 'check the file permissions' };
  }
}

function isIssue(value: unknown): value is ConfigIssue {
  return typeof value === 'object' && value !== null;
}

function ignored(file: string, used: string, why: string): ConfigIssue {
  return { file, message: `ignoring ${path.basename(file)}: using ${used} (${why})`, hint: 'add a locald.toml to choose exactly what runs' };
}

/**
 * A project for a folder without locald.toml, or null when nothing applies. In order of preference:
 * 1. `Procfile.dev` — written for development, and names every process;
 * 2. package.json `dev` script — written for development;
 * 3. `Procfile` — names every process, but is often a production (Heroku) file;
 * 4. package.json `start` script.
 * What was found but not used is reported as a warning, so the choice is never a surprise.
 */
export async function detectZeroConfig(dir: string): Promise<ConfigResult | null> {
  const root = path.resolve(dir);
  const procfileDevPath = path.join(root, 'Procfile.dev');
  const packagePath = path.join(root, 'package.json');
  const procfilePath = path.join(root, 'Procfile');
  const [procfileDev, packageJson, procfile] = await Promise.all([readOptional(procfileDevPath), readOptional(packagePath), readOptional(procfilePath)]);
  for (const read of [procfileDev, packageJson, procfile]) if (isIssue(read)) return { ok: false, issues: [read] };
  const pkg = typeof packageJson === 'string' ? packageJsonScript(packageJson, packagePath) : { script: null };

  if (typeof procfileDev === 'string') {
    const warnings: ConfigIssue[] = [];
    if (typeof procfile === 'string') warnings.push(ignored(procfilePath, 'Procfile.dev', 'it is meant for development'));
    if ('script' in pkg && pkg.script !== null) warnings.push(ignored(packagePath, 'Procfile.dev', 'it is meant for development'));
    return projectFromProcfile(procfileDev, procfileDevPath, root, warnings);
  }
  if ('issue' in pkg) return { ok: false, issues: [pkg.issue] };
  if (pkg.script === 'dev') {
    const warnings = typeof procfile === 'string' ? [ignored(procfilePath, 'the package.json "dev" script', 'it is meant for development; Procfiles are often for production')] : [];
    return projectFromPackageScript('dev', packagePath, root, warnings);
  }
  if (typeof procfile === 'string') {
    const warnings = pkg.script === 'start' ? [ignored(packagePath, 'Procfile', 'it names every process')] : [];
    return projectFromProcfile(procfile, procfilePath, root, warnings);
  }
  if (pkg.script === 'start') return projectFromPackageScript('start', packagePath, root);
  return null;
}
