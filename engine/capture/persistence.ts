// Traffic that survives a restart: per project, finished exchanges are appended to
// `<home>/traffic/<project>.log` when the project says `[capture] persist = true` (or the UI
// switched it on), and pinned exchanges always are, whatever the project says: pinning is the
// user asking to keep that exchange, and losing it to a restart would break that promise.
// When a project is added, its file is read back into the store, marked as earlier, a slice
// at a time so that the proxy keeps serving while a large file loads.
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import type { CaptureSettings } from '../../shared/config.js';
import type { ExchangeRecord } from './exchange-record.js';
import { fromHar } from './har.js';
import { TrafficFile } from './persist-file.js';
import { clearPayload, exchangePayload, parseEntry, pinPayload, type PersistedExchange } from './persist-log.js';
import type { PersistSink, TrafficStore } from './store.js';

/** Exchanges read back per turn of the event loop: about 20 ms each on this 2-core machine. */
const RELOAD_SLICE = 200;

interface ProjectFile {
  settings: CaptureSettings;
  file: TrafficFile;
}

export class TrafficPersistence implements PersistSink {
  private readonly projects = new Map<string, ProjectFile>();
  /** Keys of this run's exchanges: unique across runs without a counter kept on disk. */
  private readonly run = randomBytes(6).toString('hex');
  private closed = false;

  constructor(
    private readonly store: TrafficStore,
    /** The folder of the files: `<home>/traffic`. */
    private readonly dir: string,
    private readonly warn: (message: string) => void = () => undefined,
  ) {
    store.setPersistSink(this);
  }

  static fileOf(dir: string, project: string): string {
    return join(dir, `${project.toLowerCase()}.log`);
  }

  /**
   * A project was added, or its settings changed. The first time, its file is read back:
   * everything when it persists, only the pinned exchanges when it does not.
   */
  configure(project: string, settings: CaptureSettings): Promise<void> {
    const key = project.toLowerCase();
    const known = this.projects.get(key);
    if (known !== undefined) {
      known.settings = settings;
      this.attempt(project, () => known.file.setMaxBytes(settings.maxBytes));
      return Promise.resolve();
    }
    let exchanges: PersistedExchange[] = [];
    this.attempt(project, () => {
      const opened = TrafficFile.open(TrafficPersistence.fileOf(this.dir, key), settings.maxBytes, (message) => this.warn(`traffic of ${project}: ${message}`));
      this.projects.set(key, { settings, file: opened.file });
      if (opened.discardedBytes > 0) this.warn(`traffic of ${project}: ${opened.discardedBytes} bytes at the end of ${opened.file.path} were incomplete (a crash while writing) and were dropped`);
      exchanges = opened.exchanges.filter((x) => settings.persist || x.pinned);
    });
    return this.reload(exchanges);
  }

  /** Stops writing a removed project's file (it stays on disk for the next time it is added). */
  forget(project: string): void {
    const key = project.toLowerCase();
    this.projects.get(key)?.file.close();
    this.projects.delete(key);
  }

  close(): void {
    this.closed = true;
    for (const p of this.projects.values()) p.file.close();
    this.projects.clear();
    this.store.setPersistSink(null);
  }

  private async reload(exchanges: readonly PersistedExchange[]): Promise<void> {
    for (let from = 0; from < exchanges.length && !this.closed; from += RELOAD_SLICE) {
      if (from > 0) await new Promise((resolve) => setImmediate(resolve));
      const items = [];
      for (const x of exchanges.slice(from, from + RELOAD_SLICE)) {
        // An entry fromHar cannot read is left out; the others still load.
        const [entry] = fromHar({ log: { version: '1.2', entries: [parseEntry(x)] } }).entries;
        if (entry !== undefined) items.push({ entry, pinned: x.pinned, persistKey: x.key });
      }
      this.store.restore(items);
    }
  }

  private fileFor(record: ExchangeRecord): ProjectFile | undefined {
    return record.project === null ? undefined : this.projects.get(record.project.toLowerCase());
  }

  finished(record: ExchangeRecord): void {
    const p = this.fileFor(record);
    if (p === undefined || !(p.settings.persist || record.pinned)) return;
    this.write(p, record);
  }

  pinChanged(record: ExchangeRecord): void {
    const p = this.fileFor(record);
    if (p === undefined) return;
    const key = record.persistKey;
    if (key !== null) this.attempt(record.project ?? '', () => p.file.append(pinPayload(key, record.pinned)));
    // Not yet written: a pinned exchange that has finished goes in now (one still running, when it finishes).
    else if (record.pinned && record.finished) this.write(p, record);
  }

  cleared(): void {
    for (const [project, p] of this.projects) this.attempt(project, () => p.file.append(clearPayload()));
  }

  private write(p: ProjectFile, record: ExchangeRecord): void {
    const key = record.persistKey ?? `${this.run}-${record.id}`;
    this.attempt(record.project ?? '', () => {
      p.file.append(exchangePayload(key, record.pinned, this.store.harEntry(record)));
      record.persistKey = key;
    });
  }

  /** A full disk or a bad folder is reported, never thrown onto the proxy's data path. */
  private attempt(project: string, work: () => void): void {
    try {
      work();
    } catch (err) {
      this.warn(`traffic of ${project} could not be persisted: ${(err as Error).message}`);
    }
  }
}
