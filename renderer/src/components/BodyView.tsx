import { useEffect, useMemo, useState } from 'react';
import type { BodyContent, BodyInfo } from '../../../shared/traffic.js';
import { base64ToBytes, decodeText, detectBodyKind, hexDump, mediaType, parseJson, sniffImage, type BodyKind } from '../body/bytes.js';
import { countOf, formatBytes } from '../format/format.js';
import { fetchBody } from '../store/traffic-source.js';
import { JsonTree } from './JsonTree.js';

type Viewer = 'auto' | 'json' | 'text' | 'hex';
const HEX_PAGE = 2048;
const TEXT_LIMIT = 512 * 1024;

/** Fetches one body on demand and shows it in the viewer that fits. */
export function BodyView({ id, which, info }: { id: number; which: 'request' | 'response'; info: BodyInfo }) {
  const [body, setBody] = useState<BodyContent | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [viewer, setViewer] = useState<Viewer>('auto');
  useEffect(() => {
    let live = true;
    setBody(null);
    setError(null);
    if (info.size === 0 && info.captured === 0) return;
    fetchBody(id, which).then(
      (b) => live && setBody(b),
      (e: unknown) => live && setError(e instanceof Error ? e.message : String(e)),
    );
    return () => {
      live = false;
    };
  }, [id, which, info.size, info.captured]);

  if (info.size === 0 && info.captured === 0) return <p className="muted">No {which} body.</p>;
  if (info.dropped) return <p className="muted">The {which} body ({formatBytes(info.size)}) was dropped to stay within the capture limit.</p>;
  if (error !== null) return <p className="error-text">Could not load the {which} body: {error}</p>;
  if (body === null) return <p className="muted">Loading {which} body…</p>;
  return <BodyContentView body={body} info={info} viewer={viewer} setViewer={setViewer} />;
}

function BodyContentView({ body, info, viewer, setViewer }: { body: BodyContent; info: BodyInfo; viewer: Viewer; setViewer: (v: Viewer) => void }) {
  const bytes = useMemo(() => base64ToBytes(body.base64), [body.base64]);
  const kind = useMemo(() => detectBodyKind(body.contentType, bytes), [body.contentType, bytes]);
  const shown: BodyKind | 'hex' = viewer === 'auto' ? kind : viewer === 'json' ? 'json' : viewer === 'text' ? 'text' : 'hex';
  return (
    <div className="body-view">
      <div className="body-meta">
        <span>
          {body.contentType ?? 'no content type'} · {formatBytes(body.size)}
          {body.decodedFrom !== null && ` · decoded from ${body.decodedFrom}`}
          {(info.truncated || body.truncated) && ` · showing the first ${formatBytes(info.captured)} (truncated)`}
        </span>
        {body.decodeError !== null && <span className="error-text"> · could not decode: {body.decodeError}</span>}
        <label className="viewer-pick">
          View as{' '}
          <select value={viewer} onChange={(e) => setViewer(e.target.value as Viewer)} aria-label="Body viewer">
            <option value="auto">auto ({kind})</option>
            <option value="json">JSON</option>
            <option value="text">text</option>
            <option value="hex">hex</option>
          </select>
        </label>
      </div>
      <Viewer kind={shown} bytes={bytes} contentType={body.contentType} />
    </div>
  );
}

function Viewer({ kind, bytes, contentType }: { kind: BodyKind | 'hex'; bytes: Uint8Array; contentType: string | null }) {
  switch (kind) {
    case 'empty':
      return <p className="muted">Empty body.</p>;
    case 'json': {
      const text = decodeText(bytes);
      const value = text === null ? undefined : parseJson(text);
      return value === undefined ? <p className="muted">Not valid JSON.</p> : <JsonTree value={value} />;
    }
    case 'image':
      return <ImagePreview bytes={bytes} contentType={contentType} />;
    case 'html':
      return (
        <>
          <p className="muted small">HTML is shown as source. Captured pages are never rendered or run.</p>
          <TextBlock bytes={bytes} />
        </>
      );
    case 'text':
      return <TextBlock bytes={bytes} />;
    case 'binary':
    case 'hex':
      return <HexBlock bytes={bytes} />;
  }
}

function TextBlock({ bytes }: { bytes: Uint8Array }) {
  const text = useMemo(() => new TextDecoder().decode(bytes.subarray(0, TEXT_LIMIT)), [bytes]);
  return (
    <>
      <pre className="body-text mono" aria-label="Body text">
        {text}
      </pre>
      {bytes.length > TEXT_LIMIT && <p className="muted small">Showing the first {formatBytes(TEXT_LIMIT)}.</p>}
    </>
  );
}

function HexBlock({ bytes }: { bytes: Uint8Array }) {
  const [lines, setLines] = useState(HEX_PAGE);
  const dump = useMemo(() => hexDump(bytes, lines).join('\n'), [bytes, lines]);
  const total = Math.ceil(bytes.length / 16);
  return (
    <>
      <pre className="body-hex mono" aria-label="Body hex dump">
        {dump}
      </pre>
      {total > lines && (
        <button type="button" className="link" onClick={() => setLines(lines + HEX_PAGE)}>
          Show more ({countOf(total - lines, 'line')} left)
        </button>
      )}
    </>
  );
}

/** Previews from a blob: URL made of the fetched bytes; never an http URL to captured content. */
function ImagePreview({ bytes, contentType }: { bytes: Uint8Array; contentType: string | null }) {
  const [url, setUrl] = useState<string | null>(null);
  useEffect(() => {
    const type = sniffImage(bytes) ?? (mediaType(contentType) || 'application/octet-stream');
    const blobUrl = URL.createObjectURL(new Blob([bytes.slice()], { type }));
    setUrl(blobUrl);
    return () => URL.revokeObjectURL(blobUrl);
  }, [bytes, contentType]);
  if (url === null) return null;
  return <img className="body-image" src={url} alt={`Image body (${contentType ?? 'unknown type'})`} />;
}
