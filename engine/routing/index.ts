export { parseHost, splitHostPort, type HostTarget, type SplitHost } from './host.js';
export { matchRoute, normalizePrefix, prefixMatches, rewritePath, splitTarget, type RouteMatch, type RequestTarget } from './path.js';
export { parseRequestTarget, resolveRequest, type ParsedRequestTarget, type Resolution } from './resolve.js';
