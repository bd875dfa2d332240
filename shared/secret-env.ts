// Which environment values are secrets, so every surface that shows an environment
// (the approval dialog, error pages, the UI) masks them the same way.

/** `PASSWORD`, and names ending in `_KEY`, `_SECRET`, `_TOKEN` or `_PASSWORD` (any case). */
const SECRET_NAME = /(?:^|_)(?:PASSWORD|PASSWD)$|_(?:KEY|SECRET|TOKEN)$/i;

export function isSecretEnvName(name: string): boolean {
  return SECRET_NAME.test(name);
}

export const MASKED_VALUE = '••••••••';

/** The value to show: masked when the name looks like a secret (an empty value has nothing to hide). */
export function displayEnvValue(name: string, value: string): string {
  return value !== '' && isSecretEnvName(name) ? MASKED_VALUE : value;
}
