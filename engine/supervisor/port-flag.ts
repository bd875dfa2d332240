// Some dev servers ignore $PORT (Vite, Astro, Angular CLI). For those, locald passes
// `--port N` on the command line, directly or through the package manager. Pure.

export type PortIgnoringTool = 'vite' | 'astro' | 'angular';

export interface PortFlagInjection {
  /** The command to run: unchanged, or with `--port N` appended. */
  command: string;
  /** The tool found, even when nothing was injected (e.g. it already has --port). */
  tool: PortIgnoringTool | null;
  /** Whether `command` differs from the input. */
  injected: boolean;
}

const SEPARATORS = /&&|\|\||[;|&\n]/;

/**
 * `injectPortFlag('vite', {}, 4123)` → `vite --port 4123`;
 * `injectPortFlag('npm run dev', { dev: 'vite' }, 4123)` → `npm run dev -- --port 4123`.
 * Only the last simple command of a compound command is considered, because that is
 * where appended arguments land. Commands that already pass a port are left alone.
 */
export function injectPortFlag(command: string, scripts: Readonly<Record<string, string>> | undefined, port: number): PortFlagInjection {
  const unchanged = (tool: PortIgnoringTool | null): PortFlagInjection => ({ command, tool, injected: false });
  if (!Number.isInteger(port) || port < 1 || port > 65535) return unchanged(null);
  if (command.includes('#') || command.includes('`') || command.includes('$(')) return unchanged(null);
  const segments = command.split(SEPARATORS);
  const last = segments[segments.length - 1] ?? '';
  const words = commandWords(last);
  if (words.length === 0) return unchanged(null);

  const direct = detectTool(words);
  if (direct !== null) {
    if (hasPortFlag(words)) return unchanged(direct);
    return { command: `${command.trimEnd()} --port ${port}`, tool: direct, injected: true };
  }

  // Through a package manager: the script must itself end in a direct invocation.
  // A `cd` earlier in the command means package.json of cwd is not the one that runs.
  if (scripts === undefined || segments.slice(0, -1).some((s) => /^\s*cd\b/.test(s))) return unchanged(null);
  const run = parseScriptRun(words);
  if (run === null) return unchanged(null);
  const body = scripts[run.script];
  if (body === undefined || body.includes('#') || body.includes('`') || body.includes('$(')) return unchanged(null);
  const scriptSegments = body.split(SEPARATORS);
  const scriptWords = commandWords(scriptSegments[scriptSegments.length - 1] ?? '');
  const tool = detectTool(scriptWords);
  if (tool === null) return unchanged(null);
  if (hasPortFlag(scriptWords) || hasPortFlag(run.extraArgs)) return unchanged(tool);
  // npm needs `--` before arguments meant for the script; pnpm (>=7), yarn and bun pass
  // them through, and with pnpm a `--` would reach the tool, which would then ignore the flag.
  const needsSeparator = run.manager === 'npm' && !run.extraArgs.includes('--');
  const suffix = needsSeparator ? ` -- --port ${port}` : ` --port ${port}`;
  return { command: `${command.trimEnd()}${suffix}`, tool, injected: true };
}

/** Words of one simple command, without leading `VAR=x`, `env` and `cross-env`. */
function commandWords(segment: string): string[] {
  const words = segment.trim().split(/\s+/).filter((w) => w !== '');
  let i = 0;
  while (i < words.length) {
    const w = words[i] ?? '';
    if (/^[A-Za-z_][A-Za-z0-9_]*=/.test(w) || w === 'env' || w === 'cross-env' || w === 'cross-env-shell') i++;
    else break;
  }
  return words.slice(i).map(unquote);
}

function unquote(word: string): string {
  return word.replace(/^(['"])(.*)\1$/, '$2');
}

/** The binary name: `./node_modules/.bin/vite.cmd` → `vite`. */
function binName(word: string): string {
  const base = word.split(/[\\/]/).pop() ?? word;
  return base.replace(/\.(cmd|exe|js|mjs|cjs)$/i, '');
}

function detectTool(input: readonly string[]): PortIgnoringTool | null {
  let words = [...input];
  // Runners that execute a package binary.
  const first = words[0];
  if (first === 'npx' || first === 'pnpx' || first === 'bunx') words = dropFlags(words.slice(1));
  else if ((first === 'pnpm' || first === 'npm' || first === 'yarn') && (words[1] === 'exec' || words[1] === 'dlx')) words = dropFlags(words.slice(2));
  else if ((first === 'pnpm' || first === 'yarn' || first === 'bun') && words[1] !== undefined && ['vite', 'astro', 'ng'].includes(binName(words[1]))) words = words.slice(1);
  const bin = words[0];
  if (bin === undefined) return null;
  const name = binName(bin);
  const sub = words.slice(1).find((w) => !w.startsWith('-'));
  if (name === 'vite') return sub === undefined || !['build', 'optimize'].includes(sub) ? 'vite' : null;
  if (name === 'astro') return sub === 'dev' || sub === 'preview' ? 'astro' : null;
  if (name === 'ng') return sub === 'serve' || sub === 's' ? 'angular' : null;
  return null;
}

function dropFlags(words: string[]): string[] {
  let i = 0;
  while (i < words.length && (words[i] ?? '').startsWith('-')) i++;
  return words.slice(i);
}

function hasPortFlag(words: readonly string[]): boolean {
  return words.some((w) => w === '--port' || w.startsWith('--port=') || w === '-p');
}

interface ScriptRun {
  manager: 'npm' | 'pnpm' | 'yarn' | 'bun';
  script: string;
  /** Arguments already given after the script name. */
  extraArgs: string[];
}

// Commands of the package managers that are not script names.
const PNPM_BUILTINS = new Set(['install', 'i', 'add', 'remove', 'rm', 'update', 'up', 'exec', 'dlx', 'create', 'link', 'publish', 'test', 't', 'why', 'list', 'ls', 'outdated', 'store', 'setup']);
const YARN_BUILTINS = new Set(['install', 'add', 'remove', 'upgrade', 'exec', 'dlx', 'create', 'link', 'publish', 'test', 'why', 'list', 'info', 'workspace', 'workspaces', 'set', 'config', 'cache', 'node']);

function parseScriptRun(words: readonly string[]): ScriptRun | null {
  const [first, second, ...rest] = words;
  if (second === undefined) return null;
  const manager = first === 'npm' || first === 'pnpm' || first === 'yarn' || first === 'bun' ? first : null;
  if (manager === null) return null;
  if (second === 'run' || second === 'run-script') {
    const args = rest;
    const i = args.findIndex((w) => !w.startsWith('-'));
    const script = args[i];
    if (script === undefined) return null;
    return { manager, script, extraArgs: args.slice(i + 1) };
  }
  if (second === 'start') return { manager, script: 'start', extraArgs: rest };
  if (second.startsWith('-')) return null;
  if (manager === 'pnpm' && !PNPM_BUILTINS.has(second)) return { manager, script: second, extraArgs: rest };
  if (manager === 'yarn' && !YARN_BUILTINS.has(second)) return { manager, script: second, extraArgs: rest };
  return null;
}
