import { useEffect, useMemo, useRef, useState } from 'react';
import { formatConfigIssue } from '../../../shared/config.js';
import type { ProjectState, ServiceState } from '../../../shared/state.js';
import { countOf, formatClock, serviceStatusText } from '../format/format.js';
import { searchLogs } from '../model/log-buffer.js';
import { actions, useUi } from '../store/store.js';
import { useStickToBottom } from './stick-to-bottom.js';

function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/** Projects with on/off switches, their services' states and reasons, and live logs. */
export function ProjectsView() {
  const projects = useUi((s) => s.projects);
  const [chosen, setChosen] = useState<string | null>(null);
  const current = projects.find((p) => p.name === chosen) ?? projects[0];
  if (projects.length === 0) return <div className="empty">No projects. Run `locald up DIR` or add one from the tray.</div>;
  return (
    <div className="projects-view">
      <ul className="project-list" aria-label="Projects">
        {projects.map((p) => (
          <li key={p.name}>
            <ProjectCard project={p} selected={p.name === current?.name} onSelect={() => setChosen(p.name)} />
          </li>
        ))}
      </ul>
      {current !== undefined && <LogsPanel key={current.name} project={current} />}
    </div>
  );
}

/** `[capture] persist` at runtime: the project's traffic is kept on disk and shown again after a restart. */
function KeepTrafficToggle({ project }: { project: ProjectState }) {
  const api = useUi((s) => s.api);
  const [busy, setBusy] = useState(false);
  const kept = project.persistTraffic === true;
  const change = async () => {
    if (api === null) return;
    setBusy(true);
    try {
      actions.projectChanged(await api.call('projects.persistTraffic', { project: project.name, persist: !kept }));
    } catch (e) {
      actions.notify(`Keeping the traffic of ${project.name} failed: ${errorText(e)}`, 'error');
    } finally {
      setBusy(false);
    }
  };
  return (
    <label className="small muted keep-traffic" title="Captured exchanges are written to disk and shown again (marked earlier) after locald restarts. Pinned ones always are.">
      <input type="checkbox" checked={kept} disabled={busy} onChange={() => void change()} aria-label={`Keep traffic of ${project.name} across restarts`} /> keep traffic across restarts
    </label>
  );
}

function ProjectCard({ project, selected, onSelect }: { project: ProjectState; selected: boolean; onSelect: () => void }) {
  const api = useUi((s) => s.api);
  const [busy, setBusy] = useState(false);
  const on = project.status !== 'stopped' && project.status !== 'error';
  const toggle = async () => {
    if (api === null) return;
    setBusy(true);
    try {
      actions.projectChanged(await api.call(on ? 'projects.stop' : 'projects.start', { project: project.name }));
    } catch (e) {
      actions.notify(`${on ? 'Stop' : 'Start'} ${project.name} failed: ${errorText(e)}`, 'error');
    } finally {
      setBusy(false);
    }
  };
  return (
    <div className={`project-card${selected ? ' selected' : ''}`}>
      <div className="project-head">
        <label className="switch">
          <input type="checkbox" role="switch" checked={on} disabled={busy || project.status === 'stopping'} onChange={() => void toggle()} aria-label={`Run project ${project.name}`} />
          <span aria-hidden="true" className="slider" />
        </label>
        <button type="button" className="project-name link" onClick={onSelect} aria-label={`Show logs of ${project.name}`}>
          {project.name}
        </button>
        <span className={`pstatus pstatus-${project.status}`}>{project.status}</span>
        <span className="muted small mono project-url">{project.url}</span>
        <KeepTrafficToggle project={project} />
      </div>
      {project.configIssues.length > 0 && (
        <ul className="config-issues" aria-label={`Config problems in ${project.name}`}>
          {project.configIssues.map((i, n) => (
            <li key={n} className="error-text small">
              {formatConfigIssue(i)}
            </li>
          ))}
        </ul>
      )}
      <table className="services">
        <tbody>
          {project.services.map((s) => (
            <ServiceRow key={s.name} project={project.name} service={s} />
          ))}
        </tbody>
      </table>
    </div>
  );
}

function ServiceRow({ project, service }: { project: string; service: ServiceState }) {
  const api = useUi((s) => s.api);
  const restart = async () => {
    if (api === null) return;
    try {
      await api.call('services.restart', { project, service: service.name });
      actions.notify(`Restarting ${project}/${service.name}`);
    } catch (e) {
      actions.notify(`Restart ${project}/${service.name} failed: ${errorText(e)}`, 'error');
    }
  };
  return (
    <tr className={`service svc-${service.status}`}>
      <th scope="row" className="mono">
        {service.name}
      </th>
      <td>
        <span className={`sstatus sstatus-${service.status}`}>{serviceStatusText(service)}</span>
      </td>
      <td className="small mono">{service.port !== null ? `:${service.port}` : ''}</td>
      <td className="small">
        {service.reason}
        {service.diagnostics.map((d) => (
          <div key={d} className="muted">
            {d}
          </div>
        ))}
        {service.restarts > 0 && <span className="muted restarts"> · {countOf(service.restarts, 'restart')}</span>}
      </td>
      <td>
        <button type="button" onClick={() => void restart()} aria-label={`Restart ${service.name}`}>
          Restart
        </button>
      </td>
    </tr>
  );
}

function LogsPanel({ project }: { project: ProjectState }) {
  const api = useUi((s) => s.api);
  const logs = useUi((s) => s.logs);
  useUi((s) => s.logsVersion);
  const [service, setService] = useState<string | null>(null);
  const [query, setQuery] = useState('');
  const connected = useUi((s) => s.connection.status === 'open');
  useEffect(() => {
    if (api === null || !connected) return;
    api.call('logs.read', { project: project.name, limit: 2000 }).then(
      (lines) => actions.ingestLogs(lines),
      (e: unknown) => actions.notify(`Reading logs of ${project.name} failed: ${errorText(e)}`, 'error'),
    );
  }, [api, project.name, connected]);
  const all = logs.lines(project.name);
  const shown = useMemo(() => searchLogs(all, service, query).slice(-1000), [all, all.length, service, query]);
  const linesRef = useRef<HTMLPreElement>(null);
  useStickToBottom(linesRef, shown);
  return (
    <section className="logs-panel" aria-label={`Logs of ${project.name}`}>
      <div className="logs-toolbar">
        <h3>Logs · {project.name}</h3>
        <select value={service ?? ''} onChange={(e) => setService(e.target.value === '' ? null : e.target.value)} aria-label="Service">
          <option value="">all services</option>
          {project.services.map((s) => (
            <option key={s.name} value={s.name}>
              {s.name}
            </option>
          ))}
        </select>
        <input type="search" value={query} onChange={(e) => setQuery(e.target.value)} placeholder="Search logs" aria-label="Search logs" />
        <span className="muted small">{countOf(shown.length, 'line')}</span>
      </div>
      <pre ref={linesRef} className="log-lines mono" aria-label="Log lines" tabIndex={0}>
        {shown.map((l) => (
          <div key={l.seq} className={`log-${l.stream}`}>
            <span className="muted">{formatClock(l.time)}</span> <span className="log-svc">{l.service}</span> {l.text}
          </div>
        ))}
      </pre>
    </section>
  );
}
