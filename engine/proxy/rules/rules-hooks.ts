// The rules (engine/rules, issue 14) on the lifecycle's hook points (lifecycle/hooks.ts):
// mock, map, rewrite, delay, throttle, fail and breakpoints for every plain HTTP exchange,
// whatever the client spoke (HTTP/1.1, HTTP/2, h2c, gRPC, gRPC-Web) and whatever the service
// speaks. A project without rules pays one map look-up per hook point (`rules.active`): no
// view, no promise, no timer, no closure.
import { setTimeout as sleep } from 'node:timers/promises';
import type { Transform } from 'node:stream';
import type { BreakpointAnswer, MapAction, MockAction } from '../../../shared/rules.js';
import type { HeaderList } from '../../../shared/traffic.js';
import type { BreakpointResolution, BreakpointRegistry } from '../../rules/breakpoints.js';
import { CloseAfterTransform } from '../../rules/close-after.js';
import { NO_RESPONSE_DECISION, type RequestDecision, type ResponseDecision } from '../../rules/evaluate.js';
import { mockBody } from '../../rules/mock-body.js';
import { applyHeaderEdits, hasHeaderEdits, MAX_REPLACE_BODY_BYTES, replaceText, rewriteBody } from '../../rules/rewrite.js';
import type { RequestView, ResponseView } from '../../rules/rule-filter.js';
import { ThrottleTransform } from '../../rules/throttle.js';
import { isGrpcContentType, grpcStatusForHttp, encodeGrpcMessage } from '../grpc/status.js';
import { flatten, headersAreH2, headerPairs, headerValue, withHeaderList } from './header-edits.js';
import { mockBodyProblem, ruleFailProblem, serviceNoPortProblem, unknownServiceProblem } from '../problems/problems.js';
import type { ExchangeHooks, HookRequest, LocalAnswer, RequestVerdict, ResponseVerdict } from '../lifecycle/hooks.js';
import type { ResponseHead } from '../upstream/side.js';

/** What the proxy needs of the engine's RulesService. */
export interface ProxyRules {
  active(project: string): boolean;
  hasResponseRules(project: string): boolean;
  forRequest(project: string, view: RequestView): RequestDecision;
  forResponse(project: string, view: ResponseView): ResponseDecision;
  projectDir(project: string): string;
  readonly breakpoints: BreakpointRegistry;
}

/** Kept on the exchange between hook points (HookRequest.hookState). */
interface RuleState {
  view: RequestView;
  decision: RequestDecision;
  /** bytes/s for both bodies; null: unthrottled. */
  throttle: number | null;
  /** Close the client's side after this many response bytes. */
  closeAfter: number | null;
  /** The project has rules that match on the response. */
  responseRules: boolean;
}

export function rulesHooks(rules: ProxyRules): ExchangeHooks {
  return {
    beforeUpstream(request) {
      if (!rules.active(request.target.project.name)) return undefined;
      return beforeUpstream(rules, request);
    },
    atResponseHead(request, head) {
      const state = request.hookState as RuleState | undefined;
      return state === undefined ? undefined : atResponseHead(rules, request, head, state);
    },
    beforeTunnel(request) {
      if (!rules.active(request.target.project.name)) return undefined;
      return beforeUpstream(rules, request);
    },
    requestBody(request) {
      const state = request.hookState as RuleState | undefined;
      return state?.throttle != null ? [new ThrottleTransform(state.throttle)] : [];
    },
    responseBody(request) {
      const state = request.hookState as RuleState | undefined;
      if (state === undefined) return [];
      const transforms: Transform[] = [];
      // Both: the allowed bytes arrive at the throttled rate, then the connection is cut.
      if (state.throttle !== null) transforms.push(new ThrottleTransform(state.throttle));
      if (state.closeAfter !== null) transforms.push(new CloseAfterTransform(state.closeAfter, () => request.cutClient()));
      return transforms;
    },
  };
}

function requestView(request: HookRequest): RequestView {
  const arrived = request.arrived();
  return {
    project: request.target.project.name,
    service: request.target.service.name,
    route: request.target.route ?? null,
    kind: request.kind,
    clientProtocol: arrived.clientProtocol,
    method: arrived.method,
    host: arrived.host,
    url: arrived.url,
    exchangeId: request.exchangeId === 0 ? null : request.exchangeId,
    headers: headerPairs(arrived.rawHeaders),
  };
}

function beforeUpstream(rules: ProxyRules, request: HookRequest): RequestVerdict {
  const view = requestView(request);
  const decision = rules.forRequest(view.project, view);
  // Nothing matched and nothing can match later: the rest of the exchange goes as without rules.
  if (decision.none && !rules.hasResponseRules(view.project)) return undefined;
  const state: RuleState = { view, decision, throttle: decision.throttle, closeAfter: null, responseRules: rules.hasResponseRules(view.project) };
  request.hookState = state;
  if (decision.none) return undefined;
  request.recorder.ruleActed(decision.ruleId, decision.ruleAction, { applied: decision.applied });
  if (decision.fail?.fail.kind === 'close-after') state.closeAfter = decision.fail.fail.bytes;
  if (decision.map !== null) {
    const problem = applyMap(request, decision.map.map);
    if (problem !== undefined) return problem;
  }
  if (decision.replaceUrl.length > 0) request.target = { ...request.target, path: replaceText(request.target.path, decision.replaceUrl) };
  if (hasHeaderEdits(decision.requestHeaders)) withHeaderList(request, (list) => applyHeaderEdits(list, decision.requestHeaders));
  const waits = decision.requestDelayMs > 0 || decision.requestBreakpoint !== null || decision.replaceRequestBody.length > 0 || decision.mock?.mock.bodyFile !== undefined;
  return waits ? { kind: 'later', verdict: requestLater(rules, request, decision) } : terminalVerdict(request, decision, null);
}

/** Map: another service of the project, another path, another loopback URL; Host as configured. */
function applyMap(request: HookRequest, map: MapAction): RequestVerdict {
  const from = { service: request.target.service.name, url: request.target.path };
  let target = request.target;
  let host = map.host;
  if (map.service !== undefined) {
    const wanted = map.service.toLowerCase();
    const service = target.project.services.find((s) => s.name.toLowerCase() === wanted);
    if (service === undefined) return { kind: 'problem', problem: unknownServiceProblem(target.project, map.service) };
    if (service.port === null) return { kind: 'problem', problem: serviceNoPortProblem(target.project, service) };
    target = { ...target, service, port: service.port };
  }
  if (map.path !== undefined) {
    const q = target.path.indexOf('?');
    target = { ...target, path: map.path + (q === -1 ? '' : target.path.slice(q)) };
  }
  if (map.url !== undefined) {
    const url = new URL(map.url);
    const prefix = url.pathname === '/' ? '' : url.pathname.replace(/\/$/, '');
    target = { ...target, port: Number(url.port || 80), path: prefix + target.path };
    host ??= url.host;
  }
  request.target = target;
  if (host !== undefined) {
    const value = host;
    withHeaderList(request, (list) => [...list.filter(([n]) => n.toLowerCase() !== 'host' && n !== ':authority'), [headersAreH2(request) ? ':authority' : 'Host', value]]);
  }
  const to = map.url !== undefined ? { service: null, url: `${new URL(map.url).origin}${target.path}` } : { service: target.service.name, url: target.path };
  request.recorder.ruleActed(null, null, { mappedFrom: from, mappedTo: to });
  return undefined;
}

async function requestLater(rules: ProxyRules, request: HookRequest, decision: RequestDecision): Promise<RequestVerdict> {
  const signal = request.clientGoneSignal();
  if (decision.requestDelayMs > 0) {
    const waited = await sleep(decision.requestDelayMs, true, { signal, ref: false }).catch(() => false);
    if (!waited) return { kind: 'reset' };
  }
  if (decision.replaceRequestBody.length > 0) {
    const body = await request.readBody(MAX_REPLACE_BODY_BYTES);
    if (body !== null) {
      const list = headerPairs(flatten(request));
      const rewritten = rewriteBody(body, headerValue(list, 'content-type'), headerValue(list, 'content-encoding'), decision.replaceRequestBody);
      if (rewritten.changed) {
        request.recorder.originalBody('request', body);
        request.replaceBody(rewritten.body);
        setContentLength(request, rewritten.body.length);
      }
    }
  }
  if (decision.requestBreakpoint !== null) {
    const resolution = await pauseRequest(rules, request, decision.requestBreakpoint, signal);
    const verdict = requestResolution(request, resolution);
    if (verdict !== undefined) return verdict;
  }
  return terminalVerdict(request, decision, decision.mock !== null ? await mockBodyOrProblem(rules, request, decision.mock.ruleId, decision.mock.mock) : null);
}

async function mockBodyOrProblem(rules: ProxyRules, request: HookRequest, ruleId: string, mock: MockAction): Promise<Buffer | RequestVerdict> {
  try {
    return await mockBody(rules.projectDir(request.target.project.name), mock);
  } catch (err) {
    return { kind: 'problem', problem: mockBodyProblem(request.target.project, ruleId, (err as Error).message) };
  }
}

/** Fail or mock, once waits are over; undefined: forward. */
function terminalVerdict(request: HookRequest, decision: RequestDecision, body: Buffer | RequestVerdict | null): RequestVerdict {
  const fail = decision.fail;
  if (fail !== null) {
    if (fail.fail.kind === 'reset') return { kind: 'reset' };
    if (fail.fail.kind === 'status') return { kind: 'problem', problem: ruleFailProblem(request.target.project, fail.ruleId, fail.fail.status) };
  }
  if (decision.mock === null) return undefined;
  if (body !== null && !Buffer.isBuffer(body)) return body;
  const mock = decision.mock.mock;
  return { kind: 'answer', answer: mockAnswer(request, mock, body ?? Buffer.from(mock.body ?? '', 'utf8')) };
}

function requestContentType(request: HookRequest): string | null {
  return headerValue(headerPairs(request.arrived().rawHeaders), 'content-type');
}

/** A mock as the client's protocol wants it: gRPC and gRPC-Web get a trailers-only answer with grpc-status. */
function mockAnswer(request: HookRequest, mock: MockAction, body: Buffer): LocalAnswer {
  const fields = Object.entries(mock.headers ?? {});
  const contentType = request.streamingCall || request.kind === 'grpc' || request.kind === 'grpc-web' ? requestContentType(request) : null;
  if (contentType === null || !isGrpcContentType(contentType)) return { status: mock.status, headers: fields.flat(), body };
  const explicit = fields.find(([n]) => n.toLowerCase() === 'grpc-status')?.[1];
  const status = explicit ?? String(mock.status === 200 ? 0 : grpcStatusForHttp(mock.status));
  const message = fields.find(([n]) => n.toLowerCase() === 'grpc-message')?.[1] ?? body.toString('utf8');
  const rest = fields.filter(([n]) => !/^(grpc-status|grpc-message|content-type)$/i.test(n)).flat();
  return { status: 200, headers: ['content-type', contentType, 'grpc-status', status, 'grpc-message', encodeGrpcMessage(message), ...rest], body: Buffer.alloc(0) };
}

function setContentLength(request: HookRequest, length: number): void {
  withHeaderList(request, (list) => [...list.filter(([n]) => !/^(content-length|transfer-encoding)$/i.test(n)), [headersAreH2(request) ? 'content-length' : 'Content-Length', String(length)]]);
}

function grpcTimeoutMs(list: HeaderList): number | null {
  const value = headerValue(list, 'grpc-timeout');
  const m = value === null ? null : /^(\d+)([HMSmun])$/.exec(value);
  if (m === null) return null;
  const unit = { H: 3_600_000, M: 60_000, S: 1000, m: 1, u: 0.001, n: 0.000001 }[m[2] as 'H'];
  return Math.round(Number(m[1]) * unit);
}

/**
 * How long a request breakpoint waits for the body before pausing without it: a trickling
 * upload would otherwise keep the pause from showing until it ends.
 */
const BREAKPOINT_BODY_WAIT_MS = 2000;

async function pauseRequest(rules: ProxyRules, request: HookRequest, ruleId: string, signal: AbortSignal): Promise<BreakpointResolution> {
  // A gRPC call's request stream may wait on the answer (bidirectional streaming): its head
  // pauses, and its messages flow once released, as on the response side.
  const body = request.streamingCall ? null : await request.readBody(MAX_REPLACE_BODY_BYTES, BREAKPOINT_BODY_WAIT_MS);
  const headers = headerPairs(flatten(request)).filter(([n]) => !n.startsWith(':'));
  const resolution = await rules.breakpoints.pause(
    {
      exchangeId: request.exchangeId === 0 ? null : request.exchangeId,
      project: request.target.project.name,
      ruleId,
      phase: 'request',
      clientTimeoutMs: grpcTimeoutMs(headerPairs(request.arrived().rawHeaders)),
      request: { method: request.method, url: request.target.path, headers, body: body === null ? null : body.toString('base64') },
      response: null,
    },
    signal,
    (id) => request.recorder.pausedBy(id),
  );
  request.recorder.pausedBy(null);
  return resolution;
}

/** The fixed response a user answered a paused exchange with, as the lifecycle sends it. */
function fixedAnswer(response: BreakpointAnswer): LocalAnswer {
  return { status: response.status, headers: (response.headers ?? []).flat(), body: Buffer.from(response.body ?? '', 'base64') };
}

/** What a request breakpoint's end means: undefined goes on (edits applied). */
function requestResolution(request: HookRequest, resolution: BreakpointResolution): RequestVerdict {
  switch (resolution.outcome) {
    case 'aborted':
    case 'client-gone':
      return { kind: 'reset' };
    case 'answered':
      return { kind: 'answer', answer: fixedAnswer(resolution.response) };
    case 'timeout':
      return undefined;
    case 'resumed': {
      const edits = resolution.request;
      if (edits === undefined) return undefined;
      if (edits.method !== undefined) request.setMethod(edits.method);
      if (edits.url !== undefined) {
        const path = edits.url.startsWith('/') ? edits.url : ((u) => u.pathname + u.search)(new URL(edits.url));
        request.target = { ...request.target, path };
      }
      if (edits.headers !== undefined) {
        const edited = edits.headers;
        withHeaderList(request, (list) => [...list.filter(([n]) => n.startsWith(':')), ...edited.filter(([n]) => !n.startsWith(':'))]);
      }
      if (edits.body !== undefined) {
        const body = Buffer.from(edits.body, 'base64');
        request.replaceBody(body);
        setContentLength(request, body.length);
      }
      return undefined;
    }
  }
}

// ---- response ---------------------------------------------------------------------

function atResponseHead(rules: ProxyRules, request: HookRequest, head: ResponseHead, state: RuleState): ResponseVerdict {
  const fields = headerPairs(head.fields);
  const r = state.responseRules ? rules.forResponse(state.view.project, responseView(state.view, head.status, fields)) : NO_RESPONSE_DECISION;
  const d = state.decision;
  if (!r.none) request.recorder.ruleActed(r.ruleId, r.ruleAction, { applied: r.applied });
  if (r.fail !== null) {
    if (r.fail.fail.kind === 'reset') return { kind: 'reset' };
    if (r.fail.fail.kind === 'status') return { kind: 'problem', problem: ruleFailProblem(request.target.project, r.fail.ruleId, r.fail.fail.status) };
    state.closeAfter = r.fail.fail.bytes;
  }
  if (r.mock !== null) {
    request.recorder.ruleActed(null, null, { originalStatus: head.status });
    const mock = r.mock;
    return { kind: 'later', verdict: mockBodyOrProblem(rules, request, mock.ruleId, mock.mock).then((b) => (Buffer.isBuffer(b) ? { kind: 'answer', answer: mockAnswer(request, mock.mock, b) } : (b as ResponseVerdict))) };
  }
  if (r.throttle !== null) state.throttle = state.throttle === null ? r.throttle : Math.min(state.throttle, r.throttle);
  if (hasHeaderEdits(d.headers) || hasHeaderEdits(r.headers)) head.fields = applyHeaderEdits(applyHeaderEdits(fields, d.headers), r.headers).flat();
  const delay = d.delayMs + r.delayMs;
  const breakpoint = d.breakpoint ?? r.breakpoint;
  const replace = d.replaceBody.length + r.replaceBody.length > 0 ? [...d.replaceBody, ...r.replaceBody] : null;
  // An event stream or a gRPC call may never end: a breakpoint pauses its head only, and its body is not rewritten.
  const endless = isEndlessStream(headerValue(fields, 'content-type'));
  const next: ResponseVerdict =
    (breakpoint === null || endless) && (replace === null || endless)
      ? breakpoint === null
        ? undefined
        : { kind: 'later', verdict: pauseResponse(rules, request, head, breakpoint, null) }
      : {
          kind: 'collect',
          limit: MAX_REPLACE_BODY_BYTES,
          decide: (body) => {
            if (body === null) return undefined;
            let out = body;
            if (replace !== null) {
              const list = headerPairs(head.fields);
              const rewritten = rewriteBody(body, headerValue(list, 'content-type'), headerValue(list, 'content-encoding'), replace);
              if (rewritten.changed) out = rewritten.body;
            }
            if (out !== body) request.recorder.originalBody('response', body);
            return breakpoint === null ? { kind: 'body', body: out } : { kind: 'later', verdict: pauseResponse(rules, request, head, breakpoint, out) };
          },
        };
  if (delay <= 0) return next;
  return { kind: 'later', verdict: sleep(delay, next, { signal: request.clientGoneSignal(), ref: false }).catch((): ResponseVerdict => ({ kind: 'reset' })) };
}

function responseView(view: RequestView, status: number, fields: HeaderList): ResponseView {
  const length = headerValue(fields, 'content-length');
  return { ...view, status, contentType: headerValue(fields, 'content-type'), ...(length !== null ? { responseSize: Number(length) } : {}) };
}

function isEndlessStream(contentType: string | null): boolean {
  return contentType !== null && (/^\s*text\/event-stream/i.test(contentType) || isGrpcContentType(contentType));
}

/** `body` null: the head alone is paused (an endless stream); the service's body follows unless the edits replace it. */
async function pauseResponse(rules: ProxyRules, request: HookRequest, head: ResponseHead, ruleId: string, body: Buffer | null): Promise<ResponseVerdict> {
  const resolution = await rules.breakpoints.pause(
    {
      exchangeId: request.exchangeId === 0 ? null : request.exchangeId,
      project: request.target.project.name,
      ruleId,
      phase: 'response',
      clientTimeoutMs: null,
      request: { method: request.method, url: request.target.path, headers: headerPairs(flatten(request)).filter(([n]) => !n.startsWith(':')), body: null },
      response: { status: head.status, headers: headerPairs(head.fields), body: body === null ? null : body.toString('base64') },
    },
    request.clientGoneSignal(),
    (id) => request.recorder.pausedBy(id),
  );
  request.recorder.pausedBy(null);
  switch (resolution.outcome) {
    case 'aborted':
    case 'client-gone':
      return { kind: 'reset' };
    case 'answered':
      return { kind: 'answer', answer: fixedAnswer(resolution.response) };
    case 'timeout':
      return body === null ? undefined : { kind: 'body', body };
    case 'resumed': {
      const edits = resolution.response;
      if (edits?.status !== undefined && edits.status !== head.status) {
        head.status = edits.status;
        head.statusMessage = undefined;
      }
      if (edits?.headers !== undefined) head.fields = edits.headers.flat();
      if (edits?.body === undefined) return body === null ? undefined : { kind: 'body', body };
      if (body !== null) request.recorder.originalBody('response', body);
      return { kind: 'body', body: Buffer.from(edits.body, 'base64') };
    }
  }
}
