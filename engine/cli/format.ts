// Terminal rendering of engine state and logs. Pure: colour is a parameter.
import type { LogLine, ProjectState } from '../../shared/state.js';

const PALETTE = [36, 35, 33, 32, 34, 96, 95, 93, 92, 94];

function paint(text: string, code: number, color: boolean): string {
  return color ? `\u001b[${code}m${text}\u001b[0m` : text;
}

/** A stable colour per service, so interleaved logs stay readable. */
export function colourFor(label: string): number {
  let hash = 0;
  for (let i = 0; i < label.length; i++) hash = (hash * 31 + label.charCodeAt(i)) >>> 0;
  return PALETTE[hash % PALETTE.length] as number;
}

/**
 * A service's own output goes under its `project/service |` prefix; locald's lines about a
 * service (its changes of state, diagnoses) are marked as locald's, never under that prefix.
 */
export function formatLogLine(line: LogLine, color: boolean, labelWidth = 0): string {
  if (line.stream === 'system') return formatLocaldLine(line, color);
  const label = `${line.project}/${line.service}`.padEnd(labelWidth);
  const prefix = paint(`${label} |`, colourFor(label.trim()), color);
  const text = line.stream === 'stderr' ? paint(line.text, 31, color && /error|fail|fatal/i.test(line.text)) : line.text;
  return `${prefix} ${text}`;
}

/** `locald: shop/api ready on port 4000`; the engine's lines about a whole project come as service 'locald'. */
function formatLocaldLine(line: LogLine, color: boolean): string {
  const subject = line.service === 'locald' ? `${line.project}:` : `${line.project}/${line.service}`;
  return `${paint('locald:', 2, color)} ${paint(subject, colourFor(subject), color)} ${line.text}`;
}

export function formatProjectBanner(p: ProjectState, color: boolean): string {
  const lines = [paint(`${p.name}`, 1, color) + `  ${p.url}   (${p.file})`];
  for (const r of p.routes) {
    const strip = r.stripPrefix || r.prefix === '/' ? '' : ' (prefix kept)';
    lines.push(`  ${p.url.replace(/\/$/, '')}${r.prefix === '/' ? '/' : r.prefix} -> ${r.service}${strip}`);
  }
  for (const s of p.services) {
    lines.push(`  ${p.url.replace(`//${p.name}.`, `//${s.name}.${p.name}.`)} -> ${s.name}`);
  }
  return lines.join('\n');
}
