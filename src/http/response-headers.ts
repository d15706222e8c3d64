import { ServerResponse } from 'node:http';
import type { Context } from 'hono';
import { newId } from '../core/ids.js';

const REQUEST_ID = /^[A-Za-z0-9._-]{1,128}$/;

/** Request ids: a random per-process prefix and a counter, cheaper than random bytes per request. */
const REQUEST_PREFIX = newId('req').slice(-12);
let requestCounter = 0;

/** The request's id: the caller's `X-Request-Id` when well-formed, else a new one. */
export function requestIdFor(given: string | undefined): string {
  return given && REQUEST_ID.test(given) ? given : `req_${REQUEST_PREFIX}${(++requestCounter).toString(36)}`;
}

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
