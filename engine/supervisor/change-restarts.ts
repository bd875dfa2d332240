// Restarts watched services when their files change: one debounced restart per burst of
// changes, never two restarts of one service at once (a change during a restart queues one more).
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { ProjectConfig, ServiceConfig, WatchConfig } from '../../shared/config.js';
import { watchTree, type TreeWatcher } from '../watch/tree-watcher.js';
import { createWatchFilter, gitignoreGlobs, ignoreGlob, rebaseGlobs } from '../watch/watch-filter.js';

export interface ChangeRestartHooks {
  /** Restart the service (and what the config says goes with it); `changed` is the first changed path. */
  restart: (service: string, changed: string) => Promise<void>;
  /** A line in the service's log. */
  log: (service: string, text: string) => void;
}

interface WatchedService {
  name: string;
  watch: WatchConfig;
  tree: TreeWatcher | null;
  timer: NodeJS.Timeout | null;
  /** The first path changed since the last restart began. */
  changed: string | null;
  restarting: boolean;
}

async function readGitignore(dir: string): Promise<string> {
  return readFile(path.join(dir, '.gitignore'), 'utf8').catch(() => '');
}

export class ChangeRestarts {
  private readonly services: WatchedService[];
  private closed = false;

  constructor(
    private readonly config: ProjectConfig,
    private readonly hooks: ChangeRestartHooks,
  ) {
    this.services = config.services.flatMap((service) => (service.watch === undefined ? [] : [{ name: service.name, watch: service.watch, tree: null, timer: null, changed: null, restarting: false }]));
  }

  /** Starts watching; resolves once every watched tree is being watched. */
  async start(): Promise<void> {
    if (this.services.length === 0) return;
    const gitignore = gitignoreGlobs(await readGitignore(this.config.dir));
    await Promise.all(
      this.services.map((watched) => {
        if (this.closed) return undefined;
        const service = this.config.services.find((s) => s.name === watched.name) as ServiceConfig;
        const prefix = path.relative(this.config.dir, service.cwd).split(path.sep).join('/');
        const ignores = [...watched.watch.ignore.map(ignoreGlob), ...(prefix.startsWith('..') ? [] : rebaseGlobs(gitignore, prefix))];
        const filter = createWatchFilter(watched.watch.patterns, ignores);
        watched.tree = watchTree({
          root: service.cwd,
          isIgnored: filter.isIgnored,
          onChange: (relative) => {
            if (filter.isWatched(relative)) this.changed(watched, relative);
          },
          onError: (message) => this.hooks.log(watched.name, `file watching: ${message}`),
        });
        return watched.tree.ready;
      }),
    );
  }

  close(): void {
    this.closed = true;
    for (const watched of this.services) {
      watched.tree?.close();
      watched.tree = null;
      if (watched.timer !== null) clearTimeout(watched.timer);
      watched.timer = null;
    }
  }

  /** Open watch handles, for tests and diagnostics. */
  get handles(): number {
    return this.services.reduce((sum, watched) => sum + (watched.tree?.handles ?? 0), 0);
  }

  private changed(watched: WatchedService, relative: string): void {
    if (this.closed) return;
    watched.changed ??= relative;
    if (watched.timer !== null) clearTimeout(watched.timer);
    watched.timer = setTimeout(() => {
      watched.timer = null;
      void this.fire(watched);
    }, watched.watch.debounceMs);
  }

  private async fire(watched: WatchedService): Promise<void> {
    // A change during a restart restarts once more when this one is done (the process may have read the old file).
    if (watched.restarting || this.closed || watched.changed === null) return;
    const changed = watched.changed;
    watched.changed = null;
    watched.restarting = true;
    try {
      await this.hooks.restart(watched.name, changed);
    } catch (error) {
      this.hooks.log(watched.name, `restart after a change failed: ${error instanceof Error ? error.message : String(error)}`);
    } finally {
      watched.restarting = false;
    }
    if (watched.changed !== null && watched.timer === null) await this.fire(watched);
  }
}
