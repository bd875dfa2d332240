import { useEffect, useState } from 'react';
import type { PausedExchange } from '../../../shared/rules.js';
import { base64ToBytes, decodeText, utf8ToBase64 } from '../body/bytes.js';
import { headersToText, textToHeaders } from '../export/headers-text.js';
import { formatClock } from '../format/format.js';
import { pausedEdits, remainingText } from '../rules/paused.js';
import { abortPaused, answerPaused, resumePaused } from '../store/breakpoint-commands.js';
import { actions, useUi } from '../store/store.js';

/** Exchanges held by breakpoint rules: edit the request or the response, then continue, abort or answer. */
export function PausedView() {
  const paused = useUi((s) => s.paused);
  const [chosen, setChosen] = useState<string | null>(null);
  const now = useNow(paused.length > 0);
  const current = paused.find((p) => p.id === chosen) ?? paused[0];
  if (current === undefined) return <div className="empty">Nothing is paused. A breakpoint rule (Rules tab) holds matching exchanges here.</div>;
  return (
    <div className="paused-view">
      <ul className="paused-list" aria-label="Paused exchanges">
        {paused.map((p) => (
          <li key={p.id}>
            <button type="button" className={p.id === current.id ? 'selected' : ''} aria-pressed={p.id === current.id} onClick={() => setChosen(p.id)} aria-label={`Paused ${p.phase} ${p.request.method} ${p.request.url}`}>
              <span className="badge paused">{p.phase}</span> <span className="mono">{p.request.method}</span> <span className="mono">{p.request.url}</span>
              <span className="small muted"> {p.project} · continues in {remainingText(p.timeoutAt, now)}</span>
            </button>
          </li>
        ))}
      </ul>
      <PausedEditor key={`${current.id}:${current.phase}`} paused={current} now={now} />
    </div>
  );
}

/** Ticks once a second while something is paused, for the countdowns. */
function useNow(active: boolean): number {
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    if (!active) return;
    const timer = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(timer);
  }, [active]);
  return now;
}

function showExchange(id: number | null): void {
  if (id === null) return;
  actions.setTab('traffic');
  actions.select(id, true);
}

function bodyText(base64: string | null): string | null {
  return base64 === null ? null : decodeText(base64ToBytes(base64));
}

function PausedEditor({ paused, now }: { paused: PausedExchange; now: number }) {
  const isRequest = paused.phase === 'request';
  const originalHeaders = isRequest ? paused.request.headers : (paused.response?.headers ?? []);
  const originalBody = bodyText(isRequest ? paused.request.body : (paused.response?.body ?? null));
  const [method, setMethod] = useState(paused.request.method);
  const [url, setUrl] = useState(paused.request.url);
  const [status, setStatus] = useState(String(paused.response?.status ?? 200));
  const [headersText, setHeadersText] = useState(headersToText(originalHeaders));
  const [body, setBody] = useState(originalBody ?? '');
  const [answer, setAnswer] = useState({ status: '200', headers: 'content-type: text/plain', body: '' });
  const [busy, setBusy] = useState(false);
  const headers = textToHeaders(headersText);
  const answerHeaders = textToHeaders(answer.headers);
  const bodyEdited = body !== (originalBody ?? '');
  const side = isRequest ? 'request' : 'response';

  const run = async (what: () => Promise<boolean>) => {
    setBusy(true);
    if (await what()) actions.pausedGone(paused.id);
    setBusy(false);
  };
  const resume = () => run(() => resumePaused(paused.id, pausedEdits(paused, { method, url, status, headers: headers.headers, body: bodyEdited ? body : null })));

  return (
    <section className="replay-editor paused-editor" aria-label={`Paused ${side}`}>
      <p className="small muted" role="status" aria-label="Pause timeout">
        Paused at {formatClock(paused.pausedAt)} by rule {paused.ruleId}
        {paused.exchangeId !== null && (
          <>
            {' ('}
            <button type="button" className="link" onClick={() => showExchange(paused.exchangeId)}>
              #{paused.exchangeId} in Traffic
            </button>
            )
          </>
        )}
        . Continues unchanged in {remainingText(paused.timeoutAt, now)}.{' '}
        {paused.clientTimeoutMs === null ? "The client's own timeout is not known." : `The client gives up in ${remainingText(paused.pausedAt + paused.clientTimeoutMs, now)}.`}
      </p>
      {isRequest ? (
        <div className="editor-line">
          <label>
            Method
            <input className="mono method-input" value={method} aria-label="Method" onChange={(e) => setMethod(e.target.value)} spellCheck={false} />
          </label>
          <label className="grow">
            URL
            <input className="mono" value={url} aria-label="URL" onChange={(e) => setUrl(e.target.value)} spellCheck={false} />
          </label>
        </div>
      ) : (
        <label>
          Status
          <input className="mono method-input" value={status} aria-label="Status" onChange={(e) => setStatus(e.target.value)} inputMode="numeric" />
        </label>
      )}
      <label className="block">
        {isRequest ? 'Request headers' : 'Response headers'} <span className="muted small">(one “Name: value” per line)</span>
        <textarea className="mono" rows={Math.min(14, originalHeaders.length + 2)} value={headersText} aria-label={isRequest ? 'Request headers' : 'Response headers'} onChange={(e) => setHeadersText(e.target.value)} spellCheck={false} />
      </label>
      <label className="block">
        {isRequest ? 'Request body' : 'Response body'}
        {originalBody === null && !bodyEdited && <span className="muted small"> (not held or binary: sent unchanged unless you type one)</span>}
        <textarea className="mono" rows={8} value={body} aria-label={isRequest ? 'Request body' : 'Response body'} onChange={(e) => setBody(e.target.value)} spellCheck={false} />
      </label>
      {headers.errors.length > 0 && (
        <div role="alert" className="error-text small">
          {headers.errors.map((e) => (
            <div key={e.line}>{e.message}</div>
          ))}
        </div>
      )}
      <div className="editor-actions">
        <button type="button" className="primary" disabled={busy || headers.errors.length > 0} onClick={() => void resume()}>
          Continue
        </button>
        <button type="button" disabled={busy} onClick={() => void run(() => abortPaused(paused.id))}>
          Abort
        </button>
      </div>
      <fieldset className="choice">
        <legend>Answer with a fixed response instead</legend>
        <div className="editor-line">
          <label>
            Answer status
            <input className="mono method-input" value={answer.status} aria-label="Answer status" onChange={(e) => setAnswer({ ...answer, status: e.target.value })} inputMode="numeric" />
          </label>
          <label className="grow">
            Answer headers
            <textarea className="mono" rows={2} value={answer.headers} aria-label="Answer headers" onChange={(e) => setAnswer({ ...answer, headers: e.target.value })} spellCheck={false} />
          </label>
        </div>
        <label className="block">
          Answer body
          <textarea className="mono" rows={3} value={answer.body} aria-label="Answer body" onChange={(e) => setAnswer({ ...answer, body: e.target.value })} spellCheck={false} />
        </label>
        <button
          type="button"
          disabled={busy || answerHeaders.errors.length > 0}
          onClick={() => void run(() => answerPaused(paused.id, { status: Number(answer.status), headers: answerHeaders.headers, body: utf8ToBase64(answer.body) }))}
        >
          Answer
        </button>
      </fieldset>
    </section>
  );
}
