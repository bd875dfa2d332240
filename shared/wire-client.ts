// An EngineApi over any message transport: main uses it for the tray, and the same
// class works over a window's MessagePort. The transport is two functions, so it has
// no opinion on Electron, DOM or Node ports.
import type {
  EngineApi,
  EngineErrorShape,
  EngineEvent,
  EngineEvents,
  EngineMethod,
  ParamsOf,
  RequestMessage,
  ResultOf,
} from './api.js';
import { isEventMessage, isResponseMessage } from './wire.js';

export class EngineCallError extends Error {
  readonly code: EngineErrorShape['code'];
  readonly details: unknown;
  constructor(method: string, shape: EngineErrorShape) {
    super(`${method}: ${shape.message}`);
    this.name = 'EngineCallError';
    this.code = shape.code;
    this.details = shape.details;
  }
}

interface Waiting {
  method: string;
  resolve: (value: unknown) => void;
  reject: (error: Error) => void;
}

export class WireClient implements EngineApi {
  private nextId = 1;
  private readonly waiting = new Map<number, Waiting>();
  private readonly handlers = new Map<EngineEvent, Set<(data: never) => void>>();

  constructor(private readonly send: (message: RequestMessage) => void) {}

  call<M extends EngineMethod>(method: M, params: ParamsOf<M>): Promise<ResultOf<M>> {
    const id = this.nextId++;
    return new Promise<ResultOf<M>>((resolve, reject) => {
      this.waiting.set(id, { method, resolve: resolve as (value: unknown) => void, reject });
      try {
        this.send({ type: 'request', id, method, params });
      } catch (error) {
        this.waiting.delete(id);
        reject(error instanceof Error ? error : new Error(String(error)));
      }
    });
  }

  subscribe<E extends EngineEvent>(event: E, handler: (data: EngineEvents[E]) => void): () => void {
    let set = this.handlers.get(event);
    if (set === undefined) {
      set = new Set();
      this.handlers.set(event, set);
    }
    const entry = handler as (data: never) => void;
    set.add(entry);
    return () => set.delete(entry);
  }

  /** Feed every message that arrives from the transport here. Unknown messages are ignored. */
  receive(raw: unknown): void {
    if (isResponseMessage(raw)) {
      const waiting = this.waiting.get(raw.id);
      if (waiting === undefined) return;
      this.waiting.delete(raw.id);
      if (raw.ok) waiting.resolve(raw.result);
      else waiting.reject(new EngineCallError(waiting.method, raw.error));
      return;
    }
    if (isEventMessage(raw)) {
      for (const handler of this.handlers.get(raw.event) ?? []) {
        (handler as (data: unknown) => void)(raw.data);
      }
    }
  }

  /** The transport closed: nothing in flight will ever be answered. */
  close(reason: string): void {
    const waiting = [...this.waiting.values()];
    this.waiting.clear();
    for (const entry of waiting) entry.reject(new EngineCallError(entry.method, { code: 'internal', message: reason }));
  }
}
