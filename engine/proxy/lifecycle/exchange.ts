// One plain HTTP exchange, from a routed request to its end, whatever the client spoke
// (client-http1.ts, client-h2.ts, grpc/web-forward.ts) and whatever the service speaks
// (upstream/http1-exchange.ts, upstream/h2c-exchange.ts). The only copy of the lifecycle:
//
//   start → [hook: beforeUpstream] → upstream attempts → connected → request body relayed
//         → request sent (deadline armed) → 1xx* → response head [hook: atResponseHead]
//         → response body relayed (backpressure) → trailers → end
//
// and the ways out: failure before the head → one problem (fail), failure after it →
// broken off (the client must not take a truncated body for a whole one), client gone →
// the service's side cancelled. Capture is told at these points only.
import type { OutgoingHttpHeaders } from 'node:http2';
import { PassThrough, type Readable, type Transform, type Writable } from 'node:stream';
import type { ExchangeKind } from '../../../shared/traffic.js';
import type { ExchangeRecorder } from '../../capture/index.js';
import type { ProxyContext } from '../context.js';
import type { UpstreamTarget } from '../target.js';
import { upstreamErrorProblem, upstreamTimeoutProblem, type ProxyProblem } from '../problems/problems.js';
import { ResponseDeadline } from '../upstream/deadline.js';
import { relayBody } from '../upstream/relay.js';
import { appendToList } from '../headers/headers.js';
import { h2HeadersToRaw } from '../headers/http2-headers.js';
import { EXCHANGE_ID_HEADER } from '../headers/markers.js';
import { recordProblem, recordUpstreamReset } from './capture.js';
import type { ExchangeEvents, ResponseHead, UpstreamSide } from '../upstream/side.js';
import type { ClientEvents, ClientSide } from './client.js';
import { localAnswerFields, type HookRequest, type LocalAnswer, type RequestVerdict, type ResponseVerdict } from './hooks.js';
import type { ArrivedRequest } from './capture.js';

/** No hook transforms (the common case, without an array per request). */
const NO_TRANSFORMS: readonly Transform[] = [];

function expireDeadline(exchange: Exchange): void {
  exchange.deadlinePassed();
}

function hasNoBody(method: string, status: number): boolean {
  return status === 204 || status === 304 || (method.length === 4 && method.toUpperCase() === 'HEAD');
}

/** Fields with Content-Length set to `length` (and no Transfer-Encoding): a body a hook replaced. */
function withContentLength(fields: readonly string[], length: number): string[] {
  const out: string[] = [];
  for (let i = 0; i < fields.length; i += 2) {
    const name = (fields[i] as string).toLowerCase();
    if (name !== 'content-length' && name !== 'transfer-encoding') out.push(fields[i] as string, fields[i + 1] as string);
  }
  out.push('Content-Length', String(length));
  return out;
}

/** Removes Expect from a flat HTTP/1.1 head in place; an h2c head never carries it. */
function dropExpect(headers: string[] | Record<string, unknown>): void {
  if (!Array.isArray(headers)) return;
  for (let i = headers.length - 2; i >= 0; i -= 2) if ((headers[i] as string).toLowerCase() === 'expect') headers.splice(i, 2);
}

/**
 * Reads `body` whole, up to `limit` bytes and for at most `waitMs`. Over the limit or past the
 * wait it stops, puts what it read back (unshift) and resolves null, so the body can still be
 * relayed as it comes.
 */
function collectBody(body: Readable, limit: number, waitMs: number | undefined): Promise<Buffer | null> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const giveBack = (): void => {
      body.pause();
      cleanup();
      if (size > 0) body.unshift(Buffer.concat(chunks));
      resolve(null);
    };
    const timer = waitMs === undefined ? null : setTimeout(giveBack, waitMs);
    const onData = (chunk: Buffer): void => {
      chunks.push(chunk);
      size += chunk.length;
      if (size > limit) giveBack();
    };
    const onEnd = (): void => {
      cleanup();
      resolve(Buffer.concat(chunks));
    };
    const onError = (err: Error): void => {
      cleanup();
      reject(err);
    };
    const cleanup = (): void => {
      if (timer !== null) clearTimeout(timer);
      body.off('data', onData);
      body.off('end', onEnd);
      body.off('error', onError);
    };
    body.on('data', onData);
    body.on('end', onEnd);
    body.on('error', onError);
  });
}

export class Exchange implements HookRequest, ExchangeEvents, ClientEvents {
  /** An answer (the service's or a problem) is out or the exchange is otherwise over. */
  done = false;
  /** The service's response head arrived. */
  responded = false;
  /** The whole response went to the client. */
  complete = false;
  /** Headers for the service, built once for its protocol; hooks may edit them. */
  readonly headers: string[] | Record<string, unknown>;
  private readonly deadline: ResponseDeadline;
  hookState: unknown = undefined;
  // Set only by hooks (rules); an exchange no rule touches never allocates them.
  private methodOverride: string | null = null;
  private bodyOverride: Buffer | null = null;
  private gone: AbortController | null = null;
  /** A hook asked to cut the client off once the body relayed so far has gone out. */
  private cutting = false;
  /** locald answered the client's Expect: 100-continue itself (it read the body for a hook). */
  private continued = false;

  constructor(
    readonly ctx: ProxyContext,
    readonly client: ClientSide,
    public target: UpstreamTarget,
    readonly recorder: ExchangeRecorder,
    readonly upstream: UpstreamSide,
    readonly kind: ExchangeKind = 'http',
  ) {
    this.deadline = new ResponseDeadline(ctx.upstreamTimeoutMs);
    this.headers = upstream.protocol === 'h2c' ? client.h2cHeaders(target, ctx.viaToken) : client.http1Headers(ctx.viaToken);
    client.bind(this);
  }

  get method(): string {
    return this.methodOverride ?? this.client.method;
  }

  get hasBody(): boolean {
    return this.bodyOverride !== null || this.client.body !== null;
  }

  get streamingCall(): boolean {
    return this.client.streamingCall;
  }

  arrived(): ArrivedRequest {
    return this.client.arrived();
  }

  setMethod(method: string): void {
    this.methodOverride = method;
    if (!Array.isArray(this.headers)) this.headers[':method'] = method;
  }

  clientGoneSignal(): AbortSignal {
    this.gone ??= new AbortController();
    if (this.client.gone()) this.gone.abort();
    return this.gone.signal;
  }

  readBody(limit: number, waitMs?: number): Promise<Buffer | null> {
    const body = this.client.body;
    if (body === null) return Promise.resolve(null);
    // A client that sent Expect: 100-continue sends nothing until told to, and the service is
    // not asked yet: locald reads the body itself, so it says continue itself and drops Expect
    // (the service would otherwise say it again, and a client may take a second 100 badly).
    if (this.client.expectsContinue && !this.continued) {
      this.continued = true;
      this.client.informational(100, []);
      dropExpect(this.headers);
    }
    return collectBody(body, limit, waitMs).then((whole) => {
      if (whole !== null) this.bodyOverride = whole;
      return whole;
    });
  }

  replaceBody(body: Buffer): void {
    this.bodyOverride = body;
  }

  cutClient(): void {
    this.cutting = true;
  }

  get bodyMayHaveTrailers(): boolean {
    return this.client.bodyMayHaveTrailers;
  }

  get expectsContinue(): boolean {
    return this.client.expectsContinue && !this.continued;
  }

  requestTrailers(): readonly string[] {
    return this.client.requestTrailers();
  }

  clientGone(): boolean {
    return this.client.gone();
  }

  get exchangeId(): number {
    return this.recorder.id;
  }

  start(): void {
    const hooks = this.ctx.hooks;
    if (hooks?.beforeUpstream !== undefined && this.applyRequestVerdict(hooks.beforeUpstream(this))) return;
    this.forward();
  }

  private forward(): void {
    const headers = this.headers;
    // A hook may have mapped the request to another path: h2c carries it in the head.
    if (!Array.isArray(headers)) headers[':path'] = this.target.path;
    this.recorder.forwarded(this.target.path, Array.isArray(headers) ? headers : h2HeadersToRaw(headers as OutgoingHttpHeaders), this.upstream.protocol);
    this.upstream.start(this);
  }

  /** True when the verdict answered or delayed the exchange (the caller must not forward). */
  private applyRequestVerdict(verdict: RequestVerdict): boolean {
    if (verdict === undefined) return false;
    switch (verdict.kind) {
      case 'answer':
        this.answerLocally(verdict.answer);
        return true;
      case 'problem':
        this.fail(verdict.problem);
        return true;
      case 'reset':
        this.done = true;
        this.client.breakOff();
        return true;
      case 'delay':
        setTimeout(() => {
          if (!this.done && !this.client.gone() && !this.applyRequestVerdict(verdict.then)) this.forward();
        }, verdict.ms).unref();
        return true;
      case 'later':
        verdict.verdict.then(
          (next) => {
            if (!this.done && !this.client.gone() && !this.applyRequestVerdict(next)) this.forward();
          },
          (err: unknown) => this.hookFailed(err),
        );
        return true;
    }
  }

  /** A hook's promise rejected: an explained 502 rather than a hung exchange. */
  private hookFailed(err: unknown): void {
    if (this.done || this.client.gone()) return;
    this.upstream.cancel();
    const { project, service, port } = this.target;
    this.fail(upstreamErrorProblem(project, service, port, err instanceof Error ? err : new Error(String(err))));
  }

  // --- request side -------------------------------------------------------------------

  /** The service's side is ready for the request body: relay it (capture sees each chunk). */
  sendBody(sink: Writable): void {
    if (this.bodyOverride !== null) {
      // Capture keeps the body as it went on (a rule's original: recorder.originalBody).
      if (this.bodyOverride.length > 0) this.recorder.requestChunk(this.bodyOverride);
      sink.end(this.bodyOverride);
      return;
    }
    const body = this.client.body;
    if (body === null) return;
    const recorder = this.recorder;
    body.on('data', (chunk: Buffer) => recorder.requestChunk(chunk));
    body.on('end', () => {
      const trailers = this.client.requestTrailers();
      if (trailers.length > 0) recorder.requestTrailers(trailers);
    });
    let source: Readable = body;
    const decoder = this.client.decodeBody?.();
    if (decoder !== undefined) source = this.through(source, decoder);
    for (const transform of this.ctx.hooks?.requestBody?.(this) ?? NO_TRANSFORMS) source = this.through(source, transform);
    source.pipe(sink);
  }

  /** `source` piped through `transform`; a transform that fails cancels the service's side. */
  private through(source: Readable, transform: Transform): Readable {
    transform.on('error', () => this.upstream.cancel());
    return source.pipe(transform);
  }

  /** The whole request is with the service: the response-header deadline starts. */
  requestSent(): void {
    this.recorder.requestSent();
    if (this.responded || this.done || this.client.streamingCall) return;
    this.deadline.arm(expireDeadline, this);
  }

  deadlinePassed(): void {
    if (this.responded || this.done) return;
    const { project, service, port } = this.target;
    this.fail(upstreamTimeoutProblem(project, service, port, this.ctx.upstreamTimeoutMs));
    this.upstream.cancel();
  }

  // --- response side ------------------------------------------------------------------

  informational(status: number, raw: readonly string[]): void {
    if (this.done || this.client.headersSent() || (status === 100 && this.continued)) return;
    this.client.informational(status, raw);
  }

  /** The service's response head; `body` streams what follows. */
  response(head: ResponseHead, body: Readable): void {
    this.responded = true;
    this.deadline.clear();
    if (this.done || this.client.gone()) {
      this.upstream.cancel();
      return;
    }
    const hooks = this.ctx.hooks;
    if (hooks?.atResponseHead !== undefined && this.applyResponseVerdict(hooks.atResponseHead(this, head), head, body)) return;
    this.sendResponse(head, body);
  }

  private sendResponse(head: ResponseHead, body: Readable): void {
    const hooks = this.ctx.hooks;
    const fields = appendToList(head.fields, 'Via', `1.1 ${this.ctx.viaToken}`);
    if (this.client.isReplay && this.recorder.id !== 0) fields.push(EXCHANGE_ID_HEADER, String(this.recorder.id));
    head.fields = fields;
    const endNow = head.endStream || hasNoBody(this.client.method, head.status);
    let sent: readonly string[];
    try {
      sent = this.client.respond(head, endNow);
    } catch (err) {
      this.recorder.response(head.status, head.received, fields);
      this.upstream.cancel();
      this.fail(this.client.invalidHead(err as Error));
      return;
    }
    this.recorder.response(head.status, head.received, sent);
    if (endNow) {
      this.complete = true;
      body.resume();
      return;
    }
    let source: Readable = body;
    for (const transform of hooks?.responseBody?.(this, head) ?? NO_TRANSFORMS) source = source.pipe(transform);
    const recorder = this.recorder;
    relayBody(source, this.client, (chunk) => recorder.responseChunk(chunk), () => this.responseEnded());
  }

  private responseEnded(): void {
    if (this.cutting) {
      this.done = true;
      this.recorder.abort('a rule closed the connection early (close-after)');
      this.upstream.cancel();
      if (this.client.cutAfterWritten !== undefined) this.client.cutAfterWritten();
      else this.client.breakOff();
      return;
    }
    const trailers = this.upstream.trailers();
    if (trailers.length > 0) this.recorder.responseTrailers(trailers);
    this.complete = true;
    this.client.end(trailers);
  }

  private applyResponseVerdict(verdict: ResponseVerdict, head: ResponseHead, body: Readable): boolean {
    if (verdict === undefined) return false;
    switch (verdict.kind) {
      case 'later':
        verdict.verdict.then(
          (next) => this.continueResponse(next, head, body),
          (err: unknown) => this.hookFailed(err),
        );
        return true;
      case 'collect':
        collectBody(body, verdict.limit, undefined).then((whole) => {
          if (whole === null) {
            this.continueResponse(verdict.decide(null), head, body);
            body.resume(); // collectBody paused it; the relay's listeners are on by now
            return;
          }
          const next = verdict.decide(whole);
          this.continueResponse(next ?? { kind: 'body', body: whole }, head, body);
        }, (err: unknown) => this.hookFailed(err));
        return true;
      case 'body': {
        // The service's body was not read (a paused stream's head, answered with a body of the user's): let it go.
        if (!body.readableEnded) {
          body.resume();
          this.upstream.cancel();
        }
        head.fields = withContentLength(head.fields, verdict.body.length);
        const replaced = new PassThrough();
        replaced.end(verdict.body);
        this.sendResponse(head, replaced);
        return true;
      }
    }
    body.resume();
    this.upstream.cancel();
    if (verdict.kind === 'answer') {
      this.recorder.response(head.status, head.received);
      this.answerLocally(verdict.answer);
    }
    else if (verdict.kind === 'problem') this.fail(verdict.problem);
    else {
      this.done = true;
      this.client.breakOff();
    }
    return true;
  }

  /** After a response hook waited: go on unless the exchange ended meanwhile. */
  private continueResponse(verdict: ResponseVerdict, head: ResponseHead, body: Readable): void {
    if (this.done || this.client.gone()) {
      body.resume();
      this.upstream.cancel();
      return;
    }
    if (!this.applyResponseVerdict(verdict, head, body)) this.sendResponse(head, body);
  }

  /** A response made by the proxy (a mock), through the same client adapter. */
  private answerLocally(answer: LocalAnswer): void {
    this.done = true;
    const head: ResponseHead = {
      status: answer.status,
      statusMessage: undefined,
      fields: localAnswerFields(answer, answer.body.length),
      received: [],
      endStream: answer.body.length === 0,
      mayHaveTrailers: false,
      streaming: false,
    };
    const endNow = head.endStream || hasNoBody(this.client.method, head.status);
    const sent = this.client.respond(head, endNow);
    this.recorder.answeredByProxy(answer.status, sent, endNow ? Buffer.alloc(0) : answer.body);
    if (!endNow) {
      this.client.write(answer.body);
      this.client.end([]);
    }
    this.complete = true;
  }

  // --- the ways out -------------------------------------------------------------------

  /** Failure before the response head: the client gets the problem, capture keeps it. */
  fail(problem: ProxyProblem): void {
    this.done = true;
    this.deadline.clear();
    const { sent, status } = this.client.problem(problem);
    recordProblem(this.recorder, problem, this.ctx, this.target, sent, status);
  }

  /** Failure after the response head: the service broke off (`what`: how). */
  brokeOff(what: string): void {
    if (this.done) return;
    this.done = true;
    this.deadline.clear();
    recordUpstreamReset(this.recorder, this.ctx, this.target, what, this.client.breakOffWords);
    this.client.breakOff();
  }

  requestFailed(): void {
    this.upstream.cancel();
  }

  /**
   * The client's side closed. `clean`: it got the whole response. Otherwise it went away
   * (`reason` for capture; `code`: an HTTP/2 reset code to pass on) and the service's side is cancelled.
   */
  clientClosed(clean: boolean, reason: string, code?: number): void {
    this.deadline.clear();
    if (clean) {
      this.recorder.end();
      // The service answered before it had the whole request (a 401 to Expect: 100-continue,
      // a 413): that request can never complete; release it instead of holding the
      // service's connection open for a body that will not come.
      if (!this.upstream.requestFinished()) this.upstream.cancel();
    } else {
      if (!this.done) this.recorder.abort(reason);
      this.upstream.cancel(code);
      this.gone?.abort();
    }
    this.done = true;
  }
}
