import { z } from '@hono/zod-openapi';
import type { AppContext } from '../http/context.js';
import type { FastRead } from '../http/fast-reads.js';
import { modelName } from '../registry/model.schema.js';
import { routeDecisionFor } from './rollout-routing.service.js';

/** The path parameters of `GET /api/v1/models/{name}/route`. */
export const routeDecisionParams = z.object({ name: modelName });
/** The query of `GET /api/v1/models/{name}/route`. */
export const routeDecisionQuery = z.object({ key: z.string().min(1).max(1024) });

/**
 * A query of one `key` whose value needs no decoding (no `%`, no `+`); any other query, even a
 * valid one, is left to the app, which decodes it.
 */
const PLAIN_KEY_QUERY = /^key=([A-Za-z0-9._~!$'()*,;:@/?-]+)$/;

/**
 * The routing decision answered before the app's router (`src/http/fast-reads.ts`): the same
 * checks of the name and key (the route's own schemas) and the same decision as the route's
 * handler; a request it does not take, or would refuse, is answered by the app.
 */
export function routeDecisionFastRead(ctx: AppContext): FastRead {
  return {
    route: '/api/v1/models/:name/route',
    answer(params, query) {
      const key = PLAIN_KEY_QUERY.exec(query)?.[1];
      if (key === undefined || !routeDecisionQuery.safeParse({ key }).success) return undefined;
      const parsed = routeDecisionParams.safeParse(params);
      if (!parsed.success) return undefined;
      return routeDecisionFor(ctx, parsed.data.name, key);
    },
  };
}
