// The one upstream exchange of a tunnel: an HTTP/1.1 Upgrade request to the service, on a
// connection of its own (an upgraded connection leaves any pool), with the loopback
// address fallback of UpstreamAttempts and the response deadline. It reports exactly one
// outcome (switched, refused or failed) and nothing after a cancel.
import http from 'node:http';
import type { IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import type { ProxyContext } from '../context.js';
import { type ProxyProblem, upstreamTimeoutProblem } from '../problems/problems.js';
import type { UpstreamTarget } from '../target.js';
import { UpstreamAttempts, whenConnected } from '../upstream/attempts.js';
import { ResponseDeadline } from '../upstream/deadline.js';
import type { TunnelCapture } from './capture.js';

/** What is sent to the service; built once, before the first attempt. */
export interface UpgradeRequest {
  target: UpstreamTarget;
  method: string;
  /** Flat raw HTTP/1.1 header list, Connection/Upgrade included. */
  headers: readonly string[];
}

export interface UpgradeOutcome {
  /** 101: the service's socket, and bytes it sent after its head. */
  switched(upRes: IncomingMessage, upSocket: Socket, upHead: Buffer): void;
  /** Any other answer, body unread. */
  refused(upRes: IncomingMessage): void;
  /** Nobody answered (every address tried), the connection broke, or the deadline passed. */
  failed(problem: ProxyProblem): void;
}

export class UpstreamUpgrade {
  private readonly attempts: UpstreamAttempts;
  private readonly deadline: ResponseDeadline;
  private current: http.ClientRequest | null = null;
  private done = false;

  constructor(
    private readonly ctx: ProxyContext,
    private readonly request: UpgradeRequest,
    private readonly capture: TunnelCapture,
    private readonly outcome: UpgradeOutcome,
  ) {
    this.attempts = new UpstreamAttempts(ctx.pool, request.target.port);
    this.deadline = new ResponseDeadline(ctx.upstreamTimeoutMs);
  }

  start(): void {
    const { target, method, headers } = this.request;
    const address = this.attempts.address();
    const upReq = http.request({ host: address, port: target.port, method, path: target.path, headers: headers as string[], agent: false });
    this.current = upReq;
    const mine = (): boolean => !this.done && this.current === upReq;

    upReq.on('socket', (s) => whenConnected(s, () => {
      if (this.current === upReq) this.attempts.connected(address, this.capture.recorder);
    }));
    upReq.on('finish', () => {
      if (!mine()) return;
      this.capture.requestSent();
      this.deadline.arm(() => {
        if (!mine()) return;
        upReq.destroy();
        this.settle().failed(upstreamTimeoutProblem(target.project, target.service, target.port, this.ctx.upstreamTimeoutMs));
      });
    });
    upReq.on('upgrade', (upRes, upSocket: Socket, upHead: Buffer) => {
      if (!mine()) {
        upSocket.destroy();
        return;
      }
      this.settle().switched(upRes, upSocket, upHead);
    });
    upReq.on('response', (upRes) => {
      if (!mine()) {
        upRes.destroy();
        return;
      }
      this.settle().refused(upRes);
    });
    upReq.on('error', (err) => {
      if (!mine()) return;
      this.deadline.clear();
      if (this.attempts.nextAddress(err)) {
        this.start();
        return;
      }
      this.settle().failed(this.attempts.failure(target, err));
    });
    upReq.end();
  }

  /** The client went: drop the attempt in flight, report nothing. */
  cancel(): void {
    if (this.done) return;
    this.done = true;
    this.deadline.clear();
    this.current?.destroy();
  }

  private settle(): UpgradeOutcome {
    this.done = true;
    this.deadline.clear();
    return this.outcome;
  }
}
