// Parsed locald.toml data → ProjectConfig, collecting every problem rather than stopping at the first.
import type { ProjectConfig, RouteConfig, ServiceConfig } from '../../shared/config.js';
import { DEFAULT_HTTP_PORT } from '../../shared/defaults.js';
import { findDependencyCycles } from './dependencies.js';
import type { IssueCollector } from './issues.js';
import { checkExplicitName, nameFromFolder } from './project-name.js';
import { CONFIG_FILE_NAME, SERVICE_KEYS, TOP_LEVEL_KEYS } from './schema.js';
import { describeChoices } from './suggest.js';
import { describeValue, isTable, tomlKey, tomlString, type TomlTableValue } from './toml-text.js';
import { validateCapture } from './validate-capture.js';
import { checkServiceReference, defaultRoutes, validateRoutes } from './validate-routes.js';
import { validateService } from './validate-service.js';

function checkTopLevelKeys(data: TomlTableValue, issues: IssueCollector): void {
  for (const [key, value] of Object.entries(data)) {
    if ((TOP_LEVEL_KEYS as readonly string[]).includes(key)) continue;
    let hint = describeChoices(key, TOP_LEVEL_KEYS);
    if (key === 'service' && isTable(value)) {
      const first = Object.keys(value)[0] ?? 'web';
      hint = `the table is called "services": write [services.${tomlKey(first)}]`;
    } else if ((SERVICE_KEYS as readonly string[]).includes(key)) {
      hint = `${key} belongs to a service: put it under a [services.<name>] header`;
    }
    issues.error([key], 'key', `unknown top-level key ${tomlString(key)}`, hint);
  }
}

function projectName(data: TomlTableValue, dir: string, issues: IssueCollector): string {
  const written = data.name;
  if (written !== undefined && typeof written !== 'string') {
    issues.error(['name'], 'value', `name must be a string, not ${describeValue(written)}`, `name = ${tomlString(String(written))}`);
  }
  const result = typeof written === 'string' ? checkExplicitName(written) : nameFromFolder(dir);
  if (result.ok) return result.name;
  if (typeof written === 'string') issues.error(['name'], 'value', result.message, result.hint);
  else issues.error(['name'], 'key', result.message, `add ${result.hint} at the top of the file`);
  return '';
}

function checkDependencies(services: readonly ServiceConfig[], issues: IssueCollector): void {
  const names = services.map((service) => service.name);
  const graph = new Map<string, string[]>();
  for (const service of services) {
    const at = ['services', service.name, 'depends_on'];
    const edges: string[] = [];
    service.dependsOn.forEach((dep, index) => {
      if (dep === service.name) issues.error([...at, index], 'value', `service ${tomlString(service.name)} depends on itself`, `remove ${tomlString(dep)} from depends_on`);
      else if (checkServiceReference(dep, [...at, index], `service ${tomlString(service.name)} depends on`, names.filter((n) => n !== service.name), issues)) edges.push(dep);
    });
    graph.set(service.name, edges);
  }
  for (const cycle of findDependencyCycles(graph)) {
    const [first = ''] = cycle;
    issues.error(['services', first, 'depends_on'], 'value', `dependency cycle: ${cycle.join(' -> ')}`, `remove one of these depends_on entries so that some service can start first`);
  }
}

function checkPorts(services: readonly ServiceConfig[], issues: IssueCollector): void {
  const owner = new Map<number, string>();
  for (const service of services) {
    if (service.port === null) continue;
    const at = ['services', service.name, 'port'];
    const first = owner.get(service.port);
    if (first !== undefined) {
      issues.error(at, 'value', `port ${service.port} is already used by service ${tomlString(first)}`, 'give each service its own port, or leave port out and locald picks a free one');
      continue;
    }
    owner.set(service.port, service.name);
    if (service.port === DEFAULT_HTTP_PORT) issues.warn(at, 'value', `port ${service.port} is locald's default proxy port`, 'choose another port, or leave port out and locald picks a free one');
  }
}

export interface ValidateInput {
  data: TomlTableValue;
  /** Absolute path of the locald.toml. */
  file: string;
  /** Absolute project folder (the file's folder). */
  dir: string;
}

/** The config, or undefined when there were errors (they are in `issues`). */
export function validateProjectData({ data, file, dir }: ValidateInput, issues: IssueCollector): ProjectConfig | undefined {
  checkTopLevelKeys(data, issues);
  const name = projectName(data, dir, issues);
  const services: ServiceConfig[] = [];
  if (data.services === undefined || (isTable(data.services) && Object.keys(data.services).length === 0)) {
    issues.error(['services'], 'key', `${CONFIG_FILE_NAME} defines no services`, 'add one: [services.web] followed by command = "npm run dev"');
  } else if (!isTable(data.services)) {
    issues.error(['services'], 'value', `services must be a table, not ${describeValue(data.services)}`, 'write each service as [services.<name>] followed by command = "…"');
  } else {
    for (const [serviceName, value] of Object.entries(data.services)) services.push(validateService(serviceName, value, dir, issues));
  }
  checkDependencies(services, issues);
  checkPorts(services, issues);
  const names = services.map((service) => service.name);
  const hasRoutes = data.routes !== undefined && !(isTable(data.routes) && Object.keys(data.routes).length === 0);
  const routes: RouteConfig[] = hasRoutes ? validateRoutes(data.routes, names, issues) : defaultRoutes(services, issues);
  const capture = validateCapture(data.capture, issues);
  if (issues.errors.length > 0) return undefined;
  return { name, dir, file, source: 'locald.toml', services, routes, ...(capture !== undefined ? { capture } : {}) };
}
