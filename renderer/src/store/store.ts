// The UI's state. Exchanges live in TrafficModel (mutable, bounded); the store holds
// it with a version number that ticks once per applied frame of events.
import { create } from 'zustand';
import type { EngineApi } from '../../../shared/api.js';
import type { LogLine, LogStream, ProjectState } from '../../../shared/state.js';
import type { CaptureStats, ExchangeSummary } from '../../../shared/traffic.js';
import type { ConnectionState } from '../connection/connect.js';
import type { ImportedExchange } from '../export/har-import.js';
import { compileFilter } from '../../../shared/filter/match.js';
import { parseFilter, type FilterError } from '../../../shared/filter/parse.js';
import { DEFAULT_COLUMNS, DEFAULT_SORT, toggleColumn, toggleSort, type ColumnId, type SortSpec } from '../model/columns.js';
import { FrameBatcher } from '../model/frame-batcher.js';
import { LogBuffer } from '../model/log-buffer.js';
import { nearestExchange, offsetText } from '../model/log-view.js';
import { formatClock } from '../format/format.js';
import { TrafficModel } from '../model/traffic-model.js';
import { emptyDraft, type RuleDraft } from '../rules/rule-draft.js';
import type { PausedExchange, Rule } from '../../../shared/rules.js';
import { ruleToDraft, type FieldError } from '../rules/rule-wire.js';
import { applyTrafficUpdates, selectionAfterEviction, unpinnedIds, type TrafficUpdate } from '../model/traffic-updates.js';

export type Tab = 'traffic' | 'rules' | 'paused' | 'logs' | 'projects';

/** What the Logs tab shows; in the store so a jump from an exchange can set it. */
export interface LogViewState {
  /** null: every project. */
  project: string | null;
  hiddenServices: string[];
  hiddenStreams: LogStream[];
  query: string;
  /** A moment to show (a jump from traffic): the view scrolls to the line nearest it and marks it. */
  focusTime: number | null;
}

const INITIAL_LOG_VIEW: LogViewState = { project: null, hiddenServices: [], hiddenStreams: [], query: '', focusTime: null };

export interface ImportedSession {
  name: string;
  /** The file as parsed, for traffic.importHar ("Add to live traffic"). */
  har: unknown;
  errors: string[];
  byId: Map<number, ImportedExchange>;
}

/** The rule editor: a new rule (ruleId null) or an edit, with the engine's errors of the last save. */
export interface RuleEditorState {
  /** Changes when the editor opens on something else, so the form starts over. */
  key: number;
  ruleId: string | null;
  /** A project-file rule: shown, not saved. */
  readOnly: boolean;
  draft: RuleDraft;
  errors: FieldError[];
  saving: boolean;
}

export interface UiState {
  api: EngineApi | null;
  connection: ConnectionState;
  tab: Tab;
  liveModel: TrafficModel;
  importedModel: TrafficModel | null;
  imported: ImportedSession | null;
  trafficVersion: number;
  /** What live capture holds and has dropped to stay within its limits; null until the engine said. */
  captureStats: CaptureStats | null;
  filterText: string;
  filterErrors: FilterError[];
  sort: SortSpec;
  columns: ColumnId[];
  selectedId: number | null;
  detailOpen: boolean;
  /** The selected exchange that capture evicted while its details were open (see selectionAfterEviction). */
  droppedId: number | null;
  follow: boolean;
  editorFor: number | null;
  projects: ProjectState[];
  logs: LogBuffer;
  logsVersion: number;
  logView: LogViewState;
  /** Bumped to make the traffic list scroll the selected row into view (a jump from a log line). */
  revealSelected: number;
  notice: { text: string; tone: 'info' | 'error' } | null;
  /** The project the Rules view shows; null: the first. */
  rulesProject: string | null;
  /** Its rules in order (first match wins). */
  rules: Rule[];
  /** Located problems of the project's locald.rules.toml. */
  rulesProblems: string[];
  /** Rules that apply but name a service the project lacks (from the file or the user's). */
  rulesWarnings: string[];
  ruleEditor: RuleEditorState | null;
  /** Exchanges held by breakpoints, oldest first. */
  paused: PausedExchange[];
}

export const useUi = create<UiState>(() => ({
  api: null,
  connection: { status: 'connecting', attempt: 0 },
  tab: 'traffic',
  liveModel: new TrafficModel(),
  importedModel: null,
  imported: null,
  trafficVersion: 0,
  captureStats: null,
  filterText: '',
  filterErrors: [],
  sort: DEFAULT_SORT,
  columns: [...DEFAULT_COLUMNS],
  selectedId: null,
  detailOpen: false,
  droppedId: null,
  follow: true,
  editorFor: null,
  projects: [],
  logs: new LogBuffer(),
  logsVersion: 0,
  logView: INITIAL_LOG_VIEW,
  revealSelected: 0,
  notice: null,
  rulesProject: null,
  rules: [],
  rulesProblems: [],
  rulesWarnings: [],
  ruleEditor: null,
  paused: [],
}));

let editorKey = 0;

const get = useUi.getState;
const set = useUi.setState;

export function activeModel(state: UiState = get()): TrafficModel {
  return state.importedModel ?? state.liveModel;
}

const bump = () => set((s) => ({ trafficVersion: s.trafficVersion + 1 }));

/** At most one flush per frame, and at most ten a second: under a flood, rendering more often shows nothing new. */
const MIN_FLUSH_INTERVAL_MS = 100;
let lastFlush = 0;
const nextFrame = (run: () => void) => {
  const flush = () => {
    lastFlush = performance.now();
    run();
  };
  const wait = Math.max(0, MIN_FLUSH_INTERVAL_MS - (performance.now() - lastFlush));
  const onFrame = () => (document.visibilityState === 'visible' ? requestAnimationFrame(flush) : flush());
  if (wait > 0) setTimeout(onFrame, wait);
  else onFrame();
};

const trafficBatcher = new FrameBatcher<TrafficUpdate>((updates) => {
  const removed = applyTrafficUpdates(get().liveModel, updates);
  if (get().importedModel !== null) return;
  const selection = removed.size === 0 ? null : selectionAfterEviction(get(), removed);
  if (selection !== null) set(selection);
  bump();
}, nextFrame);

const logBatcher = new FrameBatcher<LogLine>((lines) => {
  get().logs.add(lines);
  set((s) => ({ logsVersion: s.logsVersion + 1 }));
}, nextFrame);

export const actions = {
  setConnection(connection: ConnectionState): void {
    set({ connection });
  },
  setApi(api: EngineApi): void {
    set({ api });
  },
  setTab(tab: Tab): void {
    set({ tab });
  },
  ingest(batch: readonly ExchangeSummary[]): void {
    trafficBatcher.push([{ changed: batch }]);
  },
  /** Capture evicted these exchanges: queued with the batches, so they apply in arrival order. */
  evicted(ids: readonly number[]): void {
    trafficBatcher.push([{ evicted: ids }]);
  },
  replaceTraffic(snapshot: readonly ExchangeSummary[]): void {
    const model = get().liveModel;
    model.clear();
    model.apply(snapshot);
    bump();
  },
  trafficCleared(): void {
    // The engine keeps pinned exchanges through a clear; so does the list.
    const model = get().liveModel;
    model.remove(unpinnedIds(model.all()));
    const selected = get().selectedId;
    if (get().importedModel === null && (selected === null || model.get(selected) === undefined)) set({ selectedId: null, detailOpen: false, editorFor: null });
    bump();
  },
  setCaptureStats(captureStats: CaptureStats): void {
    set({ captureStats });
  },
  ingestLogs(lines: readonly LogLine[]): void {
    logBatcher.push(lines);
  },
  setProjects(projects: ProjectState[]): void {
    set({ projects });
  },
  projectChanged(project: ProjectState): void {
    set((s) => {
      const i = s.projects.findIndex((p) => p.name === project.name);
      const projects = [...s.projects];
      if (i === -1) projects.push(project);
      else projects[i] = project;
      return { projects };
    });
  },
  projectRemoved(name: string): void {
    set((s) => ({ projects: s.projects.filter((p) => p.name !== name) }));
  },
  setFilter(text: string): void {
    const parsed = parseFilter(text);
    const predicate = compileFilter(parsed.terms);
    get().liveModel.setFilter(predicate);
    get().importedModel?.setFilter(predicate);
    set({ filterText: text, filterErrors: parsed.errors });
    bump();
  },
  sortBy(column: ColumnId): void {
    const sort = toggleSort(get().sort, column);
    get().liveModel.setSort(sort);
    get().importedModel?.setSort(sort);
    set({ sort, follow: false });
    bump();
  },
  toggleColumn(column: ColumnId): void {
    set((s) => ({ columns: toggleColumn(s.columns, column) }));
  },
  select(id: number | null, open?: boolean): void {
    // The editor belongs to the exchange it was opened on: another selection closes it.
    set((s) => ({ selectedId: id, detailOpen: open ?? (id === null ? false : s.detailOpen), editorFor: id === s.editorFor ? s.editorFor : null }));
  },
  openDetail(open: boolean): void {
    set((s) => ({ detailOpen: open && s.selectedId !== null, editorFor: open ? s.editorFor : null }));
  },
  setFollow(follow: boolean): void {
    set({ follow });
  },
  openEditor(id: number | null): void {
    set({ editorFor: id, ...(id === null ? {} : { selectedId: id, detailOpen: true }) });
  },
  showImported(session: ImportedSession, exchanges: readonly ImportedExchange[]): void {
    const model = new TrafficModel(Math.max(exchanges.length, 1));
    const parsed = parseFilter(get().filterText);
    model.setFilter(compileFilter(parsed.terms));
    model.setSort(get().sort);
    model.apply(exchanges.map((e) => e.detail));
    set({ importedModel: model, imported: session, selectedId: null, detailOpen: false, editorFor: null, follow: false, tab: 'traffic' });
    bump();
  },
  backToLive(): void {
    set({ importedModel: null, imported: null, selectedId: null, detailOpen: false, editorFor: null });
    bump();
  },
  setLogView(change: Partial<LogViewState>): void {
    set((s) => ({ logView: { ...s.logView, ...change } }));
  },
  /** Opens the Logs tab on `project` at `time`, every service and stream shown, so the moment is not hidden. */
  showLogsAt(project: string | null, time: number): void {
    set({ tab: 'logs', logView: { ...INITIAL_LOG_VIEW, project, focusTime: time } });
  },
  /** Opens the live traffic list on the exchange of the line's project that started nearest the line. */
  showTrafficNear(line: Pick<LogLine, 'time' | 'project' | 'service'>): void {
    if (get().importedModel !== null) actions.backToLive();
    const model = get().liveModel;
    const near = nearestExchange(model.all(), line);
    if (near === null) {
      actions.notify(`No captured exchange of ${line.project} to show near ${formatClock(line.time)}.`);
      return;
    }
    // The jump must land on a visible row: a filter that hides it gives way.
    const hidden = model.rowOf(near.id) === -1;
    if (hidden) actions.setFilter('');
    set((s) => ({ tab: 'traffic', follow: false, selectedId: near.id, detailOpen: true, editorFor: null, revealSelected: s.revealSelected + 1 }));
    actions.notify(`#${near.id} started ${offsetText(line.time, near.start)} the log line at ${formatClock(line.time)}${hidden ? ' (filter cleared to show it)' : ''}.`);
  },
  setRulesProject(project: string): void {
    if (project !== get().rulesProject) set({ rulesProject: project, rules: [], rulesProblems: [], rulesWarnings: [], ruleEditor: null });
  },
  setRules(rules: Rule[], problems: string[], warnings: string[]): void {
    set({ rules, rulesProblems: problems, rulesWarnings: warnings });
  },
  /** Opens the editor on a rule, a new empty rule (null), or a prepared draft (a rule from an exchange). */
  openRuleEditor(ruleId: string | null, draft?: RuleDraft): void {
    const rule = ruleId === null ? undefined : get().rules.find((r) => r.id === ruleId);
    const initial = draft ?? (rule === undefined ? emptyDraft() : ruleToDraft(rule));
    set({ tab: 'rules', ruleEditor: { key: ++editorKey, ruleId: rule === undefined ? null : ruleId, readOnly: rule?.source === 'project', draft: initial, errors: [], saving: false } });
  },
  /** A save in flight or its errors; the form keeps what the user typed. */
  /** `key`: only if the editor is still the one the change is about (a save answered after another editor opened). */
  ruleEditorChanged(change: Partial<Pick<RuleEditorState, 'errors' | 'saving' | 'draft'>>, key?: number): void {
    set((s) => (s.ruleEditor === null || (key !== undefined && s.ruleEditor.key !== key) ? {} : { ruleEditor: { ...s.ruleEditor, ...change } }));
  },
  closeRuleEditor(key?: number): void {
    if (key === undefined || get().ruleEditor?.key === key) set({ ruleEditor: null });
  },
  setPaused(paused: PausedExchange[]): void {
    set({ paused });
  },
  /** A breakpoint held an exchange (or held it again, in its response phase). */
  pausedAdded(p: PausedExchange): void {
    set((s) => ({ paused: [...s.paused.filter((x) => x.id !== p.id), p] }));
    if (get().tab !== 'paused') actions.notify(`A breakpoint paused the ${p.phase} of ${p.request.method} ${p.request.url}: see the Paused tab`);
  },
  pausedGone(id: string): void {
    set((s) => ({ paused: s.paused.filter((x) => x.id !== id) }));
  },
  notify(text: string, tone: 'info' | 'error' = 'info'): void {
    set({ notice: { text, tone } });
  },
  dismissNotice(): void {
    set({ notice: null });
  },
};
