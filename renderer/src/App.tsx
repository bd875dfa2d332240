import { useEffect, useRef } from 'react';
import type { InspectorFilter } from '../../shared/desktop.js';
import { connect, type EngineConnection } from './connection/connect.js';
import { ConnectionBadge } from './components/ConnectionBadge.js';
import { LogsView } from './components/LogsView.js';
import { ProjectsView } from './components/ProjectsView.js';
import { inspectorFilterFromSearch, inspectorFilterText } from './filter/inspector-filter.js';
import { PausedView } from './components/PausedView.js';
import { RulesView } from './components/RulesView.js';
import { TrafficView } from './components/TrafficView.js';
import { loadPaused } from './store/breakpoint-commands.js';
import { rulesChanged } from './store/rule-commands.js';
import { actions, useUi, type Tab } from './store/store.js';
import { forgetCached } from './store/traffic-source.js';

const TABS: [Tab, string][] = [
  ['traffic', 'Traffic'],
  ['rules', 'Rules'],
  ['paused', 'Paused'],
  ['logs', 'Logs'],
  ['projects', 'Projects'],
];

export function App() {
  const tab = useUi((s) => s.tab);
  const pausedCount = useUi((s) => s.paused.length);
  const connection = useRef<EngineConnection | null>(null);
  useEffect(() => {
    const conn = connect();
    connection.current = conn;
    actions.setApi(conn.api);
    const offs = [
      conn.api.subscribe('traffic.batch', (batch) => actions.ingest(batch)),
      conn.api.subscribe('traffic.evicted', ({ ids }) => actions.evicted(ids)),
      conn.api.subscribe('traffic.cleared', () => actions.trafficCleared()),
      conn.api.subscribe('traffic.stats', (stats) => actions.setCaptureStats(stats)),
      conn.api.subscribe('project.state', (p) => actions.projectChanged(p)),
      conn.api.subscribe('project.removed', ({ project }) => actions.projectRemoved(project)),
      conn.api.subscribe('service.log', (lines) => actions.ingestLogs(lines)),
      conn.api.subscribe('rules.changed', (set) => rulesChanged(set)),
      conn.api.subscribe('breakpoint.paused', (p) => actions.pausedAdded(p)),
      conn.api.subscribe('breakpoint.resumed', ({ id }) => actions.pausedGone(id)),
      conn.onState((state) => {
        actions.setConnection(state);
        if (state.status === 'open') void resync(conn);
      }),
    ];
    const showFiltered = (filter: InspectorFilter): void => {
      actions.setFilter(inspectorFilterText(filter));
      actions.setTab('traffic');
    };
    const opened = inspectorFilterFromSearch(location.search);
    if (opened !== null) showFiltered(opened);
    const offFilter = conn.desktop?.onInspectorFilter(showFiltered);
    return () => {
      for (const off of offs) off();
      offFilter?.();
      conn.close();
    };
  }, []);

  return (
    <div className="app">
      <header className="topbar">
        <span className="brand">locald</span>
        <nav className="tabs-main" role="tablist" aria-label="Views">
          {TABS.map(([id, label]) => (
            <button key={id} type="button" role="tab" aria-selected={tab === id} className={tab === id ? 'active' : ''} onClick={() => actions.setTab(id)}>
              {id === 'paused' && pausedCount > 0 ? `${label} (${pausedCount})` : label}
            </button>
          ))}
        </nav>
        <span className="spacer" />
        <ConnectionBadge onRetry={() => connection.current?.retryNow()} />
      </header>
      <main className="content">
        <View tab={tab} />
      </main>
      <Notice />
    </div>
  );
}

function View({ tab }: { tab: Tab }) {
  switch (tab) {
    case 'traffic':
      return <TrafficView />;
    case 'rules':
      return <RulesView />;
    case 'paused':
      return <PausedView />;
    case 'logs':
      return <LogsView />;
    case 'projects':
      return <ProjectsView />;
  }
}

function Notice() {
  const notice = useUi((s) => s.notice);
  useEffect(() => {
    if (notice === null || notice.tone === 'error') return;
    const timer = setTimeout(() => actions.dismissNotice(), 4000);
    return () => clearTimeout(timer);
  }, [notice]);
  if (notice === null) return null;
  return (
    <div className={`notice notice-${notice.tone}`} role={notice.tone === 'error' ? 'alert' : 'status'}>
      <span>{notice.text}</span>
      <button type="button" className="icon" aria-label="Dismiss message" onClick={() => actions.dismissNotice()}>
        ✕
      </button>
    </div>
  );
}

/** How many earlier lines of each project to load at connect; live lines then come as events. */
const LOG_HISTORY_LINES = 2000;

/** After (re)connecting: the engine is the truth; reload projects, their recent logs and the traffic snapshot. */
async function resync(conn: EngineConnection): Promise<void> {
  try {
    const projects = await conn.api.call('projects.list', {});
    actions.setProjects(projects);
    // Loaded up front, not when the Logs tab opens, so a jump from an exchange finds its moment.
    for (const p of projects) {
      conn.api.call('logs.read', { project: p.name, limit: LOG_HISTORY_LINES }).then(
        (lines) => actions.ingestLogs(lines),
        (e: unknown) => actions.notify(`Reading logs of ${p.name} failed: ${e instanceof Error ? e.message : String(e)}`, 'error'),
      );
    }
  } catch (e) {
    actions.notify(`Loading projects failed: ${e instanceof Error ? e.message : String(e)}`, 'error');
  }
  try {
    const snapshot = await conn.api.call('traffic.list', {});
    forgetCached();
    actions.replaceTraffic(snapshot);
    actions.setCaptureStats(await conn.api.call('traffic.stats', {}));
  } catch (e) {
    actions.notify(`Traffic capture is not available: ${e instanceof Error ? e.message : String(e)}`, 'error');
  }
  await loadPaused();
}
