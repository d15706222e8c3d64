import type { Context } from 'hono';
import type { Principal, WardenEnv } from './context.js';

/** Who makes a request, as the services record it in the audit trail: the principal and the request id. */
export function actorOf(c: Context<WardenEnv>): { principal: Principal; requestId: string } {
  return { principal: c.get('principal'), requestId: c.get('requestId') };
}
