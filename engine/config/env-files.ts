// Reads a service's env files (I/O). Used when the config loads (the values count for approval)
// and again at every start of the service, so an edited .env takes effect on restart.
import { readFile } from 'node:fs/promises';
import type { EnvFileRef } from '../../shared/config.js';
import { parseDotenv } from './dotenv.js';

/** .env files are small; this guards against pointing env_file at something that is not one. */
const MAX_ENV_FILE_BYTES = 1024 * 1024;

export type EnvFilesResult =
  | { ok: true; values: Record<string, string> }
  /** `index` is the failing entry of `refs`; `line`/`column` are inside the env file for syntax errors. */
  | { ok: false; index: number; file: string; missing: boolean; message: string; line?: number; column?: number };

/** Later files win; each file may expand names of earlier files and of `base` (the process environment). */
export async function readEnvFiles(refs: readonly EnvFileRef[], base: Readonly<Record<string, string | undefined>> = process.env): Promise<EnvFilesResult> {
  const values: Record<string, string> = {};
  for (const [index, ref] of refs.entries()) {
    let text: string;
    try {
      const buffer = await readFile(ref.path);
      if (buffer.length > MAX_ENV_FILE_BYTES) return { ok: false, index, file: ref.path, missing: false, message: `env file is ${buffer.length} bytes; a .env file should be far smaller than 1 MiB` };
      text = buffer.toString('utf8');
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code ?? String(error);
      if (code === 'ENOENT' && ref.optional) continue;
      return { ok: false, index, file: ref.path, missing: code === 'ENOENT', message: code === 'ENOENT' ? `env file ${ref.path} does not exist` : `cannot read env file ${ref.path}: ${code}` };
    }
    const parsed = parseDotenv(text, (name) => (Object.hasOwn(values, name) ? values[name] : base[name]));
    if (!parsed.ok) return { ok: false, index, file: ref.path, missing: false, message: parsed.message, line: parsed.line, column: parsed.column };
    Object.assign(values, parsed.values);
  }
  return { ok: true, values };
}

/** One line for a log or a failed start: `file:line:col: message`. */
export function describeEnvFileFailure(failure: Extract<EnvFilesResult, { ok: false }>): string {
  const where = failure.line !== undefined ? `${failure.file}:${failure.line}:${failure.column ?? 1}: ` : '';
  return `${where}${failure.message}`;
}
