import { useEffect, useState } from 'react';
import type { ExchangeDetail, ReplayEdits } from '../../../shared/traffic.js';
import { base64ToBytes, decodeText, utf8Length, utf8ToBase64 } from '../body/bytes.js';
import { headersToText, sameHeaders, textToHeaders } from '../export/headers-text.js';
import { absoluteUrl } from '../format/format.js';
import { resend } from '../store/commands.js';
import { actions } from '../store/store.js';
import { fetchBody } from '../store/traffic-source.js';
import { DiffView } from './DiffView.js';

/** Edit a captured request (method, URL, headers, body), send it, compare the result. */
export function ReplayEditor({ detail }: { detail: ExchangeDetail }) {
  const original = detail.requestHeaders.filter(([n]) => !n.startsWith(':'));
  const [method, setMethod] = useState(detail.method);
  const [url, setUrl] = useState(absoluteUrl(detail));
  const [headersText, setHeadersText] = useState(headersToText(original));
  const [originalBody, setOriginalBody] = useState<{ text: string | null; size: number } | null>(null);
  const [bodyText, setBodyText] = useState('');
  const [bodyEdited, setBodyEdited] = useState(false);
  const [sending, setSending] = useState(false);
  const [replayId, setReplayId] = useState<number | null>(null);

  useEffect(() => {
    let live = true;
    if (detail.requestBody.captured === 0) {
      setOriginalBody({ text: '', size: 0 });
      return;
    }
    fetchBody(detail.id, 'request').then(
      (b) => {
        if (!live) return;
        const bytes = b === null ? new Uint8Array() : base64ToBytes(b.base64);
        const text = decodeText(bytes);
        setOriginalBody({ text, size: bytes.length });
        setBodyText(text ?? '');
      },
      () => live && setOriginalBody({ text: null, size: detail.requestBody.size }),
    );
    return () => {
      live = false;
    };
  }, [detail.id, detail.requestBody.captured, detail.requestBody.size]);

  const parsed = textToHeaders(headersText);
  const binaryBody = originalBody !== null && originalBody.text === null;
  const bodyBytes = bodyEdited || !binaryBody ? utf8Length(bodyText) : (originalBody?.size ?? 0);
  const truncated = detail.requestBody.truncated;

  const send = async () => {
    const edits: ReplayEdits = {};
    if (method.trim().toUpperCase() !== detail.method) edits.method = method.trim().toUpperCase();
    if (url.trim() !== absoluteUrl(detail)) edits.url = url.trim();
    if (!sameHeaders(parsed.headers, original)) edits.headers = parsed.headers;
    if (bodyEdited) edits.body = utf8ToBase64(bodyText);
    setSending(true);
    const id = await resend(detail.id, Object.keys(edits).length === 0 ? undefined : edits);
    setSending(false);
    if (id !== null) setReplayId(id);
  };

  return (
    <section className="replay-editor" aria-label="Edit and resend">
      <div className="editor-line">
        <label>
          Method
          <input className="mono method-input" value={method} onChange={(e) => setMethod(e.target.value)} aria-label="Method" spellCheck={false} />
        </label>
        <label className="grow">
          URL
          <input className="mono" value={url} onChange={(e) => setUrl(e.target.value)} aria-label="URL" spellCheck={false} />
        </label>
      </div>
      <label className="block">
        Headers <span className="muted small">(one “Name: value” per line, in order)</span>
        <textarea className="mono" rows={Math.min(14, original.length + 2)} value={headersText} onChange={(e) => setHeadersText(e.target.value)} aria-label="Request headers" spellCheck={false} />
      </label>
      {parsed.errors.length > 0 && (
        <div role="alert" className="error-text small">
          {parsed.errors.map((e) => (
            <div key={e.line}>{e.message}</div>
          ))}
        </div>
      )}
      <label className="block">
        Body
        {binaryBody && !bodyEdited ? (
          <div className="muted small">
            Binary body ({originalBody?.size ?? 0} bytes) is sent unchanged.{' '}
            <button type="button" className="link" onClick={() => setBodyEdited(true)}>
              Replace it with text
            </button>
          </div>
        ) : (
          <textarea
            className="mono"
            rows={8}
            value={bodyText}
            onChange={(e) => {
              setBodyText(e.target.value);
              setBodyEdited(true);
            }}
            aria-label="Request body"
            spellCheck={false}
          />
        )}
      </label>
      <p className="muted small" aria-label="Content-Length note">
        Content-Length: {bodyBytes} — locald sets it to the body you send{truncated && bodyEdited === false ? '; the captured body was truncated, so the replay sends only the captured part' : ''}.
      </p>
      <div className="editor-actions">
        <button type="button" className="primary" disabled={sending || parsed.errors.length > 0} onClick={() => void send()}>
          {sending ? 'Sending…' : 'Send'}
        </button>
        <button type="button" onClick={() => actions.openEditor(null)}>
          Close editor
        </button>
        {replayId !== null && (
          <button type="button" className="link" onClick={() => actions.select(replayId, true)}>
            Open replay #{replayId}
          </button>
        )}
      </div>
      {replayId !== null && <DiffView originalId={detail.id} replayId={replayId} />}
    </section>
  );
}
