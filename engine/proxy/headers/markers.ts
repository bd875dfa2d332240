// locald's own request and response markers. Requests carrying REPLAY_HEADER come from the
// engine's replay; the marker never reaches a service.

/** Marks a request the engine sends as a replay of a captured one. Never forwarded. */
export const REPLAY_HEADER = 'x-locald-replay-of';
/** Tells the replaying engine which exchange its request became. Only on replays. */
export const EXCHANGE_ID_HEADER = 'x-locald-exchange-id';

/** Reads the replay marker from a request's headers (HTTP/1.1 or HTTP/2 alike). */
export function replayOf(req: { headers: Record<string, string | string[] | undefined> }): number | null {
  const value = req.headers[REPLAY_HEADER];
  if (typeof value !== 'string' || !/^\d{1,15}$/.test(value)) return null;
  return Number(value);
}

/** Headers locald reads off a request for itself (lower case); no service ever sees them. */
export const LOCALD_ONLY_HEADERS: ReadonlySet<string> = new Set([REPLAY_HEADER]);
