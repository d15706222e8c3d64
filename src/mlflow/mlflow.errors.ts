import type { Context } from 'hono';
import { HTTPException } from 'hono/http-exception';
import { WardenError, type ErrorCode } from '../core/errors.js';

/** The MLflow error codes this API answers with, each with MLflow's HTTP status (mlflow/exceptions.py). */
export const MLFLOW_STATUS = {
  INVALID_PARAMETER_VALUE: 400,
  RESOURCE_ALREADY_EXISTS: 400,
  BAD_REQUEST: 400,
  UNAUTHENTICATED: 401,
  PERMISSION_DENIED: 403,
  RESOURCE_DOES_NOT_EXIST: 404,
  ENDPOINT_NOT_FOUND: 404,
  RESOURCE_CONFLICT: 409,
  REQUEST_LIMIT_EXCEEDED: 429,
  INTERNAL_ERROR: 500,
  DATA_LOSS: 500,
  TEMPORARILY_UNAVAILABLE: 503,
} as const;
export type MlflowErrorCode = keyof typeof MLFLOW_STATUS;

/** An error answered in MLflow's shape, `{error_code, message}`. */
export class MlflowError extends Error {
  override readonly name = 'MlflowError';
  constructor(
    readonly code: MlflowErrorCode,
    message: string,
  ) {
    super(message);
  }
}

/**
 * Warden's codes in MLflow's words. A conflict is 409 (not a 5xx, which MLflow clients retry);
 * a move the lifecycle does not allow is a bad parameter; a size limit keeps its own status.
 */
const FROM_WARDEN: Record<ErrorCode, MlflowErrorCode> = {
  invalid_input: 'INVALID_PARAMETER_VALUE',
  invalid_json: 'INVALID_PARAMETER_VALUE',
  unauthenticated: 'UNAUTHENTICATED',
  forbidden: 'PERMISSION_DENIED',
  not_found: 'RESOURCE_DOES_NOT_EXIST',
  conflict: 'RESOURCE_CONFLICT',
  invalid_transition: 'INVALID_PARAMETER_VALUE',
  payload_too_large: 'BAD_REQUEST',
  unsupported_media_type: 'BAD_REQUEST',
  rate_limited: 'REQUEST_LIMIT_EXCEEDED',
  integrity_failure: 'DATA_LOSS',
  unavailable: 'TEMPORARILY_UNAVAILABLE',
  internal: 'INTERNAL_ERROR',
};

/** Shorthands. */
export const invalidParameter = (message: string) => new MlflowError('INVALID_PARAMETER_VALUE', message);
export const doesNotExist = (message: string) => new MlflowError('RESOURCE_DOES_NOT_EXIST', message);
export const alreadyExists = (message: string) => new MlflowError('RESOURCE_ALREADY_EXISTS', message);
export const permissionDenied = (message: string) => new MlflowError('PERMISSION_DENIED', message);

/** True for the paths answered in MLflow's wire format. */
export function isMlflowPath(path: string): boolean {
  return path.startsWith('/api/2.0/mlflow/') || path.startsWith('/api/2.0/mlflow-artifacts/');
}

/** Renders any thrown value as MLflow does: `{error_code, message}` with MLflow's status for the code. */
export function renderMlflowError(error: unknown, c: Context): Response {
  let code: MlflowErrorCode;
  let message: string;
  let status: number;
  if (error instanceof MlflowError) {
    code = error.code;
    message = error.message;
    status = MLFLOW_STATUS[code];
  } else if (error instanceof WardenError) {
    code = FROM_WARDEN[error.code];
    message = error.message;
    // Size and media-type refusals keep their own status (413, 415); the rest take MLflow's.
    status =
      error.code === 'payload_too_large' || error.code === 'unsupported_media_type'
        ? error.status
        : MLFLOW_STATUS[code];
  } else if (error instanceof HTTPException) {
    code = error.status === 413 ? 'BAD_REQUEST' : 'INVALID_PARAMETER_VALUE';
    message = error.message || 'bad request';
    status = error.status;
  } else {
    console.error(`[${c.get('requestId') as string}]`, error);
    code = 'INTERNAL_ERROR';
    message = 'internal error; the request id is in the X-Request-Id header';
    status = 500;
  }
  return c.json({ error_code: code, message }, status as 400);
}

/** The answer to a path under /api/2.0/mlflow that names no endpoint. */
export function endpointNotFound(method: string, path: string): MlflowError {
  return new MlflowError('ENDPOINT_NOT_FOUND', `no MLflow endpoint ${method} ${path}`);
}
