import { Readable } from 'node:stream';
import type { ReadableStream as NodeReadableStream } from 'node:stream/web';
import type { OpenAPIHono } from '@hono/zod-openapi';
import { ALL_ROLES, AUTHOR_ROLES } from '../auth/roles.js';
import type { AppContext, WardenEnv } from '../http/context.js';
import type { RouteTable } from '../http/route-table.js';
import { invalidParameter } from './mlflow.errors.js';
import {
  ARTIFACTS_PREFIX,
  listMlflowArtifacts,
  openMlflowArtifact,
  uploadMlflowArtifact,
} from './mlflow-artifacts.service.js';

const FILE_PATH = `${ARTIFACTS_PREFIX}/:path{.+}`;

/**
 * The `mlflow-artifacts:` proxy MLflow clients use (mlflow/store/artifact/http_artifact_repo.py):
 * PUT a file (any media type: the client sends the guessed one), GET it back, GET the folder listing
 * with `?path=`. Bytes go to the content-addressed store; paths map to digests.
 */
export function registerMlflowArtifactRoutes(
  app: OpenAPIHono<WardenEnv>,
  routes: RouteTable,
  ctx: AppContext,
): void {
  routes.declare('PUT', FILE_PATH, AUTHOR_ROLES, 'file', { basicAuth: true });
  app.put(FILE_PATH, async (c) => {
    const raw = c.req.raw.body;
    if (!raw) throw invalidParameter('the request has no body; send the file bytes');
    const length = c.req.header('content-length');
    await uploadMlflowArtifact(
      ctx,
      { principal: c.get('principal'), requestId: c.get('requestId') },
      c.req.param('path'),
      Readable.fromWeb(raw as NodeReadableStream<Uint8Array>),
      length !== undefined && /^\d+$/.test(length) ? Number(length) : undefined,
    );
    return c.json({}, 200);
  });

  routes.declare('GET', FILE_PATH, ALL_ROLES, 'none', { basicAuth: true });
  app.get(FILE_PATH, async (c) => {
    const file = await openMlflowArtifact(ctx, c.req.param('path'));
    return new Response(Readable.toWeb(file.stream) as ReadableStream, {
      status: 200,
      headers: {
        'content-type': 'application/octet-stream',
        'content-length': String(file.size),
        'x-content-sha256': file.sha256,
        'x-content-type-options': 'nosniff',
      },
    });
  });

  routes.declare('GET', ARTIFACTS_PREFIX, ALL_ROLES, 'none', { basicAuth: true });
  app.get(ARTIFACTS_PREFIX, async (c) => {
    const files = await listMlflowArtifacts(ctx.db, c.req.query('path'));
    return c.json(files.length > 0 ? { files } : {}, 200);
  });
}
