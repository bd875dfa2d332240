import { formatConfigIssue } from '../../shared/config.js';
import { loadProject } from '../config/index.js';
import { resolve } from 'node:path';

/** `locald check`: 0 when valid (warnings printed), 1 with every located error. */
export async function runCheck(target: string): Promise<number> {
  const result = await loadProject(resolve(target));
  if (!result.ok) {
    for (const issue of result.issues) process.stderr.write(`${formatConfigIssue(issue)}\n`);
    process.stderr.write(`locald: ${result.issues.length} error${result.issues.length === 1 ? '' : 's'}\n`);
    return 1;
  }
  for (const warning of result.warnings) process.stderr.write(`warning: ${formatConfigIssue(warning)}\n`);
  const c = result.config;
  process.stdout.write(
    `${c.file}: ok — project '${c.name}', ${c.services.length} service${c.services.length === 1 ? '' : 's'} (${c.services
      .map((s) => s.name)
      .join(', ')}), ${c.routes.length} route${c.routes.length === 1 ? '' : 's'}\n`,
  );
  return 0;
}
