// Validation of engine wire messages that cross a process boundary. Anything that
// arrives from a renderer or the utility process is untrusted until it passes these.
import { ENGINE_EVENTS, ENGINE_METHODS } from './api.js';
import type {
  EngineErrorCode,
  EngineEvent,
  EngineMethod,
  EventMessage,
  RequestMessage,
  ResponseMessage,
  WireMessage,
} from './api.js';

const METHODS: ReadonlySet<string> = new Set(ENGINE_METHODS);
const EVENTS: ReadonlySet<string> = new Set(ENGINE_EVENTS);
const ERROR_CODES: ReadonlySet<string> = new Set<EngineErrorCode>([
  'not_found',
  'invalid_params',
  'config_invalid',
  'port_in_use',
  'unknown_method',
  'internal',
]);

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Request ids are positive safe integers, so they can be remapped without collisions. */
export function isRequestId(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}

export function isEngineMethod(value: unknown): value is EngineMethod {
  return typeof value === 'string' && METHODS.has(value);
}

export function isEngineEvent(value: unknown): value is EngineEvent {
  return typeof value === 'string' && EVENTS.has(value);
}

/** Shape check only: params are validated by the engine, which knows each method. */
export function isRequestMessage(value: unknown): value is RequestMessage {
  return (
    isRecord(value) &&
    value.type === 'request' &&
    isRequestId(value.id) &&
    isEngineMethod(value.method) &&
    isRecord(value.params)
  );
}

export function isResponseMessage(value: unknown): value is ResponseMessage {
  if (!isRecord(value) || value.type !== 'response' || !isRequestId(value.id)) return false;
  if (value.ok === true) return 'result' in value;
  if (value.ok !== false || !isRecord(value.error)) return false;
  return typeof value.error.code === 'string' && ERROR_CODES.has(value.error.code) && typeof value.error.message === 'string';
}

export function isEventMessage(value: unknown): value is EventMessage {
  return isRecord(value) && value.type === 'event' && isEngineEvent(value.event) && 'data' in value;
}

export function isWireMessage(value: unknown): value is WireMessage {
  return isRequestMessage(value) || isResponseMessage(value) || isEventMessage(value);
}

/**
 * Why a message from a client was rejected, in words a developer can act on.
 * Returns null when the message is a valid request.
 */
export function describeInvalidRequest(value: unknown): string | null {
  if (!isRecord(value)) return `expected an object, got ${value === null ? 'null' : Array.isArray(value) ? 'an array' : typeof value}`;
  if (value.type !== 'request') return `expected type "request", got ${JSON.stringify(value.type) ?? 'nothing'}`;
  if (!isRequestId(value.id)) return 'expected "id" to be a non-negative integer';
  if (typeof value.method !== 'string') return 'expected "method" to be a string';
  if (!isEngineMethod(value.method)) return `unknown method "${value.method}"; valid methods: ${ENGINE_METHODS.join(', ')}`;
  if (!isRecord(value.params)) return 'expected "params" to be an object';
  return null;
}
