// Why the dashboard's engine socket closed, in the terms the badge shows. Browsers report a
// refused handshake and a vanished engine alike (close code 1006), so the page asks
// /api/info: 401/403 there means the engine is up but the token in the cookie was rotated.

export type CloseCause = 'engine-away' | 'token-refused' | 'closed';

/** `infoStatus`: the HTTP status of GET /api/info after the close, or null when nothing answered. */
export function closeCause(code: number, infoStatus: number | null): CloseCause {
  if (code !== 1006) return 'closed';
  return infoStatus === 401 || infoStatus === 403 ? 'token-refused' : 'engine-away';
}

export function closeReason(cause: CloseCause, code: number, reason: string): string {
  switch (cause) {
    case 'engine-away':
      return 'the engine is away (restarting or stopped)';
    case 'token-refused':
      return 'the dashboard token changed; open the URL that `locald dashboard` prints';
    case 'closed':
      return `closed (${code}${reason ? `: ${reason}` : ''})`;
  }
}
