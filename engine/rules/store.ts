// Each project's rules: the user's (edited through the API, kept in the state directory,
// written atomically) and the project folder's locald.rules.toml (read-only, reloaded when
// it changes; an invalid file is reported and its previous rules keep working).
import { randomUUID } from 'node:crypto';
import { watch, type FSWatcher } from 'node:fs';
import { join } from 'node:path';
import type { ConfigIssue } from '../../shared/config.js';
import type { Rule, RuleInput, RuleSet } from '../../shared/rules.js';
import { IssueCollector } from '../config/issues.js';
import { keyPathString } from '../config/toml-text.js';
import { EngineError } from '../engine-error.js';
import { writeFileAtomic } from '../atomic-file.js';
import { readTextIfExists } from '../tls/files.js';
import { BreakpointRegistry } from './breakpoints.js';
import { compileRules, evaluateRequest, evaluateResponse, NO_REQUEST_DECISION, NO_RESPONSE_DECISION, NO_RULES, type CompiledRules, type RequestDecision, type ResponseDecision } from './evaluate.js';
import { MockBodyError, resolveMockFile } from './mock-body.js';
import { RuleReader } from './read-rule.js';
import { userRuleWarnings } from './rule-references.js';
import type { RequestView, ResponseView } from './rule-filter.js';
import { formatRulesFile, issueLine, parseRulesFile, RULES_FILE_NAME } from './rules-file.js';
import type { EngineEvents } from '../../shared/api.js';

const RELOAD_DEBOUNCE_MS = 150;
const STORE_VERSION = 1;

export interface RulesServiceOptions {
  /** The state directory; user rules live in <home>/rules/<project>.json. */
  home: string;
  emit: <E extends 'rules.changed' | 'breakpoint.paused' | 'breakpoint.resumed'>(event: E, data: EngineEvents[E]) => void;
  /** A line for the project's system log (why a file was not reloaded, a store that could not be read). */
  log?: (project: string, text: string) => void;
  breakpointTimeoutMs?: number;
  /** Watch locald.rules.toml; default true. */
  watch?: boolean;
}

interface ProjectRules {
  name: string;
  dir: string;
  /** The project's service names; undefined until the engine says (then maps are not checked). */
  services: readonly string[] | undefined;
  user: Rule[];
  fromFile: Rule[];
  fileIssues: ConfigIssue[];
  /** The file's rules that load but name a service the project lacks. */
  fileWarnings: ConfigIssue[];
  fileExists: boolean;
  compiled: CompiledRules;
  /** How often each mock with `times` has answered, this engine run. */
  mockUses: Map<string, number>;
  watcher: FSWatcher | null;
  reloadTimer: NodeJS.Timeout | null;
  /** Serialises writes of the store file so the last change is the one on disk. */
  writing: Promise<void>;
}

export function rulesStoreFile(home: string, project: string): string {
  return join(home, 'rules', `${encodeURIComponent(project.toLowerCase())}.json`);
}

function toRule(input: RuleInput, id: string, source: Rule['source']): Rule {
  const { match, enabled, name, ...actions } = input;
  return { id, match, enabled: enabled ?? true, source, ...(name !== undefined ? { name } : {}), ...actions };
}

function toInput(rule: Rule): RuleInput {
  const { id: _id, source: _source, ...input } = rule;
  return input;
}

/**
 * A rule from an API client, checked like a file's; problems become one `invalid_params` error
 * listing them all. With `services`, a map to any other service is refused too: unlike a shared
 * file, the person adding it is there to fix the name.
 */
export function readApiRule(raw: unknown, field = 'rule', services?: readonly string[]): RuleInput {
  const issues = new IssueCollector('engine API');
  const reader = new RuleReader(
    issues,
    (path, offset, message) => {
      issues.errors.push({ file: 'engine API', keyPath: keyPathString(path), column: offset + 1, message });
    },
    services,
  );
  const read = reader.read(raw, [field]);
  issues.errors.push(...issues.warnings);
  const rule = issues.errors.length === 0 ? read : undefined;
  if (rule === undefined) {
    const first = issues.errors[0];
    const message = issues.errors.map((i) => (i.keyPath !== undefined ? `${i.keyPath}: ${i.message}` : i.message)).join('; ');
    throw new EngineError('invalid_params', message, { field: first?.keyPath ?? field, issues: issues.errors });
  }
  return rule;
}

export class RulesService {
  readonly breakpoints: BreakpointRegistry;
  private readonly projects = new Map<string, ProjectRules>();

  constructor(private readonly options: RulesServiceOptions) {
    this.breakpoints = new BreakpointRegistry(
      { paused: (e) => options.emit('breakpoint.paused', e), resumed: (e) => options.emit('breakpoint.resumed', e) },
      options.breakpointTimeoutMs,
    );
  }

  /**
   * Loads a project's stored rules and its locald.rules.toml, and watches the file. `services`
   * (the project's service names) lets maps be checked; setServices keeps it current.
   */
  async openProject(name: string, dir: string, services?: readonly string[]): Promise<void> {
    const key = name.toLowerCase();
    if (this.projects.has(key)) return;
    const p: ProjectRules = { name, dir, services, user: [], fromFile: [], fileIssues: [], fileWarnings: [], fileExists: false, compiled: compileRules([]), mockUses: new Map(), watcher: null, reloadTimer: null, writing: Promise.resolve() };
    this.projects.set(key, p);
    p.user = await this.readStore(p);
    await this.loadProjectFile(p, false);
    if (this.options.watch !== false) this.watchFile(p);
    this.changed(p);
  }

  /** The project's services changed (its config was reloaded): maps are checked again. */
  async setServices(project: string, services: readonly string[]): Promise<void> {
    const p = this.projects.get(project.toLowerCase());
    if (p === undefined || (p.services !== undefined && sameNames(p.services, services))) return;
    p.services = services;
    await this.loadProjectFile(p, true);
    this.changed(p);
  }

  closeProject(name: string): void {
    const p = this.projects.get(name.toLowerCase());
    if (p === undefined) return;
    this.unwatch(p);
    this.breakpoints.releaseAll(p.name);
    this.projects.delete(name.toLowerCase());
  }

  close(): void {
    for (const p of [...this.projects.values()]) this.closeProject(p.name);
  }

  list(project: string): RuleSet {
    const p = this.require(project);
    return {
      project: p.name,
      rules: [...p.user, ...p.fromFile],
      projectFile: p.fileExists || p.fileIssues.length > 0 ? join(p.dir, RULES_FILE_NAME) : null,
      projectFileIssues: p.fileIssues,
      warnings: [...p.fileWarnings, ...(p.services === undefined ? [] : userRuleWarnings(p.user, p.services, rulesStoreFile(this.options.home, p.name)))],
    };
  }

  async add(project: string, raw: unknown, index?: number): Promise<Rule> {
    const p = this.require(project);
    const rule = toRule(readApiRule(raw, 'rule', p.services), `r-${randomUUID().slice(0, 8)}`, 'user');
    await requireBodyFiles(p.dir, [rule]);
    const at = index === undefined ? p.user.length : Math.max(0, Math.min(p.user.length, Math.floor(index)));
    p.user.splice(at, 0, rule);
    await this.save(p);
    return rule;
  }

  async update(project: string, id: string, raw: unknown): Promise<Rule> {
    const p = this.require(project);
    const at = this.userIndex(p, id);
    const rule = toRule(readApiRule(raw, 'rule', p.services), id, 'user');
    await requireBodyFiles(p.dir, [rule]);
    p.user[at] = rule;
    p.mockUses.delete(id);
    await this.save(p);
    return rule;
  }

  async remove(project: string, id: string): Promise<{ removed: boolean }> {
    const p = this.require(project);
    if (p.fromFile.some((r) => r.id === id)) throw readOnly(p, id);
    const before = p.user.length;
    p.user = p.user.filter((r) => r.id !== id);
    if (p.user.length === before) return { removed: false };
    p.mockUses.delete(id);
    await this.save(p);
    return { removed: true };
  }

  async reorder(project: string, ids: unknown): Promise<RuleSet> {
    const p = this.require(project);
    if (!Array.isArray(ids) || !ids.every((i): i is string => typeof i === 'string')) throw new EngineError('invalid_params', "'ids' must be an array of rule ids", { field: 'ids' });
    const byId = new Map(p.user.map((r) => [r.id, r]));
    if (ids.length !== p.user.length || new Set(ids).size !== ids.length || !ids.every((i) => byId.has(i))) {
      throw new EngineError('invalid_params', `'ids' must name each of the ${p.user.length} user rules once (project-file rules keep their order): ${p.user.map((r) => r.id).join(', ')}`, { field: 'ids' });
    }
    p.user = ids.map((i) => byId.get(i) as Rule);
    await this.save(p);
    return this.list(project);
  }

  async importToml(project: string, toml: string, replace: boolean): Promise<RuleSet> {
    const p = this.require(project);
    const parsed = parseRulesFile(toml, 'imported rules', p.services);
    if (!parsed.ok) throw invalidImport(parsed.issues);
    // As with rules.add, a map to a service this project lacks is refused, not imported with a warning.
    if (parsed.warnings.length > 0) throw invalidImport(parsed.warnings);
    await requireBodyFiles(p.dir, parsed.rules);
    const added = parsed.rules.map((input) => toRule(input, `r-${randomUUID().slice(0, 8)}`, 'user'));
    p.user = replace ? added : [...p.user, ...added];
    if (replace) p.mockUses.clear();
    await this.save(p);
    return this.list(project);
  }

  exportToml(project: string, ids?: unknown): { toml: string } {
    const all = this.list(project).rules;
    if (ids !== undefined && (!Array.isArray(ids) || !ids.every((i) => typeof i === 'string'))) throw new EngineError('invalid_params', "'ids' must be an array of rule ids", { field: 'ids' });
    const wanted = ids === undefined ? all.filter((r) => r.source === 'user') : (ids as string[]).map((id) => all.find((r) => r.id === id) ?? notFound(project, id));
    return { toml: formatRulesFile(wanted.map(toInput)) };
  }

  /** Whether the project has any enabled rule: the data path's one check before building a request view. */
  active(project: string): boolean {
    const p = this.projects.get(project.toLowerCase());
    return p !== undefined && p.compiled !== NO_RULES;
  }

  /** Whether any enabled rule of the project matches on the response (status:, …): only then is forResponse worth a view. */
  hasResponseRules(project: string): boolean {
    const p = this.projects.get(project.toLowerCase());
    return p !== undefined && p.compiled.response.length > 0;
  }

  /** The data path's question before forwarding. With no rules it costs one map look-up. */
  forRequest(project: string, view: RequestView): RequestDecision {
    const p = this.projects.get(project.toLowerCase());
    return p === undefined ? NO_REQUEST_DECISION : evaluateRequest(p.compiled, view, p.mockUses);
  }

  /** The data path's question when the response head arrives (rules matching on status:, larger:, …). */
  forResponse(project: string, view: ResponseView): ResponseDecision {
    const p = this.projects.get(project.toLowerCase());
    return p === undefined ? NO_RESPONSE_DECISION : evaluateResponse(p.compiled, view, p.mockUses);
  }

  /** The project folder, for mock body files. */
  projectDir(project: string): string {
    return this.require(project).dir;
  }

  /** Re-reads locald.rules.toml now (the watcher calls this after a change). */
  async reloadProjectFile(project: string): Promise<void> {
    const p = this.require(project);
    await this.loadProjectFile(p, true);
    this.changed(p);
  }

  // ---- internals ---------------------------------------------------------

  private require(project: string): ProjectRules {
    const p = this.projects.get(project.toLowerCase());
    if (p === undefined) throw new EngineError('not_found', `no project named '${project}' has rules loaded`);
    return p;
  }

  private userIndex(p: ProjectRules, id: string): number {
    const at = p.user.findIndex((r) => r.id === id);
    if (at !== -1) return at;
    if (p.fromFile.some((r) => r.id === id)) throw readOnly(p, id);
    return notFound(p.name, id);
  }

  private changed(p: ProjectRules): void {
    p.compiled = compileRules([...p.user, ...p.fromFile]);
    this.options.emit('rules.changed', this.list(p.name));
  }

  private async save(p: ProjectRules): Promise<void> {
    this.changed(p);
    const text = `${JSON.stringify({ version: STORE_VERSION, rules: p.user }, null, 2)}\n`;
    const write = p.writing.then(() => writeFileAtomic(rulesStoreFile(this.options.home, p.name), text, { mode: 0o600, createParent: true }));
    p.writing = write.catch(() => undefined);
    await write;
  }

  private async readStore(p: ProjectRules): Promise<Rule[]> {
    const file = rulesStoreFile(this.options.home, p.name);
    const text = await readTextIfExists(file);
    if (text === null) return [];
    try {
      const data = JSON.parse(text) as { rules?: unknown };
      if (!Array.isArray(data.rules)) throw new Error('no rules array');
      const rules: Rule[] = [];
      for (const raw of data.rules as Record<string, unknown>[]) {
        const { id, source: _source, ...input } = raw;
        try {
          rules.push(toRule(readApiRule(input), typeof id === 'string' ? id : `r-${randomUUID().slice(0, 8)}`, 'user'));
        } catch (e) {
          this.options.log?.(p.name, `a stored rule was dropped: ${e instanceof Error ? e.message : String(e)}`);
        }
      }
      return rules;
    } catch (e) {
      this.options.log?.(p.name, `stored rules in ${file} could not be read (${e instanceof Error ? e.message : String(e)}); starting without them`);
      return [];
    }
  }

  /** On an invalid file the previous rules stay; the issues say why the new ones were refused. */
  private async loadProjectFile(p: ProjectRules, isReload: boolean): Promise<void> {
    const file = join(p.dir, RULES_FILE_NAME);
    let text: string | null;
    try {
      text = await readTextIfExists(file);
    } catch (e) {
      p.fileIssues = [{ file, message: `cannot read: ${e instanceof Error ? e.message : String(e)}` }];
      return;
    }
    if (text === null) {
      p.fileExists = false;
      p.fromFile = [];
      p.fileIssues = [];
      p.fileWarnings = [];
      return;
    }
    p.fileExists = true;
    const parsed = parseRulesFile(text, file, p.services);
    if (!parsed.ok) {
      p.fileIssues = parsed.issues;
      this.options.log?.(p.name, `${RULES_FILE_NAME} ${isReload ? 'not reloaded; the previous rules stay' : 'not loaded'}: ${parsed.issues.map(issueLine).join('; ')}`);
      return;
    }
    p.fileIssues = [];
    p.fileWarnings = parsed.warnings;
    // The terminal of `locald up` shows the project's system log; the inspector shows the warnings.
    if (parsed.warnings.length > 0) this.options.log?.(p.name, `${RULES_FILE_NAME}: ${parsed.warnings.map((w) => `${issueLine(w)}${w.hint === undefined ? '' : ` (${w.hint})`}`).join('; ')}`);
    p.fromFile = parsed.rules.map((input, i) => toRule(input, `project:${i}`, 'project'));
    p.mockUses.forEach((_n, id) => {
      if (id.startsWith('project:')) p.mockUses.delete(id);
    });
  }

  private watchFile(p: ProjectRules): void {
    try {
      // The folder, not the file: editors save by renaming a new file over the old one, and the file may not exist yet.
      p.watcher = watch(p.dir, { persistent: false }, (_event, changed) => {
        if (changed !== null && changed.toString() !== RULES_FILE_NAME) return;
        if (p.reloadTimer !== null) clearTimeout(p.reloadTimer);
        p.reloadTimer = setTimeout(() => {
          p.reloadTimer = null;
          if (this.projects.get(p.name.toLowerCase()) === p) void this.reloadProjectFile(p.name).catch(() => undefined);
        }, RELOAD_DEBOUNCE_MS);
        p.reloadTimer.unref();
      });
      p.watcher.on('error', () => this.unwatch(p));
    } catch {
      p.watcher = null; // watching is a convenience; the rules still apply
    }
  }

  private unwatch(p: ProjectRules): void {
    p.watcher?.close();
    p.watcher = null;
    if (p.reloadTimer !== null) clearTimeout(p.reloadTimer);
    p.reloadTimer = null;
  }
}

/**
 * Refuses a mock whose body_file is missing or leaves the project folder, checked as the data
 * path will serve it. Only for API writes: a rule file may be committed before its body file,
 * and the data path then answers with an explained 500.
 */
async function requireBodyFiles(dir: string, rules: readonly RuleInput[]): Promise<void> {
  for (const rule of rules) {
    if (rule.mock?.bodyFile === undefined) continue;
    try {
      await resolveMockFile(dir, rule.mock.bodyFile);
    } catch (e) {
      if (!(e instanceof MockBodyError)) throw e;
      throw new EngineError('invalid_params', `rule.mock.bodyFile: ${e.message}`, { field: 'rule.mock.bodyFile' });
    }
  }
}

function invalidImport(issues: ConfigIssue[]): EngineError {
  return new EngineError('config_invalid', `the imported rules are invalid: ${issues.map(issueLine).join('; ')}`, { issues });
}

function sameNames(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((name, i) => name === b[i]);
}

function readOnly(p: ProjectRules, id: string): EngineError {
  return new EngineError('invalid_params', `rule '${id}' comes from ${join(p.dir, RULES_FILE_NAME)} and is read-only here; edit the file, or export it and import it as your own`, { field: 'id' });
}

function notFound(project: string, id: string): never {
  throw new EngineError('not_found', `project '${project}' has no rule '${id}'`);
}
