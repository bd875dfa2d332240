// The engine API's rules.* and breakpoints.* methods. The store and the breakpoint registry
// are wired in the next step; until then the methods answer that rules are not available.
import type { EngineMethod, EngineMethods } from '../../shared/api.js';
import { EngineError } from '../engine-error.js';

export type RulesMethod = Extract<EngineMethod, `rules.${string}` | `breakpoints.${string}`>;
type Handler<M extends EngineMethod> = (params: EngineMethods[M]['params']) => Promise<EngineMethods[M]['result']> | EngineMethods[M]['result'];
export type RulesHandlers = { [M in RulesMethod]: Handler<M> };

function notYet(): never {
  throw new EngineError('internal', 'rules are not available in this engine yet');
}

export function unavailableRulesHandlers(): RulesHandlers {
  return {
    'rules.list': notYet,
    'rules.add': notYet,
    'rules.update': notYet,
    'rules.remove': notYet,
    'rules.reorder': notYet,
    'rules.import': notYet,
    'rules.export': notYet,
    'breakpoints.list': notYet,
    'breakpoints.resume': notYet,
    'breakpoints.abort': notYet,
    'breakpoints.answer': notYet,
  };
}
