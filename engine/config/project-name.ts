// The project name: the `<name>` of `<name>.localhost`.
import path from 'node:path';
import { DNS_LABEL_RULE, isDnsLabel, RESERVED_PROJECT_NAMES, sanitizeDnsLabel } from './dns.js';
import { tomlString } from './toml-text.js';

export type NameResult = { ok: true; name: string } | { ok: false; message: string; hint: string };

function reserved(name: string): NameResult {
  const alternative = `${name}-app`;
  return { ok: false, message: `project name ${tomlString(name)} is reserved (${name}.localhost belongs to locald)`, hint: `name = ${tomlString(alternative)}` };
}

/** An explicit `name = "…"`: lowercased, and otherwise it must already be a DNS label. */
export function checkExplicitName(written: string): NameResult {
  const name = written.toLowerCase();
  if (!isDnsLabel(name)) {
    const fixed = sanitizeDnsLabel(written);
    return { ok: false, message: `name ${tomlString(written)} is not ${DNS_LABEL_RULE} (it becomes <name>.localhost)`, hint: `name = ${tomlString(fixed !== '' ? fixed : 'my-app')}` };
  }
  return RESERVED_PROJECT_NAMES.includes(name) ? reserved(name) : { ok: true, name };
}

/** The default name: the folder's name made into a DNS label. Hints are a `name = "…"` line to add. */
export function nameFromFolder(dir: string): NameResult {
  const base = path.basename(path.resolve(dir));
  const name = sanitizeDnsLabel(base);
  if (name === '') {
    return { ok: false, message: `cannot make a project name from the folder name ${tomlString(base)}`, hint: 'name = "my-app"' };
  }
  return RESERVED_PROJECT_NAMES.includes(name) ? reserved(name) : { ok: true, name };
}
