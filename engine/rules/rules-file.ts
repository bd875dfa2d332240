// locald.rules.toml text ⇄ rules. Pure: the caller reads and writes files. Errors are located
// (file, line, column, key path) with the same machinery as locald.toml.
import { stringify } from 'smol-toml';
import type { ConfigIssue } from '../../shared/config.js';
import type { DelaySpec, FailAction, RuleInput } from '../../shared/rules.js';
import { IssueCollector, sortIssues } from '../config/issues.js';
import { KeyLocator, type KeyPath } from '../config/locate.js';
import { describeChoices } from '../config/suggest.js';
import { describeValue, keyPathString } from '../config/toml-text.js';
import { parseToml } from '../config/toml.js';
import { RuleReader, snakeKey } from './read-rule.js';

export const RULES_FILE_NAME = 'locald.rules.toml';

/** `warnings`: rules that load but name what the project lacks (a map's service), located. */
export type RulesFileResult = { ok: true; rules: RuleInput[]; warnings: ConfigIssue[] } | { ok: false; issues: ConfigIssue[] };

/** Parses and checks a rules file. `file` names it in every issue; `services`, when given, are checked against maps. Never throws. */
export function parseRulesFile(text: string, file: string, services?: readonly string[]): RulesFileResult {
  const parsed = parseToml(text, file);
  if (parsed.data === undefined) return { ok: false, issues: sortIssues(parsed.issues) };
  const locator = new KeyLocator(parsed.text);
  const issues = new IssueCollector(file, locator);
  issues.errors.push(...parsed.issues);
  // A matcher problem points at the term inside the match string: the string's opening quote, plus one, plus the term's offset.
  const reader = new RuleReader(issues, (path: KeyPath, offset: number, message: string) => {
    const at = locator.value(path);
    issues.errorAt(at === undefined ? undefined : { line: at.line, column: at.column + 1 + offset }, message, 'see the filter keys: method: path: host: service: status: …');
    const last = issues.errors[issues.errors.length - 1];
    if (last !== undefined) last.keyPath = keyPathString(path);
  }, services);
  const rules: RuleInput[] = [];
  for (const [key, value] of Object.entries(parsed.data)) {
    if (key !== 'rule') {
      issues.error([key], 'key', `unknown key \`${key}\` at the top of a rules file`, describeChoices(key, ['rule']) + '; each rule starts with [[rule]]');
      continue;
    }
    if (!Array.isArray(value)) {
      issues.error([key], 'value', `rule must be an array of tables ([[rule]]), not ${describeValue(value)}`, 'write [[rule]] (two brackets) before each rule');
      continue;
    }
    for (const [i, raw] of value.entries()) {
      const rule = reader.read(raw, ['rule', i]);
      if (rule !== undefined) rules.push(rule);
    }
  }
  if (issues.errors.length > 0) return { ok: false, issues: sortIssues(issues.errors) };
  return { ok: true, rules, warnings: sortIssues(issues.warnings) };
}

/** One issue on one line, for messages and the log: `3:8 rule[0].fail: is not a failure …`. */
export function issueLine(issue: ConfigIssue): string {
  const at = issue.line !== undefined ? `${issue.line}:${issue.column ?? 1} ` : '';
  return `${at}${issue.keyPath !== undefined ? `${issue.keyPath}: ` : ''}${issue.message}`;
}

function durationText(ms: number): string {
  return ms % 1000 === 0 && ms !== 0 ? `${ms / 1000}s` : `${ms}ms`;
}

function delayValue(delay: DelaySpec): unknown {
  return 'ms' in delay ? durationText(delay.ms) : { min: durationText(delay.minMs), max: durationText(delay.maxMs) };
}

function failValue(fail: FailAction): unknown {
  if (fail.kind === 'reset') return 'reset';
  if (fail.kind === 'close-after') return `close-after:${fail.bytes}`;
  return fail.status;
}

/** Rules as locald.rules.toml text in the file's own spellings; parseRulesFile reads it back to the same rules. */
export function formatRulesFile(rules: readonly RuleInput[]): string {
  const tables = rules.map((rule) => {
    const out: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(rule)) {
      // id and source belong to the engine; enabled = true is the default and only noise in a shared file.
      if (value === undefined || key === 'id' || key === 'source' || (key === 'enabled' && value === true)) continue;
      if (key === 'delay' || key === 'responseDelay') out[snakeKey(key)] = delayValue(value as DelaySpec);
      else if (key === 'fail') out.fail = failValue(value as FailAction);
      else if (key === 'mock') {
        const { bodyFile, ...mock } = value as NonNullable<RuleInput['mock']>;
        out.mock = bodyFile === undefined ? mock : { ...mock, body_file: bodyFile };
      } else out[snakeKey(key)] = value;
    }
    return out;
  });
  return tables.length === 0 ? '# no rules\n' : stringify({ rule: tables });
}
