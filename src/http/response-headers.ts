import { ServerResponse } from 'node:http';
import type { Context } from 'hono';

/**
 * Sets the headers every answer carries: its request id and `X-Content-Type-Options: nosniff`.
 *
 * Served by Node, they go on the Node response itself, which writes them with whatever the handler
 * answers (errors and not-found included). Set through Hono instead, they would turn the answer's
 * headers from a plain record into a Fetch `Headers` object, which the Node adapter then copies
 * back into a record: that copy cost every read more than the handler itself. In-process requests
 * (`app.request`, no Node response) get them through Hono.
 */
export function setCommonHeaders(c: Context, requestId: string): void {
  const outgoing = (c.env as { outgoing?: unknown } | undefined)?.outgoing;
  if (outgoing instanceof ServerResponse) {
    outgoing.setHeader('X-Request-Id', requestId);
    outgoing.setHeader('X-Content-Type-Options', 'nosniff');
    return;
  }
  c.header('X-Request-Id', requestId);
  c.header('X-Content-Type-Options', 'nosniff');
}
