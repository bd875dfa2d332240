import { useState } from 'react';
import { ACTION_KINDS, ACTION_LABELS, FAIL_KINDS, type ActionKind, type BreakpointOn, type FailKind, type RuleDraft } from '../rules/rule-draft.js';
import { activeModel } from '../store/store.js';
import { knownValues } from './FilterBar.js';
import { SuggestInput } from './SuggestInput.js';

interface Props {
  initial: RuleDraft;
  /** "New rule" or "Edit rule 3". */
  title: string;
  /** The engine's errors for the last save, each located (e.g. `match`, `mock.status`). */
  errors: { field: string; message: string }[];
  saving: boolean;
  /** A rule from the project's locald.rules.toml: shown, edited in that file. */
  readOnly: boolean;
  onSave: (draft: RuleDraft) => void;
  onCancel: () => void;
}

const FAIL_LABELS: Record<FailKind, string> = {
  reset: 'Reset the connection',
  'close-after': 'Close after some bytes',
  '502': 'Answer 502 Bad Gateway',
  '503': 'Answer 503 Service Unavailable',
  '504': 'Answer 504 Gateway Timeout',
};

/** The form of one rule: a matcher in the filter language and one action. */
export function RuleEditor({ initial, title, errors, saving, readOnly, onSave, onCancel }: Props) {
  const [draft, setDraft] = useState(initial);
  const change = (patch: Partial<RuleDraft>) => setDraft((d) => ({ ...d, ...patch }));
  return (
    <section className="rule-editor replay-editor" aria-label={title}>
      <h2 className="section-title">{title}</h2>
      {readOnly && <p className="muted small">From the project’s locald.rules.toml: change it in that file (locald reloads it).</p>}
      <fieldset className="plain" disabled={readOnly}>
        <label className="block">
          Match <span className="muted small">(the traffic filter language: method:POST path:/api/users service:api header:x-foo=bar; empty: every exchange)</span>
          <SuggestInput value={draft.match} onChange={(match) => change({ match })} known={() => knownValues(activeModel())} label="Match" listId="rule-match-suggestions" type="text" />
        </label>
        <label>
          Action
          <select value={draft.action} onChange={(e) => change({ action: e.target.value as ActionKind })} aria-label="Action">
            {ACTION_KINDS.map((k) => (
              <option key={k} value={k}>
                {ACTION_LABELS[k]}
              </option>
            ))}
          </select>
        </label>
        <ActionFields draft={draft} setDraft={setDraft} />
        <label className="toggle">
          <input type="checkbox" checked={draft.enabled} aria-label="Enabled" onChange={(e) => change({ enabled: e.target.checked })} /> Enabled
        </label>
      </fieldset>
      {errors.length > 0 && (
        <div role="alert" aria-label="Rule errors" className="error-text small">
          {errors.map((e) => (
            <div key={`${e.field}:${e.message}`}>
              {e.field !== '' && <span className="mono">{e.field}: </span>}
              {e.message}
            </div>
          ))}
        </div>
      )}
      <div className="editor-actions">
        {!readOnly && (
          <button type="button" className="primary" disabled={saving} onClick={() => onSave(draft)}>
            {saving ? 'Saving…' : 'Save rule'}
          </button>
        )}
        <button type="button" onClick={onCancel}>
          {readOnly ? 'Close' : 'Cancel'}
        </button>
      </div>
    </section>
  );
}

type SetDraft = React.Dispatch<React.SetStateAction<RuleDraft>>;

function ActionFields({ draft, setDraft }: { draft: RuleDraft; setDraft: SetDraft }) {
  const part = <K extends 'mock' | 'map' | 'headers' | 'delay'>(key: K, patch: Partial<RuleDraft[K]>) => setDraft((d) => ({ ...d, [key]: { ...d[key], ...patch } }));
  switch (draft.action) {
    case 'breakpoint':
      return (
        <fieldset className="choice">
          <legend>Pause on</legend>
          {(['request', 'response', 'both'] as BreakpointOn[]).map((on) => (
            <label key={on} className="toggle">
              <input type="radio" name="breakpoint-on" checked={draft.breakpoint === on} aria-label={`Pause on ${on === 'both' ? 'request and response' : on}`} onChange={() => setDraft((d) => ({ ...d, breakpoint: on }))} /> {on === 'both' ? 'Request and response' : on === 'request' ? 'Request' : 'Response'}
            </label>
          ))}
        </fieldset>
      );
    case 'mock':
      return (
        <>
          <div className="editor-line">
            <label>
              Status
              <input className="mono method-input" value={draft.mock.status} aria-label="Status" onChange={(e) => part('mock', { status: e.target.value })} inputMode="numeric" />
            </label>
            <label>
              Only the first N times <span className="muted small">(empty: always)</span>
              <input className="mono method-input" value={draft.mock.times} aria-label="Only the first N times" onChange={(e) => part('mock', { times: e.target.value })} inputMode="numeric" />
            </label>
          </div>
          <label className="block">
            Response headers <span className="muted small">(one “Name: value” per line)</span>
            <textarea className="mono" rows={4} value={draft.mock.headers} aria-label="Response headers" onChange={(e) => part('mock', { headers: e.target.value })} spellCheck={false} />
          </label>
          <label>
            Body from a file <span className="muted small">(in the project folder, e.g. mocks/flags.json; used instead of the body below)</span>
            <input className="mono" value={draft.mock.bodyFile} aria-label="Body from a file" onChange={(e) => part('mock', { bodyFile: e.target.value })} spellCheck={false} />
          </label>
          <label className="block">
            Response body
            <textarea className="mono" rows={8} value={draft.mock.body} aria-label="Response body" disabled={draft.mock.bodyFile.trim() !== ''} onChange={(e) => part('mock', { body: e.target.value })} spellCheck={false} />
          </label>
        </>
      );
    case 'map':
      return (
        <div className="editor-line">
          <label>
            To service
            <input className="mono" value={draft.map.service} aria-label="To service" onChange={(e) => part('map', { service: e.target.value })} spellCheck={false} />
          </label>
          <label>
            To path
            <input className="mono" value={draft.map.path} aria-label="To path" onChange={(e) => part('map', { path: e.target.value })} spellCheck={false} placeholder="/v1" />
          </label>
          <label className="grow">
            To URL
            <input className="mono" value={draft.map.url} aria-label="To URL" onChange={(e) => part('map', { url: e.target.value })} spellCheck={false} placeholder="http://127.0.0.1:9000" />
          </label>
          <label>
            Host header <span className="muted small">(empty: as default)</span>
            <input className="mono" value={draft.map.host} aria-label="Host header" onChange={(e) => part('map', { host: e.target.value })} spellCheck={false} />
          </label>
        </div>
      );
    case 'headers':
      return (
        <div className="header-grid">
          <label className="block">
            Set request headers
            <textarea className="mono" rows={3} value={draft.headers.setRequest} aria-label="Set request headers" onChange={(e) => part('headers', { setRequest: e.target.value })} spellCheck={false} placeholder="x-debug: 1" />
          </label>
          <label className="block">
            Set response headers
            <textarea className="mono" rows={3} value={draft.headers.setResponse} aria-label="Set response headers" onChange={(e) => part('headers', { setResponse: e.target.value })} spellCheck={false} />
          </label>
          <label className="block">
            Remove request headers <span className="muted small">(one name per line)</span>
            <textarea className="mono" rows={3} value={draft.headers.removeRequest} aria-label="Remove request headers" onChange={(e) => part('headers', { removeRequest: e.target.value })} spellCheck={false} />
          </label>
          <label className="block">
            Remove response headers <span className="muted small">(one name per line)</span>
            <textarea className="mono" rows={3} value={draft.headers.removeResponse} aria-label="Remove response headers" onChange={(e) => part('headers', { removeResponse: e.target.value })} spellCheck={false} />
          </label>
        </div>
      );
    case 'delay':
      return (
        <fieldset className="choice">
          <legend>Delay</legend>
          <label className="toggle">
            <input type="radio" name="delay-mode" checked={draft.delay.mode === 'fixed'} aria-label="Fixed delay" onChange={() => part('delay', { mode: 'fixed' })} /> Fixed
          </label>
          <label className="toggle">
            <input type="radio" name="delay-mode" checked={draft.delay.mode === 'range'} aria-label="Random delay between" onChange={() => part('delay', { mode: 'range' })} /> Random between
          </label>
          {draft.delay.mode === 'fixed' ? (
            <label>
              Latency
              <input className="mono method-input" value={draft.delay.fixed} aria-label="Latency" onChange={(e) => part('delay', { fixed: e.target.value })} placeholder="300ms" />
            </label>
          ) : (
            <div className="editor-line">
              <label>
                Minimum
                <input className="mono method-input" value={draft.delay.min} aria-label="Minimum" onChange={(e) => part('delay', { min: e.target.value })} />
              </label>
              <label>
                Maximum
                <input className="mono method-input" value={draft.delay.max} aria-label="Maximum" onChange={(e) => part('delay', { max: e.target.value })} />
              </label>
            </div>
          )}
        </fieldset>
      );
    case 'throttle':
      return (
        <label>
          Bandwidth <span className="muted small">(per exchange, e.g. 64kb/s)</span>
          <input className="mono method-input" value={draft.throttle} aria-label="Bandwidth" onChange={(e) => setDraft((d) => ({ ...d, throttle: e.target.value }))} />
        </label>
      );
    case 'fail':
      return (
        <fieldset className="choice">
          <legend>Fail by</legend>
          {FAIL_KINDS.map((k) => (
            <label key={k} className="toggle">
              <input type="radio" name="fail-kind" checked={draft.fail === k} aria-label={FAIL_LABELS[k]} onChange={() => setDraft((d) => ({ ...d, fail: k }))} /> {FAIL_LABELS[k]}
            </label>
          ))}
          {draft.fail === 'close-after' && (
            <label>
              Bytes before closing
              <input className="mono method-input" value={draft.closeAfter} aria-label="Bytes before closing" onChange={(e) => setDraft((d) => ({ ...d, closeAfter: e.target.value }))} placeholder="1kb" />
            </label>
          )}
        </fieldset>
      );
  }
}
