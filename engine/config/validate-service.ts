// One `[services.<name>]` table → ServiceConfig. Problems go to `issues`; a best-effort config is still
// returned so that checks across services (dependencies, ports) can run and report in the same pass.
import path from 'node:path';
import type { RestartPolicy, ServiceConfig, UpstreamProtocol } from '../../shared/config.js';
import { DEFAULT_READY_TIMEOUT_MS } from '../../shared/defaults.js';
import { DNS_LABEL_RULE, isDnsLabel, sanitizeDnsLabel } from './dns.js';
import type { IssueCollector } from './issues.js';
import type { KeyPath } from './locate.js';
import { PROTOCOLS, RESTART_POLICIES, SERVICE_KEYS } from './schema.js';
import { describeChoices, suggestNearest } from './suggest.js';
import { describeValue, isTable, tomlKey, tomlString } from './toml-text.js';
import { validateReady } from './validate-ready.js';
import { validateEnvFiles, validateWatch } from './validate-watch.js';

/** The string the user probably meant: a scalar quoted, an argv-style array joined (`["npm", "start"]`). */
function asString(value: unknown): string | undefined {
  if (typeof value === 'bigint' || typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (Array.isArray(value) && value.every((part) => typeof part === 'string')) return value.join(' ');
  return undefined;
}

function checkText(value: unknown, keyPath: KeyPath, label: string, example: string, issues: IssueCollector): string | undefined {
  if (typeof value !== 'string') {
    const meant = asString(value);
    issues.error(keyPath, 'value', `${label} must be a string, not ${describeValue(value)}`, `${label} = ${meant !== undefined ? tomlString(meant) : example}`);
    return undefined;
  }
  if (value.trim() === '') {
    issues.error(keyPath, 'value', `${label} must not be empty`, `${label} = ${example}`);
    return undefined;
  }
  if (value.includes('\0')) {
    issues.error(keyPath, 'value', `${label} contains a NUL character, which no process can receive`, 'remove the \\u0000 escape');
    return undefined;
  }
  return value;
}

function checkPort(value: unknown, keyPath: KeyPath, issues: IssueCollector): number | null {
  if (value === undefined) return null;
  const asNumber = typeof value === 'bigint' ? Number(value) : typeof value === 'number' ? value : typeof value === 'string' && /^\s*\d+\s*$/.test(value) ? Number(value) : NaN;
  if (typeof value !== 'bigint') {
    const hint = Number.isInteger(asNumber) && asNumber >= 1 && asNumber <= 65535 ? `port = ${asNumber}` : 'port = 3000 (an integer from 1 to 65535), or leave port out and locald picks a free one';
    issues.error(keyPath, 'value', `port must be an integer, not ${describeValue(value)}`, hint);
    return null;
  }
  if (asNumber < 1 || asNumber > 65535) {
    issues.error(keyPath, 'value', `port ${value} is out of range`, 'a port is an integer from 1 to 65535; or leave port out and locald picks a free one');
    return null;
  }
  return asNumber;
}

const ENV_NAME = /^[^=\0]+$/;

function checkEnv(value: unknown, keyPath: KeyPath, issues: IssueCollector): Record<string, string> {
  const env: Record<string, string> = {};
  if (value === undefined) return env;
  if (!isTable(value)) {
    issues.error(keyPath, 'value', `env must be a table of strings, not ${describeValue(value)}`, 'env = { NODE_ENV = "development" }');
    return env;
  }
  for (const [name, raw] of Object.entries(value)) {
    const at = [...keyPath, name];
    if (!ENV_NAME.test(name)) {
      issues.error(at, 'key', `environment variable name ${tomlString(name)} is not valid`, 'names must not be empty or contain "="');
    } else if (typeof raw !== 'string') {
      const quoted = typeof raw === 'bigint' || typeof raw === 'number' || typeof raw === 'boolean' ? tomlString(String(raw)) : '"…"';
      issues.error(at, 'value', `env.${name} must be a string, not ${describeValue(raw)}`, `quote it: ${tomlKey(name)} = ${quoted}`);
    } else if (raw.includes('\0')) {
      issues.error(at, 'value', `env.${name} contains a NUL character, which no process can receive`, 'remove the \\u0000 escape');
    } else {
      env[name] = raw;
    }
  }
  return env;
}

function checkDependsOn(value: unknown, keyPath: KeyPath, issues: IssueCollector): string[] {
  if (value === undefined) return [];
  if (!Array.isArray(value)) {
    const hint = typeof value === 'string' ? `depends_on = [${tomlString(value)}]` : 'depends_on = ["api"] (an array of service names)';
    issues.error(keyPath, 'value', `depends_on must be an array of service names, not ${describeValue(value)}`, hint);
    return [];
  }
  const names: string[] = [];
  value.forEach((item: unknown, index) => {
    if (typeof item !== 'string') issues.error([...keyPath, index], 'value', `depends_on entries must be service names (strings), not ${describeValue(item)}`, `depends_on = ["api"]`);
    else if (!names.includes(item)) names.push(item);
  });
  return names;
}

const PROTOCOL_ALIASES: Record<string, UpstreamProtocol> = { http2: 'h2c', h2: 'h2c', 'http/2': 'h2c', grpc: 'h2c', http: 'http1', 'http/1.1': 'http1', 'http1.1': 'http1', h1: 'http1' };
const RESTART_ALIASES: Record<string, RestartPolicy> = { true: 'always', false: 'never', no: 'never', 'unless-stopped': 'always', 'on_failure': 'on-failure', onfailure: 'on-failure' };

function checkEnum<T extends string>(value: unknown, keyPath: KeyPath, label: string, choices: readonly T[], aliases: Record<string, T>, issues: IssueCollector): T | undefined {
  if (typeof value === 'string' && (choices as readonly string[]).includes(value)) return value as T;
  const written = String(value).toLowerCase();
  const nearest = (Object.hasOwn(aliases, written) ? aliases[written] : undefined) ?? (typeof value === 'string' ? suggestNearest(value, choices) : undefined);
  const list = choices.map((choice) => tomlString(choice)).join(', ');
  const hint = nearest !== undefined ? `${label} = ${tomlString(nearest)} (valid values: ${list})` : `valid values: ${list}`;
  issues.error(keyPath, 'value', `${label} cannot be ${typeof value === 'string' ? tomlString(value) : describeValue(value)}`, hint);
  return undefined;
}

export function validateService(name: string, value: unknown, dir: string, issues: IssueCollector): ServiceConfig {
  const at = ['services', name];
  const service: ServiceConfig = {
    name,
    command: '',
    port: null,
    cwd: dir,
    env: {},
    dependsOn: [],
    ready: { kind: 'tcp', timeoutMs: DEFAULT_READY_TIMEOUT_MS },
    restart: 'on-failure',
    protocol: 'http1',
  };
  if (!isDnsLabel(name)) {
    const fixed = sanitizeDnsLabel(name);
    issues.error(at, 'key', `service name ${tomlString(name)} is not ${DNS_LABEL_RULE} (it becomes ${name}.<project>.localhost)`, fixed !== '' ? `rename it: [services.${fixed}]` : 'rename it, for example [services.web]');
  }
  if (!isTable(value)) {
    const command = typeof value === 'string' ? tomlString(value) : '"npm run dev"';
    issues.error(at, 'value', `services.${tomlKey(name)} must be a table, not ${describeValue(value)}`, `write a [services.${tomlKey(name)}] table containing command = ${command}`);
    return service;
  }
  for (const key of Object.keys(value)) {
    if (!(SERVICE_KEYS as readonly string[]).includes(key)) issues.error([...at, key], 'key', `unknown key ${tomlString(key)} in service ${tomlString(name)}`, describeChoices(key, SERVICE_KEYS));
  }
  if (value.command === undefined) issues.error(at, 'key', `service ${tomlString(name)} has no command`, 'add command = "npm run dev" (the command that starts it, run through the shell)');
  else service.command = checkText(value.command, [...at, 'command'], 'command', '"npm run dev"', issues) ?? '';
  service.port = checkPort(value.port, [...at, 'port'], issues);
  if (value.cwd !== undefined) {
    const cwd = checkText(value.cwd, [...at, 'cwd'], 'cwd', '"frontend" (a folder relative to this file)', issues);
    if (cwd !== undefined) service.cwd = path.resolve(dir, cwd);
  }
  service.env = checkEnv(value.env, [...at, 'env'], issues);
  service.dependsOn = checkDependsOn(value.depends_on, [...at, 'depends_on'], issues);
  service.ready = validateReady(value.ready, [...at, 'ready'], issues) ?? service.ready;
  if (value.restart !== undefined) service.restart = checkEnum(value.restart, [...at, 'restart'], 'restart', RESTART_POLICIES, RESTART_ALIASES, issues) ?? service.restart;
  if (value.protocol !== undefined) service.protocol = checkEnum(value.protocol, [...at, 'protocol'], 'protocol', PROTOCOLS, PROTOCOL_ALIASES, issues) ?? service.protocol;
  const watch = validateWatch(value, at, issues);
  if (watch !== undefined) service.watch = watch;
  const envFiles = validateEnvFiles(value.env_file, [...at, 'env_file'], service.cwd, issues);
  if (envFiles !== undefined) service.envFiles = envFiles;
  return service;
}
