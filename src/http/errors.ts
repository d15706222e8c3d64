import { z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { HTTPException } from 'hono/http-exception';
import { WardenError, type ErrorCode } from '../core/errors.js';

export const errorSchema = z
  .object({
    error: z.object({
      code: z.string(),
      message: z.string(),
      field: z.string().optional(),
      details: z.record(z.string(), z.unknown()).optional(),
    }),
  })
  .openapi('Error', {
    description:
      'Every error answer: a stable code, a message in words and, for bad input, the field at fault',
  });

/** Renders any thrown value as `{error: {code, message, field?}}` with the status of its code. */
export function renderError(error: unknown, c: Context): Response {
  let warden: WardenError;
  if (error instanceof WardenError) {
    warden = error;
  } else if (error instanceof HTTPException) {
    const code: ErrorCode =
      error.status === 413
        ? 'payload_too_large'
        : error.message.toLowerCase().includes('json')
          ? 'invalid_json'
          : error.status === 401
            ? 'unauthenticated'
            : 'invalid_input';
    warden = new WardenError(code, error.message || 'bad request');
  } else {
    console.error(`[${c.get('requestId') as string}]`, error);
    warden = new WardenError('internal', 'internal error; the request id is in the X-Request-Id header');
  }
  const body = {
    error: {
      code: warden.code,
      message: warden.message,
      ...(warden.field !== undefined ? { field: warden.field } : {}),
      ...(warden.details !== undefined ? { details: warden.details } : {}),
    },
  };
  return c.json(body, warden.status as 400);
}

/** Turns the first schema issue into an error naming the offending field. */
export function zodIssueToError(error: z.ZodError, where: string): WardenError {
  const issue = error.issues[0];
  if (!issue) return new WardenError('invalid_input', `invalid ${where}`);
  let path = issue.path.map(String).join('.');
  let message = issue.message;
  if (issue.code === 'unrecognized_keys') {
    const key = issue.keys[0] ?? '';
    path = path ? `${path}.${key}` : key;
    message = `unknown field "${key}"`;
  }
  return new WardenError(
    'invalid_input',
    path ? `${where} ${path}: ${message}` : `${where}: ${message}`,
    path || undefined,
  );
}
