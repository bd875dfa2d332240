// Installs the 'electron' → stand-in resolution hook in this test process (only the
// desktop tests import this file).
import { register } from 'node:module';

let registered = false;

export function registerElectronStandIn(): void {
  if (registered) return;
  registered = true;
  register('./hooks.mjs', import.meta.url);
}
