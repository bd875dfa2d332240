// Module-resolution hook for the desktop tests only (registered by ./register.ts): the
// built shell's `import … from 'electron'` resolves to the stand-in. Each launch imports
// dist/electron/main.js with its own `?launch=N` query and so gets its own stand-in
// module instance, carrying the same query.
const STAND_IN = new URL('./electron.ts', import.meta.url);

/** @type {import('node:module').ResolveHook} */
export async function resolve(specifier, context, nextResolve) {
  if (specifier === 'electron' && context.parentURL !== undefined) {
    const parent = new URL(context.parentURL);
    const launch = parent.searchParams.get('launch');
    if (launch !== null) {
      const url = new URL(STAND_IN);
      url.searchParams.set('launch', launch);
      return { url: url.href, format: 'module', shortCircuit: true };
    }
  }
  return nextResolve(specifier, context);
}
