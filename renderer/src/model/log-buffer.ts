// Service log lines per project, bounded and de-duplicated by seq (events and
// logs.read can overlap after a reconnect).
import type { LogLine } from '../../../shared/state.js';

export class LogBuffer {
  private readonly byProject = new Map<string, LogLine[]>();
  private readonly lastSeq = new Map<string, number>();
  /** Per project: how many lines the bound let go of, and the newest seq among them. */
  private readonly droppedOf = new Map<string, { count: number; upToSeq: number }>();

  constructor(readonly capacity = 5_000) {}

  add(lines: readonly LogLine[]): void {
    for (const line of lines) {
      const list = this.byProject.get(line.project) ?? [];
      const last = this.lastSeq.get(line.project) ?? -1;
      // A history read after a reconnect would bring back lines the bound already let go of.
      if (line.seq <= (this.droppedOf.get(line.project)?.upToSeq ?? -1)) continue;
      if (line.seq <= last) {
        if (list.some((l) => l.seq === line.seq)) continue;
        // Older lines (a history read) go in order.
        const at = list.findIndex((l) => l.seq > line.seq);
        list.splice(at === -1 ? list.length : at, 0, line);
      } else {
        list.push(line);
        this.lastSeq.set(line.project, line.seq);
      }
      if (list.length > this.capacity) this.drop(line.project, list.splice(0, list.length - this.capacity));
      this.byProject.set(line.project, list);
    }
  }

  private drop(project: string, gone: readonly LogLine[]): void {
    const before = this.droppedOf.get(project) ?? { count: 0, upToSeq: -1 };
    this.droppedOf.set(project, { count: before.count + gone.length, upToSeq: Math.max(before.upToSeq, gone.at(-1)?.seq ?? -1) });
  }

  /** How many older lines of `project` the bound let go of (0 when none). */
  dropped(project: string): number {
    return this.droppedOf.get(project)?.count ?? 0;
  }

  lines(project: string): readonly LogLine[] {
    return this.byProject.get(project) ?? [];
  }

  clear(project: string): void {
    this.byProject.delete(project);
  }
}
