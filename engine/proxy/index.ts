// The proxy's public surface for the engine.
export { ProxyServer, ProxyListenError, DEFAULT_UPSTREAM_TIMEOUT_MS, type ProxyOptions, type ListenResult, type ProxyListenErrorCode } from './listen/server.js';
export type { ProxyBackend } from './backend.js';
export type { DashboardHooks } from './context.js';
export type { ExchangeHooks, RequestVerdict, ResponseVerdict, LocalAnswer, HookRequest } from './lifecycle/hooks.js';
export type { ProxyProblem, ProblemCode } from './problems/problems.js';
export { renderProblem, renderProblemHtml, problemJson, prefersHtml } from './problems/render.js';
export { TlsTerminator, chooseAlpn, type TlsServerCredentials } from './listen/tls-listener.js';
export { Http2Frontend, H2_SERVER_OPTIONS } from './listen/http2-server.js';
export { H2cSessionPool } from './upstream/h2c-pool.js';
