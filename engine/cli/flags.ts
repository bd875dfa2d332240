// Parsed command-line flags and the two checks every command runs on them. Pure; in a module
// of their own so that args.ts and diagnose-args.ts need not import each other for them.

/** `--name value` / `--name=value` → value; a bare `--name` → true. */
export type Flags = Map<string, string | true>;

export function unknownFlag(flags: Flags, allowed: string[]): { ok: false; error: string } | undefined {
  for (const name of flags.keys()) {
    if (!allowed.includes(name)) {
      const valid = allowed.length > 0 ? ` (valid: ${allowed.map((a) => `--${a}`).join(', ')})` : '';
      return { ok: false, error: `unknown option --${name}${valid}` };
    }
  }
  return undefined;
}

/** undefined: absent; null: present without a usable value. */
export function stringFlag(flags: Flags, name: string): string | undefined | null {
  const value = flags.get(name);
  if (value === undefined) return undefined;
  if (value === true || value === '') return null;
  return value;
}
