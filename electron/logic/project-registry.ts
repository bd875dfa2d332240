// The list of projects the user added, kept in the app's userData folder. The file is
// versioned; older versions are migrated on load, and a file that cannot be read is
// moved aside and replaced by an empty registry, with an error the tray shows.
import { mkdir, readFile, readdir, rename, rm } from 'node:fs/promises';
import { dirname, isAbsolute, join } from 'node:path';
import { isTempFileOf, writeFileAtomic } from '../../engine/atomic-file.js';

export const REGISTRY_VERSION = 2;
export const REGISTRY_FILE_NAME = 'projects.json';

export interface RegistryEntry {
  /** Absolute project folder; the registry's key. */
  dir: string;
  /** commandsHash() of the config the user last approved, or null when never approved. */
  approvedHash: string | null;
  /** Whether the user left the project switched on. */
  enabled: boolean;
  /**
   * "Notify on failures" in the tray; absent means on. Optional within version 2: an older
   * locald ignores it, and files written before it existed notify as before.
   */
  notify?: boolean;
}

export interface RegistryFileV2 {
  version: 2;
  projects: RegistryEntry[];
}

export type ParseResult = { ok: true; entries: RegistryEntry[]; migratedFrom: number | null } | { ok: false; error: string };

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function checkDir(value: unknown, where: string): string {
  if (typeof value !== 'string' || !isAbsolute(value)) throw new Error(`${where}: expected an absolute folder path`);
  return value;
}

/** v1 was a bare array of folders; nothing had been approved yet, so every entry needs approval again. */
function migrateV1(data: unknown[]): RegistryEntry[] {
  return data.map((dir, index) => ({ dir: checkDir(dir, `projects[${index}]`), approvedHash: null, enabled: false }));
}

function parseV2(data: Record<string, unknown>): RegistryEntry[] {
  if (!Array.isArray(data.projects)) throw new Error('"projects": expected an array');
  return data.projects.map((entry: unknown, index): RegistryEntry => {
    const where = `projects[${index}]`;
    if (!isRecord(entry)) throw new Error(`${where}: expected an object`);
    const approvedHash = entry.approvedHash;
    if (approvedHash !== null && typeof approvedHash !== 'string') throw new Error(`${where}.approvedHash: expected a string or null`);
    if (typeof entry.enabled !== 'boolean') throw new Error(`${where}.enabled: expected true or false`);
    if (entry.notify !== undefined && typeof entry.notify !== 'boolean') throw new Error(`${where}.notify: expected true or false`);
    const notify = entry.notify === undefined ? {} : { notify: entry.notify };
    return { dir: checkDir(entry.dir, `${where}.dir`), approvedHash, enabled: entry.enabled, ...notify };
  });
}

function dedupe(entries: RegistryEntry[]): RegistryEntry[] {
  const byDir = new Map<string, RegistryEntry>();
  for (const entry of entries) if (!byDir.has(entry.dir)) byDir.set(entry.dir, entry);
  return [...byDir.values()];
}

/** Parses any known version of the registry file's text. Pure: no I/O. */
export function parseRegistry(text: string): ParseResult {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    return { ok: false, error: `not valid JSON (${(error as Error).message})` };
  }
  try {
    if (Array.isArray(data)) return { ok: true, entries: dedupe(migrateV1(data)), migratedFrom: 1 };
    if (!isRecord(data)) return { ok: false, error: 'expected an object with "version" and "projects"' };
    if (data.version === 2) return { ok: true, entries: dedupe(parseV2(data)), migratedFrom: null };
    if (typeof data.version === 'number' && data.version > REGISTRY_VERSION) {
      return { ok: false, error: `written by a newer locald (version ${data.version}; this one reads up to ${REGISTRY_VERSION})` };
    }
    return { ok: false, error: `unknown version ${JSON.stringify(data.version) ?? 'none'}` };
  } catch (error) {
    return { ok: false, error: (error as Error).message };
  }
}

export function serializeRegistry(entries: RegistryEntry[]): string {
  const file: RegistryFileV2 = { version: REGISTRY_VERSION, projects: entries };
  return `${JSON.stringify(file, null, 2)}\n`;
}

export interface LoadResult {
  entries: RegistryEntry[];
  /** Set when the file was unreadable: what was wrong and where the old file was moved. */
  error: string | null;
  migratedFrom: number | null;
}

/**
 * Owns projects.json. Loading never throws for bad content; writes are atomic and
 * serialised, so two quick toggles cannot interleave.
 */
export class ProjectRegistry {
  readonly file: string;
  private entries: RegistryEntry[] = [];
  private writing: Promise<void> = Promise.resolve();

  constructor(userDataDir: string, fileName: string = REGISTRY_FILE_NAME) {
    this.file = join(userDataDir, fileName);
  }

  list(): RegistryEntry[] {
    return this.entries.map((entry) => ({ ...entry }));
  }

  get(dir: string): RegistryEntry | undefined {
    const entry = this.entries.find((candidate) => candidate.dir === dir);
    return entry === undefined ? undefined : { ...entry };
  }

  async load(): Promise<LoadResult> {
    await mkdir(dirname(this.file), { recursive: true });
    await this.removeStaleTempFiles();
    let text: string;
    try {
      text = await readFile(this.file, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
        this.entries = [];
        return { entries: [], error: null, migratedFrom: null };
      }
      throw error;
    }
    const parsed = parseRegistry(text);
    if (parsed.ok) {
      this.entries = parsed.entries;
      if (parsed.migratedFrom !== null) await this.save();
      return { entries: this.list(), error: null, migratedFrom: parsed.migratedFrom };
    }
    const backup = `${this.file}.corrupt-${new Date().toISOString().replace(/[:.]/g, '-')}`;
    await rename(this.file, backup);
    this.entries = [];
    await this.save();
    return {
      entries: [],
      error: `${this.file}: ${parsed.error}. It was moved to ${backup} and an empty project list was started.`,
      migratedFrom: null,
    };
  }

  /** Adds or replaces the entry for entry.dir; a setting the new entry leaves out (notify) is kept. */
  async upsert(entry: RegistryEntry): Promise<void> {
    if (!isAbsolute(entry.dir)) throw new Error(`project folder must be absolute, got "${entry.dir}"`);
    const index = this.entries.findIndex((candidate) => candidate.dir === entry.dir);
    if (index === -1) this.entries.push({ ...entry });
    else this.entries[index] = { ...this.entries[index], ...entry };
    await this.save();
  }

  async update(dir: string, change: Partial<Omit<RegistryEntry, 'dir'>>): Promise<RegistryEntry> {
    const current = this.entries.find((candidate) => candidate.dir === dir);
    if (current === undefined) throw new Error(`no project registered for ${dir}`);
    Object.assign(current, change);
    await this.save();
    return { ...current };
  }

  async remove(dir: string): Promise<boolean> {
    const before = this.entries.length;
    this.entries = this.entries.filter((candidate) => candidate.dir !== dir);
    if (this.entries.length === before) return false;
    await this.save();
    return true;
  }

  private save(): Promise<void> {
    const text = serializeRegistry(this.entries);
    const next = this.writing.catch(() => undefined).then(() => writeFileAtomic(this.file, text));
    this.writing = next;
    return next;
  }

  private async removeStaleTempFiles(): Promise<void> {
    const dir = dirname(this.file);
    for (const name of await readdir(dir)) {
      if (isTempFileOf(this.file, name)) await rm(join(dir, name), { force: true });
    }
  }
}
