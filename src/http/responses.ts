import type { z } from '@hono/zod-openapi';
import { errorSchema } from './errors.js';

/** Response declarations shared by routes: the success body plus the error bodies every route may answer. */
export function jsonResponse<T extends z.ZodType>(status: 200 | 201, schema: T, description: string) {
  return {
    [status]: { content: { 'application/json': { schema } }, description },
    400: { content: { 'application/json': { schema: errorSchema } }, description: 'Invalid input' },
    401: {
      content: { 'application/json': { schema: errorSchema } },
      description: 'Missing or invalid token',
    },
    403: { content: { 'application/json': { schema: errorSchema } }, description: 'Role not allowed' },
    404: { content: { 'application/json': { schema: errorSchema } }, description: 'Not found' },
    409: { content: { 'application/json': { schema: errorSchema } }, description: 'Conflict' },
  } as const;
}

export function jsonBody<T extends z.ZodType>(schema: T) {
  return { body: { content: { 'application/json': { schema } }, required: true } } as const;
}
