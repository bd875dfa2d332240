// Collects every problem found in one file, each with its key path and (when it can be found) its position.
import type { ConfigIssue } from '../../shared/config.js';
import type { KeyLocator, KeyPath, SourcePosition } from './locate.js';
import { keyPathString } from './toml-text.js';

/** Point at the key itself (unknown keys) or at its value (wrong types and values). */
export type IssueTarget = 'key' | 'value';

export class IssueCollector {
  readonly errors: ConfigIssue[] = [];
  readonly warnings: ConfigIssue[] = [];

  constructor(
    readonly file: string,
    private readonly locator?: KeyLocator,
  ) {}

  error(path: KeyPath, target: IssueTarget, message: string, hint?: string): void {
    this.errors.push(this.make(path, target, message, hint));
  }

  warn(path: KeyPath, target: IssueTarget, message: string, hint?: string): void {
    this.warnings.push(this.make(path, target, message, hint));
  }

  /** An issue at a known position, for problems that have no key (syntax errors, Procfile lines). */
  errorAt(position: SourcePosition | undefined, message: string, hint?: string): void {
    const issue: ConfigIssue = { file: this.file, message };
    if (position !== undefined) {
      issue.line = position.line;
      issue.column = position.column;
    }
    if (hint !== undefined) issue.hint = hint;
    this.errors.push(issue);
  }

  private make(path: KeyPath, target: IssueTarget, message: string, hint?: string): ConfigIssue {
    const issue: ConfigIssue = { file: this.file, message };
    const position = path.length === 0 ? undefined : target === 'key' ? this.locator?.key(path) : this.locator?.value(path);
    if (position !== undefined) {
      issue.line = position.line;
      issue.column = position.column;
    }
    if (path.length > 0) issue.keyPath = keyPathString(path);
    if (hint !== undefined) issue.hint = hint;
    return issue;
  }
}

/** File order, so a user can fix problems top to bottom; issues without a line keep their order at the end. */
export function sortIssues(issues: readonly ConfigIssue[]): ConfigIssue[] {
  return issues
    .map((issue, index) => ({ issue, index }))
    .sort((a, b) => (a.issue.line ?? Infinity) - (b.issue.line ?? Infinity) || (a.issue.column ?? 0) - (b.issue.column ?? 0) || a.index - b.index)
    .map(({ issue }) => issue);
}
