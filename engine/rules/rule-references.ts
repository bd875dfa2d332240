// What a rule names outside itself and may not exist: a map's service. Pure; the rules
// service asks again whenever the project's services change.
import type { ConfigIssue } from '../../shared/config.js';
import type { Rule } from '../../shared/rules.js';
import { knownServicesHint } from '../config/validate-routes.js';

/** Why `service` is none of `services` (compared without case, as the data path does), or null. */
export function unknownService(service: string, services: readonly string[]): { message: string; hint: string } | null {
  const wanted = service.toLowerCase();
  if (services.some((s) => s.toLowerCase() === wanted)) return null;
  return { message: `maps to unknown service ${JSON.stringify(service)}; until the project has it, matching requests get the unknown-service problem`, hint: knownServicesHint(service, services) };
}

/** One warning per user rule whose map names a service the project does not define. */
export function userRuleWarnings(rules: readonly Rule[], services: readonly string[], store: string): ConfigIssue[] {
  const out: ConfigIssue[] = [];
  for (const rule of rules) {
    if (rule.source !== 'user' || rule.map?.service === undefined) continue;
    const unknown = unknownService(rule.map.service, services);
    if (unknown === null) continue;
    const name = rule.name !== undefined ? ` (${JSON.stringify(rule.name)})` : '';
    out.push({ file: store, keyPath: `rule ${rule.id}${name}.map.service`, message: unknown.message, hint: unknown.hint });
  }
  return out;
}
