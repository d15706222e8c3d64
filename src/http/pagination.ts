import { z } from '@hono/zod-openapi';
import { invalidInput } from '../core/errors.js';

/** Query parameters every list accepts. */
export const pageQuery = {
  limit: z.coerce
    .number()
    .int()
    .min(1)
    .max(1000)
    .default(50)
    .openapi({ description: 'Items per page (1–1000)' }),
  pageToken: z.string().max(2048).optional().openapi({ description: 'nextPageToken of the previous page' }),
};

/** Cursor tokens are opaque to clients: base64url of a small JSON object naming the last item seen. */
export function encodePageToken(cursor: Record<string, string | number>): string {
  return Buffer.from(JSON.stringify(cursor)).toString('base64url');
}

export function decodePageToken<T extends Record<string, string | number>>(
  token: string | undefined,
  keys: (keyof T & string)[],
): T | undefined {
  if (token === undefined || token === '') return undefined;
  try {
    const parsed = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as Record<string, unknown>;
    for (const key of keys) {
      const v = parsed[key];
      if (typeof v !== 'string' && typeof v !== 'number') throw new Error('missing key');
    }
    return parsed as T;
  } catch {
    throw invalidInput('pageToken is not a token this server issued', 'pageToken');
  }
}

/** Builds `{items, nextPageToken?}` from one extra row fetched beyond the limit. */
export function toPage<T, C extends Record<string, string | number>>(
  rows: T[],
  limit: number,
  cursorOf: (last: T) => C,
): { items: T[]; nextPageToken?: string } {
  if (rows.length <= limit) return { items: rows };
  const items = rows.slice(0, limit);
  return { items, nextPageToken: encodePageToken(cursorOf(items[items.length - 1]!)) };
}

export function pageSchema<T extends z.ZodType>(item: T) {
  return z.object({ items: z.array(item), nextPageToken: z.string().optional() });
}
