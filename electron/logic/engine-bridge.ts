// Multiplexes many engine clients (each window's MessagePort, and main's own tray
// client) onto the one connection to the engine's utility process. Request ids are
// chosen by each client, so they are remapped to engine-wide ids and mapped back on
// the way out; events are broadcast to every client.
import type { EngineErrorShape, EventMessage, RequestMessage, ResponseMessage } from '../../shared/api.js';
import { describeInvalidRequest, isEventMessage, isRequestId, isResponseMessage } from '../../shared/wire.js';

export type ClientMessage = ResponseMessage | EventMessage;

export interface EngineBridgeOptions {
  sendToEngine: (message: RequestMessage) => void;
  /** Problems worth logging: malformed messages, responses for unknown ids. Never thrown. */
  onProblem?: (problem: string) => void;
}

interface Pending {
  clientId: string;
  clientRequestId: number;
}

export class EngineBridge {
  private readonly clients = new Map<string, (message: ClientMessage) => void>();
  private readonly pending = new Map<number, Pending>();
  private nextEngineId = 1;
  private unavailableReason: string | null = 'the engine has not started yet';
  private idleWaiters: Array<() => void> = [];

  constructor(private readonly options: EngineBridgeOptions) {}

  get pendingCount(): number {
    return this.pending.size;
  }

  get clientCount(): number {
    return this.clients.size;
  }

  /** Registers a client; returns the function that detaches it. */
  attach(clientId: string, send: (message: ClientMessage) => void): () => void {
    if (this.clients.has(clientId)) throw new Error(`engine bridge: client "${clientId}" is already attached`);
    this.clients.set(clientId, send);
    return () => this.detach(clientId);
  }

  detach(clientId: string): void {
    this.clients.delete(clientId);
    // Answers for a closed window have nowhere to go; forget them so the map cannot grow.
    for (const [engineId, entry] of this.pending) {
      if (entry.clientId === clientId) this.pending.delete(engineId);
    }
    this.notifyIdle();
  }

  /** The engine connection is up: requests flow again. */
  engineAvailable(): void {
    this.unavailableReason = null;
  }

  /**
   * Refuses new requests (with `reason`) but lets those in flight finish, e.g. while
   * quitting: a project being stopped stops the same things quitting stops.
   */
  refuseNewRequests(reason: string): void {
    this.unavailableReason = reason;
  }

  /** Resolves once no request is in flight (answered, failed, or its client detached). */
  whenIdle(): Promise<void> {
    if (this.pending.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** The engine went away: every request in flight fails now instead of hanging forever. */
  engineUnavailable(reason: string): void {
    this.unavailableReason = reason;
    const inFlight = [...this.pending.values()];
    this.pending.clear();
    for (const entry of inFlight) {
      this.reply(entry.clientId, entry.clientRequestId, { code: 'internal', message: reason });
    }
    this.notifyIdle();
  }

  /** A message from a client (untrusted). Invalid requests are answered with an error when they carry an id. */
  fromClient(clientId: string, raw: unknown): void {
    if (!this.clients.has(clientId)) {
      this.problem(`engine bridge: message from unknown client "${clientId}" dropped`);
      return;
    }
    const invalid = describeInvalidRequest(raw);
    if (invalid !== null) {
      const id = typeof raw === 'object' && raw !== null ? (raw as { id?: unknown }).id : undefined;
      if (isRequestId(id)) {
        const unknownMethod = invalid.startsWith('unknown method');
        this.reply(clientId, id, { code: unknownMethod ? 'unknown_method' : 'invalid_params', message: `invalid request: ${invalid}` });
      } else {
        this.problem(`engine bridge: invalid message from "${clientId}" dropped: ${invalid}`);
      }
      return;
    }
    const request = raw as RequestMessage;
    if (this.unavailableReason !== null) {
      this.reply(clientId, request.id, { code: 'internal', message: this.unavailableReason });
      return;
    }
    const engineId = this.nextEngineId++;
    this.pending.set(engineId, { clientId, clientRequestId: request.id });
    this.options.sendToEngine({ type: 'request', id: engineId, method: request.method, params: request.params });
  }

  /** A response or event from the engine. */
  fromEngine(raw: unknown): void {
    if (isResponseMessage(raw)) {
      const entry = this.pending.get(raw.id);
      if (entry === undefined) {
        this.problem(`engine bridge: response for unknown request ${raw.id} dropped`);
        return;
      }
      this.pending.delete(raw.id);
      this.clients.get(entry.clientId)?.({ ...raw, id: entry.clientRequestId });
      this.notifyIdle();
      return;
    }
    if (isEventMessage(raw)) {
      for (const [clientId, send] of this.clients) {
        try {
          send(raw);
        } catch (error) {
          this.problem(`engine bridge: delivering ${raw.event} to "${clientId}" failed: ${String(error)}`);
        }
      }
      return;
    }
    this.problem('engine bridge: malformed message from the engine dropped');
  }

  private reply(clientId: string, id: number, error: EngineErrorShape): void {
    this.clients.get(clientId)?.({ type: 'response', id, ok: false, error });
  }

  private notifyIdle(): void {
    if (this.pending.size > 0) return;
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const resolve of waiters) resolve();
  }

  private problem(text: string): void {
    this.options.onProblem?.(text);
  }
}
