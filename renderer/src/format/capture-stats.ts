// What capture let go of to stay within its limits, said where the traffic list is.
import type { CaptureStats } from '../../../shared/traffic.js';
import { countOf, formatBytes } from './format.js';

export interface CaptureDropNote {
  /** One line for the toolbar: "1,234 older exchanges dropped · 56 bodies dropped (cap 2 MB)". */
  text: string;
  /** The details behind it, for a tooltip. */
  title: string;
}

/** null while nothing was dropped: a full but lossless capture is not news. */
export function captureDropNote(stats: CaptureStats): CaptureDropNote | null {
  const parts: string[] = [];
  if (stats.evictedExchanges > 0) parts.push(`${countOf(stats.evictedExchanges, 'older exchange')} dropped`);
  if (stats.droppedBodies > 0) parts.push(`${countOf(stats.droppedBodies, 'body', 'bodies')} dropped`);
  if (parts.length === 0) return null;
  const { limits } = stats;
  const title = [
    `Capture keeps ${formatBytes(stats.retainedBytes)} of its ${formatBytes(limits.maxTotalBytes)} cap in ${countOf(stats.exchanges, 'exchange')} (at most ${limits.maxExchanges.toLocaleString('en-US')}); each body is kept up to ${formatBytes(limits.maxBodyBytes)}.`,
    stats.evictedExchanges > 0 ? `The oldest unpinned exchanges went first: ${countOf(stats.evictedExchanges, 'exchange')}, ${formatBytes(stats.evictedBytes)}.` : '',
    stats.droppedBodies > 0 ? `${countOf(stats.droppedBodies, 'exchange')} stayed listed without ${stats.droppedBodies === 1 ? 'its' : 'their'} bodies and messages: ${formatBytes(stats.droppedBodyBytes)}.` : '',
    'Pin an exchange to keep it.',
  ]
    .filter((s) => s !== '')
    .join('\n');
  return { text: `${parts.join(' · ')} (cap ${formatBytes(limits.maxTotalBytes)})`, title };
}

/** Why an exchange the list showed is gone from the engine. */
export function droppedExchangeText(id: number): string {
  return `Exchange #${id} was dropped to stay within the capture cap: the oldest unpinned exchanges go first. Pin an exchange to keep it.`;
}
