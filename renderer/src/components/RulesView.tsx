import { useEffect, useRef, type ReactNode } from 'react';
import { countOf } from '../format/format.js';
import { ruleRow } from '../rules/rule-wire.js';
import { deleteRule, exportRules, importRulesFile, loadRules, moveRule, saveRule, setRuleEnabled } from '../store/rule-commands.js';
import { actions, useUi } from '../store/store.js';
import { RuleEditor } from './RuleEditor.js';

/**
 * The project's rules in order (first match wins), the editor beside them, and import/export
 * as TOML. Rules from the project's own `locald.rules.toml` are shown but edited in that file.
 */
export function RulesView() {
  const projects = useUi((s) => s.projects);
  const project = useUi((s) => s.rulesProject ?? s.projects[0]?.name ?? null);
  const api = useUi((s) => s.api);
  const connected = useUi((s) => s.connection.status === 'open');
  const editing = useUi((s) => s.ruleEditor !== null);
  useEffect(() => {
    if (project !== null && api !== null && connected) void loadRules(project);
  }, [project, api, connected]);
  if (project === null) return <div className="empty">No projects. Rules belong to a project: run `locald up DIR` first.</div>;
  return (
    <div className={`rules-view${editing ? ' with-editor' : ''}`}>
      <div className="rules-main">
        <div className="toolbar">
          <label className="toggle">
            Project
            <select value={project} onChange={(e) => actions.setRulesProject(e.target.value)} aria-label="Project of the rules">
              {projects.map((p) => (
                <option key={p.name} value={p.name}>
                  {p.name}
                </option>
              ))}
            </select>
          </label>
          <RulesToolbar project={project} />
        </div>
        <RuleList project={project} />
      </div>
      <EditorPane project={project} />
    </div>
  );
}

function RulesToolbar({ project }: { project: string }) {
  const fileRef = useRef<HTMLInputElement>(null);
  return (
    <div className="toolbar-actions">
      <button type="button" className="primary" onClick={() => actions.openRuleEditor(null)}>
        Add rule
      </button>
      <button type="button" onClick={() => void exportRules(project)}>
        Export rules
      </button>
      <button type="button" onClick={() => fileRef.current?.click()}>
        Import rules…
      </button>
      <input
        ref={fileRef}
        type="file"
        accept=".toml,text/plain"
        hidden
        aria-label="Rules file to import"
        onChange={(e) => {
          const file = e.target.files?.[0];
          if (file !== undefined) void importRulesFile(project, file);
          e.target.value = '';
        }}
      />
    </div>
  );
}

/** A banner over the rule list: what it is about, then one located line per issue. */
function IssueBanner({ role, label, tone, lines, children }: { role: 'alert' | 'status'; label: string; tone: 'inline-error' | 'inline-warning'; lines: string[]; children: ReactNode }) {
  return (
    <div role={role} aria-label={label} className={`${tone} small`}>
      {children}
      <ul>
        {lines.map((line) => (
          <li key={line} className="mono">
            {line}
          </li>
        ))}
      </ul>
    </div>
  );
}

function RuleList({ project }: { project: string }) {
  const rules = useUi((s) => s.rules);
  const problems = useUi((s) => s.rulesProblems);
  const warnings = useUi((s) => s.rulesWarnings);
  const editing = useUi((s) => s.ruleEditor?.ruleId ?? null);
  const rows = rules.map(ruleRow);
  return (
    <div className="rule-list-wrap">
      {problems.length > 0 && (
        <IssueBanner role="alert" label="Problems in locald.rules.toml" tone="inline-error" lines={problems}>
          <strong>locald.rules.toml has {countOf(problems.length, 'problem', 'problems')}</strong> (its last valid rules keep working):
        </IssueBanner>
      )}
      {warnings.length > 0 && (
        <IssueBanner role="status" label="Rules that name a missing service" tone="inline-warning" lines={warnings}>
          <strong>{countOf(warnings.length, 'rule maps', 'rules map')} to a service this project does not define</strong> (matching requests get an explained 502 until it does):
        </IssueBanner>
      )}
      {rows.length === 0 ? (
        <p className="empty">No rules yet. Add one, or use “Make a rule” on an exchange in Traffic.</p>
      ) : (
        <table className="rule-list" aria-label="Rules">
          <thead>
            <tr>
              <th>#</th>
              <th>On</th>
              <th>Match</th>
              <th>Action</th>
              <th>Source</th>
              <th>
                <span className="visually-hidden">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {rows.map((r, i) => (
              <tr key={r.id} className={`${r.enabled ? '' : 'disabled'}${editing === r.id ? ' selected' : ''}`} aria-label={`Rule ${i + 1}: ${r.match}`}>
                <td className="muted">{i + 1}</td>
                <td>
                  <input type="checkbox" checked={r.enabled} disabled={r.fromProject} onChange={(e) => void setRuleEnabled(project, r.id, e.target.checked)} aria-label={`Enable rule ${i + 1}`} />
                </td>
                <td className="mono">{r.match === '' ? <span className="muted">every exchange</span> : r.match}</td>
                <td>{r.summary}</td>
                <td className="small muted">{r.fromProject ? 'from the project' : 'inspector'}</td>
                <td className="row-buttons">
                  {!r.fromProject && (
                    <>
                      <button type="button" className="icon" disabled={i === 0 || rows[i - 1]?.fromProject === true} onClick={() => void moveRule(project, r.id, -1)} aria-label={`Move rule ${i + 1} up`}>
                        ↑
                      </button>
                      <button type="button" className="icon" disabled={i === rows.length - 1 || rows[i + 1]?.fromProject === true} onClick={() => void moveRule(project, r.id, 1)} aria-label={`Move rule ${i + 1} down`}>
                        ↓
                      </button>
                      <button type="button" onClick={() => actions.openRuleEditor(r.id)} aria-label={`Edit rule ${i + 1}`}>
                        Edit
                      </button>
                      <button type="button" onClick={() => void deleteRule(project, r.id)} aria-label={`Delete rule ${i + 1}`}>
                        Delete
                      </button>
                    </>
                  )}
                  {r.fromProject && (
                    <button type="button" onClick={() => actions.openRuleEditor(r.id)} aria-label={`View rule ${i + 1}`} title="From locald.rules.toml: edit that file">
                      View
                    </button>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}

function EditorPane({ project }: { project: string }) {
  const editor = useUi((s) => s.ruleEditor);
  if (editor === null) return null;
  return (
    <aside className="details rule-editor-pane">
      <div className="details-body">
        <RuleEditor
          key={editor.key}
          initial={editor.draft}
          title={editor.ruleId === null ? 'New rule' : editor.readOnly ? 'Rule from the project' : 'Edit rule'}
          readOnly={editor.readOnly}
          errors={editor.errors}
          saving={editor.saving}
          onSave={(draft) => void saveRule(project, editor.ruleId, draft)}
          onCancel={() => actions.closeRuleEditor()}
        />
      </div>
    </aside>
  );
}
