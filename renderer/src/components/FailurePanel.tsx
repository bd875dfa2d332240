import type { ExchangeDetail } from '../../../shared/traffic.js';
import { formatClock } from '../format/format.js';
import { actions } from '../store/store.js';

/** Why an exchange failed, and what its service printed around that time. */
export function FailurePanel({ detail, live }: { detail: ExchangeDetail; live: boolean }) {
  if (detail.error === null && detail.logLines.length === 0) return null;
  return (
    <section className="failure" aria-label="Failure explanation">
      {detail.error !== null && (
        <div className="failure-box" role="note">
          <strong>{detail.error.title}</strong>
          <p>{detail.error.detail}</p>
          <span className="muted small mono">{detail.error.code}</span>
        </div>
      )}
      {detail.logLines.length > 0 && (
        <>
          <h4>
            Log lines from {detail.service ?? 'the service'} around that time
            {live && <ShowInLogs detail={detail} />}
          </h4>
          <pre className="log-lines mono" aria-label="Service log lines">
            {detail.logLines.map((l) => `${formatClock(l.time)} ${l.service} ${l.stream === 'stderr' ? '!' : ' '} ${l.text}`).join('\n')}
          </pre>
        </>
      )}
    </section>
  );
}

/** Opens the Logs tab at the moment the exchange started, next to every other line of its project. */
export function ShowInLogs({ detail }: { detail: Pick<ExchangeDetail, 'project' | 'start'> }) {
  return (
    <button type="button" className="link small show-in-logs" onClick={() => actions.showLogsAt(detail.project, detail.start)} title="Open the log view at the moment this exchange started">
      show in logs
    </button>
  );
}
