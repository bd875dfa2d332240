// The proxy's public surface for the engine.
export { ProxyServer, ProxyListenError, DEFAULT_UPSTREAM_TIMEOUT_MS, type ProxyOptions, type ListenResult, type ProxyListenErrorCode } from './server.js';
export type { ProxyBackend } from './backend.js';
export type { DashboardHooks, ProxyObserver, ProxyExchange } from './types.js';
export type { ProxyProblem, ProblemCode } from './problems.js';
export { renderProblem, renderProblemHtml, problemJson, prefersHtml } from './error-pages.js';
export { TlsTerminator, chooseAlpn, type TlsServerCredentials } from './tls-listener.js';
export { Http2Frontend, H2_SERVER_OPTIONS } from './http2-server.js';
export { H2cSessionPool } from './h2c-pool.js';
