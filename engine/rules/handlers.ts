// The engine API's rules.* and breakpoints.* methods over the rules service: parameter checks
// here, behaviour in the service and the breakpoint registry.
import type { EngineMethod, EngineMethods } from '../../shared/api.js';
import type { BreakpointAnswer, BreakpointResponseEdits } from '../../shared/rules.js';
import { fieldError, isFieldError, parseReplayEdits, type ReplayFieldError } from '../capture/replay-validate.js';
import { EngineError, invalidFieldError } from '../engine-error.js';
import type { RulesService } from './store.js';

export type RulesMethod = Extract<EngineMethod, `rules.${string}` | `breakpoints.${string}`>;
type Handler<M extends EngineMethod> = (params: EngineMethods[M]['params']) => Promise<EngineMethods[M]['result']> | EngineMethods[M]['result'];
export type RulesHandlers = { [M in RulesMethod]: Handler<M> };

function text(params: object, key: string): string {
  const value = (params as Record<string, unknown>)[key];
  if (typeof value !== 'string' || value === '') throw new EngineError('invalid_params', `'${key}' must be a non-empty string`, { field: key });
  return value;
}

/** A response as a client writes it (status, [name, value] headers, base64 body). */
function parseResponse(raw: unknown, field: string, statusRequired: boolean): BreakpointResponseEdits | ReplayFieldError {
  if (raw === undefined && !statusRequired) return {};
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return fieldError(field, 'must be an object');
  const r = raw as Record<string, unknown>;
  if (r.status !== undefined || statusRequired) {
    if (typeof r.status !== 'number' || !Number.isInteger(r.status) || r.status < 100 || r.status > 599) return fieldError(`${field}.status`, 'must be an HTTP status from 100 to 599');
  }
  // Headers and body have the replay edits' shape: check them with the same code.
  const rest = parseReplayEdits({ headers: r.headers, body: r.body });
  if (isFieldError(rest)) return fieldError(`${field}.${rest.field}`, rest.error.slice(rest.field.length + 2));
  const out: BreakpointResponseEdits = {};
  if (typeof r.status === 'number') out.status = r.status;
  if (rest.headers !== undefined) out.headers = rest.headers;
  if (rest.body !== undefined) out.body = rest.body;
  return out;
}

function checked<T>(value: T | ReplayFieldError): T {
  if (isFieldError(value)) throw invalidFieldError(value);
  return value;
}

/** `requireProject` throws not_found for a project the engine does not know. */
export function rulesHandlers(rules: RulesService, requireProject: (project: string) => void): RulesHandlers {
  const project = (p: object): string => {
    const name = text(p, 'project');
    requireProject(name);
    return name;
  };
  return {
    'rules.list': (p) => rules.list(project(p)),
    'rules.add': (p) => {
      const index = (p as { index?: unknown }).index;
      if (index !== undefined && (typeof index !== 'number' || !Number.isInteger(index) || index < 0)) throw new EngineError('invalid_params', "'index' must be a non-negative integer", { field: 'index' });
      return rules.add(project(p), (p as { rule?: unknown }).rule, index);
    },
    'rules.update': (p) => rules.update(project(p), text(p, 'id'), (p as { rule?: unknown }).rule),
    'rules.remove': (p) => rules.remove(project(p), text(p, 'id')),
    'rules.reorder': (p) => rules.reorder(project(p), (p as { ids?: unknown }).ids),
    'rules.import': (p) => {
      const toml = (p as { toml?: unknown }).toml;
      if (typeof toml !== 'string') throw new EngineError('invalid_params', "'toml' must be the text of a locald.rules.toml", { field: 'toml' });
      return rules.importToml(project(p), toml, (p as { replace?: unknown }).replace === true);
    },
    'rules.export': (p) => rules.exportToml(project(p), (p as { ids?: unknown }).ids),
    'breakpoints.list': (p) => {
      const name = (p as { project?: unknown }).project;
      if (name !== undefined && typeof name !== 'string') throw new EngineError('invalid_params', "'project' must be a string", { field: 'project' });
      return rules.breakpoints.list(name);
    },
    'breakpoints.resume': (p) => {
      const id = text(p, 'id');
      const raw = p as { request?: unknown; response?: unknown };
      const edits: Parameters<typeof rules.breakpoints.resume>[1] = {};
      if (raw.request !== undefined) {
        const request = parseReplayEdits(raw.request);
        edits.request = checked(isFieldError(request) ? fieldError(`request.${request.field}`, request.error.slice(request.field.length + 2)) : request);
      }
      if (raw.response !== undefined) edits.response = checked(parseResponse(raw.response, 'response', false));
      return { resumed: rules.breakpoints.resume(id, edits) };
    },
    'breakpoints.abort': (p) => ({ aborted: rules.breakpoints.abort(text(p, 'id')) }),
    'breakpoints.answer': (p) => {
      const id = text(p, 'id');
      const response = checked(parseResponse((p as { response?: unknown }).response, 'response', true)) as BreakpointAnswer;
      return { answered: rules.breakpoints.answer(id, response) };
    },
  };
}
