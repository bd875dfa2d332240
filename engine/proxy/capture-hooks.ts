// The proxy's side of traffic capture: starting a recorder for each request, and turning
// the proxy's own explanations into the exchange's error. Capture only observes.
import type { IncomingMessage } from 'node:http';
import type { ExchangeError, ExchangeKind } from '../../shared/traffic.js';
import { NOOP_RECORDER, type ExchangeRecorder } from '../capture/index.js';
import type { ProxyProblem } from './problems.js';
import type { ProxyContext, UpstreamTarget } from './types.js';

/** Marks a request the engine sends as a replay of a captured one. Never forwarded. */
export const REPLAY_HEADER = 'x-locald-replay-of';
/** Tells the replaying engine which exchange its request became. Only on replays. */
export const EXCHANGE_ID_HEADER = 'x-locald-exchange-id';

export function replayOf(req: IncomingMessage): number | null {
  const value = req.headers[REPLAY_HEADER];
  if (typeof value !== 'string' || !/^\d{1,15}$/.test(value)) return null;
  return Number(value);
}

/** Removes the replay marker from a flat raw header list, in place. */
export function stripReplayHeader(raw: string[]): string[] {
  for (let i = raw.length - 2; i >= 0; i -= 2) {
    if ((raw[i] as string).toLowerCase() === REPLAY_HEADER) raw.splice(i, 2);
  }
  return raw;
}

export function beginCapture(
  ctx: ProxyContext,
  req: IncomingMessage,
  target: UpstreamTarget | null,
  kind: ExchangeKind = 'http',
): ExchangeRecorder {
  if (ctx.capture === undefined) return NOOP_RECORDER;
  try {
    return ctx.capture.begin({
      kind,
      clientProtocol: req.httpVersionMajor === 2 ? 'h2' : 'http/1.1',
      method: req.method ?? 'GET',
      host: req.headers.host ?? '',
      url: req.url ?? '/',
      requestHeaders: req.rawHeaders,
      clientAddress: req.socket.remoteAddress ?? null,
      project: target?.project.name ?? null,
      service: target?.service.name ?? null,
      route: target?.route ?? null,
      replayOf: replayOf(req),
    });
  } catch {
    return NOOP_RECORDER;
  }
}

/** The error page's explanation, kept with the exchange (same words as the page). */
export function problemToError(problem: ProxyProblem): ExchangeError {
  return { code: problem.code, title: problem.title, detail: problem.hint === undefined ? problem.detail : `${problem.detail} ${problem.hint}` };
}

/** Records a proxy-made answer (an error page) as the exchange's outcome. */
export function recordProblem(recorder: ExchangeRecorder, problem: ProxyProblem, ctx: ProxyContext, target: UpstreamTarget | null): void {
  const logLines =
    target !== null ? safeLogs(() => ctx.backend.recentLogs(target.project.name, target.service.name, 40)) : [];
  recorder.fail(problemToError(problem), logLines, problem.status);
}

function safeLogs<T>(read: () => T[]): T[] {
  try {
    return read();
  } catch {
    return [];
  }
}
