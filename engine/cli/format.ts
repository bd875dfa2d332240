// Terminal rendering of engine state and logs. Pure: colour is a parameter.
import type { LogLine, ProjectState, ServiceState, ServiceStatus } from '../../shared/state.js';

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

export function formatLogLine(line: LogLine, color: boolean, labelWidth = 0): string {
  const label = `${line.project}/${line.service}`.padEnd(labelWidth);
  const prefix = paint(`${label} |`, colourFor(label.trim()), color);
  const text = line.stream === 'system' ? paint(line.text, 2, color) : line.stream === 'stderr' ? paint(line.text, 31, color && /error|fail|fatal/i.test(line.text)) : line.text;
  return `${prefix} ${text}`;
}

const STATUS_COLOUR: Record<ServiceStatus, number> = {
  stopped: 2,
  starting: 33,
  ready: 32,
  unhealthy: 31,
  crashed: 31,
  backoff: 33,
  stopping: 33,
};

export function formatServiceState(project: string, s: ServiceState, color: boolean): string {
  const status = paint(s.status, STATUS_COLOUR[s.status], color);
  const port = s.port !== null ? ` :${s.port}` : '';
  const reason = s.reason !== null && s.status !== 'ready' ? ` — ${s.reason}` : '';
  // An unhealthy reason already ends with the diagnostics; say them once.
  const shown = s.diagnostics.filter((d) => !reason.includes(d));
  const diag = shown.length > 0 ? ` (${shown.join('; ')})` : '';
  return `locald: ${project}/${s.name} ${status}${port}${reason}${diag}`;
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

/** Only the changes worth a line: status, port, or reason moved. */
export function serviceChangeKey(s: ServiceState): string {
  return `${s.status}|${s.port ?? ''}|${s.reason ?? ''}|${s.diagnostics.join(';')}`;
}
