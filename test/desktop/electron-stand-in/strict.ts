// Makes the stand-in's surface exact: reading a member the stand-in does not implement
// throws "stand-in lacks electron.<path>" (and records it, so a throw swallowed by the
// shell still fails the test). Symbols and `then` pass, so objects can be awaited and
// inspected by Node.

export type MissingApiSink = (api: string) => void;

export function strict<T extends object>(path: string, target: T, missing: MissingApiSink): T {
  return new Proxy(target, {
    get(object, key, receiver) {
      if (typeof key === 'symbol' || key === 'then' || key in object) return Reflect.get(object, key, receiver);
      const api = `${path}.${key}`;
      missing(api);
      throw new Error(`stand-in lacks electron.${api}`);
    },
  });
}

/** Rejects options the stand-in does not model, by name, instead of ignoring them. */
export function checkOptions(api: string, options: object | undefined, known: readonly string[], missing: MissingApiSink): void {
  for (const key of Object.keys(options ?? {})) {
    if (known.includes(key)) continue;
    missing(`${api}({ ${key} })`);
    throw new Error(`stand-in lacks electron.${api}({ ${key} })`);
  }
}
