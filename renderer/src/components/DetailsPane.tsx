import { useEffect, useState } from 'react';
import { canReplay } from '../model/replay.js';
import type { ExchangeDetail } from '../../../shared/traffic.js';
import { absoluteUrl, formatBytes, formatDuration, statusText, statusTone } from '../format/format.js';
import { copyRequest, exportHar, resend, setPinned } from '../store/commands.js';
import { ruleFromExchange, showRule } from '../store/rule-commands.js';
import { activeModel, actions, useUi } from '../store/store.js';
import { ExchangeDroppedError } from '../store/exchange-dropped.js';
import { fetchDetail } from '../store/traffic-source.js';
import { droppedExchangeText } from '../format/capture-stats.js';
import { BodyView } from './BodyView.js';
import { FailurePanel, ShowInLogs } from './FailurePanel.js';
import { HeadersTable } from './HeadersTable.js';
import { MessagesView } from './MessagesView.js';
import { ReplayEditor } from './ReplayEditor.js';
import { TimingBar } from './TimingBar.js';

type DetailTab = 'headers' | 'request' | 'response' | 'messages' | 'timing' | 'failure' | 'edit';

export function DetailsPane() {
  const id = useUi((s) => s.selectedId);
  return id === null ? null : <ExchangeDetails key={id} id={id} />;
}

function ExchangeDetails({ id }: { id: number }) {
  useUi((s) => s.trafficVersion);
  const evicted = useUi((s) => s.droppedId === id);
  const editorFor = useUi((s) => s.editorFor);
  const readOnly = useUi((s) => s.imported !== null);
  const model = activeModel();
  const summary = model.get(id);
  const [detail, setDetail] = useState<ExchangeDetail | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [dropped, setDropped] = useState(false);
  // A new selection opens on the most telling tab.
  const [tab, setTab] = useState<DetailTab>(() =>
    editorFor === id ? 'edit' : summary?.error != null ? 'failure' : summary !== undefined && summary.kind !== 'http' ? 'messages' : 'headers',
  );
  const changeKey = summary === undefined ? '' : `${summary.id}:${summary.state}:${summary.status}:${summary.messageCount}:${summary.pinned}`;

  useEffect(() => {
    let live = true;
    setError(null);
    fetchDetail(id, true).then(
      (d) => {
        if (!live) return;
        setDetail(d);
      },
      (e: unknown) => {
        if (!live) return;
        if (e instanceof ExchangeDroppedError) setDropped(true);
        else setError(e instanceof Error ? e.message : String(e));
      },
    );
    return () => {
      live = false;
    };
  }, [id, changeKey]);

  // The Edit & resend tab is open exactly while the store's editorFor names this exchange,
  // so Escape and "Close editor" (which clear editorFor) leave the tab too.
  useEffect(() => {
    if (editorFor === id) setTab('edit');
    else setTab((current) => (current === 'edit' ? 'headers' : current));
  }, [editorFor, id]);
  const chooseTab = (next: DetailTab) => {
    setTab(next);
    if (next === 'edit') actions.openEditor(id);
    else if (editorFor === id) actions.openEditor(null);
  };

  // Capture evicted it (the event, or the engine's not_found, said so): say why it is gone.
  if (evicted || dropped) return <DroppedExchange id={id} />;
  const shown = detail !== null && detail.id === id ? detail : null;
  const head = shown ?? summary;
  if (head === undefined) return <aside className="details">{error ?? 'Exchange not found.'}</aside>;

  const tabs: [DetailTab, string][] = [['headers', 'Headers']];
  // An upgraded WebSocket has no bodies: its sizes count frame bytes, which the Messages tab shows.
  if (head.kind !== 'websocket') {
    tabs.push(['request', `Request body${head.requestSize > 0 ? ` (${formatBytes(head.requestSize)})` : ''}`]);
    tabs.push(['response', `Response body${head.responseSize > 0 ? ` (${formatBytes(head.responseSize)})` : ''}`]);
  }
  if (head.kind !== 'http' || head.messageCount > 0) tabs.push(['messages', `Messages (${head.messageCount})`]);
  tabs.push(['timing', 'Timing']);
  if (head.error !== null || (shown?.logLines.length ?? 0) > 0) tabs.push(['failure', 'Failure & logs']);
  const replayable = canReplay(head, readOnly);
  if (replayable) tabs.push(['edit', 'Edit & resend']);
  const replays = model.replaysOf(id);

  return (
    <aside className="details" aria-label={`Exchange #${id} details`}>
      <header className="details-head">
        <div className="details-title">
          <span className={`status-pill tone-${statusTone(head)}`}>{statusText(head)}</span>
          <span className="mono method">{head.method}</span>
          <span className="mono url" title={absoluteUrl(head)}>
            {absoluteUrl(head)}
          </span>
          <button type="button" className="icon close" aria-label="Close details (Esc)" onClick={() => actions.openDetail(false)}>
            ✕
          </button>
        </div>
        <div className="details-sub muted small">
          #{id} · {head.project ?? 'no project'}/{head.service ?? 'no service'}
          {head.route !== null && ` via ${head.route}`}
          {head.forwardedUrl !== null && head.forwardedUrl !== head.url && ` → ${head.forwardedUrl}`} · {formatDuration(head.duration)} · {head.state}
          {!readOnly && head.ruleId !== undefined && head.project !== null && (
            <>
              {' · '}
              <button type="button" className="link" onClick={() => void showRule(head.project ?? '', head.ruleId ?? '')} aria-label={`Open the rule that acted (${head.ruleAction ?? 'rule'})`}>
                rule: {head.ruleAction ?? 'acted'}
              </button>
            </>
          )}
          {!readOnly && head.pausedBy !== undefined && (
            <>
              {' · '}
              <button type="button" className="link" onClick={() => actions.setTab('paused')}>
                paused at a breakpoint
              </button>
            </>
          )}
          {!readOnly && head.project !== null && (
            <>
              {' · '}
              <ShowInLogs detail={head} />
            </>
          )}
          {head.replayOf !== null && (
            <>
              {' · '}
              <button type="button" className="link" onClick={() => actions.select(head.replayOf, true)}>
                replay of #{head.replayOf}
              </button>
            </>
          )}
          {replays.length > 0 && (
            <>
              {' · replays: '}
              {replays.map((r) => (
                <button key={r} type="button" className="link" onClick={() => actions.select(r, true)} aria-label={`Open replay #${r}`}>
                  #{r}
                </button>
              ))}
            </>
          )}
        </div>
        {head.error !== null && (
          <div className="inline-error" role="note">
            <strong>{head.error.title}</strong> — {head.error.detail}
          </div>
        )}
        <div className="details-actions">
          {!readOnly && (
            <>
              {/* Edit & resend is a tab, not also a button here: it is a place to work in (like Headers), while these are one-shot actions. */}
              {replayable && (
                <button type="button" onClick={() => void resend(id)} title="Send the same request again (R)">
                  Resend
                </button>
              )}
              <button type="button" onClick={() => void ruleFromExchange(id)} title="Open the rule editor on a mock of this exchange (also: right-click a row)">
                Make a rule
              </button>
              <button type="button" onClick={() => void setPinned(id, !head.pinned)}>
                {head.pinned ? 'Unpin' : 'Pin'}
              </button>
            </>
          )}
          <button type="button" onClick={() => void copyRequest(id, 'curl')}>
            Copy as cURL
          </button>
          <button type="button" onClick={() => void copyRequest(id, 'fetch')}>
            Copy as fetch
          </button>
          {!readOnly && (
            <button type="button" onClick={() => void exportHar([id])}>
              Export HAR
            </button>
          )}
        </div>
        <div className="tabs" role="tablist" aria-label="Details sections">
          {tabs.map(([t, label]) => (
            <button key={t} type="button" role="tab" aria-selected={tab === t} className={tab === t ? 'active' : ''} onClick={() => chooseTab(t)}>
              {label}
            </button>
          ))}
        </div>
      </header>
      <div className="details-body" role="tabpanel">
        {error !== null && <p className="error-text">Could not load details: {error}</p>}
        {shown === null ? error === null && <p className="muted">Loading…</p> : <TabContent tab={tab} detail={shown} live={!readOnly} />}
      </div>
    </aside>
  );
}

function DroppedExchange({ id }: { id: number }) {
  return (
    <aside className="details" aria-label={`Exchange #${id} details`}>
      <header className="details-head">
        <div className="details-title">
          <span className="mono">#{id}</span>
          <button type="button" className="icon close" aria-label="Close details (Esc)" onClick={() => actions.openDetail(false)}>
            ✕
          </button>
        </div>
      </header>
      <div className="details-body">
        <p className="muted" role="status">
          {droppedExchangeText(id)}
        </p>
      </div>
    </aside>
  );
}

function TabContent({ tab, detail, live }: { tab: DetailTab; detail: ExchangeDetail; live: boolean }) {
  switch (tab) {
    case 'headers':
      return (
        <div className="header-grid">
          <HeadersTable title="Request headers (as received)" headers={detail.requestHeaders} />
          <HeadersTable title="Request headers (as forwarded to the service)" headers={detail.forwardedRequestHeaders} />
          <HeadersTable title="Response headers (as received from the service)" headers={detail.responseHeaders} />
          <HeadersTable title="Response headers (as sent to the client)" headers={detail.forwardedResponseHeaders} />
          {detail.requestTrailers.length > 0 && <HeadersTable title="Request trailers" headers={detail.requestTrailers} />}
          {detail.responseTrailers.length > 0 && <HeadersTable title="Response trailers" headers={detail.responseTrailers} />}
        </div>
      );
    case 'request':
      return <BodyView id={detail.id} which="request" info={detail.requestBody} />;
    case 'response':
      return <BodyView id={detail.id} which="response" info={detail.responseBody} />;
    case 'messages':
      return <MessagesView detail={detail} />;
    case 'timing':
      return <TimingBar detail={detail} />;
    case 'failure':
      return <FailurePanel detail={detail} live={live} />;
    case 'edit':
      return <ReplayEditor key={detail.id} detail={detail} />;
  }
}
