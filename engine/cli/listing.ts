// Plain-text renderings of the running engine for `locald ls` and `locald status`. Pure.
import type { EngineInfo } from '../../shared/api.js';
import type { ProjectState } from '../../shared/state.js';
import type { OwnerRecord } from '../control/owner-record.js';

export function formatProjectList(projects: readonly ProjectState[]): string {
  if (projects.length === 0) return 'no projects';
  const lines: string[] = [];
  for (const p of projects) {
    lines.push(`${p.name}  ${p.status}  ${p.url}`);
    for (const s of p.services) {
      const port = s.port === null ? '' : `  port ${s.port}`;
      const pid = s.pid === null ? '' : `  pid ${s.pid}`;
      const reason = s.reason === null ? '' : `  (${s.reason})`;
      lines.push(`  ${s.name}  ${s.status}${port}${pid}${reason}`);
    }
  }
  return lines.join('\n');
}

/** An uptime for `locald status`: "42s", "3m 5s", "2h 10m", "1d 4h" (restart-policy.ts formats short delays). */
export function formatUptime(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m ${s % 60}s`;
  const h = Math.floor(m / 60);
  if (h < 24) return `${h}h ${m % 60}m`;
  return `${Math.floor(h / 24)}d ${h % 24}h`;
}

export interface EngineStatus {
  kind: string | null;
  pid: number;
  version: string;
  port: number;
  home: string;
  socket: string;
  startedAt: number | null;
  uptimeMs: number | null;
  dashboardUrl: string;
  projects: { name: string; status: string; url: string }[];
}

export function engineStatus(info: EngineInfo, record: OwnerRecord | null, projects: readonly ProjectState[], socket: string, now: number): EngineStatus {
  // The record is trusted only when it describes the engine that answered.
  const own = record !== null && record.pid === info.pid ? record : null;
  return {
    kind: own?.kind ?? null,
    pid: info.pid,
    version: info.version,
    port: info.httpPort,
    home: info.home,
    socket,
    startedAt: own?.startedAt ?? null,
    uptimeMs: own === null ? null : now - own.startedAt,
    dashboardUrl: info.dashboardUrl,
    projects: projects.map((p) => ({ name: p.name, status: p.status, url: p.url })),
  };
}

export function formatStatus(s: EngineStatus): string {
  const lines = [
    `engine: ${s.kind ?? 'locald'} ${s.version}, pid ${s.pid}${s.uptimeMs === null ? '' : `, up ${formatUptime(s.uptimeMs)}`}`,
    `proxy: http://127.0.0.1:${s.port}/`,
    `dashboard: ${s.dashboardUrl}`,
    `state: ${s.home} (socket ${s.socket})`,
    `projects: ${s.projects.length === 0 ? 'none' : ''}`,
  ];
  for (const p of s.projects) lines.push(`  ${p.name}  ${p.status}  ${p.url}`);
  return lines.join('\n').replace('projects: \n', 'projects:\n');
}
