// Change events for a folder tree, without watching what is ignored (I/O).
//
// Linux: one non-recursive fs.watch (one inotify watch) per folder that is not ignored. Node's
// own `recursive: true` on Linux walks every folder, node_modules included, and adds an inotify
// watch per file as well (10,102 watches for a 10,000-file tree, measured on Node 20), which
// exhausts `fs.inotify.max_user_watches` on real projects. macOS and Windows: the native
// recursive watch (FSEvents, ReadDirectoryChangesW), which costs one handle for the whole tree;
// ignored paths are filtered per event there. See docs/decisions/0010-file-watching.md.
import { watch, type FSWatcher } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';

export interface TreeWatcherOptions {
  /** Absolute folder to watch. */
  root: string;
  /** '/'-separated path relative to root: true for folders never to watch (and files to skip). */
  isIgnored: (relative: string) => boolean;
  /** A file or folder (relative to root) was created, changed, renamed or removed. */
  onChange: (relative: string) => void;
  /** Watching failed (a folder could not be watched, e.g. ENOSPC: inotify limit). Said once per cause. */
  onError: (message: string) => void;
  /** Tests force the per-folder mode on every platform. */
  mode?: 'per-folder' | 'recursive';
}

export interface TreeWatcher {
  /** Resolves once the initial folders are watched. */
  ready: Promise<void>;
  /** How many fs.watch handles are open (inotify watches on Linux). */
  readonly handles: number;
  close(): void;
}

function toRelative(...parts: string[]): string {
  return parts.filter((p) => p !== '').join('/').split(path.sep).join('/');
}

export function watchTree(options: TreeWatcherOptions): TreeWatcher {
  const mode = options.mode ?? (process.platform === 'linux' ? 'per-folder' : 'recursive');
  return mode === 'recursive' ? watchRecursive(options) : watchPerFolder(options);
}

function watchRecursive(options: TreeWatcherOptions): TreeWatcher {
  let watcher: FSWatcher | null = null;
  try {
    watcher = watch(options.root, { recursive: true, persistent: false }, (_event, name) => {
      if (name === null) return;
      const relative = toRelative(name.toString());
      if (!options.isIgnored(relative)) options.onChange(relative);
    });
    watcher.on('error', (error) => options.onError(`cannot watch ${options.root}: ${error.message}`));
  } catch (error) {
    options.onError(`cannot watch ${options.root}: ${error instanceof Error ? error.message : String(error)}`);
  }
  return {
    ready: Promise.resolve(),
    get handles() {
      return watcher === null ? 0 : 1;
    },
    close: () => watcher?.close(),
  };
}

function watchPerFolder(options: TreeWatcherOptions): TreeWatcher {
  const watchers = new Map<string, FSWatcher>();
  const reported = new Set<string>();
  let closed = false;

  const reportError = (code: string, message: string): void => {
    if (reported.has(code)) return;
    reported.add(code);
    options.onError(message);
  };

  const unwatchBelow = (relative: string): void => {
    for (const [folder, watcher] of watchers) {
      if (folder === relative || folder.startsWith(`${relative}/`)) {
        watcher.close();
        watchers.delete(folder);
      }
    }
  };

  /** Watches `relative` and the folders below it; `announce` reports the files found (a folder created after the start). */
  const addFolder = async (relative: string, announce: boolean): Promise<void> => {
    if (closed || watchers.has(relative)) return;
    const absolute = path.join(options.root, relative);
    let watcher: FSWatcher;
    try {
      watcher = watch(absolute, { persistent: false }, (_event, name) => {
        if (name === null) return;
        const child = toRelative(relative, name.toString());
        if (options.isIgnored(child)) return;
        options.onChange(child);
        // A new folder must be watched too; a removed one stops its own watcher.
        void stat(path.join(options.root, child)).then(
          (info) => (info.isDirectory() ? addFolder(child, true) : undefined),
          () => unwatchBelow(child),
        );
      });
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code ?? 'watch';
      if (code !== 'ENOENT') reportError(code, `cannot watch ${absolute}: ${code === 'ENOSPC' ? 'the inotify watch limit is reached (raise fs.inotify.max_user_watches, or ignore more folders)' : code}`);
      return;
    }
    watcher.on('error', () => unwatchBelow(relative));
    watchers.set(relative, watcher);
    const entries = await readdir(absolute, { withFileTypes: true }).catch(() => []);
    await Promise.all(
      entries.map((entry) => {
        const child = toRelative(relative, entry.name);
        if (options.isIgnored(child)) return undefined;
        // Symlinks are not followed: they can loop, and they point outside the tree more often than not.
        if (entry.isDirectory()) return addFolder(child, announce);
        if (announce) options.onChange(child);
        return undefined;
      }),
    );
  };

  const ready = addFolder('', false);
  return {
    ready,
    get handles() {
      return watchers.size;
    },
    close: () => {
      closed = true;
      for (const watcher of watchers.values()) watcher.close();
      watchers.clear();
    },
  };
}
