// The timing bar: connect, send, wait (server time) and receive as shares of the total.
import type { ExchangeTimings } from '../../../shared/traffic.js';

export interface TimingSegment {
  phase: 'connect' | 'send' | 'wait' | 'receive';
  label: string;
  /** ms after the request arrived. */
  from: number;
  ms: number;
}

const LABELS: Record<TimingSegment['phase'], string> = {
  connect: 'Connect to service',
  send: 'Send request',
  wait: 'Waiting for first byte',
  receive: 'Receive response',
};

export function timingSegments(t: ExchangeTimings): TimingSegment[] {
  const points: [TimingSegment['phase'], number | null][] = [
    ['connect', t.upstreamConnected],
    ['send', t.requestSent],
    ['wait', t.firstByte],
    ['receive', t.end],
  ];
  const out: TimingSegment[] = [];
  let previous = 0;
  for (const [phase, at] of points) {
    if (at === null || at < previous) continue;
    out.push({ phase, label: LABELS[phase], from: previous, ms: at - previous });
    previous = at;
  }
  return out;
}
