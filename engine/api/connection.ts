// Serves the engine protocol over any message channel: one connection per client.
// Requests are validated, answered in any order, and every engine event is forwarded
// until the connection closes.
import { ENGINE_EVENTS, type EngineApi, type EngineEvent, type EventMessage, type RequestMessage, type ResponseMessage } from '../../shared/api.js';
import { describeInvalidRequest } from '../../shared/wire.js';
import { toErrorShape } from '../engine-error.js';

export interface EngineConnection {
  /** Feed every message that arrives from the client. */
  receive(raw: unknown): void;
  /** Stop forwarding events; pending answers are dropped. */
  close(): void;
}

export function serveEngineConnection(api: EngineApi, send: (message: ResponseMessage | EventMessage) => void): EngineConnection {
  let open = true;
  const safeSend = (message: ResponseMessage | EventMessage): void => {
    if (!open) return;
    try {
      send(message);
    } catch {
      // The transport is gone; the close handler will clean up.
    }
  };
  const unsubscribers = ENGINE_EVENTS.map((event: EngineEvent) =>
    api.subscribe(event, (data) => safeSend({ type: 'event', event, data } as EventMessage)),
  );
  return {
    receive(raw) {
      const problem = describeInvalidRequest(raw);
      if (problem !== null) {
        const id = typeof raw === 'object' && raw !== null && typeof (raw as { id?: unknown }).id === 'number' ? (raw as { id: number }).id : -1;
        safeSend({ type: 'response', id, ok: false, error: { code: 'invalid_params', message: problem } });
        return;
      }
      const request = raw as RequestMessage;
      api.call(request.method, request.params as never).then(
        (result) => safeSend({ type: 'response', id: request.id, ok: true, result }),
        (err: unknown) => safeSend({ type: 'response', id: request.id, ok: false, error: toErrorShape(err) }),
      );
    },
    close() {
      open = false;
      for (const off of unsubscribers) off();
    },
  };
}
