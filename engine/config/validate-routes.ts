// `[routes]`: path prefix → service, and the default routes when the table is absent.
import type { RouteConfig, ServiceConfig } from '../../shared/config.js';
import type { IssueCollector } from './issues.js';
import { ROUTE_KEYS } from './schema.js';
import { describeChoices, suggestNearest } from './suggest.js';
import { describeValue, isTable, tomlString } from './toml-text.js';

export type PrefixResult = { ok: true; prefix: string } | { ok: false; message: string; hint: string };

/** `/api/` → `/api`, `//v2//api` → `/v2/api`; rejects what can never match a request path. */
export function normalizePrefix(raw: string): PrefixResult {
  if (/[\s?#]/.test(raw)) {
    const cleaned = normalizeSlashes(`/${raw.replace(/[?#].*$/s, '').replace(/\s+/g, '')}`);
    return { ok: false, message: `route prefix ${tomlString(raw)} contains whitespace, "?" or "#"; prefixes match the path only`, hint: `use ${tomlString(cleaned)}` };
  }
  if (!raw.startsWith('/')) {
    return { ok: false, message: `route prefix ${tomlString(raw)} must start with "/"`, hint: `use ${tomlString(normalizeSlashes(`/${raw}`))}` };
  }
  const prefix = normalizeSlashes(raw);
  if (prefix.split('/').some((segment) => segment === '.' || segment === '..')) {
    return { ok: false, message: `route prefix ${tomlString(raw)} contains a "." or ".." segment, which browsers remove before sending`, hint: 'write the path without dot segments' };
  }
  return { ok: true, prefix };
}

function normalizeSlashes(path: string): string {
  const collapsed = path.replace(/\/{2,}/g, '/');
  return collapsed.length > 1 ? collapsed.replace(/\/$/, '') : collapsed;
}

/** "did you mean 'api'? (known services: web, api)", or just the list. */
export function knownServicesHint(name: string, services: readonly string[]): string {
  const nearest = suggestNearest(name, services);
  const list = services.length > 0 ? `known services: ${services.join(', ')}` : 'no services are defined';
  return nearest !== undefined ? `did you mean ${tomlString(nearest)}? (${list})` : list;
}

/** Checks `name` is one of `services`, reporting at `path`. */
export function checkServiceReference(name: string, path: readonly (string | number)[], what: string, services: readonly string[], issues: IssueCollector): boolean {
  if (services.includes(name)) return true;
  issues.error(path, 'value', `${what} unknown service ${tomlString(name)}`, knownServicesHint(name, services));
  return false;
}

const ROUTE_FORMS = '"/api" = "api" or "/api" = { service = "api", strip_prefix = false }';

/** Routes sorted longest prefix first. `services` are the names defined in the file, in order. */
export function validateRoutes(value: unknown, services: readonly string[], issues: IssueCollector): RouteConfig[] {
  if (!isTable(value)) {
    issues.error(['routes'], 'value', `routes must be a table of path prefixes, not ${describeValue(value)}`, `[routes] followed by lines like ${ROUTE_FORMS}`);
    return [];
  }
  const routes: RouteConfig[] = [];
  const firstKeyOf = new Map<string, string>();
  for (const [key, target] of Object.entries(value)) {
    const at = ['routes', key];
    const normalized = normalizePrefix(key);
    if (!normalized.ok) {
      issues.error(at, 'key', normalized.message, normalized.hint);
      continue;
    }
    const { prefix } = normalized;
    const earlier = firstKeyOf.get(prefix);
    if (earlier !== undefined) {
      issues.error(at, 'key', `route ${tomlString(key)} is the same prefix as ${tomlString(earlier)}`, 'keep only one of them');
      continue;
    }
    firstKeyOf.set(prefix, key);
    const defaultStrip = prefix !== '/';
    if (typeof target === 'string') {
      if (checkServiceReference(target, at, `route ${tomlString(key)} points to`, services, issues)) routes.push({ prefix, service: target, stripPrefix: defaultStrip });
      continue;
    }
    if (!isTable(target)) {
      issues.error(at, 'value', `route ${tomlString(key)} must be a service name or a table, not ${describeValue(target)}`, ROUTE_FORMS);
      continue;
    }
    let ok = true;
    for (const routeKey of Object.keys(target)) {
      if (!(ROUTE_KEYS as readonly string[]).includes(routeKey)) {
        issues.error([...at, routeKey], 'key', `unknown key ${tomlString(routeKey)} in route ${tomlString(key)}`, describeChoices(routeKey, ROUTE_KEYS));
        ok = false;
      }
    }
    const stripPrefix = target.strip_prefix ?? defaultStrip;
    if (typeof stripPrefix !== 'boolean') {
      const hint = stripPrefix === 'true' || stripPrefix === 'false' ? `strip_prefix = ${stripPrefix}` : 'strip_prefix = true or strip_prefix = false';
      issues.error([...at, 'strip_prefix'], 'value', `strip_prefix must be a boolean, not ${describeValue(stripPrefix)}`, hint);
      ok = false;
    }
    const service = target.service;
    if (service === undefined) {
      issues.error(at, 'value', `route ${tomlString(key)} has no service`, `add service = ${tomlString(services[0] ?? 'web')}`);
      ok = false;
    } else if (typeof service !== 'string') {
      issues.error([...at, 'service'], 'value', `service must be a service name (a string), not ${describeValue(service)}`, `service = ${tomlString(services[0] ?? 'web')}`);
      ok = false;
    } else if (!checkServiceReference(service, [...at, 'service'], `route ${tomlString(key)} points to`, services, issues)) {
      ok = false;
    }
    if (ok && typeof service === 'string' && typeof stripPrefix === 'boolean') routes.push({ prefix, service, stripPrefix });
  }
  return sortRoutes(routes);
}

/** Longest prefix first, so the first match on a segment boundary is the right one. */
export function sortRoutes(routes: readonly RouteConfig[]): RouteConfig[] {
  return [...routes].sort((a, b) => b.prefix.length - a.prefix.length);
}

/** Routes for a project without `[routes]`: one service gets "/", several get none (and a warning). */
export function defaultRoutes(services: readonly ServiceConfig[], issues: IssueCollector): RouteConfig[] {
  const only = services.length === 1 ? services[0] : undefined;
  if (only !== undefined) return [{ prefix: '/', service: only.name, stripPrefix: false }];
  if (services.length > 1) {
    const [first, second] = services;
    issues.warn(['routes'], 'key', `no [routes]: with ${services.length} services, each is reachable only at <service>.<project>.localhost`, `add a [routes] table to serve them under one domain, e.g. "/" = ${tomlString(first?.name ?? 'web')} and "/api" = ${tomlString(second?.name ?? 'api')}`);
  }
  return [];
}
