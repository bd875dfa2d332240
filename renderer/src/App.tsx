import { useEffect, useRef } from 'react';
import type { InspectorFilter } from '../../shared/desktop.js';
import { connect, type EngineConnection } from './connection/connect.js';
import { ConnectionBadge } from './components/ConnectionBadge.js';
import { ProjectsView } from './components/ProjectsView.js';
import { inspectorFilterFromSearch, inspectorFilterText } from './filter/inspector-filter.js';
import { TrafficView } from './components/TrafficView.js';
import { actions, useUi } from './store/store.js';
import { forgetCached } from './store/traffic-source.js';

export function App() {
  const tab = useUi((s) => s.tab);
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
          <button type="button" role="tab" aria-selected={tab === 'traffic'} className={tab === 'traffic' ? 'active' : ''} onClick={() => actions.setTab('traffic')}>
            Traffic
          </button>
          <button type="button" role="tab" aria-selected={tab === 'projects'} className={tab === 'projects' ? 'active' : ''} onClick={() => actions.setTab('projects')}>
            Projects
          </button>
        </nav>
        <span className="spacer" />
        <ConnectionBadge onRetry={() => connection.current?.retryNow()} />
      </header>
      <main className="content">{tab === 'traffic' ? <TrafficView /> : <ProjectsView />}</main>
      <Notice />
    </div>
  );
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

/** After (re)connecting: the engine is the truth; reload projects and the traffic snapshot. */
async function resync(conn: EngineConnection): Promise<void> {
  try {
    actions.setProjects(await conn.api.call('projects.list', {}));
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
}
