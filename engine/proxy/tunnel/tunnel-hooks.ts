// A routed upgrade as the rules layer's hook sees it (lifecycle/hooks.ts, `beforeTunnel`):
// the same HookRequest as a plain exchange, so one adapter decides mock, delay and map for
// WebSocket too. An upgrade has no body to read or replace and no response to throttle.
import type { ClientProtocol, ExchangeKind } from '../../../shared/traffic.js';
import type { ExchangeRecorder } from '../../capture/index.js';
import type { HookArrived, HookRequest } from '../lifecycle/hooks.js';
import type { UpstreamTarget } from '../target.js';
import type { Duplex } from 'node:stream';
import type { UpgradeRequest } from './upstream-upgrade.js';

/** What the hook request needs of tunnel.ts's TunnelClient (declared here: no import loop). */
interface HookedClient {
  readonly duplex: Duplex;
  isGone(): boolean;
  breakOff(): void;
}

export class TunnelHookRequest implements HookRequest {
  readonly kind: ExchangeKind = 'websocket';
  readonly streamingCall = false;
  hookState: unknown = undefined;
  target: UpstreamTarget;
  method: string;
  /** A copy the hook may edit; it becomes the request sent. */
  readonly headers: string[];
  private gone: AbortController | null = null;

  constructor(
    private readonly client: HookedClient,
    request: UpgradeRequest,
    readonly recorder: ExchangeRecorder,
    private readonly clientProtocol: ClientProtocol,
  ) {
    this.target = request.target;
    this.method = request.method;
    this.headers = [...request.headers];
  }

  get exchangeId(): number {
    return this.recorder.id;
  }

  arrived(): HookArrived {
    let host = '';
    for (let i = 0; i < this.headers.length; i += 2) if ((this.headers[i] as string).toLowerCase() === 'host') host = this.headers[i + 1] as string;
    return { clientProtocol: this.clientProtocol, method: this.method, host, url: this.target.path, rawHeaders: this.headers };
  }

  setMethod(method: string): void {
    this.method = method;
  }

  clientGoneSignal(): AbortSignal {
    if (this.gone === null) {
      const gone = new AbortController();
      this.gone = gone;
      if (this.client.isGone()) gone.abort();
      else this.client.duplex.once('close', () => gone.abort());
    }
    return this.gone.signal;
  }

  readBody(): Promise<Buffer | null> {
    return Promise.resolve(null);
  }

  replaceBody(): void {}

  cutClient(): void {
    this.client.breakOff();
  }

  /** The request as the hook left it. */
  request(): UpgradeRequest {
    return { target: this.target, method: this.method, headers: this.headers };
  }
}
