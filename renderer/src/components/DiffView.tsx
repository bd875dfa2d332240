import { useEffect, useMemo, useState } from 'react';
import type { ExchangeDetail } from '../../../shared/traffic.js';
import { base64ToBytes, decodeText, parseJson } from '../body/bytes.js';
import { diffStats, lineDiff } from '../diff/line-diff.js';
import { headersToText } from '../export/headers-text.js';
import { fetchBody, fetchDetail } from '../store/traffic-source.js';

/** Response of the original against the response of its replay: status, headers, body. */
export function DiffView({ originalId, replayId }: { originalId: number; replayId: number }) {
  const [pair, setPair] = useState<{ a: Side; b: Side } | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    let live = true;
    Promise.all([loadSide(originalId), loadSide(replayId)]).then(
      ([a, b]) => live && setPair({ a, b }),
      (e: unknown) => live && setError(e instanceof Error ? e.message : String(e)),
    );
    return () => {
      live = false;
    };
  }, [originalId, replayId]);
  if (error !== null) return <p className="error-text">Cannot compare: {error}</p>;
  if (pair === null) return <p className="muted">Loading both responses…</p>;
  return (
    <section className="diff" aria-label={`Differences between #${originalId} and #${replayId}`}>
      <h4>
        Response #{originalId} (original) → #{replayId} (replay)
      </h4>
      <DiffBlock title="Status and headers" before={pair.a.head} after={pair.b.head} />
      <DiffBlock title="Body" before={pair.a.body} after={pair.b.body} />
    </section>
  );
}

interface Side {
  head: string;
  body: string;
}

async function loadSide(id: number): Promise<Side> {
  const detail: ExchangeDetail = await fetchDetail(id, true);
  const head = `${detail.status ?? detail.error?.title ?? detail.state}\n${headersToText(detail.responseHeaders)}`;
  const body = detail.responseBody.captured > 0 ? await fetchBody(id, 'response') : null;
  return { head, body: body === null ? '' : readable(base64ToBytes(body.base64)) };
}

/** Pretty JSON diffs line by line; binary bodies compare as a note. */
function readable(bytes: Uint8Array): string {
  const text = decodeText(bytes);
  if (text === null) return `(binary, ${bytes.length} bytes)`;
  const json = parseJson(text);
  return json === undefined ? text : JSON.stringify(json, null, 2);
}

function DiffBlock({ title, before, after }: { title: string; before: string; after: string }) {
  const ops = useMemo(() => lineDiff(before, after), [before, after]);
  const stats = diffStats(ops);
  return (
    <div className="diff-block">
      <h5>
        {title}{' '}
        <span className="muted">{stats.added === 0 && stats.removed === 0 ? '— identical' : `— +${stats.added} −${stats.removed}`}</span>
      </h5>
      <pre className="diff-lines mono" aria-label={`${title} diff`}>
        {ops.map((o, i) => (
          <div key={i} className={`diff-${o.op}`}>
            {o.op === 'added' ? '+ ' : o.op === 'removed' ? '- ' : '  '}
            {o.text}
          </div>
        ))}
      </pre>
    </div>
  );
}
