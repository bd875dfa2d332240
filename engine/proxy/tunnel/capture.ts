// Capture at the tunnel's fixed points, so the state machine says what happened and this
// file says how it is recorded. "Upgrade arrived" is the caller's beginCapture (it also
// decides the route); everything after that is here.
import type { ExchangeRecorder } from '../../capture/index.js';
import type { MessageDirection } from '../../../shared/traffic.js';
import type { ProxyContext } from '../context.js';
import { recordProblem } from '../lifecycle/capture.js';
import type { ProxyProblem } from '../problems/problems.js';
import type { SentAnswer } from '../problems/render.js';
import type { UpstreamTarget } from '../target.js';

export class TunnelCapture {
  private closedOnce = false;

  constructor(
    /** Exposed for UpstreamAttempts.connected, which records the address itself. */
    readonly recorder: ExchangeRecorder,
    private readonly ctx: ProxyContext,
    private readonly target: UpstreamTarget,
  ) {}

  /** The upgrade request as it goes to the service (always HTTP/1.1). */
  forwarded(path: string, headers: readonly string[]): void {
    this.recorder.forwarded(path, headers, 'http/1.1');
  }

  requestSent(): void {
    this.recorder.requestSent();
  }

  /** The service switched: its 101 as received, and the answer the client got. */
  switched(fromService: readonly string[], toClient: readonly string[]): void {
    this.recorder.response(101, fromService, toClient);
  }

  /** The service declined: its answer is relayed as an ordinary response. */
  refused(status: number, fromService: readonly string[], toClient: readonly string[]): void {
    this.recorder.response(status, fromService, toClient);
  }

  /** A rule's mock answered instead of the service: its head as sent, and its body. */
  mocked(status: number, toClient: readonly string[], body: Buffer): void {
    this.recorder.answeredByProxy(status, toClient, body);
  }

  refusalBody(chunk: Buffer): void {
    this.recorder.responseChunk(chunk);
  }

  /** Bytes through the open tunnel; 'client' is what the client sent. */
  frames(direction: MessageDirection, chunk: Buffer): void {
    this.recorder.websocketFrameBytes(direction, chunk);
  }

  /** The refusal was relayed, or the open tunnel closed (either side); once. */
  closed(): void {
    if (this.closedOnce) return;
    this.closedOnce = true;
    this.recorder.end();
  }

  /** The client went before the service answered. */
  clientGone(reason: string): void {
    this.recorder.abort(reason);
  }

  /** No tunnel: the problem the client was shown (`sent`: as it went out, null if it could not). */
  failed(problem: ProxyProblem, sent: SentAnswer | null): void {
    recordProblem(this.recorder, problem, this.ctx, this.target, sent);
  }
}
