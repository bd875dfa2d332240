// A mock's body from a file of the project: the path must stay inside the project folder,
// symbolic links included, so a shared rules file cannot serve ~/.ssh.
import { readFile, realpath } from 'node:fs/promises';
import { isAbsolute, relative, resolve, sep } from 'node:path';
import type { MockAction } from '../../shared/rules.js';

export class MockBodyError extends Error {}

/** The path the body is read from, or an error when it leaves the project folder. */
export async function resolveMockFile(projectDir: string, bodyFile: string): Promise<string> {
  const root = await realpath(projectDir);
  let file: string;
  try {
    file = await realpath(resolve(root, bodyFile));
  } catch {
    throw new MockBodyError(`mock body_file ${JSON.stringify(bodyFile)} does not exist in ${projectDir}`);
  }
  const rel = relative(root, file);
  if (rel === '' || rel.split(sep)[0] === '..' || isAbsolute(rel)) throw new MockBodyError(`mock body_file ${JSON.stringify(bodyFile)} is outside the project folder ${projectDir}`);
  return file;
}

export async function mockBody(projectDir: string, mock: MockAction): Promise<Buffer> {
  if (mock.bodyFile !== undefined) return readFile(await resolveMockFile(projectDir, mock.bodyFile));
  return Buffer.from(mock.body ?? '', 'utf8');
}
