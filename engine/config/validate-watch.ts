// The edit–refresh keys of a service: `watch`, `ignore`, `debounce`, `restart_dependents` and `env_file`.
import path from 'node:path';
import type { EnvFileRef, WatchConfig } from '../../shared/config.js';
import type { IssueCollector } from './issues.js';
import type { KeyPath } from './locate.js';
import { describeValue, isTable, tomlString, type TomlTableValue } from './toml-text.js';

export const DEFAULT_WATCH_DEBOUNCE_MS = 300;
/** Longer than anyone waits for a restart on save; guards against `debounce = 300000` meant as µs. */
const MAX_DEBOUNCE_MS = 60_000;
const DURATION = /^\s*(\d+(?:\.\d+)?)\s*(ms|s)\s*$/;

/** A string or an array of non-empty strings; `label` names the key in messages. */
function checkGlobs(value: unknown, keyPath: KeyPath, label: string, example: string, issues: IssueCollector): string[] | undefined {
  const list = typeof value === 'string' ? [value] : value;
  if (!Array.isArray(list)) {
    issues.error(keyPath, 'value', `${label} must be an array of glob patterns, not ${describeValue(value)}`, `${label} = ${example}`);
    return undefined;
  }
  const globs: string[] = [];
  list.forEach((item: unknown, index) => {
    const at = typeof value === 'string' ? keyPath : [...keyPath, index];
    if (typeof item !== 'string' || item.trim() === '') issues.error(at, 'value', `${label} entries must be non-empty glob strings, not ${describeValue(item)}`, `${label} = ${example}`);
    else if (path.isAbsolute(item) || item.split(/[\\/]/).includes('..')) issues.error(at, 'value', `${label} pattern ${tomlString(item)} leaves the service folder`, `patterns are relative to the service's cwd, e.g. ${label} = ${example}`);
    else globs.push(item.trim());
  });
  return globs;
}

function checkDebounce(value: unknown, keyPath: KeyPath, issues: IssueCollector): number | undefined {
  const hint = `debounce = ${DEFAULT_WATCH_DEBOUNCE_MS} (milliseconds) or debounce = "300ms" / "1s"`;
  let ms: number | undefined;
  if (typeof value === 'bigint') ms = Number(value);
  else if (typeof value === 'number' && Number.isFinite(value)) ms = value;
  else if (typeof value === 'string') {
    const match = DURATION.exec(value);
    if (match !== null) ms = Number(match[1]) * (match[2] === 's' ? 1000 : 1);
  }
  if (ms === undefined || ms < 0) {
    issues.error(keyPath, 'value', `debounce must be a duration, not ${describeValue(value)}`, hint);
    return undefined;
  }
  if (ms > MAX_DEBOUNCE_MS) {
    issues.error(keyPath, 'value', `debounce ${ms} ms is more than a minute`, `debounce = ${MAX_DEBOUNCE_MS} at most (milliseconds)`);
    return undefined;
  }
  return Math.round(ms);
}

/** `watch` and its companions; undefined when the service has no `watch` key (it is then not watched). */
export function validateWatch(table: TomlTableValue, at: KeyPath, issues: IssueCollector): WatchConfig | undefined {
  const example = '["src/**/*.go", "go.mod"]';
  if (table.watch === undefined) {
    for (const key of ['ignore', 'debounce', 'restart_dependents']) {
      if (table[key] !== undefined) issues.warn([...at, key], 'key', `${key} has no effect without watch`, `add watch = ${example}, or remove ${key}`);
    }
    return undefined;
  }
  const patterns = checkGlobs(table.watch, [...at, 'watch'], 'watch', example, issues);
  if (patterns !== undefined && patterns.length === 0 && Array.isArray(table.watch) && table.watch.length === 0) {
    issues.error([...at, 'watch'], 'value', 'watch is empty, so nothing would be watched', `watch = ${example}, or remove watch`);
  }
  const ignore = table.ignore === undefined ? [] : (checkGlobs(table.ignore, [...at, 'ignore'], 'ignore', '["dist/**", "*.log"]', issues) ?? []);
  const debounceMs = table.debounce === undefined ? DEFAULT_WATCH_DEBOUNCE_MS : (checkDebounce(table.debounce, [...at, 'debounce'], issues) ?? DEFAULT_WATCH_DEBOUNCE_MS);
  let restartDependents = false;
  if (table.restart_dependents !== undefined) {
    if (typeof table.restart_dependents === 'boolean') restartDependents = table.restart_dependents;
    else issues.error([...at, 'restart_dependents'], 'value', `restart_dependents must be true or false, not ${describeValue(table.restart_dependents)}`, 'restart_dependents = true');
  }
  return { patterns: patterns ?? [], ignore, debounceMs, restartDependents };
}

function checkEnvFileEntry(item: unknown, keyPath: KeyPath, dir: string, issues: IssueCollector): EnvFileRef | undefined {
  const example = 'env_file = [".env", { path = ".env.local", optional = true }]';
  let file: unknown = item;
  let optional = false;
  if (isTable(item)) {
    for (const key of Object.keys(item)) {
      if (key !== 'path' && key !== 'optional') issues.error([...keyPath, key], 'key', `unknown key ${tomlString(key)} in an env_file entry`, 'an entry is a path string, or { path = "…", optional = true }');
    }
    file = item.path;
    if (item.optional !== undefined && typeof item.optional !== 'boolean') {
      issues.error([...keyPath, 'optional'], 'value', `optional must be true or false, not ${describeValue(item.optional)}`, 'optional = true');
    } else optional = item.optional === true;
    if (file === undefined) {
      issues.error(keyPath, 'value', 'this env_file entry has no path', example);
      return undefined;
    }
  }
  const at = isTable(item) ? [...keyPath, 'path'] : keyPath;
  if (typeof file !== 'string' || file.trim() === '') {
    issues.error(at, 'value', `env_file must name a file, not ${describeValue(file)}`, example);
    return undefined;
  }
  if (file.includes('\0')) {
    issues.error(at, 'value', 'env_file contains a NUL character', 'remove the \\u0000 escape');
    return undefined;
  }
  return { path: path.resolve(dir, file), optional };
}

/**
 * `env_file = ".env"`, or a list whose entries are paths or `{ path, optional }` tables. Paths are
 * relative to the service's cwd, as in docker compose (the folder the service sees as `.`).
 */
export function validateEnvFiles(value: unknown, keyPath: KeyPath, cwd: string, issues: IssueCollector): EnvFileRef[] | undefined {
  if (value === undefined) return undefined;
  if (typeof value === 'string' || isTable(value)) {
    const ref = checkEnvFileEntry(value, keyPath, cwd, issues);
    return ref === undefined ? [] : [ref];
  }
  if (!Array.isArray(value)) {
    issues.error(keyPath, 'value', `env_file must be a path or a list of paths, not ${describeValue(value)}`, 'env_file = ".env"');
    return [];
  }
  return value.flatMap((item: unknown, index) => checkEnvFileEntry(item, [...keyPath, index], cwd, issues) ?? []);
}

/** Where an env_file entry is written, for errors found when the file is read. */
export function envFileKeyPath(service: string, written: unknown, index: number): KeyPath {
  const at = ['services', service, 'env_file'];
  return Array.isArray(written) ? [...at, index] : at;
}
