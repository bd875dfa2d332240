// `ready = { tcp = true } | { http = "/healthz" } | { log = "regex" }`, each with an optional `timeout` in seconds.
import type { ReadyCheck } from '../../shared/config.js';
import { DEFAULT_READY_TIMEOUT_MS } from '../../shared/defaults.js';
import type { IssueCollector } from './issues.js';
import type { KeyPath } from './locate.js';
import { READY_KEYS } from './schema.js';
import { describeChoices } from './suggest.js';
import { describeValue, isTable, tomlString, tomlTypeName } from './toml-text.js';

const MAX_TIMEOUT_SECONDS = 86_400;
const READY_FORMS = 'ready = { tcp = true }, ready = { http = "/healthz" } or ready = { log = "listening on" }';

/** Guess the intended table from a bare value such as `ready = "/healthz"`. */
function guessReady(value: unknown): string {
  if (typeof value === 'string') {
    if (value.startsWith('/')) return `ready = { http = ${tomlString(value)} }`;
    if (value === 'tcp') return 'ready = { tcp = true }';
    return `ready = { log = ${tomlString(value)} }`;
  }
  if (value === true) return 'ready = { tcp = true }';
  return READY_FORMS;
}

function checkTimeout(value: unknown, path: KeyPath, issues: IssueCollector): number | undefined {
  const seconds = typeof value === 'bigint' ? Number(value) : value;
  if (typeof seconds !== 'number' || !Number.isFinite(seconds) || seconds <= 0) {
    const hint = typeof value === 'string' && Number(value) > 0 ? `timeout = ${Number(value)}` : 'timeout = 30 (seconds, a number greater than 0)';
    issues.error(path, 'value', `ready.timeout must be a positive number of seconds, not ${describeValue(value)}`, hint);
    return undefined;
  }
  // Node's timers overflow past ~24.8 days (and then fire at once), so keep well inside that.
  if (seconds > MAX_TIMEOUT_SECONDS) {
    issues.error(path, 'value', `ready.timeout ${seconds} is more than a day`, `timeout = ${MAX_TIMEOUT_SECONDS} at most (seconds)`);
    return undefined;
  }
  return Math.max(1, Math.round(seconds * 1000));
}

function checkHttpPath(value: unknown, path: KeyPath, issues: IssueCollector): string | undefined {
  if (typeof value !== 'string') {
    issues.error(path, 'value', `ready.http must be a path string, not ${tomlTypeName(value)}`, 'http = "/healthz"');
    return undefined;
  }
  if (/^https?:\/\//i.test(value)) {
    let suggestion = '/healthz';
    try {
      suggestion = new URL(value).pathname;
    } catch {
      // keep the generic suggestion
    }
    issues.error(path, 'value', 'ready.http is a path on the service, not a URL (locald knows the port)', `http = ${tomlString(suggestion)}`);
    return undefined;
  }
  if (!value.startsWith('/') || /[\s#]/.test(value)) {
    const cleaned = `/${value.replace(/[\s#].*$/s, '').replace(/^\/+/, '')}`;
    issues.error(path, 'value', `ready.http must be a path starting with "/" and without spaces or "#": ${tomlString(value)}`, `http = ${tomlString(cleaned)}`);
    return undefined;
  }
  return value;
}

function checkLogPattern(value: unknown, path: KeyPath, issues: IssueCollector): string | undefined {
  if (typeof value !== 'string') {
    issues.error(path, 'value', `ready.log must be a regular expression string, not ${tomlTypeName(value)}`, 'log = "listening on"');
    return undefined;
  }
  try {
    new RegExp(value);
  } catch (error) {
    const reason = error instanceof Error ? error.message.replace(/^Invalid regular expression: /, '') : String(error);
    issues.error(path, 'value', `ready.log is not a valid regular expression: ${reason}`, "escape special characters with a backslash, and write the pattern as a 'literal string' so TOML keeps the backslashes: log = 'listening on port \\d+'");
    return undefined;
  }
  return value;
}

/** The ready check, or undefined when it is invalid (the problems are in `issues`). */
export function validateReady(value: unknown, path: KeyPath, issues: IssueCollector): ReadyCheck | undefined {
  if (value === undefined) return { kind: 'tcp', timeoutMs: DEFAULT_READY_TIMEOUT_MS };
  if (!isTable(value)) {
    issues.error(path, 'value', `ready must be a table, not ${tomlTypeName(value)}`, guessReady(value));
    return undefined;
  }
  let ok = true;
  for (const key of Object.keys(value)) {
    if (!(READY_KEYS as readonly string[]).includes(key)) {
      issues.error([...path, key], 'key', `unknown key "${key}" in ready`, describeChoices(key, READY_KEYS));
      ok = false;
    }
  }
  let timeoutMs = DEFAULT_READY_TIMEOUT_MS;
  if (value.timeout !== undefined) {
    const checked = checkTimeout(value.timeout, [...path, 'timeout'], issues);
    if (checked === undefined) ok = false;
    else timeoutMs = checked;
  }
  const kinds = (['tcp', 'http', 'log'] as const).filter((kind) => value[kind] !== undefined);
  if (kinds.length > 1) {
    issues.error(path, 'value', `ready has ${kinds.join(' and ')}; choose one`, READY_FORMS);
    return undefined;
  }
  const kind = kinds[0] ?? 'tcp';
  let check: ReadyCheck | undefined;
  if (kind === 'tcp') {
    if (value.tcp !== undefined && value.tcp !== true) {
      issues.error([...path, 'tcp'], 'value', `ready.tcp can only be true, not ${describeValue(value.tcp)}`, `tcp = true waits for the port to accept connections; otherwise use ${READY_FORMS}`);
      return undefined;
    }
    check = { kind: 'tcp', timeoutMs };
  } else if (kind === 'http') {
    const httpPath = checkHttpPath(value.http, [...path, 'http'], issues);
    if (httpPath !== undefined) check = { kind: 'http', path: httpPath, timeoutMs };
  } else {
    const pattern = checkLogPattern(value.log, [...path, 'log'], issues);
    if (pattern !== undefined) check = { kind: 'log', pattern, timeoutMs };
  }
  return ok ? check : undefined;
}
