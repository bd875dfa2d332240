import { useEffect, useState } from 'react';
import { useUi } from '../store/store.js';

/** Where the connection to the engine stands, with a countdown while reconnecting. */
export function ConnectionBadge({ onRetry }: { onRetry: () => void }) {
  const connection = useUi((s) => s.connection);
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    if (connection.status !== 'closed') return;
    const timer = setInterval(() => setNow(Date.now()), 500);
    return () => clearInterval(timer);
  }, [connection.status]);
  if (connection.status === 'open') {
    return (
      <span className="conn conn-open" role="status" aria-label="Connection: connected">
        ● connected
      </span>
    );
  }
  if (connection.status === 'connecting') {
    // A later attempt is a reconnection: the engine was there before.
    const again = connection.attempt > 0;
    return (
      <span className="conn conn-wait" role="status" aria-label={`Connection: ${again ? 'reconnecting' : 'connecting'}`}>
        ◌ {again ? 'reconnecting' : 'connecting'}…
      </span>
    );
  }
  const seconds = Math.max(0, Math.ceil((connection.retryAt - now) / 1000));
  if (connection.cause === 'engine-away') {
    // Restarts are routine (the token is kept): the tab reconnects by itself.
    return (
      <span className="conn conn-wait" role="status" aria-label={`Connection: reconnecting, ${connection.reason}`}>
        ◌ reconnecting — {connection.reason}; next try in {seconds}s{' '}
        <button type="button" className="link" onClick={onRetry}>
          Retry now
        </button>
      </span>
    );
  }
  return (
    <span className="conn conn-closed" role="status" aria-label={`Connection: disconnected, ${connection.reason}`}>
      ○ disconnected — {connection.reason}; retrying in {seconds}s{' '}
      <button type="button" className="link" onClick={onRetry}>
        Retry now
      </button>
    </span>
  );
}
