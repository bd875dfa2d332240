// Pure builders for folders without a locald.toml: a package.json script or a Procfile becomes a project.
import type { ConfigIssue, ConfigResult, ConfigSource, ReadyCheck, RouteConfig, ServiceConfig } from '../../shared/config.js';
import { DEFAULT_READY_TIMEOUT_MS } from '../../shared/defaults.js';
import { isDnsLabel, sanitizeDnsLabel } from './dns.js';
import { IssueCollector } from './issues.js';
import { nameFromFolder } from './project-name.js';
import { CONFIG_FILE_NAME } from './schema.js';
import { tomlString } from './toml-text.js';

export type PackageScript = 'dev' | 'start';

/** Where JSON.parse failed, from its message (Node 20: "at position N"; Node 22+: "(line L column C)"). */
function jsonErrorPosition(message: string, text: string): { line: number; column: number } | undefined {
  const lineCol = /line (\d+) column (\d+)/.exec(message);
  if (lineCol !== null) return { line: Number(lineCol[1]), column: Number(lineCol[2]) };
  const position = /position (\d+)/.exec(message);
  if (position === null) return undefined;
  const before = text.slice(0, Number(position[1])).split('\n');
  return { line: before.length, column: (before[before.length - 1]?.length ?? 0) + 1 };
}

/** Which script a package.json offers for development (`dev`, else `start`), null for none, or the parse error. */
export function packageJsonScript(text: string, file: string): { script: PackageScript | null } | { issue: ConfigIssue } {
  let data: unknown;
  try {
    data = JSON.parse(text.replace(/^\uFEFF/, ''));
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    const issue: ConfigIssue = { file, message: `package.json is not valid JSON: ${reason}`, hint: 'fix the JSON, or add a locald.toml to say what to run' };
    const at = jsonErrorPosition(reason, text);
    if (at !== undefined) Object.assign(issue, at);
    return { issue };
  }
  const scripts = typeof data === 'object' && data !== null ? (data as { scripts?: unknown }).scripts : undefined;
  if (typeof scripts !== 'object' || scripts === null) return { script: null };
  const has = (name: string): boolean => Object.hasOwn(scripts, name) && typeof (scripts as Record<string, unknown>)[name] === 'string';
  return { script: has('dev') ? 'dev' : has('start') ? 'start' : null };
}

function service(name: string, command: string, dir: string, ready: ReadyCheck): ServiceConfig {
  return { name, command, port: null, cwd: dir, env: {}, dependsOn: [], ready, restart: 'on-failure', protocol: 'http1' };
}

const TCP: ReadyCheck = { kind: 'tcp', timeoutMs: DEFAULT_READY_TIMEOUT_MS };
/**
 * Procfile workers do not listen, so a TCP check would always time out. ReadyCheck has no "ready when
 * spawned" kind; an empty log pattern matches the first line the process prints, the closest available.
 */
const FIRST_OUTPUT: ReadyCheck = { kind: 'log', pattern: '', timeoutMs: DEFAULT_READY_TIMEOUT_MS };

function project(source: ConfigSource, file: string, dir: string, services: ServiceConfig[], routes: RouteConfig[], warnings: ConfigIssue[]): ConfigResult {
  const name = nameFromFolder(dir);
  if (!name.ok) return { ok: false, issues: [{ file, message: name.message, hint: `add a ${CONFIG_FILE_NAME} containing ${name.hint}` }] };
  return { ok: true, config: { name: name.name, dir, file, source, services, routes }, warnings };
}

/** One service `web` running the script through npm, routed at "/". */
export function projectFromPackageScript(script: PackageScript, file: string, dir: string, warnings: ConfigIssue[] = []): ConfigResult {
  const web = service('web', script === 'dev' ? 'npm run dev' : 'npm start', dir, TCP);
  return project('package.json', file, dir, [web], [{ prefix: '/', service: 'web', stripPrefix: false }], warnings);
}

export interface ProcfileEntry {
  name: string;
  command: string;
  line: number;
}

const PROCFILE_LINE = /^([A-Za-z0-9_-]+)[ \t]*:[ \t]*(.*?)\s*$/;

/** `name: command` lines; blank lines and `#` comments are skipped. Names become DNS labels (`_` → `-`). */
export function parseProcfile(text: string, file: string): { entries: ProcfileEntry[]; issues: ConfigIssue[] } {
  const issues = new IssueCollector(file);
  const entries: ProcfileEntry[] = [];
  text.replace(/^\uFEFF/, '').split(/\r?\n/).forEach((raw, index) => {
    const line = index + 1;
    const trimmed = raw.trim();
    if (trimmed === '' || trimmed.startsWith('#')) return;
    const column = raw.length - raw.trimStart().length + 1;
    const m = PROCFILE_LINE.exec(trimmed);
    if (m === null) {
      issues.errorAt({ line, column }, 'a Procfile line must be "name: command"', `for example: web: npm start`);
      return;
    }
    const [, written = '', command = ''] = m;
    const name = written.toLowerCase().replace(/_/g, '-');
    if (!isDnsLabel(name)) {
      issues.errorAt({ line, column }, `process type ${tomlString(written)} cannot be a service name (it becomes <name>.<project>.localhost)`, `rename it to ${sanitizeDnsLabel(written) || 'web'}`);
    } else if (command === '') {
      issues.errorAt({ line, column: column + m[0].indexOf(':') + 1 }, `process type ${tomlString(written)} has no command`, `for example: ${written}: npm start`);
    } else if (entries.some((entry) => entry.name === name)) {
      issues.errorAt({ line, column }, `process type ${tomlString(written)} is defined twice`, 'keep one line per process type');
    } else {
      entries.push({ name, command, line });
    }
  });
  if (entries.length === 0 && issues.errors.length === 0) issues.errorAt(undefined, 'the Procfile defines no processes', 'add a line such as: web: npm start');
  return { entries, issues: issues.errors };
}

/** Each process type becomes a service; `web` (or the only process) is routed at "/" and checked by TCP. */
export function projectFromProcfile(text: string, file: string, dir: string, warnings: ConfigIssue[] = []): ConfigResult {
  const { entries, issues } = parseProcfile(text, file);
  if (issues.length > 0) return { ok: false, issues };
  const routedName = entries.length === 1 ? entries[0]?.name : entries.some((entry) => entry.name === 'web') ? 'web' : undefined;
  const services = entries.map((entry) => service(entry.name, entry.command, dir, entry.name === routedName ? TCP : FIRST_OUTPUT));
  if (routedName === undefined) {
    warnings = [
      ...warnings,
      {
        file,
        message: `no process type is called "web": each of the ${services.length} processes is reachable only at <name>.<project>.localhost`,
        hint: `call the process that serves pages "web" to route "/" to it, or add a ${CONFIG_FILE_NAME} with a [routes] table`,
      },
    ];
  }
  const routes: RouteConfig[] = routedName !== undefined ? [{ prefix: '/', service: routedName, stripPrefix: false }] : [];
  return project('Procfile', file, dir, services, routes, warnings);
}
