// Which changed paths restart a watched service. Pure: paths are '/'-separated and relative
// to the service's folder.
import { compileGlob } from './glob.js';

/** Never watched, whatever the patterns say: version control and installed packages. */
export const DEFAULT_IGNORES: readonly string[] = ['.git', 'node_modules'];

/** A pattern without a '/' matches a name at any depth (as in .gitignore); one with a '/' is anchored. */
export function ignoreGlob(pattern: string): string {
  const trimmed = pattern.replace(/\/+$/, '');
  if (trimmed.startsWith('/')) return trimmed.slice(1);
  return trimmed.includes('/') || trimmed.startsWith('**') ? trimmed : `**/${trimmed}`;
}

/**
 * The ignore globs of a .gitignore. Negations (`!keep`) are left out, so a path a later `!` rule
 * re-includes stays ignored: watching less than git tracks only ever misses a restart.
 */
export function gitignoreGlobs(text: string): string[] {
  return text
    .split(/\r?\n/)
    .map((line) => line.replace(/(?<!\\)\s+$/, ''))
    .filter((line) => line !== '' && !line.startsWith('#') && !line.startsWith('!'))
    .map((line) => line.replace(/^\\(?=[#!])/, ''))
    .map(ignoreGlob);
}

/**
 * Makes project-relative ignore globs relative to a service folder `prefix` ('' when the service
 * runs in the project folder): anchored globs outside it are dropped, `**` globs apply anywhere.
 */
export function rebaseGlobs(globs: readonly string[], prefix: string): string[] {
  if (prefix === '') return [...globs];
  const base = `${prefix.replace(/\/+$/, '')}/`;
  return globs.flatMap((glob) => (glob.startsWith('**') ? [glob] : glob.startsWith(base) ? [glob.slice(base.length)] : []));
}

export interface WatchFilter {
  /** True when the path, or a folder above it, is ignored: such folders are not even watched. */
  isIgnored(path: string): boolean;
  /** True when a change of this path restarts the service. */
  isWatched(path: string): boolean;
}

/** `ignoreGlobs` are already anchored (see ignoreGlob, gitignoreGlobs); the defaults are added here. */
export function createWatchFilter(patterns: readonly string[], ignoreGlobs: readonly string[]): WatchFilter {
  const watched = patterns.map(compileGlob);
  const ignored = [...DEFAULT_IGNORES.map(ignoreGlob), ...ignoreGlobs].map(compileGlob);
  const isIgnored = (path: string): boolean => {
    const parts = path.split('/');
    for (let i = 1; i <= parts.length; i++) {
      const prefix = parts.slice(0, i).join('/');
      if (ignored.some((match) => match(prefix))) return true;
    }
    return false;
  };
  return {
    isIgnored,
    isWatched: (path) => path !== '' && !isIgnored(path) && watched.some((match) => match(path)),
  };
}
