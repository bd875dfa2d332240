// The I/O edge: a folder or a file path → ConfigResult. Never throws; every failure is a ConfigIssue.
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import type { ConfigIssue, ConfigResult } from '../../shared/config.js';
import { describeEnvFileFailure, readEnvFiles } from './env-files.js';
import { IssueCollector, sortIssues } from './issues.js';
import { KeyLocator } from './locate.js';
import { parseProjectConfig } from './parse.js';
import { nameFromFolder } from './project-name.js';
import { CONFIG_FILE_NAME, minimalConfigExample } from './schema.js';
import { detectZeroConfig } from './zero-config.js';
import { packageJsonScript, projectFromPackageScript, projectFromProcfile } from './zero-config-build.js';

/** Config files are small; this guards against pointing locald at something that is not one. */
const MAX_CONFIG_BYTES = 1024 * 1024;

function errorCode(error: unknown): string {
  return (error as NodeJS.ErrnoException).code ?? (error instanceof Error ? error.message : String(error));
}

function failure(file: string, message: string, hint?: string): ConfigResult {
  const issue: ConfigIssue = { file, message };
  if (hint !== undefined) issue.hint = hint;
  return { ok: false, issues: [issue] };
}

async function readConfigText(file: string): Promise<string | ConfigResult> {
  try {
    const info = await stat(file);
    if (info.size > MAX_CONFIG_BYTES) return failure(file, `${path.basename(file)} is ${info.size} bytes; a config file should be far smaller than 1 MiB`, 'check that this is the right file');
    return (await readFile(file, 'utf8')).replace(/^\uFEFF/, '');
  } catch (error) {
    return failure(file, `cannot read ${path.basename(file)}: ${errorCode(error)}`, 'check that the file exists and is readable');
  }
}

/** A `cwd` that does not exist would only fail later, at spawn, with a vaguer error. */
async function checkServiceFolders(result: ConfigResult, text: string): Promise<ConfigResult> {
  if (!result.ok) return result;
  const issues = new IssueCollector(result.config.file, new KeyLocator(text));
  for (const service of result.config.services) {
    if (service.cwd === result.config.dir) continue;
    const info = await stat(service.cwd).catch(() => undefined);
    if (info?.isDirectory() !== true) {
      const relative = path.relative(result.config.dir, service.cwd) || '.';
      issues.error(['services', service.name, 'cwd'], 'value', `cwd ${JSON.stringify(relative)} is not a folder (${service.cwd})`, `cwd is relative to the folder of ${CONFIG_FILE_NAME}; create the folder or fix the path`);
    }
  }
  return issues.errors.length > 0 ? { ok: false, issues: sortIssues(issues.errors) } : result;
}

/**
 * Reads each service's env_file entries into `fileEnv`. A missing file is reported at its entry in
 * locald.toml; a syntax error at its line in the .env file.
 */
async function loadServiceEnvFiles(result: ConfigResult, text: string): Promise<ConfigResult> {
  if (!result.ok) return result;
  const locator = new KeyLocator(text);
  const issues = new IssueCollector(result.config.file, locator);
  const failures: ConfigIssue[] = [];
  for (const service of result.config.services) {
    if (service.envFiles === undefined) continue;
    const read = await readEnvFiles(service.envFiles);
    if (read.ok) {
      service.fileEnv = read.values;
      continue;
    }
    if (read.line !== undefined) {
      failures.push({ file: read.file, line: read.line, ...(read.column !== undefined ? { column: read.column } : {}), message: read.message, hint: `fix this line of the env file of service '${service.name}'` });
      continue;
    }
    const at = ['services', service.name, 'env_file'];
    // A single `env_file = ".env"` has no entry [0]: the locator then answers with the key's own position.
    const item = locator.value([...at, read.index]);
    const key = locator.key(at);
    const entry = item !== undefined && (item.line !== key?.line || item.column !== key.column) ? [...at, read.index] : at;
    const relative = path.relative(service.cwd, read.file) || read.file;
    if (read.missing) issues.error(entry, 'value', `env file ${JSON.stringify(relative)} of service '${service.name}' does not exist (${read.file})`, `create it, or mark it optional: { path = ${JSON.stringify(relative)}, optional = true }`);
    else issues.error(entry, 'value', describeEnvFileFailure(read), 'check the path and its permissions');
  }
  const all = [...issues.errors, ...failures];
  return all.length > 0 ? { ok: false, issues: sortIssues(all) } : result;
}

async function loadTomlFile(file: string): Promise<ConfigResult> {
  const text = await readConfigText(file);
  if (typeof text !== 'string') return text;
  return loadServiceEnvFiles(await checkServiceFolders(parseProjectConfig(text, file, path.dirname(file)), text), text);
}

/** An explicitly chosen package.json or Procfile is used even when the folder has other candidates. */
async function loadZeroConfigFile(file: string): Promise<ConfigResult> {
  const text = await readConfigText(file);
  if (typeof text !== 'string') return text;
  const dir = path.dirname(file);
  if (path.basename(file) !== 'package.json') return projectFromProcfile(text, file, dir);
  const pkg = packageJsonScript(text, file);
  if ('issue' in pkg) return { ok: false, issues: [pkg.issue] };
  if (pkg.script === null) return failure(file, 'package.json has no "dev" or "start" script', 'add "scripts": { "dev": "…" } to package.json, or write a locald.toml');
  return projectFromPackageScript(pkg.script, file, dir);
}

function nothingToRun(dir: string): ConfigResult {
  const name = nameFromFolder(dir);
  const example = minimalConfigExample(name.ok ? name.name : 'my-app');
  return failure(
    path.join(dir, CONFIG_FILE_NAME),
    `no ${CONFIG_FILE_NAME} in ${dir}, and nothing to run without one: no package.json with a "dev" or "start" script, no Procfile or Procfile.dev`,
    `create ${CONFIG_FILE_NAME} with:\n${example.replace(/^/gm, '    ')}`,
  );
}

/**
 * Loads a project from a folder (its locald.toml, else zero-config) or from a file path (a locald.toml,
 * or an explicit package.json / Procfile). Relative paths resolve against the current directory.
 */
export async function loadProject(pathOrDir: string): Promise<ConfigResult> {
  const target = path.resolve(pathOrDir);
  let info;
  try {
    info = await stat(target);
  } catch (error) {
    const code = errorCode(error);
    return code === 'ENOENT' || code === 'ENOTDIR'
      ? failure(target, 'no such file or folder', 'choose a project folder, or the path of its locald.toml')
      : failure(target, `cannot open: ${code}`, 'check that the path exists and is readable');
  }
  if (info.isFile()) {
    const base = path.basename(target);
    return base === 'package.json' || base === 'Procfile' || base === 'Procfile.dev' ? loadZeroConfigFile(target) : loadTomlFile(target);
  }
  if (!info.isDirectory()) return failure(target, 'not a file or folder', 'choose a project folder, or the path of its locald.toml');
  const tomlFile = path.join(target, CONFIG_FILE_NAME);
  const tomlInfo = await stat(tomlFile).catch((error: unknown) => errorCode(error));
  if (typeof tomlInfo !== 'string') {
    if (tomlInfo.isDirectory()) return failure(tomlFile, `${CONFIG_FILE_NAME} is a folder`, `${CONFIG_FILE_NAME} must be a file`);
    return loadTomlFile(tomlFile);
  }
  if (tomlInfo !== 'ENOENT') return failure(tomlFile, `cannot read ${CONFIG_FILE_NAME}: ${tomlInfo}`, 'check the folder permissions');
  return (await detectZeroConfig(target)) ?? nothingToRun(target);
}
