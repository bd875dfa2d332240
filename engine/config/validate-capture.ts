// The `[capture]` table → CaptureSettings: whether the project's captured traffic is kept on
// disk across restarts (`persist`) and how large that file may grow (`max_mib`).
import { DEFAULT_CAPTURE_SETTINGS, type CaptureSettings } from '../../shared/config.js';
import type { IssueCollector } from './issues.js';
import { CAPTURE_KEYS } from './schema.js';
import { describeChoices } from './suggest.js';
import { describeValue, isTable, tomlString } from './toml-text.js';

const MAX_MIB = 4096;
const MiB = 1024 * 1024;

function checkPersist(value: unknown, issues: IssueCollector): boolean {
  if (value === undefined) return DEFAULT_CAPTURE_SETTINGS.persist;
  if (typeof value === 'boolean') return value;
  const meant = value === 'true' || value === 'yes' || value === 'on' ? 'true' : value === 'false' || value === 'no' || value === 'off' ? 'false' : 'true or false';
  issues.error(['capture', 'persist'], 'value', `persist must be a boolean, not ${describeValue(value)}`, `persist = ${meant}`);
  return DEFAULT_CAPTURE_SETTINGS.persist;
}

function checkMaxMib(value: unknown, issues: IssueCollector): number {
  const fallback = DEFAULT_CAPTURE_SETTINGS.maxBytes;
  if (value === undefined) return fallback;
  const hint = `max_mib = 64 (an integer from 1 to ${MAX_MIB}: the traffic file's size cap in MiB)`;
  if (typeof value !== 'bigint') {
    issues.error(['capture', 'max_mib'], 'value', `max_mib must be an integer, not ${describeValue(value)}`, hint);
    return fallback;
  }
  if (value < 1n || value > BigInt(MAX_MIB)) {
    issues.error(['capture', 'max_mib'], 'value', `max_mib ${value} is out of range`, hint);
    return fallback;
  }
  return Number(value) * MiB;
}

/** Undefined without a `[capture]` table: the config then leaves it out (DEFAULT_CAPTURE_SETTINGS apply). */
export function validateCapture(value: unknown, issues: IssueCollector): CaptureSettings | undefined {
  if (value === undefined) return undefined;
  if (!isTable(value)) {
    issues.error(['capture'], 'value', `capture must be a table, not ${describeValue(value)}`, 'write [capture] followed by persist = true');
    return { ...DEFAULT_CAPTURE_SETTINGS };
  }
  for (const key of Object.keys(value)) {
    if ((CAPTURE_KEYS as readonly string[]).includes(key)) continue;
    issues.error(['capture', key], 'key', `unknown key ${tomlString(key)} in [capture]`, describeChoices(key, CAPTURE_KEYS));
  }
  return { persist: checkPersist(value.persist, issues), maxBytes: checkMaxMib(value.max_mib, issues) };
}
