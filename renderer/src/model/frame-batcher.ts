// Collects items as they arrive and hands them over in one call per frame, so a burst
// of events costs one store update and one render.

export type Scheduler = (run: () => void) => void;

export class FrameBatcher<T> {
  private pending: T[] = [];
  private scheduled = false;

  constructor(
    private readonly flush: (items: T[]) => void,
    private readonly schedule: Scheduler,
  ) {}

  push(items: readonly T[]): void {
    for (const item of items) this.pending.push(item);
    if (this.scheduled || this.pending.length === 0) return;
    this.scheduled = true;
    this.schedule(() => {
      this.scheduled = false;
      const items = this.pending;
      this.pending = [];
      if (items.length > 0) this.flush(items);
    });
  }

  get size(): number {
    return this.pending.length;
  }
}
