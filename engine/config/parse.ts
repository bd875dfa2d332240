// locald.toml text → ConfigResult. Pure: no file system access.
import path from 'node:path';
import type { ConfigResult } from '../../shared/config.js';
import { IssueCollector, sortIssues } from './issues.js';
import { KeyLocator } from './locate.js';
import { parseToml } from './toml.js';
import { validateProjectData } from './validate.js';

/**
 * Parses and validates a locald.toml. `file` is its path (used in every issue), `dir` the project folder
 * (the file's folder), against which `cwd` is resolved. Never throws.
 */
export function parseProjectConfig(text: string, file: string, dir: string): ConfigResult {
  const parsed = parseToml(text, file);
  if (parsed.data === undefined) return { ok: false, issues: sortIssues(parsed.issues) };
  const issues = new IssueCollector(file, new KeyLocator(parsed.text));
  issues.errors.push(...parsed.issues);
  const config = validateProjectData({ data: parsed.data, file, dir: path.resolve(dir) }, issues);
  if (config === undefined || issues.errors.length > 0) return { ok: false, issues: sortIssues(issues.errors) };
  return { ok: true, config, warnings: sortIssues(issues.warnings) };
}
