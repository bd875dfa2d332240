import type { EngineErrorCode, EngineErrorShape, InvalidFieldDetails } from '../shared/api.js';

/** An error a client can act on: a stable code, a message for people, optional details. */
export class EngineError extends Error {
  constructor(
    readonly code: EngineErrorCode,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
    this.name = 'EngineError';
  }

  toShape(): EngineErrorShape {
    return this.details === undefined
      ? { code: this.code, message: this.message }
      : { code: this.code, message: this.message, details: this.details };
  }
}

export function toErrorShape(err: unknown): EngineErrorShape {
  if (err instanceof EngineError) return err.toShape();
  const message = err instanceof Error ? err.message : String(err);
  return { code: 'internal', message };
}

/** `invalid_params` for one named field: the message starts with it and `details.field` carries it. */
export function invalidFieldError(problem: { field: string; error: string }): EngineError {
  const details: InvalidFieldDetails = { field: problem.field };
  return new EngineError('invalid_params', problem.error, details);
}
