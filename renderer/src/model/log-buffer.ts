// Service log lines per project, bounded and de-duplicated by seq (events and
// logs.read can overlap after a reconnect).
import type { LogLine } from '../../../shared/state.js';

export class LogBuffer {
  private readonly byProject = new Map<string, LogLine[]>();
  private readonly lastSeq = new Map<string, number>();

  constructor(readonly capacity = 5_000) {}

  add(lines: readonly LogLine[]): void {
    for (const line of lines) {
      const list = this.byProject.get(line.project) ?? [];
      const last = this.lastSeq.get(line.project) ?? -1;
      if (line.seq <= last) {
        if (list.some((l) => l.seq === line.seq)) continue;
        // Older lines (a history read) go in order.
        const at = list.findIndex((l) => l.seq > line.seq);
        list.splice(at === -1 ? list.length : at, 0, line);
      } else {
        list.push(line);
        this.lastSeq.set(line.project, line.seq);
      }
      if (list.length > this.capacity) list.splice(0, list.length - this.capacity);
      this.byProject.set(line.project, list);
    }
  }

  lines(project: string): readonly LogLine[] {
    return this.byProject.get(project) ?? [];
  }

  clear(project: string): void {
    this.byProject.delete(project);
  }
}

export function searchLogs(lines: readonly LogLine[], service: string | null, query: string): LogLine[] {
  const q = query.toLowerCase();
  return lines.filter((l) => (service === null || l.service === service) && (q === '' || l.text.toLowerCase().includes(q)));
}
