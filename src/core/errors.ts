/**
 * One error type for every failure Warden reports. Each code has one HTTP status and one CLI
 * exit code, listed exhaustively below; the HTTP error handler and the CLI both read these tables.
 */
export type ErrorCode =
  | 'invalid_input'
  | 'invalid_json'
  | 'unauthenticated'
  | 'forbidden'
  | 'not_found'
  | 'conflict'
  | 'invalid_transition'
  | 'payload_too_large'
  | 'unsupported_media_type'
  | 'rate_limited'
  | 'integrity_failure'
  | 'unavailable'
  | 'internal';

export const HTTP_STATUS: Record<ErrorCode, 400 | 401 | 403 | 404 | 409 | 413 | 415 | 429 | 500 | 503> = {
  invalid_input: 400,
  invalid_json: 400,
  unauthenticated: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  invalid_transition: 409,
  payload_too_large: 413,
  unsupported_media_type: 415,
  rate_limited: 429,
  integrity_failure: 500,
  unavailable: 503,
  internal: 500,
};

/** CLI exit codes: 2 for bad input (the caller can fix it), 3 for refusals, 4 for missing things, 1 otherwise. */
const EXIT_CODE: Record<ErrorCode, number> = {
  invalid_input: 2,
  invalid_json: 2,
  unauthenticated: 3,
  forbidden: 3,
  not_found: 4,
  conflict: 5,
  invalid_transition: 5,
  payload_too_large: 2,
  unsupported_media_type: 2,
  rate_limited: 1,
  integrity_failure: 6,
  unavailable: 1,
  internal: 1,
};

export function exitCodeFor(code: ErrorCode): number {
  return EXIT_CODE[code];
}

export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === 'string' && value in HTTP_STATUS;
}

export class WardenError extends Error {
  override readonly name = 'WardenError';
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly field?: string,
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
  }

  get status(): number {
    return HTTP_STATUS[this.code];
  }
}

/** Shorthands for the common cases. */
export const invalidInput = (message: string, field?: string, details?: Record<string, unknown>) =>
  new WardenError('invalid_input', message, field, details);
export const notFound = (message: string) => new WardenError('not_found', message);
export const conflict = (message: string, field?: string, details?: Record<string, unknown>) =>
  new WardenError('conflict', message, field, details);
export const forbidden = (message: string) => new WardenError('forbidden', message);
