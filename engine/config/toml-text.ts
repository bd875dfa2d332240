// Render keys and values as TOML, so hints can show the exact line to write.

const BARE_KEY = /^[A-Za-z0-9_-]+$/;

export function tomlKey(key: string): string {
  return BARE_KEY.test(key) ? key : tomlString(key);
}

/** JSON string escapes are all valid TOML basic-string escapes. */
export function tomlString(value: string): string {
  return JSON.stringify(value);
}

/** A dotted key path for messages: `services.api.port`, `routes."/api".service`. */
export function keyPathString(path: readonly (string | number)[]): string {
  return path.map((segment) => (typeof segment === 'number' ? `[${segment}]` : tomlKey(segment))).join('.').replace(/\.\[/g, '[');
}

/** A short rendering of a parsed value, for "you wrote …" hints. */
export function tomlValue(value: unknown): string {
  if (typeof value === 'string') return tomlString(value);
  if (typeof value === 'bigint' || typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (value instanceof Date) return value.toISOString();
  if (Array.isArray(value)) return `[${value.map(tomlValue).join(', ')}]`;
  if (isTable(value)) return `{ ${Object.entries(value).map(([k, v]) => `${tomlKey(k)} = ${tomlValue(v)}`).join(', ')} }`;
  return String(value);
}

export type TomlTableValue = Record<string, unknown>;

export function isTable(value: unknown): value is TomlTableValue {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Date);
}

/** The TOML type name of a parsed value (integers are bigint because we parse with `integersAsBigInt`). */
export function tomlTypeName(value: unknown): string {
  if (typeof value === 'string') return 'a string';
  if (typeof value === 'bigint') return 'an integer';
  if (typeof value === 'number') return 'a float';
  if (typeof value === 'boolean') return 'a boolean';
  if (value instanceof Date) return 'a date';
  if (Array.isArray(value)) return 'an array';
  if (isTable(value)) return 'a table';
  return typeof value;
}

/** For "not …" in messages: `a string ("3000")`, `-5`, `a table`. */
export function describeValue(value: unknown): string {
  if (typeof value === 'bigint' || typeof value === 'number') return String(value);
  if (typeof value === 'string') return `a string (${tomlString(value.length > 40 ? `${value.slice(0, 40)}…` : value)})`;
  if (typeof value === 'boolean') return `a boolean (${value})`;
  return tomlTypeName(value);
}
