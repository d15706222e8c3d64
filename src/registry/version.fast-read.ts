import { z } from '@hono/zod-openapi';
import type { AppContext } from '../http/context.js';
import type { FastRead } from '../http/fast-reads.js';
import { modelName } from './model.schema.js';
import { findVersion } from './version.repository.js';
import { semverString } from './version.schema.js';

/** The path parameters of `GET /api/v1/models/{name}/versions/{version}`, as the route declares them. */
const versionReadParams = z.object({ name: modelName, version: semverString });

/**
 * A version answered before the app's router (`src/http/fast-reads.ts`): the route's own checks of
 * the name and version and the same read as its handler (`requireVersion`, whose found answer is
 * the version itself). A request with a query, an input the route refuses, or a version not found
 * is left to the app, which answers it (the not-found answer tells a missing model from a missing
 * version).
 */
export function versionFastRead(ctx: AppContext): FastRead {
  return {
    route: '/api/v1/models/:name/versions/:version',
    answer(params, query) {
      if (query !== '') return undefined;
      const parsed = versionReadParams.safeParse(params);
      if (!parsed.success) return undefined;
      return findVersion(ctx.db, parsed.data.name, parsed.data.version);
    },
  };
}
