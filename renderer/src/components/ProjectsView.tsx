import { useState } from 'react';
import { formatConfigIssue } from '../../../shared/config.js';
import type { ProjectState, ServiceState } from '../../../shared/state.js';
import { countOf, serviceStatusText } from '../format/format.js';
import { actions, useUi } from '../store/store.js';
import { LogsView } from './LogsView.js';

function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/**
 * Projects with on/off switches, their services' states and reasons, and next to them the
 * same log view as the Logs tab (one view, one set of filters): choosing a project narrows it.
 */
export function ProjectsView() {
  const projects = useUi((s) => s.projects);
  const chosen = useUi((s) => s.logView.project);
  if (projects.length === 0) return <div className="empty">No projects. Run `locald up DIR` or add one from the tray.</div>;
  return (
    <div className="projects-view">
      <ul className="project-list" aria-label="Projects">
        {projects.map((p) => (
          <li key={p.name}>
            <ProjectCard project={p} selected={p.name === chosen} onSelect={() => actions.setLogView({ project: p.name })} />
          </li>
        ))}
      </ul>
      <LogsView />
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
