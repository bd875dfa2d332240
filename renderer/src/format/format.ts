// How numbers, times and statuses read in the UI.
import type { ServiceState } from '../../../shared/state.js';
import type { ExchangeSummary } from '../../../shared/traffic.js';

/** A service's status badge. A given-up service is 'crashed' for everything else; the badge says why it stays down. */
export function serviceStatusText(service: Pick<ServiceState, 'status' | 'gaveUpAfter'>): string {
  return (service.gaveUpAfter ?? null) !== null ? 'gave up' : service.status;
}

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 ** 2) return `${trim(n / 1024)} KB`;
  if (n < 1024 ** 3) return `${trim(n / 1024 ** 2)} MB`;
  return `${trim(n / 1024 ** 3)} GB`;
}

export function formatDuration(ms: number | null): string {
  if (ms === null) return '…';
  if (ms < 1) return `${ms.toFixed(2)} ms`;
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${trim(ms / 1000)} s`;
  return `${Math.floor(ms / 60_000)}m ${Math.round((ms % 60_000) / 1000)}s`;
}

/** Local wall-clock time with milliseconds: 14:03:07.123 */
export function formatClock(epochMs: number): string {
  const d = new Date(epochMs);
  const pad = (n: number, w = 2) => String(n).padStart(w, '0');
  return `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}.${pad(d.getMilliseconds(), 3)}`;
}

function trim(n: number): string {
  return n >= 100 ? String(Math.round(n)) : n.toFixed(1).replace(/\.0$/, '');
}

export type StatusTone = 'pending' | 'info' | 'ok' | 'redirect' | 'client-error' | 'server-error' | 'failed';

export function statusTone(e: Pick<ExchangeSummary, 'status' | 'error' | 'state'>): StatusTone {
  // A failure after a final answer below 500 keeps that answer's tone (a 200 the client stopped
  // reading is still a 200); a 101 only says the upgrade worked, so a stream that broke after it failed.
  if (e.error !== null || e.state === 'error' || e.state === 'aborted') return e.status !== null && e.status >= 200 && e.status < 500 ? toneOf(e.status) : 'failed';
  if (e.status === null) return 'pending';
  return toneOf(e.status);
}

function toneOf(status: number): StatusTone {
  if (status >= 500) return 'server-error';
  if (status >= 400) return 'client-error';
  if (status >= 300) return 'redirect';
  if (status >= 200) return 'ok';
  return 'info';
}

export function statusText(e: Pick<ExchangeSummary, 'status' | 'state' | 'error'>): string {
  if (e.status !== null) return String(e.status);
  if (e.error !== null) return 'failed';
  return e.state === 'aborted' ? 'aborted' : e.state === 'streaming' ? 'open' : '…';
}

export function protocolLabel(e: Pick<ExchangeSummary, 'clientProtocol' | 'kind'>): string {
  const kind = e.kind === 'http' ? '' : e.kind === 'websocket' ? ' ws' : ` ${e.kind}`;
  return `${e.clientProtocol === 'http/1.1' ? 'h1' : e.clientProtocol}${kind}`;
}

/** The URL the client asked for, for copying and display. */
export function absoluteUrl(e: Pick<ExchangeSummary, 'clientProtocol' | 'host' | 'url'>): string {
  const scheme = e.clientProtocol === 'h2' ? 'https' : 'http';
  return `${scheme}://${e.host}${e.url.startsWith('/') ? e.url : `/${e.url}`}`;
}

/** "1 restart", "2 restarts", "0 entries": a count with its noun in the right number. */
export function countOf(n: number, singular: string, plural = `${singular}s`): string {
  return `${n.toLocaleString('en-US')} ${n === 1 ? singular : plural}`;
}
